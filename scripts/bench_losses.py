#!/usr/bin/env python3
"""Negative sampling against the softmax family: speed, quality and held-out likelihood of every
loss on one corpus, with gensim's and word2vec.c's hierarchical softmax as peers.

    python scripts/bench_losses.py CORPUS.txt --heldout HELDOUT.txt [--threads 2]
        [--epochs 5] [--small-vocab 1000] [--small-epochs 1] [--tables main,small]
        [--word2vec PATH] [--lock /work/bench.lock] [--json out.json] [--plot out.png]
        [--workdir DIR] [--keep]
    python scripts/bench_losses.py CORPUS.txt --heldout HELDOUT.txt --replot out.json --plot out.png

Two tables, every run its own child process, one after the other (scripts/bench.py's
run_child: whole-process wall time, the child's own peak RSS):

* main: the corpus's whole vocabulary (min-count 5), ``--epochs`` epochs: sgns (k = 5, 15), nce
  (k = 5, output biases), hs (the fast loop, and word2vec's per-pair loop: --kernel reference),
  sampled-softmax (k = 5, 15, 64); gensim ``Word2Vec(sg=1, hs=1, negative=0)`` and word2vec.c
  ``-cbow 0 -hs 1 -negative 0``, with the same dim, window, sample, min-count, epochs, alpha
  and threads. The three hs runs go first, side by side, since they are the ones compared.
* small: the same w2vns losses and the exact softmax, with ``--max-vocab N`` (the N most
  frequent words) for ``--small-epochs`` epochs: the exact softmax costs 3 V d multiply-adds
  per pair, and on the whole vocabulary would take days.

With ``--lock FILE`` the training runs (all of them, as one block) hold an exclusive flock on
FILE, the benchmark lock, and evaluation runs after it is released.

Every w2vns run writes its whole model (``--save-model``, inside the timed process); gensim's
script saves its inner-node matrix and Huffman codes after its vectors, and that time is taken
off its wall time. word2vec.c does not write its inner nodes: it has no held-out figure. Its
words/s are tokens x epochs over the whole process's wall time (it prints no training time).

Quality, afterwards and the same way for every model: questions-words accuracy over the
30,000 most frequent words and WordSim-353 Spearman (scripts/bench.py's Evaluator), and the
held-out cross-entropy (w2vns.apps.heldout: the exact softmax of each model's own scores over
its vocabulary, hs through its tree) of the same 50,000 (word, context) pairs of ``--heldout``
for every model of a table.

``--plot``: held-out cross-entropy against training words/s, one point per loss and table.
"""
import argparse
import dataclasses
import json
import math
import os
import shlex
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from w2vns.apps.evaluation import read_similarity_pairs  # noqa: E402
from w2vns.apps.heldout import HELDOUT_MAX_PAIRS, evaluate_heldout, tree_log_probs  # noqa: E402
from w2vns.apps.tune import heldout_pairs, read_lines  # noqa: E402
from w2vns.training import checkpoint  # noqa: E402
from w2vns.training.huffman import HuffmanTree  # noqa: E402

WORD2VEC = "/work/peers/w2v-d83ccfb/word2vec"

#: (row name, w2vns arguments) of the losses both tables run.
LOSSES = [
    ("sgns k=5", "--loss sgns --negative 5"),
    ("sgns k=15", "--loss sgns --negative 15"),
    ("nce k=5", "--loss nce --negative 5"),
    ("hs", "--loss hs --negative 0"),
    ("hs (reference loop)", "--loss hs --negative 0 --kernel reference"),
    ("sampled-softmax k=5", "--loss sampled-softmax --negative 5"),
    ("sampled-softmax k=15", "--loss sampled-softmax --negative 15"),
    ("sampled-softmax k=64", "--loss sampled-softmax --negative 64"),
]
SOFTMAX = ("softmax", "--loss softmax --negative 0")

