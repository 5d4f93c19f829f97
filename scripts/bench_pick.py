#!/usr/bin/env python3
"""How many epochs evaluate-rec's held-out pick needs: the pick with fewer epochs against the
pick with the preset's, on the same held-out split.

    python scripts/bench_pick.py [DATA ...] [--epochs 40,20,10] [--lock /work/bench.lock]
        [--threads 2] [--dim 100] [--negative N] [--json out.json]

DATA as in scripts/bench_items.py (a baskets file, ``sessions:L:N[:STAY]``, ``text:PATH:N``).
For each data set: the training lines of leave-last-out (every line without its last item),
then w2vns.apps.recommend.choose_settings on them (the last items of each training line hidden,
w2vns.apps.recommend.hide_last; one model per context side and noise power of CONTEXT_SIDES and
NOISE_POWERS, every scoring of SCORINGS) with each of --epochs (the first is the reference; by
default the preset's epochs, half and a quarter of them).  Printed per epochs: the pick, its
held-out hit rate@10 in the reference table, the loss against the reference pick there
("regret"; 0 when the picks agree), whether the pick is the same, and the pick's training
seconds (the models of every side and power together).  The test items of the data are never
looked at.

With --lock, each data set runs holding an exclusive flock on that file (the project's
benchmark lock).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import locked, write_json  # noqa: E402
from bench_items import (DEFAULT_DATA, add_common_arguments, int_list,  # noqa: E402
                         items_params, load)

from w2vns.apps.recommend import (NOISE_POWERS, choose_settings,  # noqa: E402
                                  describe_scoring, leave_last_out)


def key(candidate):
    return (candidate["context_side"], candidate["noise_power"], candidate["scoring"],
            candidate["recency"], candidate["popularity"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="*", default=DEFAULT_DATA)
    parser.add_argument("--epochs", default=None)
    add_common_arguments(parser)
    args = parser.parse_args()
    params = items_params(args)
    each_epochs = (int_list(args.epochs) if args.epochs
                   else [params["epochs"], params["epochs"] // 2, params["epochs"] // 4])
    print("settings: %s, epochs %s, noise powers %s" % (json.dumps(params), each_epochs,
                                                        list(NOISE_POWERS)))
    results = []
    for spec in args.data:
        lines = load(spec)
        training, _ = leave_last_out(lines)
        picks = []
        with locked(args.lock):
            for epochs in each_epochs:
                started = time.perf_counter()
                picks.append(dict(choose_settings(training, args.k,
                                                  **dict(params, epochs=epochs)),
                                  epochs=epochs, wall=time.perf_counter() - started))
        reference = {key(c): c["hit_rate"] for c in picks[0]["candidates"]}
        best = reference[key(picks[0])]
        print("\n%s: %d lines, %d held-out cases\n" % (spec, len(lines), picks[0]["cases"]))
        print("| epochs | pick | its held-out hit@%d | own hit@%d | regret | same | train s |"
              % (args.k, args.k))
        print("| ---: | --- | ---: | ---: | ---: | --- | ---: |")
        for pick in picks:
            at_reference = reference[key(pick)]
            print("| %d | %s | %.4f | %.4f | %.4f | %s | %.1f |" % (
                pick["epochs"], describe_scoring(pick["scoring"], pick["recency"],
                                                 pick["noise_power"], pick["popularity"],
                                                 pick["context_side"]),
                at_reference, next(c["hit_rate"] for c in pick["candidates"]
                                   if key(c) == key(pick)),
                best - at_reference, "yes" if key(pick) == key(picks[0]) else "no",
                pick["train_seconds"]), flush=True)
        results.append({"data": spec, "picks": picks})
        if args.json:
            write_json(args.json, {"params": params, "results": results})


if __name__ == "__main__":
    main()
