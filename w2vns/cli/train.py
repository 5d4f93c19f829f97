"""w2vns train."""
import json
import os
import time

import click

from ..apps.evaluation import evaluate as run_evaluation
from ..corpus.encode import MAX_TOKEN_BYTES, CorpusError
from ..io.atomic import check_writable
from ..io.files import open_output
from ..distributed.api import resume as resume_run
from ..distributed.api import DEVICES
from ..distributed.api import train as train_model
from ..distributed.backend import DEFAULT_ROUNDS_TEXT, MAX_ROUNDS
from ..distributed.checkpoint import is_dask_checkpoint
from ..distributed.checkpoint import read_note as read_dask_note
from ..distributed.cluster import DaskUnavailable, check_spec, require_dask
from ..distributed.errors import ClusterError
from ..gpu.backend import GpuUnavailable
from ..training.checkpoint import CheckpointError, read_note
from ..training.presets import describe
from ..vectors.keyed import FORMATS, format_for_path
from ..vectors.native import is_native
from .common import (DEFAULT_MODEL, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, absolute_path,
                     counted, error_text, fail, human, json_safe, log, one_stdout, plural)
from .options import (IntervalType, cache_dir_option, preset_option, preset_params,
                       progress_option, quiet_option, training_options)
from .progress import TqdmProgress
from .tables import evaluation_summary


@click.command(epilog="""\b
Examples:
  w2vns train corpus.txt --checkpoint ckpt      # saves its state every epoch
  w2vns train --resume ckpt                     # after a crash, Ctrl-C or SIGTERM
  w2vns train more.txt --init ckpt -o v2.bin    # continued training on new text
  w2vns train baskets.txt --preset items --save-model items.model""")
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", default=None,
              help="Vectors file to write ('-': stdout)  [default: vectors.bin; with --resume, "
                   "the interrupted run's]")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: by name: .w2vns a memory-mapped folder, .txt/.vec "
                   "(also .gz/.bz2/.xz/.zst) and '-' text, else binary].")
