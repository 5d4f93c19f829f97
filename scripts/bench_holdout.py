#!/usr/bin/env python3
"""How well evaluate-rec's held-out pick predicts the test ranking: every candidate's hit
rate on the test items beside its hit rate on the pick's held-out split, with one hidden item a
line and with several.

    python scripts/bench_holdout.py [DATA ...] [--hidden 1,5] [--lock /work/bench.lock]
        [--epochs 20[,40...]] [--window 20[,0...]] [--threads 2] [--dim 100] [--negative N]
        [--max-cases 5000] [--json out.json]

DATA as in scripts/bench_items.py (a baskets file, ``sessions:L:N[:STAY[:SEED]]``,
``ratings:N:MEDIAN[:ZIPF[:EXPLORE[:SEED]]]``, ``text:PATH:N``).  For each data set: the
leave-last-out split (every line without its last item trains; the last items of up to
--max-cases lines, a random sample, are the test cases); one model per noise power of
w2vns.apps.recommend.NOISE_POWERS trained on the training lines and every (scoring, recency,
popularity) of SCORINGS ranks the test items with each (the "test" column: what the pick
tries to predict); then w2vns.apps.recommend.choose_settings on the training lines with
each ``hidden_per_line`` of --hidden (1: each training line's last item hidden, the pick
before hide_last; 5: today's default).  Printed per data set: every candidate's test and
held-out hit rate@10, the popularity baseline's test hit rate, then per column the candidate
it ranks first (among all, and among those without the popularity prior: the pick before it
existed) and that candidate's test hit rate, against the best test figure (an upper bound
picked on the test items themselves).  With several --epochs or --window (the items
preset's by default), all of this for each pair, in turn, on the same split.

With --lock, the test models (together) and each pick run holding an exclusive flock on that
file (the project's benchmark lock), released in between.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import locked, write_json  # noqa: E402
from bench_items import add_common_arguments, int_list, items_params, load  # noqa: E402

from w2vns.apps.recommend import (NOISE_POWERS, SCORINGS, choose_settings,  # noqa: E402
                                  describe_scoring, leave_last_out, model_ranks,
                                  popularity_ranks, rank_metrics, sample_cases, scoring_triple)
from w2vns.training.api import train  # noqa: E402


def key(candidate):
    return (candidate["noise_power"], candidate["scoring"], candidate["recency"],
            candidate["popularity"])


def test_table(training, cases, params, k):
    """Every candidate's figures on the test cases, models trained on ``training``."""
    table = []
    for power in NOISE_POWERS:
        model = train(training, **dict(params, noise_power=power))
        for scoring, recency, popularity in map(scoring_triple, SCORINGS):
            output = model.syn1neg if scoring == "output" else None
            table.append({"noise_power": power, "scoring": scoring, "recency": recency,
                          "popularity": popularity,
                          **rank_metrics(model_ranks(model.wv, cases, output, recency=recency,
                                                     popularity=popularity), k)})
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="+")
    parser.add_argument("--hidden", default="1,5")
    add_common_arguments(parser)
    parser.add_argument("--max-cases", type=int, default=5000)
    parser.add_argument("--epochs", default=None,
                        help="comma-separated epochs to compare (default: the preset's)")
    parser.add_argument("--window", default=None,
                        help="comma-separated windows to compare (default: the preset's)")
    args = parser.parse_args()
    preset = items_params(args)
    each_epochs = int_list(args.epochs) if args.epochs else [preset["epochs"]]
    each_window = int_list(args.window) if args.window else [preset["window"]]
    hidden = int_list(args.hidden)
    print("settings: %s, epochs %s, windows %s, hidden per line %s" % (
        json.dumps(preset), each_epochs, each_window, hidden))
    results = []
    for spec in args.data:
        lines = load(spec)
        training, cases = leave_last_out(lines)
        cases = sample_cases(cases, args.max_cases)
        popularity = rank_metrics(popularity_ranks(training, cases), args.k)
        for epochs in each_epochs:
            for window in each_window:
                results.append(compare(spec, lines, training, cases, popularity,
                                       dict(preset, epochs=epochs, window=window), hidden, args))
                if args.json:
                    write_json(args.json, {"params": preset, "results": results})


def compare(spec, lines, training, cases, popularity, params, hidden, args):
    """Print and return one data set's test table and held-out picks at ``params``
    (``popularity``: the baseline's metrics on ``cases``, the same for every ``params``)."""
    started = time.perf_counter()
    epochs, window = params["epochs"], params["window"]
    with locked(args.lock):
        test = test_table(training, cases, params, args.k)
    picks = {}
    for h in hidden:
        with locked(args.lock):
            picks[h] = choose_settings(training, args.k, hidden_per_line=h, **params)
    columns = [("test", len(cases), {key(c): c for c in test})] + [
        ("held-out, %d a line" % h, picks[h]["cases"],
         {key(c): c for c in picks[h]["candidates"]}) for h in hidden]
    counts = ", ".join("%s %d" % (name, count) for name, count, _ in columns)
    print("\n%s, %d epochs, window %d: %d lines; cases: %s\n" % (
        spec, epochs, window, len(lines), counts))
    print("| candidate | %s |" % " | ".join(name for name, _, _ in columns))
    print("| --- |%s" % (" ---: |" * len(columns)))
    for c in test:
        print("| %s | %s |" % (describe_scoring(c["scoring"], c["recency"],
                                               c["noise_power"], c["popularity"]),
                               " | ".join("%.4f" % t[key(c)]["hit_rate"]
                                          for _, _, t in columns)))
    best = max(c["hit_rate"] for c in test)
    tests = columns[0][2]
    print("popularity: test hit@%d %.4f" % (args.k, popularity["hit_rate"]))
    for name, _, table in columns:
        # The pick among every candidate, and among those without the popularity prior
        # (the candidates before it existed).
        for among, pool in (("", table.values()),
                            (" without the popularity prior",
                             [c for c in table.values() if not c["popularity"]])):
            first = max(pool, key=lambda c: (c["hit_rate"], c["mrr"]))
            print("ranked first by %s%s: %s, test hit@%d %.4f (best on test %.4f)" % (
                name, among, describe_scoring(first["scoring"], first["recency"],
                                              first["noise_power"], first["popularity"]),
                args.k, tests[key(first)]["hit_rate"], best), flush=True)
    return {"data": spec, "epochs": epochs, "window": window, "test": test, "picks": picks,
            "popularity": popularity, "seconds": time.perf_counter() - started}


if __name__ == "__main__":
    main()
