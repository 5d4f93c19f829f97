"""Choosing the number of negatives (and the noise power) by training every setting and scoring it.

``tune(corpus, negatives=(2, 5, 10, 20))`` reads the corpus once into memory (up to
``max_tokens``), encodes it once per data size, trains one model per setting with every other
parameter fixed, scores each with one metric and chooses by a stated rule:

* metrics: ``analogy`` (accuracy on questions-words, or a file), ``similarity`` (Spearman on
  WordSim-353, or a file), ``heldout`` (an AUC on 1% of the lines held out from training, for
  data no evaluation set fits, e.g. item sequences); ``auto`` takes the analogies when at least
  ``MIN_ANALOGY_QUESTIONS`` of them can be scored on the vocabulary, else ``heldout``.
* the choice: the best score, except that near-ties (within :func:`tolerance`) go to the setting
  with the fewest negatives, which trains faster (:func:`rank`).
* ``budget_minutes``: successive halving instead of the full grid (:func:`tune`).
"""
import dataclasses
import math
import time

import numpy as np

from ..corpus.encode import (CorpusError, check_text, encode_corpus, is_corpus_paths,
                             open_source, read_error)
from ..corpus.sampling import keep_probabilities
from ..io.files import open_output
from ..io.compression import READ_ERRORS
from ..training import losses
from ..training.api import phrase_rewrite, train_encoded
from ..training.params import TrainParams
from . import evaluation
from .evaluation import read_analogies, read_similarity_pairs
from .plot import image_format

__all__ = ["tune", "TuneResult", "Trial", "TuneProgress", "METRICS", "rank", "tolerance",
           "heldout_pairs", "heldout_auc", "read_lines", "plot_trials",
           "describe_rule", "halving_plan"]

#: The clock of the budget (a module attribute, so that tests can run a budget on a fake one).
_clock = time.perf_counter
#: ``auto`` picks the first of analogy / heldout that fits the data.
METRICS = ("auto", "analogy", "similarity", "heldout")
#: ``auto`` uses the analogies only when at least this many questions can be scored: fewer make
#: an accuracy too coarse to separate settings (one question of 100 is a full point).
MIN_ANALOGY_QUESTIONS = 100
#: An explicit analogy or similarity metric needs at least this many questions or pairs.
MIN_SCORED = 20
#: Analogies are answered among this many most frequent words (``w2vns evaluate``'s default).
ANALOGY_RESTRICT = 30000
#: Held-out AUC: this many true (word, context) pairs, each against this many random contexts.
HELDOUT_PAIRS = 5000
HELDOUT_NOISE = 4
#: Near-ties: within this share of the best score (analogy, similarity) ...
RELATIVE_TIE = 0.005
#: ... or within this absolute difference of the best held-out AUC.
AUC_TIE = 0.002
#: Budget mode: the first rung has at least this many lines (or all of them).
MIN_RUNG_LINES = 1000

METRIC_NAMES = {"analogy": "analogy accuracy", "similarity": "similarity spearman",
                "heldout": "held-out AUC"}


@dataclasses.dataclass
class Trial:
    """One trained setting and its figures.

    ``rung`` is the successive-halving round (0 for the full grid); ``lines`` / ``tokens`` the
    training data of that round; ``score`` the metric (higher is better); ``detail`` how much
    the score rests on (``scored`` questions, ``pairs``); ``train_seconds`` the training alone,
    ``eval_seconds`` the scoring.
    """

    negative: int
    noise_power: float
    rung: int
    lines: int
    tokens: int
    vocab_size: int
    score: float
    detail: dict
    words_per_sec: float
    train_seconds: float
    eval_seconds: float

    @property
    def setting(self):
        return (self.negative, self.noise_power)

    def to_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass
