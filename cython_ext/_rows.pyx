# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Moving a block's rows within its own memory: the distributed cells cut the output block
they trained into the parts of the next round's dealing without a second copy of it beside
the one they hold (w2vns.distributed.cells.redeal_cut).
"""
import numpy as np
from libc.stdint cimport int64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy


def permute_rows(float[:, :] block, const int64_t[::1] order):
    """Reorder the rows of ``block`` (contiguous within a row; rows may be padded apart) in
    place so that row i holds what row ``order[i]`` held (``order`` a permutation of its
    rows), following the permutation's cycles through one row of temporary space."""
    cdef Py_ssize_t n = block.shape[0], dim = block.shape[1], i, j, k
    if dim > 1 and block.strides[1] != sizeof(float):
        raise ValueError("the rows of block must be contiguous")
    if order.shape[0] != n:
        raise ValueError("order has %d entries for %d rows" % (order.shape[0], n))
    if n == 0 or dim == 0:
        return
    seen = np.zeros(n, dtype=np.uint8)
    cdef unsigned char[::1] done = seen
    for i in range(n):  # a permutation: each row is some row's source exactly once
        k = order[i]
        if k < 0 or k >= n or done[k]:
            raise ValueError("order is not a permutation of the rows")
        done[k] = 1
    done[:] = 0
    cdef size_t row_bytes = dim * sizeof(float)
    cdef float *spare = <float *>malloc(row_bytes)
    if spare == NULL:
        raise MemoryError()
    with nogil:
        for i in range(n):
            if done[i] or order[i] == i:
                continue
            memcpy(spare, &block[i, 0], row_bytes)
            j = i
            while True:
                done[j] = 1
                k = order[j]
                if k == i:
                    memcpy(&block[j, 0], spare, row_bytes)
                    break
                memcpy(&block[j, 0], &block[k, 0], row_bytes)
                j = k
    free(spare)
