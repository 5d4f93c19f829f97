"""Recommendations from item vectors (item2vec), and their leave-last-out evaluation.

A basket (or session) is a list of item keys.  Its recommendations are the items whose vectors
are closest, by cosine, to the mean of the unit vectors of its items, the basket's own items
excluded: gensim's ``most_similar(positive=basket)``.  :class:`Recommender` answers one
basket, or many at once as matrix products a block of baskets at a time (the unit vectors are
made once; each block is one ``(B x d) @ (d x V)`` product, then a top-k search that reads the
scores once: the best item of every 64-item chunk, then only the chunks that can hold the k
best).

:func:`evaluate_leave_last_out` is the usual next-item test: the last item of each line is
hidden, vectors are trained on the rest (or a given model is used), and the hidden item is
ranked among all items from the others on its line, those excluded.  Hit rate@k and MRR@k,
with the popularity baseline (the most frequent training items, the basket's own excluded)
beside them.
"""
import itertools
import os
import random
import time
from collections import Counter

import numpy as np

from ..corpus.encode import check_text
from ..io.files import open_input
from ..training.api import train
from ..training.checkpoint import load
from ..training.losses import get as get_loss
from ..vectors.keyed import KeyedVectors

__all__ = ["Recommender", "read_baskets", "leave_last_out", "hide_last", "popularity_ranks",
           "evaluate_leave_last_out", "leak_evidence", "choose_settings", "basket_weights",
           "sample_cases", "noise_powers_to_try", "item_counts"]

#: Items per chunk in the top-k search (the maxima of the chunks are found first).
CHUNK = 64
#: Baskets per matrix product: a block's scores are BLOCK x V float32.
BLOCK = 256


def read_baskets(path):
    """One basket per line of ``path`` ('-' for stdin, or a URL; compressed or not):
    whitespace-separated item keys.

    Bytes that are not UTF-8 are kept (``surrogateescape``), as in vectors files; an empty line
    is an empty basket, so that results stay in line with the input.  Binary data (a NUL byte,
    an archive) is a CorpusError.
    """
    baskets, offset = [], 0
    with open_input(path) as source:
        for raw in source:
            check_text(source.name, raw, offset, what="baskets are text, one per line")
            offset += len(raw)
            baskets.append([f.decode("utf-8", "surrogateescape") for f in raw.split()])
    return baskets


class TooShortToChoose(ValueError):
    """No line is long enough to hold items out for choosing the settings (evaluate-rec's
    auto scoring); the settings can still be given."""


