#!/usr/bin/env python3
"""Benchmark w2vns against gensim (and fastText) on one corpus, with the same settings.

    python scripts/bench.py CORPUS.txt [--threads 2] [--repeats 1]
        [--peers gensim,fasttext,word2vec] [--word2vec PATH/word2vec]
        [--dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 5 --alpha 0.025]
        [--extra-args "..."] [--json out.json] [--workdir DIR] [--keep]

Every training run is its own child process, so the whole-process wall time (perf_counter
around the process) and the peak resident memory (ru_maxrss of that child alone, from
os.wait4) are measured per tool.  The tools alternate within each repeat (w2vns, gensim,
fasttext, w2vns, gensim, ...), so a slow patch on a shared machine hits them alike.

* w2vns: ``python -m w2vns train CORPUS -o OUT.bin --report REPORT.json -q ...``; the report
  gives vocab_size, tokens (one pass), epochs, train_seconds and words_per_sec.
* gensim: an inline script, Word2Vec(sg=1, hs=0, ..., min_alpha=alpha*1e-4, seed=1) with
  build_vocab(corpus_file=...) and train(corpus_file=...) timed separately; writes the same
  report keys (tokens = corpus_total_words) and word2vec binary vectors.
* word2vec.c (the original tool, if its binary is given with --word2vec or is on PATH):
  ``word2vec -cbow 0 -hs 0 ...`` with the same settings, binary output; like fastText, its
  training time is the process wall time and its token count that of w2vns's report. Build it
  from the tmikolov/word2vec source (commit d83ccfb: HEAD's vocabulary reader has an EOF bug).
* fastText (if the ``fasttext`` binary is on PATH and asked for): ``fasttext skipgram`` with
  character n-grams off (-minn 0 -maxn 0 -bucket 0); its training time is the process wall
  time, its token count that of w2vns's report (or gensim's).

Quality is measured afterwards, outside the timed processes, the same way for every tool: the
vectors are loaded with gensim's KeyedVectors.load_word2vec_format, then questions-words
accuracy over the 30,000 most frequent words (case-insensitive) and WordSim-353 Spearman, with
w2vns.apps.evaluation (cross-checked once against gensim's evaluate_word_analogies /
evaluate_word_pairs) or gensim's functions when w2vns.apps.evaluation cannot be imported.

Ratios are relative to w2vns: wall ratio = peer wall / w2vns wall (> 1: w2vns is faster),
words/s ratio = w2vns / peer, RSS ratio = w2vns / peer (< 1: w2vns uses less memory).  With
--repeats > 1 each figure is the median over the tool's successful runs.
"""
import argparse
import contextlib
import fcntl
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATA = os.path.join(os.path.dirname(REPO), "shared", "data")
TOOLS_ORDER = ("w2vns", "gensim", "word2vec", "fasttext")
#: Peers run as their own binaries: timed by wall clock, their token count taken from w2vns's
#: (or gensim's) report.
BINARY_PEERS = ("fasttext", "word2vec")

GENSIM_SCRIPT = r"""
import json, sys, time
t_start = time.perf_counter()
a = json.loads(sys.argv[1])
from gensim.models import Word2Vec
model = Word2Vec(
    sg=1, hs=0, negative=a["negative"], window=a["window"], vector_size=a["dim"],
    min_count=a["min_count"], sample=a["sample"], epochs=a["epochs"], alpha=a["alpha"],
    min_alpha=a["alpha"] * 1e-4, workers=a["threads"], seed=a["seed"],
)
t0 = time.perf_counter()
model.build_vocab(corpus_file=a["corpus"])
t1 = time.perf_counter()
model.train(corpus_file=a["corpus"], total_words=model.corpus_total_words, epochs=model.epochs)
t2 = time.perf_counter()
model.wv.save_word2vec_format(a["output"], binary=True)
t3 = time.perf_counter()
tokens = int(model.corpus_total_words)
report = {
    "tool": "gensim",
    "vocab_size": len(model.wv),
    "tokens": tokens,
    "epochs": int(model.epochs),
    "vocab_seconds": t1 - t0,
    "train_seconds": t2 - t1,
    "save_seconds": t3 - t2,
    "startup_seconds": t0 - t_start,
    "words_per_sec": tokens * model.epochs / (t2 - t1) if t2 > t1 else None,
}
with open(a["report"], "w") as f:
    json.dump(report, f, indent=1)
"""


# ------------------------------------------------------------------------------- child processes


