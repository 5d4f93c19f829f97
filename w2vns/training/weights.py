"""The weight matrices: cache-aligned layout, word2vec's initialisation, and checks."""
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


def initial_output_bias(counts):
    """NCE output biases at the log unigram probability of each word (float32): the initial
    model, score u.v + b = b with zero output vectors, is then the unigram distribution,
    normalised as NCE's fixed Z = 1 assumes (Mnih & Kavukcuoglu 2013)."""
    counts = np.asarray(counts, dtype=np.float64)
    return np.log(counts / counts.sum()).astype(np.float32)


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
