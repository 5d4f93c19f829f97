# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The counting pass: bytes in, word ids out, in one scan and without Python objects per token.

``Encoder`` tokenizes raw bytes (ASCII whitespace separates tokens, a newline ends a sentence),
interns each token in an open-addressing hash table whose keys live in one byte arena, counts
it, and writes its provisional id (order of first occurrence) to an output buffer. Sentences
end with the ``SENTENCE_END`` marker; a line of more than ``max_sentence_length`` tokens is
split into several sentences, so no line is ever truncated and memory stays bounded. A token cut
by a chunk boundary is carried over to the next chunk. A token longer than ``max_token_bytes``
(a line of binary junk, or gigabytes without whitespace) is truncated to that many bytes, backed
off to a UTF-8 character boundary, and counted in ``truncated_tokens``: like word2vec's
MAX_STRING, it keeps the carry buffer and the vocabulary arena bounded whatever the input.
With ``keep_empty_lines`` an empty (or blank) line is a sentence of its own, so that ``decode``
gives back as many lines as were read (the phrase rewriter keeps line alignment this way).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcmp, memcpy
cimport _shared
from _shared cimport SENTENCE_END as SENT, DROPPED as DROP

cnp.import_array()

# The shared constants (cython_ext/_shared.pxd), for the Python side.
SENTENCE_END = SENT
DROPPED = DROP
MAX_SENTENCE_LENGTH = _shared.MAX_SENTENCE_LENGTH
MAX_TOKEN_BYTES = _shared.MAX_TOKEN_BYTES

# ASCII whitespace: space, \t, \n, \v, \f, \r.
cdef uint8_t IS_SPACE[256]
for _c in range(256):
    IS_SPACE[_c] = 1 if _c in (9, 10, 11, 12, 13, 32) else 0


cdef inline uint64_t fnv1a(const uint8_t *p, Py_ssize_t n) noexcept nogil:
    """64-bit FNV-1a: short words hash in a few cycles and spread well enough for probing."""
    cdef uint64_t h = 0xcbf29ce484222325ULL
    cdef Py_ssize_t i
    for i in range(n):
        h = (h ^ p[i]) * 0x100000001b3ULL
    return h


