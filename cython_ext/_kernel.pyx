# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The reference skip-gram kernel: word2vec's update loop, one nogil block per call.

One call trains one contiguous range of the encoded corpus (a thread's shard for one epoch).
Semantics follow the original word2vec (see DESIGN.md, "Algorithms"): tokens are subsampled
before the window is applied; each kept centre word draws b in [0, window) and uses contexts
within ``window - b`` inside the same sentence; for a (centre, context) pair the context's input
vector is scored against the centre's output vector (label 1) and ``negative`` noise words'
output vectors (label 0); output rows are updated as they go, the input row once at the end.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint32_t, uint64_t, int64_t, int32_t
from libc.stdlib cimport malloc, free
from libc.math cimport exp, log
from libc.string cimport memset
from _rng cimport next_u64, bounded, alias_draw, keep_token

cnp.import_array()

cdef enum:
    EXP_TABLE_SIZE = 1000
    MAX_EXP = 6
    MAX_SENTENCE = 10000
    # Per-thread counters sit 8 slots (64 bytes) apart so threads never share a cache line.
    SLOT = 8
# Table index per unit of score (word2vec writes this in integer arithmetic, 83 instead of 83.3).
cdef float EXP_SCALE = EXP_TABLE_SIZE / (2.0 * MAX_EXP)

cdef uint32_t SENT = 0xFFFFFFFFU

# word2vec's sigmoid table over [-MAX_EXP, MAX_EXP], and -log(sigmoid) on the same grid for the
# reported loss (monitoring only, so the table's resolution is plenty). One entry more than
# the grid: a score a hair below MAX_EXP can round up to index EXP_TABLE_SIZE in float.
cdef float SIGMOID[EXP_TABLE_SIZE + 1]
cdef float NEG_LOG_SIGMOID[EXP_TABLE_SIZE + 1]
for _i in range(EXP_TABLE_SIZE + 1):
    _x = (_i / <double>EXP_TABLE_SIZE * 2 - 1) * MAX_EXP
    SIGMOID[_i] = exp(_x) / (exp(_x) + 1)
    NEG_LOG_SIGMOID[_i] = log(1 + exp(-_x))

COUNTER_STRIDE = SLOT


cdef extern from "simd.h" nogil:
    float dot "w2v_dot"(const float *a, const float *b, int n)
    void axpy "w2v_axpy"(float alpha, const float *x, float *y, int n)
    void accumulate "w2v_accumulate"(float *y, const float *w, float **x, int count, int n)


cdef inline float neg_log_sigmoid(float f) noexcept nogil:
    """-log(sigmoid(f)) from the table; linear beyond the table, where it is ~ -f or ~0."""
    if f <= -MAX_EXP:
        return -f
    if f >= MAX_EXP:
        return 0
    return NEG_LOG_SIGMOID[<int>((f + MAX_EXP) * EXP_SCALE)]


cdef struct Config:
    # Everything the loop reads, as raw pointers and scalars (gensim's pattern).
    float *syn0
    float *syn1neg
    const uint32_t *stream
    const uint32_t *keep
    const uint32_t *noise_prob
    const uint32_t *noise_alias
    uint32_t vocab_size
    int dim
    int row                  # floats from one row to the next (>= dim: rows may be padded)
    int window
    int negative
    double alpha
    double min_alpha
    double total_words
    int64_t *words_done      # per-thread slots, stride SLOT
    double *loss             # per-thread [sum, pairs] at slot*SLOT
    int threads
    volatile int *stop
    int fast                 # 1: shared negatives per window (KERNEL_FAST), 0: reference
    uint32_t *pairs          # record mode: (centre, context) pairs instead of updates
    int64_t pairs_cap
    int64_t pairs_len


cdef double current_alpha(Config *c) noexcept nogil:
    """Linear decay by the words all threads have done (word2vec's schedule)."""
    cdef int64_t done = 0
    cdef int t
    for t in range(c.threads):
        done += c.words_done[t * SLOT]
    cdef double a = c.alpha * (1.0 - done / c.total_words)
    if a < c.min_alpha:
        a = c.min_alpha
    return a


cdef void sgns_pair(Config *c, uint32_t centre, uint32_t context, float alpha, float *neu1e,
                    uint64_t *rng, double *loss) noexcept nogil:
    """One skip-gram negative-sampling update for a (centre, context) pair."""
    cdef int dim = c.dim, d
    cdef float *l1 = c.syn0 + <int64_t>context * c.row
    cdef float *l2
    cdef uint32_t target
    cdef float f, g, label
    cdef float pair_loss = 0
    memset(neu1e, 0, dim * sizeof(float))
    for d in range(c.negative + 1):
        if d == 0:
            target = centre
            label = 1
        else:
            target = alias_draw(rng, c.noise_prob, c.noise_alias, c.vocab_size)
            if target == centre:
                continue
            label = 0
        l2 = c.syn1neg + <int64_t>target * c.row
        f = dot(l1, l2, dim)
        if f > MAX_EXP:
            g = (label - 1) * alpha
        elif f < -MAX_EXP:
            g = label * alpha
        else:
            g = (label - SIGMOID[<int>((f + MAX_EXP) * EXP_SCALE)]) * alpha
        pair_loss += neg_log_sigmoid(f if label > 0 else -f)
        axpy(g, l2, neu1e, dim)
        axpy(g, l1, l2, dim)
    axpy(1.0, neu1e, l1, dim)
    loss[0] += pair_loss


cdef inline float sgns_gradient(float f, float label, float alpha) noexcept nogil:
    """(label - sigmoid(f)) * alpha with word2vec's saturation."""
    if f > MAX_EXP:
        return (label - 1) * alpha
    if f < -MAX_EXP:
        return label * alpha
    return (label - SIGMOID[<int>((f + MAX_EXP) * EXP_SCALE)]) * alpha


cdef void sgns_window(Config *c, uint32_t centre, const uint32_t *contexts, int m, float alpha,
                      float *scratch, uint64_t *rng, double *loss) noexcept nogil:
    """Shared-negatives update for one centre word and its m contexts (HogBatch, Ji et al. 2016).

    The centre's output row and one set of noise rows serve every context of the window, so
    the k+1 output rows stay in L1 while the m input rows stream past: the same arithmetic as
    m reference updates, with k instead of m*k random output rows and noise draws. Scores
    and gradients are computed from the weights as they were at the start of the window.
    """
    cdef int dim = c.dim, n_out = 1, j, t, d
    cdef uint32_t target
    cdef uint32_t targets[1025]
    cdef float *rows[1025]
    cdef float *inputs[2000]
    cdef float *grads = scratch                              # m x n_out
    cdef float *column = scratch + m * (c.negative + 1)      # one output's m gradients
    cdef float *errors = column + m                          # m x dim
    cdef float window_loss = 0, f
    targets[0] = centre
    for d in range(c.negative):
        target = alias_draw(rng, c.noise_prob, c.noise_alias, c.vocab_size)
        if target != centre:
            targets[n_out] = target
            n_out += 1
    for t in range(n_out):
        rows[t] = c.syn1neg + <int64_t>targets[t] * c.row
    for j in range(m):
        inputs[j] = c.syn0 + <int64_t>contexts[j] * c.row
    # Scores -> gradients, and each context's error from the (still unchanged) output rows.
    for j in range(m):
        for t in range(n_out):
            f = dot(inputs[j], rows[t], dim)
            window_loss += neg_log_sigmoid(f if t == 0 else -f)
            grads[j * n_out + t] = sgns_gradient(f, t == 0, alpha)
        memset(errors + j * dim, 0, dim * sizeof(float))
        accumulate(errors + j * dim, grads + j * n_out, rows, n_out, dim)
    for t in range(n_out):
        for j in range(m):
            column[j] = grads[j * n_out + t]
        accumulate(rows[t], column, inputs, m, dim)
    for j in range(m):
        axpy(1.0, errors + j * dim, inputs[j], dim)
    loss[0] += window_loss


cdef int train_range(Config *c, int thread, int64_t start, int64_t end, uint64_t *rng) noexcept nogil:
    """Train on stream[start:end]; return 0, or 1 when stopped early by the stop flag."""
    cdef uint32_t *sentence = <uint32_t *>malloc(MAX_SENTENCE * sizeof(uint32_t))
    cdef float *neu1e = <float *>malloc(
        (c.dim + 2 * c.window * (c.dim + c.negative + 2)) * sizeof(float))
    cdef uint32_t contexts[2000]
    cdef int m
    cdef int64_t pos = start, raw, since_update = 0
    cdef int64_t slen, i, j, lo, hi
    cdef uint32_t w
    cdef int b, stopped = 0
    cdef double loss = 0, pairs = 0
    cdef float alpha = <float>current_alpha(c)
    if sentence == NULL or neu1e == NULL:
        free(sentence)
        free(neu1e)
        return -1
    while pos < end:
        if c.stop[0]:
            stopped = 1
            break
        # Read one sentence, subsampling as we go.
        slen = 0
        raw = 0
        while pos < end:
            w = c.stream[pos]
            pos += 1
            if w == SENT:
                break
            raw += 1
            if keep_token(rng, c.keep[w]):
                sentence[slen] = w
                slen += 1
                if slen == MAX_SENTENCE:
                    break
        for i in range(slen):
            b = <int>bounded(rng, <uint32_t>c.window)
            lo = i - c.window + b
            hi = i + c.window - b
            if lo < 0:
                lo = 0
            if hi >= slen:
                hi = slen - 1
            if c.fast and c.pairs == NULL:
                m = 0
                for j in range(lo, hi + 1):
                    if j != i:
                        contexts[m] = sentence[j]
                        m += 1
                if m > 0:
                    sgns_window(c, sentence[i], contexts, m, alpha, neu1e, rng, &loss)
                    pairs += m
                continue
            for j in range(lo, hi + 1):
                if j == i:
                    continue
                if c.pairs != NULL:
                    if c.pairs_len < c.pairs_cap:
                        c.pairs[2 * c.pairs_len] = sentence[i]
                        c.pairs[2 * c.pairs_len + 1] = sentence[j]
                        c.pairs_len += 1
                    continue
                sgns_pair(c, sentence[i], sentence[j], alpha, neu1e, rng, &loss)
                pairs += 1
        # Publish progress and refresh the learning rate every ~10k words, like word2vec.
        c.words_done[thread * SLOT] += raw
        since_update += raw
        if since_update >= 10000:
            since_update = 0
            alpha = <float>current_alpha(c)
            c.loss[thread * SLOT] += loss
            c.loss[thread * SLOT + 1] += pairs
            loss = 0
            pairs = 0
    c.loss[thread * SLOT] += loss
    c.loss[thread * SLOT + 1] += pairs
    free(sentence)
    free(neu1e)
    return stopped


cdef class Kernel:
    """Holds the shared training state; ``train(thread, start, end)`` runs without the GIL.

    Built once per training run by ``w2vns.training`` (which validates every array), then
    called from one Python thread per worker. Counters are read by the main thread for
    progress and the learning-rate display.
    """
    cdef Config c
    cdef object _refs            # keeps the arrays behind the raw pointers alive
    cdef readonly object words_done, loss, stop_flag, rng_state
    cdef object _pairs

    def __init__(self, float[:, :] syn0, float[:, :] syn1neg, const uint32_t[::1] stream,
                 const uint32_t[::1] keep, const uint32_t[::1] noise_prob,
                 const uint32_t[::1] noise_alias, int window, int negative, double alpha,
                 double min_alpha, double total_words, int threads, uint64_t seed,
                 bint fast=False):
        cdef int t
        if syn0.shape[0] != syn1neg.shape[0] or syn0.shape[1] != syn1neg.shape[1]:
            raise ValueError("syn0 and syn1neg shapes differ")
        if syn0.strides[0] != syn1neg.strides[0] or syn0.strides[0] % sizeof(float):
            raise ValueError("syn0 and syn1neg must have the same row stride")
        if syn0.strides[1] != sizeof(float) or syn1neg.strides[1] != sizeof(float):
            raise ValueError("weight rows must be contiguous float32")
        if keep.shape[0] != syn0.shape[0] or noise_prob.shape[0] != syn0.shape[0]:
            raise ValueError("per-word tables do not match the vocabulary")
        if stream.shape[0] == 0 or syn0.shape[0] == 0:
            raise ValueError("empty corpus or vocabulary")
        self.words_done = np.zeros(threads * SLOT, dtype=np.int64)
        self.loss = np.zeros(threads * SLOT, dtype=np.float64)
        self.stop_flag = np.zeros(1, dtype=np.intc)
        # One independent stream per thread: splitmix64 states seeded apart by the seed's hash.
        self.rng_state = np.array([(seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019 * (t + 1)) % 2**64
                                   for t in range(threads)], dtype=np.uint64).repeat(SLOT)
        self._refs = (syn0, syn1neg, stream, keep, noise_prob, noise_alias)
        cdef int64_t[::1] wd = self.words_done
        cdef double[::1] ls = self.loss
        cdef int[::1] st = self.stop_flag
        self.c.syn0 = &syn0[0, 0]
        self.c.syn1neg = &syn1neg[0, 0]
        self.c.stream = &stream[0]
        self.c.keep = &keep[0]
        self.c.noise_prob = &noise_prob[0]
        self.c.noise_alias = &noise_alias[0]
        self.c.vocab_size = <uint32_t>syn0.shape[0]
        self.c.dim = <int>syn0.shape[1]
        self.c.row = <int>(syn0.strides[0] // sizeof(float))
        self.c.window = window
        self.c.negative = negative
        self.c.alpha = alpha
        self.c.min_alpha = min_alpha
        self.c.total_words = total_words if total_words > 0 else 1
        self.c.words_done = &wd[0]
        self.c.loss = &ls[0]
        self.c.threads = threads
        self.c.stop = &st[0]
        self.c.pairs = NULL
        self.c.fast = fast

    def train(self, int thread, int64_t start, int64_t end):
        """Train on stream[start:end] as worker ``thread``; True when stopped early."""
        cdef uint64_t[::1] rng = self.rng_state
        cdef int result
        if thread < 0 or thread >= self.c.threads:
            raise IndexError(thread)
        with nogil:
            result = train_range(&self.c, thread, start, end, &rng[thread * SLOT])
        if result < 0:
            raise MemoryError()
        return result == 1

    def record_pairs(self, int64_t start, int64_t end, int64_t capacity):
        """Run thread 0's loop over stream[start:end] but record (centre, context) pairs
        instead of updating weights: the test hook for subsampling and windows."""
        cdef uint64_t[::1] rng = self.rng_state
        pairs = np.zeros((capacity, 2), dtype=np.uint32)
        cdef uint32_t[:, ::1] view = pairs
        self.c.pairs = &view[0, 0]
        self.c.pairs_cap = capacity
        self.c.pairs_len = 0
        try:
            with nogil:
                train_range(&self.c, 0, start, end, &rng[0])
        finally:
            self.c.pairs = NULL
        return pairs[:self.c.pairs_len]

    def current_alpha(self):
        """The learning rate the workers use now."""
        return current_alpha(&self.c)

    def request_stop(self):
        """Ask every worker to stop at its next sentence."""
        self.stop_flag[0] = 1