class TuneResult:
    """What :func:`tune` returns.

    ``trials`` every trained setting in order; ``best`` the chosen one; ``model`` its
    ``Word2VecModel`` (trained on ``best.lines`` lines); ``metric`` the metric used (``auto``
    resolved); ``stopped`` why successive halving ended (``None`` for the full grid):
    ``"one setting left"``, ``"data exhausted"`` or ``"budget"``; ``heldout_lines`` the lines
    kept out of training (0 unless the metric is ``heldout``).
    """

    trials: list
    best: Trial
    model: object
    metric: str
    metric_path: "str | None"
    stopped: "str | None"
    lines: int
    heldout_lines: int
    seconds: float
    budget_minutes: "float | None" = None

    def to_dict(self):
        """The JSON document of ``w2vns tune --json``: ``{"trials": [...], "best": {...}, ...}``."""
        return {
            "metric": self.metric,
            "metric_path": self.metric_path,
            "rule": describe_rule(self.metric),
            "trials": [t.to_dict() for t in self.trials],
            "best": self.best.to_dict(),
            "lines": self.lines,
            "heldout_lines": self.heldout_lines,
            "budget_minutes": self.budget_minutes,
            "stopped": self.stopped,
            "seconds": self.seconds,
        }


class TuneProgress:
    """Observer of the trials; subclass it (the CLI shows one tqdm bar)."""

    def start(self, total):
        """Trials are about to run; ``total`` is how many are planned (budget mode may stop
        earlier)."""

    def trial(self, trial):
        """A trial has been trained and scored."""

    def close(self):
        """Tuning ended (normally or not)."""


# --------------------------------------------------------------------------------------------
# Reading the corpus once.


def read_lines(corpus, max_tokens=None):
    """The corpus as a list of non-empty lines (bytes, without the newline).

    ``corpus`` as for ``w2vns.train``: a path, ``-``, a list of paths, or an iterable of
    sentences (str lines, bytes lines or token lists).  With ``max_tokens``, reading stops once
    that many tokens are read (the last line is cut to fit).  Returns ``(lines, tokens)``.
    """
    lines, tokens = [], 0

    def add(line):
        nonlocal tokens
        words = line.split()
        if not words:
            return True
        if max_tokens is not None and tokens + len(words) >= max_tokens:
            words = words[:max_tokens - tokens]
            lines.append(b" ".join(words))
            tokens += len(words)
            return False
        lines.append(line.rstrip(b"\r\n"))
        tokens += len(words)
        return True

    if is_corpus_paths(corpus):
        paths = [corpus] if not isinstance(corpus, (list, tuple)) else list(corpus)
        for path in paths:
            source = open_source(path)
            try:
                offset = 0
                for line in source.stream:
                    check_text(source.name, line, offset)  # binary data, as train refuses it
                    offset += len(line)
                    if not add(line):
                        return lines, tokens
            except READ_ERRORS as err:
                raise read_error(source.name, err) from None
            finally:
                source.close()
    else:
        for sentence in corpus:
            if isinstance(sentence, str):
                sentence = sentence.encode("utf-8", "surrogateescape")
            elif not isinstance(sentence, bytes):
                sentence = " ".join(sentence).encode("utf-8", "surrogateescape")
            if not add(sentence):
                break
    if not tokens:
        raise CorpusError("the corpus is empty: no tokens found")
    return lines, tokens


def split_heldout(lines, share, seed):
    """``(train, heldout)`` line lists: ``share`` of the lines (at least one, and at least one
    left for training) chosen at random, deterministically from ``seed``; both keep file order.
    """
    n = len(lines)
    if n < 2:
        raise CorpusError("the held-out metric needs at least 2 lines, the corpus has %d" % n)
    k = min(n - 1, max(1, int(round(n * share))))
    rng = np.random.default_rng([seed, 1])
    out = np.zeros(n, dtype=bool)
    out[rng.choice(n, k, replace=False)] = True
    return ([line for line, o in zip(lines, out) if not o],
            [line for line, o in zip(lines, out) if o])


# --------------------------------------------------------------------------------------------
# Metrics.


