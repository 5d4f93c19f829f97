"""What the Dask workers run: pure functions of their inputs, so that Dask can run any of them
again (on another worker, after a worker is lost) and get an equivalent result.

None of them changes its arguments: a cell trains copies of its two blocks and returns them
(Dask may hand the same block object to a retried task, or keep it for another dependent).
"""
import os
import threading
import time

import numpy as np

from ..training._kernel import COUNTER_STRIDE, GroupKernel
from ..training.weights import compact_rows, initial_vectors, padded_matrix
from ._plan import plan_range
from ._rows import permute_rows
from .schedule import block_ids, block_rows, output_block_ids, redeal_moves

#: Groups per piece of a plan: the unit one thread of a cell trains (~10 ms of work), small
#: enough to share a cell's work among its threads, large enough that the calls cost nothing.
PIECE_GROUPS = 1 << 14

#: Cells on one worker run one at a time: each uses the worker's threads itself.
_CELL_LOCK = threading.Lock()

_MASK = (1 << 64) - 1


def mix(*values):
    """A 64-bit seed from several integers (splitmix64's finaliser over a running sum): the
    random streams of plans and pieces are functions of where they are in the run."""
    h = 0x9E3779B97F4A7C15
    for v in values:
        h = (h + (int(v) & _MASK) * 0xBF58476D1CE4E5B9 + 0x9E3779B97F4A7C15) & _MASK
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _MASK
        h ^= h >> 31
    return h


def init_input_block(rows, dim, seed, block):
    """Input block ``block``: word2vec's init, uniform in [-0.5/d, 0.5/d], from a stream of its
    own (the same whichever worker makes it)."""
    return initial_vectors(rows, dim, mix(seed, block))


def zero_block(rows, dim):
    """Output block: zeros, as word2vec starts syn1neg."""
    return padded_matrix(rows, dim)


def round_bounds(stream, rounds):
    """Where each of ``rounds`` slices of an encoded shard starts and ends: about equal, cut
    just after sentence ends (rounds + 1 non-decreasing positions; slices may be empty)."""
    n = len(stream)
    ends = np.flatnonzero(stream == 0xFFFFFFFF) + 1
    targets = np.arange(1, rounds, dtype=np.int64) * n // rounds
    i = np.searchsorted(ends, targets)
    inner = np.where(i < len(ends), ends[np.minimum(i, len(ends) - 1)], n) if len(ends) else \
        np.full(rounds - 1, n)
    return [0] + [int(x) for x in inner] + [n]


def plan(streams, seeds, keep, nblocks, window, rounds, slice_, dealings, vocab_size):
    """The windows of slice ``slice_`` (of ``rounds``) of each shard of ``streams`` (a group
    of shards on one worker), cut into groups by cell (see cython_ext/_plan.pyx): input block
    A's groups go to the output blocks that hold their centres in dealing ``dealings[A]``
    (the key of the round in which A trains this slice; 0 with one block). ``seeds``: one per
    shard; ``vocab_size``: the vocabulary's.

    Returns, per input block A, ``(pieces, words, pairs)``: ``pieces[B]`` the groups of cell
    (A, B) in pieces, ``words`` the share of the words read that A's cells are worth in
    progress (by their pairs), and ``pairs`` the pairs in A's groups. The random streams are
    the shard's own (from its seed), so a plan does not depend on how shards are grouped.
    """
    dealings = np.asarray(dealings, dtype=np.uint64)
    pieces = [[[] for _ in range(nblocks)] for _ in range(nblocks)]
    pairs = np.zeros(nblocks, dtype=np.int64)
    words = 0
    for stream, seed in zip(streams, seeds):
        bounds = round_bounds(stream, rounds)
        parts, read, found = plan_range(stream, bounds[slice_], bounds[slice_ + 1], keep,
                                        window, nblocks, seed, dealings, vocab_size,
                                        PIECE_GROUPS)
        words += read
        pairs += found.sum(axis=1)
        for a in range(nblocks):
            for b in range(nblocks):
                pieces[a][b].extend(parts[a][b])
    total = pairs.sum()
    shares = words * pairs / total if total else np.full(nblocks, words / nblocks)
    return [(pieces[a], float(shares[a]), int(pairs[a])) for a in range(nblocks)]