class Recommender:
    """Ranks every item of ``kv`` (a :class:`~w2vns.vectors.KeyedVectors`, or gensim's) by cosine
    similarity to baskets of items.

    With ``output`` (the model's output vectors, V x d, rows as in ``kv``: ``model.syn1neg``) the
    score is instead the model's own prediction: the mean of the basket's input vectors dotted
    with each item's output vector.  With the uniform noise distribution (noise power 0) that
    ranks items by how likely they are to share a basket with these, popularity included,
    which next-item tests reward (docs/recommendation.md).  ``output_bias``
    (an NCE model's per-word output biases, ``model.output_bias``; output scoring only) is
    added to each item's score: it is part of that model's score.

    ``recency`` (a half-life in items; 0: off) weights a basket's items by how recent they are,
    for sessions in time order: the last item weighs 1, the one before it 0.5 ** (1 / recency),
    and so on (see :func:`basket_weights`).

    ``popularity`` (a weight w >= 0; 0: off) adds ``w * ln(count)`` to each item's score, its
    count in the training data (``kv.counts``, or gensim's "count" attribute): a prior on
    popular items, which cosine similarity ignores.  Ranking by ``cosine + w * ln(count)`` is
    ranking by ``count * exp(cosine / w)``, i.e. by popularity times a similarity kernel of
    width w; where the next item is often simply a popular one (rating histories) that pays
    (docs/recommendation.md).  The total count only shifts every score alike, so w does not
    depend on the size of the data.
    """

    def __init__(self, kv, output=None, output_bias=None, recency=0.0, popularity=0.0):
        if output_bias is not None and output is None:
            raise ValueError("output biases go with output vectors (output scoring)")
        if not recency >= 0:
            raise ValueError("recency must be a half-life >= 0 (got %r)" % (recency,))
        if not popularity >= 0:
            raise ValueError("popularity must be a weight >= 0 (got %r)" % (popularity,))
        self.recency = float(recency)
        self.popularity = float(popularity)
        self.kv = kv
        self.keys = list(kv.index_to_key)
        self.index = kv.key_to_index
        vectors = np.asarray(kv.vectors, dtype=np.float32)
        count, dim = vectors.shape
        # Padded to whole chunks with zero rows, whose scores are set to -inf.
        self.padded = -(-count // CHUNK) * CHUNK
        self.cosine = output is None
        if self.cosine:
            norms = np.linalg.norm(vectors, axis=1)
            self.inputs = np.zeros((self.padded, dim), dtype=np.float32)
            np.divide(vectors, np.where(norms > 0, norms, 1)[:, None], out=self.inputs[:count])
            self.targets = self.inputs
        else:
            self.inputs = vectors
            self.targets = np.zeros((self.padded, dim), dtype=np.float32)
            self.targets[:count] = np.asarray(output, dtype=np.float32)[:count]
        self.bias = None
        if output_bias is not None or self.popularity:
            self.bias = np.zeros(self.padded, dtype=np.float32)
        if output_bias is not None:
            self.bias[:count] = np.asarray(output_bias, dtype=np.float32)[:count]
        if self.popularity:
            counts = item_counts(kv)
            if counts is None:
                raise ValueError("popularity weighting needs the items' counts, and these "
                                 "vectors have none (a saved model or a .w2vns folder has them)")
            self.bias[:count] += (self.popularity * np.log(np.maximum(counts[:count], 1))
                                  ).astype(np.float32)
        self.count = count

    def indexes(self, basket):
        """(row indexes of the known items, the unknown items) of a basket."""
        known, unknown = [], []
        for item in basket:
            row = self.index.get(item)
            (unknown if row is None else known).append(item if row is None else row)
        return known, unknown

    def scores(self, rows_per_basket, exclude=()):
        """The score of every item for each basket given as row indexes (oldest first): a
        (B, padded) float32 array.

        The basket's own items, the rows in ``exclude`` and the padding score -inf; a basket
        with no rows scores -inf everywhere.
        """
        sizes = np.array([len(rows) for rows in rows_per_basket], dtype=np.int64)
        flat = np.fromiter((r for rows in rows_per_basket for r in rows), dtype=np.int64,
                           count=int(sizes.sum()))
        owner = np.repeat(np.arange(len(sizes)), sizes)
        weights = basket_weights(sizes, self.recency)
        query = np.zeros((len(sizes), self.targets.shape[1]), dtype=np.float32)
        np.add.at(query, owner, self.inputs[flat] * weights[:, None])
        lengths = np.linalg.norm(query, axis=1)
        if self.cosine:
            query /= np.where(lengths > 0, lengths, 1)[:, None]
        else:  # the weighted mean of the basket's input vectors
            totals = np.bincount(owner, weights, minlength=len(sizes))
            query /= np.where(totals > 0, totals, 1).astype(np.float32)[:, None]
        scores = query @ self.targets.T
        if self.bias is not None:
            scores += self.bias
        scores[:, self.count:] = -np.inf
        scores[owner, flat] = -np.inf
        if len(exclude):
            scores[:, np.asarray(exclude, dtype=np.int64)] = -np.inf
        scores[lengths == 0] = -np.inf
        return scores

    def recommend(self, basket, topn=10, exclude=()):
        """The ``topn`` items closest to ``basket`` as [(item, cosine)], best first.

        Items of the basket that are not in the vocabulary are ignored (no known item: []);
        ``exclude`` lists further items never to recommend.
        """
        return next(self.recommend_many([basket], topn, exclude))

    def recommend_many(self, baskets, topn=10, exclude=(), block=BLOCK):
        """Yield the recommendations of each basket in order (as :meth:`recommend`), computed
        ``block`` baskets at a time; ``baskets`` may be any iterable (e.g. a stream)."""
        excluded = [row for row in (self.index.get(item) for item in exclude) if row is not None]
        pending = []
        for basket in baskets:
            pending.append(self.indexes(basket)[0])
            if len(pending) == block:
                yield from self._answer(pending, topn, excluded)
                pending = []
        if pending:
            yield from self._answer(pending, topn, excluded)

    def _answer(self, rows_per_basket, topn, excluded):
        scores = self.scores(rows_per_basket, excluded)
        keys = self.keys
        for rows, values in zip(*top_k(scores, topn)):
            yield [(keys[r], float(v)) for r, v in zip(rows.tolist(), values.tolist())]


def item_counts(kv):
    """The training count of every item of ``kv`` (int64 array in its order), or None when it
    has none: w2vns's ``kv.counts``, or gensim's "count" attribute."""
    counts = getattr(kv, "counts", None)
    if counts is None and hasattr(kv, "get_vecattr"):
        try:
            counts = [kv.get_vecattr(key, "count") for key in kv.index_to_key]
        except KeyError:
            return None
    return None if counts is None else np.asarray(counts, dtype=np.int64)


def basket_weights(sizes, recency):
    """The weight of every item of baskets of ``sizes`` items, concatenated (float32): 1 each,
    or with a half-life ``recency`` > 0, 0.5 ** (age / recency), where the age of a basket's
    last item is 0, of the one before it 1, and so on."""
    sizes = np.asarray(sizes, dtype=np.int64)
    if recency <= 0:
        return np.ones(int(sizes.sum()), dtype=np.float32)
    ends = np.cumsum(sizes)
    age = np.repeat(ends, sizes) - 1 - np.arange(int(ends[-1]) if len(ends) else 0)
    return (0.5 ** (age / recency)).astype(np.float32)


def top_k(scores, k, chunk=CHUNK):
    """The ``k`` largest finite entries of each row of ``scores`` (width a multiple of
    ``chunk``): ([column arrays], [value arrays]), best first, ties in column order.

    Reads the scores once for the chunk maxima: when there are more than k chunks, the k-th
    largest chunk maximum ``tau`` is a lower bound of the row's k-th largest value (k chunks
    each hold a value >= tau), so only the chunks whose maximum reaches it are looked into.
    """
    rows, width = scores.shape
    chunks = scores.reshape(rows, width // chunk, chunk)
    maxima = chunks.max(axis=2)
    n = maxima.shape[1]
    if n > k:
        tau = np.partition(maxima, n - k, axis=1)[:, n - k]
    else:
        tau = np.full(rows, -np.inf, dtype=scores.dtype)
    owner, which = np.nonzero(maxima >= tau[:, None])
    values = chunks[owner, which]
    columns = which[:, None] * chunk + np.arange(chunk)
    keep = (values >= tau[owner][:, None]) & np.isfinite(values)
    owner = np.broadcast_to(owner[:, None], values.shape)[keep]
    values, columns = values[keep], columns[keep]
    order = np.lexsort((columns, -values, owner))
    owner, values, columns = owner[order], values[order], columns[order]
    starts = np.searchsorted(owner, np.arange(rows + 1))
    ends = np.minimum(starts[1:], starts[:-1] + k)
    return ([columns[a:b] for a, b in zip(starts[:-1], ends)],
            [values[a:b] for a, b in zip(starts[:-1], ends)])


def leave_last_out(lines):
    """Split sessions for next-item evaluation: ``(training lines, cases)``.

    Each line of two or more items gives the training line of all its items but the last, and
    the case ``(those items, the last item)``; shorter lines are training lines as they are
    (:func:`hide_last` with one hidden item a line).
    """
    return hide_last(lines, most=1)


def hide_last(lines, most=1, per=10):
    """Split sessions for a held-out pick with several cases a line: ``(training lines,
    cases)``.

    Each line of two or more items hides its last ``n`` items, ``n`` = one per ``per`` items
    of the line, at least 1 and at most ``most``; its training line is the items before them,
    and each hidden item is a case ``(every item before it, the item)`` (so the later cases'
    baskets hold hidden items too, as a test basket holds all of a user's history).  Shorter
    lines are training lines as they are.
    """
    if most < 1 or per < 1:
        raise ValueError("need most >= 1 and per >= 1 (got %r, %r)" % (most, per))
    training, cases = [], []
    for line in lines:
        if len(line) >= 2:
            cut = len(line) - max(1, min(most, len(line) // per))
            training.append(line[:cut])
            cases.extend((line[:p], line[p]) for p in range(cut, len(line)))
        elif line:
            training.append(line)
    return training, cases


def popularity_ranks(training, cases):
    """The rank (1 = first) of each case's hidden item when items are ordered by how often they
    occur in ``training`` (ties: the first seen first), the case's basket excluded; 0 for an
    item never seen in training (never recommended)."""
    counts = Counter(item for line in training for item in line)
    order = sorted(counts, key=lambda item: -counts[item])  # stable: first seen first on ties
    position = {item: i for i, item in enumerate(order)}
    ranks = np.zeros(len(cases), dtype=np.int64)
    for n, (basket, target) in enumerate(cases):
        where = position.get(target)
        if where is None:
            continue
        if target in basket:  # a repeat: the basket's items are excluded, so it cannot be hit
            continue
        ahead = {position.get(item, -1) for item in basket}
        ranks[n] = where + 1 - sum(1 for p in ahead if 0 <= p < where)
    return ranks


def model_ranks(kv, cases, output=None, block=BLOCK, output_bias=None, recency=0.0,
                popularity=0.0):
    """The rank (1 = first) of each case's hidden item among the items of ``kv`` by cosine to
    the mean unit vector of the basket's known items, the basket excluded (ties: vocabulary
    order); 0 when it cannot be ranked (hidden item unknown or repeated from the basket, or no
    basket item known).  ``output`` (and ``output_bias``): score with output vectors;
    ``recency``: weight recent items more; ``popularity``: add a prior on popular items; see
    :class:`Recommender`."""
    recommender = Recommender(kv, output, output_bias, recency, popularity)
    ranks = np.zeros(len(cases), dtype=np.int64)
    for start in range(0, len(cases), block):
        part = cases[start:start + block]
        rows = [recommender.indexes(basket)[0] for basket, _ in part]
        targets = np.array([recommender.index.get(target, -1) for _, target in part])
        scores = recommender.scores(rows)
        picked = np.arange(len(part))
        target_scores = scores[picked, np.maximum(targets, 0)]
        ahead = (scores > target_scores[:, None]).sum(axis=1)
        ties = (scores == target_scores[:, None]) & (
            np.arange(scores.shape[1]) < targets[:, None])
        rank = 1 + ahead + ties.sum(axis=1)
        rank[(targets < 0) | ~np.isfinite(target_scores)] = 0
        ranks[start:start + len(part)] = rank
    return ranks


def rank_metrics(ranks, k):
    """{"hit_rate", "mrr", "cases"} at ``k`` from ranks (0 = not ranked, a miss)."""
    ranks = np.asarray(ranks)
    hits = (ranks >= 1) & (ranks <= k)
    cases = len(ranks)
    return {"hit_rate": float(hits.sum() / cases) if cases else 0.0,
            "mrr": float((1.0 / ranks[hits]).sum() / cases) if cases else 0.0,
            "cases": cases}


#: How many items must show it before :func:`leak_evidence` says the vectors saw the hidden
#: items: neighbours in the vocabulary order whose full-line counts differ (an unrelated order
#: puts about half of them the wrong way round, so all of 10 right is a 1 in 1000 chance), or
#: items whose count is that of the full lines.
MIN_EVIDENCE = 10


def _order(counts_in_order):
    """(breaks, descents): how many neighbours in a vocabulary's order have a rarer word before
    a more frequent one, and how many a more frequent one before a rarer one."""
    counts = np.asarray(counts_in_order, dtype=np.int64)
    return int((counts[1:] > counts[:-1]).sum()), int((counts[1:] < counts[:-1]).sum())


def leak_evidence(kv, lines, trained_on=(), sessions=None):
    """Reasons to think that vectors ``kv`` were trained on the items that
    :func:`evaluate_leave_last_out` hides (then the test measures recall of training data, not
    prediction); an empty list when nothing shows it.

    The protocol needs vectors trained without the last item of each line: on
    :func:`leave_last_out`'s training lines, or on other data (an earlier period's sessions).
    Vectors trained on ``lines`` themselves give themselves away:

    * ``trained_on`` (the corpus files a saved model or checkpoint recorded) names
      ``sessions``, the file ``lines`` were read from;
    * their order (word2vec, gensim and w2vns write words most frequent first) is a frequency
      order of the full lines and not one of the training lines;
    * or else their counts (``kv.counts``, kept by w2vns folders and saved models) are the
      counts of the full lines, not of the training lines, for the items the hidden ones
      change.

    The last two need :data:`MIN_EVIDENCE` items showing it (ties in the counts show nothing).

    Items the vectors know that occur only as hidden items are named as a detail: alone they
    prove nothing (vectors trained on other data may know them).
    """
    reasons = []
    if sessions is not None and sessions != "-":
        for path in trained_on or ():
            try:
                same = os.path.samefile(path, sessions)
            except OSError:
                same = os.path.abspath(path) == os.path.abspath(sessions)
            if same:
                reasons.append("the model was trained on %s itself (its saved corpus)"
                               % sessions)
                break
    training, cases = leave_last_out(lines)
    train_counts = Counter(item for line in training for item in line)
    full_counts = Counter(item for line in lines for item in line)
    index = kv.key_to_index
    in_file = [(row, item) for item, row in index.items() if item in full_counts]
    in_file.sort()
    changed = [item for _row, item in in_file if full_counts[item] != train_counts[item]]
    order = [item for _row, item in in_file]
    full_breaks, full_descents = _order([full_counts[i] for i in order])
    counts = getattr(kv, "counts", None)
    if (changed and full_breaks == 0 and full_descents >= MIN_EVIDENCE
            and _order([train_counts[i] for i in order])[0] > 0):
        # Checked first, so that a file and the saved model it came from give the same reason.
        reasons.append("its vocabulary is in the frequency order of the full lines, not of the "
                       "lines without their last item")
    elif counts is not None and changed:
        full = sum(int(counts[index[item]]) == full_counts[item] for item in changed)
        train = sum(int(counts[index[item]]) == train_counts[item] for item in changed)
        if full >= MIN_EVIDENCE and full > max(train, len(changed) // 2):
            reasons.append("its counts are those of the full lines for %d of the %d items "
                           "whose count the hidden items change" % (full, len(changed)))
    if reasons:
        hidden_only = {target for _basket, target in cases if target not in train_counts}
        known = sum(1 for item in hidden_only if item in index)
        if known:
            reasons.append("it knows %d of the %d items that occur only as hidden items"
                           % (known, len(hidden_only)))
    return reasons


#: The scorings evaluate-rec's "auto" picks from, as (scoring, recency half-life, popularity
#: weight).  Cosine with the popularity prior (:class:`Recommender`) at recency 1: where the
#: next item is often a popular one (histories shaped like a ratings data set's) it ranked
#: first on held-out splits, and only at that recency (docs/recommendation.md).
SCORINGS = (("output", 0.0, 0.0), ("output", 1.0, 0.0), ("output", 4.0, 0.0),
            ("cosine", 0.0, 0.0), ("cosine", 1.0, 0.0), ("cosine", 4.0, 0.0),
            ("cosine", 1.0, 0.05), ("cosine", 1.0, 0.1))
#: The noise powers "auto" picks from, one model each: 0 first (the items preset's, so that a
#: tie keeps it), then word2vec's 0.75, then -0.5 (rare items drawn more often), which long
#: sessions can reward (docs/recommendation.md).
NOISE_POWERS = (0.0, 0.75, -0.5)
#: The context sides "auto" picks from, one model per side and noise power: word2vec's both
#: sides first (so that a tie keeps it), then the items before each one only, which learns
#: what follows what: on histories in time order (reviews, plays) it ranked the next item
#: better, on unordered baskets worse (docs/recommendation.md).
CONTEXT_SIDES = ("both", "before")
#: The dimensions "auto" tries once the side and the noise power are picked, one model each
#: with those: 100 first (text's and the preset's, so that a tie keeps it), then 32, which
#: ranked the next item better on histories of tens of items from a few tastes (a ratings
#: data set's shape), then 200, better on real catalogues of thousands of items seen a few
#: times each; neither won everywhere (docs/recommendation.md).
DIMS = (100, 32, 200)
#: The updates of short windows "auto" tries last, once the rest is picked and only where the
#: pick scores by cosine: the fast kernel's summed step first (so that a tie keeps it), then
#: steps context by context (--context-steps sequential), which gave the input vectors, and
#: so cosine scoring, a better ranking on sessions of about 10 items; output scorings did not
#: gain anywhere measured (docs/recommendation.md).
CONTEXT_STEPS = ("summed", "sequential")
#: The pick takes the first candidate (sides, powers, then scorings, in the orders above, then
#: the other dimensions' candidates) whose held-out hit rate is within this many standard
#: errors of the best one's: on small data sets the best on the held-out split is often best
#: by chance, and a candidate of the preset's noise power then serves as well
#: (docs/recommendation.md).
PICK_STANDARD_ERRORS = 1.0
#: At most this many held-out cases rank the candidates (a random sample beyond it).
SELECTION_CASES = 10000
#: The pick hides up to this many last items of each line, one per 10 items (:func:`hide_last`):
#: on few long lines one hidden item a line is too few cases to tell the candidates apart
#: (docs/recommendation.md), and lines of under 20 items still hide only their last.
HIDDEN_PER_LINE = 5


def describe_scoring(scoring, recency, noise_power=None, popularity=0.0, context_side=None,
                     dim=None, context_steps=None):
    """'output', 'cosine, recency 4', 'cosine, recency 1, popularity 0.05, noise power 0.75',
    'output, noise power 0, contexts before, dim 32', 'cosine, dim 32, steps sequential' ...
    for messages."""
    text = scoring if not recency else "%s, recency %g" % (scoring, recency)
    text = text if not popularity else "%s, popularity %g" % (text, popularity)
    text = text if noise_power is None else "%s, noise power %g" % (text, noise_power)
    text = text if context_side is None else "%s, contexts %s" % (text, context_side)
    text = text if dim is None else "%s, dim %d" % (text, dim)
    return text if context_steps is None else "%s, steps %s" % (text, context_steps)


def scoring_triple(candidate):
    """``(scoring, recency, popularity)`` of a candidate given as such a triple or as a pair
    ``(scoring, recency)`` (popularity 0)."""
    scoring, recency, popularity = (tuple(candidate) + (0.0,))[:3]
    return scoring, float(recency), float(popularity)


def sample_cases(cases, max_cases=None):
    """``cases``, or a random sample of ``max_cases`` of them (seed 0, in their order)."""
    if max_cases is None or len(cases) <= max_cases:
        return cases
    picked = sorted(random.Random(0).sample(range(len(cases)), max_cases))
    return [cases[i] for i in picked]


def values_to_try(given, train_params, name, default, what):
    """The values of training parameter ``name`` a pick trains with, as a tuple: ``given`` if
    not None; otherwise ``train_params``' own ``name`` alone when it has one (the caller fixed
    it), else ``default``.  ValueError for none at all (``what`` names them)."""
    if given is None:
        given = (train_params[name],) if name in train_params else default
    values = tuple(given)
    if not values:
        raise ValueError("give at least one %s to choose from" % what)
    return values


def noise_powers_to_try(noise_powers, train_params):
    """The noise powers a pick trains with (:func:`values_to_try`, default
    :data:`NOISE_POWERS`).  A loss that draws no noise words (hs, softmax) gets the first
    power only: the power changes nothing there."""
    powers = tuple(float(p) for p in values_to_try(
        noise_powers, train_params, "noise_power", NOISE_POWERS, "noise power"))
    if not get_loss(train_params.get("loss", "sgns")).needs_negatives:
        powers = powers[:1]
    return powers


def context_sides_to_try(context_sides, train_params):
    """The context sides a pick trains with (:func:`values_to_try`, default
    :data:`CONTEXT_SIDES`)."""
    return values_to_try(context_sides, train_params, "context_side", CONTEXT_SIDES,
                         "context side")


def dims_to_try(dims, train_params):
    """The dimensions a pick trains with (:func:`values_to_try`, default :data:`DIMS`)."""
    return tuple(int(d) for d in values_to_try(dims, train_params, "dim", DIMS, "dimension"))


def context_steps_to_try(context_steps, train_params):
    """The updates of short windows a pick trains with (:func:`values_to_try`, default
    :data:`CONTEXT_STEPS`); the reference kernel, which steps pair by pair whatever the
    option, gets the first only."""
    steps = values_to_try(context_steps, train_params, "context_steps", CONTEXT_STEPS,
                          "context steps")
    return steps[:1] if train_params.get("kernel") == "reference" else steps


def candidate_ranks(model, cases, candidates=SCORINGS):
    """(candidates x cases) ranks (:func:`model_ranks`) of ``cases`` by each ``(scoring,
    recency, popularity)`` candidate with ``model`` (anything with ``wv``, ``syn1neg`` and
    ``output_bias``: output scoring uses the latter two)."""
    rows = []
    for scoring, recency, popularity in map(scoring_triple, candidates):
        output = model.syn1neg if scoring == "output" else None
        bias = model.output_bias if scoring == "output" else None
        rows.append(model_ranks(model.wv, cases, output, output_bias=bias, recency=recency,
                                popularity=popularity))
    return np.array(rows).reshape(len(rows), len(cases))


def first_within_noise(hits, best, standard_errors=PICK_STANDARD_ERRORS):
    """The index of the first row of ``hits`` (candidates x cases, 1 for a hit) whose hit rate
    is as high as row ``best``'s or less than ``standard_errors`` standard errors below it,
    the standard error being that of the mean per-case difference from ``best`` (paired: the
    same cases for all); ``best`` itself when no row before it is, and always with 0 standard
    errors."""
    if standard_errors <= 0:
        return best
    hits = np.asarray(hits, dtype=np.float64)
    cases = hits.shape[1]
    for i, row in enumerate(hits[:best]):
        difference = hits[best] - row
        error = difference.std(ddof=1) / np.sqrt(cases) if cases > 1 else 0.0
        if difference.mean() <= 0 or difference.mean() < standard_errors * error:
            return i
    return best


def choose_settings(lines, k=10, candidates=SCORINGS, noise_powers=None,
                    max_cases=SELECTION_CASES, hidden_per_line=HIDDEN_PER_LINE, progress=None,
                    trainer=None, standard_errors=PICK_STANDARD_ERRORS, context_sides=None,
                    dims=None, steps_to_try=None, **train_params):
    """The scoring, recency, noise power, context side, dimension and context steps that rank
    best on a held-out split of ``lines``, for lines whose last item is to be predicted: the
    last items of each line are hidden (:func:`hide_last`: one per 10 items, at least 1, at
    most ``hidden_per_line``), one model per context side and noise power
    (:func:`context_sides_to_try`, :func:`noise_powers_to_try`: by default each of
    :data:`CONTEXT_SIDES` and of :data:`NOISE_POWERS`, or ``train_params``' ``context_side``
    or ``noise_power`` alone when given) is trained on the rest with ``train_params`` and the
    first dimension (:func:`dims_to_try`: :data:`DIMS`, or ``train_params``' ``dim`` alone
    when given), and every ``(scoring, recency, popularity)`` candidate (a pair ``(scoring,
    recency)`` has popularity 0) ranks up to ``max_cases`` of the hidden items (a random
    sample, seed 0), each from the items before it, with each model.  The best is the one
    with the highest hit rate@k (MRR@k breaks ties, then the order); the pick is the first
    candidate, in the order of the sides, the powers and ``candidates``, whose hit rate is
    within ``standard_errors`` standard errors of the best's (:func:`first_within_noise`), so
    that a candidate ahead by chance alone does not displace the first ones.  Then one model
    per other dimension is trained with the picked side and power, its candidates join the
    others (after them, in the order of the dimensions), and the pick is made again over all.
    Last, if the pick scores by cosine, one model per other update of short windows
    (:func:`context_steps_to_try`: ``steps_to_try``, by default :data:`CONTEXT_STEPS`, or
    ``train_params``' ``context_steps`` alone when given) with the rest of the pick, in the
    same way.

    Why: which settings predict best depend on the data (measured in docs/recommendation.md):
    output scoring with uniform noise ranks popular items up, which short baskets reward and
    long sessions do not; recent items say more about the next one in some sessions than in
    others; a popularity prior on cosine pays where the next item is often a popular one; on
    long sessions other noise powers than 0 pay; on histories in time order the contexts before
    an item alone pay.  The first within noise of the best, not the best: on a thousand lines
    the held-out best changed with the training seed and often ranked the test items worse
    than the first candidates did.  Several hidden items a line:
    on a few hundred long lines, one case a line leaves a hit rate's standard error near the
    differences between the candidates, and the pick then often falls on a worse one.
    The dimension after the rest: how many dimensions pay depends on the data too (fewer on
    histories from a few tastes, more on large catalogues), and a model per dimension for
    each side and power would more than double the pick's time.  The context steps only
    with cosine: they change the input vectors that cosine ranks by, and output scorings,
    the pick on short real baskets, did not gain from them.
    Returns ``{"scoring", "recency", "popularity", "noise_power", "noise_powers",
    "context_side", "context_sides", "dim", "dims", "context_steps", "context_steps_tried",
    "candidates": [{"context_side", "noise_power", "dim", "context_steps", "scoring",
    "recency", "popularity", "hit_rate", "mrr"}], "picked" and "best" (indexes into the
    candidates), "standard_errors", "cases", "hidden_per_line", "train_seconds"}``
    (``context_steps_tried``: those a model was trained with; ``train_seconds``: the models'
    training, all together).

    ``trainer``: what trains the models, called as ``trainer(lines, progress=progress,
    **train_params)`` with ``noise_power``, ``context_side``, ``dim`` and ``context_steps``
    among the parameters; it returns a model with ``wv``, ``syn1neg``, ``output_bias`` (or None) and
    ``report["train_seconds"]``.  Default :func:`w2vns.train`; another trainer makes the
    same pick for another tool's models (the benchmarks pick for gensim this way, with
    ``context_sides=("both",)`` and ``steps_to_try=("summed",)``).
    """
    training, cases = hide_last(lines, hidden_per_line)
    if not cases:
        raise TooShortToChoose("no line has three or more items: nothing to choose a scoring "
                               "by")
    cases = sample_cases(cases, max_cases)
    powers = noise_powers_to_try(noise_powers, train_params)
    sides = context_sides_to_try(context_sides, train_params)
    sizes = dims_to_try(dims, train_params)
    steps = context_steps_to_try(steps_to_try, train_params)
    results, hits, seconds = [], [], 0.0

    def add_model(side, power, dim, step=steps[0]):
        nonlocal seconds
        model = (trainer or train)(training, progress=progress, **dict(
            train_params, noise_power=power, context_side=side, dim=dim, context_steps=step))
        seconds += model.report["train_seconds"]
        ranks = candidate_ranks(model, cases, candidates)
        hits.extend((ranks >= 1) & (ranks <= k))
        for (scoring, recency, popularity), row in zip(map(scoring_triple, candidates), ranks):
            metrics = rank_metrics(row, k)
            results.append({"context_side": side, "noise_power": power, "dim": dim,
                            "context_steps": step, "scoring": scoring, "recency": recency,
                            "popularity": popularity,
                            "hit_rate": metrics["hit_rate"], "mrr": metrics["mrr"]})

    def pick():
        best = max(range(len(results)),
                   key=lambda i: (results[i]["hit_rate"], results[i]["mrr"], -i))
        return first_within_noise(hits, best, standard_errors), best

    for side, power in itertools.product(sides, powers):
        add_model(side, power, sizes[0])
    picked, best = pick()
    if len(sizes) > 1:
        side, power = results[picked]["context_side"], results[picked]["noise_power"]
        for dim in sizes[1:]:
            add_model(side, power, dim)
        picked, best = pick()
    tried = steps[:1]
    if len(steps) > 1 and results[picked]["scoring"] == "cosine":
        chosen = results[picked]
        for step in steps[1:]:
            add_model(chosen["context_side"], chosen["noise_power"], chosen["dim"], step)
        tried = steps
        picked, best = pick()
    chosen = results[picked]
    return {"scoring": chosen["scoring"], "recency": chosen["recency"],
            "popularity": chosen["popularity"],
            "noise_power": chosen["noise_power"], "noise_powers": list(powers),
            "context_side": chosen["context_side"], "context_sides": list(sides),
            "dim": chosen["dim"], "dims": list(sizes),
            "context_steps": chosen["context_steps"], "context_steps_tried": list(tried),
            "candidates": results, "picked": picked, "best": best,
            "standard_errors": standard_errors, "cases": len(cases),
            "hidden_per_line": hidden_per_line, "train_seconds": seconds}


def evaluate_leave_last_out(lines, k=10, kv=None, scoring="cosine", recency=0.0,
                            popularity=0.0, candidates=SCORINGS, noise_powers=None, max_cases=None,
                            progress=None, trained_on=(), sessions=None,
                            standard_errors=PICK_STANDARD_ERRORS, context_sides=None,
                            dims=None, steps_to_try=None, **train_params):
    """Leave-last-out next-item evaluation of ``lines`` (lists of item keys).

    With ``kv`` the given vectors are scored (they must not have seen the last item of each
    line: ``result["leak"]`` lists the reasons to think they did, see :func:`leak_evidence`,
    which ``trained_on`` and ``sessions`` are for); otherwise vectors are trained on the
    training lines with ``train_params`` (:func:`w2vns.train`'s parameters).  ``scoring``:
    "cosine" (to the mean unit vector of the basket), "output" (the trained output vectors,
    see :class:`Recommender`; needs training) or "auto" (needs training): the scoring, recency,
    noise power, context side, dimension and context steps that :func:`choose_settings` picks
    from ``candidates``, ``noise_powers``, ``context_sides``, ``dims`` and ``steps_to_try``
    (the first within
    ``standard_errors`` standard errors of the best) on the training lines, whose own last
    items are then hidden (up to ``HIDDEN_PER_LINE`` of them, see :func:`hide_last`; the test
    items are never seen); a ``noise_power``, ``context_side``, ``dim`` or ``context_steps``
    in ``train_params`` fixes it (then the rest is picked), as ``--noise-power``,
    ``--context-side``, ``--dim`` and ``--context-steps`` do on the command line.
    ``recency``, ``popularity``: see :class:`Recommender` (auto picks its own).
    ``max_cases``: rank the hidden items of a random sample of that many lines only
    (:func:`sample_cases`; all lines still train).
    Returns ``{"k", "scoring", "recency", "popularity_weight" (the popularity prior's weight;
    "popularity" is the baseline's figures), "noise_power", "context_side", "dim" and
    "context_steps" (of the training; None with ``kv``),
    "lines", "cases", "model": {"hit_rate", "mrr", ...}, "popularity": {...}, "train": report
    or None, "selection": choose_settings's result or None, "leak": [reasons], "seconds"}``.
    A hidden item that repeats one of its basket's items, or that the vectors do not know, is
    a miss.
    """
    started = time.perf_counter()
    training, cases = leave_last_out(lines)
    if not cases:
        raise ValueError(no_cases_message(lines))
    if scoring not in ("cosine", "output", "auto"):
        raise ValueError("scoring must be 'cosine', 'output' or 'auto' (got %r)" % (scoring,))
    if scoring != "cosine" and kv is not None:
        raise ValueError("%s scoring needs output vectors: train instead of giving vectors"
                         % scoring)
    hs = train_params.get("loss") == "hs"
    if scoring == "output" and hs:
        raise ValueError("output scoring needs an output vector per item, and the hs loss has "
                         "none (its output layer is a tree): use cosine scoring (--scoring cosine)")
    report = output = bias = selection = None
    if scoring == "auto":
        if hs:  # no output vectors: the pick is among the cosine scorings
            candidates = ([c for c in candidates if c[0] == "cosine"]
                          or [("cosine", recency, popularity)])
        selection = choose_settings(training, k, candidates, noise_powers, progress=progress,
                                    standard_errors=standard_errors,
                                    context_sides=context_sides, dims=dims,
                                    steps_to_try=steps_to_try, **train_params)
        scoring, recency = selection["scoring"], selection["recency"]
        popularity = selection["popularity"]
        train_params = dict(train_params, noise_power=selection["noise_power"],
                            context_side=selection["context_side"], dim=selection["dim"],
                            context_steps=selection["context_steps"])
    leak = [] if kv is None else leak_evidence(kv, lines, trained_on, sessions)
    if kv is None:
        model = train(training, progress=progress, **train_params)
        kv, report = model.wv, model.report
        if scoring == "output":
            output, bias = model.syn1neg, model.output_bias
    scored = time.perf_counter()
    ranked = sample_cases(cases, max_cases)
    model = rank_metrics(model_ranks(kv, ranked, output, output_bias=bias, recency=recency,
                                     popularity=popularity), k)
    model["seconds"] = time.perf_counter() - scored
    model["vocab_size"] = len(kv.index_to_key)
    power = side = dim = steps = None
    if report is not None:
        power, side = report["params"]["noise_power"], report["params"]["context_side"]
        dim, steps = report["params"]["dim"], report["params"]["context_steps"]
    return {"k": k, "scoring": scoring, "recency": recency, "popularity_weight": popularity,
            "noise_power": power, "context_side": side, "dim": dim, "context_steps": steps,
            "lines": len(lines), "cases": len(cases),
            "repeats": sum(1 for basket, target in cases if target in basket),
            "model": model, "popularity": rank_metrics(popularity_ranks(training, ranked), k),
            "train": report, "selection": selection, "leak": leak,
            "seconds": time.perf_counter() - started}


def no_cases_message(lines):
    """Why ``lines`` give leave-last-out nothing to hide, for the error message: every line
    holds fewer than two items.  Lines whose one item holds commas are most likely a CSV
    event log, which needs one line per user first."""
    text = "no line has two or more items separated by spaces: nothing to evaluate"
    if any(len(line) == 1 and "," in line[0] for line in lines):
        text += (" (the lines hold commas: an event log in CSV needs one line per user, "
                 "items in time order, first; see docs/recommendation.md)")
    return text


def load_recommender(path, scoring=None, recency=0.0, popularity=0.0):
    """A :class:`Recommender` for ``path``.

    A saved-model or checkpoint folder (``w2vns train --save-model DIR``) holds the output
    vectors too (and an NCE model's output biases), so its recommendations are the model's own
    prediction (output scoring) unless ``scoring`` is "cosine"; a vectors file has only the
    input vectors and is ranked by cosine, and so is a hierarchical-softmax model (``syn1``:
    its output layer is a tree, with no output vector per item); ``scoring="output"`` is a
    ValueError for those.  ``recency``, ``popularity``: see :class:`Recommender`.
    """
    if scoring not in (None, "output", "cosine"):
        raise ValueError("scoring must be 'output' or 'cosine' (got %r)" % (scoring,))
    if os.path.isfile(os.path.join(path, "checkpoint.json")):
        saved = load(path)
        kv = KeyedVectors(saved.vocab.keys(), np.ascontiguousarray(saved.syn0),
                          counts=saved.vocab.counts)
        if "syn1" in saved.extras:
            if scoring == "output":
                raise ValueError("output scoring needs an output vector per item, and %s is a "
                                 "hierarchical-softmax model (its output layer is a tree)"
                                 % path)
            return Recommender(kv, recency=recency, popularity=popularity)
        if scoring == "cosine":
            return Recommender(kv, recency=recency, popularity=popularity)
        return Recommender(kv, output=saved.syn1neg, output_bias=saved.output_bias,
                           recency=recency, popularity=popularity)
    if scoring == "output":
        raise ValueError("output scoring needs a saved model (train --save-model DIR): %s holds "
                         "input vectors only" % path)
    return Recommender(KeyedVectors.load(path), recency=recency, popularity=popularity)