def heldout_pairs(lines, vocab, window, sample, seed, max_pairs=HELDOUT_PAIRS,
                  noise=HELDOUT_NOISE):
    """Sample true (centre, context) pairs from held-out ``lines`` as training would see them.

    Words outside ``vocab`` are dropped, the rest subsampled with the training ``sample``
    threshold (so that "the" does not make most of the pairs), and each centre's contexts lie
    within a window drawn as the trainer draws it (``window - b``, b uniform in [0, window);
    ``window == 0``: every other word of the line, as for baskets).
    Lines are visited in a random order until ``4 * max_pairs`` pairs are found, then
    ``max_pairs`` of them are kept.  Each pair gets ``noise`` contexts drawn uniformly from the
    vocabulary.  Deterministic from ``seed``.

    Returns ``(centre, context, random_context)`` int64 arrays of shapes (n,), (n,), (n, noise).
    """
    rng = np.random.default_rng([seed, 2])
    index = {word: i for i, word in enumerate(vocab.words)}
    keep = keep_probabilities(vocab.counts, sample)
    centres, contexts = [], []
    found = 0
    for number in rng.permutation(len(lines)):
        ids = np.array([index.get(w, -1) for w in lines[number].split()], dtype=np.int64)
        ids = ids[ids >= 0]
        ids = ids[rng.random(len(ids)) < keep[ids]]
        n = len(ids)
        if n < 2:
            continue
        reach = (window - rng.integers(0, window, size=n) if window > 0
                 else np.full(n, n, dtype=np.int64))
        for i in range(n):
            lo, hi = max(0, i - reach[i]), min(n, i + reach[i] + 1)
            ctx = np.concatenate((ids[lo:i], ids[i + 1:hi]))
            centres.append(np.full(len(ctx), ids[i]))
            contexts.append(ctx)
            found += len(ctx)
        if found >= 4 * max_pairs:
            break
    if not found:
        return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, noise), np.int64))
    centre, context = np.concatenate(centres), np.concatenate(contexts)
    if len(centre) > max_pairs:
        chosen = np.sort(rng.choice(len(centre), max_pairs, replace=False))
        centre, context = centre[chosen], context[chosen]
    random_context = rng.integers(0, len(vocab), size=(len(centre), noise))
    return centre, context, random_context


def heldout_auc(syn0, syn1neg, pairs):
    """P(a true pair scores above the same centre with a random context), ties counting half.

    The score is the trainer's: ``syn0[context] . syn1neg[centre]``.  Every true pair is
    compared with its own random contexts; comparable across numbers of negatives, because it
    asks only for an ordering, not for calibrated probabilities.
    """
    centre, context, random_context = pairs
    out = np.asarray(syn1neg[centre], dtype=np.float64)
    true = np.einsum("ij,ij->i", np.asarray(syn0[context], dtype=np.float64), out)
    rand = np.einsum("ijk,ik->ij", np.asarray(syn0[random_context], dtype=np.float64), out)
    above = (true[:, None] > rand).mean()
    tied = (true[:, None] == rand).mean()
    return float(above + 0.5 * tied)


def _upper_vocab(vocab, restrict):
    return {w.upper() for w in vocab.keys()[:restrict]}


def analogy_coverage(vocab, path=None, restrict=ANALOGY_RESTRICT):
    """How many analogy questions have all four words among the first ``restrict`` words
    (case-insensitively, as :func:`w2vns.apps.evaluation.evaluate_analogies` matches them)."""
    known = _upper_vocab(vocab, restrict)
    return sum(all(w.upper() in known for w in q)
               for _name, questions in read_analogies(path) for q in questions)


def similarity_coverage(vocab, path=None):
    """How many word pairs of a similarity set have both words in the vocabulary."""
    known = _upper_vocab(vocab, 300000)
    return sum(a.upper() in known and b.upper() in known
               for a, b, _s in read_similarity_pairs(path))


