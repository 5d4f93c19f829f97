"""The ``w2vns`` command line: parses arguments, calls the library, formats results.

Contract (DESIGN.md): results on stdout, progress and logs on stderr; exit 0 ok, 1 when a query
cannot be answered (other queries still are), 2 for bad usage or bad input (one line, no
traceback), 130 on Ctrl-C, 143 on SIGTERM.
"""
import copy
import faulthandler
import json
import math
import os
import re
import signal
import sys
import time

import click

EXIT_UNANSWERED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
DEFAULT_MODEL = "vectors.bin"


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM so that it unwinds like Ctrl-C."""


def _on_sigterm(signum, frame):
    raise Terminated()


def fail(message, code=EXIT_BAD_INPUT):
    """Print one line on stderr and exit with ``code``."""
    click.echo("w2vns: error: %s" % message, err=True)
    sys.exit(code)


def log(ctx_quiet, message):
    if not ctx_quiet:
        click.echo(message, err=True)


def resolve_model(path):
    """-m, else $W2VNS_MODEL, else ./vectors.bin; a missing file is a one-line error."""
    path = path or os.environ.get("W2VNS_MODEL") or DEFAULT_MODEL
    if path != "-" and not os.path.exists(path):
        fail("no model at %s: train one with 'w2vns train CORPUS -o %s', or point to one "
             "with -m FILE or $W2VNS_MODEL" % (path, path))
    return path


def load_vectors(path, warn=False):
    """Load a vectors file or folder for the query commands: format errors become one line.

    Warnings (words that are not UTF-8, kept anyway) are printed one line each with
    ``warn=True`` (info, convert), and not repeated by every query.
    """
    import warnings

    from .formats import FormatError
    from .vectors import KeyedVectors

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kv = KeyedVectors.load(path)
    except (FormatError, OSError, ValueError) as err:
        fail("cannot read %s: %s" % (path, err))
    show_warnings(caught, not warn)
    return kv


def output_is_text(path, fmt):
    """--format wins; otherwise .txt/.vec (optionally compressed) mean text, else binary."""
    if fmt:
        return fmt == "text"
    if path == "-":
        return True
    name = path.lower()
    for suffix in (".gz", ".bz2"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.endswith((".txt", ".vec"))


def plural(n, noun):
    """plural(1, "word") -> '1 word'; plural(3, "word") -> '3 words'."""
    return "%d %s%s" % (n, noun, "" if n == 1 else "s")


def human(n):
    """1234567 -> '1.23M' for summary lines."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return "%.3g%s" % (n / scale, unit)
    return "%d" % n


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="w2vns")
def cli():
    """w2vns: word2vec with negative sampling, fast.

    \b
      w2vns train corpus.txt          # writes ./vectors.bin
      w2vns similar dog               # nearest neighbours from ./vectors.bin
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_sigterm)


def training_options(negative, noise_power):
    """The training parameters shared by train and tune, in train's order; ``negative`` and
    ``noise_power`` are the two options that tune varies (lists there, one value in train)."""
    options = [
        click.option("--dim", type=click.IntRange(1, 10000), default=100, show_default=True,
                     help="Vector dimension."),
        click.option("--window", type=click.IntRange(0, 1000), default=5, show_default=True,
                     help="Maximum context distance (0: the whole line, for baskets)."),
        negative,
        click.option("--sample", type=click.FloatRange(0, 1, max_open=True), default=1e-3,
                     show_default=True, help="Subsampling threshold (0 disables)."),
        click.option("--min-count", type=click.IntRange(1), default=5, show_default=True,
                     help="Drop words rarer than this."),
        click.option("--max-vocab", type=click.IntRange(1), default=None,
                     help="Keep only the N most frequent words."),
        click.option("--epochs", type=click.IntRange(1, 100000), default=5, show_default=True),
        click.option("--alpha", type=click.FloatRange(0, 10, min_open=True), default=0.025,
                     show_default=True,
                     help="Initial learning rate (decays linearly to alpha*1e-4)."),
        noise_power,
        click.option("--threads", type=click.IntRange(1, 1024), default=None,
                     help="Worker threads [default: all cores]."),
        click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=1, show_default=True),
        click.option("--kernel", type=click.Choice(["fast", "reference"]), default="fast",
                     show_default=True, help="Update loop: shared negatives per window, or "
                     "word2vec's per-pair updates."),
        click.option("--loss", type=click.Choice(["sgns", "nce"]), default="sgns",
                     show_default=True,
                     help="Negative sampling (sgns) or noise-contrastive estimation (nce)."),
        click.option("--hard-negatives", "hard_negatives", type=click.IntRange(0, 10000),
                     default=0, show_default=True, metavar="M",
                     help="Draw M noise candidates, keep the --negative the model scores "
                     "highest (0: off)."),
        click.option("--adversarial-temperature", "adversarial_temperature",
                     type=click.FloatRange(0, 1000), default=0.0, show_default=True, metavar="T",
                     help="Weight noise words by k*softmax(score/T) (self-adversarial; 0: off)."),
        click.option("--hot-rows", "hot_rows", type=click.IntRange(0, 65536), default=None,
                     metavar="N", help="Threads work on private copies of the N most frequent "
                     "words' rows, merged every --hot-sync updates (less cache-line contention) "
                     "[default: 256 from 8 threads on, else 0]."),
        click.option("--hot-sync", "hot_sync", type=click.IntRange(1, 1000000), default=64,
                     show_default=True, metavar="N",
                     help="Updates between merges of the --hot-rows copies."),
        click.option("--nce-bias/--no-nce-bias", "nce_bias", default=True, show_default=True,
                     help="With --loss nce, learn a per-word output bias (score u.v + b_w, b_w "
                     "starting at log unigram probability); --no-nce-bias: the bare score u.v."),
    ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


class IntervalType(click.ParamType):
    """--checkpoint-every: 1epoch, 10m, 2h, 30s, or a number of words."""

    name = "INTERVAL"

    def convert(self, value, param, ctx):
        from .checkpoint import parse_every

        try:
            parse_every(value)
        except ValueError as err:
            self.fail(str(err), param, ctx)
        return value


@cli.command()
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", default=None,
              help="Vectors file to write ('-' writes text to stdout)  [default: vectors.bin; "
                   "with --resume, the interrupted run's]")
@click.option("--format", "fmt", type=click.Choice(["binary", "text"]), default=None,
              help="Output format [default: by extension: .txt/.vec text, else binary].")
@training_options(
    click.option("--negative", type=click.IntRange(0, 1000), default=5, show_default=True,
                 help="Noise words per positive pair."),
    click.option("--noise-power", type=click.FloatRange(-10, 10), default=0.75,
                 show_default=True, help="Noise distribution count**power (0 uniform, 1 unigram)."))
@click.option("--vocab-out", type=click.Path(dir_okay=False), default=None,
              help="Also write the vocabulary as word<TAB>count.")
@click.option("--report", type=click.Path(dir_okay=False), default=None,
              help="Write the run's summary as JSON.")
@click.option("--checkpoint", "checkpoint_dir", type=click.Path(file_okay=False), default=None,
              help="Save the training state in this folder as training goes, at the end, and "
                   "on Ctrl-C/SIGTERM.")
@click.option("--checkpoint-every", type=IntervalType(), default=None,
              help="When to save: Nepoch, a time (30s, 10m, 2h) or N words  [default: 1epoch].")
@click.option("--resume", "resume_dir", type=click.Path(file_okay=False), default=None,
              help="Continue the interrupted run whose checkpoint is in this folder.")
@click.option("--init", "init_dir", type=click.Path(file_okay=False), default=None,
              help="Start from a saved model or checkpoint folder (continued training).")
@click.option("--save-model", type=click.Path(file_okay=False), default=None,
              help="Also save the model (vocabulary, both matrices, settings) in this folder, "
                   "for --init.")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the temporary encoded corpus [default: $TMPDIR].")
@click.option("--progress/--no-progress", default=None,
              help="Force progress bars on or off [default: when stderr is a terminal].")
@click.option("--eval", "evaluate_after", is_flag=True,
              help="Evaluate on the bundled analogies and WordSim-353 after training; the "
                   "figures go to the summary line and --report.")
@click.option("--preset", type=click.Choice(["items"]), default=None,
              help="Defaults for a kind of data; options given explicitly win.  items: baskets "
                   "or sessions, one per line (window 0, min-count 1, sample 0, epochs 20, "
                   "noise-power 0).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_context
def train(ctx, corpus, output, fmt, vocab_out, report, checkpoint_dir, checkpoint_every,
          resume_dir, init_dir, save_model, cache_dir, progress, quiet, evaluate_after, preset,
          **params):
    """Train vectors on CORPUS (files, '-' for stdin, .gz/.bz2/.xz/.zst, URLs).

    \b
    w2vns train corpus.txt --checkpoint ckpt      # saves its state every epoch
    w2vns train --resume ckpt                     # after a crash, Ctrl-C or SIGTERM
    w2vns train more.txt --init ckpt -o v2.bin    # continued training on new text
    """
    from .atomic import atomic_output, check_writable
    from .checkpoint import CheckpointError
    from .corpus import CorpusError
    from .progress import TqdmProgress
    from .training import resume as resume_run
    from .training import train as train_model

    started = time.perf_counter()
    given = {name for name in params
             if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    if resume_dir:
        clash = sorted(given) + [opt for opt, value in (
            ("init", init_dir), ("checkpoint", checkpoint_dir)) if value]
        if clash:
            fail("--%s cannot be used with --resume: the run continues with its own settings "
                 "and checkpoint folder" % clash[0].replace("_", "-"))
        note = _checkpoint_note(resume_dir)
        output = output or note.get("output")
        fmt = fmt or note.get("format")
        vocab_out = vocab_out or note.get("vocab_out")
        report = report or note.get("report")
    elif not corpus:
        raise click.UsageError("Missing argument 'CORPUS...'.", ctx)
    elif checkpoint_every and not checkpoint_dir:
        fail("--checkpoint-every needs --checkpoint DIR")
    output = output or DEFAULT_MODEL
    if corpus.count("-") > 1:
        fail("stdin ('-') can be read only once")
    for path in corpus:
        if path != "-" and "://" not in path:
            if not os.path.exists(path):
                fail("%s: no such file" % path)
            if os.path.isdir(path):
                fail("%s: is a folder, not a corpus file" % path)
    for target in (output, vocab_out, report, save_model):
        if target and target != "-":
            try:
                # A --save-model folder that exists already must take a new file.
                check_writable(os.path.join(target, ".probe") if target == save_model
                               and os.path.isdir(target) else target)
            except OSError as err:
                fail("%s: %s" % (target, err.strerror))
    params, preset_used = preset_params(ctx, preset, params)
    given |= set(preset_used)  # the preset's values count as given (--init does not override)
    bars = TqdmProgress(enabled=False if quiet else progress)
    checkpoint = resume_dir or checkpoint_dir
    writing = None
    written = None  # set once the vectors are safe, so that Ctrl-C during --eval says so
    try:
        if resume_dir:
            model = resume_run(resume_dir, corpus=list(corpus) or None, progress=bars,
                               cache_dir=cache_dir, checkpoint_every=checkpoint_every)
        else:
            # Absolute, so that --resume from another folder writes the same files.
            note = {"output": _absolute(output), "format": fmt, "vocab_out": _absolute(vocab_out),
                    "report": _absolute(report)}
            model = train_model(list(corpus), progress=bars, cache_dir=cache_dir,
                                checkpoint=checkpoint_dir,
                                checkpoint_every=checkpoint_every or "1epoch", init=init_dir,
                                note=note, **{k: v for k, v in params.items() if k in given})
        _warn_about_words(quiet, model)
        write_start = time.perf_counter()
        writing = output  # named in the error if a write fails (a full disk says no file name)
        model.save_word2vec_format(output, binary=not output_is_text(output, fmt))
        written = output if output != "-" else "stdout"
        if vocab_out:
            writing = vocab_out
            model.vocab.save_tsv(vocab_out)
        if save_model:
            writing = save_model
            model.save(save_model)
        summary = dict(model.report)
        summary.update(output=output, write_seconds=time.perf_counter() - write_start)
        if preset:
            summary["preset"] = {"name": preset, "used": preset_used}
        if evaluate_after:
            from .evaluation import evaluate as run_evaluation

            summary["evaluation"] = run_evaluation(model.wv)
        summary["total_seconds"] = time.perf_counter() - started
        if report:
            writing = report
            with atomic_output(report, "w") as handle:
                json.dump(json_safe(summary), handle, indent=1)
                handle.write("\n")
    except (KeyboardInterrupt, Terminated) as err:
        bars.close()
        code, what = ((EXIT_INTERRUPTED, "interrupted") if isinstance(err, KeyboardInterrupt)
                      else (EXIT_TERMINATED, "terminated"))
        if written:
            fail("%s; vectors written to %s" % (what, written), code)
        if checkpoint and os.path.exists(os.path.join(checkpoint, "checkpoint.json")):
            fail("%s; no vectors were written; the training state is in %s: continue with "
                 "'w2vns train --resume %s'" % (what, checkpoint, checkpoint), code)
        fail("%s; nothing was written" % what, code)
    except (CorpusError, CheckpointError, ValueError) as err:
        fail(str(err))
    except OSError as err:
        name = err.filename or writing
        fail("%s%s" % (err.strerror or err, ": %s" % name if name else ""))
    figures = ""
    if evaluate_after:
        figures = "; %s" % evaluation_summary(summary["evaluation"])
    if preset:
        from .presets import describe

        figures += "; %s" % describe(preset, preset_used)
    log(quiet, "w2vns: %s words x %d dims, %s tokens x %d epochs in %.1f s (%s words/s, %d threads)"
        " -> %s" % (human(summary["vocab_size"]), summary["params"]["dim"], human(summary["tokens"]),
                    summary["epochs"], summary["train_seconds"], human(summary["words_per_sec"]),
                    summary["threads"], (output if output != "-" else "stdout") + figures))


def preset_params(ctx, preset, params):
    """Fill in the preset's values for the options not given on the command line (or from the
    environment); returns (params, {option: value} taken from the preset)."""
    from click.core import ParameterSource

    from .presets import apply_preset

    given = {name for name in params if ctx.get_parameter_source(name) in (
        ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)}
    return apply_preset(preset, params, given)


def json_safe(value):
    """NaN and infinities (e.g. the correlation of a constant list) become null: strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def format_evaluation(result):
    """The result of :func:`w2vns.evaluation.evaluate` as aligned text tables."""
    lines = []
    for res in result["analogies"]:
        if lines:
            lines.append("")
        lines.append("analogies %s (%s, %d most frequent words, %.2f s)" % (
            os.path.basename(res["path"]), "3CosMul" if res["method"] == "mul" else "3CosAdd",
            res["restrict_vocab"], res["seconds"]))
        lines.append("%-28s %9s %8s %8s %8s" % ("section", "accuracy", "correct", "scored",
                                               "skipped"))
        rows = [(s["section"] or "(no section)", s) for s in res["sections"]]
        rows += [("semantic", res["semantic"]), ("syntactic", res["syntactic"]), ("total", res)]
        for name, s in rows:
            lines.append("%-28s %8.2f%% %8d %8d %8d" % (name, 100 * s["accuracy"], s["correct"],
                                                       s["scored"], s["skipped"]))
    if result["similarity"]:
        if lines:
            lines.append("")
        lines.append("%-28s %9s %8s %8s %8s" % ("similarity", "spearman", "pearson", "pairs",
                                               "oov"))
        for res in result["similarity"]:
            lines.append("%-28s %9.4f %8.4f %8d %8d" % (
                os.path.basename(res["path"]), res["spearman"], res["pearson"], res["pairs"],
                res["oov"]))
    return "\n".join(lines)


