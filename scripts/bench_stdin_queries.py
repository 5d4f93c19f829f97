"""`w2vns recommend -` (and `similar -`) reading queries on stdin: throughput on a file piped in,
and how soon each query typed one at a time is answered.

Runs this checkout and, with --other, another checkout of w2vns (e.g. a worktree of an older
commit with the compiled modules copied in) on the same input, alternating, and reports the
median wall time of each and their ratio; then (--typed N) writes N queries one at a time into
each one's stdin, kept open, and reports the median time to each answer.  For checking that
answering interactive input line by line did not cost the batch throughput on files.

    flock /work/bench.lock python scripts/bench_stdin_queries.py --model M.bin \
        --queries baskets.txt --other /tmp/before --repeats 5
"""
import argparse
import os
import select
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(checkout, command, model, queries, topn):
    env = dict(os.environ, PYTHONPATH=checkout)
    args = [sys.executable, "-m", "w2vns", command, "-", "-m", model, "-n", str(topn)]
    if command == "similar":
        args.append("--tsv")
    with open(queries, "rb") as stdin:
        started = time.perf_counter()
        done = subprocess.run(args, stdin=stdin, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=env, cwd="/")
        seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit("%s failed in %s (exit %d)" % (command, checkout, done.returncode))
    return seconds


def typed(checkout, command, model, queries, count, topn, give_up=10.0):
    """Seconds from writing each of the first ``count`` queries to its answer (stdin stays
    open); None when no answer came within ``give_up`` seconds."""
    with open(queries, "rb") as handle:
        lines = handle.read().splitlines()[:count]
    env = dict(os.environ, PYTHONPATH=checkout)
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", command, "-", "-m", model, "-n",
                             str(topn)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, cwd="/")
    try:
        time.sleep(3)  # the model loads
        waits = []
        for line in lines:
            started = time.perf_counter()
            proc.stdin.write(line + b"\n")
            proc.stdin.flush()
            if not select.select([proc.stdout], [], [], give_up)[0]:
                return None
            proc.stdout.readline()
            waits.append(time.perf_counter() - started)
        return waits
    finally:
        proc.kill()
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--queries", required=True, help="One query (basket, word) per line.")
    parser.add_argument("--command", default="recommend", choices=["recommend", "similar"])
    parser.add_argument("--other", help="Another w2vns checkout to compare with.")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("-n", "--topn", type=int, default=10)
    parser.add_argument("--typed", type=int, default=20,
                        help="Queries written one at a time to measure the answer's delay "
                             "(0: skip).")
    args = parser.parse_args()
    with open(args.queries, "rb") as handle:
        lines = sum(1 for _ in handle)
    checkouts = [("this", HERE)] + ([("other", os.path.abspath(args.other))] if args.other
                                     else [])
    times = {name: [] for name, _ in checkouts}
    for _ in range(args.repeats):
        for name, path in checkouts:
            times[name].append(run(path, args.command, args.model, args.queries, args.topn))
    print("%s - on %d lines of %s, model %s, -n %d, %d runs each (median):"
          % (args.command, lines, args.queries, args.model, args.topn, args.repeats))
    for name, path in checkouts:
        median = statistics.median(times[name])
        print("  %-5s %-30s %7.2f s  %9.0f lines/s" % (name, path, median, lines / median))
    if args.other:
        print("  this / other wall time: %.3f" % (statistics.median(times["this"])
                                                   / statistics.median(times["other"])))
    if args.typed:
        print("%d queries written one at a time, stdin kept open:" % args.typed)
        for name, path in checkouts:
            waits = typed(path, args.command, args.model, args.queries, args.typed, args.topn)
            print("  %-5s %s" % (name, "no answer within 10 s of the first query" if waits is
                                 None else "answer after median %.1f ms (max %.1f ms)"
                                 % (1000 * statistics.median(waits), 1000 * max(waits))))


if __name__ == "__main__":
    main()
