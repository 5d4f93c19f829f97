"""The thread backend: worker threads around the nogil kernel, progress, and stopping.

The encoded corpus is cut once into sentence-aligned blocks of ~32k ids; the tasks are
(epoch, block) in epoch-major order, and each worker takes the next one from a shared queue
(``TaskQueue``) whenever it is free and trains it with one call to the Cython kernel (the GIL
released; Hogwild updates to the shared weights). No worker owns a part of the corpus, so a
slow thread delays the end of the run by one block at most. Between tasks the workers can be
parked while a checkpoint is saved; the main thread reports progress.
"""
import dataclasses
import threading
import time

import numpy as np

from .backend import Backend
from .blocks import BLOCK_ENTRIES, TaskQueue, block_bounds, position_after
from .kernel import build_kernel, describe_build
from .state import COUNTER_STRIDE, TrainState, no_pending


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


class ThreadBackend(Backend):
    """Runs the kernel over an encoded corpus with worker threads; see the module docstring.

    Each worker takes the next task from the shared queue (``TaskQueue``: a block of an epoch,
    or the rest of one stopped earlier) and trains it with one kernel call, under its own
    thread index (its RNG stream and counters stay its own). Between tasks it can be parked:
    that is how checkpoints see a consistent state (no task in progress, the weights still)
    without stopping the run.
    """

    #: How often (seconds) the main thread wakes to update progress and check for Ctrl-C.
    POLL_SECONDS = 0.2
    #: On Ctrl-C / SIGTERM with a checkpoint to write, how long to wait for the workers to
    #: finish their task before stopping them in the middle of a block.
    STOP_GRACE_SECONDS = 0.5

    def __init__(self):
        self.kernel = None

    def run(self, job, state=None, checkpointer=None):
        """Train ``job.weights`` in place over ``job.encoded``; return the run's figures.

        ``state``: a ``TrainState`` to continue from (a resumed run). ``checkpointer``: an
        object with ``due(words_done, monotonic_seconds)`` and ``save(weights, state)``; it is
        saved when due (workers parked between tasks), when training ends, and when training
        is interrupted.

        ``stats["worker_seconds"]``: per worker, the training seconds (the clock of
        ``train_seconds``) at which its last task ended (0 for one that got none): max - min is
        the time the first worker to run out of work waited for the last.

        KeyboardInterrupt (or any exception in the main thread) stops the workers before
        propagating; with a checkpointer, the state they stopped in is saved first.
        """
        p, encoded, weights, progress = job.params, job.encoded, job.weights, job.progress
        stream = encoded.stream
        threads = max(1, min(p.threads, len(stream)))
        total_words = float(encoded.tokens) * p.epochs
        kernel = self.kernel = build_kernel(weights, stream, encoded.vocab.counts, p,
                                            total_words, threads)
        bounds = block_bounds(stream, 0, len(stream), step=BLOCK_ENTRIES,
                              release=encoded.release)
        nblocks = len(bounds) - 1
        resumed = state is not None
        if state is None:
            state = TrainState(next_task=0, nblocks=nblocks, pending=no_pending(),
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
        tasks = TaskQueue(bounds, p.epochs, state.next_task, state.pending, encoded.release)
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
                    stopped_at = position_after(
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
            checkpointer.save(weights, state)
            saved_words[0] = state.words()

        progress.training_start(total_words, epochs=p.epochs,
                                corpus_words=float(encoded.vocab.total_tokens) * p.epochs)
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
                progress.training(self._words_done(), kernel.current_alpha(), recent)
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
            progress.close()
        if errors:
            raise errors[0]
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
            "kernel": describe_build(),
        }
        if checkpointer is not None:
            stats["checkpoint_seconds"] = checkpoint_seconds
        return stats

    def _words_done(self):
        return int(self.kernel.words_done[::COUNTER_STRIDE].sum())

    def _loss_totals(self):
        loss = self.kernel.loss
        return float(loss[::COUNTER_STRIDE].sum()), float(loss[1::COUNTER_STRIDE].sum())
