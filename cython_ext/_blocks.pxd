# cython: language_level=3
"""Which block a vocabulary id belongs to in the distributed schedule, and its row there;
inlined into the planner (_plan.pyx), which writes each group out for its cell with the rows
the cell reads; the output rows are dealt anew every round (``output_block``, and
w2vns.distributed.schedule in numpy, which must agree).

The ids are dealt to K blocks in frequency order, boustrophedon (0..K-1, then K-1..0, ...: every
block gets a fair share of the frequent words); an id's row in its block is id // K.
"""
from libc.stdint cimport uint32_t, uint64_t


cdef inline uint32_t divide(uint32_t word, uint32_t nblocks, double inverse) noexcept nogil:
    """word // nblocks without a division instruction (tens of cycles, and the planner and
    the cells take one per id): a multiplication by 1 / nblocks, corrected by one if the
    rounding made it wrong."""
    cdef uint32_t q = <uint32_t>(word * inverse)
    if <uint64_t>q * nblocks > word:
        q -= 1
    elif <uint64_t>(q + 1) * nblocks <= word:
        q += 1
    return q


cdef inline uint32_t snake_block(uint32_t word, uint32_t nblocks, double inverse) noexcept nogil:
    """The block of a global id."""
    cdef uint32_t q = divide(word, nblocks, inverse), j = word - q * nblocks
    return j if (q & 1) == 0 else nblocks - 1 - j


cdef inline uint32_t output_shift(uint32_t row, uint32_t nblocks, uint64_t key) noexcept nogil:
    """How far the words of row ``row`` turn, in the output rows' dealing ``key``: a hash of
    (row, key) taken to 0..K-1 (w2vns.distributed.schedule.output_shifts is the same)."""
    cdef uint64_t z = key + <uint64_t>row * 0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    z ^= z >> 31
    return <uint32_t>(((z >> 32) * nblocks) >> 32)


cdef inline uint32_t output_block(uint32_t word, uint32_t nblocks, double inverse,
                                  uint64_t key, uint32_t full_rows) noexcept nogil:
    """The output block of a global id in dealing ``key``: its boustrophedon block turned by
    its row's shift (the last row, if not full, is not turned). Its row is id // K, as ever."""
    cdef uint32_t q = divide(word, nblocks, inverse), j = word - q * nblocks
    if q & 1:
        j = nblocks - 1 - j
    if q < full_rows:
        j += output_shift(q, nblocks, key)
        if j >= nblocks:
            j -= nblocks
    return j
