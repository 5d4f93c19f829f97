#!/usr/bin/env python3
"""w2vns against gensim at one and the same configuration, over several generator seeds, with
paired standard errors: is a difference in hit rate the models' or the noise of the cases?

    python scripts/bench_gap.py [DATA ...] [--seeds 0,1,2] [--powers 0.75]
        [--models w2vns,gensim] [--hidden 5] [--lock /work/bench.lock] [--json out.json]
        [--threads 2] [--dim 100] [--negative N] [--epochs E]

DATA as in scripts/bench_items.py; in a ``sessions:L:N[:STAY]`` or
``ratings:N:MEDIAN[:ZIPF[:EXPLORE]]`` spec the generator seed is taken from --seeds (the same
seed also seeds the training), so each seed is a new data set and a new training.  The split
is w2vns.apps.recommend.hide_last with up to --hidden items a line (one per 10 items;
--hidden 1 is leave-last-out): several cases a line give more cases per training than the
test protocol does, which is what a comparison of two models needs.  Every case of every line
is ranked.

Models (--models, comma-separated): ``w2vns`` (the items preset with the noise power of
--powers; ``w2vns:key=value;key=value`` adds train parameters, e.g. ``w2vns:kernel=reference``)
and ``gensim`` (Word2Vec(sg=1, ...) with the same window, reduced as w2vns reduces it, or
for window 0 window=10000 and shrink_windows=False; the same dim, negative, epochs, alpha,
min_alpha = alpha * 1e-4, workers, ns_exponent = the power, seed).
Every model trains on the same training lines and ranks the same cases with every (scoring,
recency) of w2vns.apps.recommend.SCORINGS.

Printed per data set, seed and power: each model's hit rate@k per scoring (the JSON also has
each case's hit, and the hit rate on the last case of each line alone).  Then for each
model against the first, per power and scoring: the mean over seeds of the difference in hit
rate, its standard error between seeds (sd / sqrt(seeds): training and data noise together),
and the pooled paired standard error within the seeds' cases (lines as clusters: the cases of
one line are not independent).  With --lock each model's training and scoring holds an
exclusive flock on that file (the project's benchmark lock), released in between.

Last, per model and power, the optimism of picking the scoring on the test cases themselves
(as bench_items' "gensim, best" row does): each seed's best scoring on the last case of each
line (one case a line, as leave-last-out) against the scoring best over all seeds' cases.
``--summary FILE.json ...`` prints that part again from earlier runs' --json files.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import locked, write_json  # noqa: E402
from bench_items import (add_common_arguments, int_list, items_params, load,  # noqa: E402
                         train_gensim)

from w2vns.apps.recommend import (SCORINGS, describe_scoring, hide_last,  # noqa: E402
                                  model_ranks, scoring_triple)
from w2vns.training.api import train  # noqa: E402


def parse_model(text):
    """('w2vns' or 'gensim', {train parameter overrides}) of a --models entry."""
    name, _, rest = text.partition(":")
    overrides = {}
    for item in filter(None, rest.split(";")):
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except ValueError:
            overrides[key] = value
    if name not in ("w2vns", "gensim") or (name == "gensim" and overrides):
        raise SystemExit("bench_gap: error: unknown model %r" % text)
    return name, overrides


def hits(training, cases, params, model, power, k):
    """{(scoring, recency, popularity): 0/1 hit array over the cases}, and the train
    seconds."""
    name, overrides = model
    if name == "gensim":
        kv, output, seconds = train_gensim(training, params, power)
        bias = None
    else:
        trained = train(training, **dict(params, noise_power=power, **overrides))
        kv, output, bias = trained.wv, trained.syn1neg, trained.output_bias
        seconds = trained.report["train_seconds"]
    table = {}
    for scoring, recency, popularity in map(scoring_triple, SCORINGS):
        ranks = model_ranks(kv, cases, output if scoring == "output" else None,
                            output_bias=bias if scoring == "output" else None, recency=recency,
                            popularity=popularity)
        table[(scoring, recency, popularity)] = ((ranks >= 1) & (ranks <= k)).astype(np.int8)
    return table, seconds


def describe(scoring):
    """describe_scoring of a (scoring, recency, popularity) triple."""
    return describe_scoring(scoring[0], scoring[1], popularity=scoring[2])


def clustered_se(diff, owner):
    """Standard error of the mean of ``diff`` with the cases of one line as a cluster."""
    lines = np.unique(owner)
    if len(lines) < 2:
        return float("nan")
    sums = np.bincount(owner, weights=diff)[lines]
    sizes = np.bincount(owner)[lines]
    resid = sums - sizes * diff.mean()
    return float(math.sqrt(len(lines) / (len(lines) - 1) * (resid ** 2).sum()) / len(diff))


def oracle_summary(runs):
    """Print, per model and power, how much picking the scoring on the test cases themselves
    adds: for each seed, the best scoring's hit rate on the last case of each line (a
    leave-last-out-sized test) minus that of the one scoring that is best over every seed's
    cases together (a configuration fixed in advance)."""
    groups = {}
    for row in runs:
        if "last_hit_rate" not in row:  # a run of a draft of this script
            continue
        groups.setdefault((row["data"].rsplit(":", 1)[0], row["model"], row["power"]),
                          []).append(row)
    for (data, name, power), rows in sorted(groups.items(), key=str):
        fixed = max(rows[0]["hit_rate"], key=lambda s: sum(r["hit_rate"][s] for r in rows))
        gains = [max(r["last_hit_rate"].values()) - r["last_hit_rate"][fixed] for r in rows]
        print("  %s %-28s power %5g: fixed scoring %s (%.4f on the last cases, mean over "
              "%d seeds); best on the last cases %.4f; optimism %+.4f (per seed %s)" % (
                  data, name, power, fixed,
                  np.mean([r["last_hit_rate"][fixed] for r in rows]), len(rows),
                  np.mean([max(r["last_hit_rate"].values()) for r in rows]),
                  np.mean(gains), " ".join("%+.3f" % g for g in gains)), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--powers", default="0.75")
    parser.add_argument("--models", default="w2vns,gensim")
    parser.add_argument("--hidden", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=None, help="default: the preset's")
    parser.add_argument("--summary", action="store_true",
                        help="DATA are --json files of earlier runs: print their oracle "
                             "summary only")
    add_common_arguments(parser)
    args = parser.parse_args()
    if args.summary:
        for path in args.data:
            with open(path) as handle:
                oracle_summary(json.load(handle)["runs"])
        return
    params = dict(items_params(args), alpha=0.025)
    if args.epochs is not None:
        params["epochs"] = args.epochs
    seeds = int_list(args.seeds)
    powers = [float(p) for p in args.powers.split(",")]
    models = [parse_model(m) for m in args.models.split(",")]
    names = args.models.split(",")
    print("settings: %s; hidden per line %d; seeds %s" % (json.dumps(params), args.hidden, seeds))
    out = []
    for spec in args.data:
        # per_seed[(model, power, scoring)] = [(mean difference, its clustered SE)], a seed each
        per_seed = {}
        for seed in seeds:
            data = spec
            if spec.startswith("sessions:"):
                fields = (spec.split(":") + ["0.6"])[:4]
                data = ":".join(fields + [str(seed)])
            elif spec.startswith("ratings:"):
                fields = (spec.split(":") + ["1.0", "0.15"])[:5]
                data = ":".join(fields + [str(seed)])
            lines = load(data)
            training, cases = hide_last(lines, args.hidden)
            owner = np.repeat(np.arange(len(training)), [
                max(1, min(args.hidden, len(line) // 10)) if len(line) >= 2 else 0
                for line in lines])
            assert len(owner) == len(cases)
            # The last case of each line: what leave-last-out would test (on lines a few
            # items shorter).
            last = np.flatnonzero(np.r_[owner[1:] != owner[:-1], True])
            run = dict(params, seed=seed + 1)
            for power in powers:
                tables = []
                for name, model in zip(names, models):
                    started = time.perf_counter()
                    with locked(args.lock):
                        table, seconds = hits(training, cases, run, model, power, args.k)
                    tables.append(table)
                    row = {"data": data, "seed": seed, "power": power, "model": name,
                           "cases": len(cases), "train_seconds": seconds,
                           "hit_rate": {describe(s): float(h.mean())
                                        for s, h in table.items()},
                           "last_hit_rate": {describe(s): float(h[last].mean())
                                             for s, h in table.items()},
                           "hits": {describe(s): "".join(map(str, h.tolist()))
                                    for s, h in table.items()}}
                    out.append(row)
                    print("%s seed %d power %g %-28s %5d cases, train %6.1f s (%.0f s): %s" % (
                        data, seed, power, name, len(cases), seconds,
                        time.perf_counter() - started, "  ".join(
                            "%s %.4f" % (s, h) for s, h in row["hit_rate"].items())),
                        flush=True)
                for m in range(1, len(models)):
                    for scoring in map(scoring_triple, SCORINGS):
                        diff = (tables[m][scoring].astype(np.float64)
                                - tables[0][scoring].astype(np.float64))
                        per_seed.setdefault((names[m], power, scoring), []).append(
                            (diff.mean(), clustered_se(diff, owner)))
                if args.json:
                    write_json(args.json, {"params": params, "runs": out})
        print("\n%s, seeds %s: %s minus %s, hit@%d (mean over seeds; SE between seeds; "
              "pooled paired SE within)" % (spec, seeds, "/".join(names[1:]), names[0], args.k))
        for (name, power, scoring), values in sorted(per_seed.items(), key=str):
            means = np.array([v[0] for v in values])
            within = math.sqrt(sum(v[1] ** 2 for v in values)) / len(values)
            between = (means.std(ddof=1) / math.sqrt(len(means))) if len(means) > 1 else float(
                "nan")
            print("  %-28s power %5g %-20s %+.4f  SE %.4f  within %.4f  per seed %s" % (
                name, power, describe(scoring), means.mean(), between, within,
                " ".join("%+.3f" % m for m in means)), flush=True)
        print("\nscoring picked on the test cases (6 scorings, one model), against a fixed one:")
        oracle_summary([row for row in out if row["data"].startswith(spec)])


if __name__ == "__main__":
    main()
