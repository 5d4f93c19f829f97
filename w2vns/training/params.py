"""TrainParams: every training setting, its default and its valid range."""
import dataclasses
import os

import numpy as np


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