def run_child(cmd, stdout_path, stderr_path, env=None, timeout=None, cwd=None):
    """Run ``cmd``; return (exit code, wall seconds, peak RSS in MB of that process alone)."""
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True)
        timer = None
        timed_out = []
        if timeout:
            def _kill():
                timed_out.append(True)
                _kill_group(proc.pid)
            timer = threading.Timer(timeout, _kill)
            timer.daemon = True
            timer.start()
        try:
            code, rss_mb, _ = reap(proc)
        except BaseException:  # Ctrl-C: stop the child we started, then propagate
            _kill_group(proc.pid)
            raise
        finally:
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - t0
    if timed_out:
        code = "timeout"
    return code, wall, rss_mb


def reap(proc):
    """Wait for ``proc`` with wait4: (exit code, its own peak RSS in MB, its rusage)."""
    while True:
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
            break
        except InterruptedError:
            continue
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait
    scale = 1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0  # Linux: kilobytes
    return proc.returncode, usage.ru_maxrss / scale, usage


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path, n=3):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in lines[-n:] if line.strip())


def _settings_args(s):
    return [
        "--dim", str(s["dim"]), "--window", str(s["window"]), "--negative", str(s["negative"]),
        "--sample", repr(s["sample"]), "--min-count", str(s["min_count"]),
        "--epochs", str(s["epochs"]), "--alpha", repr(s["alpha"]),
    ]


def run_tool(tool, rep, args, settings, workdir, known_tokens):
    """One timed training run of ``tool``; returns a result dict (with "error" on failure)."""
    tag = "%s-%d" % (tool, rep)
    stdout_path = os.path.join(workdir, tag + ".stdout")
    stderr_path = os.path.join(workdir, tag + ".stderr")
    report_path = os.path.join(workdir, tag + ".report.json")
    env = dict(os.environ)
    if tool.startswith("w2vns"):
        tag = tag.replace(":", "_")
        report_path = os.path.join(workdir, tag + ".report.json")
        vectors = os.path.join(workdir, tag + ".bin")
        cmd = [sys.executable, "-m", "w2vns", "train", args.corpus, "-o", vectors,
               "--threads", str(args.threads), "--report", report_path, "-q",
               "--seed", str(args.seed)] + _settings_args(settings) + shlex.split(args.extra_args)
        cmd += shlex.split(args.variants.get(tool, ""))
        env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    elif tool == "gensim":
        vectors = os.path.join(workdir, tag + ".bin")
        payload = dict(settings, corpus=args.corpus, output=vectors, report=report_path,
                       threads=args.threads, seed=args.seed)
        cmd = [sys.executable, "-c", GENSIM_SCRIPT, json.dumps(payload)]
    elif tool == "word2vec":
        vectors = os.path.join(workdir, tag + ".bin")
        cmd = [args.word2vec, "-train", args.corpus, "-output", vectors, "-binary", "1",
               "-cbow", "0", "-hs", "0", "-size", str(settings["dim"]),
               "-window", str(settings["window"]), "-negative", str(settings["negative"]),
               "-sample", repr(settings["sample"]), "-min-count", str(settings["min_count"]),
               "-iter", str(settings["epochs"]), "-alpha", repr(settings["alpha"]),
               "-threads", str(args.threads)]
    elif tool == "fasttext":
        prefix = os.path.join(workdir, tag)
        vectors = prefix + ".vec"
        cmd = [args.fasttext, "skipgram", "-input", args.corpus, "-output", prefix,
               "-minn", "0", "-maxn", "0", "-loss", "ns", "-bucket", "0",
               "-dim", str(settings["dim"]), "-ws", str(settings["window"]),
               "-neg", str(settings["negative"]), "-epoch", str(settings["epochs"]),
               "-lr", repr(settings["alpha"]), "-thread", str(args.threads),
               "-t", repr(settings["sample"]), "-minCount", str(settings["min_count"]),
               "-verbose", "0"]
    else:
        raise ValueError(tool)
    result = {"tool": tool, "repeat": rep, "command": cmd if tool != "gensim" else
              [cmd[0], "-c", "<gensim script>", cmd[3]], "vectors": vectors}
    _log("[%s] run %d: %s" % (tool, rep + 1, " ".join(shlex.quote(c) for c in result["command"])))
    try:
        code, wall, rss = run_child(cmd, stdout_path, stderr_path, env=env, timeout=args.timeout,
                                    cwd=REPO if tool.startswith("w2vns") else None)
    except OSError as exc:
        result["error"] = "could not start: %s" % exc
        return result
    result.update(wall_seconds=wall, peak_rss_mb=rss, exit_code=code)
    if code == "timeout":
        result["error"] = "timed out after %g s (--timeout)" % args.timeout
        return result
    if code != 0:
        why = _tail(stderr_path) or _tail(stdout_path) or "no output"
        result["error"] = "exit %s: %s" % (code, why)
        return result
    if tool in BINARY_PEERS:
        report = {"tool": tool, "tokens": known_tokens, "epochs": settings["epochs"],
                  "train_seconds": wall}
        try:
            with open(vectors, "rb") as f:
                report["vocab_size"] = int(f.readline().split()[0])
        except (OSError, ValueError, IndexError) as exc:
            result["error"] = "no vectors: %s" % exc
            return result
        if known_tokens:
            report["words_per_sec"] = known_tokens * settings["epochs"] / wall
        if tool == "fasttext":  # the .bin model is not needed; it is large
            try:
                os.remove(prefix + ".bin")
            except OSError:
                pass
    else:
        try:
            with open(report_path) as f:
                report = json.load(f)
        except (OSError, ValueError) as exc:
            result["error"] = "no report: %s" % exc
            return result
    result["report"] = report
    for key in ("vocab_size", "tokens", "epochs", "train_seconds", "words_per_sec"):
        result[key] = report.get(key)
    if not result.get("words_per_sec") and result.get("tokens") and result.get("train_seconds"):
        result["words_per_sec"] = result["tokens"] * result["epochs"] / result["train_seconds"]
    if not os.path.exists(vectors):
        result["error"] = "no vectors file %s" % vectors
    _log("[%s] run %d: wall %.1f s, train %.1f s, %s words/s, peak RSS %.0f MB" % (
        tool, rep + 1, wall, result.get("train_seconds") or float("nan"),
        _fmt_int(result.get("words_per_sec")), rss))
    return result


