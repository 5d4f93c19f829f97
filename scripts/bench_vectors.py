#!/usr/bin/env python3
"""Benchmark loading and querying word vectors: w2vns against gensim, at published-model size.

    python scripts/bench_vectors.py [--words 500000] [--dim 300] [--repeats 3] [--queries 5]
        [--workdir DIR] [--keep] [--json out.json]

Generates a word2vec binary file of ``--words`` random float32 vectors (words of 1-20
characters, some non-ASCII, most frequent first as in real files) in a temporary folder, then
times whole processes, each a child of this script, alternating the tools within each repeat
so that a slow patch on a shared machine hits them alike:

* ``w2vns info -m FILE``: the whole process: start, load, norms, summary;
* gensim: ``KeyedVectors.load_word2vec_format(FILE, binary=True)`` in a fresh interpreter; the
  process's wall time and, printed by the child, the load call's own time;
* ``w2vns convert FILE FILE.w2vns`` (once) and then ``w2vns similar WORD -m FILE.w2vns``, the
  query on the memory-mapped folder, ``--queries`` times per repeat with different words;
* ``python -c "import numpy, click"``: the floor any Python command pays to start.

Wall time is perf_counter around the child; peak memory is the child's own ru_maxrss from
os.wait4 (resident pages, file-backed ones included).  The file is in the page cache for every
run (it was just written), as it is for a model that is used.  Figures are medians over the
repeats.  Targets (issue #3): info <= 0.5 x gensim's load call; info's peak RSS <= 1.3 x the raw
float bytes; similar on the folder <= 0.3 s wall, process start included.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GENSIM_LOAD = r"""
import sys, time
from gensim.models import KeyedVectors
t0 = time.perf_counter()
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
print("%.6f %d" % (time.perf_counter() - t0, len(kv)))
"""


def generate(path, words, dim, seed=0):
    """Write a word2vec binary file of ``words`` random vectors; return the words.

    Run in a child process (``--generate``): a child's ru_maxrss starts from its parent's
    resident size at fork, so the measuring parent must stay small (no numpy).
    """
    sys.path.insert(0, REPO)
    import numpy as np

    from w2vns.vectors.formats import write_word2vec

    rng = np.random.default_rng(seed)
    letters = list("abcdefghijklmnopqrstuvwxyz") + ["é", "ß", "ж", "語"]
    lengths = rng.integers(1, 21, size=words)
    pool = rng.choice(letters, size=int(lengths.sum()), p=[0.97 / 26] * 26 + [0.0075] * 4)
    keys, start = [], 0
    for i, n in enumerate(lengths.tolist()):
        keys.append("".join(pool[start:start + n]) + "_%d" % i)  # unique
        start += n
    block = 1 << 16
    vectors = np.empty((words, dim), dtype=np.float32)
    for s in range(0, words, block):
        vectors[s:s + block] = rng.standard_normal((min(block, words - s), dim),
                                                   dtype=np.float32) * 0.1
    write_word2vec(path, keys, vectors, binary=True)
    return keys


def run(cmd, env=None):
    """Run ``cmd``; return (exit code, wall seconds, peak RSS in MiB, stdout, CPU seconds)."""
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=env)
        code, rss_mb, usage = bench.reap(proc)
        wall = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return code, wall, rss_mb, text, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=500000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--queries", type=int, default=5, help="similar runs per repeat")
    parser.add_argument("--workdir", default=None, help="where to generate [default: a temp dir]")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", default=None, help="also write the figures as JSON")
    parser.add_argument("--generate", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        keys = generate(args.generate, args.words, args.dim)
        step = max(1, args.words // (args.queries * args.repeats + 1))
        json.dump({"first": keys[:2], "probes": keys[step // 2::step]}, sys.stdout)
        return

    workdir = args.workdir or tempfile.mkdtemp(prefix="w2vns-bench-vectors-")
    os.makedirs(workdir, exist_ok=True)
    binary = os.path.join(workdir, "vectors.bin")
    folder = os.path.join(workdir, "vectors.w2vns")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [REPO, os.environ.get("PYTHONPATH")])))
    env.pop("W2VNS_MODEL", None)
    py = sys.executable
    raw_bytes = 4 * args.words * args.dim
    # What `pip install` does: compile the package's modules, so that no command pays for
    # compiling them (this matters where PYTHONDONTWRITEBYTECODE is set).
    subprocess.run([py, "-m", "compileall", "-q", os.path.join(REPO, "w2vns")], check=True)
    try:
        t0 = time.perf_counter()
        made = subprocess.run([py, os.path.abspath(__file__), "--generate", binary, "--words",
                               str(args.words), "--dim", str(args.dim), "--repeats",
                               str(args.repeats), "--queries", str(args.queries)],
                              stdout=subprocess.PIPE, check=True, env=env)
        keys = json.loads(made.stdout)
        file_mib = os.path.getsize(binary) / 2**20
        print("generated %s (%d x %d, %.0f MiB) in %.1f s" % (
            binary, args.words, args.dim, file_mib,
            time.perf_counter() - t0), file=sys.stderr)
        code, convert_wall, convert_rss, _, convert_cpu = run(
            [py, "-m", "w2vns", "convert", binary, folder, "-q"], env)
        assert code == 0, "convert failed"
        probe = iter(keys["probes"])
        samples = {name: [] for name in ("info", "gensim", "gensim_load", "similar",
                                         "similar_bin", "start")}
        rss = {name: [] for name in samples}
        cpu = {name: [] for name in samples}
        for repeat in range(args.repeats):
            for name, cmd in (
                    ("info", [py, "-m", "w2vns", "info", "-m", binary]),
                    ("gensim", [py, "-c", GENSIM_LOAD, binary]),
                    ("start", [py, "-c", "import numpy, click"])):
                code, wall, peak, out, used = run(cmd, env)
                assert code == 0, "%s failed (exit %s)" % (name, code)
                samples[name].append(wall)
                rss[name].append(peak)
                cpu[name].append(used)
                if name == "gensim":
                    samples["gensim_load"].append(float(out.split()[0]))
                print("repeat %d %-8s %6.2f s %7.0f MiB" % (repeat + 1, name, wall, peak),
                      file=sys.stderr)
            for _ in range(args.queries):
                word = next(probe)
                code, wall, peak, out, used = run([py, "-m", "w2vns", "similar", word, "-m",
                                                   folder, "-n", "10"], env)
                assert code == 0 and out.count("\n") == 10, "similar failed"
                samples["similar"].append(wall)
                rss["similar"].append(peak)
                cpu["similar"].append(used)
            print("repeat %d similar  %s s (folder)" % (repeat + 1, " ".join(
                "%.3f" % w for w in samples["similar"][-args.queries:])), file=sys.stderr)
            code, wall, peak, out, used = run([py, "-m", "w2vns", "similar", keys["first"][1],
                                               "-m", binary], env)
            samples["similar_bin"].append(wall)
            rss["similar_bin"].append(peak)
            cpu["similar_bin"].append(used)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    med = {name: statistics.median(values) for name, values in samples.items()}
    peak = {name: statistics.median(values) for name, values in rss.items() if values}
    cpu_med = {name: statistics.median(values) for name, values in cpu.items() if values}
    cpu_med["convert"] = convert_cpu
    raw_mib = raw_bytes / 2**20
    rows = [
        ("`w2vns info -m vectors.bin` (whole process)", "info",
         "%.2f x gensim's load call (target <= 0.5), %.2f x its process; "
         "peak RSS %.2f x the raw floats (target <= 1.3)"
         % (med["info"] / med["gensim_load"], med["info"] / med["gensim"],
            peak["info"] / raw_mib)),
        ("gensim `KeyedVectors.load_word2vec_format(binary=True)`: the call", "gensim_load", ""),
        ("gensim: the whole process (import + load)", "gensim",
         "peak RSS %.2f x the raw floats" % (peak["gensim"] / raw_mib)),
        ("`w2vns convert vectors.bin vectors.w2vns` (once)", "convert", ""),
        ("`w2vns similar WORD -m vectors.w2vns` (%d words; slowest %.3f s)"
         % (len(samples["similar"]), max(samples["similar"])), "similar", "target <= 0.3 s"),
        ("`w2vns similar WORD -m vectors.bin`", "similar_bin", ""),
        ("`python -c 'import numpy, click'`: the start-up floor", "start", ""),
    ]
    med["convert"], peak["convert"] = convert_wall, convert_rss
    print("\n%d words x %d dims, word2vec binary %.0f MiB (raw floats %.0f MiB); %s, "
          "Python %s, %d CPUs; medians of %d repeats\n" % (
              args.words, args.dim, file_mib, raw_mib,
              platform.machine(), platform.python_version(), os.cpu_count(), args.repeats))
    print("| command | wall (s) | CPU (s) | peak RSS (MiB) | |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, name, note in rows:
        print("| %s | %.3f | %s | %s | %s |" % (
            label, med[name], "%.3f" % cpu_med[name] if name in cpu_med else "",
            "%.0f" % peak[name] if name in peak else "", note))
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"words": args.words, "dim": args.dim, "repeats": args.repeats,
                       "wall": samples, "cpu": cpu, "rss_mib": rss,
                       "convert": [convert_wall, convert_cpu, convert_rss],
                       "raw_mib": raw_mib}, out, indent=1)

if __name__ == "__main__":
    main()
