# cython: language_level=3
"""How sentences and their windows are read from the encoded stream, inlined into the training
kernel and the distributed plan. A plan must list exactly the (centre, context) pairs that the
kernel trains from the same random state, so both read through these two functions.
"""
from libc.stdint cimport uint32_t, uint64_t, int64_t
from _rng cimport bounded, keep_token
from _shared cimport MAX_SENTENCE_LENGTH, SENTENCE_END


cdef inline int64_t read_sentence(const uint32_t *stream, int64_t *pos, int64_t end,
                                  const uint32_t *keep, uint64_t *state, uint32_t *sentence,
                                  int64_t *raw) noexcept nogil:
    """Read the sentence at ``stream[pos[0]:end]`` into ``sentence``, each token kept by the
    subsampling coin (``keep_token`` with its word's threshold); advance ``pos[0]`` past it,
    add the tokens read to ``raw[0]`` and return how many were kept. A line of more than
    MAX_SENTENCE_LENGTH kept tokens goes on as the next sentence."""
    cdef int64_t slen = 0
    cdef uint32_t w
    while pos[0] < end:
        w = stream[pos[0]]
        pos[0] += 1
        if w == SENTENCE_END:
            break
        raw[0] += 1
        if keep_token(state, keep[w]):
            sentence[slen] = w
            slen += 1
            if slen == MAX_SENTENCE_LENGTH:
                break
    return slen


cdef inline void window_bounds(uint64_t *state, int window, int64_t i, int64_t slen,
                               int64_t *lo, int64_t *hi) noexcept nogil:
    """The window around position ``i`` of a sentence of ``slen`` tokens, ``[lo[0], hi[0]]``:
    word2vec's reduced window (a random b in [0, window) taken off both sides), or with
    ``window`` 0 the whole sentence, drawing nothing."""
    cdef int b
    if window > 0:
        b = <int>bounded(state, <uint32_t>window)
        lo[0] = i - window + b
        hi[0] = i + window - b
        if lo[0] < 0:
            lo[0] = 0
        if hi[0] >= slen:
            hi[0] = slen - 1
    else:
        lo[0] = 0
        hi[0] = slen - 1
