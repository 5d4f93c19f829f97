"""The query commands: w2vns similar, analogy, similarity, doesnt-match."""
import click

from .common import (Answers, answerable, fail, load_vectors, output_style, read_queries,
                     resolve_model)
from .options import json_option, model_option, query_options

#: The rule every query command follows, said once in each one's help.
UNKNOWN_RULE = ("A word that is not in the vocabulary is named on stderr (one line each) and "
                "the command exits 1; every other query is still answered.")
STREAM_RULE = ("'-' reads one query per stdin line and answers each as it comes; with --json "
               "that is JSON Lines, one object per query.")


@click.command(epilog="""\b
Examples:
  w2vns similar dog cat -n 5
  w2vns similar king woman --minus man          # king - man + woman
  cut -f1 words.tsv | w2vns similar - --tsv""")
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--topn", type=click.IntRange(1), default=10, show_default=True,
              help="Neighbours per query.")
@click.option("--minus", multiple=True, metavar="WORD",
              help="Subtract WORD (repeatable): the WORDS together, minus these, make one "
                   "query, as gensim's most_similar(positive=WORDS, negative=[WORD, ...]).")
@query_options
@click.option("--tsv", "as_tsv", is_flag=True,
              help="Lines of query<TAB>neighbour<TAB>similarity.")
def similar(words, topn, minus, model_path, restrict, as_json, as_tsv):
    """Nearest neighbours of each WORD by cosine similarity.

    With --minus, the WORDS are added up (their unit vectors), the --minus words subtracted,
    and the neighbours of the result found: one query.  '-' reads one word per line from
    stdin (with --minus, one line's words make one query).
    """
    style = output_style(as_json, as_tsv)
    combined = bool(minus)
    questions = read_queries(words, None if combined else 1, "")
    if combined and words != ("-",):
        questions = iter([(None, list(words))])
    kv = load_vectors(resolve_model(model_path))
    streaming = words == ("-",)
    answers = Answers(style, streaming)
    unknown, unanswered = [], 0
    negative = list(minus)
    for number, (line, query) in enumerate(questions):
        ok, problem = answerable(kv, query + negative, None if combined else 1, line, unknown)
        label = " ".join(query + ["-" + word for word in negative])
        record = {"word": query[0]} if not combined else {"positive": query,
                                                          "negative": negative}
        if line is not None:
            record = dict({"line": line}, **record)
        if not ok:
            unanswered += 1
            if streaming:
                answers.add(dict(record, neighbours=[], **(
                    {"error": problem} if problem else {"unknown": [
                        w for w in query + negative if w not in kv]})))
            continue
        neighbours = [{"word": w, "similarity": round(s, 6)} for w, s in kv.most_similar(
            positive=query, negative=negative, topn=topn, restrict_vocab=restrict)]
        if style == "tsv":
            lines = ["%s\t%s\t%.6f" % (label, n["word"], n["similarity"]) for n in neighbours]
        else:
            header = [] if len(words) == 1 and line is None or combined and line is None else [
                ("\n" if number else "") + "%s:" % label]
            lines = header + ["%s\t%.4f" % (n["word"], n["similarity"]) for n in neighbours]
        answers.add(dict(record, neighbours=neighbours), lines)
    answers.finish(unknown, unanswered)


@click.command(epilog="""\b
Examples:
  w2vns analogy man king woman                  # queen
  w2vns analogy - --tsv < questions.txt""")
@click.argument("words", nargs=-1, required=True)
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (b - a + c) or 3CosMul (Levy & Goldberg).")
@click.option("-n", "--topn", type=click.IntRange(1), default=1, show_default=True,
              help="Answers per question.")