def evaluation_summary(result):
    """A few words for a summary line: first analogy set's accuracy, first similarity set's
    Spearman correlation."""
    parts = []
    if result["analogies"]:
        res = result["analogies"][0]
        parts.append("analogies %.1f%% of %d scored" % (100 * res["accuracy"], res["scored"]))
    if result["similarity"]:
        res = result["similarity"][0]
        parts.append("%s spearman %.3f" % (os.path.splitext(os.path.basename(res["path"]))[0],
                                           res["spearman"]))
    return ", ".join(parts)


@cli.command()
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
    from .evaluation import evaluate as run_evaluation

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


def parse_size(ctx, param, value):
    """'1000x800' -> (1000, 800), for --size."""
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter("expected WIDTHxHEIGHT in pixels, e.g. 1000x800, not %r" % value)
    if not (16 <= width <= 20000 and 16 <= height <= 20000):
        raise click.BadParameter("width and height must be between 16 and 20000 pixels")
    return width, height


@cli.command()
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
    from .plot import MissingMatplotlib, image_format, plot_words

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


def _absolute(path):
    return path if path in (None, "-") or "://" in path else os.path.abspath(path)


def _checkpoint_note(folder):
    """The output options an interrupted run stored with its checkpoint."""
    from .checkpoint import CheckpointError, read_note

    try:
        return read_note(folder)
    except CheckpointError as err:
        fail(str(err))