# ------------------------------------------------------------------------------------ quality


def data_file(name, override=None):
    if override:
        return override
    shared = os.path.join(SHARED_DATA, name)
    if os.path.exists(shared):
        return shared
    return os.path.join(REPO, "w2vns", "data", name)


class Evaluator:
    """Analogy accuracy (top 30k, case-insensitive) and WordSim-353 Spearman for vector files."""

    def __init__(self, analogies, wordsim, restrict_vocab, check):
        self.analogies = analogies
        self.wordsim = wordsim
        self.restrict_vocab = restrict_vocab
        self.check = check  # cross-check w2vns.apps.evaluation against gensim on the next model
        self.checks = []
        try:
            if REPO not in sys.path:
                sys.path.insert(0, REPO)
            from w2vns.apps import evaluation
            self.ours = evaluation
        except Exception as exc:  # not written yet, or broken: gensim's functions then
            _log("w2vns.apps.evaluation unavailable (%s); using gensim's evaluation" % exc)
            self.ours = None

    def evaluate(self, path):
        import logging

        logging.getLogger("gensim").setLevel(logging.WARNING)
        try:
            from gensim.models import KeyedVectors
        except ImportError:  # a machine without gensim (the GPU machine): w2vns's loader
            if self.ours is None:
                raise
            from w2vns.vectors.keyed import KeyedVectors as Ours
            kv = Ours.load(path)
        else:
            binary = not path.endswith((".vec", ".txt", ".vec.gz", ".txt.gz"))
            kv = KeyedVectors.load_word2vec_format(path, binary=binary)
        out = {"eval_vocab": len(kv.vectors)}
        t0 = time.perf_counter()
        if self.ours is not None:
            a = self.ours.evaluate_analogies(kv, self.analogies, restrict_vocab=self.restrict_vocab,
                                             case_insensitive=True)
            s = self.ours.evaluate_similarity(kv, self.wordsim, case_insensitive=True)
            out.update(analogy=a["accuracy"], analogy_correct=a["correct"],
                       analogy_scored=a["scored"], analogy_semantic=a["semantic"]["accuracy"],
                       analogy_syntactic=a["syntactic"]["accuracy"],
                       analogy_sections={x["section"]: x["accuracy"] for x in a["sections"]},
                       ws353_spearman=s["spearman"], ws353_pearson=s["pearson"],
                       ws353_oov=s["oov"], evaluated_by="w2vns.apps.evaluation")
        if self.ours is None or self.check:
            score, sections = kv.evaluate_word_analogies(
                self.analogies, restrict_vocab=self.restrict_vocab, case_insensitive=True)
            pearson, spearman, _oov = kv.evaluate_word_pairs(self.wordsim, case_insensitive=True)
            total = sections[-1]
            g = {"analogy": float(score), "analogy_correct": len(total["correct"]),
                 "analogy_scored": len(total["correct"]) + len(total["incorrect"]),
                 "ws353_spearman": float(spearman[0]), "ws353_pearson": float(pearson[0])}
            if self.ours is None:
                out.update(g, evaluated_by="gensim")
            else:
                same = (g["analogy_correct"] == out["analogy_correct"]
                        and g["analogy_scored"] == out["analogy_scored"]
                        and abs(g["ws353_spearman"] - out["ws353_spearman"]) < 1e-9)
                self.checks.append({"vectors": path, "same": same, "w2vns": {
                    k: out[k] for k in g}, "gensim": g})
                _log("evaluation cross-check against gensim on %s: %s" % (
                    os.path.basename(path), "identical" if same else "DIFFERENT %r vs %r" % (
                        {k: out[k] for k in g}, g)))
                self.check = False
        out["eval_seconds"] = time.perf_counter() - t0
        return out


