#!/usr/bin/env python3
"""Benchmark distributed training (``w2vns train --dask``) against one machine's and gensim's.

    flock /work/bench.lock python scripts/bench_dask.py quality CORPUS.txt [--shards 8]
        [--blocks 2,4,8] [--seeds 1,2] [--workers 2] [--gensim] [--rounds R] [--no-single]
        [--json out.json]
    flock /work/bench.lock python scripts/bench_dask.py memory [--ids 1000000] [--dim 100]
        [--rounds 32] [--workers 1,2,4,8] [--json out.json]
    flock /work/bench.lock python scripts/bench_dask.py recovery CORPUS.txt [--shards 8]
        [--epochs 2] [--json out.json]
    flock /work/bench.lock python scripts/bench_dask.py kernel CORPUS.txt [--blocks 1,2,4,8]
        [--repeats 2] [--only one|cells] [--json out.json]
    flock /work/bench.lock python scripts/bench_dask.py time CORPUS.txt [--shards 8]
        [--blocks 2] [--workers 2] [--repeats 3] [--rounds R] [--json out.json]
    flock /work/bench.lock python scripts/bench_dask.py profile CORPUS.txt [--shards 8]
        [--blocks 2] [--workers 2] [--rounds R] [--json out.json]

quality: CORPUS is cut into ``--shards`` line-aligned shards (in /work/data-cache if it exists,
made once, atomically). For each seed, in this order: one machine (``--threads`` = workers,
one process), then the distributed run at each K on a LocalCluster of ``--workers`` processes
with one thread each (``--dask local:W --threads 1 --blocks K``), each its own child process;
then gensim once (seed 1, same settings). Vectors are scored like scripts/bench.py does
(questions-words over the 30k most frequent words, WordSim-353 Spearman). Reported per run:
wall and training seconds, words/s, bytes the workers sent each other per epoch, quality; and
the time ratio distributed / one machine at equal cores.

memory: a generated item corpus (baskets of 10 item ids drawn from ``--ids`` ids, every id at
least twice; the same file for every run, in 8 shards) is trained for one epoch in ``--rounds``
rounds with K = W blocks on W worker processes; each worker's resident memory as training
starts, and its peak while training, are read from /proc (the run's --report; the workers'
peak is reset as training starts, so the vocabulary's and the encoding's peak, reported too,
is not in it). Peak - before is the weights, the copies a cell trains, the plans held and
the tables.

recovery: the same distributed run (K = W = 2) three times in this process: undisturbed; with
one worker SIGKILLed halfway through the run (Dask recomputes what it held from its lineage,
back to the start); and the same with --checkpoint every epoch (back to the last checkpoint).
The recovery time is the difference in training seconds with the undisturbed run.

time: the equal-cores comparison, training time only (no scoring): one machine with
``--threads`` = workers in one process, then the distributed run at each K on a LocalCluster
of ``--workers`` processes with one thread each, alternating, ``--repeats`` times, seed 1.
Reported: each run's training seconds and, per K, the ratio of the median distributed time to
the median one-machine time.

profile: where the time of one distributed run goes (seed 1, K = the first of ``--blocks``,
``--workers`` processes x 1 thread, in this process): from Dask's task stream, each worker's
seconds computing cells, plans and other tasks, and idle, from the first cell to the last;
and the CPU seconds that each process spent while training (the workers, and this one, which
runs the scheduler and the client), against one machine's CPU seconds (``--workers``
threads, run first, in this process).

kernel: one epoch of CORPUS as plans and cells at K = ``--blocks`` in this process, one
thread, no Dask, against the one-machine kernel (alternating, best of ``--repeats``). Also,
per K, what the cells do per window of the epoch: the groups a window is cut into (each trained
in one cell, that of its centre's output block), the context rows and output rows those pass
through an update. ``--only one`` or ``--only cells`` runs one side alone, to
profile it (``perf record -g python scripts/bench_dask.py kernel CORPUS --blocks 2 --only
cells``).
"""
import argparse
import bisect
import itertools
import json
import os
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, REPO)

