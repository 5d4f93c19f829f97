#!/usr/bin/env python3
"""Negative sampling's variants side by side: quality and speed of each on one corpus.

    python scripts/bench_negatives.py CORPUS.txt [--threads 2] [--json out.json]

Runs scripts/bench.py with one w2vns row per variant (default settings otherwise): SGNS (the
baseline row), NCE (with its per-word output biases, the default) and NCE with the bare score
(--no-nce-bias), noise power 0 / 0.5 / 1 (0.75 is the baseline), hard negatives M = 20
(= 4k), self-adversarial weighting T = 1. The table's "words/s ratio" column is the baseline's
words/s over the variant's (so 1 / it is the variant's speed relative to SGNS).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

VARIANTS = [
    ("nce", "--loss nce"),
    ("nce-bare", "--loss nce --no-nce-bias"),
    ("power-0", "--noise-power 0"),
    ("power-0.5", "--noise-power 0.5"),
    ("power-1", "--noise-power 1"),
    ("hard-20", "--hard-negatives 20"),
    ("adversarial-1", "--adversarial-temperature 1"),
]


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = []
    for name, args in VARIANTS:
        extra += ["--variant", "%s=%s" % (name, args)]
    return bench.main(argv + ["--peers", ""] + extra)


if __name__ == "__main__":
    sys.exit(main())
