"""w2vns info and w2vns convert."""
import os
import time
import warnings

import click

from ..io.atomic import check_writable
from ..io.files import is_url
from ..vectors.formats import FormatError
from ..vectors.keyed import FORMATS, format_for_path
from ..vectors.keyed import convert as convert_vectors
from .common import (emit_lines, error_text, fail, finish, load_vectors, log, plural,
                     resolve_model, show_warnings)
from .options import json_option, model_option, old_spelling, quiet_option

#: How info names each format (KeyedVectors.source["format"]).
FORMAT_NAMES = {"w2vns": "w2vns folder", "w2vns-model": "w2vns saved model (its input vectors)",
                "word2vec-binary": "word2vec binary", "word2vec-text": "word2vec text"}


@click.command(epilog="""\b
Examples:
  w2vns info -m vectors.bin
  w2vns info -m vectors.w2vns --top 0 --json""")
@model_option()
@click.option("--top", type=click.IntRange(0), default=None,
              help="How many of the most frequent words to show  [default: 10].")
@old_spelling("-n", now="--top", name="top_old", type=click.IntRange(0))
@json_option("One JSON document on stdout.")
def info(model_path, top, top_old, as_json):
    """Vocabulary size, dimension, format, norms and the most frequent words of a model."""
    top = top if top is not None else top_old if top_old is not None else 10
    path = resolve_model(model_path)
    started = time.perf_counter()
    kv = load_vectors(path, warn=True)
    summary = kv.describe(top=top)
    summary["load_seconds"] = round(time.perf_counter() - started, 3)
    summary["bytes"] = int(kv.vectors.nbytes)
    if as_json:
        finish("json", summary, False)
        return
    source, norms = summary["source"], summary["norms"]
    kind = FORMAT_NAMES[source["format"]]
    if source.get("complete") is False:
        kind = "w2vns checkpoint of an unfinished run (its input vectors)"
    if source.get("header") is False:
        kind += " without a header line (GloVe style)"
    if source["compression"]:
        kind += " (%s)" % source["compression"]
    lines = ["model          %s" % ("<stdin>" if source["path"] == "-" else source["path"]),
             "format         %s" % kind,
             "vocabulary     %s words" % format(summary["vocab_size"], ","),
             "dimension      %d" % summary["dim"],
             "vectors        %.1f MiB of float32%s, loaded in %.2f s"
             % (summary["bytes"] / 2**20, ", memory-mapped" if source["mmap"] else "",
                summary["load_seconds"])]
    if norms:
        lines.append("norms          min %.4g  median %.4g  mean %.4g  max %.4g  (%d zero)"
                     % (norms["min"], norms["median"], norms["mean"], norms["max"],
                        norms["zero"]))
    if summary["most_frequent"]:
        lines.append("most frequent  " + " ".join(
            w["word"] + (" (%d)" % w["count"] if "count" in w else "")
            for w in summary["most_frequent"]))
    emit_lines(lines)


@click.command(epilog="""\b
Examples:
  w2vns convert vectors.bin vectors.w2vns       # memory-mapped: loads in milliseconds
  w2vns convert vectors.bin.gz vectors.txt --limit 100000""")
@click.argument("source")
@click.argument("target")
@click.option("--to", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: by TARGET: .w2vns a memory-mapped folder, "
                   ".txt/.vec (also .gz/.bz2/.xz/.zst) and '-' text, else binary].")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="Keep only the first N words (the most frequent, in word2vec files).")
@quiet_option()
def convert(source, target, fmt, limit, quiet):
    """Copy vectors from SOURCE to TARGET in another format.

    SOURCE: a vectors file (any format, compressed or not), a .w2vns folder, a saved model
    folder, '-' (stdin) or a URL; TARGET '-' writes to stdout (text unless --to binary).
    """
    if source != "-" and not is_url(source) and not os.path.exists(source):
        fail("%s: no such file" % source)
    try:
        fmt = format_for_path(target, fmt)
    except ValueError as err:
        fail(str(err))
    if target != "-":
        try:
            check_writable(target, folder_output=fmt == "w2vns")
        except OSError as err:
            fail(error_text(err, target))
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kv = convert_vectors(source, target, fmt=fmt, limit=limit)
    except FileExistsError as err:  # TARGET is there and is not a w2vns folder
        fail(str(err))
    except (FormatError, ValueError) as err:
        fail(error_text(err, "<stdin>" if source == "-" else source))
    except OSError as err:
        fail(error_text(err))
    show_warnings(caught, quiet)
    log(quiet, "w2vns: %s x %s, %s -> %s (%s) in %.1f s"
        % (plural(len(kv), "word").replace(str(len(kv)), format(len(kv), ","), 1),
           plural(kv.vector_size, "dim"), source, target if target != "-" else "stdout",
           format_for_path(target, fmt), time.perf_counter() - started))
