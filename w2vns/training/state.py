"""Run state: where a run stands besides its weights (what a checkpoint saves)."""
import dataclasses

import numpy as np

from ._kernel import COUNTER_STRIDE


@dataclasses.dataclass
class TrainState:
    """Where a run stands, besides its weights: what a checkpoint needs to continue it.

    The work is ``epochs x nblocks`` tasks, task i being block ``i % nblocks`` of epoch
    ``i // nblocks`` (see ``TaskQueue``): ``next_task`` is the first one no worker has taken yet,
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


def no_pending():
    return np.zeros((0, 3), dtype=np.int64)