# ------------------------------------------------------------------------------------ reporting


def machine_info():
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "cpu_count": os.cpu_count()}
    try:
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    # The kernel's loops run in the widest vectors the build targets (cython_ext/simd.h), so
    # its speed differs by these more than gensim's does: every figure names them.
    try:
        if REPO not in sys.path:
            sys.path.insert(0, REPO)
        from w2vns.training.kernel import cpu_vectors
        info["vectors"] = cpu_vectors() or "?"
    except ImportError:  # the extension not built
        pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_gb"] = round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    try:
        info["loadavg_start"] = os.getloadavg()
    except OSError:
        pass
    try:
        import gensim

        info["gensim"] = gensim.__version__
    except Exception:
        pass
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except Exception:
        pass
    return info


def _median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def summarise(runs, tools):
    summary = []
    for tool in tools:
        mine = [r for r in runs if r["tool"] == tool]
        ok = [r for r in mine if "error" not in r]
        row = {"tool": tool, "runs": len(mine), "ok_runs": len(ok)}
        if not ok:
            row["error"] = mine[-1].get("error", "not run") if mine else "not run"
        for key in ("words_per_sec", "wall_seconds", "train_seconds", "peak_rss_mb", "vocab_size",
                    "tokens", "analogy", "analogy_scored", "analogy_semantic",
                    "analogy_syntactic", "ws353_spearman", "ws353_pearson"):
            row[key] = _median([r.get(key) for r in ok])
        summary.append(row)
    base = next((r for r in summary if r["tool"] == "w2vns"), None)
    for row in summary:
        row["wall_ratio"] = row["words_per_sec_ratio"] = row["rss_ratio"] = None
        if base is None or "error" in base or "error" in row:
            continue
        if base["wall_seconds"] and row["wall_seconds"]:
            row["wall_ratio"] = row["wall_seconds"] / base["wall_seconds"]
        if base["words_per_sec"] and row["words_per_sec"]:
            row["words_per_sec_ratio"] = base["words_per_sec"] / row["words_per_sec"]
        if base["peak_rss_mb"] and row["peak_rss_mb"]:
            row["rss_ratio"] = base["peak_rss_mb"] / row["peak_rss_mb"]
    return summary


def _fmt_int(v):
    return "{:,.0f}".format(v) if isinstance(v, (int, float)) else "–"


def _fmt(v, spec):
    return format(v, spec) if isinstance(v, (int, float)) else "–"


def markdown_table(summary):
    head = ("| tool | train words/s | train s | wall s | peak RSS MB | analogy % (scored) "
            "| WS353 Spearman | wall ratio | words/s ratio | RSS ratio |")
    lines = [head, "| --- " + "| ---: " * 9 + "|"]
    for r in summary:
        if "error" in r:
            msg = r["error"].replace("|", "/")
            if len(msg) > 160:
                msg = msg[:157] + "..."
            lines.append("| %s | error: %s |%s" % (r["tool"], msg, " |" * 8))
            continue
        analogy = "–"
        if isinstance(r.get("analogy"), (int, float)):
            analogy = "%.2f (%s)" % (100 * r["analogy"], _fmt_int(r.get("analogy_scored")))
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["tool"], _fmt_int(r["words_per_sec"]), _fmt(r["train_seconds"], ".1f"),
            _fmt(r["wall_seconds"], ".1f"), _fmt(r["peak_rss_mb"], ".0f"), analogy,
            _fmt(r.get("ws353_spearman"), ".3f"), _fmt(r["wall_ratio"], ".2f"),
            _fmt(r["words_per_sec_ratio"], ".2f"), _fmt(r["rss_ratio"], ".2f")))
    return "\n".join(lines)


