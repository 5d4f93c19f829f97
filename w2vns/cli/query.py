"""The query commands: w2vns similar, analogy, similarity."""
import click

from .common import (answerable, emit_lines, finish, load_vectors, output_style, read_queries,
                     resolve_model)
from .options import query_options


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--topn", type=click.IntRange(1), default=10, show_default=True,
              help="Neighbours per word.")
@query_options
@click.option("--tsv", "as_tsv", is_flag=True, help="Lines of word<TAB>neighbour<TAB>similarity.")
def similar(words, topn, model_path, restrict, as_json, as_tsv):
    """Nearest neighbours of each WORD by cosine similarity.

    '-' reads one word per line from stdin and answers each as it comes
    (cut -f1 words.tsv | w2vns similar - --tsv).
    """
    style = output_style(as_json, as_tsv)
    questions = read_queries(words, 1, "")
    kv = load_vectors(resolve_model(model_path))
    results, unknown, unanswered = [], [], 0
    for number, (line, query) in enumerate(questions):
        if not answerable(kv, query, 1, line, unknown):
            unanswered += 1
            continue
        word = query[0]
        neighbours = [{"word": w, "similarity": round(s, 6)}
                      for w, s in kv.most_similar(word, topn=topn, restrict_vocab=restrict)]
        if style == "json":
            results.append({"word": word, "neighbours": neighbours})
        elif style == "tsv":
            emit_lines("%s\t%s\t%.6f" % (word, n["word"], n["similarity"]) for n in neighbours)
        else:
            header = [] if len(words) == 1 and line is None else [
                ("\n" if number else "") + "%s:" % word]
            emit_lines(header + ["%s\t%.4f" % (n["word"], n["similarity"]) for n in neighbours])
    finish(style, {"results": results, "unknown": unknown}, unanswered)


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="3CosAdd (b - a + c) or 3CosMul (Levy & Goldberg).")
@click.option("-n", "--topn", type=click.IntRange(1), default=1, show_default=True,
              help="Answers per question.")
@query_options
@click.option("--tsv", "as_tsv", is_flag=True, help="Lines of a<TAB>b<TAB>c<TAB>answer<TAB>score.")
def analogy(words, method, topn, model_path, restrict, as_json, as_tsv):
    """A is to B as C is to what?  WORDS is A B C, or '-' to read one 'A B C' per stdin line.

    \b
      w2vns analogy man king woman          # queen
    """
    style = output_style(as_json, as_tsv)
    questions = read_queries(words, 3, "analogy takes three words A B C (A is to B as C is "
                                       "to ?), or '-'")
    kv = load_vectors(resolve_model(model_path))
    results, unknown, unanswered = [], [], 0
    for number, (line, question) in enumerate(questions):
        if not answerable(kv, question, 3, line, unknown):
            unanswered += 1
            continue
        answers = [{"word": w, "score": round(s, 6)} for w, s in
                   kv.analogy(*question, topn=topn, method=method, restrict_vocab=restrict)]
        if style == "json":
            results.append({"question": question, "answers": answers})
        elif style == "tsv":
            emit_lines("\t".join(question + [a["word"], "%.6f" % a["score"]]) for a in answers)
        else:
            header = [] if line is None else [
                ("\n" if number else "") + "%s : %s :: %s :" % tuple(question)]
            emit_lines(header + ["%s\t%.4f" % (a["word"], a["score"]) for a in answers])
    finish(style, {"method": method, "results": results, "unknown": unknown}, unanswered)


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("-m", "--model", "model_path", default=None,
              help="Vectors file or .w2vns folder [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("--tsv", "as_tsv", is_flag=True, help="Lines of a<TAB>b<TAB>similarity.")
def similarity(words, model_path, as_json, as_tsv):
    """Cosine similarity of two words A B, or of each 'A B' pair on stdin ('-').

    \b
      w2vns similarity dog cat              # 0.812345
      cut -f1,2 pairs.tsv | w2vns similarity - --tsv
    """
    style = output_style(as_json, as_tsv)
    pairs = read_queries(words, 2, "similarity takes two words A B, or '-'")
    kv = load_vectors(resolve_model(model_path))
    results, unknown, unanswered = [], [], 0
    for line, pair in pairs:
        if not answerable(kv, pair, 2, line, unknown):
            unanswered += 1
            continue
        value = round(kv.similarity(*pair), 6)
        if style == "json":
            results.append({"a": pair[0], "b": pair[1], "similarity": value})
        elif style == "tsv" or line is not None:
            emit_lines(["%s\t%s\t%.6f" % (pair[0], pair[1], value)])
        else:
            emit_lines(["%.6f" % value])
    finish(style, {"results": results, "unknown": unknown}, unanswered)
