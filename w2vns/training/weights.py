"""The weights: the matrices' cache-aligned layout, word2vec's initialisation, a continued
run's grown vocabulary, and checks."""
import dataclasses

import numpy as np


#: Rows of the weight matrices start on 64-byte cache lines (16 floats): threads updating
#: neighbouring rows (frequent words have neighbouring ids) then never write the same line.
ROW_ALIGN = 16


class TrainingDiverged(ValueError):
    """The weights left training with NaN or infinite values (a learning rate far too high)."""


def all_finite(matrix, chunk=65536):
    """No NaN or infinity in ``matrix``; checked a block of rows at a time, so that the
    check never needs a full-size temporary."""
    return all(np.isfinite(matrix[i:i + chunk]).all() for i in range(0, len(matrix), chunk))


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


def initial_vectors(vocab_size, dim, seed):
    """word2vec's init: input uniform in [-0.5/d, 0.5/d], deterministic from the seed."""
    rng = np.random.default_rng(seed)
    syn0 = padded_matrix(vocab_size, dim)
    for start in range(0, vocab_size, 65536):  # in blocks: no full-size temporary
        block = rng.random((min(65536, vocab_size - start), dim), dtype=np.float32)
        block -= np.float32(0.5)
        block /= np.float32(dim)
        syn0[start:start + len(block)] = block
    return syn0


@dataclasses.dataclass
class Weights:
    """A model's learned arrays: ``syn0`` (input vectors, the embeddings), ``syn1neg``
    (output vectors), and ``extras``, the loss's own arrays by name (``losses.Extra``)."""

    syn0: np.ndarray
    syn1neg: np.ndarray
    extras: dict = dataclasses.field(default_factory=dict)


def initial_weights(counts, params):
    """word2vec's start for a vocabulary with these ``counts``: input uniform, output zero,
    and each of the loss's extras at its own initial value."""
    return Weights(initial_vectors(len(counts), params.dim, params.seed),
                   padded_matrix(len(counts), params.dim),
                   {extra.name: extra.init(counts, params) for extra in params.extras})


def grown_weights(saved, origin, counts, params):
    """Weights for continued training (``--init``) on a grown vocabulary: the saved model's
    rows for the words it knew (``origin[i]``: word i's id in the saved model, or -1),
    word2vec's initialisation for the new words, and each extra as its ``Extra.grown`` says
    (per word: the same; its initial value where the saved model had no such extra)."""
    known = origin >= 0
    dim = saved.syn0.shape[1]
    syn0 = padded_matrix(len(origin), dim)
    syn1neg = padded_matrix(len(origin), dim)
    syn0[known] = saved.syn0[origin[known]]
    syn1neg[known] = saved.syn1neg[origin[known]]
    syn0[~known] = initial_vectors(int((~known).sum()), dim, params.seed)
    extras = {extra.name: extra.grown(saved.extras.get(extra.name), origin, saved.vocab.counts,
                                      counts, params)
              for extra in params.extras}
    return Weights(syn0, syn1neg, extras)