def _log(msg):
    print(msg, file=sys.stderr, flush=True)


def machine_line(machine):
    """``machine_info``'s processor, its vector extension and usable cores, as every benchmark
    prints them: "AMD EPYC (AVX2), 2 cores"."""
    return "%s (%s), %s cores" % (machine.get("cpu_model", "?"), machine.get("vectors", "?"),
                                  machine.get("cpus_usable", machine["cpu_count"]))


def write_json(path, doc):
    """Write ``doc`` as indented JSON to ``path`` through a temporary file, so that a reader
    never sees half of it."""
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        json.dump(doc, out, indent=1, default=str)
    os.replace(tmp, path)


@contextlib.contextmanager
def locked(path, log=None):
    """Hold an exclusive flock on ``path`` (the machine's benchmark lock) for the block, so
    that timed runs of different benchmarks never overlap; nothing when ``path`` is empty.
    ``log``: a function told when the lock is waited for, held and released."""
    if not path:
        yield
        return
    with open(path, "a") as handle:
        if log:
            log("waiting for the benchmark lock %s" % path)
        fcntl.flock(handle, fcntl.LOCK_EX)
        if log:
            log("lock held")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            if log:
                log("lock released")


# ----------------------------------------------------------------------------------------- main


def add_setting_arguments(parser, negative=True):
    """The training settings every tool of a benchmark gets alike (train's defaults); without
    --negative for benchmarks that set it per run."""
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    if negative:
        parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.025)
    parser.add_argument("--seed", type=int, default=1)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus", help="training corpus (plain text, one sentence per line)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--peers", default="gensim,fasttext",
                   help="comma-separated peers to run besides w2vns: gensim, word2vec, "
                   "fasttext ('' = none)")
    p.add_argument("--extra-args", default="", help="extra arguments for `w2vns train`")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=ARGS",
                   help="also run `w2vns train ... ARGS` as the row w2vns:NAME (repeatable), "
                        "e.g. --variant 'fast=--kernel fast'")
    p.add_argument("--json", dest="json_out", default=None, help="write all results here")
    add_setting_arguments(p)
    p.add_argument("--restrict-vocab", type=int, default=30000,
                   help="analogy questions are scored over this many most frequent words")
    p.add_argument("--analogies", default=None, help="analogy file (default: questions-words.txt)")
    p.add_argument("--wordsim", default=None, help="similarity file (default: wordsim353.tsv)")
    p.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    p.add_argument("--no-check-eval", action="store_true",
                   help="do not cross-check w2vns.apps.evaluation against gensim's evaluation")
    p.add_argument("--fasttext", default="fasttext", help="fastText binary")
    p.add_argument("--word2vec", default="word2vec", help="word2vec.c binary")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed per training run")
    p.add_argument("--workdir", default=None,
                   help="where vectors and logs go (default: a temporary folder, removed "
                   "at the end)")
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args(argv)
    args.peers_list = [x.strip() for x in args.peers.split(",") if x.strip()]
    for peer in args.peers_list:
        if peer not in TOOLS_ORDER[1:]:
            p.error("unknown peer %r (%s)" % (peer, ", ".join(TOOLS_ORDER[1:])))
    if args.repeats < 1 or args.threads < 1:
        p.error("--repeats and --threads must be at least 1")
    if not os.path.isfile(args.corpus):
        p.error("no such corpus file: %s" % args.corpus)
    args.corpus = os.path.abspath(args.corpus)
    return args