def _warn_about_words(quiet, model):
    """One line each for words that were cut or are not UTF-8 (both are kept, but surprise)."""
    from .corpus import MAX_TOKEN_BYTES

    truncated = model.report.get("truncated_tokens", 0)
    if truncated:
        log(quiet, "w2vns: warning: %s longer than %d bytes truncated (binary data or a line "
            "without spaces?)" % (plural(truncated, "token"), MAX_TOKEN_BYTES))
    words = model.vocab.words
    try:
        b"\n".join(words).decode("utf-8")
    except UnicodeDecodeError:
        bad = sum(1 for word in words if not _is_utf8(word))
        log(quiet, "w2vns: warning: %s not valid UTF-8, written as their bytes (gensim "
            "reads them with unicode_errors='replace')" % plural(bad, "vocabulary word"))


def _is_utf8(word):
    try:
        word.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def query_options(command):
    """-m, --restrict and --json, shared by the query commands (similar, analogy)."""
    command = click.option("--json", "as_json", is_flag=True,
                           help="One JSON document on stdout.")(command)
    command = click.option("--restrict", type=click.IntRange(1), default=None,
                           help="Consider only the N most frequent words as answers.")(command)
    return click.option("-m", "--model", "model_path", default=None,
                        help="Vectors file or .w2vns folder [default: $W2VNS_MODEL, else "
                             "./vectors.bin].")(command)


