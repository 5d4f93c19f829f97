#!/usr/bin/env python3
"""Next-item benchmark: w2vns evaluate-rec's defaults vs gensim vs popularity, on baskets and
sessions of several lengths.

    python scripts/bench_items.py [DATA ...] [--lock /work/bench.lock] [--json out.json]
        [--threads 2] [--max-cases 5000] [--dim D] [--epochs E] [--window W] [--negative N]

DATA is a file of baskets (one per line, items separated by spaces), ``sessions:L:N[:STAY[:SEED]]``
(N generated sessions of about L items, w2vns.corpus.synthetic.generate_sessions, seed SEED,
default 0, stay probability STAY, default 0.6), ``ratings:N:MEDIAN[:ZIPF[:EXPLORE[:SEED]]]`` (N
generated histories shaped like a ratings data set's: lognormal lengths of median MEDIAN,
20 to 750 items, generate_sessions(..., lengths="lognormal") with its zipf and explore,
default 1.0 and 0.15, and seed SEED, default 0), or ``text:PATH:N`` (the first N lines of a
text file, .gz too, as baskets: each line's distinct words in the order they first occur).
Without DATA: ../shared/data/debian-baskets.txt, sessions:10:10000, sessions:50:2000,
sessions:200:500, sessions:700:150, sessions:200:500:0, ratings:943:64:1.2:0.3:0 (about
100,000 items each, the size of a small ratings data set), text:../shared/data/corpus-en.txt.gz:200.

Leave-last-out (w2vns.apps.recommend): the last item of every line is hidden and every model
trains on the same training lines (every line without its last item); the hidden items of up
to --max-cases lines (a random sample, seed 0) are ranked, the basket's own items excluded.
Rows per data set, all from this one run:

* popularity: training counts.
* w2vns defaults: ``w2vns evaluate-rec``'s defaults, i.e. ``evaluate_leave_last_out(lines,
  scoring="auto")`` over the items preset without its noise power (the scoring, recency,
  noise power, context side and dimension picked on a held-out split of the training lines,
  the dimension unless --dim is given; the pick's trainings are counted in "train s").
* w2vns reference kernel: the same with ``kernel="reference"`` (word2vec's per-pair loop);
  left out with --no-reference.
* gensim, same settings: ``Word2Vec(sg=1, window=W, min_count=1, sample=0,
  ns_exponent=<the noise power w2vns picked>, ...)`` with the same window (w2vns's window 0,
  the whole line: ``window=10000, shrink_windows=False``), dim (the one w2vns's defaults
  picked, in every gensim row), negative, epochs, alpha, min_alpha = alpha * 1e-4, workers
  and seed, scored as w2vns's pick (gensim has no contexts-before model: where w2vns picked
  that side, its model of both sides).
* gensim best: the best of ns_exponent in {-0.5, 0, 0.75} x every scoring evaluate-rec can
  pick (w2vns.apps.recommend.SCORINGS), chosen on the test cases themselves: an upper bound
  of what gensim could do, not a fair pick.
* gensim, held-out pick: gensim's models with evaluate-rec's pick (choose_settings with gensim
  as the trainer and both sides only: one gensim model per noise power on the held-out split
  of the training lines), scored on the test cases with the gensim model of the picked
  power; the train seconds are the pick's three trainings and that model's.  Left out with
  --no-gensim-pick.

With --lock, each model's training and scoring (evaluate-rec's pick and final training
together; one gensim training and its scorings) runs holding an exclusive flock on that file
(the project's benchmark lock), released in between, so that no one waits for a whole data
set.  Prints a Markdown table
per data set as it goes, and writes every figure to --json.
"""
import argparse
import gzip
import json
import os
import sys
import time
import types
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import locked, write_json  # noqa: E402

from w2vns.apps.recommend import (SCORINGS, choose_settings,  # noqa: E402
                                  describe_scoring, evaluate_leave_last_out, leave_last_out,
                                  model_ranks, popularity_ranks, rank_metrics, read_baskets,
                                  sample_cases, scoring_triple)
from w2vns.corpus.synthetic import generate_sessions  # noqa: E402
from w2vns.training.presets import apply_preset  # noqa: E402
from w2vns.vectors.keyed import KeyedVectors  # noqa: E402

SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "shared", "data")
DEFAULT_DATA = [
    os.path.join(SHARED, "debian-baskets.txt"),
    "sessions:10:10000", "sessions:50:2000", "sessions:200:500", "sessions:700:150",
    "sessions:200:500:0", "ratings:943:64:1.2:0.3:0",
    "text:%s:200" % os.path.join(SHARED, "corpus-en.txt.gz"),
]
NS_EXPONENTS = (-0.5, 0.0, 0.75)


