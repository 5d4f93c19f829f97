"""Held-out log-likelihood: how well a model predicts (word, context) pairs of text it did
not train on, as a normalised probability distribution over the vocabulary.

The model predicts the centre word w of a pair from its context c, as training scores them.
Its probability is the exact softmax of its own scores over the whole vocabulary,

    log p(w | c) = s(w, c) - log sum_v exp s(v, c),   s(v, c) = wv[c] . syn1neg[v] (+ b_v),

b_v being NCE's learned output bias where the model has one; for hierarchical softmax it is
the product of the branch probabilities on w's path in the Huffman tree (normalised by
construction). The figures are the mean cross-entropy -log p per pair (nats and bits) and
its exponential, the perplexity: lower is better; a uniform guess scores log V.

Softmax, sampled softmax and NCE estimate normalised models and should score well here; SGNS
learns a shifted PMI (Levy & Goldberg 2014) whose softmax is not what it was trained to be,
and shows it. ``mean_log_partition`` (the mean log sum_v exp s(v, c) over the pairs'
contexts) says how far a model is from self-normalised (0: the raw scores are already
log-probabilities, as NCE's fixed Z = 1 assumes).

The pairs are drawn from the held-out lines as training sees them (``tune.heldout_pairs``:
words outside the vocabulary dropped, the model's subsampling, a reduced window drawn per
centre word), deterministically from a seed, so that every model is scored on the same pairs.
"""
import dataclasses
import math
import time

import numpy as np

from ..training.huffman import huffman_tree
from .tune import heldout_pairs, read_lines

#: Pairs scored by default: the mean's standard error is then ~0.01-0.02 nats (the per-pair
#: cross-entropy's spread is a few nats), and two models scored on the same pairs differ by
#: much less noise than that.
HELDOUT_MAX_PAIRS = 50000
#: Distinct contexts whose scores over the vocabulary are computed at once (contexts x V
#: float32: 256 x 100k words is 100 MB).
CONTEXT_BLOCK = 256
#: Pairs whose paths are scored at once under hierarchical softmax.
PAIR_BLOCK = 4096


@dataclasses.dataclass
class HeldoutResult:
    """Held-out figures of one model (see the module docstring)."""

    pairs: int
    cross_entropy: float          # nats per pair
    perplexity: float
    mean_log_partition: "float | None"  # None for hierarchical softmax (normalised)
    lines: int
    vocab_size: int
    seconds: float = 0.0

    @property
    def bits(self):
        return self.cross_entropy / math.log(2)

    def as_dict(self):
        return dict(dataclasses.asdict(self), bits=self.bits)


def softmax_log_probs(syn0, syn1neg, centre, context, output_bias=None,
                      block=CONTEXT_BLOCK):
    """(log p(centre | context), log Z(context)) per pair, float64 arrays: the exact softmax of
    the scores ``syn0[context] . syn1neg[v] (+ output_bias[v])`` over every word v.

    The normaliser is computed once per distinct context, ``block`` contexts at a time (a
    float32 matrix product, then a log-sum-exp after subtracting each row's largest score,
    summed in float64)."""
    centre, context = np.asarray(centre, np.int64), np.asarray(context, np.int64)
    contexts, which = np.unique(context, return_inverse=True)
    log_z = np.empty(len(contexts))
    output = np.asarray(syn1neg, dtype=np.float32)
    bias = None if output_bias is None else np.asarray(output_bias, dtype=np.float32)
    for start in range(0, len(contexts), block):
        inputs = np.asarray(syn0[contexts[start:start + block]], dtype=np.float32)
        scores = inputs @ output.T
        if bias is not None:
            scores += bias
        top = scores.max(axis=1)
        scores -= top[:, None]
        np.exp(scores, out=scores)
        log_z[start:start + block] = top + np.log(scores.sum(axis=1, dtype=np.float64))
    true = np.einsum("ij,ij->i", np.asarray(syn0[context], np.float64),
                     np.asarray(output[centre], np.float64))
    if bias is not None:
        true += bias[centre]
    return true - log_z[which], log_z[which]


