"""tqdm progress bars on stderr for the counting pass and training."""
import sys

from ..training.progress import Progress


class TqdmProgress(Progress):
    """Counting pass by bytes, then training by words with words/s, lr, recent loss and ETA."""

    def __init__(self, enabled=None):
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.enabled = enabled
        self._bar = None

    def _new(self, **kwargs):
        from tqdm import tqdm  # only imported when a bar is really shown

        if self._bar is not None:
            self._bar.close()
        self._bar = tqdm(file=sys.stderr, dynamic_ncols=True, **kwargs)

    def counting(self, done, total):
        if not self.enabled:
            return
        if self._bar is None:
            self._new(desc="counting", total=total, unit="B", unit_scale=True, unit_divisor=1024)
        self._bar.update(done - self._bar.n)

    def training_start(self, total_words):
        if self.enabled:
            self._new(desc="training", total=int(total_words), unit="w", unit_scale=True)

    def training(self, words_done, alpha, loss):
        if self._bar is None:
            return
        self._bar.update(words_done - self._bar.n)
        postfix = {"lr": "%.5f" % alpha}
        if loss is not None:
            postfix["loss"] = "%.3f" % loss
        self._bar.set_postfix(postfix, refresh=False)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class TqdmTrials:
    """``w2vns tune``: one bar over the trials, with the last setting and its score."""

    def __init__(self, enabled=None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._bar = None

    def start(self, total):
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(file=sys.stderr, dynamic_ncols=True, total=total, desc="tune",
                             unit="trial")

    def trial(self, trial):
        if self._bar is not None:
            self._bar.set_postfix({"negative": trial.negative, "power": trial.noise_power,
                                   "score": "%.4f" % trial.score}, refresh=False)
            self._bar.update(1)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
