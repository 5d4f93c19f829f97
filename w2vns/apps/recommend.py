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
import os
import time
from collections import Counter

import numpy as np

from ..corpus.encode import check_text
from ..io.files import open_input
from ..training.api import train
from ..training.checkpoint import load
from ..vectors.keyed import KeyedVectors

__all__ = ["Recommender", "read_baskets", "leave_last_out", "popularity_ranks",
           "evaluate_leave_last_out"]

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
    """

    def __init__(self, kv, output=None, output_bias=None):
        if output_bias is not None and output is None:
            raise ValueError("output biases go with output vectors (output scoring)")
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
        if output_bias is not None:
            self.bias = np.zeros(self.padded, dtype=np.float32)
            self.bias[:count] = np.asarray(output_bias, dtype=np.float32)[:count]
        self.count = count

    def indexes(self, basket):
        """(row indexes of the known items, the unknown items) of a basket."""
        known, unknown = [], []
        for item in basket:
            row = self.index.get(item)
            (unknown if row is None else known).append(item if row is None else row)
        return known, unknown

    def scores(self, rows_per_basket, exclude=()):
        """Cosine of every item to each basket given as row indexes: a (B, padded) float32 array.

        The basket's own items, the rows in ``exclude`` and the padding score -inf; a basket
        with no rows scores -inf everywhere.
        """
        sizes = np.array([len(rows) for rows in rows_per_basket], dtype=np.int64)
        flat = np.fromiter((r for rows in rows_per_basket for r in rows), dtype=np.int64,
                           count=int(sizes.sum()))
        owner = np.repeat(np.arange(len(sizes)), sizes)
        query = np.zeros((len(sizes), self.targets.shape[1]), dtype=np.float32)
        np.add.at(query, owner, self.inputs[flat])
        lengths = np.linalg.norm(query, axis=1)
        query /= (np.where(lengths > 0, lengths, 1) if self.cosine else
                  np.maximum(sizes, 1))[:, None]
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
    the case ``(those items, the last item)``; shorter lines are training lines as they are.
    """
    training, cases = [], []
    for line in lines:
        if len(line) >= 2:
            training.append(line[:-1])
            cases.append((line[:-1], line[-1]))
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


def model_ranks(kv, cases, output=None, block=BLOCK, output_bias=None):
    """The rank (1 = first) of each case's hidden item among the items of ``kv`` by cosine to
    the mean unit vector of the basket's known items, the basket excluded (ties: vocabulary
    order); 0 when it cannot be ranked (hidden item unknown or repeated from the basket, or no
    basket item known).  ``output`` (and ``output_bias``): score with output vectors, see
    :class:`Recommender`."""
    recommender = Recommender(kv, output, output_bias)
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


def evaluate_leave_last_out(lines, k=10, kv=None, scoring="cosine", progress=None,
                            **train_params):
    """Leave-last-out next-item evaluation of ``lines`` (lists of item keys).

    With ``kv`` the given vectors are scored; otherwise vectors are trained on the training
    lines with ``train_params`` (:func:`w2vns.train`'s parameters).  ``scoring``: "cosine" (to
    the mean unit vector of the basket) or "output" (the trained output vectors, see
    :class:`Recommender`; needs training).  Returns
    ``{"k", "lines", "cases", "model": {"hit_rate", "mrr", ...}, "popularity": {...},
    "train": report or None, "seconds"}``.  A hidden item that repeats one of its basket's
    items, or that the vectors do not know, is a miss.
    """
    started = time.perf_counter()
    training, cases = leave_last_out(lines)
    if not cases:
        raise ValueError("no line has two or more items: nothing to evaluate")
    if scoring not in ("cosine", "output"):
        raise ValueError("scoring must be 'cosine' or 'output' (got %r)" % (scoring,))
    if scoring == "output" and kv is not None:
        raise ValueError("output scoring needs output vectors: train instead of giving vectors")
    if scoring == "output" and train_params.get("loss") == "hs":
        raise ValueError("output scoring needs an output vector per item, and the hs loss has "
                         "none (its output layer is a tree): use cosine scoring (--scoring cosine)")
    report = output = bias = None
    if kv is None:
        model = train(training, progress=progress, **train_params)
        kv, report = model.wv, model.report
        if scoring == "output":
            output, bias = model.syn1neg, model.output_bias
    scored = time.perf_counter()
    model = rank_metrics(model_ranks(kv, cases, output, output_bias=bias), k)
    model["seconds"] = time.perf_counter() - scored
    model["vocab_size"] = len(kv.index_to_key)
    return {"k": k, "scoring": scoring, "lines": len(lines), "cases": len(cases),
            "repeats": sum(1 for basket, target in cases if target in basket),
            "model": model, "popularity": rank_metrics(popularity_ranks(training, cases), k),
            "train": report, "seconds": time.perf_counter() - started}


def load_recommender(path):
    """A :class:`Recommender` for ``path``.

    A saved-model or checkpoint folder (``w2vns train --save-model DIR``) holds the output
    vectors too (and an NCE model's output biases), so its recommendations are the model's own
    prediction (output scoring, the better ranking in docs/recommendation.md's measurements); a vectors
    file has only the input vectors and is ranked by cosine, and so is a hierarchical-softmax
    model (``syn1``: its output layer is a tree, with no output vector per item).
    """
    if os.path.isfile(os.path.join(path, "checkpoint.json")):
        saved = load(path)
        if "syn1" in saved.extras:
            return Recommender(KeyedVectors(saved.vocab.keys(), np.ascontiguousarray(saved.syn0),
                                            counts=saved.vocab.counts))
        kv = KeyedVectors(saved.vocab.keys(), np.ascontiguousarray(saved.syn0),
                          counts=saved.vocab.counts)
        return Recommender(kv, output=saved.syn1neg, output_bias=saved.output_bias)
    return Recommender(KeyedVectors.load(path))
