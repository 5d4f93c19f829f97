# cython: language_level=3
"""Which block a vocabulary id belongs to in the distributed schedule, and its row there;
inlined into the planner (_plan.pyx) and the cells (_kernel.pyx), which must agree.

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
