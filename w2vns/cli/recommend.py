"""The recommendation commands: w2vns recommend and w2vns evaluate-rec."""
import json
import sys

import click

from ..apps.recommend import BLOCK, evaluate_leave_last_out, load_recommender, read_baskets
from ..training.checkpoint import CheckpointError
from ..vectors.formats import FormatError
from .common import (EXIT_UNANSWERED, SURROGATES, emit_lines, error_text, fail, finish,
                     json_safe, load_vectors, not_in_vocabulary, resolve_model, stdin_lines)
from .options import preset_option, preset_params, training_options


@click.command()
@click.argument("items", nargs=-1, required=True)
@click.option("-n", "--topn", type=click.IntRange(1), default=10, show_default=True)
@click.option("-m", "--model", "model_path", default=None,
              help="Vectors file or .w2vns folder [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("--exclude", multiple=True, metavar="ITEM", help="Never recommend ITEM (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="JSON (JSON Lines with '-').")
def recommend(items, topn, model_path, exclude, as_json):
    """Items closest to the basket ITEM...: with a saved model (train --save-model DIR, -m DIR)
    the model's own prediction (the basket's mean input vector times each item's output
    vector); with a vectors file, cosine to the mean of the items' unit vectors.

    '-' reads one basket per stdin line and writes one line per basket, in order: the items
    separated by spaces, or a JSON object with --json.  Unknown items are ignored (one stderr
    line each); a basket with none known gets an empty answer and exit code 1.
    """
    if "-" in items and len(items) > 1:
        fail("'-' (read baskets from stdin) cannot be mixed with items")
    path = resolve_model(model_path)
    try:
        recommender = load_recommender(path)
    except (CheckpointError, FormatError, OSError, ValueError) as err:
        fail(error_text(err, "<stdin>" if path == "-" else path) + path.where())
    stream = items == ("-",)
    lines = ((raw.split() for raw in stdin_lines("baskets are text, one per line")) if stream
             else iter([list(items)]))
    unanswered = 0
    while True:
        baskets = [[f.decode("utf-8", "surrogateescape") if isinstance(f, bytes) else f
                    for f in line] for _, line in zip(range(BLOCK), lines)]
        if not baskets:
            break
        out = []
        for basket, answer in zip(baskets, recommender.recommend_many(baskets, topn, exclude)):
            unknown = recommender.indexes(basket)[1]
            for item in unknown:
                click.echo("w2vns: %s" % not_in_vocabulary(recommender.kv, item), err=True)
            unanswered += bool(basket) and len(unknown) == len(basket)
            if as_json:
                out.append(SURROGATES.sub(lambda m: "\\u%04x" % ord(m.group()), json.dumps(
                    {"basket": basket, "recommendations": [
                        {"item": i, "score": round(v, 6)} for i, v in answer],
                     "unknown": unknown}, ensure_ascii=False)))
            elif stream:
                out.append(" ".join(i for i, _ in answer))
            else:
                out.extend("%s\t%.4f" % (i, v) for i, v in answer)
        emit_lines(out)
    if unanswered:
        sys.exit(EXIT_UNANSWERED)


@click.command("evaluate-rec")
@click.argument("sessions", type=click.Path(exists=True, dir_okay=False))
@click.option("-m", "--model", "model_path", default=None,
              help="Score these vectors instead of training on the sessions.")
@click.option("--k", "k", type=click.IntRange(1), default=10, show_default=True)
@click.option("--scoring", type=click.Choice(["cosine", "output"]), default=None,
              help="Rank by cosine to the basket, or by the trained output vectors (needs "
              "training, not -m)  [default: output when training, cosine with -m].")
@preset_option(default="items")
@training_options(preset="items")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_context
def evaluate_rec(ctx, sessions, model_path, k, scoring, preset, as_json, quiet, **params):
    """Leave-last-out next-item test on SESSIONS (one basket per line): hit rate@k and MRR@k.

    The last item of each line is hidden, vectors are trained on the rest with the train
    options below (or -m MODEL is scored), and the hidden item is ranked among all items from
    the others on its line, those excluded; the popularity baseline is printed beside.
    """
    preset = None if preset == "none" else preset
    params, _ = preset_params(ctx, preset, params)
    kv = load_vectors(resolve_model(model_path)) if model_path else None
    scoring = scoring or ("cosine" if kv is not None else "output")
    if kv is not None and scoring == "output":
        fail("--scoring output needs the output vectors of training: leave out -m")
    try:
        result = evaluate_leave_last_out(read_baskets(sessions), k=k, kv=kv, scoring=scoring,
                                         **({} if kv is not None else params))
    except ValueError as err:
        fail(str(err))
    except OSError as err:
        fail(error_text(err, sessions))
    if result["train"]:
        result["train"] = {key: result["train"][key] for key in (
            "vocab_size", "tokens", "train_seconds", "params")}
    if as_json:
        finish("json", json_safe(dict(result, sessions=sessions, vectors=model_path)), False)
        return
    emit_lines(["leave-last-out on %s: %d cases of %d lines (%d repeats), k=%d, %s scoring"
                % (sessions, result["cases"], result["lines"], result["repeats"], k, scoring),
                "%-12s %9s %9s" % ("", "hit@%d" % k, "MRR@%d" % k)] +
               ["%-12s %9.4f %9.4f" % (name, result[key]["hit_rate"], result[key]["mrr"])
                for name, key in (("model", "model"), ("popularity", "popularity"))])

