#!/usr/bin/env python3
"""Time `w2vns evaluate` on a generated V x d model (default 100,000 x 100).

The model holds every word of the bundled questions-words and WordSim-353 sets, frequent enough
to be inside the default --restrict 30000, with section-wise analogy offsets plus noise (so that
answers are neither all right nor all wrong), and random filler words after them.  The
command is run end to end in a subprocess (loading the model included) for 3CosAdd and 3CosMul,
over the top 30,000 words and over the whole vocabulary; it prints the evaluation's own
`seconds`, the wall time of the whole command and its CPU time (user + system: on a machine
shared with other jobs, CPU time divided by the cores is what an idle machine would take).
Pin it to cores with `taskset -c 0,1 python3 scripts/time_evaluate.py` to time 2 cores.

    python3 scripts/time_evaluate.py [--words 100000] [--dim 100] [--repeat 3]
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from w2vns.apps import evaluation as ev  # noqa: E402
from w2vns.vectors.keyed import KeyedVectors  # noqa: E402


def make_model(path, n_words, dim, seed=0):
    rng = np.random.default_rng(seed)
    words = {}
    for _name, questions in ev.read_analogies():
        for q in questions:
            words.update(dict.fromkeys(w.lower() for w in q))
    for a, b, _score in ev.read_similarity_pairs():
        words.update(dict.fromkeys((a.lower(), b.lower())))
    vec = {w: rng.standard_normal(dim).astype(np.float32) for w in words}
    for _name, questions in ev.read_analogies():
        offset = rng.standard_normal(dim)
        for q in questions:
            vec[q[1].lower()] = vec[q[0].lower()] + offset + 1.2 * rng.standard_normal(dim)
    keys = list(words)[:n_words]
    keys += ["w%06d" % i for i in range(n_words - len(keys))]
    matrix = rng.standard_normal((n_words, dim)).astype(np.float32)
    for i, k in enumerate(keys[:len(words)]):
        matrix[i] = vec[k]
    KeyedVectors(keys, matrix).save_word2vec_format(path, binary=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100000)
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model.bin")
        make_model(model, args.words, args.dim)
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        print("model: %d words x %d dims; %d usable cores" % (args.words, args.dim, cores),
              flush=True)
        for method in ("add", "mul"):
            for restrict in (30000, args.words):
                walls, secs, cpus = [], [], []
                for _ in range(args.repeat):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t0 = time.perf_counter()
                    out = subprocess.run(
                        [sys.executable, "-m", "w2vns", "evaluate", "-m", model, "--json",
                         "--method", method, "--restrict", str(restrict)],
                        capture_output=True, env=env, check=True).stdout
                    walls.append(time.perf_counter() - t0)
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpus.append(after.ru_utime - before.ru_utime
                                + after.ru_stime - before.ru_stime)
                    doc = json.loads(out)
                    secs.append(doc["analogies"][0]["seconds"])
                ana = doc["analogies"][0]
                print("method %s, restrict %6d: %d scored of %d, accuracy %.4f; analogies %.2f s, "
                      "whole command %.2f s wall, %.2f s CPU (best of %d)"
                      % (method, restrict, ana["scored"], ana["questions"], ana["accuracy"],
                         min(secs), min(walls), min(cpus), args.repeat), flush=True)


if __name__ == "__main__":
    main()