import bench  # noqa: E402  (scripts/bench.py: gensim's script, the evaluator, run_child)

CACHE = "/work/data-cache"
SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, alpha=0.025)


def log(message):
    print(message, file=sys.stderr, flush=True)


def atomic_write(path, write):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "wb") as out:
        write(out)
    os.replace(tmp, path)


def shards_of(corpus, n):
    """The corpus cut into n line-aligned shards of about equal size, made once."""
    base = os.path.basename(corpus).rsplit(".", 1)[0]
    root = CACHE if os.path.isdir(CACHE) and os.access(CACHE, os.W_OK) else tempfile.gettempdir()
    folder = os.path.join(root, "%s.shards-%d" % (base, n))
    paths = [os.path.join(folder, "part-%02d.txt" % i) for i in range(n)]
    if all(os.path.exists(p) for p in paths):
        return paths
    os.makedirs(folder, exist_ok=True)
    with open(corpus, "rb") as handle:
        lines = handle.readlines()
    ends = list(itertools.accumulate(len(line) for line in lines))
    cuts = [0] + [bisect.bisect_left(ends, ends[-1] * i / n) + 1 for i in range(1, n)] + [
        len(lines)]
    for path, start, end in zip(paths, cuts, cuts[1:]):
        atomic_write(path, lambda out, chunk=lines[start:end]: out.writelines(chunk))
    return paths


def w2vns_cmd(corpus, out, report, seed, threads, extra=()):
    cmd = [sys.executable, "-m", "w2vns", "train", *corpus, "-o", out, "--report", report, "-q",
           "--seed", str(seed), "--threads", str(threads)]
    for key, value in SETTINGS.items():
        cmd += ["--" + key.replace("_", "-"), str(value)]
    return cmd + list(extra)


def run(cmd, workdir, tag):
    env = dict(os.environ, PYTHONPATH=REPO)
    log("[%s] %s" % (tag, " ".join(cmd if "-c" not in cmd else cmd[:2] + ["<script>"])))
    code, wall, rss = bench.run_child(cmd, os.path.join(workdir, tag + ".out"),
                                      os.path.join(workdir, tag + ".err"), env=env, cwd=REPO)
    if code != 0:
        raise SystemExit("%s failed (%s): %s" % (tag, code, bench._tail(
            os.path.join(workdir, tag + ".err"))))
    return wall, rss


def quality(args):
    shards = shards_of(args.corpus, args.shards)
    workdir = tempfile.mkdtemp(prefix="bench-dask-")
    evaluator = bench.Evaluator(bench.data_file("questions-words.txt"),
                                bench.data_file("wordsim353.tsv"), 30000, False)
    runs = []
    for seed in args.seeds:
        configs = ([] if args.no_single else [("one machine", None)]) + [
            ("K=%d" % k, k) for k in args.blocks]
        for name, k in configs:
            tag = "%s-seed%d" % (name.replace(" ", "-").replace("=", ""), seed)
            out, report = os.path.join(workdir, tag + ".bin"), os.path.join(workdir, tag + ".json")
            if k is None:
                cmd = w2vns_cmd(shards, out, report, seed, args.workers)
            else:
                cmd = w2vns_cmd(shards, out, report, seed, 1, [
                    "--dask", "local:%d" % args.workers, "--blocks", str(k)] + (
                    ["--rounds", str(args.rounds)] if args.rounds else []))
            wall, rss = run(cmd, workdir, tag)
            with open(report) as handle:
                r = json.load(handle)
            row = {"run": name, "seed": seed, "wall_seconds": wall,
                   "train_seconds": r["train_seconds"], "words_per_sec": r["words_per_sec"],
                   "client_peak_rss_mb": rss}
            if "distributed" in r:
                d = r["distributed"]
                row.update(blocks=d["blocks"], rounds=d["rounds"], workers=d["workers"],
                           bytes_moved_per_epoch=d["bytes_moved"] / r["epochs"],
                           worker_peak_rss_mb=d["worker_peak_rss_mb"],
                           worker_setup_peak_rss_mb=d.get("worker_setup_peak_rss_mb"))
            row.update(evaluator.evaluate(out))
            log("  %s seed %d: wall %.1f s, train %.1f s, analogy %.4f, ws353 %.4f" % (
                name, seed, wall, row["train_seconds"], row["analogy"], row["ws353_spearman"]))
            runs.append(row)
            os.remove(out)
    if args.gensim:
        out = os.path.join(workdir, "gensim.bin")
        report = os.path.join(workdir, "gensim.json")
        payload = dict(SETTINGS, corpus=args.corpus, output=out, report=report,
                       threads=args.workers, seed=1)
        wall, rss = run([sys.executable, "-c", bench.GENSIM_SCRIPT, json.dumps(payload)],
                        workdir, "gensim")
        with open(report) as handle:
            r = json.load(handle)
        row = {"run": "gensim", "seed": 1, "wall_seconds": wall,
               "train_seconds": r["train_seconds"], "words_per_sec": r.get("words_per_sec")}
        row.update(evaluator.evaluate(out))
        runs.append(row)
    return {"corpus": args.corpus, "shards": len(shards), "workers": args.workers,
            "settings": SETTINGS, "runs": runs}