@cli.command()
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


def output_style(as_json, as_tsv):
    """'json', 'tsv' or 'plain' from the two flags, which exclude each other."""
    if as_json and as_tsv:
        fail("--json and --tsv cannot be used together")
    return "json" if as_json else "tsv" if as_tsv else "plain"


def read_queries(words, arity, usage):
    """The queries as (stdin line number or None, [words]), checked before the model loads.

    With ``words == ('-',)``, one query per non-empty stdin line, its fields separated by
    whitespace, read as the lines come (decoded UTF-8 with surrogateescape, as words in vectors
    files are, so that any word can be asked for).  Otherwise ``arity == 1`` makes each word a
    query, and a larger arity needs exactly that many words (``usage`` says so if not).
    """
    if "-" in words and len(words) > 1:
        fail("'-' (read queries from stdin) cannot be mixed with words")
    if words != ("-",) and arity > 1 and len(words) != arity:
        fail(usage)

    def from_stdin():
        for number, raw in enumerate(sys.stdin.buffer, 1):
            fields = raw.split()
            if fields:
                yield number, [f.decode("utf-8", "surrogateescape") for f in fields]

    if words == ("-",):
        return from_stdin()
    if arity == 1:
        return ((None, [word]) for word in words)
    return iter([(None, list(words))])


