"""The loss registry: the one place that names the losses w2vns trains with.

A loss is what the kernel's objective optimises (fastText's ``Loss`` classes and
scikit-learn's ``CyLossFunction`` play the same part): how the targets of a centre word are
chosen and how their scores turn into gradients. Its entry here says everything the rest of
the package needs to know about it:

- ``name`` (``--loss NAME``) and ``help`` (the CLI's help text is built from it);
- ``objective``: the kernel objective that implements it (``_kernel.OBJECTIVES``);
- ``needs_negatives``: whether it draws noise words (``negative`` >= 1 is then required);
- ``noise_variants``: whether hard and self-adversarial negatives apply to it (they re-pick
  or reweight the noise words of a logistic loss);
- ``extras(params)``: the learned arrays it adds to the model besides the input and output
  vectors (NCE's per-word output biases, HS's inner-node matrix), which checkpoints and saved
  models keep;
- ``tables(counts, params)``: arrays it derives from the counts for the kernel (not saved: a
  saved model's counts give them again);
- ``max_targets(vocab_size, params, tables)``: the most outputs one centre word is scored
  against;
- ``check(vocab_size, params)``: ValueError when the loss cannot train a vocabulary of that
  size with these parameters (called once the vocabulary is known).

Parameter validation, the CLI's ``--loss`` choice, the kernel's setup and checkpoints read
this registry; nothing else lists losses. Adding a loss is: one ``register(Loss(...))`` here,
one objective in cython_ext/_kernel.pyx, and tests.
"""
import dataclasses
from typing import Callable

import numpy as np

from ..corpus.sampling import noise_weights
from .huffman import huffman_tree
from .weights import padded_matrix

#: The largest vocabulary --loss softmax trains without --force-softmax. Every pair costs it
#: 3 V d multiply-adds (scores, input error, output update over the whole output matrix): at
#: 10,000 words and 100 dimensions, 3 million, about 1,700 times SGNS's with 5 noise words;
#: beyond this, sampled softmax or hs estimate the same model at a small fraction of the cost
#: (docs/negative-sampling-vs-softmax.md has the measurements).
SOFTMAX_MAX_VOCAB = 10000


def per_word(vocab_size, dim):
    """The shape of an extra with one entry per word."""
    return (vocab_size,)


@dataclasses.dataclass(frozen=True)
class Extra:
    """A learned array a loss adds to the model; saved in checkpoints and saved models as
    ``<name>.npy``.

    ``shape(vocab_size, dim)``: its shape (default ``per_word``: one float32 per word).
    ``init(counts, params)``: its initial value, a float32 array of that shape (a matrix is a
    ``weights.padded_matrix``, rows laid out as the input and output vectors' are, which the
    kernel requires). ``grow(saved, origin, saved_counts, counts, params)``: its value for
    continued training on a grown vocabulary (``--init``; ``origin[i]``: word i's id in the
    saved model or -1; ``saved``: the saved array, None where the saved model had none); None
    (the default): the saved entries of the words the saved model knew, the initial value for
    the others (an extra with one entry per word).
    """

    name: str
    help: str
    init: Callable
    shape: Callable = per_word
    grow: "Callable | None" = None

    def grown(self, saved, origin, saved_counts, counts, params):
        """The extra's value for a continued run (see ``grow``)."""
        if self.grow is not None:
            return self.grow(saved, origin, saved_counts, counts, params)
        values = self.init(counts, params)
        if saved is not None:
            known = origin >= 0
            values[known] = saved[origin[known]]
        return values


def _no_check(vocab_size, params):
    pass


@dataclasses.dataclass(frozen=True)
class Loss:
    """One entry of the registry (see the module docstring)."""

    name: str
    help: str
    objective: str
    needs_negatives: bool = True
    noise_variants: bool = False
    extras: Callable = lambda params: ()
    tables: Callable = lambda counts, params: {}
    max_targets: Callable = lambda vocab_size, params, tables: params.negative + 1
    check: Callable = _no_check


LOSSES = {}


def register(loss):
    """Add ``loss`` to the registry (its name must be new); returns it."""
    if loss.name in LOSSES:
        raise ValueError("loss %r is registered already" % loss.name)
    LOSSES[loss.name] = loss
    return loss


def get(name):
    """The registered loss called ``name``; ValueError naming the known ones otherwise."""
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError("unknown loss %r (known: %s)" % (name, ", ".join(LOSSES))) from None