cdef class Encoder:
    """Streaming tokenizer + vocabulary counter (see the module docstring)."""
    cdef uint8_t *arena           # all distinct words, back to back
    cdef int64_t arena_len, arena_cap
    cdef int64_t *word_off        # per word: offset in arena
    cdef uint32_t *word_len
    cdef int64_t *word_count
    cdef uint64_t *word_hash
    cdef int64_t n_words, words_cap
    cdef int64_t *table           # slots hold word id or -1
    cdef uint64_t table_mask
    cdef uint8_t *carry           # a token cut by the chunk boundary
    cdef int64_t carry_len, carry_cap
    cdef int64_t sentence_len
    cdef int64_t line_start_tokens   # tokens seen when the current line began
    cdef readonly bint keep_empty_lines
    cdef readonly int64_t max_sentence_length, max_token_bytes
    cdef readonly int64_t tokens, sentences, truncated_tokens

    def __cinit__(self, int64_t max_sentence_length=_shared.MAX_SENTENCE_LENGTH,
                  int64_t max_token_bytes=_shared.MAX_TOKEN_BYTES, bint keep_empty_lines=False):
        if max_sentence_length < 1:
            raise ValueError("max_sentence_length must be >= 1")
        if max_token_bytes < 1:
            raise ValueError("max_token_bytes must be >= 1")
        self.max_sentence_length = max_sentence_length
        self.max_token_bytes = max_token_bytes
        self.keep_empty_lines = keep_empty_lines
        self.arena_cap = 1 << 20
        self.words_cap = 1 << 16
        # One byte more than a token may keep: the first dropped byte tells whether the cut
        # splits a UTF-8 character.
        self.carry_cap = max_token_bytes + 1
        self.arena = <uint8_t *>malloc(self.arena_cap)
        self.word_off = <int64_t *>malloc(self.words_cap * sizeof(int64_t))
        self.word_len = <uint32_t *>malloc(self.words_cap * sizeof(uint32_t))
        self.word_count = <int64_t *>malloc(self.words_cap * sizeof(int64_t))
        self.word_hash = <uint64_t *>malloc(self.words_cap * sizeof(uint64_t))
        self.table = <int64_t *>malloc((1 << 17) * sizeof(int64_t))
        self.carry = <uint8_t *>malloc(self.carry_cap)
        if (self.arena == NULL or self.word_off == NULL or self.word_len == NULL or
                self.word_count == NULL or self.word_hash == NULL or self.table == NULL or
                self.carry == NULL):
            raise MemoryError()
        self.table_mask = (1 << 17) - 1
        cdef uint64_t i
        for i in range(self.table_mask + 1):
            self.table[i] = -1

    def __dealloc__(self):
        free(self.arena)
        free(self.word_off)
        free(self.word_len)
        free(self.word_count)
        free(self.word_hash)
        free(self.table)
        free(self.carry)

    cdef int grow_table(self) noexcept nogil:
        """Double the hash table and reinsert every word (load factor stays <= 1/2)."""
        cdef uint64_t new_size = (self.table_mask + 1) * 2, i, slot
        cdef int64_t *new_table = <int64_t *>malloc(new_size * sizeof(int64_t))
        cdef int64_t w
        if new_table == NULL:
            return -1
        for i in range(new_size):
            new_table[i] = -1
        for w in range(self.n_words):
            slot = self.word_hash[w] & (new_size - 1)
            while new_table[slot] != -1:
                slot = (slot + 1) & (new_size - 1)
            new_table[slot] = w
        free(self.table)
        self.table = new_table
        self.table_mask = new_size - 1
        return 0

    cdef int64_t intern(self, const uint8_t *p, Py_ssize_t n) noexcept nogil:
        """Count one occurrence of the token p[:n]; return its id, or -1 when out of memory."""
        cdef uint64_t h = fnv1a(p, n)
        cdef uint64_t slot = h & self.table_mask
        cdef int64_t w
        while True:
            w = self.table[slot]
            if w == -1:
                break
            if (self.word_hash[w] == h and self.word_len[w] == <uint32_t>n and
                    memcmp(self.arena + self.word_off[w], p, n) == 0):
                self.word_count[w] += 1
                return w
            slot = (slot + 1) & self.table_mask
        # A new word.
        if self.n_words == self.words_cap:
            if self.grow_words() != 0:
                return -1
        while self.arena_len + n > self.arena_cap:
            if grow_bytes(&self.arena, &self.arena_cap) != 0:
                return -1
        w = self.n_words
        memcpy(self.arena + self.arena_len, p, n)
        self.word_off[w] = self.arena_len
        self.word_len[w] = <uint32_t>n
        self.word_count[w] = 1
        self.word_hash[w] = h
        self.arena_len += n
        self.n_words += 1
        self.table[slot] = w
        if <uint64_t>self.n_words * 2 > self.table_mask + 1:
            if self.grow_table() != 0:
                return -1
        return w

    cdef int grow_words(self) noexcept nogil:
        cdef int64_t cap = self.words_cap * 2
        cdef void *a = realloc(self.word_off, cap * sizeof(int64_t))
        if a == NULL:
            return -1
        self.word_off = <int64_t *>a
        a = realloc(self.word_len, cap * sizeof(uint32_t))
        if a == NULL:
            return -1
        self.word_len = <uint32_t *>a
        a = realloc(self.word_count, cap * sizeof(int64_t))
        if a == NULL:
            return -1
        self.word_count = <int64_t *>a
        a = realloc(self.word_hash, cap * sizeof(uint64_t))
        if a == NULL:
            return -1
        self.word_hash = <uint64_t *>a
        self.words_cap = cap
        return 0

    cdef Py_ssize_t end_token(self, const uint8_t *p, Py_ssize_t n, uint32_t *out,
                              Py_ssize_t k) noexcept nogil:
        """Emit the id of the token p[:n] (prefixed by any carried bytes) at out[k]."""
        cdef int64_t w
        cdef const uint8_t *token = p
        if self.carry_len > 0:
            append_carry(self, p, n)
            token = self.carry
            n = self.carry_len
            self.carry_len = 0
        if n > self.max_token_bytes:
            # token[max_token_bytes] exists (the carry keeps one byte more): while it is a
            # UTF-8 continuation byte the cut would split a character, so cut earlier.
            n = self.max_token_bytes
            while n > 1 and (token[n] & 0xC0) == 0x80:
                n -= 1
            if (token[n] & 0xC0) == 0x80:
                n = self.max_token_bytes  # no character boundary at all: not UTF-8 anyway
            self.truncated_tokens += 1
        w = self.intern(token, n)
        if w < 0:
            return -1
        out[k] = <uint32_t>w
        k += 1
        self.tokens += 1
        self.sentence_len += 1
        if self.sentence_len == self.max_sentence_length:
            out[k] = SENT
            k += 1
            self.sentences += 1
            self.sentence_len = 0
        return k

    def encode(self, const uint8_t[::1] chunk, uint32_t[::1] out):
        """Tokenize ``chunk``, writing ids and sentence ends to ``out``; return how many.

        ``out`` must hold at least ``len(chunk) + 2`` entries (every token needs one byte and
        a separator, and every sentence end follows a token).
        """
        cdef Py_ssize_t n = chunk.shape[0], i, start = 0, k = 0
        cdef bint in_token = self.carry_len > 0
        cdef uint8_t c
        if out.shape[0] < n + 2:
            raise ValueError("output buffer too small")
        if n == 0:
            return 0
        cdef const uint8_t *p = &chunk[0]
        cdef uint32_t *o = &out[0]
        with nogil:
            for i in range(n):
                c = p[i]
                if IS_SPACE[c]:
                    if in_token:
                        k = self.end_token(p + start, i - start, o, k)
                        if k < 0:
                            break
                        in_token = False
                    if c == 10:
                        if self.sentence_len > 0 or (self.keep_empty_lines and
                                                     self.tokens == self.line_start_tokens):
                            o[k] = SENT
                            k += 1
                            self.sentences += 1
                            self.sentence_len = 0
                        self.line_start_tokens = self.tokens
                elif not in_token:
                    in_token = True
                    start = i
            if k >= 0 and in_token:
                append_carry(self, p + start, n - start)
        if k < 0:
            raise MemoryError("out of memory while counting the vocabulary")
        return k

    def finish(self, uint32_t[::1] out):
        """End of one input: flush a carried token and close the last sentence."""
        cdef Py_ssize_t k = 0
        cdef uint8_t dummy = 0
        if out.shape[0] < 2:
            raise ValueError("output buffer too small")
        if self.carry_len > 0:
            k = self.end_token(&dummy, 0, &out[0], 0)
            if k < 0:
                raise MemoryError("out of memory while counting the vocabulary")
        if self.sentence_len > 0:
            out[k] = SENT
            k += 1
            self.sentences += 1
            self.sentence_len = 0
        self.line_start_tokens = self.tokens
        return k

    def decode(self, const uint32_t[::1] ids, uint8_t[::1] out, bint line_start=True):
        """Write ``ids`` back as text into ``out``: words separated by one space, each
        ``SENTENCE_END`` a newline. ``line_start``: whether the text so far ends a line.

        Stops at the first word that does not fit; returns ``(ids consumed, bytes written,
        line_start)`` for the next call. ``out`` must hold the longest word plus one byte.
        """
        cdef Py_ssize_t n = ids.shape[0], cap = out.shape[0], i = 0, k = 0
        cdef uint32_t w
        cdef uint32_t length
        cdef int64_t bad = -1
        with nogil:
            while i < n:
                w = ids[i]
                if w == SENT:
                    if k == cap:
                        break
                    out[k] = 10
                    k += 1
                    line_start = True
                elif w >= self.n_words:
                    bad = w
                    break
                else:
                    length = self.word_len[w]
                    if k + length + (0 if line_start else 1) > cap:
                        break
                    if not line_start:
                        out[k] = 32
                        k += 1
                    memcpy(&out[k], self.arena + self.word_off[w], length)
                    k += length
                    line_start = False
                i += 1
        if bad >= 0:
            raise ValueError("id %d is not a word of this encoder" % bad)
        if i == 0 and n > 0:
            raise ValueError("output buffer too small for one word")
        return i, k, line_start

    @property
    def vocab_size(self):
        """Number of distinct tokens seen so far."""
        return self.n_words

    def counts(self):
        """Counts by provisional id (order of first occurrence), as an int64 array."""
        arr = np.empty(self.n_words, dtype=np.int64)
        cdef int64_t[::1] view = arr
        cdef int64_t i
        for i in range(self.n_words):
            view[i] = self.word_count[i]
        return arr

    def words(self, const int64_t[::1] ids):
        """The words with the given provisional ids, as a list of bytes."""
        cdef Py_ssize_t i
        cdef int64_t w, start
        result = []
        for i in range(ids.shape[0]):
            w = ids[i]
            if w < 0 or w >= self.n_words:
                raise IndexError(w)
            start = self.word_off[w]
            result.append((<char *>self.arena)[start:start + self.word_len[w]])
        return result