GENSIM_HS_SCRIPT = r"""
import json, sys, time
import numpy as np
a = json.loads(sys.argv[1])
from gensim.models import Word2Vec
model = Word2Vec(
    sg=1, hs=1, negative=0, window=a["window"], vector_size=a["dim"], min_count=a["min_count"],
    sample=a["sample"], epochs=a["epochs"], alpha=a["alpha"], min_alpha=a["alpha"] * 1e-4,
    workers=a["threads"], seed=a["seed"],
)
t0 = time.perf_counter()
model.build_vocab(corpus_file=a["corpus"])
t1 = time.perf_counter()
model.train(corpus_file=a["corpus"], total_words=model.corpus_total_words, epochs=model.epochs)
t2 = time.perf_counter()
model.wv.save_word2vec_format(a["output"], binary=True)
t3 = time.perf_counter()
# For the held-out figure only (not part of a user's run: its time is reported apart).
wv = model.wv
codes = [np.asarray(wv.get_vecattr(w, "code"), dtype=np.uint8) for w in wv.index_to_key]
points = [np.asarray(wv.get_vecattr(w, "point"), dtype=np.uint32) for w in wv.index_to_key]
np.savez(a["extras"], syn0=wv.vectors, syn1=model.syn1,
         counts=np.array([wv.get_vecattr(w, "count") for w in wv.index_to_key]),
         lengths=np.array([len(c) for c in codes]), codes=np.concatenate(codes),
         points=np.concatenate(points), words=np.array(wv.index_to_key, dtype=object))
t4 = time.perf_counter()
tokens = int(model.corpus_total_words)
with open(a["report"], "w") as f:
    json.dump({"tool": "gensim", "vocab_size": len(wv), "tokens": tokens,
               "epochs": int(model.epochs), "vocab_seconds": t1 - t0, "train_seconds": t2 - t1,
               "save_seconds": t3 - t2, "extras_seconds": t4 - t3,
               "words_per_sec": tokens * model.epochs / (t2 - t1)}, f, indent=1)
"""


@dataclasses.dataclass
class Run:
    table: str
    name: str
    tool: str           # w2vns, gensim, word2vec
    args: str = ""
    result: dict = dataclasses.field(default_factory=dict)


def settings_of(args, small):
    return {"dim": args.dim, "window": args.window, "sample": args.sample,
            "min_count": args.min_count, "alpha": args.alpha,
            "epochs": args.small_epochs if small else args.epochs}


def command(run, args, workdir):
    """The child's command line, and the files it writes."""
    small = run.table == "small"
    s = settings_of(args, small)
    tag = "%s-%s" % (run.table, run.name.replace(" ", "_").replace("=", "").replace("(", "")
                     .replace(")", ""))
    out = {"vectors": os.path.join(workdir, tag + ".bin"),
           "report": os.path.join(workdir, tag + ".report.json"),
           "model": os.path.join(workdir, tag + ".model"),
           "extras": os.path.join(workdir, tag + ".extras.npz"),
           "stdout": os.path.join(workdir, tag + ".stdout"),
           "stderr": os.path.join(workdir, tag + ".stderr")}
    if run.tool == "w2vns":
        cmd = [sys.executable, "-m", "w2vns", "train", args.corpus, "-o", out["vectors"],
               "--save-model", out["model"], "--report", out["report"], "-q",
               "--threads", str(args.threads), "--seed", str(args.seed),
               "--dim", str(s["dim"]), "--window", str(s["window"]),
               "--sample", repr(s["sample"]), "--min-count", str(s["min_count"]),
               "--epochs", str(s["epochs"]), "--alpha", repr(s["alpha"])]
        if small:
            cmd += ["--max-vocab", str(args.small_vocab)]
        cmd += shlex.split(run.args)
    elif run.tool == "gensim":
        payload = dict(s, corpus=args.corpus, output=out["vectors"], report=out["report"],
                       extras=out["extras"], threads=args.threads, seed=args.seed)
        cmd = [sys.executable, "-c", GENSIM_HS_SCRIPT, json.dumps(payload)]
    else:
        cmd = [args.word2vec, "-train", args.corpus, "-output", out["vectors"], "-cbow", "0",
               "-size", str(s["dim"]), "-window", str(s["window"]), "-negative", "0",
               "-hs", "1", "-sample", repr(s["sample"]), "-threads", str(args.threads),
               "-binary", "1", "-iter", str(s["epochs"]), "-min-count", str(s["min_count"]),
               "-alpha", repr(s["alpha"])]
    return cmd, out


