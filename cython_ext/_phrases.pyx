# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Phrase detection kernels over an encoded corpus (word ids with ``SENTENCE_END`` markers).

The text is tokenized once, by the trainer's ``Encoder``; everything here works on its uint32
id stream, so no pass hashes a string twice:

* ``count_unigrams``: occurrences of each id.
* ``BigramCounter``: occurrences of each adjacent pair (a, b) inside a sentence, in an
  open-addressing table keyed by ``a << 32 | b``. Its memory is bounded: when it holds more than
  ``max_size`` pairs, the pairs seen at most ``min_reduce`` times are dropped and ``min_reduce``
  goes up by one, as word2phrase's ReduceVocab and gensim's ``prune_vocab`` do. Unigrams are
  never pruned (the vocabulary stays exact, as in training).
* ``PhraseRewriter``: one pass's phrase table, (a, b) -> the id of the joined word; rewrites a
  stream left to right with word2phrase's rule (see ``PhraseRewriter``).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint32_t, uint64_t, int64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memset

cnp.import_array()

cdef uint32_t SENT = 0xFFFFFFFFU
# A key no pair has: a = SENTENCE_END never starts a counted pair.
cdef uint64_t EMPTY = 0xFFFFFFFFFFFFFFFFULL
# Fibonacci hashing: the top bits of key * 2^64/phi spread (a, b) pairs over the table.
cdef uint64_t GOLDEN = 0x9E3779B97F4A7C15ULL
# Pairs looked up ahead of the one being counted: their slots are prefetched meanwhile, since
# a table of millions of pairs misses the cache on nearly every access.
cdef enum:
    AHEAD = 16

cdef extern from *:
    """
    static inline void phrases_prefetch(const void *p) { __builtin_prefetch(p, 1, 1); }
    """
    void prefetch "phrases_prefetch"(const void *p) noexcept nogil


ctypedef struct Slot:
    uint64_t key
    uint64_t count


def count_unigrams(const uint32_t[::1] stream, Py_ssize_t vocab_size):
    """Occurrences of each id in ``stream`` (``SENTENCE_END`` markers skipped), as int64.

    Ids must be below ``vocab_size`` (ValueError otherwise).
    """
    counts = np.zeros(vocab_size, dtype=np.int64)
    cdef int64_t[::1] c = counts
    cdef Py_ssize_t i, n = stream.shape[0], bad = -1
    cdef uint32_t w
    with nogil:
        for i in range(n):
            w = stream[i]
            if w == SENT:
                continue
            if w >= <uint64_t>vocab_size:
                bad = i
                break
            c[w] += 1
    if bad >= 0:
        raise ValueError("id %d at position %d is not below %d" % (stream[bad], bad, vocab_size))
    return counts


