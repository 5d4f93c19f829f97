"""w2vns evaluate and w2vns plot."""
import json
import os
import sys

import click

from ..apps.evaluation import PHRASE_ANALOGIES_PATH
from ..apps.evaluation import evaluate as run_evaluation
from ..apps.heldout import HELDOUT_MAX_PAIRS, evaluate_heldout
from ..apps.plot import MissingMatplotlib, image_format, plot_words
from ..corpus.encode import CorpusError
from ..training import checkpoint
from ..vectors.keyed import KeyedVectors
from .common import (EXIT_UNANSWERED, emit_lines, error_text, fail, json_safe, load_vectors,
                     not_in_vocabulary, resolve_model)
from .options import json_option, model_option, old_spelling, parse_size
from .tables import format_evaluation, format_heldout


@click.command(epilog="""\b
Examples:
  w2vns evaluate -m vectors.bin
  w2vns evaluate -m vectors.bin --analogies my-questions.txt --json""")
@model_option()
@click.option("--analogies", "analogy_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Analogy questions (questions-words layout); repeatable.")
@click.option("--phrases", "phrase_analogies", is_flag=True,
              help="Also run the bundled phrase analogies (questions-phrases.txt: "
              "New_York New_York_Times Baltimore Baltimore_Sun), for vectors of phrased text.")
@click.option("--similarity", "similarity_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Word pairs with human scores (word1 word2 score); repeatable.")
@click.option("--restrict", type=click.IntRange(1), default=30000, show_default=True,
              help="Analogies: answer among the N most frequent words, skip questions outside.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add", show_default=True,
              help="Analogies: 3CosAdd or 3CosMul.")
@click.option("--heldout", "heldout_file", default=None,
              type=click.Path(exists=True, dir_okay=False),
              help="Held-out text: the cross-entropy and perplexity of its (word, context) "
                   "pairs under the model's exact softmax (needs a --save-model folder).")
@click.option("--max-pairs", type=click.IntRange(1), default=HELDOUT_MAX_PAIRS,
              show_default=True, help="Held-out: score at most N pairs.")
@click.option("--seed", type=click.IntRange(0), default=1, show_default=True,
              help="Held-out: which pairs (subsampling, windows, the choice of N).")
@json_option("One JSON document on stdout.")
def evaluate(model_path, analogy_files, phrase_analogies, similarity_files, restrict, method,
             heldout_file, max_pairs, seed, as_json):
    """Word-analogy accuracy and word-similarity correlation of a model; with --heldout, the
    held-out log-likelihood of its output layer.

    With no --analogies, --phrases, --similarity or --heldout, runs the bundled questions-words
    analogies and WordSim-353; otherwise only what is asked for.  Words match
    case-insensitively, as in gensim.  --heldout needs the whole model (-m a folder written by
    'w2vns train --save-model', or a checkpoint), not only its vectors.
    """
    model_path = resolve_model(model_path)
    saved = None
    if heldout_file:
        if not os.path.isfile(os.path.join(model_path, checkpoint.MANIFEST)):
            fail("--heldout needs the model's output layer: -m a folder written by 'w2vns "
                 "train --save-model DIR' (or a checkpoint), not %s" % model_path)
        try:
            saved = checkpoint.load(model_path, progress=False)
        except checkpoint.CheckpointError as err:
            fail(str(err))
        kv = KeyedVectors(saved.vocab.keys(), saved.syn0, counts=saved.vocab.counts)
    else:
        kv = load_vectors(model_path)
    if phrase_analogies:
        analogy_files = list(analogy_files) + [PHRASE_ANALOGIES_PATH]
    if not analogy_files and not similarity_files:
        analogy_files = similarity_files = [] if heldout_file else None
    try:
        result = run_evaluation(kv, analogy_files, similarity_files, restrict_vocab=restrict,
                                method=method)
        if heldout_file:
            result["heldout"] = dict(evaluate_heldout(saved, heldout_file, max_pairs=max_pairs,
                                                      seed=seed).as_dict(), path=heldout_file)
    except (ValueError, CorpusError) as err:  # an empty test set, not UTF-8, no pairs
        fail(str(err))
    except OSError as err:
        fail(error_text(err))
    if as_json:
        result = dict({"model": model_path}, **result)
        emit_lines([json.dumps(json_safe(result), ensure_ascii=False)])
    else:
        text = [format_evaluation(result)] if result["analogies"] or result["similarity"] else []
        if heldout_file:
            text.append(format_heldout(result["heldout"]))
        emit_lines(["\n\n".join(text)])


@click.command(epilog="""\b
Examples:
  w2vns plot king queen man woman paris london -n 5 -o map.png
  cut -f1 words.tsv | w2vns plot - -o words.svg""")
@click.argument("words", nargs=-1, required=True)
@model_option()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Image to write (.png; .svg, .pdf, ... by extension).")
@click.option("-n", "--topn", "neighbours", type=click.IntRange(0, 1000), default=None,
              help="Also show each word's N nearest neighbours, in a lighter colour  "
                   "[default: 0].")
@old_spelling("-k", "--neighbours", now="-n/--topn", name="neighbours_old",
              type=click.IntRange(0, 1000))
@click.option("--size", default="1000x800", show_default=True, callback=parse_size,
              help="Image size in pixels, WIDTHxHEIGHT.")
def plot(words, model_path, output, neighbours, neighbours_old, size):
    """Draw a labelled 2-D map (PCA) of WORDs and their neighbours; needs matplotlib.

    Each WORD and its neighbours share a colour (the legend names them); labels never overlap:
    where a neighbour's label finds no free place it is left out (a note says how many).
    '-' reads the words from stdin, one per line.
    """
    neighbours = (neighbours if neighbours is not None else
                  neighbours_old if neighbours_old is not None else 0)
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
        click.echo("w2vns: %s" % not_in_vocabulary(kv, word), err=True)
    if len(unknown) == len(words):
        fail("nothing to plot, %s not written" % output, EXIT_UNANSWERED)
    try:
        plot_words(kv, words, output, neighbours=neighbours, size=size,
                   model_name=os.path.basename(os.path.normpath(model_path)))
    except OSError as err:
        fail(error_text(err, output))
    if unknown:
        sys.exit(EXIT_UNANSWERED)