def initial_output_bias(counts, params=None):
    """NCE output biases at the log unigram probability of each word (float32): the initial
    model, score u.v + b = b with zero output vectors, is then the unigram distribution,
    normalised as NCE's fixed Z = 1 assumes (Mnih & Kavukcuoglu 2013)."""
    counts = np.asarray(counts, dtype=np.float64)
    return np.log(counts / counts.sum()).astype(np.float32)


OUTPUT_BIAS = Extra(
    "output_bias",
    "per-word output bias b_w: the model's score of word w in context c is "
    "wv[c] . syn1neg[w] + b_w",
    initial_output_bias)


def _nce_tables(counts, params):
    """log(k q(w)), the log of the expected noise count of each word: in every NCE logit, and
    sampled softmax's correction."""
    weights = noise_weights(counts, params.noise_power)
    return {"log_kq": np.log(params.negative * weights / weights.sum()).astype(np.float32)}


def _hs_tables(counts, params):
    """The Huffman tree's paths (see huffman.py): hs_offsets, hs_points, hs_codes."""
    tree = huffman_tree(counts)
    return {"hs_offsets": tree.offsets, "hs_points": tree.points, "hs_codes": tree.codes}


def _initial_inner_nodes(counts, params):
    """word2vec's start for HS's inner-node vectors: zeros."""
    return padded_matrix(max(len(counts) - 1, 0), params.dim)


def _regrown_inner_nodes(saved, origin, saved_counts, counts, params):
    """Inner nodes for a continued run: the tree is rebuilt over the new counts, and a node of
    a different tree has no counterpart in the old one, so the saved vectors are kept only
    when the tree is the same (the same words in the same order with the same paths), and
    start again from zero otherwise (as the inner nodes of a fresh run)."""
    values = _initial_inner_nodes(counts, params)
    same = (saved is not None and len(origin) == len(saved_counts)
            and np.array_equal(origin, np.arange(len(origin)))
            and huffman_tree(counts).same_as(huffman_tree(saved_counts)))
    if same:
        values[:] = saved
    return values


INNER_NODES = Extra(
    "syn1",
    "hierarchical softmax's inner-node vectors (word2vec's syn1), (V-1) x d: node 0 is the "
    "root of the Huffman tree; the model's probability of word w in context c is the product "
    "over w's path of sigmoid(+-wv[c] . syn1[node])",
    _initial_inner_nodes,
    shape=lambda vocab_size, dim: (max(vocab_size - 1, 0), dim),
    grow=_regrown_inner_nodes)


def _hs_check(vocab_size, params):
    if vocab_size < 2:
        raise ValueError("the hs loss needs a vocabulary of at least 2 words (its Huffman tree "
                         "has none to tell apart), not %d" % vocab_size)


def _softmax_check(vocab_size, params):
    if vocab_size > SOFTMAX_MAX_VOCAB and not params.force_softmax:
        raise ValueError(
            "the softmax loss is exact over the whole vocabulary, meant for at most %d words; "
            "this one has %d: use --max-vocab, --loss sampled-softmax or --loss hs, or "
            "--force-softmax" % (SOFTMAX_MAX_VOCAB, vocab_size))


register(Loss(
    "sgns",
    "skip-gram negative sampling (word2vec): tell the true context from --negative noise "
    "words",
    objective="sgns",
    noise_variants=True))

register(Loss(
    "nce",
    "noise-contrastive estimation: the same noise words, logits corrected by log(k q(w)), a "
    "self-normalised model (with --nce-bias, learned per-word output biases)",
    objective="nce",
    noise_variants=True,
    extras=lambda params: (OUTPUT_BIAS,) if params.nce_bias else (),
    tables=_nce_tables))

register(Loss(
    "hs",
    "hierarchical softmax (word2vec's -hs 1): a binary decision at each node of a Huffman "
    "tree over the counts, a normalised model; --negative is not used",
    objective="hs",
    needs_negatives=False,
    extras=lambda params: (INNER_NODES,),
    tables=_hs_tables,
    max_targets=lambda vocab_size, params, tables: max(
        1, int(np.diff(tables["hs_offsets"]).max())),
    check=_hs_check))

register(Loss(
    "softmax",
    "the exact softmax over the whole vocabulary (at most %d words unless --force-softmax); "
    "--negative is not used" % SOFTMAX_MAX_VOCAB,
    objective="softmax",
    needs_negatives=False,
    max_targets=lambda vocab_size, params, tables: vocab_size,
    check=_softmax_check))

register(Loss(
    "sampled-softmax",
    "softmax over the true word and --negative noise draws, logits corrected by -log(k q(w)) "
    "(Jean et al. 2015): a consistent estimate of the softmax's gradient as k grows",
    objective="sampled-softmax",
    tables=_nce_tables))
