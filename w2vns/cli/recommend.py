"""The recommendation commands: w2vns recommend and w2vns evaluate-rec."""
import os
import shlex
import sys

import click

from ..apps.recommend import (BLOCK, CONTEXT_SIDES, CONTEXT_STEPS, DIMS, NOISE_POWERS, SCORINGS,
                              TooShortToChoose, describe_scoring, evaluate_leave_last_out,
                              load_recommender, read_baskets, scoring_triple)
from ..training.checkpoint import CheckpointError, read_corpus_paths
from ..vectors.formats import FormatError
from .common import (EXIT_UNANSWERED, Answers, emit_lines, error_text, fail, finish, json_line,
                     json_safe, load_vectors, output_style, plural, report_unknown,
                     resolve_model, stdin_batches)
from .options import (json_option, model_option, number_text, old_spelling, option_given,
                      preset_option, preset_params, quiet_option, train_command,
                      training_options)


@click.command(epilog="""\b
Examples:
  w2vns recommend -m items.model apples pears -n 5
  w2vns recommend -m items.model - --json < baskets.txt > answers.jsonl""")
@click.argument("items", nargs=-1, required=True)
@click.option("-n", "--topn", type=click.IntRange(1), default=10, show_default=True,
              help="Recommendations per basket.")
@model_option(help="Saved model folder (train --save-model DIR: the model's own prediction) or "
                   "vectors file (cosine) [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("--exclude", multiple=True, metavar="ITEM", help="Never recommend ITEM (repeatable).")
@click.option("--scoring", type=click.Choice(["output", "cosine"]), default=None,
              help="The model's prediction (needs a saved model, -m DIR) or cosine to the "
              "basket  [default: output with a saved model, cosine with a vectors file].")
@click.option("--recency", type=click.FloatRange(0), default=0.0, show_default=True,
              metavar="H", help="Weight the basket's items by recency, half-life H items, the "
              "last item weighing most (0: all alike). For sessions in time order; "
              "evaluate-rec says which H predicts best.")
@click.option("--popularity", type=click.FloatRange(0), default=0.0, show_default=True,
              metavar="W", help="Add W x ln(count) to each item's score: a prior on popular "
              "items (needs the counts: a saved model or .w2vns folder). evaluate-rec says "
              "which W predicts best.")
@json_option("JSON: one document, or JSON Lines with '-' (one object per basket).")
@click.option("--tsv", "as_tsv", is_flag=True,
              help="Lines of basket<TAB>item<TAB>score (the basket's items joined by spaces).")
def recommend(items, topn, model_path, exclude, scoring, recency, popularity, as_json, as_tsv):
    """Items closest to the basket ITEM...: with a saved model (train --save-model DIR, -m DIR)
    the model's own prediction (the basket's mean input vector times each item's output
    vector); with a vectors file, cosine to the mean of the items' unit vectors.

    '-' reads one basket per stdin line and answers each line as it arrives (from a file, many
    lines at a time), in order: one line per basket, the items separated by spaces (an empty
    line for a basket with no known item), a JSON object with --json, item<TAB>score lines
    tagged with the basket with --tsv.  Unknown items are left out of their basket and named
    on stderr (one line each), and the command exits 1; every basket is still answered.
    """
    style = output_style(as_json, as_tsv)
    if "-" in items and len(items) > 1:
        fail("'-' (read baskets from stdin) cannot be mixed with items")
    path = resolve_model(model_path)
    try:
        recommender = load_recommender(path, scoring, recency, popularity)
    except (CheckpointError, FormatError, OSError, ValueError) as err:
        fail(error_text(err, "<stdin>" if path == "-" else path) + path.where())
    stream = items == ("-",)
    batches = ([[f.decode("utf-8", "surrogateescape") for f in raw.split()] for raw in batch]
               for batch in stdin_batches("baskets are text, one per line", BLOCK)
               ) if stream else [[list(items)]]
    answers = Answers(style, stream)
    unknown, number = [], 0
    for baskets in batches:
        for basket, answer in zip(baskets, recommender.recommend_many(baskets, topn, exclude)):
            number += 1
            missing = recommender.indexes(basket)[1]
            report_unknown(missing, recommender.kv)
            unknown.extend(missing)
            record = {"basket": basket, "recommendations": [
                {"item": i, "score": round(v, 6)} for i, v in answer], "unknown": missing}
            if stream:
                record = dict({"line": number}, **record)
            if style == "tsv":
                lines = ["%s\t%s\t%.6f" % (" ".join(basket), i, v) for i, v in answer]
            elif stream:
                lines = [" ".join(i for i, _ in answer)]
            else:
                lines = ["%s\t%.4f" % (i, v) for i, v in answer]
            answers.add(record, lines)
    if style == "json" and not stream:
        emit_lines([json_line(answers.results[0])])
    if unknown:
        sys.exit(EXIT_UNANSWERED)


@click.command("evaluate-rec", epilog="""\b
Examples:
  w2vns evaluate-rec sessions.txt -n 20
  w2vns evaluate-rec new-sessions.txt -m last-month.bin""")
@click.argument("sessions")  # a path, "-" for stdin or a URL: read_baskets opens it
@model_option(help="Score these vectors instead of training on the sessions; they must not "
                   "have seen the last item of each line (train them on other sessions).")
@click.option("-n", "--topn", "k", type=click.IntRange(1), default=None,
              help="Cut-off of the ranking: a hit is a hidden item among the first N  "
                   "[default: 10].")
@old_spelling("--k", now="-n/--topn", name="k_old", type=click.IntRange(1))
@click.option("--scoring", type=click.Choice(["auto", "output", "cosine"]), default=None,
              help="Rank by the trained output vectors or by cosine to the basket; auto: the "
              "one of these (and the recency, the popularity weight, and the noise power, "
              "context side, dimension and context steps where not given) that predicts best "
              "on a held-out split of the training lines (needs training, as output does)  "
              "[default: auto when training, cosine with -m].")
@click.option("--recency", type=click.FloatRange(0), default=None, metavar="H",
              help="Weight a basket's items by recency, half-life H items (0: all alike) "
              "[default: auto's pick, else 0].")
@click.option("--popularity", type=click.FloatRange(0), default=None, metavar="W",
              help="Add W x ln(count) to each item's score, a prior on popular items "
              "[default: auto's pick, else 0].")
@preset_option(default="items")
@training_options(preset="items", shown={
    "noise_power": "auto's pick among %s; else 0 with the items preset" % ", ".join(
        "%g" % p for p in NOISE_POWERS),
    "context_side": "auto's pick among %s; else both" % ", ".join(CONTEXT_SIDES),
    "dim": "auto's pick among %s; else 100" % ", ".join(map(str, DIMS)),
    "context_steps": "auto's pick among %s where it scores by cosine; else summed" % ", ".join(
        CONTEXT_STEPS)})
@json_option("One JSON document on stdout.")
@quiet_option()
@click.pass_context
def evaluate_rec(ctx, sessions, model_path, k, k_old, scoring, recency, popularity, preset,
                 as_json, quiet, **params):
    """Leave-last-out next-item test on SESSIONS (one basket per line): hit rate@k and MRR@k.

    The last item of each line is hidden, vectors are trained on the rest with the train
    options below (or -m MODEL is scored), and the hidden item is ranked among all items from
    the others on its line, those excluded; the popularity baseline is printed beside.

    -m MODEL must not have been trained on SESSIONS as they are: such vectors have seen every
    hidden item in its line and score far too high.  Train it on other sessions (an earlier
    period), or leave out -m; a warning says when the model's counts, vocabulary order or
    saved corpus show that it saw the hidden items.
    """
    k = k if k is not None else k_old if k_old is not None else 10
    preset = None if preset == "none" else preset
    params, _ = preset_params(ctx, preset, params)
    kv = load_vectors(resolve_model(model_path)) if model_path else None
    scoring = scoring or ("cosine" if kv is not None else "auto")
    if kv is not None and scoring != "cosine":
        fail("--scoring %s needs the output vectors of training: leave out -m" % scoring)
    options = {"recency": recency or 0.0, "popularity": popularity or 0.0}
    if scoring == "auto" and (recency is not None or popularity is not None):
        # The candidates with the given recency and popularity in place of their own.
        options = {"candidates": tuple(dict.fromkeys(
            (s, r if recency is None else recency, p if popularity is None else popularity)
            for s, r, p in map(scoring_triple, SCORINGS)))}
    picked = ()
    if scoring == "auto":  # not given: auto picks them (the preset's among others)
        picked = [name for name in PICKED if not option_given(ctx, name)]
        for name in picked:
            params.pop(name)
    trained_on = []
    if kv is not None and os.path.isfile(os.path.join(model_path, "checkpoint.json")):
        try:
            trained_on = read_corpus_paths(model_path)
        except CheckpointError:
            pass  # loading it said what is wrong, or it is readable vectors all the same
    try:
        result = evaluate_leave_last_out(read_baskets(sessions), k=k, kv=kv, scoring=scoring,
                                         trained_on=trained_on, sessions=sessions, **options,
                                         **({} if kv is not None else params))
    except TooShortToChoose as err:
        fail("%s; give --scoring output or --scoring cosine" % err)
    except ValueError as err:
        fail(str(err))
    except OSError as err:
        fail(error_text(err, sessions))
    if result["leak"] and not quiet:
        click.echo("w2vns: warning: %s looks trained on %s with the hidden items (%s): its "
                   "scores are recall of training data, not predictions; train it on other "
                   "sessions, or leave out -m" % (model_path, sessions, "; ".join(
                       result["leak"])), err=True)
    if result["train"]:
        result["train"] = {key: result["train"][key] for key in (
            "vocab_size", "tokens", "train_seconds", "params")}
        train, use = usage_commands(ctx, sessions, preset, picked, result)
        result["commands"] = {"train": train, "recommend": use}
    if as_json:
        finish("json", json_safe(dict(result, sessions=sessions, vectors=model_path)), False)
        return
    selection = result["selection"]
    picked_power = selection and len(selection["noise_powers"]) > 1
    picked_side = selection and len(selection["context_sides"]) > 1
    picked_dim = selection and len(selection["dims"]) > 1
    picked_steps = selection and len(selection["context_steps_tried"]) > 1
    used = describe_scoring(result["scoring"], result["recency"],
                            result["noise_power"] if picked_power else None,
                            result["popularity_weight"],
                            result["context_side"] if picked_side else None,
                            result["dim"] if picked_dim else None,
                            result["context_steps"] if picked_steps else None)
    if selection:
        errors = selection["standard_errors"]
        used += " (auto: of %d candidates on %s, the first within %s of the best)" % (
            len(selection["candidates"]), plural(selection["cases"], "held-out case"),
            "%g standard error%s" % (errors, "" if errors == 1 else "s"))
    lines = ["leave-last-out on %s: %s of %s (%s), top %d, scoring %s"
             % (sessions, plural(result["cases"], "case"), plural(result["lines"], "line"),
                plural(result["repeats"], "repeat"), k, used),
             "%-24s %9s %9s" % ("", "hit@%d" % k, "MRR@%d" % k)]
    lines += ["%-24s %9.4f %9.4f" % (name, result[key]["hit_rate"], result[key]["mrr"])
              for name, key in (("model", "model"), ("popularity", "popularity"))]
    if selection:
        lines.append("held-out split (the last items of each training line hidden, one per "
                     "10 items, 1 to %d), * picked, + best:" % selection["hidden_per_line"])
        names = [describe_scoring(c["scoring"], c["recency"],
                                  c["noise_power"] if picked_power else None, c["popularity"],
                                  c["context_side"] if picked_side else None,
                                  c["dim"] if picked_dim else None,
                                  c["context_steps"] if picked_steps else None)
                 for c in selection["candidates"]]
        marks = {selection["best"]: "+", selection["picked"]: "*"}
        lines += ["%s %-*s %9.4f %9.4f" % (
            marks.get(i, " "), max(map(len, names)), name, c["hit_rate"], c["mrr"])
            for i, (name, c) in enumerate(zip(names, selection["candidates"]))]
    if result["train"]:
        lines += ["to train on every line with these settings, then recommend:"] + [
            "  " + shlex.join(result["commands"][name]) for name in ("train", "recommend")]
    emit_lines(lines)


#: The training parameters evaluate-rec's auto picks where they are not given.
PICKED = ("noise_power", "context_side", "dim", "context_steps")
#: Where the commands evaluate-rec suggests save the model and read it back.
MODEL_FOLDER = "items.model"


def usage_commands(ctx, sessions, preset, picked, result):
    """The ``w2vns train`` arguments that train a model on every line of ``sessions`` as
    evaluate-rec trained the one it measured (:func:`train_command`, ``picked`` the
    parameters its pick chose), saving it to :data:`MODEL_FOLDER`, and the ``w2vns recommend``
    arguments that score as measured."""
    train = train_command(ctx, [sessions], preset, result["train"]["params"], picked)
    use = ["w2vns", "recommend", "-m", MODEL_FOLDER]
    if result["scoring"] == "cosine":
        use += ["--scoring", "cosine"]
    if result["recency"]:
        use += ["--recency", number_text(result["recency"])]
    if result["popularity_weight"]:
        use += ["--popularity", number_text(result["popularity_weight"])]
    return train + ["--save-model", MODEL_FOLDER], use + ["ITEM..."]