class _Scorer:
    """Scores the models trained on one encoded corpus with one metric."""

    def __init__(self, metric, path, vocab, heldout, params):
        self.metric, self.path = metric, path
        if metric in ("analogy", "similarity"):
            found = (analogy_coverage if metric == "analogy" else similarity_coverage)(vocab, path)
            if found < MIN_SCORED:
                raise ValueError(
                    "only %d %s in the vocabulary (%d words), too few to compare settings "
                    "(%d needed): use --metric heldout" % (
                        found, "analogy questions have all their words" if metric == "analogy"
                        else "similarity pairs have both words", len(vocab), MIN_SCORED))
        else:
            self.pairs = heldout_pairs(heldout, vocab, params.window, params.sample, params.seed)
            if not len(self.pairs[0]):
                raise ValueError("the %d held-out lines give no (word, context) pair inside the "
                                 "vocabulary: use a larger corpus or a larger holdout"
                                 % len(heldout))

    def __call__(self, model):
        """``(score, detail)`` of a trained model."""
        if self.metric == "analogy":
            res = evaluation.evaluate_analogies(model.wv, self.path,
                                                restrict_vocab=ANALOGY_RESTRICT)
            return res["accuracy"], {"scored": res["scored"], "questions": res["questions"]}
        if self.metric == "similarity":
            res = evaluation.evaluate_similarity(model.wv, self.path, allow_empty=True)
            spearman = res["spearman"]
            return (spearman if math.isfinite(spearman) else -1.0), {"pairs": res["pairs"]}
        return heldout_auc(model.wv.vectors, model.syn1neg, self.pairs), {
            "pairs": int(len(self.pairs[0]))}


# --------------------------------------------------------------------------------------------
# The choice.


def tolerance(metric, best):
    """How far below ``best`` a score still counts as a tie (see :func:`describe_rule`)."""
    return AUC_TIE if metric == "heldout" else RELATIVE_TIE * abs(best)


def describe_rule(metric):
    """The choice rule in one sentence, with the tie margin of ``metric``."""
    margin = ("%g absolute" % AUC_TIE if metric == "heldout"
              else "%g%% of the best" % (100 * RELATIVE_TIE))
    return ("the best %s wins; settings within %s count as tied, and ties go to the fewest "
            "negatives (the cheaper setting), then the higher score"
            % (METRIC_NAMES[metric], margin))


def rank(trials, metric):
    """Trials best first by the rule: those within :func:`tolerance` of the best score come
    first, fewest negatives first (then the higher score); then the others by score."""
    if not trials:
        return []
    best = max(t.score for t in trials)
    floor = best - tolerance(metric, best)
    tied = sorted((t for t in trials if t.score >= floor), key=lambda t: (t.negative, -t.score))
    rest = sorted((t for t in trials if t.score < floor), key=lambda t: -t.score)
    return tied + rest


# --------------------------------------------------------------------------------------------
# Tuning.


def _settings(negatives, noise_powers):
    settings = []
    for k in negatives:
        for p in noise_powers:
            if (k, p) not in settings:
                settings.append((k, p))
    return settings


def _rung_lines(total, halvings, rung):
    """Lines of successive-halving round ``rung``: the data halves for every halving still to
    come, so the last round (one setting left) trains on everything."""
    return min(total, max(min(total, MIN_RUNG_LINES), math.ceil(total / 2 ** (halvings - rung))))


def halving_plan(total_lines, settings):
    """The rounds of successive halving as ``[(lines, trained, kept), ...]``.

    Round r trains ``trained`` settings on the first ``lines`` lines and keeps the best
    ``kept`` for the next.  Without the ``MIN_RUNG_LINES`` floor the data doubles as the
    settings halve, and the last round trains one setting on every line; rounds that the floor
    would give the same lines are merged (the settings are halved again on the same scores
    instead of trained twice on the same data).
    """
    halvings = math.ceil(math.log2(settings)) if settings > 1 else 0
    plan, alive = [], settings
    for rung in range(halvings + 1):
        size = _rung_lines(total_lines, halvings, rung)
        if plan and plan[-1][0] == size:
            plan[-1] = (size, plan[-1][1], alive)
        else:
            plan.append((size, alive, alive))
        alive = math.ceil(alive / 2)
        plan[-1] = plan[-1][:2] + (alive,)
    return plan


