"""TrainParams: every training setting, its default, its valid range and its help text.

Each field is declared once, with ``setting(...)``: the dataclass default, and metadata that
``TrainParams.validate`` checks and that the command line turns into its options
(w2vns/cli/options.py), so that a new parameter is written in one place.
"""
import dataclasses
import os

import numpy as np

from . import losses

#: Rows of the most frequent words each worker keeps a private copy of (see the kernel's
#: ``hot_row``): their updates are merged every ``hot_sync`` updates instead of bouncing
#: cache lines between the cores on every update.
HOT_ROWS = 256
#: ... from this many threads on: there the copies save more contention than their merges
#: cost (docs/scaling.md has the measurements).
HOT_ROWS_FROM_THREADS = 8

#: The fast kernel's update of a window goes in groups of at most this many contexts, each
#: from the weights the groups before it left (see the kernel's update_targets). word2vec's
#: windows (at most 10 contexts at --window 5) are one group; a whole-line window (baskets,
#: --window 0) is many. Measured in docs/recommendation.md and docs/kernel.md.
CONTEXT_GROUP = 10

#: The update loops: word2vec's per-pair reference, and shared negatives per window.
KERNELS = ("fast", "reference")


def default_threads():
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclasses.dataclass(frozen=True)
class Setting:
    """How one training parameter is checked and offered on the command line.

    ``kind``: int, float, bool or str. ``low``/``high``: the range (None: unbounded), open at
    that end with ``low_open``/``high_open``. ``choices``: the allowed values (a callable
    for a registry that may grow). ``optional``: None is allowed (a default computed
    later). ``rule``: how the range reads in an error message, when the generated wording
    would not say enough. ``default_text``: the default as the help shows it, for a computed
    one. ``metavar``, ``flag`` (the off switch of a bool, e.g. "--no-nce-bias").
    """

    help: str
    kind: type = int
    low: "float | None" = None
    high: "float | None" = None
    low_open: bool = False
    high_open: bool = False
    choices: object = None
    optional: bool = False
    rule: "str | None" = None
    default_text: "str | None" = None
    metavar: "str | None" = None
    flag: "str | None" = None

    def allowed(self):
        """The allowed values of a choice, or None."""
        return tuple(self.choices()) if callable(self.choices) else self.choices

    def describe(self):
        """What a valid value is, for error messages: 'an integer in 1..10000', ..."""
        if self.rule:
            return self.rule
        if self.kind is bool:
            return "True or False"
        if self.choices is not None:
            return "one of %s" % ", ".join(self.allowed())
        if self.kind is int:
            if self.low is not None and self.high is not None:
                return "an integer in %s..%s" % (self.low, self.high)
            return "an integer >= %s" % self.low
        return "a number in %s%s, %s%s" % ("(" if self.low_open else "[", self.low,
                                          self.high, ")" if self.high_open else "]")

    def accepts(self, value):
        if value is None:
            return self.optional
        if self.kind is bool:
            return isinstance(value, (bool, np.bool_))
        if self.choices is not None:
            return value in self.allowed()
        if self.kind is int:
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                return False
        elif not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(
                value, bool) or not np.isfinite(value):
            return False
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            return False
        if self.high is not None and (value > self.high or
                                      (self.high_open and value == self.high)):
            return False
        return True


def setting(default, help, **how):
    """A TrainParams field with its ``Setting`` (see there for ``how``)."""
    return dataclasses.field(default=default, metadata={"setting": Setting(help, **how)})


def settings():
    """(field name, default, Setting) of every training parameter, in declaration order."""
    return [(f.name, f.default, f.metadata["setting"]) for f in dataclasses.fields(TrainParams)]


