"""Over training seeds: w2vns evaluate-rec's defaults against one fixed gensim configuration.

Each is trained with several seeds on the same leave-last-out split.

bench_items.py's "gensim, best" row is the best of 24 gensim configurations read off the test
items themselves, from one training run each. With a thousand test cases, the best of 24 is
above its configuration's own mean by chance; training it again with other seeds says by how
much. Give the configuration to re-train (usually the one bench_items.py printed as best):

    python scripts/bench_items_seeds.py DATA --seeds 1,2,3,4 \
        --gensim cosine:1:0.05:-0.5    # scoring:recency:popularity:ns_exponent

Prints hit@10 and MRR@10 per seed, and each model's mean and standard deviation. DATA is as
bench_items.py takes it (a basket file, sessions:..., ratings:...).
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import write_json  # noqa: E402
from bench_items import (add_common_arguments, int_list, items_params, load,  # noqa: E402
                         locked, train_gensim)
from w2vns.apps.recommend import (evaluate_leave_last_out, leave_last_out,  # noqa: E402
                                  model_ranks, rank_metrics, sample_cases)


def gensim_config(text):
    """--gensim's "scoring:recency:popularity:ns_exponent" as a tuple (scoring, 3 floats)."""
    scoring, recency, popularity, ns = text.split(":")
    if scoring not in ("cosine", "output"):
        raise argparse.ArgumentTypeError("scoring must be cosine or output")
    return scoring, float(recency), float(popularity), float(ns)


def run(spec, params, config, seeds, k, max_cases, lock):
    lines = load(spec)
    training, cases = leave_last_out(lines)
    ranked = sample_cases(cases, max_cases)
    scoring, recency, popularity, ns = config
    gensim = "gensim %s" % ":".join(map(str, config))
    rows = {"w2vns defaults": [], gensim: []}
    for seed in seeds:
        with locked(lock):
            result = evaluate_leave_last_out(lines, k=k, scoring="auto", max_cases=max_cases,
                                             **dict(params, seed=seed))
        rows["w2vns defaults"].append(result["model"])
        print("seed %d  w2vns defaults (%s, power %g, contexts %s): hit@%d %.4f, MRR %.4f" % (
            seed, result["scoring"], result["noise_power"], result["context_side"], k,
            result["model"]["hit_rate"], result["model"]["mrr"]), flush=True)
        with locked(lock):
            kv, output, _ = train_gensim(training, dict(params, seed=seed), ns)
        metrics = rank_metrics(model_ranks(kv, ranked, output if scoring == "output" else None,
                                           recency=recency, popularity=popularity), k)
        rows[gensim].append(metrics)
        print("seed %d  %s: hit@%d %.4f, MRR %.4f" % (seed, gensim, k, metrics["hit_rate"],
                                                      metrics["mrr"]), flush=True)
    print("\n%s: %d cases ranked, seeds %s\n" % (spec, len(ranked), ",".join(map(str, seeds))))
    print("| model | hit@%d mean | sd | MRR@%d mean |" % (k, k))
    print("| --- | ---: | ---: | ---: |")
    for name, results in rows.items():
        hits = [r["hit_rate"] for r in results]
        print("| %s | %.4f | %.4f | %.4f |" % (
            name, statistics.mean(hits), statistics.stdev(hits) if len(hits) > 1 else 0.0,
            statistics.mean(r["mrr"] for r in results)))
    return {"data": spec, "cases": len(ranked), "seeds": seeds, "params": params,
            "gensim": dict(zip(("scoring", "recency", "popularity", "ns_exponent"), config)),
            "runs": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--gensim", type=gensim_config, required=True,
                        help="scoring:recency:popularity:ns_exponent")
    parser.add_argument("--seeds", type=int_list, default=[1, 2, 3])
    parser.add_argument("--max-cases", type=int, default=5000)
    parser.add_argument("--alpha", type=float, default=0.025)
    add_common_arguments(parser)
    args = parser.parse_args()
    params = dict(items_params(args), alpha=args.alpha)
    try:
        result = run(args.data, params, args.gensim, args.seeds, args.k, args.max_cases,
                     args.lock)
    except OSError as err:  # the data file: one line, as the commands say it
        parser.error("%s: %s" % (args.data, err.strerror or err))
    if args.json:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