def tune(corpus, negatives=(2, 5, 10, 20), noise_powers=(0.75,), metric="auto",
         metric_path=None, max_tokens=None, budget_minutes=None, holdout=0.01, seed=1,
         progress=None, cache_dir=None, **train_params):
    """Train every (negatives, noise power) setting on the same data and choose one.

    ``corpus``: as for :func:`w2vns.train`; it is read once into memory (``max_tokens`` caps
    it).  ``metric``: one of ``METRICS``; ``metric_path`` an analogy or similarity file instead
    of the bundled one.  For ``heldout``, ``holdout`` of the lines (chosen from ``seed``) are
    kept out of training and the score is :func:`heldout_auc`; the other metrics train on all
    lines.  ``train_params``: the other ``TrainParams`` fields, the same for every trial
    (``seed`` too: every trial starts from the same initial vectors).

    Without ``budget_minutes`` every setting trains on all the data.  With it, successive
    halving: round 0 trains all settings on a prefix of the training lines, the better half
    (by :func:`rank`) goes on to a prefix twice as long, and so on; the prefix is sized so that
    the round with one setting left trains on all the lines.  It stops when one setting is left,
    when a round has used all the lines, or when the next round would not end within the budget
    (its time estimated from the survivors' last times, scaled by the data).  Round 0 always
    runs in full: cap the data with ``max_tokens`` if even that is too long.

    ``progress``: a :class:`TuneProgress`.  Returns a :class:`TuneResult`; the chosen model is
    the first of :func:`rank` over the last round's trials.  Bad values raise ValueError before
    the corpus is read; ``CorpusError`` (a ValueError) for a corpus that cannot be used.
    """
    started = _clock()
    for name in ("negative", "noise_power"):
        if name in train_params:
            raise TypeError("tune varies %s: pass %ss=(...) instead" % (name, name))
    if metric not in METRICS:
        raise ValueError("metric must be one of %s (got %r)" % (", ".join(METRICS), metric))
    if metric_path is not None and metric not in ("analogy", "similarity"):
        raise ValueError("a metric file goes with the analogy or similarity metric, not %r"
                         % metric)
    if not (0 < holdout <= 0.5):
        raise ValueError("holdout must be in (0, 0.5] (got %r)" % (holdout,))
    if max_tokens is not None and max_tokens < 1:
        raise ValueError("max_tokens must be >= 1 (got %r)" % (max_tokens,))
    if budget_minutes is not None and not budget_minutes > 0:
        raise ValueError("budget_minutes must be > 0 (got %r)" % (budget_minutes,))
    settings = _settings(list(negatives), [float(p) for p in noise_powers])
    if not settings:
        raise ValueError("give at least one number of negatives and one noise power")
    for k, p in settings:
        params = TrainParams(negative=k, noise_power=p, seed=seed, **train_params).validate()
    if not losses.get(params.loss).needs_negatives:
        raise ValueError("tune chooses the number of negatives and the noise power, and the %s "
                         "loss draws no noise words" % params.loss)
    progress = progress or TuneProgress()

    lines, _tokens = read_lines(corpus, max_tokens)

    def encode(some_lines):
        return encode_corpus(some_lines, params.min_count, params.max_vocab, cache_dir=cache_dir,
                             rewrite=phrase_rewrite(params))

    encoded, encoded_lines = None, 0
    if metric == "auto":
        encoded, encoded_lines = encode(lines), len(lines)
        enough = analogy_coverage(encoded.vocab) >= MIN_ANALOGY_QUESTIONS
        metric = "analogy" if enough else "heldout"
        if metric == "heldout":
            encoded = None
    heldout = []
    if metric == "heldout":
        lines, heldout = split_heldout(lines, holdout, seed)

    if budget_minutes is None:
        plan = [(len(lines), len(settings), 1)]
    else:
        plan = halving_plan(len(lines), len(settings))
    alive, trials, stopped = settings, [], None
    best_model = None
    progress.start(sum(count for _size, count, _keep in plan))
    try:
        for rung, (size, _count, keep) in enumerate(plan):
            if encoded is None or encoded_lines != size:
                encoded = encode(lines[:size] if size < len(lines) else lines)
            encoded_lines = size
            scorer = _Scorer(metric, metric_path, encoded.vocab, heldout, params)
            rung_trials, models = [], {}
            for k, p in alive:
                model = train_encoded(encoded, negative=k, noise_power=p, seed=seed,
                                      **train_params)
                t0 = _clock()
                score, detail = scorer(model)
                report = model.report
                trial = Trial(negative=k, noise_power=p, rung=rung, lines=size,
                              tokens=report["tokens"], vocab_size=report["vocab_size"],
                              score=score, detail=detail, words_per_sec=report["words_per_sec"],
                              train_seconds=report["train_seconds"],
                              eval_seconds=_clock() - t0)
                trials.append(trial)
                rung_trials.append(trial)
                models[trial.setting] = model
                # Keep only the models that can still be chosen: a score below the best's tie
                # floor now stays below it whatever comes later.
                best = max(t.score for t in rung_trials)
                floor = best - tolerance(metric, best)
                for t in rung_trials:
                    if t.score < floor:
                        models.pop(t.setting, None)
                progress.trial(trial)
            ranked = rank(rung_trials, metric)
            best_model = models[ranked[0].setting]
            if budget_minutes is None:
                break
            if rung == len(plan) - 1:
                stopped = "one setting left" if len(alive) == 1 else "data exhausted"
                break
            survivors = ranked[:keep]
            next_size = plan[rung + 1][0]
            estimate = sum(t.train_seconds + t.eval_seconds for t in survivors) * next_size / size
            if _clock() - started + estimate > budget_minutes * 60:
                stopped = "budget"
                break
            alive = [t.setting for t in survivors]
            best_model = models = None  # free the weights before the next round trains
    finally:
        progress.close()
    return TuneResult(trials=trials, best=ranked[0], model=best_model, metric=metric,
                      metric_path=None if metric_path is None else str(metric_path),
                      stopped=stopped, lines=len(lines), heldout_lines=len(heldout),
                      seconds=_clock() - started, budget_minutes=budget_minutes)