def timing(args):
    """Training seconds, one machine against the cluster at equal cores, alternating."""
    import statistics

    shards = shards_of(args.corpus, args.shards)
    workdir = tempfile.mkdtemp(prefix="bench-dask-time-")
    times = {}
    for repeat in range(args.repeats):
        for name, k in [("one machine", None)] + [("K=%d" % k, k) for k in args.blocks]:
            tag = "%s-%d" % (name.replace(" ", "-").replace("=", ""), repeat)
            out, report = os.path.join(workdir, tag + ".bin"), os.path.join(workdir, tag + ".json")
            extra = [] if k is None else [
                "--dask", "local:%d" % args.workers, "--blocks", str(k)] + (
                ["--rounds", str(args.rounds)] if args.rounds else [])
            run(w2vns_cmd(shards, out, report, 1, args.workers if k is None else 1, extra),
                workdir, tag)
            with open(report) as handle:
                seconds = json.load(handle)["train_seconds"]
            times.setdefault(name, []).append(seconds)
            log("  %s (%d): train %.1f s" % (name, repeat + 1, seconds))
            os.remove(out)
    base = statistics.median(times["one machine"])
    rows = [{"run": name, "train_seconds": t, "median": statistics.median(t),
             "median_over_one_machine": statistics.median(t) / base}
            for name, t in times.items()]
    for row in rows:
        log("  %s: median %.1f s, %.2fx one machine" % (row["run"], row["median"],
                                                        row["median_over_one_machine"]))
    return {"corpus": args.corpus, "shards": len(shards), "workers": args.workers,
            "rounds": args.rounds, "settings": SETTINGS, "rows": rows}


class CpuTimes:
    """A Progress that reads the CPU seconds of this process and its children (a local
    cluster's workers) when training starts and when it ends."""

    def __init__(self):
        import psutil  # a dependency of distributed

        self.me = psutil.Process()
        self.start = self.end = None

    def read(self):
        import psutil

        times = {}
        for proc in [self.me] + self.me.children(recursive=True):
            try:
                t = proc.cpu_times()
                times[proc.pid] = t.user + t.system
            except psutil.Error:  # gone meanwhile
                pass
        return time.perf_counter(), times

    def counting(self, done, total):
        pass

    def training_start(self, total_words, *args, **kwargs):
        self.start = self.read()

    def training(self, words_done, alpha, loss):
        pass

    def close(self):
        self.end = self.read()

    def seconds(self):
        """Training wall seconds, and CPU seconds per pid while training."""
        (t0, c0), (t1, c1) = self.start, self.end
        return t1 - t0, {pid: c1[pid] - c0.get(pid, 0.0) for pid in c1}