def train(run, args, workdir, tokens):
    """One timed run; fills run.result."""
    cmd, out = command(run, args, workdir)
    shown = cmd if run.tool != "gensim" else [cmd[0], "-c", "<gensim hs script>", cmd[3]]
    bench._log("[%s] %s: %s" % (run.table, run.name, " ".join(map(shlex.quote, shown))))
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    code, wall, rss = bench.run_child(cmd, out["stdout"], out["stderr"], env=env,
                                      timeout=args.timeout,
                                      cwd=REPO if run.tool == "w2vns" else None)
    r = run.result
    r.update(out, command=shown, wall_seconds=wall, peak_rss_mb=rss, exit_code=code)
    if code != 0:
        r["error"] = "exit %s: %s" % (code, bench._tail(out["stderr"]))
        bench._log("[%s] %s failed: %s" % (run.table, run.name, r["error"]))
        return
    if run.tool == "word2vec":
        r.update(tokens=tokens, epochs=settings_of(args, run.table == "small")["epochs"],
                 train_seconds=wall)
    else:
        with open(out["report"]) as f:
            report = json.load(f)
        r.update({k: report.get(k) for k in ("tokens", "epochs", "train_seconds",
                                             "vocab_size", "mean_loss")})
        if run.tool == "gensim":  # saving the held-out arrays is not part of the run
            r["wall_seconds"] = wall - report["extras_seconds"]
    if r.get("tokens"):
        r["words_per_sec"] = r["tokens"] * r["epochs"] / r["train_seconds"]
    bench._log("[%s] %s: wall %.1f s, train %.1f s, %s words/s" % (
        run.table, run.name, r["wall_seconds"], r["train_seconds"],
        bench._fmt_int(r.get("words_per_sec"))))


class GensimVocab:
    def __init__(self, words, counts):
        self.words, self.counts = words, counts

    def __len__(self):
        return len(self.words)


def gensim_heldout(path, lines, max_pairs, seed, window, sample):
    """Held-out cross-entropy of gensim's hs model through its own tree (same definition as
    w2vns.apps.heldout: gensim labels the branch of code 0 with 1, as word2vec)."""
    data = np.load(path, allow_pickle=True)
    lengths = data["lengths"]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    tree = HuffmanTree(offsets, data["points"], data["codes"])
    vocab = GensimVocab([w.encode("utf-8", "surrogateescape") for w in data["words"]],
                        data["counts"].astype(np.int64))
    centre, context, _ = heldout_pairs(lines, vocab, window, sample, seed, max_pairs=max_pairs,
                                       noise=0)
    log_p = tree_log_probs(data["syn0"], data["syn1"], tree, centre, context)
    ce = float(-log_p.mean())
    return {"pairs": int(len(centre)), "cross_entropy": ce, "perplexity": math.exp(ce),
            "mean_log_partition": None}


def evaluate(runs, args):
    evaluator = bench.Evaluator(bench.data_file("questions-words.txt"),
                                bench.data_file("wordsim353.tsv"), 30000, check=False)
    similarity_pairs = len(read_similarity_pairs(bench.data_file("wordsim353.tsv")))
    lines, _ = read_lines(args.heldout)
    for run in runs:
        r = run.result
        if "error" in r:
            continue
        try:
            r.update(evaluator.evaluate(r["vectors"]))
            r["ws353_pairs"] = similarity_pairs - r["ws353_oov"]
            if run.tool == "w2vns":
                held = evaluate_heldout(checkpoint.load(r["model"], progress=False), lines,
                                        max_pairs=args.heldout_pairs, seed=args.seed)
                r["heldout"] = held.as_dict()
            elif run.tool == "gensim":
                r["heldout"] = gensim_heldout(r["extras"], lines, args.heldout_pairs,
                                              args.seed, args.window, args.sample)
        except Exception as exc:  # a figure missing is reported, not fatal
            r["eval_error"] = "%s: %s" % (type(exc).__name__, exc)
        held = r.get("heldout") or {}
        bench._log("[%s] %s: analogy %s, WS353 %s, held-out %s nats/pair" % (
            run.table, run.name, bench._fmt(100 * r["analogy"], ".2f") if "analogy" in r
            else "–", bench._fmt(r.get("ws353_spearman"), ".3f"),
            bench._fmt(held.get("cross_entropy"), ".3f")))