def load(spec):
    """The lines (lists of items) that DATA ``spec`` names."""
    kind, _, rest = spec.partition(":")
    if kind == "sessions":
        fields = rest.split(":")
        stay = {"stay": float(fields[2])} if len(fields) > 2 else {}
        seed = int(fields[3]) if len(fields) > 3 else 0
        return generate_sessions(int(fields[1]), int(fields[0]), seed=seed, **stay)
    if kind == "ratings":
        fields = rest.split(":")
        skew = dict(zip(("zipf", "explore"), (float(f) for f in fields[2:4])))
        seed = int(fields[4]) if len(fields) > 4 else 0
        return generate_sessions(int(fields[0]), int(fields[1]), seed=seed, lengths="lognormal",
                                 **skew)
    if kind == "text":
        path, _, count = rest.rpartition(":")
        lines = []
        with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as handle:
            for line in handle:
                lines.append(list(dict.fromkeys(line.split())))
                if len(lines) == int(count):
                    break
        return lines
    return read_baskets(spec)


def train_gensim(training, params, ns_exponent):
    """(KeyedVectors, output vectors, train seconds) of gensim's skip-gram on ``training``."""
    from gensim.models import Word2Vec

    started = time.perf_counter()
    whole_line = params["window"] == 0  # w2vns's window 0; otherwise a reduced window, as ours
    model = Word2Vec(training, sg=1, hs=0, vector_size=params["dim"],
                     window=10000 if whole_line else params["window"],
                     shrink_windows=not whole_line, min_count=1, sample=0,
                     negative=params["negative"],
                     ns_exponent=ns_exponent, epochs=params["epochs"], alpha=params["alpha"],
                     min_alpha=params["alpha"] * 1e-4, workers=params["threads"],
                     seed=params.get("seed", 1))
    seconds = time.perf_counter() - started
    kv = KeyedVectors(model.wv.index_to_key, model.wv.vectors, counts=[
        model.wv.get_vecattr(key, "count") for key in model.wv.index_to_key])
    return kv, model.syn1neg, seconds


def gensim_trainer(lines, progress=None, **params):
    """choose_settings's trainer for gensim: a model-like object of :func:`train_gensim`."""
    kv, output, seconds = train_gensim(lines, params, params["noise_power"])
    return types.SimpleNamespace(wv=kv, syn1neg=output, output_bias=None,
                                 report={"train_seconds": seconds})


def bench(spec, params, k, max_cases, lock=None, reference=True, gensim_pick=True):
    lines = load(spec)
    training, cases = leave_last_out(lines)
    ranked = sample_cases(cases, max_cases)
    items = Counter(item for line in lines for item in line)
    info = {"data": spec, "lines": len(lines), "items": sum(items.values()),
            "distinct": len(items), "mean_length": sum(items.values()) / max(1, len(lines)),
            "longest": max(len(line) for line in lines), "cases": len(ranked)}
    rows = []
    popularity = rank_metrics(popularity_ranks(training, ranked), k)
    rows.append({"model": "popularity", "scoring": "training counts", **popularity,
                 "train_seconds": None})
    picked = gensim_params = None
    kernels = (("w2vns defaults", "fast"), ("w2vns reference kernel", "reference"))
    for name, kernel in kernels[:2 if reference else 1]:
        with locked(lock):
            result = evaluate_leave_last_out(lines, k=k, scoring="auto", max_cases=max_cases,
                                             kernel=kernel, **params)
        seconds = result["train"]["train_seconds"] + result["selection"]["train_seconds"]
        rows.append({"model": name, "scoring": describe_scoring(
                         result["scoring"], result["recency"], result["noise_power"],
                         result["popularity_weight"], result["context_side"], result["dim"],
                         result["context_steps"]),
                     **result["model"], "train_seconds": seconds,
                     "selection": result["selection"]})
        picked = picked or (result["noise_power"], result["scoring"], result["recency"],
                            result["popularity_weight"])
        gensim_params = gensim_params or dict(params, dim=result["dim"])
    gensim = []
    for ns in NS_EXPONENTS:
        with locked(lock):
            kv, output, seconds = train_gensim(training, gensim_params, ns)
            for scoring, recency, popularity in map(scoring_triple, SCORINGS):
                metrics = rank_metrics(model_ranks(
                    kv, ranked, output if scoring == "output" else None, recency=recency,
                    popularity=popularity), k)
                gensim.append({"ns_exponent": ns, "scoring": scoring, "recency": recency,
                               "popularity": popularity, **metrics, "train_seconds": seconds})
    same = next(g for g in gensim if (g["ns_exponent"], g["scoring"], g["recency"],
                                      g["popularity"]) == picked)
    best = max(gensim, key=lambda g: (g["hit_rate"], g["mrr"]))
    labelled = [("gensim, same settings", same), ("gensim, best", best)]
    selection = None
    if gensim_pick:
        with locked(lock):
            selection = choose_settings(training, k, trainer=gensim_trainer,
                                        context_sides=("both",), steps_to_try=("summed",),
                                        **gensim_params)
        key = (selection["noise_power"], selection["scoring"], selection["recency"],
               selection["popularity"])
        g = next(g for g in gensim if (g["ns_exponent"], g["scoring"], g["recency"],
                                       g["popularity"]) == key)
        labelled.append(("gensim, held-out pick", dict(
            g, train_seconds=g["train_seconds"] + selection["train_seconds"])))
    for label, g in labelled:
        rows.append({"model": label, "scoring": "%s, ns_exponent %g" % (
            describe_scoring(g["scoring"], g["recency"], popularity=g["popularity"]),
            g["ns_exponent"]),
            "hit_rate": g["hit_rate"], "mrr": g["mrr"], "train_seconds": g["train_seconds"]})
    return {**info, "rows": rows, "gensim": gensim, "gensim_selection": selection}