def profile(args):
    """One machine's CPU seconds, then one distributed run's task stream and CPU seconds."""
    import collections

    import distributed

    import w2vns
    from w2vns.distributed.cluster import connect

    shards = shards_of(args.corpus, args.shards)
    settings = dict(SETTINGS, seed=1)
    cpu = CpuTimes()
    w2vns.train(shards, threads=args.workers, progress=cpu, **settings)
    wall, times = cpu.seconds()
    one = {"train_seconds": wall, "cpu_seconds": times[cpu.me.pid]}
    log("  one machine: train %.1f s, CPU %.1f s" % (wall, one["cpu_seconds"]))
    k = args.blocks[0]
    cpu = CpuTimes()
    with connect("local:%d" % args.workers, threads_per_worker=1) as client:
        pids = client.run(os.getpid)
        with distributed.get_task_stream(client) as stream:
            w2vns.train(shards, dask=client, blocks=k, threads=1, rounds=args.rounds,
                        progress=cpu, **settings)
    wall, times = cpu.seconds()
    tasks = collections.defaultdict(list)
    for rec in stream.data:
        spans = [s for s in rec["startstops"] if s["action"] == "compute"]
        name = str(rec["key"]).strip("('\"").split("-")[0]
        tasks[rec["worker"]].append((spans[0]["start"], spans[-1]["stop"], name))
    first = min(s for recs in tasks.values() for s, _, n in recs if n == "train_cell")
    last = max(e for recs in tasks.values() for _, e, n in recs if n == "train_cell")
    workers = []
    for address, recs in sorted(tasks.items()):
        busy = collections.Counter()
        for s, e, name in recs:
            if s >= first and e <= last:
                busy[{"train_cell": "cells", "plan": "plans"}.get(name, "other")] += e - s
        workers.append({"worker": address, "cells": busy["cells"], "plans": busy["plans"],
                        "other": busy["other"], "idle": last - first - sum(busy.values()),
                        "cpu_seconds": times.get(pids.get(address), None)})
        log("  %s: cells %.1f s, plans %.1f s, other %.1f s, idle %.1f s; CPU %.1f s" % (
            address, busy["cells"], busy["plans"], busy["other"], workers[-1]["idle"],
            workers[-1]["cpu_seconds"] or float("nan")))
    client_cpu = times[cpu.me.pid]
    total = client_cpu + sum(w["cpu_seconds"] or 0 for w in workers)
    log("  K=%d: train %.1f s (%.2fx one machine), first cell to last %.1f s; CPU: client and "
        "scheduler %.1f s, all %.1f s (%.2fx one machine's)" % (
            k, wall, wall / one["train_seconds"], last - first, client_cpu, total,
            total / one["cpu_seconds"]))
    return {"corpus": args.corpus, "shards": len(shards), "workers": args.workers,
            "blocks": k, "rounds": args.rounds, "settings": SETTINGS, "one_machine": one,
            "distributed": {"train_seconds": wall, "cells_span_seconds": last - first,
                            "client_cpu_seconds": client_cpu, "cpu_seconds": total,
                            "workers": workers}}


