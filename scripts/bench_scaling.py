#!/usr/bin/env python3
"""Thread scaling of w2vns (and gensim) training: words/s at 1, 2, 4, ... threads.

    python scripts/bench_scaling.py CORPUS.txt [--threads 1,2,4,8,16] [--epochs 2]
        [--peers gensim] [--variant NAME=ARGS ...] [--independent 4,16] [--json out.json]

Each run is its own process (scripts/bench.py's run_tool), so every figure is a fresh start;
runs alternate between the tools at each thread count. words/s = corpus tokens x epochs /
training seconds (the counting pass and gensim's vocabulary scan are not included). The table
gives, per tool, words/s, the speed-up over its own 1-thread run, and w2vns / peer.

``--independent N,...`` adds the machine's ceiling: at each count n, n one-thread w2vns processes
train at the same time (each on its own copy of the weights, so nothing is shared but the
cores, caches, memory bandwidth and clock), and their summed words/s is reported. Threads that
share one model cannot scale better than that; the gap between the two is what sharing costs.
"""
from concurrent.futures import ThreadPoolExecutor
import argparse
import json
import os
import sys
import tempfile
import shutil

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("corpus")
    p.add_argument("--threads", default="1,2,4,8,16")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--peers", default="gensim")
    p.add_argument("--variant", action="append", default=[], metavar="NAME=ARGS")
    p.add_argument("--extra-args", default="", help="extra arguments for every w2vns run")
    p.add_argument("--independent", default="", metavar="N,...",
                   help="also run n one-thread processes at once for these n (the machine's "
                        "ceiling); speed-ups are over w2vns's run at the fewest --threads")
    p.add_argument("--json", dest="json_out")
    args = p.parse_args(argv)
    counts = [int(t) for t in args.threads.split(",")]  # run in this order (e.g. 16 first)
    fewest = min(counts)  # speed-ups are over each tool's run at this many threads
    variants = {}
    for spec in args.variant:
        name, _, extra = spec.partition("=")
        variants["w2vns:" + name] = extra
    tools = ["w2vns"] + list(variants) + [t for t in args.peers.split(",") if t]
    settings = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5,
                "epochs": args.epochs, "alpha": 0.025}
    machine = bench.machine_info()
    workdir = tempfile.mkdtemp(prefix="w2vns-scaling-")
    results = {}
    tails = {}
    try:
        for threads in counts:
            for tool in tools:
                ns = argparse.Namespace(corpus=args.corpus, threads=threads, seed=1,
                                        extra_args=args.extra_args, variants=variants,
                                        fasttext="fasttext", timeout=None)
                r = bench.run_tool(tool, threads, ns, settings, workdir, None)
                results[(tool, threads)] = r.get("words_per_sec") if "error" not in r else None
                waits = (r.get("report") or {}).get("worker_seconds")
                if waits:  # how long the first worker to run out of work waited for the last
                    tails["%s@%d" % (tool, threads)] = max(waits) - min(waits)
                if "error" in r:
                    print("%s at %d threads failed: %s" % (tool, threads, r["error"]),
                          file=sys.stderr)
                for f in os.listdir(workdir):  # vectors are not needed; keep the disk free
                    os.remove(os.path.join(workdir, f))
                if args.json_out:  # after every run, so that a run cut short keeps its figures
                    write_json(args.json_out, machine, counts, tools, results, tails)
        if args.independent:
            tools.append("independent")
            results[("independent", fewest)] = results.get(("w2vns", fewest))
            for n in (int(x) for x in args.independent.split(",")):
                if n not in counts:
                    counts.append(n)
                results[("independent", n)] = independent_words_per_sec(n, args, settings,
                                                                        workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("machine: %s; corpus %s, %d epochs" % (bench.machine_line(machine), args.corpus,
                                                 args.epochs))
    head = "| threads | " + " | ".join("%s words/s | %s speed-up" % (t, t) for t in tools)
    if "gensim" in tools:
        head += " | w2vns / gensim"
    print(head + " |")
    print("| ---: " * (1 + 2 * len(tools) + ("gensim" in tools)) + "|")
    for threads in sorted(counts):
        cells = []
        for tool in tools:
            wps, base = results.get((tool, threads)), results.get((tool, fewest))
            cells.append(bench._fmt_int(wps))
            cells.append("%.2f" % (wps / base * fewest) if wps and base else "–")
        if "gensim" in tools:
            ours, theirs = results.get(("w2vns", threads)), results.get(("gensim", threads))
            cells.append("%.2f" % (ours / theirs) if ours and theirs else "–")
        print("| %d | %s |" % (threads, " | ".join(cells)))
    if args.json_out:
        write_json(args.json_out, machine, counts, tools, results, tails)
    return 0


def write_json(path, machine, counts, tools, results, tails):
    """The figures so far: words/s per "tool@threads", and each run's tail wait."""
    with open(path, "w") as f:
        json.dump({"machine": machine, "threads": counts, "tools": tools,
                   "words_per_sec": {"%s@%d" % k: v for k, v in results.items()},
                   "tail_seconds": tails}, f, indent=1)


def independent_words_per_sec(n, args, settings, workdir):
    """words/s of n one-thread w2vns processes started together: n x the median process's
    (None if one failed)."""
    ns = argparse.Namespace(corpus=args.corpus, threads=1, seed=1, extra_args=args.extra_args,
                            variants={}, fasttext="fasttext", timeout=None)
    with ThreadPoolExecutor(n) as pool:
        runs = list(pool.map(lambda i: bench.run_tool("w2vns", 1000 * n + i, ns, settings,
                                                      workdir, None), range(n)))
    for f in os.listdir(workdir):
        os.remove(os.path.join(workdir, f))
    if any("error" in r or not r.get("words_per_sec") for r in runs):
        print("independent runs at %d failed" % n, file=sys.stderr)
        return None
    # n x the median process: the processes start a little apart, so a sum of their rates
    # would credit the first and last ones for time they ran with fewer others beside them.
    rates = sorted(r["words_per_sec"] for r in runs)
    return n * rates[len(rates) // 2]


if __name__ == "__main__":
    sys.exit(main())
