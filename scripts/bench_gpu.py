#!/usr/bin/env python3
"""Benchmark one GPU (``--device cuda``) against w2vns on all the CPU cores of the same machine.

    python scripts/bench_gpu.py CORPUS [CORPUS ...] [--threads N] [--repeats R]
        [--plain] [--json out.json]
    python scripts/bench_gpu.py --shapes CORPUS [--epochs 1]

For each corpus, R times, alternating: w2vns on ``--threads`` cores (default: all), then on the
GPU, each with word2vec's default settings (dim 100, window 5, 5 noise words, sample 1e-3,
min-count 5, 5 epochs) and seed r for repeat r. ``--plain`` adds a GPU run whose steps are
plain read-add-writes instead of atomic adds. Every run is scored on the bundled
questions-words (3CosAdd over the 30k most frequent words) and WordSim-353 (Spearman), as
``w2vns train --eval`` scores them. Reported per run: training seconds and words/s (corpus
tokens x epochs / training seconds, as ``w2vns train`` reports), quality, and for the GPU the
seconds before the first update (transfers + compiling), of which compiling, and the GPU
memory the run took; then per corpus the ratios GPU / CPU of words/s and the quality
differences (means over the repeats).

``--shapes``: one run per launch shape (blocks per multiprocessor x warps per block) and kind of
step (atomic float4, atomic scalar, plain), ``--epochs`` epochs of the first CORPUS, training
seconds and words/s only: to choose the backend's defaults on a new GPU.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from w2vns.apps.evaluation import evaluate  # noqa: E402
from w2vns.distributed.api import train  # noqa: E402
from w2vns.gpu.backend import CudaBackend  # noqa: E402
from w2vns.training.api import train as train_here  # noqa: E402
from w2vns.training.params import default_threads  # noqa: E402

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, alpha=0.025)


def log(message):
    print(message, file=sys.stderr, flush=True)


def scored(model, wall):
    ev = evaluate(model.wv)
    report = model.report
    row = {"wall_seconds": wall, "train_seconds": report["train_seconds"],
           "words_per_sec": report["words_per_sec"], "tokens": report["tokens"],
           "analogy": ev["analogies"][0]["accuracy"],
           "wordsim": ev["similarity"][0]["spearman"]}
    if "gpu" in report:
        row.update({k: report["gpu"][k] for k in ("first_update_seconds", "compile_seconds",
                                                  "transfer_seconds", "memory_bytes",
                                                  "name", "warps")})
    return row


def one_run(kind, corpus, seed, threads):
    began = time.perf_counter()
    params = dict(SETTINGS, seed=seed)
    if kind == "cpu":
        model = train(corpus, threads=threads, **params)
    elif kind == "gpu":
        model = train(corpus, device="cuda", **params)
    else:  # plain read-add-write steps
        model = train_here(corpus, backend=CudaBackend(atomic=False), **params)
    row = scored(model, time.perf_counter() - began)
    row.update(kind=kind, corpus=os.path.basename(corpus), seed=seed)
    log("%-5s %-28s seed %d: %6.2f s train, %6.2fM words/s, analogy %.2f%%, WS353 %.3f%s" % (
        kind, row["corpus"], seed, row["train_seconds"], row["words_per_sec"] / 1e6,
        100 * row["analogy"], row["wordsim"],
        ", first update after %.2f s (compile %.2f s), %.0f MB" % (
            row["first_update_seconds"], row["compile_seconds"], row["memory_bytes"] / 2**20)
        if "memory_bytes" in row else ""))
    return row


def mean(rows, key):
    return sum(r[key] for r in rows) / len(rows)


def summary(runs):
    lines = ["| corpus | run | train s | words/s | vs CPU | analogy | WS353 |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    out = {}
    for corpus in dict.fromkeys(r["corpus"] for r in runs):
        cpu = [r for r in runs if r["corpus"] == corpus and r["kind"] == "cpu"]
        for kind in ("cpu", "gpu", "plain"):
            rows = [r for r in runs if r["corpus"] == corpus and r["kind"] == kind]
            if not rows:
                continue
            figures = {k: mean(rows, k) for k in ("train_seconds", "words_per_sec", "analogy",
                                                  "wordsim")}
            figures["speedup"] = figures["words_per_sec"] / mean(cpu, "words_per_sec")
            figures["analogy_diff"] = figures["analogy"] - mean(cpu, "analogy")
            figures["wordsim_diff"] = figures["wordsim"] - mean(cpu, "wordsim")
            out["%s/%s" % (corpus, kind)] = figures
            lines.append("| %s | %s | %.2f | %.1fM | %.1fx | %.2f%% | %.3f |" % (
                corpus, kind, figures["train_seconds"], figures["words_per_sec"] / 1e6,
                figures["speedup"], 100 * figures["analogy"], figures["wordsim"]))
    return out, "\n".join(lines)


def shapes(corpus, epochs):
    """Words/s of each launch shape and kind of step (see the module docstring)."""
    import cupy

    from w2vns.corpus.encode import encode_corpus
    from w2vns.training.backend import TrainJob
    from w2vns.training.params import TrainParams
    from w2vns.training.progress import Progress
    from w2vns.training.weights import initial_weights

    encoded = encode_corpus(corpus, SETTINGS["min_count"])
    params = TrainParams(**dict(SETTINGS, epochs=epochs)).validate().resolved()
    sms = cupy.cuda.Device(0).attributes["MultiProcessorCount"]
    print("%s: %d tokens, %d words, %d multiprocessors" % (corpus, encoded.tokens,
                                                            len(encoded.vocab), sms))
    kinds = (("atomic, float4", True, True), ("atomic, scalar", True, False),
             ("plain, float4", False, True))
    for name, atomic, vector in kinds:
        for per_sm, warps in ((1, 8), (2, 8), (4, 8), (2, 4), (4, 4), (8, 4), (16, 2)):
            backend = CudaBackend(atomic=atomic, vector=vector, blocks=per_sm * sms,
                                  warps_per_block=warps)
            weights = initial_weights(encoded.vocab.counts, params)
            stats = backend.run(TrainJob(params, encoded, weights, Progress()))
            print("%-15s %2d blocks/SM x %d warps: %.3f s, %6.1fM words/s, loss %.4f" % (
                name, per_sm, warps, stats["train_seconds"],
                encoded.vocab.total_tokens * epochs / stats["train_seconds"] / 1e6,
                stats["mean_loss"]), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="+")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--plain", action="store_true")
    parser.add_argument("--json", default=None)
    parser.add_argument("--shapes", action="store_true")
    parser.add_argument("--epochs", type=int, default=1, help="with --shapes")
    args = parser.parse_args(argv)
    if args.shapes:
        shapes(args.corpus[0], args.epochs)
        return
    threads = args.threads or default_threads()
    kinds = ["cpu", "gpu"] + (["plain"] if args.plain else [])
    runs = []
    for corpus in args.corpus:
        for seed in range(1, args.repeats + 1):
            for kind in kinds:
                runs.append(one_run(kind, corpus, seed, threads))
    figures, table = summary(runs)
    print("CPU: %d threads\n%s" % (threads, table))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": threads, "runs": runs, "summary": figures}, f, indent=1)


if __name__ == "__main__":
    main()