def table(runs, which, args):
    head = ("| loss | words/s | train s | wall s | analogy % (scored) | WS353 (pairs) | "
            "held-out nats/pair | perplexity | mean log Z |")
    lines = [head, "| --- " + "| ---: " * 8 + "|"]
    for run in (r for r in runs if r.table == which):
        r = run.result
        if "error" in r:
            lines.append("| %s | error: %s |%s" % (run.name, r["error"][:120].replace("|", "/"),
                                                   " |" * 7))
            continue
        held = r.get("heldout") or {}
        partition = held.get("mean_log_partition")
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            run.name, bench._fmt_int(r.get("words_per_sec")),
            bench._fmt(r.get("train_seconds"), ".1f"), bench._fmt(r.get("wall_seconds"), ".1f"),
            "%.2f (%s)" % (100 * r["analogy"], bench._fmt_int(r["analogy_scored"]))
            if "analogy" in r else "–",
            "%.3f (%d)" % (r["ws353_spearman"], r["ws353_pairs"])
            if "ws353_spearman" in r else "–",
            bench._fmt(held.get("cross_entropy"), ".3f"),
            bench._fmt(held.get("perplexity"), ",.0f"),
            "normalised" if held and partition is None and run.tool != "word2vec"
            else bench._fmt(partition, ".2f")))
    return "\n".join(lines)


def bars(runs):
    """The issue's bars for hs against its peers (main table)."""
    by = {(r.table, r.name): r.result for r in runs}
    ours = by.get(("main", "hs"), {})
    out = []
    for peer in ("gensim hs", "word2vec.c hs"):
        theirs = by.get(("main", peer), {})
        if "error" in ours or "error" in theirs or not ours or not theirs:
            continue
        out.append({"peer": peer,
                    "analogy_points": 100 * (ours.get("analogy", 0) - theirs.get("analogy", 0)),
                    "wall_ratio": ours["wall_seconds"] / theirs["wall_seconds"]})
    return out


#: Marker and colour of each row in the plot: one family, one colour.
STYLES = {
    "sgns k=5": ("o", "#1f77b4"), "sgns k=15": ("o", "#6baed6"), "nce k=5": ("D", "#2ca02c"),
    "hs": ("^", "#d62728"), "hs (reference loop)": ("v", "#ff9896"),
    "gensim hs": ("^", "#ff7f0e"),
    "sampled-softmax k=5": ("s", "#9467bd"), "sampled-softmax k=15": ("s", "#b39ddb"),
    "sampled-softmax k=64": ("s", "#5e3c99"), "softmax": ("*", "#000000"),
}


