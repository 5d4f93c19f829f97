"""The loss registry: the one place that names the losses w2vns trains with.

A loss is what the kernel's objective optimises (fastText's ``Loss`` classes and
scikit-learn's ``CyLossFunction`` play the same part): how the targets of a centre word are
chosen and how their scores turn into gradients. Its entry here says everything the rest of
the package needs to know about it:

- ``name`` (``--loss NAME``) and ``help`` (the CLI's help text is built from it);
- ``objective``: the kernel objective that implements it (``_kernel.OBJECTIVES``);
- ``needs_negatives``: whether it draws noise words (``negative`` >= 1 is then required);
- ``extras(params)``: the learned arrays it adds to the model besides the input and output
  vectors (NCE's per-word output biases), which checkpoints and saved models keep;
- ``tables(counts, params)``: arrays it derives from the counts for the kernel (not saved);
- ``max_targets(vocab_size, params)``: the most outputs one centre word is scored against.

Parameter validation, the CLI's ``--loss`` choice, the kernel's setup and checkpoints read
this registry; nothing else lists losses. Adding a loss is: one ``register(Loss(...))`` here,
one objective in cython_ext/_kernel.pyx, and tests.
"""
import dataclasses
from typing import Callable

import numpy as np

from ..corpus.sampling import noise_weights


@dataclasses.dataclass(frozen=True)
class Extra:
    """A learned array a loss adds to the model, one float32 entry per word; saved in
    checkpoints and saved models as ``<name>.npy``."""

    name: str
    help: str
    init: Callable  # init(counts, params) -> float32 array of len(counts)


@dataclasses.dataclass(frozen=True)
class Loss:
    """One entry of the registry (see the module docstring)."""

    name: str
    help: str
    objective: str
    needs_negatives: bool = True
    extras: Callable = lambda params: ()
    tables: Callable = lambda counts, params: {}
    max_targets: Callable = lambda vocab_size, params: params.negative + 1


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
    """log(k q(w)), the log of the expected noise count of each word, in every NCE logit."""
    weights = noise_weights(counts, params.noise_power)
    return {"log_kq": np.log(params.negative * weights / weights.sum()).astype(np.float32)}


register(Loss(
    "sgns",
    "skip-gram negative sampling (word2vec): tell the true context from --negative noise "
    "words",
    objective="sgns"))

register(Loss(
    "nce",
    "noise-contrastive estimation: the same noise words, logits corrected by log(k q(w)), a "
    "self-normalised model (with --nce-bias, learned per-word output biases)",
    objective="nce",
    extras=lambda params: (OUTPUT_BIAS,) if params.nce_bias else (),
    tables=_nce_tables))
