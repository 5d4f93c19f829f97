"""Training: parameters, the worker threads around the nogil kernel, progress, and stopping.

``train(corpus, **params)`` is the library entry point the CLI calls: it validates the
parameters, runs the counting pass, builds the samplers' tables, starts one Python thread per
worker and reports progress from the main thread. The encoded corpus is cut once into
sentence-aligned blocks of ~32k ids; the tasks are (epoch, block) in epoch-major order, and
each worker takes the next one from a shared queue (``_Tasks``) whenever it is free and trains
it with one call to the Cython kernel (the GIL released). No worker owns a part of the corpus,
so a slow thread delays the end of the run by one block at most.
Between tasks the workers can be parked while a checkpoint is saved; ``resume`` continues a
run from one (see w2vns/checkpoint.py).
"""
import contextlib
import dataclasses
import os
import threading
import time

import numpy as np

from ._kernel import COUNTER_STRIDE, Kernel
from .corpus import MAX_SENTENCE_LENGTH, encode_corpus, is_corpus_paths
from .model import Word2VecModel
from .sampling import keep_thresholds, noise_table, noise_weights


#: Rows of the most frequent words each worker keeps a private copy of (see the kernel's
#: ``hot_row``): their updates are merged every ``hot_sync`` updates instead of bouncing
#: cache lines between the cores on every update.
HOT_ROWS = 256
#: ... from this many threads on. Measured on 16-core VMs (README, "Thread scaling"): +32 %
#: words/s at 16 threads; at 8, +12 % and +23 % once merges kept the copies in use (before,
#: 5-14 % slower at 2-8 threads, where the merges cost more than the contention they avoid).
HOT_ROWS_FROM_THREADS = 8

#: The update loops: word2vec's per-pair reference, and shared negatives per window.
KERNELS = ("reference", "fast")
#: Losses: skip-gram negative sampling and noise-contrastive estimation.
LOSSES = ("sgns", "nce")


def default_threads():
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclasses.dataclass
class TrainParams:
    """Training settings; the defaults are word2vec's skip-gram defaults."""

    dim: int = 100
    window: int = 5
    negative: int = 5
    sample: float = 1e-3
    min_count: int = 5
    max_vocab: "int | None" = None
    epochs: int = 5
    alpha: float = 0.025
    min_alpha: "float | None" = None  # default alpha * 1e-4, as word2vec
    noise_power: float = 0.75
    threads: "int | None" = None      # default: all cores
    seed: int = 1
    kernel: str = "fast"              # "reference": word2vec's per-pair loop (see README)
    loss: str = "sgns"                # "nce": noise-contrastive estimation
    hard_negatives: int = 0           # M > 0: keep the k highest-scoring of M noise draws
    adversarial_temperature: float = 0.0  # T > 0: self-adversarial weights on noise words
    hot_rows: "int | None" = None     # per-thread copies of the N most frequent words' rows;
                                      # default: HOT_ROWS from HOT_ROWS_FROM_THREADS on
    hot_sync: int = 64                # updates between merges of those copies
    nce_bias: bool = True             # NCE learns per-word output biases; False: bare score
    group: int = 0                    # EXPERIMENT: contexts per batch of noise words (0: window)

    def validate(self):
        """Raise ValueError naming the first out-of-range parameter."""
        def check(name, ok, rule):
            if not ok:
                raise ValueError("%s must be %s (got %r)" % (name, rule, getattr(self, name)))

        def is_int(v):
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        check("dim", is_int(self.dim) and 1 <= self.dim <= 10000, "an integer in 1..10000")
        check("window", is_int(self.window) and 0 <= self.window <= 1000,
              "an integer in 0..1000 (0: the whole line)")
        check("negative", is_int(self.negative) and 0 <= self.negative <= 1000,
              "an integer in 0..1000")
        check("sample", isinstance(self.sample, (int, float)) and 0 <= self.sample < 1,
              "a number in [0, 1)")
        check("min_count", is_int(self.min_count) and self.min_count >= 1, "an integer >= 1")
        check("max_vocab", self.max_vocab is None or (is_int(self.max_vocab) and self.max_vocab >= 1),
              "an integer >= 1")
        check("epochs", is_int(self.epochs) and 1 <= self.epochs <= 100000, "an integer >= 1")
        check("alpha", isinstance(self.alpha, (int, float)) and 0 < self.alpha <= 10,
              "a number in (0, 10]")
        check("min_alpha", self.min_alpha is None or (
            isinstance(self.min_alpha, (int, float)) and 0 <= self.min_alpha <= self.alpha),
            "a number in [0, alpha]")
        check("noise_power", isinstance(self.noise_power, (int, float))
              and -10 <= self.noise_power <= 10, "a number in [-10, 10]")
        check("threads", self.threads is None or (is_int(self.threads) and 1 <= self.threads <= 1024),
              "an integer in 1..1024")
        check("seed", is_int(self.seed) and 0 <= self.seed < 2**64, "an integer in 0..2**64-1")
        check("kernel", self.kernel in KERNELS, "one of %s" % ", ".join(KERNELS))
        check("loss", self.loss in LOSSES, "one of %s" % ", ".join(LOSSES))
        check("hard_negatives", is_int(self.hard_negatives) and (
            self.hard_negatives == 0 or self.negative <= self.hard_negatives <= 10000),
            "0 (off) or an integer in negative..10000")
        check("adversarial_temperature", isinstance(self.adversarial_temperature, (int, float))
              and 0 <= self.adversarial_temperature <= 1000, "a number in [0, 1000] (0: off)")
        check("nce_bias", isinstance(self.nce_bias, (bool, np.bool_)), "True or False")
        check("negative", self.loss != "nce" or self.negative >= 1, ">= 1 with the NCE loss")
        check("hot_rows", self.hot_rows is None or (is_int(self.hot_rows) and
                                                    0 <= self.hot_rows <= 65536),
              "an integer in 0..65536 (0: off)")
        check("hot_sync", is_int(self.hot_sync) and 1 <= self.hot_sync <= 1000000,
              "an integer in 1..1000000")
        return self

    @property
    def has_output_bias(self):
        """Whether the model has per-word output biases (NCE with ``nce_bias``)."""
        return self.loss == "nce" and bool(self.nce_bias)

    def resolved(self):
        """A copy with the defaults that depend on others (min_alpha, threads, hot_rows)
        filled in."""
        threads = default_threads() if self.threads is None else self.threads
        hot_rows = self.hot_rows
        if hot_rows is None:  # the copies only pay where threads contend for the rows
            hot_rows = HOT_ROWS if threads >= HOT_ROWS_FROM_THREADS else 0
        return dataclasses.replace(
            self,
            min_alpha=self.alpha * 1e-4 if self.min_alpha is None else self.min_alpha,
            threads=threads, hot_rows=hot_rows,
        )