def main(argv=None):
    args = parse_args(argv)
    settings = {"dim": args.dim, "window": args.window, "negative": args.negative,
                "sample": args.sample, "min_count": args.min_count, "epochs": args.epochs,
                "alpha": args.alpha}
    args.variants = {}
    for spec in args.variant:
        name, sep, extra = spec.partition("=")
        if not sep or not name:
            raise SystemExit("--variant takes NAME=ARGS, got %r" % spec)
        args.variants["w2vns:" + name] = extra
    tools = ["w2vns"] + list(args.variants) + [t for t in TOOLS_ORDER[1:] if t in args.peers_list]
    skipped = {}
    for peer in BINARY_PEERS:
        if peer in tools:
            found = shutil.which(getattr(args, peer))
            if found is None:
                skipped[peer] = "%s binary not found (give --%s PATH)" % (peer, peer)
                tools.remove(peer)
            else:
                setattr(args, peer, found)
    machine = machine_info()
    command = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    _log("machine: %s; corpus %s (%s bytes)" % (
        machine_line(machine), args.corpus, _fmt_int(os.path.getsize(args.corpus))))

    workdir = args.workdir or tempfile.mkdtemp(prefix="w2vns-bench-")
    os.makedirs(workdir, exist_ok=True)
    runs = []
    evaluation_checks = []
    try:
        known_tokens = None
        for rep in range(args.repeats):
            for tool in tools:
                r = run_tool(tool, rep, args, settings, workdir, known_tokens)
                if "error" in r:
                    _log("[%s] run %d failed: %s" % (tool, rep + 1, r["error"]))
                if known_tokens is None and r.get("tokens") and tool not in BINARY_PEERS:
                    known_tokens = r["tokens"]
                runs.append(r)
        # fastText and word2vec.c runs that came before any token count (w2vns and gensim failed)
        for r in runs:
            if r["tool"] in BINARY_PEERS and "error" not in r and not r.get("words_per_sec"):
                if known_tokens:
                    r["tokens"] = known_tokens
                    r["words_per_sec"] = known_tokens * r["epochs"] / r["train_seconds"]
        if not args.no_eval:
            ev = Evaluator(data_file("questions-words.txt", args.analogies),
                           data_file("wordsim353.tsv", args.wordsim),
                           args.restrict_vocab, check=not args.no_check_eval)
            for r in runs:
                if "error" in r:
                    continue
                try:
                    r.update(ev.evaluate(r["vectors"]))
                    _log("[%s] run %d: analogy %.2f %% of %d, WS353 Spearman %.3f" % (
                        r["tool"], r["repeat"] + 1, 100 * r["analogy"], r["analogy_scored"],
                        r["ws353_spearman"]))
                except Exception as exc:
                    r["eval_error"] = "%s: %s" % (type(exc).__name__, exc)
                    _log("[%s] run %d: evaluation failed: %s" % (r["tool"], r["repeat"] + 1,
                                                                   r["eval_error"]))
            evaluation_checks = ev.checks
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    summary = summarise(runs, tools)
    for tool, why in skipped.items():
        summary.append({"tool": tool, "error": why})
    table = markdown_table(summary)
    print("## w2vns benchmark\n")
    print("- machine: %s (%s), %s cores (%s usable), %s GB RAM, load at start %s" % (
        machine.get("cpu_model", "?"), machine.get("vectors", "?"), machine["cpu_count"],
        machine.get("cpus_usable", "?"),
        machine.get("mem_total_gb", "?"),
        ", ".join("%.2f" % x for x in machine.get("loadavg_start", ()))))
    print("- command: `%s`" % command)
    print("- corpus: %s, %s tokens; settings: %s; threads %d; repeats %d%s" % (
        args.corpus, _fmt_int(next((r["tokens"] for r in summary if r.get("tokens")), None)),
        ", ".join("%s=%s" % kv for kv in settings.items()), args.threads, args.repeats,
        " (medians)" if args.repeats > 1 else ""))
    if args.extra_args:
        print("- w2vns extra arguments: `%s`" % args.extra_args)
    print()
    print(table)
    print()
    print("wall ratio = peer wall / w2vns wall (> 1: w2vns faster); words/s ratio = w2vns / peer; "
          "RSS ratio = w2vns / peer. Analogy: questions-words, top %d words, case-insensitive."
          % args.restrict_vocab)
    for chk in evaluation_checks:
        print("evaluation cross-check (w2vns.apps.evaluation vs gensim) on %s: %s" % (
            os.path.basename(chk["vectors"]), "identical" if chk["same"] else "DIFFERENT"))
    if args.json_out:
        doc = {"command": command, "argv": sys.argv, "machine": machine, "settings": settings,
               "threads": args.threads, "repeats": args.repeats, "corpus": args.corpus,
               "extra_args": args.extra_args, "runs": runs, "summary": summary,
               "evaluation_checks": evaluation_checks, "table": table}
        write_json(args.json_out, doc)
        _log("wrote %s" % args.json_out)
    return 0 if all("error" not in r for r in summary if r["tool"] in tools) else 1


if __name__ == "__main__":
    sys.exit(main())
