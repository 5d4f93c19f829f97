# cython: language_level=3
"""Per-thread random numbers and alias-table draws, inlined into the kernels.

splitmix64 (Steele, Lea & Flood 2014) passes BigCrush, needs one uint64 of state per thread
and costs three multiplies: cheap enough to draw for every token, window and negative.
"""
from libc.stdint cimport uint32_t, uint64_t, int32_t


cdef inline uint64_t next_u64(uint64_t *state) noexcept nogil:
    """Advance ``state`` and return 64 random bits."""
    cdef uint64_t z
    state[0] += 0x9E3779B97F4A7C15ULL
    z = state[0]
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline uint32_t next_u32(uint64_t *state) noexcept nogil:
    """Return 32 random bits (the high half of one draw)."""
    return <uint32_t>(next_u64(state) >> 32)


cdef inline uint32_t bounded(uint64_t *state, uint32_t n) noexcept nogil:
    """Uniform integer in [0, n) by Lemire's multiply-shift (no division, bias < n / 2**32)."""
    return <uint32_t>((<uint64_t>next_u32(state) * n) >> 32)


cdef inline uint32_t alias_draw(uint64_t *state, const uint32_t *prob, const uint32_t *alias,
                                uint32_t n) noexcept nogil:
    """One draw from a Vose alias table: a uniform column, then a biased coin for it.

    The high 32 bits pick the column, the low 32 bits are the coin: one RNG call per draw
    and two reads from arrays of n entries (cache-friendly compared with word2vec's 1e8
    unigram table).
    """
    cdef uint64_t r = next_u64(state)
    cdef uint32_t column = <uint32_t>(((r >> 32) * n) >> 32)
    cdef uint32_t other = alias[column]
    # A select, not a branch: the coin is unpredictable, and a mispredicted branch costs
    # more than reading the alias entry every time.
    return column if <uint32_t>r < prob[column] else other


cdef inline bint keep_token(uint64_t *state, uint32_t threshold) noexcept nogil:
    """Subsampling coin: keep when a random uint32 is below ``threshold`` (max = always)."""
    if threshold == 0xFFFFFFFFU:
        return True
    return next_u32(state) < threshold