class Progress:
    """What the main thread shows while workers run; subclass or pass callbacks to observe."""

    def counting(self, done, total):
        """Counting pass: ``done`` of ``total`` (None if unknown) input bytes read."""

    def training_start(self, total_words):
        """Training starts; ``total_words`` = kept-word tokens x epochs."""

    def training(self, words_done, alpha, loss):
        """Called a few times a second with cumulative words, current lr, mean recent loss."""

    def close(self):
        """Training ended (normally or not)."""


#: Rows of the weight matrices start on 64-byte cache lines (16 floats): threads updating
#: neighbouring rows (frequent words have neighbouring ids) then never write the same line.
ROW_ALIGN = 16


class TrainingDiverged(ValueError):
    """The weights left training with NaN or infinite values (a learning rate far too high)."""


def all_finite(matrix, chunk=65536):
    """No NaN or infinity in ``matrix``; checked a block of rows at a time, so that the
    check never needs a full-size temporary."""
    return all(np.isfinite(matrix[i:i + chunk]).all() for i in range(0, len(matrix), chunk))


def padded_matrix(rows, dim):
    """A zeroed float32 (rows, dim) view whose rows start on 64-byte boundaries.

    The row stride is dim rounded up to 16 floats; the padding stays zero and unused.
    """
    stride = -(-dim // ROW_ALIGN) * ROW_ALIGN
    raw = np.zeros(rows * stride + ROW_ALIGN, dtype=np.float32)
    offset = (-raw.ctypes.data % 64) // 4
    return raw[offset:offset + rows * stride].reshape(rows, stride)[:, :dim]


def compact_rows(padded):
    """The (rows, dim) data of a ``padded_matrix`` as a C-contiguous array in the same memory.

    Rows move forward a block at a time (through a block-sized temporary); a block's
    destination ends at ``end * dim <= end * stride``, before any row not yet moved, so no
    second full matrix is ever allocated.
    """
    rows, dim = padded.shape
    stride = padded.strides[0] // 4
    if stride == dim:
        return padded
    flat = np.lib.stride_tricks.as_strided(padded, shape=(rows * stride,), strides=(4,))
    for start in range(0, rows, 4096):
        end = min(rows, start + 4096)
        flat[start * dim:end * dim] = padded[start:end].reshape(-1)
    return flat[:rows * dim].reshape(rows, dim)


def initial_output_bias(counts):
    """NCE output biases at the log unigram probability of each word (float32): the initial
    model, score u.v + b = b with zero output vectors, is then the unigram distribution,
    normalised as NCE's fixed Z = 1 assumes (Mnih & Kavukcuoglu 2013)."""
    counts = np.asarray(counts, dtype=np.float64)
    return np.log(counts / counts.sum()).astype(np.float32)


def _initial_vectors(vocab_size, dim, seed):
    """word2vec's init: input uniform in [-0.5/d, 0.5/d], deterministic from the seed."""
    rng = np.random.default_rng(seed)
    syn0 = padded_matrix(vocab_size, dim)
    for start in range(0, vocab_size, 65536):  # in blocks: no full-size temporary
        block = rng.random((min(65536, vocab_size - start), dim), dtype=np.float32)
        block -= np.float32(0.5)
        block /= np.float32(dim)
        syn0[start:start + len(block)] = block
    return syn0


#: Stream entries per block, the unit of work of one kernel call (rounded up to the next
#: sentence end). The blocks are the same in every run of the same corpus, so a run paused
#: between two calls and resumed makes exactly the calls an uninterrupted run makes
#: (byte-identical vectors with one thread); and a call is short enough (~30 ms at word2vec's
#: settings) that workers reach the next one well within a second when a checkpoint or a stop
#: asks them to, and that the last tasks of a run end close together.
BLOCK_ENTRIES = 1 << 15
_SENTENCE_END = 0xFFFFFFFF


def block_bounds(stream, start, end, step=BLOCK_ENTRIES, release=None):
    """Block boundaries over stream[start:end]: ``start``, then about every
    ``step`` entries just after a sentence end, then ``end``. ``release(a, b)``, if given, is
    called on each range that was read (to drop a memory-mapped stream's pages at once)."""
    bounds = [start]
    pos = start + step
    while pos < end:
        pos = _sentence_boundary(stream, pos, end, release)
        if pos >= end:
            break
        bounds.append(pos)
        pos += step
    bounds.append(end)
    return bounds


def _sentence_boundary(stream, pos, end, release=None):
    """The first index >= ``pos`` that follows a sentence end, or ``pos`` itself when none is
    near (never in an encoded corpus: its sentences are at most MAX_SENTENCE_LENGTH ids).

    Looks one page ahead first and widens only when needed, to touch little of the stream.
    """
    for width in (1024, 4096, 16384, 2 * MAX_SENTENCE_LENGTH + 1):
        ahead = stream[pos - 1:min(end, pos - 1 + width)]
        ends = np.flatnonzero(ahead == _SENTENCE_END)
        if release is not None:
            release(pos - 1, min(end, pos - 1 + width))
        if len(ends):
            return pos + int(ends[0])
        if pos - 1 + width >= end:
            break
    return pos


def _position_after(stream, start, end, tokens):
    """Where a kernel call over stream[start:end] that was stopped after reading ``tokens`` word
    ids left off: after the sentence end that follows its last one (the kernel stops only
    between sentences, and counts every id it reads in words_done)."""
    if tokens <= 0:
        return start
    ids = np.flatnonzero(stream[start:end] != _SENTENCE_END)
    if tokens >= len(ids):
        return end
    pos = start + int(ids[tokens - 1]) + 1
    return pos + 1 if stream[pos] == _SENTENCE_END else pos


@dataclasses.dataclass
class TrainState:
    """Where a run stands, besides its weights: what a checkpoint needs to continue it.

    The work is ``epochs x nblocks`` tasks, task i being block ``i % nblocks`` of epoch
    ``i // nblocks`` (see ``_Tasks``): ``next_task`` is the first one no worker has taken yet,
    and ``pending`` an (n, 3) int64 array of (epoch, start, end) stream ranges still to train
    before it: the rest of a block a worker was stopped in the middle of (Ctrl-C, SIGTERM).
    Per worker thread: the kernel's ``words_done``, ``loss`` and ``rng_state`` arrays as they
    are (``COUNTER_STRIDE`` slots per thread). And the training seconds spent so far.
    """

    next_task: int
    nblocks: int
    pending: np.ndarray
    words_done: np.ndarray
    loss: np.ndarray
    rng_state: np.ndarray
    train_seconds: float = 0.0

    @property
    def threads(self):
        return len(self.words_done) // COUNTER_STRIDE

    def words(self):
        """Words trained so far, all threads and epochs."""
        return int(self.words_done[::COUNTER_STRIDE].sum())

    def finished(self, epochs):
        return len(self.pending) == 0 and self.next_task >= epochs * self.nblocks


def _no_pending():
    return np.zeros((0, 3), dtype=np.int64)


class _Tasks:
    """The shared queue of work: (epoch, start, end) stream ranges, handed to whichever worker
    asks next.

    ``bounds`` are the block boundaries over the whole stream (``block_bounds``); task i is
    block ``i % nblocks`` of epoch ``i // nblocks``, so the epochs follow each other and, with
    one worker, the blocks are trained in the order an uninterrupted run trains them.
    ``pending`` ranges (the rest of blocks stopped in the middle) come before every new task.

    It also releases the stream's pages (``release``) that no worker will read again in this
    pass: those before the lowest range being read or still to hand out.
    """

    def __init__(self, bounds, epochs, next_task=0, pending=(), release=None):
        self._bounds = bounds
        self.nblocks = len(bounds) - 1
        self._epochs = epochs
        self._total = epochs * self.nblocks
        self.next_task = next_task
        self.pending = sorted(tuple(int(x) for x in r) for r in pending)
        self._length = bounds[-1]
        self._release = release
        self._reading = {}  # worker -> where its range starts, as a position in the whole run
        self._lock = threading.Lock()
        self._released = self._frontier()

    def take(self, worker):
        """The next (epoch, start, end) for ``worker`` to train, or None when all is handed out."""
        with self._lock:
            if self.pending:
                task = self.pending.pop(0)
            elif self.next_task < self._total:
                epoch, block = divmod(self.next_task, self.nblocks)
                self.next_task += 1
                task = (epoch, self._bounds[block], self._bounds[block + 1])
            else:
                return None
            self._reading[worker] = task[0] * self._length + task[1]
            return task

    def done(self, worker, task, stopped_at=None):
        """``worker`` finished ``task``; ``stopped_at``: where it was stopped, if it was (the
        rest of the range goes back to the queue, first in line)."""
        epoch, start, end = task
        with self._lock:
            del self._reading[worker]
            if stopped_at is not None and stopped_at < end:
                self.pending.append((epoch, stopped_at, end))
                self.pending.sort()
            low, high = self._released, self._frontier()
            if high <= low:
                return
            self._released = high
        if self._release is not None:  # outside the lock: madvise can take a while
            self._release_span(low, high)

    def snapshot(self):
        """(next_task, pending as an (n, 3) int64 array): for a checkpoint, workers parked."""
        with self._lock:
            pending = np.array(self.pending, dtype=np.int64).reshape(-1, 3)
            return self.next_task, pending

    def _frontier(self):
        """The lowest run position (epoch x length + index) any worker still needs."""
        starts = list(self._reading.values())
        starts += [e * self._length + a for e, a, _ in self.pending]
        if self.next_task < self._total:
            epoch, block = divmod(self.next_task, self.nblocks)
            starts.append(epoch * self._length + self._bounds[block])
        return min(starts, default=self._epochs * self._length)

    def _release_span(self, low, high):
        length = self._length
        (e_low, a), (e_high, b) = divmod(low, length), divmod(high, length)
        if e_low == e_high:
            self._release(a, b, behind=True)
            return
        self._release(a if e_high == e_low + 1 else 0, length)
        if b:
            self._release(0, b, behind=True)


class _Parking:
    """Where workers wait between tasks while the main thread saves a checkpoint.

    A worker calls ``park_if_asked`` before taking a task and ``leave`` when it is done; the main
    thread (or a worker that finds a checkpoint due) calls ``ask``; ``wait`` tells the main
    thread when every worker is parked or gone, and ``release`` lets them go on.
    """

    def __init__(self, workers):
        self._cond = threading.Condition()
        self._workers = workers
        self._parked = self._left = 0
        self.asked = False

    def ask(self):
        with self._cond:
            self.asked = True
            self._cond.notify_all()

    def release(self):
        with self._cond:
            self.asked = False
            self._cond.notify_all()

    def park_if_asked(self):
        if not self.asked:
            return
        with self._cond:
            self._parked += 1
            self._cond.notify_all()
            while self.asked:
                self._cond.wait()
            self._parked -= 1

    def leave(self):
        with self._cond:
            self._left += 1
            self._cond.notify_all()

    def all_left(self):
        return self._left == self._workers

    def _still(self):
        return self.asked and self._parked + self._left == self._workers

    def wait(self, timeout, until_parked=False):
        """Wait up to ``timeout`` seconds for news (``until_parked``: for all to be still);
        return whether a pause was asked for and every worker is parked or gone."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._still() and not self.all_left():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
                if not until_parked:
                    break
            return self._still()


class Trainer:
    """Runs the kernel over an encoded corpus with worker threads; see the module docstring.

    Each worker takes the next task from the shared queue (``_Tasks``: a block of an epoch, or
    the rest of one stopped earlier) and trains it with one kernel call, under its own thread
    index (its RNG stream and counters stay its own). Between tasks it can be parked: that is
    how checkpoints see a consistent state (no task in progress, the weights still) without
    stopping the run.
    """

    #: How often (seconds) the main thread wakes to update progress and check for Ctrl-C.
    POLL_SECONDS = 0.2
    #: On Ctrl-C / SIGTERM with a checkpoint to write, how long to wait for the workers to
    #: finish their task before stopping them in the middle of a block.
    STOP_GRACE_SECONDS = 0.5

    def __init__(self, params, progress=None):
        self.params = params.validate().resolved()
        self.progress = progress or Progress()
        self.kernel = None

    def train(self, encoded, syn0=None, syn1neg=None, state=None, checkpointer=None,
              output_bias=None):
        """Train on an ``EncodedCorpus``; return ``(syn0, syn1neg, output_bias, stats)``.

        ``syn0``/``syn1neg``: starting weights (default word2vec's init: uniform input, zero
        output), trained in place. ``output_bias``: NCE's per-word output biases, for the NCE
        loss with ``nce_bias`` only (default ``initial_output_bias``), trained in place; None
        in and out otherwise. ``state``: a ``TrainState`` to continue from (a resumed run).
        ``checkpointer``: an object with ``due(words_done, monotonic_seconds)`` and
        ``save(syn0, syn1neg, state, output_bias)``; it is saved when due (workers parked
        between tasks), when training ends, and when training is interrupted.

        ``stats["worker_seconds"]``: per worker, the training seconds (the clock of
        ``train_seconds``) at which its last task ended (0 for one that got none): max - min is
        the time the first worker to run out of work waited for the last.

        KeyboardInterrupt (or any exception in the main thread) stops the workers before
        propagating; with a checkpointer, the state they stopped in is saved first.
        """
        p = self.params
        vocab = encoded.vocab
        if syn0 is None:
            syn0 = _initial_vectors(len(vocab), p.dim, p.seed)
        if syn1neg is None:
            syn1neg = padded_matrix(len(vocab), p.dim)
        keep = keep_thresholds(vocab.counts, p.sample)
        noise_prob, noise_alias = noise_table(vocab.counts, p.noise_power)
        log_kq = None
        if p.loss == "nce":
            weights = noise_weights(vocab.counts, p.noise_power)
            log_kq = np.log(p.negative * weights / weights.sum()).astype(np.float32)
        if not p.has_output_bias:
            if output_bias is not None:
                raise ValueError("output biases are for the NCE loss with nce_bias only")
        elif output_bias is None:
            output_bias = initial_output_bias(vocab.counts)
        stream = encoded.stream
        threads = max(1, min(p.threads, len(stream)))
        total_words = float(encoded.tokens) * p.epochs
        kernel = self.kernel = Kernel(
            syn0, syn1neg, stream, keep, noise_prob, noise_alias, p.window, p.negative,
            p.alpha, p.min_alpha, total_words, threads, p.seed, fast=p.kernel == "fast",
            loss=p.loss, log_kq=log_kq, hard_negatives=p.hard_negatives,
            adversarial_temperature=p.adversarial_temperature, output_bias=output_bias,
            hot_rows=p.hot_rows, hot_sync=p.hot_sync, group=p.group)
        bounds = block_bounds(stream, 0, len(stream), step=BLOCK_ENTRIES,
                              release=encoded.release)
        nblocks = len(bounds) - 1
        resumed = state is not None
        if state is None:
            state = TrainState(next_task=0, nblocks=nblocks, pending=_no_pending(),
                               words_done=kernel.words_done, loss=kernel.loss,
                               rng_state=kernel.rng_state)
        else:
            if state.threads != threads:
                raise ValueError("the saved state is for %d threads, this run has %d"
                                 % (state.threads, threads))
            if state.nblocks != nblocks:
                raise ValueError("the saved state cuts the corpus into %d blocks, this run into "
                                 "%d" % (state.nblocks, nblocks))
            pending = np.asarray(state.pending, dtype=np.int64).reshape(-1, 3)
            if len(pending) and not ((pending[:, 0] >= 0) & (pending[:, 0] < p.epochs)
                                     & (pending[:, 1] >= 0) & (pending[:, 1] < pending[:, 2])
                                     & (pending[:, 2] <= len(stream))).all():
                raise ValueError("the saved state's pending ranges do not fit this corpus")
            kernel.words_done[:] = state.words_done
            kernel.loss[:] = state.loss
            kernel.rng_state[:] = state.rng_state
            state = dataclasses.replace(state, pending=pending, words_done=kernel.words_done,
                                        loss=kernel.loss, rng_state=kernel.rng_state)
        tasks = _Tasks(bounds, p.epochs, state.next_task, state.pending, encoded.release)
        parking = _Parking(threads)
        errors = []
        worker_seconds = [0.0] * threads

        def work(t):
            done = kernel.words_done
            try:
                while True:
                    parking.park_if_asked()
                    if kernel.stop_flag[0]:
                        return
                    task = tasks.take(t)
                    if task is None:
                        return
                    _, start, end = task
                    before = int(done[t * COUNTER_STRIDE])
                    stopped = kernel.train(t, start, end)
                    stopped_at = _position_after(
                        stream, start, end, int(done[t * COUNTER_STRIDE]) - before
                    ) if stopped else None
                    tasks.done(t, task, stopped_at)
                    worker_seconds[t] = seconds_before + time.perf_counter() - start_time
                    if stopped:
                        return
                    if checkpointer is not None and not parking.asked and checkpointer.due(
                            self._words_done(), time.monotonic()):
                        parking.ask()
            except BaseException as err:  # surfaced by the main thread
                errors.append(err)
                kernel.request_stop()
            finally:
                parking.leave()

        def save():
            state.next_task, state.pending = tasks.snapshot()
            state.train_seconds = seconds_before + time.perf_counter() - start_time
            checkpointer.save(syn0, syn1neg, state, output_bias)
            saved_words[0] = state.words()

        self.progress.training_start(total_words)
        seconds_before = state.train_seconds
        start_time = time.perf_counter()
        checkpoint_seconds = 0.0
        workers = [threading.Thread(target=work, args=(t,), daemon=True, name="w2vns-%d" % t)
                   for t in range(threads)]
        save_failed = False
        # Words done at the last checkpoint (a resumed run starts at one): words only grow, so
        # the same count means the same state.
        saved_words = [state.words() if resumed else None]
        try:
            for w in workers:
                w.start()
            last_loss = last_pairs = 0.0
            while not parking.all_left():
                if parking.wait(self.POLL_SECONDS):
                    began = time.perf_counter()
                    try:
                        save()
                    except Exception:
                        save_failed = True
                        raise
                    checkpoint_seconds += time.perf_counter() - began
                    start_time += time.perf_counter() - began  # saving is not training
                    parking.release()
                loss, pairs = self._loss_totals()
                recent = (loss - last_loss) / (pairs - last_pairs) if pairs > last_pairs else None
                if pairs > last_pairs:
                    last_loss, last_pairs = loss, pairs
                self.progress.training(self._words_done(), kernel.current_alpha(), recent)
        except BaseException:
            try:
                if checkpointer is not None and not save_failed:
                    # Give the workers a moment to finish their task: the checkpoint is then
                    # as good as a periodic one (byte-identical resume with one thread).
                    parking.ask()
                    parking.wait(self.STOP_GRACE_SECONDS, until_parked=True)
            finally:
                kernel.request_stop()
                parking.release()
                for w in workers:
                    w.join()
            if errors:  # a worker failed: that, not the interruption, is the news
                raise errors[0]
            if checkpointer is not None and not save_failed:
                save()
            raise
        finally:
            self.progress.close()
        if errors:
            raise errors[0]
        if not (all_finite(syn0) and all_finite(syn1neg)):
            raise TrainingDiverged("training diverged: the weights hold NaN or infinite values "
                                   "(a lower --alpha avoids it)")
        if checkpointer is not None and saved_words[0] != state.words():
            save()
        seconds = seconds_before + time.perf_counter() - start_time
        loss, pairs = self._loss_totals()
        stats = {
            "train_seconds": seconds,
            "threads": threads,
            "words_done": self._words_done(),
            "pairs": int(pairs),
            "mean_loss": loss / pairs if pairs else None,
            "worker_seconds": worker_seconds,
        }
        if checkpointer is not None:
            stats["checkpoint_seconds"] = checkpoint_seconds
        return compact_rows(syn0), syn1neg, output_bias, stats

    def _words_done(self):
        return int(self.kernel.words_done[::COUNTER_STRIDE].sum())

    def _loss_totals(self):
        loss = self.kernel.loss
        return float(loss[::COUNTER_STRIDE].sum()), float(loss[1::COUNTER_STRIDE].sum())


def _check_params(params):
    unknown = set(params) - {f.name for f in dataclasses.fields(TrainParams)}
    if unknown:
        raise TypeError("unknown training parameter(s): %s" % ", ".join(sorted(unknown)))
    return TrainParams(**params)


def train(corpus, progress=None, cache_dir=None, checkpoint=None, checkpoint_every="1epoch",
          init=None, note=None, **params):
    """Train skip-gram with negative sampling on ``corpus``; return a ``Word2VecModel``.

    ``corpus``: a path (``-`` for stdin; .gz/.bz2/.xz/.zst and URLs through smart_open), a list
    of paths, or an iterable of sentences (str lines or lists of str tokens). ``params`` are
    ``TrainParams`` fields (dim, window, negative, sample, min_count, max_vocab, epochs, alpha,
    min_alpha, noise_power, threads, seed); bad values raise ValueError before any work.

    ``checkpoint``: a folder to save the run's state in, every ``checkpoint_every`` ("1epoch",
    "10m", N words: see ``checkpoint.parse_every``), at the end, and when interrupted; continue
    it with ``resume``. ``note``: a JSON-able dict stored with it.

    ``init``: a checkpoint or saved-model folder to start from (continued training): its words
    keep their vectors, the corpus's words that reach ``min_count`` are added with fresh ones,
    and the parameters not given default to the saved model's. The learning rate decays from
    ``alpha`` over this corpus, as in a fresh run.
    """
    from . import checkpoint as ckpt

    fields = {f.name for f in dataclasses.fields(TrainParams)}
    _check_params(params)  # unknown names fail before the saved model is read
    start_from = None
    if init is not None:
        start_from = ckpt.load(init, progress=False)
        saved = start_from.params
        if "dim" in params and params["dim"] != saved["dim"]:
            raise ValueError("dim must be %d, the dimension of the model in %s (got %r)"
                             % (saved["dim"], init, params["dim"]))
        # min_alpha and threads are derived from alpha and the machine: not inherited.
        inherited = {k: saved[k] for k in fields - {"min_alpha", "threads"} if k in saved}
        params = dict(inherited, **params)
    trainer = Trainer(_check_params(params), progress)
    created = checkpoint is not None and not os.path.exists(checkpoint)
    if checkpoint is not None:
        ckpt.parse_every(checkpoint_every)  # a bad schedule fails before any work
        ckpt.prepare_folder(checkpoint, fresh=True)
    try:
        p = trainer.params
        encoded = encode_corpus(corpus, p.min_count, p.max_vocab, cache_dir=cache_dir,
                                progress=trainer.progress.counting,
                                vocabulary=start_from.vocab if start_from else None, grow=True)
        syn0 = syn1neg = output_bias = None
        if start_from is not None:
            syn0, syn1neg = _grown_weights(start_from, encoded.origin, p.seed)
            output_bias = _grown_bias(start_from, encoded, p)
        checkpointer = None
        if checkpoint is not None:
            corpus_id = dict(encoded.identity(), files=ckpt.describe_corpus(corpus)
                             if is_corpus_paths(corpus) else None)
            checkpointer = ckpt.Checkpointer(checkpoint, checkpoint_every, encoded.vocab,
                                             dataclasses.asdict(p), encoded.tokens, corpus_id,
                                             note)
        return _run(trainer, encoded, syn0, syn1neg, None, checkpointer, output_bias)
    except BaseException:
        if created:  # a run that failed before its first checkpoint leaves no empty folder
            with contextlib.suppress(OSError):
                os.rmdir(checkpoint)
        raise


def resume(folder, corpus=None, progress=None, cache_dir=None, checkpoint_every=None):
    """Continue the run whose checkpoint is in ``folder``; return its ``Word2VecModel``.

    The corpus is read again from the paths the checkpoint recorded (pass ``corpus`` when the
    run read stdin or Python sentences, or the files moved); it must be the same corpus (the
    encoded stream's length and checksum are compared). The run goes on with its own
    parameters and thread count, and keeps checkpointing into ``folder``. With one thread, the
    result is byte-identical to the run's had it not been interrupted.
    """
    from . import checkpoint as ckpt

    saved = ckpt.load(folder)
    if saved.state is None:
        raise ckpt.CheckpointError("%s: a saved model, not a run's checkpoint: continue "
                                   "training from it with --init" % folder)
    recorded = saved.corpus.get("files")
    if corpus is None:
        if not recorded:
            raise ckpt.CheckpointError("%s: the run read stdin or Python sentences; give the "
                                       "corpus again" % folder)
        changed = ckpt.changed_files(recorded)
        if changed:
            raise ckpt.CheckpointError("the corpus changed since the checkpoint: %s"
                                       % ", ".join(changed))
        corpus = [entry["path"] for entry in recorded]
    trainer = Trainer(TrainParams(**saved.params), progress)
    p = trainer.params
    encoded = encode_corpus(corpus, p.min_count, p.max_vocab, cache_dir=cache_dir,
                            progress=trainer.progress.counting, vocabulary=saved.vocab)
    identity = encoded.identity()
    expected = {k: saved.corpus.get(k) for k in identity}
    if identity != expected:
        raise ckpt.CheckpointError("%s: this is not the corpus the run trained on (its encoded "
                                   "form differs: %s, expected %s)" % (folder, identity, expected))
    checkpointer = ckpt.Checkpointer(folder, checkpoint_every or saved.every or "1epoch",
                                     saved.vocab, saved.params, encoded.tokens, saved.corpus,
                                     saved.note)
    checkpointer.start(saved.state.words())
    return _run(trainer, encoded, saved.syn0, saved.syn1neg, saved.state, checkpointer,
                saved.output_bias)


def _grown_weights(saved, origin, seed):
    """The saved model's rows for the words it knew; word2vec's init for the new ones."""
    known = origin >= 0
    syn0 = padded_matrix(len(origin), saved.syn0.shape[1])
    syn1neg = padded_matrix(len(origin), saved.syn0.shape[1])
    syn0[known] = saved.syn0[origin[known]]
    syn1neg[known] = saved.syn1neg[origin[known]]
    syn0[~known] = _initial_vectors(int((~known).sum()), syn0.shape[1], seed)
    return syn0, syn1neg


def _grown_bias(saved, encoded, params):
    """NCE output biases for a continued run (None without): the saved model's for the words
    it knew (when it had biases), log unigram probability in the grown vocabulary otherwise."""
    if not params.has_output_bias:
        return None
    bias = initial_output_bias(encoded.vocab.counts)
    if saved.output_bias is not None:
        known = encoded.origin >= 0
        bias[known] = saved.output_bias[encoded.origin[known]]
    return bias


def _run(trainer, encoded, syn0, syn1neg, state, checkpointer, output_bias=None):
    syn0, syn1neg, output_bias, stats = trainer.train(encoded, syn0, syn1neg, state,
                                                      checkpointer, output_bias)

    vocab = encoded.vocab
    epochs = trainer.params.epochs
    report = {
        "vocab_size": len(vocab),
        "distinct_words": vocab.distinct_words,
        "tokens": vocab.total_tokens,
        "retained_tokens": encoded.tokens,
        "sentences": encoded.sentences,
        "truncated_tokens": encoded.truncated_tokens,
        "epochs": epochs,
        "count_seconds": encoded.seconds,
        **stats,
        "words_per_sec": vocab.total_tokens * epochs / max(stats["train_seconds"], 1e-9),
        "params": dataclasses.asdict(trainer.params),
    }
    return Word2VecModel(vocab, syn0, syn1neg, trainer.params, report, output_bias)

def train_encoded(encoded, progress=None, **params):
    """Train on an already encoded corpus (``corpus.encode_corpus``); return a ``Word2VecModel``.

    For several runs over the same data (``w2vns tune``): the text is counted once.
    ``min_count`` and ``max_vocab`` were applied when encoding; here they are only recorded.
    """
    return _run(Trainer(_check_params(params), progress), encoded, None, None, None, None)
