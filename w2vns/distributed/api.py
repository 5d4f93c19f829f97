"""Training on a Dask cluster: ``train(corpus, dask=...)`` and ``resume(folder, dask=...)``.

The client sends tasks and receives small results (the kept vocabulary, counters, at the end
the vectors): the workers read the shards, count them, encode them, plan the windows and train
the blocks (see ``backend``). ``w2vns.train(..., dask=...)`` comes here.
"""
import dataclasses
import os
import time

from ..gpu.backend import backend_for_run as gpu_backend_for_run
from ..training.api import resume as resume_here
from ..training.api import train as train_here
from ..training.checkpoint import CheckpointError
from ..training.model import Word2VecModel
from ..training.params import TrainParams
from ..training.progress import Progress
from .backend import (DaskBackend, RunState, check_blocks, check_supported, cluster_figures,
                      rounds_for, stream_length)
from .checkpoint import (DaskCheckpointer, block_name, is_dask_checkpoint, join, load_block,
                         load_vocab, read_checkpoint)
from .cluster import connect
from .errors import cluster_errors, gather, result
from .shards import check_corpus, expand
from .vocab import distributed_vocabulary, encode_shard


def _params(params):
    unknown = set(params) - {f.name for f in dataclasses.fields(TrainParams)}
    if unknown:
        raise TypeError("unknown training parameter(s): %s" % ", ".join(sorted(unknown)))
    p = TrainParams(**params).validate()
    threads = p.threads or 0  # per cell; 0: as many as the worker has
    return dataclasses.replace(p.resolved(), threads=threads, hot_rows=0)


#: Where one machine trains: its CPU cores (threads), or one CUDA GPU.
DEVICES = ("cpu", "cuda")


def train(corpus, dask=None, blocks=None, rounds=None, progress=None, checkpoint=None,
          checkpoint_every="1epoch", note=None, device="cpu", backend=None, **params):
    """Train on a Dask cluster; return a ``Word2VecModel``, as one machine's ``train`` does
    (which this is, with ``dask=None``: then the other arguments go to
    ``w2vns.training.api.train``).

    ``corpus``: paths, globs or URLs (``s3://bucket/part-*.gz``) that the workers open
    themselves, in corpus order. ``dask``: a ``distributed.Client``, a scheduler address
    (``tcp://HOST:8786``), or ``"local"`` / ``"local:N"`` (a LocalCluster of N worker
    processes on this machine, closed at the end). ``blocks``: K, the input and output blocks
    (default: one per worker); with K = workers, each worker holds about 2 V d 4 / K bytes of
    weights. ``rounds``: slices of each epoch (default: ``backend.DEFAULT_ROUNDS_TEXT``, as
    ``backend.rounds_for`` works it out). ``checkpoint``: a folder or URL that the client and
    every worker reach. Other ``params``: ``TrainParams`` fields (the SGNS loss and the fast
    kernel only; ``threads`` is per worker).

    ``device="cuda"`` (one machine only): train on its CUDA GPU (``w2vns.gpu``; needs CuPy),
    without checkpoints. ``backend``: what runs one machine's training (a
    ``training.backend.Backend``; default: threads, or the GPU for ``device="cuda"``).
    """
    if device not in DEVICES:
        raise ValueError("device must be one of %s (got %r)" % (", ".join(DEVICES), device))
    if dask is None:
        if blocks is not None or rounds is not None:
            raise ValueError("blocks and rounds are for a distributed run (dask=...)")
        if device == "cuda":
            if backend is not None:
                raise ValueError("device='cuda' chooses the backend: give one or the other")
            backend = gpu_backend_for_run(params, checkpoint)
        return train_here(corpus, progress=progress, checkpoint=checkpoint,
                          checkpoint_every=checkpoint_every, note=note, backend=backend,
                          **params)
    if device != "cpu" or backend is not None:
        raise ValueError("a distributed run trains on the workers' CPUs (device='cpu', no "
                         "backend)")
    for name in ("init", "cache_dir"):
        if params.pop(name, None) is not None:
            raise ValueError("a distributed run does not take %s" % name)
    p = _params(params)
    check_supported(p)
    if blocks is not None:
        check_blocks(blocks)
    rounds_for(rounds)  # a bad value is an error before the cluster counts the corpus
    patterns = [os.path.abspath(c) if os.path.exists(c) else c for c in check_corpus(corpus)]
    progress = progress or Progress()
    with cluster_errors(), connect(dask) as client:
        started = time.perf_counter()
        shards = result(client.submit(expand, patterns, pure=False))
        vocab_future, vocab, truncated = distributed_vocabulary(client, shards, p.min_count,
                                                                p.max_vocab)
        count_seconds = time.perf_counter() - started
        nblocks = blocks or len(client.scheduler_info()["workers"])
        if nblocks > len(vocab):
            raise ValueError("blocks must be at most the vocabulary size (%d words, got %d)"
                             % (len(vocab), nblocks))
        backend, lengths = _prepare(client, p, nblocks, vocab_future, vocab, shards, progress)
        retained = sum(n - s for n, s in lengths)
        backend.rounds = rounds_for(rounds, retained)
        backend.prepare_tables(vocab_future)
        del vocab_future  # the backend's now, which lets go of it if the run is stopped
        checkpointer = None
        if checkpoint is not None:
            info = _info(p, backend, shards, lengths, vocab, truncated, note)
            checkpointer = DaskCheckpointer(backend, checkpoint, checkpoint_every, vocab, info)
        before = cluster_figures(client, reset_peak=True)
        syn0, syn1 = backend.initial_blocks()
        state = backend.run(syn0, syn1, RunState(), float(retained) * p.epochs, checkpointer)
        after = cluster_figures(client)
        full0, full1 = backend.gather(syn0, syn1)
    return _model(vocab, full0, full1, p, backend, state, lengths, truncated, count_seconds,
                  (before, after))


