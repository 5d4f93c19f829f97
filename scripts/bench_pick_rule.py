#!/usr/bin/env python3
"""How evaluate-rec's pick rule does on the test items: the held-out best alone against the
first candidate within one standard error of it, over several training seeds.

    python scripts/bench_pick_rule.py DATA... [--seeds 1,2,3] [--lock /work/bench.lock]
        [--threads 2] [--dim 100] [--negative N] [--max-cases 5000] [--json out.json]
        [--save hits.npz]

DATA as in scripts/bench_items.py.  For each data set and training seed: the leave-last-out
split (w2vns.apps.recommend.leave_last_out; up to --max-cases test cases, seed 0), and the
held-out split of its training lines that evaluate-rec's pick uses (hide_last, up to
HIDDEN_PER_LINE hidden items a line, up to SELECTION_CASES cases).  For each context side of
CONTEXT_SIDES and noise power of NOISE_POWERS (evaluate-rec's models) one model on the held-out
split's training lines and one on all the training lines (the items preset, that seed), and
every scoring of SCORINGS with each: a hit or miss per case, held-out and test.  Printed per
data set, over the seeds: the test hit rate@k of the candidate that each rule picks from the
held-out hits (mean and lowest), of one fixed candidate always (both sides, power 0, output
scoring, recency 1: the usual pick on short histories), and of the best candidate on the test
items (an upper bound no rule can reach); then the held-out and test hit rates of the
candidates the rules picked and of the best few on the test items.  Also printed: the share of
held-out and of test cases whose last step (the basket's last item, then the hidden one) is a
pair of neighbours in the lines their models train on; where the test's is lower, the last
items of the histories are newer than the held-out ones, and what the held-out split rewards
may not carry over.  The rules:
"best" is the held-out best alone (MRR not used); "within 0.5 / 1 / 2 SE" is
w2vns.apps.recommend.first_within_noise at that many standard errors (1: evaluate-rec's).

With --lock, each seed of each data set runs holding an exclusive flock on that file.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import locked, write_json  # noqa: E402
from bench_items import add_common_arguments, int_list, items_params, load  # noqa: E402

from w2vns import train  # noqa: E402
from w2vns.apps.recommend import (CONTEXT_SIDES, HIDDEN_PER_LINE, NOISE_POWERS,  # noqa: E402
                                  SCORINGS, SELECTION_CASES, candidate_ranks, describe_scoring,
                                  first_within_noise, hide_last, leave_last_out, sample_cases,
                                  scoring_triple)

RULES = (("best", 0.0), ("within 0.5 SE", 0.5), ("within 1 SE", 1.0), ("within 2 SE", 2.0))
#: The candidate index of both sides and power 0 (the first of CONTEXT_SIDES and NOISE_POWERS),
#: output scoring, recency 1.
FIXED = [scoring_triple(c) for c in SCORINGS].index(("output", 1.0, 0.0))
FIXED_NAME = "always output, recency 1, power 0, both sides"
#: The models of one seed, in the order of evaluate-rec's pick: sides, then powers.
MODELS = [(side, power) for side in CONTEXT_SIDES for power in NOISE_POWERS]


def hits_of(model, cases, k):
    """candidates x cases array of hits at k, one row per scoring of SCORINGS."""
    ranks = candidate_ranks(model, cases)
    return (ranks >= 1) & (ranks <= k)


def seen_transitions(lines, cases):
    """The share of ``cases`` whose last step (the basket's last item, then the hidden one)
    is a pair of neighbours somewhere in ``lines`` (what the models train on): how much of
    what comes next could be copied from other histories."""
    pairs = {(a, b) for line in lines for a, b in zip(line, line[1:])}
    steps = [(basket[-1], target) for basket, target in cases if basket]
    return sum(step in pairs for step in steps) / max(1, len(steps))


def one_seed(training, held_training, held_cases, test_cases, params, seed, k):
    """(held-out hits, test hits): (sides x powers x scorings) x cases each."""
    held, test = [], []
    for side, power in MODELS:
        settings = dict(params, seed=seed, noise_power=power, context_side=side)
        held.append(hits_of(train(held_training, **settings), held_cases, k))
        test.append(hits_of(train(training, **settings), test_cases, k))
    return np.concatenate(held), np.concatenate(test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+")
    add_common_arguments(parser)
    parser.add_argument("--seeds", type=int_list, default=[1, 2, 3])
    parser.add_argument("--max-cases", type=int, default=5000)
    parser.add_argument("--save", default=None, metavar="NPZ",
                        help="write every seed's held-out and test hits (seeds x candidates x "
                             "cases) to this file, for rules tried later (one data set only)")
    args = parser.parse_args()
    if args.save and len(args.data) > 1:
        parser.error("--save takes one data set")
    params = dict(items_params(args), alpha=0.025)
    params.pop("seed")
    names = [describe_scoring(*scoring_triple(c)[:2], power, scoring_triple(c)[2], side)
             for side, power in MODELS for c in SCORINGS]
    print("settings: %s, seeds %s" % (json.dumps(params), args.seeds))
    results = []
    for spec in args.data:
        lines = load(spec)
        training, cases = leave_last_out(lines)
        test_cases = sample_cases(cases, args.max_cases)
        held_training, held_cases = hide_last(training, HIDDEN_PER_LINE)
        held_cases = sample_cases(held_cases, SELECTION_CASES)
        picked = {name: [] for name, _ in RULES}
        picked.update({FIXED_NAME: [], "best on the test items": []})
        started = time.perf_counter()
        hits = {"held": [], "test": []}  # per seed: candidates x cases
        for seed in args.seeds:
            with locked(args.lock):
                held, test = one_seed(training, held_training, held_cases, test_cases,
                                      params, seed, args.k)
            hits["held"].append(held)
            hits["test"].append(test)
            if args.save:  # after every seed, so that a run stopped early keeps its seeds
                np.savez_compressed(args.save, held=np.array(hits["held"]),
                                    test=np.array(hits["test"]), names=np.array(names),
                                    seeds=np.array(args.seeds[:len(hits["held"])]))
            best = int(np.argmax(held.mean(axis=1)))
            test_rates = test.mean(axis=1)
            for name, errors in RULES:
                index = first_within_noise(held, best, errors)
                picked[name].append((float(test_rates[index]), index))
            picked[FIXED_NAME].append((float(test_rates[FIXED]), FIXED))
            top = int(np.argmax(test_rates))
            picked["best on the test items"].append((float(test_rates[top]), top))
        print("\n%s: %d lines, %d held-out cases, %d test cases, %.0f s" % (
            spec, len(lines), len(held_cases), len(test_cases), time.perf_counter() - started))
        seen = {"held_out": seen_transitions(held_training, held_cases),
                "test": seen_transitions(training, test_cases)}
        print("last steps seen in the training lines: held-out %.3f, test %.3f\n" % (
            seen["held_out"], seen["test"]))
        print("| rule | test hit@%d, mean | lowest | picks (seed by seed) |" % args.k)
        print("| --- | ---: | ---: | --- |")
        for name, values in picked.items():
            rates = [rate for rate, _ in values]
            print("| %s | %.4f | %.4f | %s |" % (name, np.mean(rates), min(rates), "; ".join(
                names[index] for _, index in values)), flush=True)
        held_means = np.mean(hits["held"], axis=(0, 2))
        test_means = np.mean(hits["test"], axis=(0, 2))
        shown = [index for values in picked.values() for _, index in values]
        shown = list(dict.fromkeys(shown + list(np.argsort(-test_means)[:3])))
        print("\n| candidate | held-out hit@%d | test hit@%d |" % (args.k, args.k))
        print("| --- | ---: | ---: |")
        for index in sorted(shown, key=lambda i: -held_means[i]):
            print("| %s | %.4f | %.4f |" % (names[index], held_means[index], test_means[index]))
        results.append({"data": spec, "held_out_cases": len(held_cases),
                        "test_cases": len(test_cases), "seeds": args.seeds,
                        "picked": {name: values for name, values in picked.items()},
                        "seen_transitions": seen, "held_out_hit_rates": held_means.tolist(),
                        "test_hit_rates": test_means.tolist()})
        if args.json:
            write_json(args.json, {"params": params, "candidates": names, "results": results})


if __name__ == "__main__":
    main()
