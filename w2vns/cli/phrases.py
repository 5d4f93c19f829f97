"""w2vns phrases."""
import inspect
import os
import time

import click

from ..corpus.encode import CorpusError
from ..corpus.phrases import SCORERS, Phrases, PhrasesError
from ..io.atomic import check_writable
from .common import fail, human, log, plural
from .options import cache_dir_option, progress_option, quiet_option
from .progress import TqdmProgress

#: The library's defaults, shown in --help (declared once, on ``Phrases``).
DEFAULTS = {name: p.default for name, p in inspect.signature(Phrases).parameters.items()}
#: Options that choose how a table is learned: a --phrases-from table has its own.
LEARNING = ("min_count", "threshold", "scorer", "passes", "delimiter", "max_bigrams")


@click.command(epilog="""\b
Examples:
  w2vns phrases corpus.txt.gz -o phrased.txt --passes 2
  zcat big.gz | w2vns phrases - | w2vns train - -o vectors.bin
  w2vns phrases new.txt --phrases-from table.tsv     # the same phrases, new text""")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True,
              help="Phrased text ('-': stdout; a .gz/.bz2/.xz name compresses).")
@click.option("--min-count", type=click.IntRange(1), default=DEFAULTS["min_count"],
              show_default=True, help="Bigrams seen fewer times are never phrases.")
@click.option("--threshold", type=float, default=None,
              help="Score a bigram needs to become a phrase  [default: %s]." % ", ".join(
                  "%g for %s" % (t, s) for s, t in SCORERS.items()))
@click.option("--scorer", type=click.Choice(list(SCORERS)), default=DEFAULTS["scorer"],
              show_default=True, help="word2vec: (n(ab) - min_count) / (n(a) n(b)) * tokens, "
              "as word2phrase; npmi: normalised PMI in [-1, 1], as gensim.")
@click.option("--passes", type=click.IntRange(1, 10), default=DEFAULTS["passes"],
              show_default=True, help="2 joins phrases again: trigrams and longer.")
@click.option("--delimiter", default=DEFAULTS["delimiter"], show_default=True,
              help="Joins the words of a phrase.")
@click.option("--max-bigrams", type=click.IntRange(1), default=DEFAULTS["max_bigrams"],
              show_default=True, help="Distinct bigrams counted at once (16-43 bytes each); "
              "past it the rarest are dropped, as word2phrase and gensim do.")
@click.option("--save-phrases", type=click.Path(dir_okay=False), default=None,
              help="Also write the phrase table, for --phrases-from.")
@click.option("--phrases-from", type=click.Path(dir_okay=False), default=None,
              help="Apply this saved phrase table instead of learning one (one streaming read).")
@cache_dir_option()
@progress_option()
@quiet_option()
@click.pass_context
def phrases(ctx, corpus, output, save_phrases, phrases_from, cache_dir, progress, quiet,
            **settings):
    """Join frequent bigrams of CORPUS into phrases (new york -> new_york), as word2phrase.

    CORPUS: files, '-' for stdin, .gz/.bz2/.xz/.zst, URLs. Lines are kept, one per line.
    """
    started = time.perf_counter()
    if corpus.count("-") > 1:
        fail("stdin ('-') can be read only once")
    if save_phrases == "-":
        fail("--save-phrases needs a file name (stdout is for the phrased text)")
    for path in corpus:
        if path != "-" and "://" not in path:
            if not os.path.exists(path):
                fail("%s: no such file" % path)
            if os.path.isdir(path):
                fail("%s: is a folder, not a corpus file" % path)
    for target in (output, save_phrases):
        if target and target != "-":
            try:
                check_writable(target)
            except OSError as err:
                fail("%s: %s" % (target, err.strerror))
    bar = TqdmProgress(enabled=False if quiet else progress)
    try:
        if phrases_from:
            given = [name for name in LEARNING
                     if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT]
            if given:
                fail("--%s cannot be used with --phrases-from: the table has its own settings"
                     % given[0].replace("_", "-"))
            model = Phrases.load(phrases_from)
            model.transform(list(corpus), output, progress=bar.counting)
        else:
            model = Phrases(**settings)
            model.fit_transform(list(corpus), output, progress=bar.counting,
                                cache_dir=cache_dir)
        bar.close()
        if save_phrases:
            model.save(save_phrases)
    except (CorpusError, PhrasesError, ValueError) as err:
        bar.close()
        fail(str(err))
    except BrokenPipeError:
        raise  # the reader of stdout left: main() ends quietly
    except OSError as err:
        bar.close()
        fail("%s%s" % (err.strerror or err, ": %s" % err.filename if err.filename else ""))
    where = "stdout" if output == "-" else output
    if phrases_from:
        log(quiet, "w2vns: applied %s from %s in %.1f s -> %s" % (
            plural(len(model), "phrase"), phrases_from, time.perf_counter() - started, where))
        return
    passes = "; ".join("pass %d: %s tokens, %s, %s joined" % (
        s["pass"], human(s["tokens"]), plural(s["phrases"], "phrase"), human(s["joined"]))
        + (" (%s of the bigram table)" % plural(s["prunes"], "prune") if s["prunes"] else "")
        for s in model.stats)
    log(quiet, "w2vns: %s in %.1f s -> %s" % (passes, time.perf_counter() - started, where))