def items_corpus(ids, seed=5):
    """Baskets of 10 ids over ``ids`` item ids (every id twice, then Zipf-drawn ids)."""
    import numpy as np

    root = CACHE if os.path.isdir(CACHE) and os.access(CACHE, os.W_OK) else tempfile.gettempdir()
    path = os.path.join(root, "items-%d.txt" % ids)
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(seed)
    every = np.repeat(np.arange(ids), 2)
    extra = np.minimum((rng.pareto(1.0, ids * 2) * 10).astype(np.int64), ids - 1)
    tokens = np.concatenate([every, extra])
    rng.shuffle(tokens)
    tokens = tokens[:len(tokens) // 10 * 10].reshape(-1, 10)

    def write(out):
        for start in range(0, len(tokens), 100000):
            out.write("".join(" ".join("i%d" % t for t in row) + "\n"
                              for row in tokens[start:start + 100000].tolist()).encode())

    atomic_write(path, write)
    return path


def memory(args):
    path = items_corpus(args.ids)
    shards = shards_of(path, 8)
    workdir = tempfile.mkdtemp(prefix="bench-dask-mem-")
    rows = []
    for w in args.workers_list:
        report = os.path.join(workdir, "r%d.json" % w)
        cmd = [sys.executable, "-m", "w2vns", "train", *shards, "-o",
               os.path.join(workdir, "v.bin"), "--report", report, "-q", "--dask",
               "local:%d" % w, "--blocks", str(w), "--threads", "1", "--dim", str(args.dim),
               "--epochs", "1", "--rounds", str(args.rounds), "--preset", "items",
               "--min-count", "1"]
        wall, rss = run(cmd, workdir, "memory-%d" % w)
        with open(report) as handle:
            r = json.load(handle)
        d = r["distributed"]
        # The training's own peak where the workers' peak could be reset as it started
        # (Linux), above their memory then: the weights, their copies, plans and buffers.
        weights = [p - b for p, b in zip(d["worker_peak_rss_mb"], d["worker_rss_mb"])]
        rows.append({"workers": w, "blocks": d["blocks"], "vocab_size": r["vocab_size"],
                     "dim": args.dim,
                     "weights_mb_total": 2 * r["vocab_size"] * args.dim * 4 / 2**20,
                     "worker_rss_before_mb": d["worker_rss_mb"],
                     "worker_setup_peak_rss_mb": d.get("worker_setup_peak_rss_mb"),
                     "worker_peak_rss_mb": d["worker_peak_rss_mb"],
                     "worker_peak_since": d.get("worker_peak_since"),
                     "worker_peak_minus_before_mb": weights, "client_peak_rss_mb": rss,
                     "wall_seconds": wall})
        log("  W = K = %d: training peak - before per worker %s MB (2 V d 4 / K = %.0f MB); "
            "peak before training %s MB" % (
                w, ["%.0f" % x for x in weights], rows[-1]["weights_mb_total"] / w,
                ["%.0f" % x for x in d.get("worker_setup_peak_rss_mb") or []]))
    return {"corpus": path, "ids": args.ids, "rows": rows}


class KillHalfway:
    """A Progress that SIGKILLs one worker once half the words are trained."""

    def __init__(self, pid):
        self.pid, self.total, self.killed_at = pid, None, None

    def counting(self, done, total):
        pass

    def training_start(self, total_words):
        self.total = total_words

    def training(self, words_done, alpha, loss):
        if self.pid and self.killed_at is None and words_done >= self.total / 2:
            os.kill(self.pid, signal.SIGKILL)
            self.killed_at = time.perf_counter()

    def close(self):
        pass


def recovery(args):
    import logging

    import distributed

    import w2vns

    shards = shards_of(args.corpus, args.shards)
    settings = dict(SETTINGS, epochs=args.epochs)
    rows = []
    for name, kill, checkpoint in (("undisturbed", False, False), ("killed", True, False),
                                   ("killed, checkpoint every epoch", True, True)):
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      dashboard_address=":0",
                                      silence_logs=logging.CRITICAL) as cluster, \
                distributed.Client(cluster) as client:
            pids = sorted(client.run(os.getpid).values())
            progress = KillHalfway(pids[0] if kill else None)
            folder = tempfile.mkdtemp(prefix="bench-dask-ckpt-") if checkpoint else None
            start = time.perf_counter()
            model = w2vns.train(shards, dask=client, blocks=2, threads=1, progress=progress,
                                checkpoint=folder, **settings)
            wall = time.perf_counter() - start
        rows.append({"run": name, "train_seconds": model.report["train_seconds"],
                     "wall_seconds": wall,
                     "killed_after_seconds": (progress.killed_at - start)
                     if progress.killed_at else None})
        log("  %s: train %.1f s" % (name, model.report["train_seconds"]))
    base = rows[0]["train_seconds"]
    for row in rows[1:]:
        row["recovery_seconds"] = row["train_seconds"] - base
    return {"corpus": args.corpus, "shards": len(shards), "settings": settings, "rows": rows}