def redeal_cut(block, nblocks, index, old_key, new_key, vocab_size):
    """Output block ``index`` (dealt by ``old_key``), which the caller owns, cut into K parts
    in its own memory: part t the rows whose words block t holds in dealing ``new_key`` (in
    row order), as C-contiguous views of the block (its rows moved, then packed, see
    ``compact_rows``). No second copy of the block is made, and Dask sends a part without
    copying it first (it copies arrays that are not contiguous, such as padded blocks)."""
    move = redeal_moves(len(block), nblocks, old_key, new_key, vocab_size)
    target = (index + move) % nblocks
    permute_rows(block, np.argsort(target, kind="stable"))
    packed = compact_rows(block)
    ends = np.cumsum(np.bincount(target, minlength=nblocks)).tolist()
    return [packed[start:end] for start, end in zip([0] + ends[:-1], ends)]


def redeal_split(block, nblocks, index, old_key, new_key, vocab_size):
    """What each new block needs from output block ``index`` (dealt by ``old_key``) in
    dealing ``new_key``: ``redeal_cut`` of a copy, leaving ``block`` as it was."""
    return redeal_cut(_copy(block), nblocks, index, old_key, new_key, vocab_size)


def redeal_join(parts, nblocks, index, old_key, new_key, vocab_size, dim):
    """Output block ``index`` of dealing ``new_key`` from ``parts``, part s what old block s
    (dealt by ``old_key``) sent it (``redeal_cut``): a row keeps its number. A new padded
    matrix, so a cell trains it as it would its copy of a whole block."""
    out = padded_matrix(block_rows(vocab_size, nblocks, index), dim)
    move = redeal_moves(len(out), nblocks, old_key, new_key, vocab_size)
    source = (index - move) % nblocks
    for s, part in enumerate(parts):
        out[source == s] = part
    return out


def moved(value, *after):
    """``value`` itself: placed on another worker, a task that copies a result there (once
    the results ``after`` are ready, which it does not read)."""
    return value


def inject_fault(fault):
    """The tests' faults, in a cell: ``("raise-once", PATH)`` raises in the attempt that
    removes the file PATH (Dask's retry goes on), ``("raise", None)`` raises in every attempt,
    ``("exit", None)`` ends the worker's process in every attempt (Dask's KilledWorker)."""
    kind, path = fault
    if kind == "exit":
        os._exit(1)
    if kind == "raise-once":
        try:
            os.remove(path)
        except FileNotFoundError:
            return
    raise RuntimeError("injected fault (test hook)")


