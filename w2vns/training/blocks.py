"""The work of a run: the encoded stream cut into sentence-aligned blocks, and the shared
queue of (epoch, block) tasks that workers take from."""
import threading

import numpy as np

from ..corpus.encode import MAX_SENTENCE_LENGTH, SENTENCE_END


#: Stream entries per block, the unit of work of one kernel call (rounded up to the next
#: sentence end). The blocks are the same in every run of the same corpus, so a run paused
#: between two calls and resumed makes exactly the calls an uninterrupted run makes
#: (byte-identical vectors with one thread); and a call is short enough (~30 ms at word2vec's
#: settings) that workers reach the next one well within a second when a checkpoint or a stop
#: asks them to, and that the last tasks of a run end close together.
BLOCK_ENTRIES = 1 << 15


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
        ends = np.flatnonzero(ahead == SENTENCE_END)
        if release is not None:
            release(pos - 1, min(end, pos - 1 + width))
        if len(ends):
            return pos + int(ends[0])
        if pos - 1 + width >= end:
            break
    return pos


def position_after(stream, start, end, tokens):
    """Where a kernel call over stream[start:end] that was stopped after reading ``tokens`` word
    ids left off: after the sentence end that follows its last one (the kernel stops only
    between sentences, and counts every id it reads in words_done)."""
    if tokens <= 0:
        return start
    ids = np.flatnonzero(stream[start:end] != SENTENCE_END)
    if tokens >= len(ids):
        return end
    pos = start + int(ids[tokens - 1]) + 1
    return pos + 1 if stream[pos] == SENTENCE_END else pos


class TaskQueue:
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