def resume(folder, dask=None, corpus=None, progress=None, checkpoint_every=None, blocks=None,
           rounds=None, **kwargs):
    """Continue the distributed run whose checkpoint is in ``folder`` (on a cluster, as
    ``train``); its shards are read again from the paths it recorded, or from ``corpus``.
    With ``dask=None``, one machine's ``resume`` (for one machine's checkpoints)."""
    if dask is None:
        if is_dask_checkpoint(folder):
            raise CheckpointError("%s: a distributed run's checkpoint: resume it on a cluster "
                                  "(--dask)" % folder)
        return resume_here(folder, corpus=corpus, progress=progress,
                           checkpoint_every=checkpoint_every, **kwargs)
    if blocks is not None or rounds is not None:
        raise ValueError("a resumed run goes on with its own blocks and rounds")
    state_folder, saved, vocab = read_checkpoint(folder)
    p = TrainParams(**saved["params"])
    patterns = check_corpus(corpus) if corpus else saved["shards"]
    progress = progress or Progress()
    with cluster_errors(), connect(dask) as client:
        started = time.perf_counter()
        shards = result(client.submit(expand, patterns, pure=False))
        if len(shards) != len(saved["shards"]):
            raise CheckpointError("%s: the run read %d shards, these are %d" % (
                folder, len(saved["shards"]), len(shards)))
        vocab_future = client.submit(load_vocab, join(state_folder, "vocab.tsv"),
                                     saved["vocab_tokens"], saved["distinct_words"])
        nblocks = saved["blocks"]
        backend, lengths = _prepare(client, p, nblocks, vocab_future, vocab, shards, progress)
        if [list(x) for x in lengths] != saved["shard_lengths"]:
            raise CheckpointError("%s: this is not the corpus the run trained on (its shards "
                                  "encode differently)" % folder)
        backend.rounds = saved["rounds"]
        # A checkpoint that records no lag is from a w2vns whose blocks trained in step: the
        # run goes on so, or the rest of its epoch would train some slices twice, others never.
        backend.lag_rounds = saved.get("lag_rounds", 0)
        # Its output blocks as saved: dealt by this key, the next round's (none recorded:
        # boustrophedon, as an earlier w2vns kept them, which the next round deals anew).
        backend.dealt = saved.get("output_dealing")
        backend.prepare_tables(vocab_future)
        del vocab_future  # the backend's now, which lets go of it if the run is stopped
        count_seconds = time.perf_counter() - started
        info = {k: saved[k] for k in ("params", "blocks", "rounds", "shards", "shard_lengths",
                                      "vocab_tokens", "distinct_words", "truncated_tokens",
                                      "note")}
        info["lag_rounds"] = backend.lag_rounds
        checkpointer = DaskCheckpointer(backend, folder, checkpoint_every or saved["every"],
                                        vocab, info, saves=saved["saves"])
        syn0 = [backend._submit(load_block, join(state_folder, block_name("syn0", k)),
                                pure=False) for k in range(nblocks)]
        syn1 = [backend._submit(load_block, join(state_folder, block_name("syn1neg", k)),
                                pure=False) for k in range(nblocks)]
        state = RunState(saved["next_round"], saved["words"], saved["train_seconds"],
                         saved["pairs"], saved["loss"])
        retained = sum(n - s for n, s in lengths)
        before = cluster_figures(client, reset_peak=True)
        state = backend.run(syn0, syn1, state, float(retained) * p.epochs, checkpointer)
        after = cluster_figures(client)
        full0, full1 = backend.gather(syn0, syn1)
    return _model(vocab, full0, full1, p, backend, state, lengths, saved["truncated_tokens"],
                  count_seconds, (before, after))