def train_cell(syn0, syn1neg, views, noise, nblocks, input_block, output_block, settings,
               after=()):
    """Train one cell: copies of input block ``syn0`` and output block ``syn1neg`` on the
    groups of ``views`` (per group of shards: input block ``input_block``'s part of a plan,
    whose groups for ``output_block`` it trains).

    ``noise`` is the output block's alias table, ``nblocks`` K. ``settings``: window,
    negative, context_group (0: a window is one group), context_steps ("summed" or
    "sequential", see ``TrainParams``), threads (0: the worker's), seed, slot, dealing (the
    key of the round's dealing of the output rows, see ``schedule.output_block_of``; None
    with one block), vocab_size, alpha_start, alpha_end (the learning rate over this cell),
    fault (a test hook, see ``inject_fault``). The cell trains the groups whose centre its
    output block holds (the plan put them apart), each with k noise words from that block.
    ``after``: results of other cells that this one waits for and does not read (the backend
    bounds how far workers drift apart with them).

    The output rows are dealt anew between rounds inside the cells, with no task or copy of
    a block of their own: with ``redeal_from`` in ``settings`` (the key of the dealing the
    parts come from), ``syn1neg`` is the K parts the old blocks cut for this one, joined
    here into the block the cell trains; with ``redeal_to`` (the next round's key), the
    cell cuts the block it trained into the K parts of that dealing (``redeal_cut``).
    Otherwise the trained output block is returned packed (``compact_rows``), as the next
    worker receives it. Returns ``(syn0, stats, syn1neg)``, or ``(syn0, stats, part 0, ...,
    part K-1)`` with ``redeal_to``.
    """
    if settings.get("fault") is not None:
        inject_fault(settings["fault"])
    pieces = [piece for view in views for piece in view[0][output_block]]
    words = sum(view[1] for view in views)
    planned_pairs = sum(view[2] for view in views)
    threads = settings["threads"] or _worker_threads()
    threads = max(1, min(threads, len(pieces)))
    with _CELL_LOCK:
        start = time.perf_counter()
        syn0 = _copy(syn0)
        vocab_size, dealing = settings["vocab_size"], settings["dealing"]
        if "redeal_from" in settings:
            syn1neg = redeal_join(syn1neg, nblocks, output_block, settings["redeal_from"],
                                  dealing, vocab_size, syn0.shape[1])
        else:
            syn1neg = _copy(syn1neg)
        kernel = cell_kernel(syn0, syn1neg, noise, input_block, output_block, settings,
                             threads)
        a0, a1 = settings["alpha_start"], settings["alpha_end"]
        n = len(pieces)
        taken = [0]
        lock = threading.Lock()
        errors = []

        def work(t):
            try:
                while True:
                    with lock:
                        i = taken[0]
                        taken[0] += 1
                    if i >= n:
                        return
                    kernel.train(t, pieces[i], a0 + (a1 - a0) * i / n,
                                 a0 + (a1 - a0) * (i + 1) / n)
            except BaseException as err:
                errors.append(err)
                kernel.request_stop()

        if threads == 1:
            work(0)
        else:
            workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        if errors:
            raise errors[0]
        if "redeal_to" in settings:
            out = redeal_cut(syn1neg, nblocks, output_block, dealing, settings["redeal_to"],
                             vocab_size)
        else:  # packed in place for the next worker: Dask copies a padded block to send it
            out = [compact_rows(syn1neg)]
        loss = kernel.loss
        pairs = float(loss[1::COUNTER_STRIDE].sum())
        stats = {"pairs": pairs, "loss": float(loss[::COUNTER_STRIDE].sum()),
                 "words": words * pairs / planned_pairs if planned_pairs else 0.0,
                 "seconds": time.perf_counter() - start}
    return (syn0, stats, *out)


def _copy(block):
    """A padded (cache-line aligned) copy of a block."""
    out = padded_matrix(*block.shape)
    out[:] = block
    return out


def cell_kernel(syn0, syn1neg, noise, input_block, output_block, settings, threads):
    """The ``GroupKernel`` of cell (``input_block``, ``output_block``) over these rows, with
    ``settings`` as :func:`train_cell` takes them; its random stream is the cell's own."""
    return GroupKernel(syn0, syn1neg, noise[0], noise[1], settings["window"],
                       settings["negative"], threads,
                       mix(settings["seed"], input_block, output_block, settings["slot"]),
                       settings.get("context_group", 0),
                       settings.get("context_steps") == "sequential")


def _worker_threads():
    try:
        from distributed import get_worker

        return get_worker().state.nthreads
    except (ImportError, ValueError, AttributeError):
        return 1


def record_cell(views, noise, nblocks, input_block, output_block, settings):
    """Test hook: what ``train_cell`` would train, as ``GroupKernel.record`` lists it (the
    rows of all pieces, output and input ids made global)."""
    kernel = cell_kernel(np.zeros((1, 1), np.float32),
                         np.zeros((len(noise[0]), 1), np.float32), noise, input_block,
                         output_block, settings, 1)
    parts = [kernel.record(piece) for view in views for piece in view[0][output_block]]
    rows = np.concatenate(parts) if parts else np.zeros((0, 5), np.uint32)
    out = rows.astype(np.int64)
    out[:, 0] = output_block_ids(settings["vocab_size"], nblocks, output_block,
                                 settings["dealing"])[out[:, 0]]
    out[:, 1] = block_ids(settings["vocab_size"], nblocks, input_block)[out[:, 1]]
    return out