@dataclasses.dataclass
class TrainParams:
    """Training settings; the defaults are word2vec's skip-gram defaults."""

    dim: int = setting(100, "Vector dimension.", low=1, high=10000)
    window: int = setting(5, "Maximum context distance (0: the whole line, for baskets).",
                          low=0, high=1000, rule="an integer in 0..1000 (0: the whole line)")
    negative: int = setting(5, "Noise words per positive pair.", low=0, high=1000)
    sample: float = setting(1e-3, "Subsampling threshold (0 disables).", kind=float, low=0,
                            high=1, high_open=True)
    min_count: int = setting(5, "Drop words rarer than this.", low=1)
    max_vocab: "int | None" = setting(None, "Keep only the N most frequent words.", low=1,
                                      optional=True)
    epochs: int = setting(5, "Passes over the corpus.", low=1, high=100000,
                          rule="an integer >= 1")
    alpha: float = setting(0.025, "Initial learning rate (decays linearly to --min-alpha).",
                           kind=float, low=0, high=10, low_open=True)
    min_alpha: "float | None" = setting(
        None, "Final learning rate.", kind=float, low=0, optional=True,
        default_text="alpha*1e-4, as word2vec", rule="a number in [0, alpha]")
    noise_power: float = setting(0.75, "Noise distribution count**power (0 uniform, 1 "
                                 "unigram).", kind=float, low=-10, high=10)
    threads: "int | None" = setting(None, "Worker threads.", low=1, high=1024, optional=True,
                                    default_text="all cores")
    seed: int = setting(1, "Random seed: with --threads 1 the same seed gives the same vectors, "
                        "byte for byte.", low=0, high=2**64 - 1,
                        rule="an integer in 0..2**64-1")
    kernel: str = setting("fast", "Update loop: shared negatives per window (fast), or "
                          "word2vec's per-pair updates (reference).", kind=str, choices=KERNELS)
    loss: str = setting("sgns", "What to optimise: " + "; ".join(
        "%s: %s" % (name, loss.help) for name, loss in losses.LOSSES.items()) + ".",
        kind=str, choices=lambda: losses.LOSSES)
    hard_negatives: int = setting(
        0, "Draw M noise candidates, keep the --negative the model scores highest (0: off).",
        low=0, high=10000, metavar="M", rule="0 (off) or an integer in negative..10000")
    adversarial_temperature: float = setting(
        0.0, "Weight noise words by k*softmax(score/T) (self-adversarial; 0: off).",
        kind=float, low=0, high=1000, metavar="T", rule="a number in [0, 1000] (0: off)")
    hot_rows: "int | None" = setting(
        None, "Threads work on private copies of the N most frequent words' rows, merged "
        "every --hot-sync updates (less cache-line contention).", low=0, high=65536,
        optional=True, metavar="N", rule="an integer in 0..65536 (0: off)",
        default_text="%d from %d threads on, else 0" % (HOT_ROWS, HOT_ROWS_FROM_THREADS))
    hot_sync: int = setting(64, "Updates between merges of the --hot-rows copies.", low=1,
                            high=1000000, metavar="N")
    context_group: int = setting(
        CONTEXT_GROUP, "Fast kernel: a window of more than N contexts (e.g. --window 0) is "
        "updated in groups of at most N, each scored from the weights the last one left and "
        "stepped context by context; a window of N or fewer is one summed update.", low=1,
        high=10000, metavar="N")
    context_steps: str = setting(
        "summed", "Fast kernel: a window of --context-group or fewer contexts takes one summed "
        "update of its output rows (summed), or steps them context by context as the reference "
        "kernel does (sequential: better input vectors on short sessions, same speed).",
        kind=str, choices=("summed", "sequential"))
    context_side: str = setting(
        "both", "Which words of a window are a word's contexts: both sides (word2vec), or only "
        "those before it (sessions in time order: the model then predicts what comes next).",
        kind=str, choices=("both", "before"))
    nce_bias: bool = setting(True, "With --loss nce, learn a per-word output bias (score u.v + "
                             "b_w, b_w starting at log unigram probability); --no-nce-bias: "
                             "the bare score u.v.", kind=bool, flag="--no-nce-bias")
    force_softmax: bool = setting(False, "Allow --loss softmax above %d words (its cost grows "
                                  "with the vocabulary)." % losses.SOFTMAX_MAX_VOCAB, kind=bool,
                                  flag="--no-force-softmax")
    phrases: int = setting(0, "Join phrases (new york -> new_york) in N passes over the corpus "
                           "before counting, as 'w2vns phrases' does (0: off).", low=0, high=10,
                           metavar="N", rule="an integer in 0..10 (0: off)")
    phrase_threshold: float = setting(100.0, "Score (word2vec's, as word2phrase) a bigram needs "
                                      "to be joined by --phrases.", kind=float, low=0, high=1e12)

    def validate(self):
        """Raise ValueError naming the first out-of-range parameter."""
        def check(name, ok, rule):
            if not ok:
                raise ValueError("%s must be %s (got %r)" % (name, rule, getattr(self, name)))

        for name, _default, how in settings():
            check(name, how.accepts(getattr(self, name)), how.describe())
        check("min_alpha", self.min_alpha is None or self.min_alpha <= self.alpha,
              "a number in [0, alpha]")
        check("hard_negatives", self.hard_negatives == 0 or self.hard_negatives >= self.negative,
              "0 (off) or an integer in negative..10000")
        loss = losses.get(self.loss)
        check("negative", not loss.needs_negatives or self.negative >= 1,
              ">= 1 with the %s loss, which learns from noise words" % self.loss)
        for name in ("hard_negatives", "adversarial_temperature"):
            check(name, loss.noise_variants or not getattr(self, name),
                  "0 with the %s loss (it applies to %s)" % (self.loss, ", ".join(
                      n for n, entry in losses.LOSSES.items() if entry.noise_variants)))
        return self

    def check_vocabulary(self, vocab_size):
        """ValueError when the loss cannot train a vocabulary of ``vocab_size`` words with these
        settings (the exact softmax above its limit, ...)."""
        losses.get(self.loss).check(vocab_size, self)

    @property
    def extras(self):
        """The learned arrays the loss adds with these settings (``losses.Extra``)."""
        return losses.get(self.loss).extras(self)

    @property
    def has_output_bias(self):
        """Whether the model has per-word output biases (NCE with ``nce_bias``)."""
        return any(extra.name == "output_bias" for extra in self.extras)

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