def plot(runs, path, titles):
    """One panel per table (their cross-entropies are on different scales: the small
    vocabulary's are over 1,000 words), held-out cross-entropy against words/s; an inset
    zooms on the losses that estimate a normalised model (all but SGNS, whose cross-entropy is
    far above theirs)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = [t for t in ("main", "small") if any(r.table == t for r in runs)]
    fig, axes = plt.subplots(1, len(tables), figsize=(7 * len(tables), 7), dpi=100,
                             squeeze=False)
    for ax, which in zip(axes[0], tables):
        points = [(run.name, run.result["words_per_sec"],
                   run.result["heldout"]["cross_entropy"]) for run in runs
                  if run.table == which and run.result.get("heldout")
                  and run.result.get("words_per_sec")]
        close = [p for p in points if not p[0].startswith("sgns")]
        inset = None
        if close and len(close) < len(points):
            inset = ax.inset_axes([0.1, 0.2, 0.86, 0.5])
        for target in (ax, inset):
            if target is None:
                continue
            shown = points if target is ax else sorted(close, key=lambda p: p[2])
            for i, (name, x, y) in enumerate(shown):
                marker, colour = STYLES.get(name, ("x", "grey"))
                target.scatter(x, y, marker=marker, color=colour, s=90 if marker == "*" else 50,
                               label=name if target is ax else None, edgecolors="black",
                               linewidths=0.4, zorder=3)
                if target is inset:
                    # Neighbours in height take turns above and below their point.
                    target.annotate(name.replace("sampled-softmax", "sampled"), (x, y),
                                    textcoords="offset points", fontsize=7,
                                    xytext=(5, 4) if i % 2 else (5, -10))
            target.set_xscale("log")
            target.grid(True, which="both", alpha=0.3)
        if inset is not None:
            low = min(p[2] for p in close)
            high = max(p[2] for p in close)
            margin = max(0.1 * (high - low), 0.002)
            inset.set_ylim(low - margin, high + 3 * margin)
            inset.set_title("zoom: all but SGNS", fontsize=8)
            inset.tick_params(labelsize=7)
        ax.set_xlabel("training words/s (log scale)")
        ax.set_ylabel("held-out cross-entropy, nats per pair (lower is better)")
        ax.set_title(titles[which], fontsize=10)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=4,
                  frameon=False)
    fig.suptitle("Held-out cross-entropy against training speed, every loss")
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp)
    os.replace(tmp, path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("corpus")
    p.add_argument("--heldout", required=True, help="held-out text (lines not in CORPUS)")
    p.add_argument("--threads", type=int, default=2)
    bench.add_setting_arguments(p, negative=False)
    p.add_argument("--small-vocab", type=int, default=1000)
    p.add_argument("--small-epochs", type=int, default=1)
    p.add_argument("--tables", default="main,small")
    p.add_argument("--heldout-pairs", type=int, default=HELDOUT_MAX_PAIRS)
    p.add_argument("--word2vec", default=WORD2VEC)
    p.add_argument("--lock", default=None, help="hold this flock during the training runs")
    p.add_argument("--timeout", type=float, default=None)
    p.add_argument("--json", dest="json_out")
    p.add_argument("--plot")
    p.add_argument("--workdir")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--replot", metavar="JSON",
                   help="draw --plot again from the runs of an earlier --json (no training)")
    args = p.parse_args(argv)
    args.corpus, args.heldout = os.path.abspath(args.corpus), os.path.abspath(args.heldout)
    args.table_list = [t for t in args.tables.split(",") if t]
    return args


def replot(args):
    with open(args.replot) as f:
        doc = json.load(f)
    runs = [Run(**r) for r in doc["runs"]]
    saved = argparse.Namespace(**doc["args"])
    plot(runs, args.plot, {which: title_of(saved, which) for which in saved.table_list})
    return 0


def title_of(args, which):
    epochs = settings_of(args, which == "small")["epochs"]
    if which == "main":
        return "whole vocabulary (min-count %d), %d epochs" % (args.min_count, epochs)
    return "the %d most frequent words (--max-vocab %d), %d epoch%s" % (
        args.small_vocab, args.small_vocab, epochs, "s" if epochs > 1 else "")


def main(argv=None):
    args = parse_args(argv)
    if args.replot:
        return replot(args)
    runs = []
    if "main" in args.table_list:
        runs += [Run("main", "hs", "w2vns", "--loss hs --negative 0"),
                 Run("main", "gensim hs", "gensim"), Run("main", "word2vec.c hs", "word2vec")]
        runs += [Run("main", name, "w2vns", extra) for name, extra in LOSSES if name != "hs"]
    if "small" in args.table_list:
        runs += [Run("small", name, "w2vns", extra) for name, extra in LOSSES + [SOFTMAX]]
    machine = bench.machine_info()
    command_line = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix="w2vns-bench-losses-")
    os.makedirs(workdir, exist_ok=True)
    started = time.time()
    try:
        with bench.locked(args.lock, bench._log):
            locked_at = time.time()
            tokens = None
            for run in runs:
                train(run, args, workdir, tokens)
                tokens = tokens or run.result.get("tokens")
            lock_seconds = time.time() - locked_at
        evaluate(runs, args)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print("## Negative sampling vs softmax\n")
    print("- machine: %s, load at start %s" % (
        bench.machine_line(machine), ", ".join("%.2f" % x for x in machine.get("loadavg_start", ()))))
    print("- command: `%s`" % command_line)
    print("- corpus %s, held-out %s; threads %d; training runs %.0f s under the lock"
          % (args.corpus, args.heldout, args.threads, lock_seconds))
    titles = {}
    for which in args.table_list:
        titles[which] = title_of(args, which)
        print("\n### %s\n" % titles[which])
        print(table(runs, which, args))
    checks = bars(runs)
    if checks:
        print()
        for c in checks:
            print("- hs vs %s: analogy %+.2f points, wall ratio %.2f" % (
                c["peer"], c["analogy_points"], c["wall_ratio"]))
    if args.plot:
        plot(runs, args.plot, titles)
        bench._log("wrote %s" % args.plot)
    if args.json_out:
        doc = {"command": command_line, "machine": machine, "args": vars(args),
               "started": started, "lock_seconds": lock_seconds,
               "runs": [dataclasses.asdict(r) for r in runs], "bars": checks}
        bench.write_json(args.json_out, doc)
    return 0 if all("error" not in r.result for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
