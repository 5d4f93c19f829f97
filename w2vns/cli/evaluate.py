"""w2vns evaluate and w2vns plot."""
import json
import os
import sys

import click

from ..apps.evaluation import evaluate as run_evaluation
from ..apps.plot import MissingMatplotlib, image_format, plot_words
from .common import EXIT_UNANSWERED, fail, json_safe, load_vectors, resolve_model
from .options import parse_size
from .tables import format_evaluation


@click.command()
@click.option("-m", "--model", "model_path", default=None,
              help="Vectors file [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("--analogies", "analogy_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Analogy questions (questions-words layout); repeatable.")
@click.option("--similarity", "similarity_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Word pairs with human scores (word1 word2 score); repeatable.")
@click.option("--restrict", type=click.IntRange(1), default=30000, show_default=True,
              help="Analogies: answer among the N most frequent words, skip questions outside.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="Analogies: 3CosAdd or 3CosMul.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def evaluate(model_path, analogy_files, similarity_files, restrict, method, as_json):
    """Word-analogy accuracy and word-similarity correlation of a model.

    With no --analogies and no --similarity, runs the bundled questions-words analogies and
    WordSim-353; otherwise only the files given.  Words match case-insensitively, as in gensim.
    """
    model_path = resolve_model(model_path)
    kv = load_vectors(model_path)
    if not analogy_files and not similarity_files:
        analogy_files = similarity_files = None
    try:
        result = run_evaluation(kv, analogy_files, similarity_files, restrict_vocab=restrict,
                                method=method)
    except ValueError as err:  # an empty test set, or one that is not UTF-8 text
        fail(str(err))
    except OSError as err:
        fail("%s%s" % (err.strerror or err, ": %s" % err.filename if err.filename else ""))
    if as_json:
        result = dict({"model": model_path}, **result)
        click.echo(json.dumps(json_safe(result), ensure_ascii=False))
    else:
        click.echo(format_evaluation(result))


@click.command()
@click.argument("words", nargs=-1, required=True)
@click.option("-m", "--model", "model_path", default=None,
              help="Vectors file [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Image to write (.png; .svg, .pdf, ... by extension).")
@click.option("-k", "--neighbours", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Also show each word's K nearest neighbours, in a lighter colour.")
@click.option("--size", default="1000x800", show_default=True, callback=parse_size,
              help="Image size in pixels, WIDTHxHEIGHT.")
def plot(words, model_path, output, neighbours, size):
    """Draw a labelled 2-D map (PCA) of WORDs and their neighbours; needs matplotlib.

    '-' reads the words from stdin, one per line.
    """
    model_path = resolve_model(model_path)
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        fail("%s: folder %s does not exist" % (output, folder))
    try:  # before loading what may be a large model
        image_format(output)
    except (MissingMatplotlib, ValueError) as err:
        fail(str(err))
    kv = load_vectors(model_path)
    if words == ("-",):
        words = tuple(line.strip() for line in sys.stdin if line.strip())
    unknown = [word for word in words if word not in kv]
    for word in unknown:
        click.echo("w2vns: %r is not in the vocabulary" % word, err=True)
    if len(unknown) == len(words):
        fail("nothing to plot, %s not written" % output, EXIT_UNANSWERED)
    try:
        plot_words(kv, words, output, neighbours=neighbours, size=size)
    except OSError as err:
        fail("%s%s" % (err.strerror or err, ": %s" % err.filename if err.filename else ""))
    if unknown:
        sys.exit(EXIT_UNANSWERED)
