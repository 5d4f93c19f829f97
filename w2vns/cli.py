"""The ``w2vns`` command line: parses arguments, calls the library, formats results.

Contract (DESIGN.md): results on stdout, progress and logs on stderr; exit 0 ok, 1 when a query
cannot be answered (other queries still are), 2 for bad usage or bad input (one line, no
traceback), 130 on Ctrl-C, 143 on SIGTERM.
"""
import json
import os
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


def load_vectors(path):
    """Load a vectors file for the query commands, turning format errors into one line."""
    from .formats import FormatError
    from .vectors import KeyedVectors

    try:
        return KeyedVectors.load(path)
    except (FormatError, OSError, ValueError) as err:
        fail("cannot read %s: %s" % (path, err))


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
@click.option("--dim", type=click.IntRange(1, 10000), default=100, show_default=True,
              help="Vector dimension.")
@click.option("--window", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Maximum context distance.")
@click.option("--negative", type=click.IntRange(0, 1000), default=5, show_default=True,
              help="Noise words per positive pair.")
@click.option("--sample", type=click.FloatRange(0, 1, max_open=True), default=1e-3,
              show_default=True, help="Subsampling threshold (0 disables).")
@click.option("--min-count", type=click.IntRange(1), default=5, show_default=True,
              help="Drop words rarer than this.")
@click.option("--max-vocab", type=click.IntRange(1), default=None,
              help="Keep only the N most frequent words.")
@click.option("--epochs", type=click.IntRange(1, 100000), default=5, show_default=True)
@click.option("--alpha", type=click.FloatRange(0, 10, min_open=True), default=0.025,
              show_default=True, help="Initial learning rate (decays linearly to alpha*1e-4).")
@click.option("--noise-power", type=click.FloatRange(-10, 10), default=0.75, show_default=True,
              help="Noise distribution count**power (0 uniform, 1 unigram).")
@click.option("--threads", type=click.IntRange(1, 1024), default=None,
              help="Worker threads [default: all cores].")
@click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=1, show_default=True)
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
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_context
def train(ctx, corpus, output, fmt, vocab_out, report, checkpoint_dir, checkpoint_every,
          resume_dir, init_dir, save_model, cache_dir, progress, quiet, **params):
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
    bars = TqdmProgress(enabled=False if quiet else progress)
    checkpoint = resume_dir or checkpoint_dir
    writing = None
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
        if vocab_out:
            writing = vocab_out
            model.vocab.save_tsv(vocab_out)
        if save_model:
            writing = save_model
            model.save(save_model)
        summary = dict(model.report)
        summary.update(output=output, write_seconds=time.perf_counter() - write_start,
                       total_seconds=time.perf_counter() - started)
        if report:
            writing = report
            with atomic_output(report, "w") as handle:
                json.dump(summary, handle, indent=1)
                handle.write("\n")
    except (KeyboardInterrupt, Terminated) as err:
        bars.close()
        code, what = ((EXIT_INTERRUPTED, "interrupted") if isinstance(err, KeyboardInterrupt)
                      else (EXIT_TERMINATED, "terminated"))
        if checkpoint and os.path.exists(os.path.join(checkpoint, "checkpoint.json")):
            fail("%s; no vectors were written; the training state is in %s: continue with "
                 "'w2vns train --resume %s'" % (what, checkpoint, checkpoint), code)
        fail("%s; nothing was written" % what, code)
    except (CorpusError, CheckpointError, ValueError) as err:
        fail(str(err))
    except OSError as err:
        name = err.filename or writing
        fail("%s%s" % (err.strerror or err, ": %s" % name if name else ""))
    log(quiet, "w2vns: %s words x %d dims, %s tokens x %d epochs in %.1f s (%s words/s, %d threads)"
        " -> %s" % (human(summary["vocab_size"]), summary["params"]["dim"], human(summary["tokens"]),
                    summary["epochs"], summary["train_seconds"], human(summary["words_per_sec"]),
                    summary["threads"], output if output != "-" else "stdout"))


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


@cli.command()
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--topn", type=click.IntRange(1), default=10, show_default=True,
              help="Neighbours per word.")
@click.option("-m", "--model", "model_path", default=None,
              help="Vectors file [default: $W2VNS_MODEL, else ./vectors.bin].")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
def similar(words, topn, model_path, as_json):
    """Nearest neighbours of each WORD by cosine similarity ('-' reads words from stdin)."""
    kv = load_vectors(resolve_model(model_path))
    if words == ("-",):
        words = tuple(line.strip() for line in sys.stdin if line.strip())
    results, unknown = [], []
    for word in words:
        if word not in kv:
            unknown.append(word)
            click.echo("w2vns: %r is not in the vocabulary" % word, err=True)
            continue
        neighbours = kv.most_similar(word, topn=topn)
        results.append({"word": word,
                        "neighbours": [{"word": w, "similarity": round(float(s), 6)}
                                       for w, s in neighbours]})
    if as_json:
        click.echo(json.dumps({"results": results, "unknown": unknown}, ensure_ascii=False))
    else:
        for number, result in enumerate(results):
            if len(words) > 1:
                click.echo(("\n" if number else "") + "%s:" % result["word"])
            for n in result["neighbours"]:
                click.echo("%s\t%.4f" % (n["word"], n["similarity"]))
    if unknown:
        sys.exit(EXIT_UNANSWERED)


def main(argv=None):
    """Console entry point: click's usage errors become one line on stderr and exit 2."""
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
