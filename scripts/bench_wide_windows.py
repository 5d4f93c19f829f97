#!/usr/bin/env python3
"""The fast kernel against word2vec's per-pair reference loop on wide windows: speed and
quality, in one run.

    python scripts/bench_wide_windows.py [--sessions L:N ...] [--session-epochs 40] [--text PATH]
        [--groups 10] [--negative N] [--threads 2] [--repeats 1] [--lock /work/bench.lock]
        [--json out.json]

Two kinds of data, both with a whole line as the window (``--window 0``):

* ``--sessions L:N``: N generated sessions of about L items (w2vns.corpus.synthetic.
  generate_sessions, seed 0), trained with the items preset but the whole line as the
  window (window 0, min-count 1, sample 0, noise power 0, the preset's 40 epochs or
  --session-epochs; --dim, default 100; --negative, the preset's 10 by default) on the
  leave-last-out training lines;
  quality is hit@10 and MRR@10 of the hidden last items, by cosine to the basket and by the
  output vectors (w2vns.apps.recommend, all items alike).
* ``--text PATH``: a text corpus (e.g. the 10M-token prefix of corpus-en), trained with
  train's defaults but ``--window 0`` and ``--epochs`` (--text-epochs, default 1); quality
  is the bundled questions-words accuracy over the 30,000 most frequent words (w2vns
  evaluate's figure) and WordSim-353 Spearman.

Each data set is trained with the reference loop, the fast loop at each --groups size
(``context_group``; the default is the shipped one) and, with --ungrouped, the fast loop
with the whole window as one group (the kernel before groups), alternating within each
repeat; repeat r trains with seed r (1, 2, ...).  Speed is corpus words per second (tokens x
epochs / training seconds, from the run's report) and its ratio to the reference loop's, the
median over the repeats; quality is the mean over the repeats (seeds).
With --lock, each repeat of a data set holds an exclusive flock on that file.
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import locked, write_json  # noqa: E402

import w2vns  # noqa: E402
from w2vns.apps.evaluation import evaluate  # noqa: E402
from w2vns.apps.recommend import leave_last_out, model_ranks, rank_metrics  # noqa: E402
from w2vns.corpus.synthetic import generate_sessions  # noqa: E402
from w2vns.training.params import CONTEXT_GROUP  # noqa: E402
from w2vns.training.presets import apply_preset  # noqa: E402
from w2vns.training.weights import TrainingDiverged  # noqa: E402


def configurations(groups, ungrouped):
    configs = [("reference", {"kernel": "reference"})]
    configs += [("fast, group %d" % g, {"kernel": "fast", "context_group": g}) for g in groups]
    if ungrouped:
        configs.append(("fast, one group a window", {"kernel": "fast", "context_group": 10000}))
    return configs


def session_run(training, cases, params):
    model = w2vns.train(training, **params)
    quality = {}
    for scoring, output in (("cosine", None), ("output", model.syn1neg)):
        metrics = rank_metrics(model_ranks(model.wv, cases, output), 10)
        quality[scoring] = {"hit_rate": metrics["hit_rate"], "mrr": metrics["mrr"]}
    return model.report, quality


def text_run(path, params):
    model = w2vns.train(path, **params)
    result = evaluate(model.wv)
    analogy, similarity = result["analogies"][0], result["similarity"][0]
    return model.report, {"analogy_accuracy": analogy["accuracy"], "scored": analogy["scored"],
                          "wordsim_spearman": similarity["spearman"]}


def bench(name, run, configs, repeats, lock):
    figures = {label: [] for label, _ in configs}
    diverged = set()
    for repeat in range(repeats):
        with locked(lock):
            for label, options in configs:
                try:
                    report, quality = run(dict(options, seed=repeat + 1))
                except TrainingDiverged:
                    print("  %s, %s: diverged" % (name, label), flush=True)
                    diverged.add(label)
                    continue
                figures[label].append({"words_per_sec": report["words_per_sec"],
                                       "train_seconds": report["train_seconds"], **quality})
                print("  %s, %s: %.0f words/s, %s" % (name, label, report["words_per_sec"],
                                                     json.dumps(quality)), flush=True)
    rows = [{"data": name, "kernel": label, "diverged": True} for label in sorted(diverged)]
    reference = statistics.median(r["words_per_sec"] for r in figures["reference"])
    for label, runs in figures.items():
        if not runs:
            continue
        speed = statistics.median(r["words_per_sec"] for r in runs)
        row = {"data": name, "kernel": label, "words_per_sec": speed,
               "speed_vs_reference": speed / reference,
               "train_seconds": statistics.median(r["train_seconds"] for r in runs)}
        for key in runs[0]:
            if isinstance(runs[0][key], dict):
                row[key] = {k: statistics.mean(r[key][k] for r in runs) for k in runs[0][key]}
            elif key not in row:
                row[key] = statistics.mean(r[key] for r in runs)
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", action="append", default=[], metavar="L:N")
    parser.add_argument("--text", default=None)
    parser.add_argument("--text-epochs", type=int, default=1)
    parser.add_argument("--session-epochs", type=int, default=None,
                        help="default: the items preset's")
    parser.add_argument("--groups", default=str(CONTEXT_GROUP),
                        help="comma-separated context_group sizes of the fast loop")
    parser.add_argument("--ungrouped", action="store_true",
                        help="also the fast loop with a whole window as one group")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--negative", type=int, default=None,
                        help="default: the items preset's for sessions, train's for text")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--lock", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    configs = configurations([int(g) for g in args.groups.split(",")], args.ungrouped)
    negative = {} if args.negative is None else {"negative": args.negative}
    rows = []
    for spec in args.sessions:
        length, count = (int(x) for x in spec.split(":"))
        training, cases = leave_last_out(generate_sessions(count, length, seed=0))
        params, _ = apply_preset("items", {}, ())
        params.update(window=0, dim=args.dim, threads=args.threads, **negative)
        if args.session_epochs:
            params["epochs"] = args.session_epochs
        name = "sessions %s" % spec
        print("%s: %d lines, %d cases, %s" % (name, len(training), len(cases), params),
              flush=True)
        rows += bench(name, lambda options: session_run(training, cases, dict(params, **options)),
                      configs, args.repeats, args.lock)
    if args.text:
        params = {"window": 0, "epochs": args.text_epochs, "threads": args.threads, **negative}
        name = "text %s" % os.path.basename(args.text)
        print("%s: %s" % (name, params), flush=True)
        rows += bench(name, lambda options: text_run(args.text, dict(params, **options)),
                      configs, args.repeats, args.lock)
    print()
    print("| data | kernel | words/s | vs reference | train s | quality |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for row in rows:
        if row.get("diverged"):
            print("| %s | %s | | | | diverged (NaN weights) |" % (row["data"], row["kernel"]))
            continue
        if "cosine" in row:
            quality = "hit@10 %.4f cosine, %.4f output (MRR %.4f, %.4f)" % (
                row["cosine"]["hit_rate"], row["output"]["hit_rate"], row["cosine"]["mrr"],
                row["output"]["mrr"])
        else:
            quality = "analogies %.2f %% of %d, WordSim %.3f" % (
                100 * row["analogy_accuracy"], row["scored"], row["wordsim_spearman"])
        print("| %s | %s | %.0f | %.2fx | %.1f | %s |" % (
            row["data"], row["kernel"], row["words_per_sec"], row["speed_vs_reference"],
            row["train_seconds"], quality))
    if args.json:
        write_json(args.json, {"args": vars(args), "rows": rows})


if __name__ == "__main__":
    main()