cdef int grow_bytes(uint8_t **buf, int64_t *cap) noexcept nogil:
    cdef int64_t new_cap = cap[0] * 2
    cdef void *a = realloc(buf[0], new_cap)
    if a == NULL:
        return -1
    buf[0] = <uint8_t *>a
    cap[0] = new_cap
    return 0


cdef void append_carry(Encoder enc, const uint8_t *p, Py_ssize_t n) noexcept nogil:
    """Carry p[:n] over to the next chunk, keeping at most max_token_bytes + 1 bytes."""
    if n > enc.carry_cap - enc.carry_len:
        n = enc.carry_cap - enc.carry_len
    memcpy(enc.carry + enc.carry_len, p, n)
    enc.carry_len += n


def remap_stream(uint32_t[::1] stream, const uint32_t[::1] remap):
    """Rewrite provisional ids to final ids in place, dropping words mapped to ``DROPPED``
    and sentences left empty; return ``(length, sentences)`` (the data is compacted to the
    front)."""
    length, _, sentences = remap_range(stream, remap, 0, stream.shape[0], 0, 0)
    return length, sentences


def remap_range(uint32_t[::1] stream, const uint32_t[::1] remap, Py_ssize_t start,
                Py_ssize_t end, Py_ssize_t k, Py_ssize_t sentence_len):
    """``remap_stream`` over stream[start:end], writing from stream[k] on (k <= start).

    Call it over consecutive ranges, passing back the returned ``k`` and ``sentence_len``, to
    remap a stream piece by piece (the caller can then release the pages it is done with).
    Returns ``(k, sentence_len, sentences ended in this range)``.
    """
    cdef Py_ssize_t i, sentences = 0
    cdef uint32_t w, v
    if not (0 <= k <= start <= end <= stream.shape[0]):
        raise ValueError("bad range")
    with nogil:
        for i in range(start, end):
            w = stream[i]
            if w == SENT:
                if sentence_len > 0:
                    stream[k] = SENT
                    k += 1
                    sentences += 1
                    sentence_len = 0
                continue
            v = remap[w]
            if v == DROP:
                continue
            stream[k] = v
            k += 1
            sentence_len += 1
    return k, sentence_len, sentences
