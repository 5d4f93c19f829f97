"""The backend interface: what runs a training job's work over its weights.

``train()`` prepares a ``TrainJob`` (resolved parameters, the encoded corpus, the weights, a
progress observer) and hands it to a backend; it does not know which one. The thread backend
(w2vns/training/threads.py) is the one on a single machine; a distributed or GPU backend is
another implementation of the same ``run``.
"""
import dataclasses


@dataclasses.dataclass
class TrainJob:
    """What a backend runs: ``params`` (resolved ``TrainParams``), ``encoded`` (an
    ``EncodedCorpus``), ``weights`` (``Weights``, trained in place) and ``progress`` (a
    ``Progress`` to report to)."""

    params: object
    encoded: object
    weights: object
    progress: object


class Backend:
    """Runs the (epoch, block) work of a ``TrainJob`` over its weights and reports progress."""

    def run(self, job, state=None, checkpointer=None):
        """Train ``job.weights`` in place; return the run's figures as a dict (at least
        ``train_seconds``, ``threads``, ``words_done``, ``pairs``, ``mean_loss``).

        ``state``: the ``TrainState`` of an interrupted run to continue, or None.
        ``checkpointer``: None, or an object with ``due(words_done, monotonic_seconds)`` and
        ``save(weights, state)``, to be saved when due, at the end and when interrupted.
        Ctrl-C (KeyboardInterrupt) stops the work, saves a checkpoint if there is a
        checkpointer, and propagates.
        """
        raise NotImplementedError