def answerable(kv, query, arity, line, unknown):
    """Whether ``query`` has ``arity`` words, all known; if not, say why in one stderr line
    (one per unknown word) and collect the unknown words for --json."""
    if len(query) != arity:
        click.echo("w2vns: stdin line %d: expected %d word%s, found %d"
                   % (line, arity, "" if arity == 1 else "s", len(query)), err=True)
        return False
    missing = [word for word in query if word not in kv]
    for word in missing:
        click.echo("w2vns: %r is not in the vocabulary" % word, err=True)
    unknown.extend(missing)
    return not missing


_SURROGATES = re.compile("[\udc80-\udcff]")


def emit_lines(lines):
    """Write lines to stdout and flush (answers to stdin queries go out as they are found).

    Words that are not UTF-8 are written as the bytes they have in the vectors file.
    """
    out = sys.stdout.buffer
    for line in lines:
        out.write(line.encode("utf-8", "surrogateescape") + b"\n")
    out.flush()


def finish(style, document, unanswered):
    """Write the --json document if asked for; exit 1 if some query was not answered."""
    if style == "json":
        text = json.dumps(document, ensure_ascii=False)
        # Bytes that were not UTF-8 (lone surrogates in the str) become \udcXX escapes, so the
        # document stays valid UTF-8 and json.loads gives back w2vns's own str for the word.
        emit_lines([_SURROGATES.sub(lambda m: "\\u%04x" % ord(m.group()), text)])
    if unanswered:
        sys.exit(EXIT_UNANSWERED)


@cli.command()
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


@cli.command()
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