def _prepare(client, p, nblocks, vocab_future, vocab, shards, progress):
    """The backend, and each shard encoded on the workers: (length, sentences) per shard."""
    backend = DaskBackend(client, p, nblocks, progress)
    backend.threads = p.threads
    # Consecutive shards on one worker, about as many on each (Dask alone would put them
    # where the vocabulary is, all on one worker at times): a slice's plans are one task per
    # worker that holds shards, and share the work only if every worker holds some.
    streams = [backend._submit(encode_shard, s, vocab_future,
                               block=i * len(backend.workers) // len(shards))
               for i, s in enumerate(shards)]
    lengths = gather(client, [backend._submit(stream_length, s) for s in streams])
    backend.vocab_size = len(vocab)
    backend.streams = streams
    backend.group_shards()
    return backend, lengths


def _info(p, backend, shards, lengths, vocab, truncated, note):
    return {"params": dataclasses.asdict(p), "blocks": backend.nblocks, "rounds": backend.rounds,
            "lag_rounds": backend.lag_rounds,
            "shards": list(shards), "shard_lengths": [list(x) for x in lengths],
            "vocab_tokens": vocab.total_tokens, "distinct_words": vocab.distinct_words,
            "truncated_tokens": truncated, "note": note}


def _model(vocab, syn0, syn1, p, backend, state, lengths, truncated, count_seconds, figures):
    retained = sum(n - s for n, s in lengths)
    before, after = figures
    # Bytes the workers sent each other while training (blocks and plans; a worker restarted
    # meanwhile counts from its restart), and each worker's memory: as training starts, its
    # peak until then (the vocabulary, the encoding) and its peak while training (where the
    # peak could not be reset, since the worker started).
    sent = sum(f["sent"] - before.get(w, {}).get("sent", 0) for w, f in after.items())
    report = {
        "vocab_size": len(vocab),
        "distinct_words": vocab.distinct_words,
        "tokens": vocab.total_tokens,
        "retained_tokens": retained,
        "sentences": sum(s for _, s in lengths),
        "truncated_tokens": truncated,
        "epochs": p.epochs,
        "count_seconds": count_seconds,
        "train_seconds": state.train_seconds,
        "threads": p.threads,
        "words_done": int(state.words),
        "pairs": int(state.pairs),
        "mean_loss": state.loss / state.pairs if state.pairs else None,
        "words_per_sec": vocab.total_tokens * p.epochs / max(state.train_seconds, 1e-9),
        "distributed": {"workers": len(backend.workers), "blocks": backend.nblocks,
                        "rounds": backend.rounds, "shards": len(lengths),
                        "bytes_moved": sent, "cell_seconds": state.cell_seconds,
                        "worker_rss_mb": [before.get(w, {}).get("rss_mb") for w in after],
                        "worker_setup_peak_rss_mb": [before.get(w, {}).get("peak_rss_mb")
                                                     for w in after],
                        "worker_peak_rss_mb": [f["peak_rss_mb"] for f in after.values()],
                        "worker_peak_since": ["training" if before.get(w, {}).get("peak_reset")
                                              else "start" for w in after]},
        "params": dataclasses.asdict(p),
    }
    return Word2VecModel(vocab, syn0, syn1, p, report)
