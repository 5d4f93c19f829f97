"""Training: parameters, the worker threads around the nogil kernel, progress, and stopping.

``train(corpus, **params)`` is the library entry point the CLI calls: it validates the
parameters, runs the counting pass, builds the samplers' tables, starts one Python thread per
worker (each calls the Cython kernel on its contiguous shard of the encoded corpus, once per
epoch, with the GIL released) and reports progress from the main thread.
"""
import dataclasses
import os
import threading
import time

import numpy as np

from ._kernel import COUNTER_STRIDE, Kernel
from .corpus import encode_corpus
from .model import Word2VecModel

from .sampling import keep_thresholds, noise_table, noise_weights


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
        check("negative", self.loss != "nce" or self.negative >= 1, ">= 1 with the NCE loss")
        return self

    def resolved(self):
        """A copy with the defaults that depend on others (min_alpha, threads) filled in."""
        return dataclasses.replace(
            self,
            min_alpha=self.alpha * 1e-4 if self.min_alpha is None else self.min_alpha,
            threads=default_threads() if self.threads is None else self.threads,
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


class Trainer:
    """Runs the kernel over an encoded corpus with worker threads; see the module docstring."""

    #: How often (seconds) the main thread wakes to update progress and check for Ctrl-C.
    POLL_SECONDS = 0.2

    def __init__(self, params, progress=None):
        self.params = params.validate().resolved()
        self.progress = progress or Progress()
        self.kernel = None

    def train(self, encoded):
        """Train on an ``EncodedCorpus``; return ``(syn0, syn1neg, stats)``.

        KeyboardInterrupt (or any exception in the main thread) stops the workers at their next
        sentence before propagating.
        """
        p = self.params
        vocab = encoded.vocab
        syn0 = _initial_vectors(len(vocab), p.dim, p.seed)
        syn1neg = padded_matrix(len(vocab), p.dim)
        keep = keep_thresholds(vocab.counts, p.sample)
        noise_prob, noise_alias = noise_table(vocab.counts, p.noise_power)
        log_kq = None
        if p.loss == "nce":
            weights = noise_weights(vocab.counts, p.noise_power)
            log_kq = np.log(p.negative * weights / weights.sum()).astype(np.float32)
        stream = encoded.stream
        threads = max(1, min(p.threads, len(stream)))
        total_words = float(vocab.retained_tokens) * p.epochs
        kernel = self.kernel = Kernel(
            syn0, syn1neg, stream, keep, noise_prob, noise_alias, p.window, p.negative,
            p.alpha, p.min_alpha, total_words, threads, p.seed, fast=p.kernel == "fast",
            loss=p.loss, log_kq=log_kq, hard_negatives=p.hard_negatives,
            adversarial_temperature=p.adversarial_temperature)
        bounds = [len(stream) * t // threads for t in range(threads + 1)]
        errors = []

        def work(thread):
            try:
                for _ in range(p.epochs):
                    if kernel.train(thread, bounds[thread], bounds[thread + 1]):
                        return
            except BaseException as err:  # surfaced by the main thread
                errors.append(err)
                kernel.request_stop()

        self.progress.training_start(total_words)
        start = time.perf_counter()
        workers = [threading.Thread(target=work, args=(t,), daemon=True, name="w2vns-%d" % t)
                   for t in range(threads)]
        try:
            for w in workers:
                w.start()
            last_loss = last_pairs = 0.0
            while True:
                alive = [w for w in workers if w.is_alive()]
                if not alive:
                    break
                # Returns as soon as that worker ends, so the last one is not waited for longer.
                alive[0].join(self.POLL_SECONDS)
                loss, pairs = self._loss_totals()
                recent = (loss - last_loss) / (pairs - last_pairs) if pairs > last_pairs else None
                if pairs > last_pairs:
                    last_loss, last_pairs = loss, pairs
                self.progress.training(self._words_done(), kernel.current_alpha(), recent)
        except BaseException:
            kernel.request_stop()
            for w in workers:
                w.join()
            raise
        finally:
            self.progress.close()
        if errors:
            raise errors[0]
        seconds = time.perf_counter() - start
        loss, pairs = self._loss_totals()
        stats = {
            "train_seconds": seconds,
            "threads": threads,
            "words_done": self._words_done(),
            "pairs": int(pairs),
            "mean_loss": loss / pairs if pairs else None,
        }
        return compact_rows(syn0), syn1neg, stats

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


def train(corpus, progress=None, cache_dir=None, **params):
    """Train skip-gram with negative sampling on ``corpus``; return a ``Word2VecModel``.

    ``corpus``: a path (``-`` for stdin; .gz/.bz2/.xz/.zst and URLs through smart_open), a list
    of paths, or an iterable of sentences (str lines or lists of str tokens). ``params`` are
    ``TrainParams`` fields (dim, window, negative, sample, min_count, max_vocab, epochs, alpha,
    min_alpha, noise_power, threads, seed); bad values raise ValueError before any work.
    """
    trainer = Trainer(_check_params(params), progress)
    encoded = encode_corpus(corpus, trainer.params.min_count, trainer.params.max_vocab,
                            cache_dir=cache_dir, progress=trainer.progress.counting)
    return _train_trainer(trainer, encoded)


def train_encoded(encoded, progress=None, **params):
    """Train on an already encoded corpus (``corpus.encode_corpus``); return a ``Word2VecModel``.

    For several runs over the same data (``w2vns tune``): the text is counted once.
    ``min_count`` and ``max_vocab`` were applied when encoding; here they are only recorded.
    """
    return _train_trainer(Trainer(_check_params(params), progress), encoded)


def _train_trainer(trainer, encoded):
    syn0, syn1neg, stats = trainer.train(encoded)
    vocab = encoded.vocab
    report = {
        "vocab_size": len(vocab),
        "distinct_words": vocab.distinct_words,
        "tokens": vocab.total_tokens,
        "retained_tokens": vocab.retained_tokens,
        "sentences": encoded.sentences,
        "epochs": trainer.params.epochs,
        "count_seconds": encoded.seconds,
        **stats,
        "words_per_sec": vocab.total_tokens * trainer.params.epochs / max(stats["train_seconds"], 1e-9),
        "params": dataclasses.asdict(trainer.params),
    }
    return Word2VecModel(vocab, syn0, syn1neg, trainer.params, report)