# --------------------------------------------------------------------------------------------
# Plot.


def plot_trials(result, path, size=(900, 600), dpi=100):
    """Draw the metric and the training time against the number of negatives into ``path``.

    One line per noise power; the metric on the left axis (solid), the training seconds on the
    right (dashed); the chosen setting is ringed.  The points are the first round's trials,
    the only ones where every setting trained on the same lines (all of them without a budget).
    Needs matplotlib (raises ``w2vns.apps.plot.MissingMatplotlib`` without it).
    """
    fmt = image_format(path)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    last = {t.setting: t for t in result.trials if t.rung == 0}
    powers = sorted({p for _k, p in last})
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax_time = ax.twinx()
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
    for i, power in enumerate(powers):
        points = sorted((t for t in last.values() if t.noise_power == power),
                        key=lambda t: t.negative)
        ks = [t.negative for t in points]
        colour = colours[i % len(colours)]
        label = "noise power %g" % power if len(powers) > 1 else None
        ax.plot(ks, [t.score for t in points], "o-", color=colour, label=label)
        ax_time.plot(ks, [t.train_seconds for t in points], "s--", color=colour, alpha=0.6)
    chosen = last[result.best.setting]
    ax.plot([chosen.negative], [chosen.score], "o", markersize=16, mfc="none", mec="black",
            label="chosen")
    ks = sorted({k for k, _p in last})
    if min(ks) > 0 and max(ks) / min(ks) >= 8:
        ax.set_xscale("log")
        ax_time.set_xscale("log")
    ax.set_xticks(ks)
    ax.set_xticks([], minor=True)
    ax.set_xticklabels([str(k) for k in ks])
    ax.set_xlabel("negatives per pair")
    ax.set_ylabel(METRIC_NAMES[result.metric] + " (solid)")
    ax_time.set_ylabel("training seconds (dashed)")
    ax.legend(loc="best")
    ax.set_title("w2vns tune: every setting on the same %d lines%s" % (
        chosen.lines, "" if result.budget_minutes is None else " (first round of halving)"))
    fig.tight_layout()
    with open_output(path) as handle:  # atomically; '-' is stdout
        fig.savefig(handle, format=fmt, dpi=dpi)