@training_options()
@click.option("--vocab-out", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Also write the vocabulary as word<TAB>count ('-': stdout).")
@click.option("--report", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the run's summary as JSON ('-': stdout).")
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
@cache_dir_option()
@progress_option()
@click.option("--eval", "evaluate_after", is_flag=True,
              help="Evaluate on the bundled analogies and WordSim-353 after training; the "
                   "figures go to the summary line and --report.")
@preset_option()
@click.option("--dask", "dask", default=None, metavar="local[:N]|tcp://HOST:8786",
              help="Train on a Dask cluster: N worker processes here (default one per core), "
                   "or a running scheduler; the workers read CORPUS (files, globs, URLs) "
                   "themselves. Needs pip install 'w2vns[dask]'.")
@click.option("--blocks", type=click.IntRange(1, 256), default=None,
              help="With --dask: K input and K output blocks of the weights [default: one "
                   "per worker].")
@click.option("--rounds", type=click.IntRange(1, MAX_ROUNDS), default=None,
              help="With --dask: slices of each epoch [default: %s]." % DEFAULT_ROUNDS_TEXT)
@click.option("--device", type=click.Choice(DEVICES), default="cpu", show_default=True,
              help="Train on this machine's CPU cores, or on its CUDA GPU (sgns or nce, the "
                   "fast kernel; no checkpoints). cuda needs pip install 'w2vns[gpu]'.")
@quiet_option()
@click.pass_context
def train(ctx, corpus, output, fmt, vocab_out, report, checkpoint_dir, checkpoint_every,
          resume_dir, init_dir, save_model, cache_dir, progress, quiet, evaluate_after, preset,
          dask, blocks, rounds, device, **params):
    """Train vectors on CORPUS (files, '-' for stdin, URLs; gzip, bzip2, xz, zstd by content)."""
    started = time.perf_counter()
    cluster = _cluster_options(dask, blocks, rounds, init_dir, cache_dir)
    if device != "cpu":
        _check_device(device, dask, checkpoint_dir, resume_dir)
        cluster["device"] = device
    given = {name for name in params
             if ctx.get_parameter_source(name) != click.core.ParameterSource.DEFAULT}
    named = {path for path in (output, vocab_out, report) if path}  # on the command line
    if resume_dir:
        clash = sorted(given) + [opt for opt, value in (
            ("init", init_dir), ("checkpoint", checkpoint_dir)) if value]
        if clash:
            fail("--%s cannot be used with --resume: the run continues with its own settings "
                 "and checkpoint folder" % clash[0].replace("_", "-"))
        if not dask and is_dask_checkpoint(resume_dir):
            fail("%s: a distributed run's checkpoint: resume it with --dask" % resume_dir)
        note = _checkpoint_note(resume_dir, dask)
        output = output or note.get("output")
        fmt = fmt or note.get("format")
        vocab_out = vocab_out or note.get("vocab_out")
        report = report or note.get("report")
    elif not corpus:
        raise click.UsageError("Missing argument 'CORPUS...'.", ctx)
    elif checkpoint_every and not checkpoint_dir:
        fail("--checkpoint-every needs --checkpoint DIR")
    output = output or DEFAULT_MODEL
    one_stdout(o=output, vocab_out=vocab_out, report=report)
    for name, folder in (("save-model", save_model), ("checkpoint", checkpoint_dir)):
        if folder == "-":
            fail("--%s needs a folder name; '-' (stdout) cannot hold a folder" % name)
    try:
        out_format = format_for_path(output, fmt)
    except ValueError as err:
        fail(str(err))
    if corpus.count("-") > 1:
        fail("stdin ('-') can be read only once")
    for path in corpus if not dask else ():  # a cluster's workers look for the shards
        if path != "-" and "://" not in path:
            if not os.path.exists(path):
                fail("%s: no such file" % path)
            if os.path.isdir(path):
                fail("%s: is a folder, not a corpus file" % path)
    if out_format == "w2vns" and os.path.lexists(output) and not is_native(output):
        fail("%s exists and is not a w2vns vectors folder; not replacing it" % output)
    folders = {save_model} | ({output} if out_format == "w2vns" else set())
    for target in (output, vocab_out, report, save_model):
        if target and target != "-":
            try:
                check_writable(target, folder_output=target in folders)
            except OSError as err:
                fail(error_text(err, target))
    params, preset_used = preset_params(ctx, preset, params)
    given |= set(preset_used)  # the preset's values count as given (--init does not override)
    bars = TqdmProgress(enabled=False if quiet else progress)
    checkpoint = resume_dir or checkpoint_dir
    writing = None
    written = None  # set once the vectors are safe, so that Ctrl-C during --eval says so
    try:
        if resume_dir:
            model = resume_run(resume_dir, corpus=list(corpus) or None, progress=bars,
                               checkpoint_every=checkpoint_every,
                               **{k: v for k, v in cluster.items() if k != "init"})
        else:
            # Absolute, so that --resume from another folder writes the same files.
            note = {"output": absolute_path(output), "format": fmt,
                    "vocab_out": absolute_path(vocab_out), "report": absolute_path(report)}
            model = train_model(list(corpus), progress=bars, checkpoint=checkpoint_dir,
                                checkpoint_every=checkpoint_every or "1epoch", note=note,
                                **cluster, **{k: v for k, v in params.items() if k in given})
        _warn_about_words(quiet, model)
        finished_before = model.report.get("already_complete", False)
        # A run that had finished wrote its outputs then: keep those still there (unless named
        # again on the command line), write the missing ones.
        kept = {path for path in (output, vocab_out, report) if finished_before and path
                and path != "-" and path not in named and os.path.exists(path)}
        write_start = time.perf_counter()
        writing = output  # named in the error if a write fails (a full disk says no file name)
        if output not in kept:
            model.wv.save_as(output, out_format)
        written = output if output != "-" else "stdout"
        if vocab_out and vocab_out not in kept:
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
            summary["evaluation"] = run_evaluation(model.wv)
        summary["total_seconds"] = time.perf_counter() - started
        if report and report not in kept:
            writing = report
            with open_output(report, "w") as handle:
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
    except (CorpusError, CheckpointError, ValueError, ClusterError, GpuUnavailable) as err:
        fail(str(err))
    except OSError as err:
        fail(error_text(err, writing))
    figures = ""
    if evaluate_after:
        figures = "; %s" % evaluation_summary(summary["evaluation"])
    if preset:
        figures += "; %s" % describe(preset, preset_used)
    if finished_before:
        log(quiet, _finished_summary(resume_dir, summary, output, vocab_out, report, save_model,
                                     kept) + figures)
        return
    log(quiet, "w2vns: %s x %s, %s x %s in %.1f s (%s words/s, %s) -> %s" % (
        counted(summary["vocab_size"], "word"), plural(summary["params"]["dim"], "dim"),
        counted(summary["tokens"], "token"), plural(summary["epochs"], "epoch"),
        summary["train_seconds"], human(summary["words_per_sec"]),
        _where(summary), (output if output != "-" else "stdout") + figures))


def _finished_summary(folder, summary, output, vocab_out, report, save_model, kept):
    """The line for --resume on a run that had already finished: no training, no timing."""
    wrote = [path if path != "-" else "stdout" for path in (output, vocab_out, report,
                                                              save_model)
             if path and path not in kept]
    done = []
    if wrote:
        done.append("wrote " + ", ".join(wrote))
    if kept:
        done.append("kept %s (already there)" % ", ".join(
            path for path in (output, vocab_out, report) if path in kept))
    return ("w2vns: the run in %s was already complete (%s x %s, %s over %s): nothing to "
            "train; %s" % (folder, counted(summary["vocab_size"], "word"),
                           plural(summary["params"]["dim"], "dim"),
                           plural(summary["epochs"], "epoch"),
                           counted(summary["tokens"], "token"), "; ".join(done)))


def _where(summary):
    """Where the training ran, for the summary line: threads, a GPU, or a Dask cluster's
    workers."""
    if "gpu" in summary:
        return summary["gpu"]["name"]
    if "distributed" in summary:
        return "%s, %s" % (plural(summary["distributed"]["workers"], "worker"),
                           plural(summary["distributed"]["blocks"], "block"))
    return plural(summary["threads"], "thread")


def _cluster_options(dask, blocks, rounds, init_dir, cache_dir):
    """The arguments that choose where training runs: one machine (init, cache_dir), or a
    Dask cluster (dask, blocks, rounds); one clear line for what does not go together, and
    for --dask without Dask installed."""
    if not dask:
        for name, value in (("blocks", blocks), ("rounds", rounds)):
            if value is not None:
                fail("--%s needs --dask" % name)
        return {"init": init_dir, "cache_dir": cache_dir}
    for name, value in (("init", init_dir), ("cache-dir", cache_dir)):
        if value is not None:
            fail("--%s cannot be used with --dask" % name)
    try:
        require_dask()
        check_spec(dask)
    except (DaskUnavailable, ValueError) as err:
        fail(str(err))
    return {"dask": dask, "blocks": blocks, "rounds": rounds}


def _check_device(device, dask, checkpoint_dir, resume_dir):
    """One clear line for options that do not go with a device. (What the GPU cannot train,
    then a missing GPU, are ``train``'s errors, before it reads the corpus.)"""
    for option, value in (("dask", dask), ("checkpoint", checkpoint_dir),
                          ("resume", resume_dir)):
        if value:
            fail("--device %s cannot be used with --%s" % (device, option))


def _checkpoint_note(folder, dask=None):
    """The output options an interrupted run stored with its checkpoint."""
    try:
        return read_dask_note(folder) if dask else read_note(folder)
    except CheckpointError as err:
        fail(str(err))


def _warn_about_words(quiet, model):
    """One line each for words that were cut or are not UTF-8 (both are kept, but surprise)."""
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