@cli.command()
@click.option("-m", "--model", "model_path", default=None,
              help="Vectors file or .w2vns folder [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("-n", "--top", type=click.IntRange(0), default=10, show_default=True,
              help="How many of the most frequent words to show.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def info(model_path, top, as_json):
    """Vocabulary size, dimension, format, norms and the most frequent words of a model."""
    from . import vectors  # noqa: F401 (imported before the clock starts: load time only)

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
    kind = {"w2vns": "w2vns folder", "word2vec-binary": "word2vec binary",
            "word2vec-text": "word2vec text"}[source["format"]]
    if source["compression"]:
        kind += " (%s)" % source["compression"]
    lines = ["model          %s" % source["path"],
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


@cli.command()
@click.argument("source")
@click.argument("target")
@click.option("--to", "fmt", type=click.Choice(["w2vns", "binary", "text"]), default=None,
              help="Output format [default: by TARGET: .w2vns a memory-mapped folder, "
                   ".txt/.vec (also .gz/.bz2/.xz) text, else binary].")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="Keep only the first N words (the most frequent, in word2vec files).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
def convert(source, target, fmt, limit, quiet):
    """Copy vectors from SOURCE to TARGET in another format.

    \b
      w2vns convert vectors.bin vectors.w2vns       # memory-mapped: loads in milliseconds
      w2vns convert vectors.bin.gz vectors.txt --limit 100000
    SOURCE may be '-' (stdin); TARGET '-' writes text to stdout.
    """
    import warnings

    from .formats import FormatError
    from .vectors import convert as convert_vectors, format_for_path

    if source != "-" and not os.path.exists(source):
        fail("%s: no such file" % source)
    if target != "-":
        folder = os.path.dirname(os.path.abspath(target))
        if not os.path.isdir(folder):
            fail("%s: folder %s does not exist" % (target, folder))
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kv = convert_vectors(source, target, fmt=fmt, limit=limit)
    except (FormatError, ValueError, FileExistsError) as err:
        fail("%s" % err)
    except OSError as err:
        fail("%s%s" % (err.strerror or err, ": %s" % err.filename if err.filename else ""))
    show_warnings(caught, quiet)
    log(quiet, "w2vns: %s words x %d dims, %s -> %s (%s) in %.1f s"
        % (format(len(kv), ","), kv.vector_size, source, target if target != "-" else "stdout",
           format_for_path(target, fmt), time.perf_counter() - started))


def show_warnings(caught, quiet):
    """Print caught warnings (words that are not UTF-8, ...) as one stderr line each."""
    if not quiet:
        for warning in caught:
            click.echo("w2vns: warning: %s" % warning.message, err=True)


def number_list(kind, low, high):
    """A click callback: '2,5,10' -> (2, 5, 10), each of ``kind`` within [low, high]."""
    def parse(ctx, param, value):
        try:
            values = tuple(kind(v) for v in value.split(",") if v.strip())
        except ValueError:
            raise click.BadParameter("expected comma-separated %s, e.g. %s, not %r" % (
                "integers" if kind is int else "numbers", "2,5,10" if kind is int else
                "0.5,0.75,1", value))
        if not values:
            raise click.BadParameter("give at least one value")
        for v in values:
            if not low <= v <= high:
                raise click.BadParameter("%s is not in the range %s..%s" % (v, low, high))
        return values
    return parse


@cli.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", default=DEFAULT_MODEL, show_default=True,
              help="Where to write the chosen setting's vectors.")
@click.option("--format", "fmt", type=click.Choice(["binary", "text"]), default=None,
              help="Output format [default: by extension: .txt/.vec text, else binary].")
@training_options(
    click.option("--negative", "negatives", default="2,5,10,20", show_default=True,
                 callback=number_list(int, 0, 1000),
                 help="Numbers of noise words per pair to try, comma-separated."),
    click.option("--noise-power", "noise_powers", default="0.75", show_default=True,
                 callback=number_list(float, -10, 10),
                 help="Noise distribution powers to try, comma-separated."))
@click.option("--metric", type=click.Choice(["auto", "analogy", "similarity", "heldout"]),
              default="auto", show_default=True,
              help="What to maximise; auto: analogies if at least 100 questions fit the "
                   "vocabulary, else heldout.")
@click.option("--analogies", "analogy_file", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Analogy questions for --metric analogy [default: bundled "
                                 "questions-words].")
@click.option("--similarity", "similarity_file", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Word pairs for --metric similarity [default: bundled "
                                 "WordSim-353].")
@click.option("--holdout", type=click.FloatRange(0, 0.5, min_open=True), default=0.01,
              show_default=True, help="Share of the lines kept out of training for heldout.")
@click.option("--max-tokens", type=click.IntRange(1), default=None,
              help="Read only the first N tokens of the corpus.")
@click.option("--budget-minutes", type=click.FloatRange(0, min_open=True), default=None,
              help="Successive halving within about this many minutes instead of the full grid.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Write every trial and the choice as JSON ('-': stdout, instead of the "
                   "table).")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Draw the metric and the time against the setting (needs matplotlib).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="Folder for the temporary encoded corpus [default: $TMPDIR].")
@click.option("--progress/--no-progress", default=None,
              help="Force the progress bar on or off [default: when stderr is a terminal].")
@click.option("-q", "--quiet", is_flag=True, help="Print only the table and errors.")
def tune(corpus, output, fmt, negatives, noise_powers, metric, analogy_file, similarity_file,
         holdout, max_tokens, budget_minutes, json_path, plot_path, cache_dir, progress, quiet,
         **params):
    """Train every --negative (x --noise-power) setting on CORPUS, score each, keep the best.

    \b
      w2vns tune corpus.txt --negative 2,5,10,20 -o best.bin
      w2vns tune items.txt --metric heldout --budget-minutes 10 --json tune.json

    Everything else is held fixed.  Near-ties go to the fewest negatives (see README).
    """
    from .atomic import atomic_output
    from .corpus import CorpusError
    from .progress import TqdmTrials
    from .tune import METRIC_NAMES, describe_rule, plot_trials, tune as run_tune

    if corpus.count("-") > 1:
        fail("stdin ('-') can be read only once")
    for path in corpus:
        if path != "-" and "://" not in path and not os.path.exists(path):
            fail("%s: no such file" % path)
    if output == "-":
        fail("tune prints its table on stdout: give -o a file name")
    if analogy_file and similarity_file:
        fail("--analogies and --similarity cannot be used together")
    metric_path = analogy_file or similarity_file
    if metric_path:
        wanted = "analogy" if analogy_file else "similarity"
        if metric not in ("auto", wanted):
            fail("--%s goes with --metric %s, not %s"
                 % ("analogies" if analogy_file else "similarity", wanted, metric))
        metric = wanted
    for target in (output, json_path, plot_path):
        if target and target != "-":
            folder = os.path.dirname(os.path.abspath(target))
            if not os.path.isdir(folder):
                fail("%s: folder %s does not exist" % (target, folder))
            if not os.access(folder, os.W_OK):
                fail("%s: folder %s is not writable" % (target, folder))
    if plot_path:
        from .plot import MissingMatplotlib, image_format

        try:  # before hours of training
            image_format(plot_path)
        except (MissingMatplotlib, ValueError) as err:
            fail(str(err))
    bar = TqdmTrials(enabled=False if quiet else progress)
    try:
        result = run_tune(list(corpus), negatives=negatives, noise_powers=noise_powers,
                          metric=metric, metric_path=metric_path, max_tokens=max_tokens,
                          budget_minutes=budget_minutes, holdout=holdout, progress=bar,
                          cache_dir=cache_dir, **params)
        result.model.save_word2vec_format(output, binary=not output_is_text(output, fmt))
        document = json_safe(dict(result.to_dict(), output=output))
        if json_path and json_path != "-":
            with atomic_output(json_path, "w") as handle:
                json.dump(document, handle, indent=1)
                handle.write("\n")
        if plot_path:
            plot_trials(result, plot_path)
    except KeyboardInterrupt:
        bar.close()
        fail("interrupted; nothing was written", EXIT_INTERRUPTED)
    except Terminated:
        bar.close()
        fail("terminated; nothing was written", EXIT_TERMINATED)
    except (CorpusError, ValueError) as err:
        fail(str(err))
    except OSError as err:
        fail("%s%s" % (err.strerror or err, ": %s" % err.filename if err.filename else ""))
    if json_path == "-":
        click.echo(json.dumps(document, ensure_ascii=False))
    else:
        click.echo(format_tune(result, METRIC_NAMES[result.metric], describe_rule(result.metric)))
    log(quiet, "w2vns: %d trials in %.1f s; negative %d, noise power %g -> %s"
        % (len(result.trials), result.seconds, result.best.negative, result.best.noise_power,
           output))


def format_tune(result, metric_name, rule):
    """The trials of :func:`w2vns.tune.tune` as a table, then the choice and the rule."""
    halving = result.budget_minutes is not None
    header = "%8s %11s " % ("negative", "noise_power")
    if halving:
        header += "%5s %9s " % ("round", "lines")
    header += "%20s %9s %8s" % (metric_name, "words/s", "seconds")
    lines = [header]
    for t in result.trials:
        row = "%8d %11g " % (t.negative, t.noise_power)
        if halving:
            row += "%5d %9d " % (t.rung, t.lines)
        row += "%20.4f %9s %8.2f" % (t.score, human(t.words_per_sec), t.train_seconds)
        if t is result.best:
            row += "  <- chosen"
        lines.append(row)
    best = result.best
    lines.append("")
    basis = best.detail.get("scored", best.detail.get("pairs"))
    lines.append("chosen: negative %d, noise power %g (%s %.4f over %d %s)"
                 % (best.negative, best.noise_power, metric_name, best.score, basis,
                    "questions" if result.metric == "analogy" else "pairs"))
    lines.append("rule: %s" % rule)
    if result.metric == "heldout":
        lines.append("held out: %d of %d lines" % (result.heldout_lines,
                                                    result.heldout_lines + result.lines))
    if halving:
        lines.append("successive halving stopped (%s) after %.1f s of %g min; the choice "
                     "trained on %d of %d lines"
                     % (result.stopped, result.seconds, result.budget_minutes, best.lines,
                        result.lines))
    return "\n".join(lines)

# -- recommendation (item2vec) ------------------------------------------------------------------

@cli.command()
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
    from .checkpoint import CheckpointError
    from .formats import FormatError
    from .recommend import BLOCK, load_recommender

    if "-" in items and len(items) > 1:
        fail("'-' (read baskets from stdin) cannot be mixed with items")
    path = resolve_model(model_path)
    try:
        recommender = load_recommender(path)
    except (CheckpointError, FormatError, OSError, ValueError) as err:
        fail("cannot read %s: %s" % (path, err))
    stream = items == ("-",)
    lines = (raw.split() for raw in sys.stdin.buffer) if stream else iter([list(items)])
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
                click.echo("w2vns: %r is not in the vocabulary" % item, err=True)
            unanswered += bool(basket) and len(unknown) == len(basket)
            if as_json:
                out.append(_SURROGATES.sub(lambda m: "\\u%04x" % ord(m.group()), json.dumps(
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


@cli.command("evaluate-rec")
@click.argument("sessions", type=click.Path(exists=True, dir_okay=False))
@click.option("-m", "--model", "model_path", default=None,
              help="Score these vectors instead of training on the sessions.")
@click.option("--k", "k", type=click.IntRange(1), default=10, show_default=True)
@click.option("--scoring", type=click.Choice(["cosine", "output"]), default=None,
              help="Rank by cosine to the basket, or by the trained output vectors (needs "
              "training, not -m)  [default: output when training, cosine with -m].")
@click.option("--preset", type=click.Choice(["items", "none"]), default="items",
              show_default=True, help="Training defaults (see train --preset).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_context
def evaluate_rec(ctx, sessions, model_path, k, scoring, preset, as_json, quiet, **params):
    """Leave-last-out next-item test on SESSIONS (one basket per line): hit rate@k and MRR@k.

    The last item of each line is hidden, vectors are trained on the rest with the train
    options below (or -m MODEL is scored), and the hidden item is ranked among all items from
    the others on its line, those excluded; the popularity baseline is printed beside.
    """
    from .recommend import evaluate_leave_last_out, read_baskets

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


evaluate_rec.params.extend(copy.copy(p) for p in train.params if p.name in (
    "dim", "window", "negative", "sample", "min_count", "epochs", "alpha", "noise_power",
    "threads", "seed"))

def main(argv=None):
    """Console entry point: click's usage errors become one line on stderr and exit 2."""
    # A crash in native code prints the Python stack instead of dying silently.
    faulthandler.enable()
    try:
        code = cli.main(args=argv, prog_name="w2vns", standalone_mode=False)
    except click.UsageError as err:
        hint = " (see 'w2vns %s --help')" % err.ctx.info_name if err.ctx and err.ctx.parent else (
            " (see 'w2vns --help')")
        fail(err.format_message() + hint)
    except click.ClickException as err:
        fail(err.format_message())
    except click.Abort:
        fail("interrupted", EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        # `w2vns similar ... | head`: the reader left; that is not an error of ours.
        sys.stderr.close()
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