def tree_log_probs(syn0, syn1, tree, centre, context, block=PAIR_BLOCK):
    """log p(centre | context) per pair under hierarchical softmax: the sum over the centre's
    path of log sigmoid(+-wv[context] . syn1[node]) (+ for code 0, the branch word2vec
    labels 1; - for code 1). ``tree``: a ``huffman.HuffmanTree``."""
    centre, context = np.asarray(centre, np.int64), np.asarray(context, np.int64)
    points, codes, mask = tree.padded()
    out = np.empty(len(centre))
    for start in range(0, len(centre), block):
        c = centre[start:start + block]
        rows = np.asarray(syn1, np.float64)[points[c]]          # pairs x depth x d
        scores = np.einsum("pld,pd->pl", rows, np.asarray(syn0[context[start:start + block]],
                                                           np.float64))
        signed = np.where(codes[c] == 0, scores, -scores)
        out[start:start + block] = -(np.logaddexp(0, -signed) * mask[c]).sum(axis=1)
    return out


def pair_log_probs(weights, counts, centre, context):
    """(log p(centre | context) per pair, log Z per pair or None) under a model's ``weights``
    (``Weights``: with an inner-node matrix ``syn1``, the hierarchical softmax over the
    Huffman tree of ``counts``; otherwise the exact softmax of syn0 . syn1neg plus the
    ``output_bias`` it may have)."""
    syn1 = weights.extras.get("syn1")
    if syn1 is not None:
        return tree_log_probs(weights.syn0, syn1, huffman_tree(counts), centre, context), None
    return softmax_log_probs(weights.syn0, weights.syn1neg, centre, context,
                             weights.extras.get("output_bias"))


def evaluate_heldout(model, heldout, max_pairs=HELDOUT_MAX_PAIRS, seed=1, window=None,
                     sample=None):
    """The held-out cross-entropy of ``model`` on ``heldout`` (a path, or a list of lines);
    returns a ``HeldoutResult``.

    ``model``: a saved model or checkpoint (``checkpoint.load``) or a trained
    ``Word2VecModel``: anything with ``vocab``, ``weights`` and ``params`` (the output matrix
    is needed, so a vectors file is not enough). ``window`` and ``sample`` default to the
    model's own; ``max_pairs`` and ``seed`` choose the pairs (see the module docstring).
    Raises ValueError when no pair of the held-out text has both words in the vocabulary.
    """
    started = time.perf_counter()
    params = model.params if isinstance(model.params, dict) else dataclasses.asdict(model.params)
    window = params.get("window", 5) if window is None else window
    sample = params.get("sample", 1e-3) if sample is None else sample
    if isinstance(heldout, (list, tuple)):
        lines = [line.encode("utf-8", "surrogateescape") if isinstance(line, str) else line
                 for line in heldout]
    else:
        lines, _tokens = read_lines(heldout)
    # window 0 (whole-line contexts, baskets): a window as long as the longest line.
    reach = window if window > 0 else max(len(line.split()) for line in lines)
    centre, context, _ = heldout_pairs(lines, model.vocab, reach, sample, seed,
                                       max_pairs=max_pairs, noise=0)
    if len(centre) == 0:
        raise ValueError("no held-out pair has both words in the model's vocabulary")
    log_p, log_z = pair_log_probs(model.weights, model.vocab.counts, centre, context)
    cross_entropy = float(-log_p.mean())
    return HeldoutResult(
        pairs=int(len(centre)), cross_entropy=cross_entropy,
        perplexity=float(math.exp(cross_entropy)),
        mean_log_partition=None if log_z is None else float(log_z.mean()),
        lines=len(lines), vocab_size=len(model.vocab),
        seconds=time.perf_counter() - started)