def plan_groups(views):
    """The centre (a row of its output block) and m of every group of a plan's ``views``,
    as two arrays."""
    import numpy as np

    heads = []
    for view in views:
        for piece in (piece for cell in view[0] for piece in cell):
            values = piece.tolist()
            p = 0
            while p < len(values):
                heads.append(values[p:p + 2])
                p += 2 + values[p + 1]
    heads = np.array(heads, dtype=np.int64).reshape(-1, 2)
    return heads[:, 0], heads[:, 1]


def cell_counts(views, negative):
    """What the cells of one epoch's plan do: groups (each trained in one cell, that of its
    centre's output block), the context rows and output rows (the centre once, ``negative``
    noise words) they update."""
    _, m = plan_groups(views)
    return {"groups": int(len(m)), "context_rows": int(m.sum()),
            "output_rows": int(len(m) * (1 + negative))}


def kernel(args):
    """One epoch of plans and cells in this process, one thread, against the one-machine
    kernel (no Dask): what the partitioned scheme costs in work."""
    import numpy as np

    from w2vns.corpus.encode import encode_corpus
    from w2vns.corpus.sampling import keep_thresholds
    from w2vns.distributed import cells
    from w2vns.distributed.schedule import block_rows, dealing_key, schedule
    from w2vns.distributed.tables import output_noise_table
    from w2vns.training.kernel import build_kernel
    from w2vns.training.params import TrainParams
    from w2vns.training.weights import initial_weights, padded_matrix

    encoded = encode_corpus(args.corpus, min_count=5)
    counts, stream = encoded.vocab.counts, np.array(encoded.stream)
    v, dim = len(counts), 100
    keep = keep_thresholds(counts, 1e-3)

    def one_machine():
        params = TrainParams(dim=dim, threads=1, seed=1).resolved()
        weights = initial_weights(counts, params)
        k = build_kernel(weights, stream, counts, params, float(encoded.tokens), 1)
        start = time.perf_counter()
        k.train(0, 0, len(stream))
        return time.perf_counter() - start

    def partitioned(nblocks):
        dealing = dealing_key(1, 0)
        start = time.perf_counter()
        views = cells.plan([stream], [7], keep, nblocks, 5, 1, 0, [dealing] * nblocks, v)
        planned = time.perf_counter() - start
        noise = [output_noise_table(counts, 0.75, nblocks, b, dealing) for b in range(nblocks)]
        syn0 = [cells.init_input_block(block_rows(v, nblocks, a), dim, 1, a)
                for a in range(nblocks)]
        syn1 = [padded_matrix(block_rows(v, nblocks, b), dim) for b in range(nblocks)]
        trained = 0.0
        for step in schedule(nblocks):
            for a, b in step:
                settings = dict(window=5, negative=5, threads=1, seed=1, slot=0,
                                dealing=dealing, vocab_size=v, alpha_start=0.025,
                                alpha_end=0.02)
                syn0[a], stats, syn1[b] = cells.train_cell(syn0[a], syn1[b], [views[a]],
                                                           noise[b], nblocks, a, b, settings)
                trained += stats["seconds"]
        return planned, trained

    if args.only:  # one side alone, for a profiler (perf record ... kernel --only cells)
        for _ in range(args.repeats):
            seconds = [one_machine()] if args.only == "one" else [
                partitioned(k)[1] for k in args.blocks]
            log("  %s: %s s" % (args.only, " ".join("%.2f" % t for t in seconds)))
        return {"corpus": args.corpus, "only": args.only}
    counted = {k: cell_counts(cells.plan([stream], [7], keep, k, 5, 1, 0,
                                         [dealing_key(1, 0)] * k, v), 5)
               for k in args.blocks}
    times = {}
    for _ in range(args.repeats):  # alternating, best of the repeats
        times.setdefault("one machine", []).append(one_machine())
        for k in args.blocks:
            planned, trained = partitioned(k)
            times.setdefault("plan K=%d" % k, []).append(planned)
            times.setdefault("cells K=%d" % k, []).append(trained)
    base = min(times["one machine"])
    rows = [{"run": name, "seconds": t, "best_over_one_machine": min(t) / base}
            for name, t in times.items()]
    for row in rows:
        log("  %s: best %.2f s, %.2fx" % (row["run"], min(row["seconds"]),
                                          row["best_over_one_machine"]))
    windows = counted[1]["groups"] if 1 in counted else None
    for k, c in sorted(counted.items()):
        if windows:
            c["per_window"] = {name: value / windows for name, value in c.items()}
            log("  K=%d per window: %s" % (k, ", ".join(
                "%s %.2f" % (name, value) for name, value in c["per_window"].items())))
    return {"corpus": args.corpus, "tokens": encoded.tokens, "rows": rows,
            "counts": {"K=%d" % k: c for k, c in sorted(counted.items())}}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    def cluster_run(name, blocks):
        """A mode that trains CORPUS's shards on a local cluster."""
        p = sub.add_parser(name)
        p.add_argument("corpus")
        p.add_argument("--shards", type=int, default=8)
        p.add_argument("--blocks", default=blocks)
        p.add_argument("--workers", type=int, default=2)
        p.add_argument("--rounds", type=int, default=None, help="rounds per epoch (default: "
                       "w2vns's own)")
        return p

    q = cluster_run("quality", "2,4,8")
    q.add_argument("--seeds", default="1,2")
    q.add_argument("--gensim", action="store_true")
    q.add_argument("--no-single", action="store_true", help="skip the one-machine runs")
    m = sub.add_parser("memory")
    m.add_argument("--ids", type=int, default=1000000)
    m.add_argument("--dim", type=int, default=100)
    m.add_argument("--rounds", type=int, default=32, help="rounds (plans are a round's "
                   "windows: many rounds keep them small next to the weights)")
    m.add_argument("--workers", dest="workers_list", default="1,2,4,8")
    r = sub.add_parser("recovery")
    r.add_argument("corpus")
    r.add_argument("--shards", type=int, default=8)
    r.add_argument("--epochs", type=int, default=2)
    k = sub.add_parser("kernel")
    k.add_argument("corpus")
    k.add_argument("--blocks", default="1,2,4,8")
    k.add_argument("--repeats", type=int, default=2)
    k.add_argument("--only", choices=("one", "cells"), default=None, help="run only the "
                   "one-machine kernel or only the plans and cells (under a profiler)")
    t = cluster_run("time", "2")
    t.add_argument("--repeats", type=int, default=3)
    f = cluster_run("profile", "2")
    for p in (q, m, r, k, t, f):
        p.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    for name in ("blocks", "seeds", "workers_list"):
        if isinstance(getattr(args, name, None), str):
            setattr(args, name, [int(x) for x in getattr(args, name).split(",")])
    return args


def main(argv=None):
    args = parse_args(argv)
    started = time.perf_counter()
    result = {"quality": quality, "memory": memory, "recovery": recovery,
              "kernel": kernel, "time": timing, "profile": profile}[args.what](args)
    result.update(command=" ".join([os.path.basename(sys.argv[0])] + (argv or sys.argv[1:])),
                  machine=bench.machine_info(), seconds=time.perf_counter() - started)
    text = json.dumps(result, indent=1, default=float)
    if args.json:
        atomic_write(args.json, lambda out: out.write(text.encode() + b"\n"))
    print(text)


if __name__ == "__main__":
    main()
