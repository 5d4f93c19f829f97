#!/usr/bin/env python3
"""Distributed training's words/s against workers on one many-core machine (``--dask local:W``).

    python scripts/bench_dask_cores.py CORPUS.txt [--workers 1,2,4,8] [--cores N] [--shards 8]
        [--seed 1] [--json out.json]

In this order, each a child process: w2vns on one machine with ``--cores`` threads (default:
all cores), then for each W a LocalCluster of W worker processes with cores / W threads each
and K = W blocks (``--dask local:W --threads cores/W --blocks W``), word2vec's default
settings. Reported per run: training seconds, words/s, the ratio to one machine at the same
cores, analogy accuracy (questions-words, 30k words) and WordSim-353, as scripts/bench_dask.py
scores them. The corpus is cut into ``--shards`` line-aligned shards (made once).
"""
import argparse
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
from bench_dask import run, shards_of, w2vns_cmd  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--cores", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    shards = shards_of(args.corpus, args.shards)
    workdir = tempfile.mkdtemp(prefix="bench-dask-cores-")
    evaluator = bench.Evaluator(bench.data_file("questions-words.txt"),
                                bench.data_file("wordsim353.tsv"), 30000, False)
    rows = []
    for w in [None] + [int(x) for x in args.workers.split(",")]:
        tag = "one-machine" if w is None else "workers-%d" % w
        out, report = os.path.join(workdir, tag + ".bin"), os.path.join(workdir, tag + ".json")
        if w is None:
            cmd = w2vns_cmd(shards, out, report, args.seed, args.cores)
        else:
            cmd = w2vns_cmd(shards, out, report, args.seed, max(1, args.cores // w),
                            ["--dask", "local:%d" % w, "--blocks", str(w)])
        wall, _rss = run(cmd, workdir, tag)
        with open(report) as handle:
            r = json.load(handle)
        row = {"run": tag, "workers": w, "threads_per_worker": args.cores if w is None else
               max(1, args.cores // w), "wall_seconds": wall,
               "train_seconds": r["train_seconds"], "words_per_sec": r["words_per_sec"]}
        row.update(evaluator.evaluate(out))
        os.remove(out)
        rows.append(row)
        print("%-12s %2s x %2d threads: train %6.2f s, %5.2fM words/s (%.2fx one machine), "
              "analogy %.4f, ws353 %.4f" % (
                  tag, w or 1, row["threads_per_worker"], row["train_seconds"],
                  row["words_per_sec"] / 1e6, row["words_per_sec"] / rows[0]["words_per_sec"],
                  row["analogy"], row["ws353_spearman"]), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"corpus": args.corpus, "cores": args.cores, "runs": rows}, f, indent=1)


if __name__ == "__main__":
    main()