def print_table(result, k):
    print("\n%s: %d lines, %d items (%d distinct), %.1f a line (longest %d); %d cases ranked\n"
          % (result["data"], result["lines"], result["items"], result["distinct"],
             result["mean_length"], result["longest"], result["cases"]))
    print("| model | scoring | hit@%d | MRR@%d | train s |" % (k, k))
    print("| --- | --- | ---: | ---: | ---: |")
    for row in result["rows"]:
        seconds = "" if row["train_seconds"] is None else "%.1f" % row["train_seconds"]
        print("| %s | %s | %.4f | %.4f | %s |" % (row["model"], row["scoring"], row["hit_rate"],
                                                   row["mrr"], seconds), flush=True)


def add_common_arguments(parser, dim=100):
    """The options that bench_items, bench_pick and bench_holdout share; ``dim``: --dim's
    default (None: evaluate-rec's pick)."""
    parser.add_argument("--lock", default=None, help="flock this file around each model")
    parser.add_argument("--json", default=None)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dim", type=int, default=dim,
                        help="default: %s" % (dim or "evaluate-rec's pick, gensim's the same"))
    parser.add_argument("--negative", type=int, default=None, help="default: the preset's")
    parser.add_argument("-k", type=int, default=10)


def int_list(text):
    """A comma-separated list of ints ("40,20,10"), as --epochs and --window take them."""
    return [int(e) for e in text.split(",")]


def items_params(args):
    """The items preset without its noise power (evaluate-rec picks it when not given), with
    the common options' threads, dim and negative (when given), and seed 1."""
    params, _ = apply_preset("items", {}, ())
    params.pop("noise_power")
    params.update(threads=args.threads, seed=1)
    for name in ("dim", "negative"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="*", default=DEFAULT_DATA)
    add_common_arguments(parser, dim=None)
    parser.add_argument("--no-reference", dest="reference", action="store_false",
                        help="leave out the reference kernel's row")
    parser.add_argument("--no-gensim-pick", dest="gensim_pick", action="store_false",
                        help="leave out the row of gensim with evaluate-rec's held-out pick")
    parser.add_argument("--max-cases", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    parser.add_argument("--window", type=int, default=None, help="default: the preset's")
    parser.add_argument("--alpha", type=float, default=0.025)
    args = parser.parse_args()
    params = dict(items_params(args), alpha=args.alpha)
    for name in ("epochs", "window"):
        if getattr(args, name) is not None:
            params[name] = getattr(args, name)
    print("items preset and evaluate-rec defaults: %s" % json.dumps(params))
    results = []
    for spec in args.data:
        started = time.perf_counter()
        result = bench(spec, params, args.k, args.max_cases, args.lock, args.reference,
                       args.gensim_pick)
        result["seconds"] = time.perf_counter() - started
        results.append(result)
        print_table(result, args.k)
        if args.json:
            write_json(args.json, {"params": params, "results": results})


if __name__ == "__main__":
    main()
