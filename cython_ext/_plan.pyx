# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Planning an epoch's windows for the distributed backend: one pass over a range of the
encoded corpus, as the kernel's own loop reads it, that writes the windows out by cell.

Subsampling and the reduced window draw their random numbers exactly as the kernel's
``train_range`` does for one thread from the same RNG state (a coin per token, then a window
size per kept centre), so a plan lists the (centre, context) pairs that ``Kernel.record_pairs``
lists. Each window is cut into groups, one per input block holding some of its contexts:
``[centre, m, x_1 .. x_m]``, the centre's row in its output block, the contexts local rows of
the input block (rows are id // K in every block, see cython_ext/_blocks.pxd). A group goes
to the cell that trains it: that of its input block A and of the output block B that holds
its centre in the dealing of the round in which A trains this range (``dealings[A]``), which
draws its k noise words from B. Written out so, by cell, each cell reads its own groups only,
rather than every group of A to pick out those of B.
Every ``piece_groups`` groups of a cell start a new piece: the unit that one thread of a cell
trains.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint32_t, uint64_t, int64_t
from libc.stdlib cimport calloc, malloc, realloc, free
from cython.view cimport array as cvarray
from _blocks cimport divide, output_block, snake_block
from _shared cimport MAX_SENTENCE_LENGTH
from _windows cimport read_sentence, window_bounds

cnp.import_array()



cdef struct Buffer:
    uint32_t *data
    int64_t length, capacity
    int64_t *bounds          # where each piece starts, then the end
    int64_t n_bounds, bounds_capacity
    int64_t groups_in_piece


cdef uint32_t *reserve(Buffer *b, int64_t n) noexcept nogil:
    """Room for n more values at the end of ``b`` (its length grown by n); NULL without memory."""
    cdef void *grown
    cdef int64_t capacity = b.capacity
    while b.length + n > capacity:
        capacity *= 2
    if capacity != b.capacity:
        grown = realloc(b.data, capacity * sizeof(uint32_t))
        if grown == NULL:
            return NULL
        b.data = <uint32_t *>grown
        b.capacity = capacity
    b.length += n
    return b.data + b.length - n


cdef int cut(Buffer *b) noexcept nogil:
    cdef void *grown
    if b.n_bounds == b.bounds_capacity:
        grown = realloc(b.bounds, 2 * b.bounds_capacity * sizeof(int64_t))
        if grown == NULL:
            return -1
        b.bounds = <int64_t *>grown
        b.bounds_capacity *= 2
    b.bounds[b.n_bounds] = b.length
    b.n_bounds += 1
    b.groups_in_piece = 0
    return 0


cdef object owned_array(Buffer *b):
    """``b``'s values as a numpy array that owns (and will free) its memory, shrunk to fit:
    no copy, so that a round's plan (tens of MB) is written once, not twice."""
    cdef void *shrunk
    cdef cvarray view
    if b.length == 0:
        return np.empty(0, dtype=np.uint32)
    shrunk = realloc(b.data, b.length * sizeof(uint32_t))
    if shrunk != NULL:
        b.data = <uint32_t *>shrunk
    view = cvarray(shape=(b.length,), itemsize=sizeof(uint32_t), format="I", mode="c",
                   allocate_buffer=False)
    view.data = <char *>b.data
    view.callback_free_data = free
    b.data = NULL  # the array owns it now
    return np.asarray(view)


def plan_range(const uint32_t[::1] stream, int64_t start, int64_t end,
               const uint32_t[::1] keep, int window, int nblocks, uint64_t rng_state,
               const uint64_t[::1] dealings, uint32_t vocab_size, int64_t piece_groups=65536):
    """Plan the windows of stream[start:end] (whole sentences) for the K x K cells of
    ``nblocks`` blocks, input block A's groups dealt to output blocks by key ``dealings[A]``
    (a vocabulary of ``vocab_size`` ids).

    ``rng_state`` seeds subsampling and windows (as the kernel's thread RNG). Returns
    ``(pieces, words, pairs)``: pieces[A][B] a list of uint32 arrays (cell (A, B)'s groups,
    ``piece_groups`` at most each), ``words`` the word ids read (the progress this range is
    worth) and ``pairs[A, B]`` the (centre, context) pairs in cell (A, B)'s groups.
    """
    if nblocks < 1 or nblocks > 256:
        raise ValueError("nblocks must be in 1..256")
    if dealings.shape[0] != nblocks:
        raise ValueError("one dealing per input block")
    cdef int cells = nblocks * nblocks
    cdef Buffer *out = <Buffer *>calloc(cells, sizeof(Buffer))
    cdef uint32_t *sentence = <uint32_t *>malloc(MAX_SENTENCE_LENGTH * sizeof(uint32_t))
    cdef int *seen = <int *>malloc(nblocks * sizeof(int))          # per block: contexts so far
    cdef uint32_t *order = <uint32_t *>malloc(nblocks * sizeof(uint32_t))
    # Each kept token's block and row, worked out once per sentence, not once per window.
    cdef uint32_t *token_block = <uint32_t *>malloc(MAX_SENTENCE_LENGTH * sizeof(uint32_t))
    cdef uint32_t *token_row = <uint32_t *>malloc(MAX_SENTENCE_LENGTH * sizeof(uint32_t))
    cdef uint32_t *group
    cdef Buffer *b
    pairs_arr = np.zeros((nblocks, nblocks), dtype=np.int64)
    cdef int64_t[:, ::1] pairs = pairs_arr
    cdef int a, c, failed = 0, n_order
    # Small first buffers, as there are K^2 of them; each doubles as its cell's groups come.
    cdef int64_t first_capacity = max(16, 4096 // cells)
    if (out == NULL or sentence == NULL or seen == NULL or order == NULL or
            token_block == NULL or token_row == NULL):
        free(out); free(sentence); free(seen); free(order); free(token_block); free(token_row)
        raise MemoryError()
    for a in range(nblocks):
        seen[a] = 0
    for c in range(cells):
        out[c].data = <uint32_t *>malloc(first_capacity * sizeof(uint32_t))
        out[c].capacity = first_capacity
        out[c].bounds = <int64_t *>malloc(4 * sizeof(int64_t))
        out[c].n_bounds = 1
        out[c].bounds_capacity = 4
        if out[c].data == NULL or out[c].bounds == NULL:
            failed = 1
        else:
            out[c].bounds[0] = 0
    cdef uint64_t state = rng_state
    cdef int64_t pos = start, words = 0, slen, i, j, lo, hi, k
    cdef uint32_t blk, K = <uint32_t>nblocks, full_rows = vocab_size // <uint32_t>nblocks
    cdef double inverse = 1.0 / nblocks
    cdef int m
    with nogil:
        while not failed and pos < end:
            slen = read_sentence(&stream[0], &pos, end, &keep[0], &state, sentence, &words)
            for i in range(slen):
                token_block[i] = snake_block(sentence[i], K, inverse)
                token_row[i] = divide(sentence[i], K, inverse)
            for i in range(slen):
                window_bounds(&state, window, i, slen, &lo, &hi)
                # The blocks of this window's contexts, in order of first appearance.
                n_order = 0
                for j in range(lo, hi + 1):
                    if j == i:
                        continue
                    blk = token_block[j]
                    if seen[blk] == 0:
                        order[n_order] = blk
                        n_order += 1
                    seen[blk] += 1
                for k in range(n_order):
                    blk = order[k]
                    c = blk * nblocks + output_block(sentence[i], K, inverse, dealings[blk],
                                                     full_rows)
                    b = &out[c]
                    group = reserve(b, 2 + seen[blk])
                    if group == NULL:
                        failed = 1
                        break
                    group[0] = token_row[i]
                    group[1] = <uint32_t>seen[blk]
                    m = 2
                    for j in range(lo, hi + 1):
                        if j != i and token_block[j] == blk:
                            group[m] = token_row[j]
                            m += 1
                    pairs[blk, c - blk * nblocks] += seen[blk]
                    seen[blk] = 0
                    b.groups_in_piece += 1
                    if b.groups_in_piece == piece_groups and cut(b):
                        failed = 1
    pieces = []
    try:
        if failed:
            raise MemoryError()
        for a in range(nblocks):
            pieces.append([])
            for c in range(a * nblocks, (a + 1) * nblocks):
                if out[c].groups_in_piece > 0 and cut(&out[c]):
                    raise MemoryError()
                data = owned_array(&out[c])
                pieces[a].append([data[out[c].bounds[k]:out[c].bounds[k + 1]]
                                  for k in range(out[c].n_bounds - 1)])
    finally:
        for c in range(cells):
            free(out[c].data)
            free(out[c].bounds)
        free(out); free(sentence); free(seen); free(order); free(token_block); free(token_row)
    return pieces, words, pairs_arr
