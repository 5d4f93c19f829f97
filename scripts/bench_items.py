"""Item2vec benchmark: w2vns --preset items vs gensim Word2Vec vs popularity, on baskets.

    python scripts/bench_items.py ../shared/data/debian-baskets.txt [--sections FILE]

Leave-last-out: the last item of each line is hidden; both models train on the same training
lines (every line without its last item) with the same settings: whole-line windows (w2vns
window 0; gensim window = the longest line, shrink_windows=False), min-count 1, no subsampling,
the same dim / negative / epochs / alpha / noise power, 2 threads.  The hidden items of
--cases randomly chosen lines (seed 0) are ranked by both scorings of w2vns.recommend (cosine
to the mean unit vector; the output vectors) and by popularity.  Section precision@10: for
--queries random items seen at least 5 times, the share of their 10 nearest neighbours (cosine)
in the same Debian section (debian-sections.tsv, next to the baskets by default).
Prints a Markdown table.  Defaults (dim 64, 10 epochs) keep it to a few minutes on 2 cores.
"""
import argparse
import os
import random
import sys
import time
from collections import Counter

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import w2vns  # noqa: E402
from w2vns.training import presets  # noqa: E402
from w2vns.apps.recommend import (Recommender, leave_last_out, model_ranks,  # noqa: E402
                             popularity_ranks, rank_metrics, read_baskets)


def section_precision(kv, queries, sections, k=10):
    """Mean share of each query's k nearest neighbours that have the query's section."""
    recommender = Recommender(kv)
    shares = []
    for item, neighbours in zip(queries, recommender.recommend_many([[q] for q in queries], k)):
        shares.append(sum(sections.get(n) == sections[item] for n, _ in neighbours) / k)
    return float(np.mean(shares))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("baskets")
    parser.add_argument("--sections", default=None)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--negative", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.025)
    parser.add_argument("--noise-power", type=float, default=None,
                        help="default: the items preset's")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cases", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=5000)
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    sections_path = args.sections or os.path.join(os.path.dirname(args.baskets),
                                                  "debian-sections.tsv")
    lines = read_baskets(args.baskets)
    training, cases = leave_last_out(lines)
    rng = random.Random(0)
    sample = rng.sample(cases, min(args.cases, len(cases)))
    counts = Counter(item for line in training for item in line)
    with open(sections_path, encoding="utf-8") as handle:
        sections = dict(line.rstrip("\n").split("\t")[:2] for line in handle if "\t" in line)

    params, _ = presets.apply_preset("items", {}, ())
    params.update(dim=args.dim, epochs=args.epochs, negative=args.negative, alpha=args.alpha,
                  threads=args.threads, seed=1)
    if args.noise_power is not None:
        params["noise_power"] = args.noise_power
    models = {}
    started = time.perf_counter()
    model = w2vns.train(training, **params)
    models["w2vns --preset items"] = (model.wv, model.syn1neg, time.perf_counter() - started)

    from gensim.models import Word2Vec

    longest = max(len(line) for line in training)
    started = time.perf_counter()
    gmodel = Word2Vec(training, sg=1, vector_size=args.dim, window=longest, shrink_windows=False,
                      min_count=1, sample=0, negative=args.negative, ns_exponent=params["noise_power"],
                      epochs=args.epochs, alpha=args.alpha, min_alpha=args.alpha * 1e-4,
                      workers=args.threads, seed=1)
    models["gensim Word2Vec"] = (gmodel.wv, gmodel.syn1neg, time.perf_counter() - started)

    eligible = sorted(item for item, n in counts.items() if n >= 5 and item in sections)
    queries = rng.sample(eligible, min(args.queries, len(eligible)))
    k = args.k
    print("%d lines, %d training items (%d distinct), %d leave-last-out cases of which %d "
          "ranked; dim %d, %d epochs, negative %d, alpha %g, noise power %g, window: whole "
          "line (gensim %d), %d threads; section precision over %d items seen >= 5 times\n"
          % (len(lines), sum(counts.values()), len(counts), len(cases), len(sample), args.dim,
             args.epochs, args.negative, args.alpha, params["noise_power"], longest,
             args.threads, len(queries)))
    print("| model | scoring | hit@%d | MRR@%d | train (s) | section P@10 |" % (k, k))
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    pop = rank_metrics(popularity_ranks(training, sample), k)
    print("| popularity | training counts | %.4f | %.4f | | |" % (pop["hit_rate"], pop["mrr"]))
    for name, (kv, output, seconds) in models.items():
        precision = section_precision(kv, queries, sections)
        for scoring, out in (("cosine", None), ("output", output)):
            result = rank_metrics(model_ranks(kv, sample, out), k)
            print("| %s | %s | %.4f | %.4f | %.1f | %s |" % (
                name, scoring, result["hit_rate"], result["mrr"], seconds,
                "%.4f" % precision if scoring == "cosine" else ""), flush=True)


if __name__ == "__main__":
    main()
