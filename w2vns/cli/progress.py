"""Progress on stderr for the counting pass and training: a tqdm bar on a terminal, plain lines
every few seconds into a file or pipe (``--progress 2> train.log``), so that batch logs stay
readable."""
import sys
import time

from ..training.progress import Progress
from .common import human

#: Into a file, a line at most this often (and at each new epoch).
LINE_SECONDS = 10.0


def _is_terminal():
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _clock_text(seconds):
    seconds = int(round(seconds))
    return "%d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60)


class TqdmProgress(Progress):
    """Counting pass by bytes, then training by corpus words (the unit of the summary's
    words/s, so that the bar's total is its tokens x epochs) with the epoch, lr, recent loss
    and ETA.

    ``enabled``: None shows progress when stderr is a terminal.  Enabled while stderr is not
    a terminal, it writes a plain line every ``LINE_SECONDS`` and at each new epoch instead of
    a bar.
    """

    def __init__(self, enabled=None, clock=time.monotonic):
        terminal = _is_terminal()
        self.enabled = terminal if enabled is None else bool(enabled)
        self.lines = self.enabled and not terminal
        self._clock = clock
        self._bar = None
        self._scale = 1.0  # corpus words per trained word
        self._epochs = 1
        self._epoch_words = None
        self._epoch = None
        self._started = self._last_line = None
        self._start_words = None

    # -- a bar on a terminal --------------------------------------------------------------

    def _new(self, **kwargs):
        from tqdm import tqdm  # only imported when a bar is really shown

        self._close_bar(leave=True)
        self._bar = tqdm(file=sys.stderr, dynamic_ncols=True, **kwargs)

    def _close_bar(self, leave):
        if self._bar is not None:
            self._bar.leave = leave
            self._bar.close()
            self._bar = None

    # -- the protocol ---------------------------------------------------------------------

    def counting(self, done, total):
        if not self.enabled:
            return
        if self.lines:
            now = self._clock()
            if self._last_line is None:
                self._last_line = now
            elif now - self._last_line >= LINE_SECONDS:
                self._last_line = now
                self._line("counting: %s read%s" % (_megabytes(done), "" if not total else
                                                     " of %s (%d%%)" % (_megabytes(total),
                                                                        100 * done // total)))
            return
        if self._bar is None:
            # Decimal units (MB = 10**6 bytes), as the B suffix says.
            self._new(desc="counting", total=total, unit="B", unit_scale=True,
                      unit_divisor=1000)
        self._bar.update(done - self._bar.n)

    def training_start(self, total_words, epochs=1, corpus_words=None):
        if not self.enabled:
            return
        self._epochs = max(1, int(epochs))
        self._epoch_words = total_words / self._epochs if total_words else None
        self._scale = corpus_words / total_words if corpus_words and total_words else 1.0
        self._epoch = None
        self._started = self._last_line = self._clock()
        self._start_words = None
        if not self.lines:
            self._new(desc=self._description(0), total=int(round(total_words * self._scale)),
                      unit="w", unit_scale=True)
        self._total = total_words

    def _epoch_of(self, words_done):
        if not self._epoch_words:
            return 1
        return min(self._epochs, int(words_done // self._epoch_words) + 1)

    def _description(self, words_done):
        return "epoch %d/%d" % (self._epoch_of(words_done), self._epochs)

    def training(self, words_done, alpha, loss):
        if not self.enabled or self._started is None:
            return
        if self._start_words is None:
            self._start_words = words_done  # a resumed run starts part way
        epoch = self._epoch_of(words_done)
        if self.lines:
            now = self._clock()
            if epoch != self._epoch or now - self._last_line >= LINE_SECONDS:
                self._last_line = now
                self._line(self._status(words_done, alpha, loss, now))
            self._epoch = epoch
            return
        if epoch != self._epoch:
            self._epoch = epoch
            self._bar.set_description(self._description(words_done), refresh=False)
        self._bar.update(int(round(words_done * self._scale)) - self._bar.n)
        postfix = {"lr": "%.5f" % alpha}
        if loss is not None:
            postfix["loss"] = "%.3f" % loss
        self._bar.set_postfix(postfix, refresh=False)

    def _status(self, words_done, alpha, loss, now):
        """'training epoch 2/5: 43% 1.13M/2.63M words, 1.02M words/s, lr 0.01412, loss 2.871,
        ETA 0:00:02'."""
        done, total = words_done * self._scale, self._total * self._scale
        elapsed = now - self._started
        rate = (words_done - self._start_words) * self._scale / elapsed if elapsed > 0 else 0
        parts = ["training %s: %d%% %s/%s words" % (
            self._description(words_done), 100 * done // total if total else 100, human(done),
            human(total))]
        if rate > 0:
            parts.append("%s words/s" % human(rate))
        parts.append("lr %.5f" % alpha)
        if loss is not None:
            parts.append("loss %.3f" % loss)
        if rate > 0:
            parts.append("ETA %s" % _clock_text((total - done) / rate))
        return ", ".join(parts)

    def _line(self, text):
        sys.stderr.write("w2vns: %s\n" % text)
        sys.stderr.flush()

    def close(self):
        # Closed while an exception unwinds (Ctrl-C, SIGTERM, an error): the bar is erased,
        # so that the one line left is the one that says what happened.
        self._close_bar(leave=sys.exc_info()[0] is None)
        self._started = None


def _megabytes(n):
    return "%.1f MB" % (n / 1e6)


class TqdmTrials:
    """``w2vns tune``: one bar over the trials, with the last setting and its score; into a
    file, one line per trial."""

    def __init__(self, enabled=None):
        terminal = _is_terminal()
        self.enabled = terminal if enabled is None else bool(enabled)
        self.lines = self.enabled and not terminal
        self._bar = None
        self._total = self._done = 0

    def start(self, total):
        self._total, self._done = total, 0
        if self.enabled and not self.lines:
            from tqdm import tqdm

            self._bar = tqdm(file=sys.stderr, dynamic_ncols=True, total=total, desc="tune",
                             unit="trial")

    def trial(self, trial):
        self._done += 1
        if self.lines:
            sys.stderr.write("w2vns: tune: trial %d of at most %d: negative %d, noise power %g, "
                             "score %.4f\n" % (self._done, self._total, trial.negative,
                                               trial.noise_power, trial.score))
            sys.stderr.flush()
        elif self._bar is not None:
            self._bar.set_postfix({"negative": trial.negative, "power": trial.noise_power,
                                   "score": "%.4f" % trial.score}, refresh=False)
            self._bar.update(1)

    def close(self):
        if self._bar is not None:
            self._bar.leave = sys.exc_info()[0] is None
            self._bar.close()
            self._bar = None