cdef class BigramCounter:
    """Counts of adjacent word-id pairs within sentences, with bounded memory (module docstring).

    ``add`` takes consecutive pieces of one stream: the last id of a piece pairs with the first
    of the next unless a ``SENTENCE_END`` separates them. With ``across_lines`` a sentence's
    last id pairs with the next sentence's first too (word2phrase's counting, for comparisons).
    """
    cdef Slot *slots
    cdef uint64_t mask
    cdef int shift
    cdef uint64_t max_slots
    cdef uint32_t prev
    cdef readonly bint across_lines
    cdef readonly int64_t size, max_size, min_reduce, prunes, pairs_seen

    def __cinit__(self, int64_t max_size=40000000, bint across_lines=False,
                  int64_t expected=0):
        cdef uint64_t start = 1 << 16
        if max_size < 1:
            raise ValueError("max_size must be >= 1")
        self.max_size = max_size
        self.across_lines = across_lines
        self.min_reduce = 1
        self.prev = SENT
        # The table never grows past the size that holds max_size pairs at a load of 3/4.
        self.max_slots = 1 << 10
        while self.max_slots * 3 < <uint64_t>max_size * 4:
            self.max_slots <<= 1
        # ``expected``: the pairs to come. Text has distinct bigrams for about a quarter of its
        # pairs (17-27 % on corpus-en's prefixes), so a table of that many slots at half load
        # skips the rehashes of growing there step by step.
        while start < <uint64_t>expected // 2:
            start <<= 1
        if self.alloc(min(start, self.max_slots)) != 0:
            raise MemoryError()

    def __dealloc__(self):
        free(self.slots)

    cdef int alloc(self, uint64_t n) noexcept nogil:
        """Point the table at n fresh empty slots (n a power of two); -1 when out of memory."""
        cdef Slot *slots = <Slot *>malloc(n * sizeof(Slot))
        cdef uint64_t i
        if slots == NULL:
            return -1
        for i in range(n):
            slots[i].key = EMPTY
        self.slots = slots
        self.mask = n - 1
        self.shift = 64
        while n > 1:
            n >>= 1
            self.shift -= 1
        return 0

    cdef inline uint64_t home(self, uint64_t key) noexcept nogil:
        return (key * GOLDEN) >> self.shift

    cdef inline void put(self, uint64_t key, uint64_t count) noexcept nogil:
        """Insert a key known to be absent (rehashing)."""
        cdef uint64_t s = self.home(key)
        while self.slots[s].key != EMPTY:
            s = (s + 1) & self.mask
        self.slots[s].key = key
        self.slots[s].count = count

    cdef int grow(self, uint64_t n) noexcept nogil:
        """Move every pair into a fresh table of n slots (the old one is freed after)."""
        cdef Slot *old = self.slots
        cdef uint64_t old_n = self.mask + 1, i
        if self.alloc(n) != 0:
            self.slots = old
            return -1
        self.size = 0
        for i in range(old_n):
            if old[i].key != EMPTY:
                self.put(old[i].key, old[i].count)
                self.size += 1
        free(old)
        return 0

    cdef int prune(self) noexcept nogil:
        """Drop the pairs counted at most min_reduce times, in place: the survivors wait in a
        buffer of their own size while the table is cleared, then go back."""
        cdef uint64_t n = self.mask + 1, i
        cdef int64_t kept = 0, j
        cdef Slot *survivors
        for i in range(n):
            if self.slots[i].key != EMPTY and self.slots[i].count > <uint64_t>self.min_reduce:
                kept += 1
        survivors = <Slot *>malloc(max(kept, 1) * sizeof(Slot))
        if survivors == NULL:
            return -1
        j = 0
        for i in range(n):
            if self.slots[i].key != EMPTY and self.slots[i].count > <uint64_t>self.min_reduce:
                survivors[j] = self.slots[i]
                j += 1
            self.slots[i].key = EMPTY
        for j in range(kept):
            self.put(survivors[j].key, survivors[j].count)
        free(survivors)
        self.size = kept
        self.min_reduce += 1
        self.prunes += 1
        return 0

    cdef int make_room(self) noexcept nogil:
        """After an insertion: grow the table at half load; past max_size pairs, prune."""
        cdef uint64_t n = self.mask + 1
        if self.size > self.max_size:
            return self.prune()
        elif <uint64_t>self.size * 2 > n and n < self.max_slots:
            return self.grow(n * 2)
        return 0

    cdef int count_pairs(self, const uint32_t *ids, Py_ssize_t n) noexcept nogil:
        """Count the pairs of ids[:n] (after self.prev); -1 when out of memory."""
        cdef Py_ssize_t i
        cdef uint32_t a = self.prev, b
        cdef uint64_t key, s
        for i in range(n):
            b = ids[i]
            if b == SENT:
                if not self.across_lines:
                    a = SENT
                continue
            if a != SENT:
                if i + AHEAD < n and ids[i + AHEAD - 1] != SENT and ids[i + AHEAD] != SENT:
                    prefetch(&self.slots[self.home((<uint64_t>ids[i + AHEAD - 1] << 32)
                                                   | ids[i + AHEAD])])
                key = (<uint64_t>a << 32) | b
                s = self.home(key)
                while True:
                    if self.slots[s].key == key:
                        self.slots[s].count += 1
                        break
                    if self.slots[s].key == EMPTY:
                        self.slots[s].key = key
                        self.slots[s].count = 1
                        self.size += 1
                        if self.make_room() != 0:
                            return -1
                        break
                    s = (s + 1) & self.mask
                self.pairs_seen += 1
            a = b
        self.prev = a
        return 0

    def add(self, const uint32_t[::1] ids):
        """Count the pairs of ``ids`` (a piece of the stream)."""
        cdef int rc = 0
        if ids.shape[0] == 0:
            return
        with nogil:
            rc = self.count_pairs(&ids[0], ids.shape[0])
        if rc != 0:
            raise MemoryError("out of memory while counting bigrams")

    def count(self, uint32_t a, uint32_t b):
        """How many times (a, b) was counted (0 when absent or pruned)."""
        cdef uint64_t key = (<uint64_t>a << 32) | b
        cdef uint64_t s = self.home(key)
        while self.slots[s].key != EMPTY:
            if self.slots[s].key == key:
                return self.slots[s].count
            s = (s + 1) & self.mask
        return 0

    @property
    def table_bytes(self):
        """Memory held by the table now."""
        return (self.mask + 1) * sizeof(Slot)

    @property
    def max_table_bytes(self):
        """The most memory the table holds: 21-43 bytes per pair of ``max_size`` (the slots
        for it at a load of at most 3/4, rounded up to a power of two). For a moment, growing
        to it holds the half-size table too, and a prune holds its survivors too."""
        return self.max_slots * sizeof(Slot)

    def pairs(self, int64_t min_count=1):
        """The pairs counted at least ``min_count`` times: ``(a, b, count)`` arrays (uint32,
        uint32, int64), in table order."""
        cdef uint64_t i, n_slots = self.mask + 1
        cdef Py_ssize_t k = 0, m = 0
        with nogil:
            for i in range(n_slots):
                if self.slots[i].key != EMPTY and self.slots[i].count >= <uint64_t>min_count:
                    m += 1
        a_arr = np.empty(m, dtype=np.uint32)
        b_arr = np.empty(m, dtype=np.uint32)
        c_arr = np.empty(m, dtype=np.int64)
        cdef uint32_t[::1] a = a_arr
        cdef uint32_t[::1] b = b_arr
        cdef int64_t[::1] c = c_arr
        with nogil:
            for i in range(n_slots):
                if self.slots[i].key != EMPTY and self.slots[i].count >= <uint64_t>min_count:
                    a[k] = <uint32_t>(self.slots[i].key >> 32)
                    b[k] = <uint32_t>(self.slots[i].key & 0xFFFFFFFFU)
                    c[k] = <int64_t>self.slots[i].count
                    k += 1
        return a_arr, b_arr, c_arr