@query_options
@click.option("--tsv", "as_tsv", is_flag=True, help="Lines of a<TAB>b<TAB>c<TAB>answer<TAB>score.")
def analogy(words, method, topn, model_path, restrict, as_json, as_tsv):
    """A is to B as C is to what?  WORDS is A B C, or '-' to read one 'A B C' per stdin line."""
    style = output_style(as_json, as_tsv)
    questions = read_queries(words, 3, "analogy takes three words A B C (A is to B as C is "
                                       "to ?), or '-'")
    kv = load_vectors(resolve_model(model_path))
    streaming = words == ("-",)
    answers = Answers(style, streaming)
    unknown, unanswered = [], 0
    for number, (line, question) in enumerate(questions):
        ok, problem = answerable(kv, question, 3, line, unknown)
        record = {"question": question} if line is None else {"line": line,
                                                               "question": question}
        if not ok:
            unanswered += 1
            if streaming:
                answers.add(dict(record, answers=[], **({"error": problem} if problem else {
                    "unknown": [w for w in question if w not in kv]})))
            continue
        found = [{"word": w, "score": round(s, 6)} for w, s in
                 kv.analogy(*question, topn=topn, method=method, restrict_vocab=restrict)]
        if style == "tsv":
            lines = ["\t".join(question + [a["word"], "%.6f" % a["score"]]) for a in found]
        else:
            header = [] if line is None else [
                ("\n" if number else "") + "%s : %s :: %s :" % tuple(question)]
            lines = header + ["%s\t%.4f" % (a["word"], a["score"]) for a in found]
        answers.add(dict(record, answers=found), lines)
    answers.finish(unknown, unanswered, method=method)


@click.command(epilog="""\b
Examples:
  w2vns similarity dog cat                      # 0.812345
  cut -f1,2 pairs.tsv | w2vns similarity - --tsv""")
@click.argument("words", nargs=-1, required=True)
@model_option()
@json_option()
@click.option("--tsv", "as_tsv", is_flag=True, help="Lines of a<TAB>b<TAB>similarity.")
def similarity(words, model_path, as_json, as_tsv):
    """Cosine similarity of two words A B, or of each 'A B' pair on stdin ('-')."""
    style = output_style(as_json, as_tsv)
    pairs = read_queries(words, 2, "similarity takes two words A B, or '-'")
    kv = load_vectors(resolve_model(model_path))
    streaming = words == ("-",)
    answers = Answers(style, streaming)
    unknown, unanswered = [], 0
    for line, pair in pairs:
        ok, problem = answerable(kv, pair, 2, line, unknown)
        record = {"a": pair[0], "b": pair[1] if len(pair) > 1 else None}
        if line is not None:
            record = dict({"line": line}, **record)
        if not ok:
            unanswered += 1
            if streaming:
                answers.add(dict(record, similarity=None, **({"error": problem} if problem else {
                    "unknown": [w for w in pair if w not in kv]})))
            continue
        value = round(kv.similarity(*pair), 6)
        if style == "tsv" or line is not None:
            lines = ["%s\t%s\t%.6f" % (pair[0], pair[1], value)]
        else:
            lines = ["%.6f" % value]
        answers.add(dict(record, similarity=value), lines)
    answers.finish(unknown, unanswered)


@click.command("doesnt-match", epilog="""\b
Examples:
  w2vns doesnt-match breakfast cereal dinner lunch     # cereal
  w2vns doesnt-match - < groups.txt""")
@click.argument("words", nargs=-1, required=True)
@model_option()
@json_option()
@click.option("--tsv", "as_tsv", is_flag=True, help="Lines of the words<TAB>the odd one.")
def doesnt_match(words, model_path, as_json, as_tsv):
    """The WORD that fits least with the others (gensim's doesnt_match): the one farthest, by
    cosine, from the mean of their unit vectors.  '-' reads one group per stdin line.

    Unknown words are left out of the group (as gensim does), named on stderr, and the
    command exits 1.
    """
    style = output_style(as_json, as_tsv)
    if words != ("-",) and len(words) < 2:
        fail("doesnt-match takes two or more words, or '-'")
    groups = read_queries(words, None, "")
    if words != ("-",):
        groups = iter([(None, list(words))])
    kv = load_vectors(resolve_model(model_path))
    streaming = words == ("-",)
    answers = Answers(style, streaming)
    unknown, unanswered = [], 0
    for line, group in groups:
        answerable(kv, group, None, line, unknown)
        known = [word for word in group if word in kv]
        missing = [word for word in group if word not in kv]
        record = {"words": group} if line is None else {"line": line, "words": group}
        if not known:
            unanswered += 1
            if streaming:
                answers.add(dict(record, answer=None, unknown=missing))
            continue
        odd = kv.doesnt_match(known)
        lines = ["%s\t%s" % (" ".join(group), odd)] if style == "tsv" or line is not None else [
            odd]
        answers.add(dict(record, answer=odd, **({"unknown": missing} if streaming else {})),
                    lines)
    answers.finish(unknown, unanswered)


for _command in (similar, analogy, similarity, doesnt_match):
    _command.help += "\n\n" + STREAM_RULE + "  " + UNKNOWN_RULE