ctypedef struct Entry:
    uint64_t key
    uint32_t value


cdef class PhraseRewriter:
    """One pass's phrases: the pairs (a[i], b[i]) become the single id joined[i].

    The rewrite goes left to right through each sentence, as word2phrase's does: a pair whose
    first word is the previous output token joins, and then its second word is spent, so in
    ``a b c`` with both ``a b`` and ``b c`` phrases the result is ``a_b c``; the next pair
    starts with the word after the phrase. Pairs never cross a ``SENTENCE_END`` (a line end).

    Pieces of one stream are rewritten in order; the last token of a piece waits (``pending``)
    until the next piece shows whether it joins.
    """
    cdef Entry *table
    cdef uint64_t mask
    cdef int shift
    cdef uint8_t *starts         # starts[w]: some phrase begins with w (skips most look-ups)
    cdef uint64_t n_starts
    cdef uint32_t pending        # SENT: nothing pending
    cdef readonly int64_t size, joined_count

    def __cinit__(self, const uint32_t[::1] a, const uint32_t[::1] b,
                  const uint32_t[::1] joined):
        cdef Py_ssize_t i, n = a.shape[0]
        cdef uint64_t slots = 16, key, s
        if b.shape[0] != n or joined.shape[0] != n:
            raise ValueError("a, b and joined differ in length")
        self.pending = SENT
        self.shift = 60
        while slots < <uint64_t>n * 2:
            slots <<= 1
            self.shift -= 1
        self.mask = slots - 1
        self.n_starts = 1
        for i in range(n):
            if a[i] == SENT or b[i] == SENT or joined[i] == SENT:
                raise ValueError("SENTENCE_END in a phrase")
            if a[i] >= self.n_starts:
                self.n_starts = <uint64_t>a[i] + 1
        self.table = <Entry *>malloc(slots * sizeof(Entry))
        self.starts = <uint8_t *>calloc(self.n_starts, 1)
        if self.table == NULL or self.starts == NULL:
            raise MemoryError()
        for s in range(slots):
            self.table[s].key = EMPTY
        for i in range(n):
            key = (<uint64_t>a[i] << 32) | b[i]
            s = (key * GOLDEN) >> self.shift
            while self.table[s].key != EMPTY and self.table[s].key != key:
                s = (s + 1) & self.mask
            if self.table[s].key == key:
                raise ValueError("pair (%d, %d) given twice" % (a[i], b[i]))
            self.table[s].key = key
            self.table[s].value = joined[i]
            self.starts[a[i]] = 1
            self.size += 1

    def __dealloc__(self):
        free(self.table)
        free(self.starts)

    cdef inline uint32_t lookup(self, uint32_t a, uint32_t b) noexcept nogil:
        """The id (a, b) joins into, or SENT."""
        cdef uint64_t key, s
        if a >= self.n_starts or not self.starts[a]:
            return SENT
        key = (<uint64_t>a << 32) | b
        s = (key * GOLDEN) >> self.shift
        while self.table[s].key != EMPTY:
            if self.table[s].key == key:
                return self.table[s].value
            s = (s + 1) & self.mask
        return SENT

    cdef Py_ssize_t run(self, const uint32_t *src, Py_ssize_t n, uint32_t *dst,
                        bint final) noexcept nogil:
        """Rewrite src[:n] into dst; return the ids written. dst may be src itself when
        nothing is pending, or start earlier than src (outputs never outnumber inputs)."""
        cdef Py_ssize_t i, k = 0
        cdef uint32_t p = self.pending, w, j
        for i in range(n):
            w = src[i]
            if w == SENT:
                if p != SENT:
                    dst[k] = p
                    k += 1
                    p = SENT
                dst[k] = SENT
                k += 1
            elif p == SENT:
                p = w
            else:
                j = self.lookup(p, w)
                if j != SENT:
                    dst[k] = j
                    k += 1
                    self.joined_count += 1
                    p = SENT
                else:
                    dst[k] = p
                    k += 1
                    p = w
        if final and p != SENT:
            dst[k] = p
            k += 1
            p = SENT
        self.pending = p
        return k

    def rewrite_range(self, uint32_t[::1] stream, Py_ssize_t begin, Py_ssize_t end,
                      Py_ssize_t k, bint final=False):
        """Rewrite stream[begin:end] in place, writing from stream[k] on; return the new k.

        For a whole stream rewritten piece by piece: start with k = begin = 0 and pass back
        each returned k (it never overtakes the reading position); ``final`` on the last piece.
        """
        cdef Py_ssize_t written
        if not (0 <= begin <= end <= stream.shape[0]) or not (0 <= k <= begin):
            raise ValueError("bad range")
        if self.pending != SENT and k == begin:
            raise ValueError("a pending token would be overwritten: k must stay behind")
        if end == begin:
            if final and self.pending != SENT:
                stream[k] = self.pending
                self.pending = SENT
                return k + 1
            return k
        with nogil:
            written = self.run(&stream[begin], end - begin, &stream[k], final)
        return k + written

    def rewrite(self, const uint32_t[::1] src, uint32_t[::1] dst, bint final=False):
        """Rewrite the piece ``src`` into ``dst`` (at least ``len(src) + 1`` long, not
        overlapping src); return the number of ids written."""
        cdef Py_ssize_t n = src.shape[0], written
        cdef uint32_t dummy = SENT
        if dst.shape[0] < n + 1:
            raise ValueError("dst must hold len(src) + 1 ids")
        cdef const uint32_t *s = &dummy
        if n > 0:
            s = &src[0]
        with nogil:
            written = self.run(s, n, &dst[0], final)
        return written
