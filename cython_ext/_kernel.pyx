# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The skip-gram training loops, one nogil block per call.

One call trains one contiguous range of the encoded corpus (a block of an epoch, taken from
the trainer's shared queue).
Semantics follow the original word2vec (see DESIGN.md, "Algorithms"): tokens are subsampled
before the window is applied; each kept centre word draws b in [0, window) and uses contexts
within ``window - b`` inside the same sentence (``window == 0``: every other word of the line,
for item baskets; with ``context_side`` "before", only the contexts before it); for a
(centre, context) pair the context's input vector is scored against the centre's output
vector (label 1) and ``negative`` noise words' output vectors (label 0).

Two loops share everything but the batching: the reference loop updates per pair, as
word2vec; the fast loop shares one set of noise words across the contexts of a window.

The loss is an ``Objective`` (see _shared.pxd): how the targets of a centre word are chosen
and how their scores turn into gradients. Both loops call it and never name a loss. The
objectives are at the end of this file, with the table ``OBJECTIVES`` that names them for the
Python side (w2vns/training/losses.py). Negative sampling's variants share one target chooser
(``choose_negatives``: plain or hard negatives) and one logistic step (``logistic_gradients``:
optional self-adversarial weights); SGNS and NCE differ only in their logits. The softmax
family: hierarchical softmax (the centre's path in a Huffman tree, a logistic step per node),
the exact softmax (every word a target) and sampled softmax (the centre and noise draws,
logits corrected by -log(k q(w))) share one softmax cross-entropy step.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t, int32_t
from libc.stdlib cimport malloc, calloc, free
from libc.math cimport exp, expf, log, logf
from libc.string cimport memcpy, memset
from _rng cimport next_u64, alias_draw
cimport _shared
from _windows cimport read_sentence, window_bounds
from _shared cimport (Config, Scratch, Objective, MAX_SENTENCE_LENGTH, SLOT,
                      choose_targets_fn, gradients_fn, prefetch_fn)

cnp.import_array()

cdef enum:
    EXP_TABLE_SIZE = 1000
    MAX_EXP = 6
    # hot_merge fetches the shared row this many rows ahead of the one it merges.
    MERGE_AHEAD = 4
    # States of a hot copy (Scratch.hot_live): none; live, unchanged since the last merge
    # (copy == base); live and used since the last merge.
    HOT_NONE = 0
    HOT_IDLE = 1
    HOT_USED = 2
    # A thread merges its hot copies at the latest when one of them has taken this many
    # updates, whatever hot_sync says. Why: every thread's copy of a very frequent word's row
    # moves from the same stale start, and the merges add all those moves up; too many and
    # the sum overshoots (16 threads with hot_sync 256, ~40 updates of the top rows per
    # merge, diverged to NaN). The default hot_sync of 64 gives the top rows ~10.
    HOT_MAX_USES = 16
    # The fast loop works on the output rows this many at a time (12.8 kB at 100 dimensions):
    # a tile stays in L1 while every context of the window passes over it, so an objective
    # with thousands of targets (the exact softmax) reads each output row once per pass
    # instead of once per context. A multiple of 4, accumulate's step: for up to this many
    # targets the arithmetic is the same as one pass over all of them.
    TARGET_TILE = 32
# Scores (and gradients) of one chunk of a window's contexts take at most this many floats
# (4 MiB): with tens of thousands of targets and whole-line contexts (window 0), a window is
# done a chunk of contexts at a time.
cdef int64_t CHUNK_FLOATS = 1 << 20
# Table index per unit of score (word2vec writes this in integer arithmetic, 83 instead of 83.3).
cdef float EXP_SCALE = EXP_TABLE_SIZE / (2.0 * MAX_EXP)

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
    void dots "w2v_dots"(float *out, const float *x, float **rows, int count, int n)
    void group_update "w2v_group_update"(float **x, int m, float **rows, int count,
                                         const float *g, float *delta, int n)
    void group_update_sequential "w2v_group_update_sequential"(
        float **x, int m, float **rows, int count, const float *g, float *errors, int n)
    int distinct "w2v_distinct"(float **p, int n)
    void add_difference "w2v_add_difference"(float *y, const float *a, const float *b, int n)
    void prefetch_write "w2v_prefetch_write"(const float *p, int n)
    float exp_sum "w2v_exp_sum"(float *x, float top, int n)
    const int VECTOR_LANES "W2V_LANES"
    const char *VECTOR_EXTENSION "W2V_VECTORS"


def vector_build():
    """``(extension, lanes)``: the vector instructions this extension was compiled for
    ("AVX-512", "AVX2", "AVX", "SSE2" or "NEON") and the floats its inner loops take a step."""
    return VECTOR_EXTENSION.decode("ascii"), VECTOR_LANES


cdef inline float neg_log_sigmoid(float f) noexcept nogil:
    """-log(sigmoid(f)) from the table; linear beyond the table, where it is ~ -f or ~0.

    The table is read only when -MAX_EXP < f < MAX_EXP holds, which a NaN score (a diverged
    model) fails: it must never become an index (far out of the table; a crash).
    """
    if -MAX_EXP < f < MAX_EXP:
        return NEG_LOG_SIGMOID[<int>((f + MAX_EXP) * EXP_SCALE)]
    if f >= MAX_EXP:
        return 0
    return -f


cdef int scratch_alloc(Config *c, Scratch *s) noexcept nogil:
    cdef int64_t max_m = 2 * c.window if c.window > 0 else MAX_SENTENCE_LENGTH - 1
    cdef int64_t n_out = c.max_targets
    cdef int64_t n_cand = c.hard if c.hard > c.negative else c.negative
    cdef int64_t chunk
    if not c.fast:
        max_m = 1
    chunk = max_m
    if 0 < c.group < chunk:  # see update_targets; 0: no cap
        chunk = c.group
    if chunk * n_out > CHUNK_FLOATS:
        chunk = CHUNK_FLOATS // n_out if n_out < CHUNK_FLOATS else 1
    memset(s, 0, sizeof(Scratch))
    s.chunk = <int>chunk
    s.sentence = <uint32_t *>malloc(MAX_SENTENCE_LENGTH * sizeof(uint32_t))
    s.contexts = <uint32_t *>malloc(MAX_SENTENCE_LENGTH * sizeof(uint32_t))
    s.inputs = <float **>malloc(max_m * sizeof(float *))
    s.targets = <uint32_t *>malloc(n_out * sizeof(uint32_t))
    s.rows = <float **>malloc(n_out * sizeof(float *))
    s.candidates = <uint32_t *>malloc((n_cand + 1) * sizeof(uint32_t))
    s.batches = <uint32_t *>malloc(2 * (c.negative + 1) * sizeof(uint32_t))
    s.candidate_scores = <float *>malloc((n_cand + 1) * sizeof(float))
    s.scores = <float *>malloc(chunk * n_out * sizeof(float))
    s.grads = <float *>malloc(chunk * n_out * sizeof(float))
    s.column = <float *>malloc(chunk * sizeof(float))
    s.errors = <float *>malloc(chunk * c.dim * sizeof(float))
    s.delta = <float *>malloc(TARGET_TILE * c.dim * sizeof(float))
    s.query = <float *>malloc(c.dim * sizeof(float))
    if c.hot_rows > 0:
        s.hot_local = <float *>malloc(2 * <int64_t>c.hot_rows * c.row * sizeof(float))
        s.hot_base = <float *>malloc(2 * <int64_t>c.hot_rows * c.row * sizeof(float))
        s.hot_live = <uint8_t *>calloc(2 * <int64_t>c.hot_rows, sizeof(uint8_t))
        s.hot_list = <uint32_t *>malloc(2 * <int64_t>c.hot_rows * sizeof(uint32_t))
        s.hot_uses = <uint16_t *>calloc(2 * <int64_t>c.hot_rows, sizeof(uint16_t))
        if (s.hot_local == NULL or s.hot_base == NULL or s.hot_live == NULL or
                s.hot_list == NULL or s.hot_uses == NULL):
            return -1
    if (s.sentence == NULL or s.contexts == NULL or s.inputs == NULL or s.targets == NULL or
            s.rows == NULL or s.candidates == NULL or s.candidate_scores == NULL or
            s.batches == NULL or
            s.scores == NULL or s.grads == NULL or s.column == NULL or s.errors == NULL or
            s.delta == NULL or s.query == NULL):
        return -1
    return 0


cdef void scratch_free(Scratch *s) noexcept nogil:
    free(s.sentence)
    free(s.contexts)
    free(s.inputs)
    free(s.targets)
    free(s.rows)
    free(s.candidates)
    free(s.batches)
    free(s.candidate_scores)
    free(s.scores)
    free(s.grads)
    free(s.column)
    free(s.errors)
    free(s.delta)
    free(s.query)
    free(s.hot_local)
    free(s.hot_base)
    free(s.hot_live)
    free(s.hot_list)
    free(s.hot_uses)


cdef inline float *hot_shared_row(Config *c, int64_t k) noexcept nogil:
    """The shared row behind hot copy k (k = matrix * hot_rows + row; matrix 1 is the output
    matrix the objective's targets index: syn1neg, or HS's inner nodes, whose low ids are the
    nodes nearest the root, on every path)."""
    return (c.syn0 if k < c.hot_rows else c.output) + (k % c.hot_rows) * c.row


cdef float *hot_row(Config *c, Scratch *s, int matrix, uint32_t w) noexcept nogil:
    """This thread's working copy of a frequent word's row, copied from the shared row on
    first use (and refreshed from it at each merge while the copy is in use).

    Why: every thread updates the rows of the most frequent words (as noise words, centres and
    contexts) all the time; written in place, those few cache lines bounce between the cores
    on every update, and 16 threads spend their time waiting for them. Working on a private
    copy and merging the difference every ``hot_sync`` updates (``hot_merge``) turns thousands
    of contended writes into one, at the price of seeing the other threads' updates to those
    rows a little later (as Hogwild's delayed updates; each row still gets every gradient).
    """
    cdef int64_t k = matrix * <int64_t>c.hot_rows + w
    cdef float *local = s.hot_local + k * c.row
    cdef const float *shared
    if s.hot_live[k] == HOT_NONE:
        shared = hot_shared_row(c, k)
        memcpy(local, shared, c.dim * sizeof(float))
        memcpy(s.hot_base + k * c.row, shared, c.dim * sizeof(float))
        s.hot_list[s.n_hot] = <uint32_t>k
        s.n_hot += 1
    s.hot_live[k] = HOT_USED
    s.hot_uses[k] += 1
    if s.hot_uses[k] > s.max_uses:
        s.max_uses = s.hot_uses[k]
    return local


cdef void hot_merge(Config *c, Scratch *s, bint refresh) noexcept nogil:
    """Add what this thread changed in its hot copies to the shared rows.

    ``refresh``: a copy used since the last merge is then reloaded from the shared row, which
    now holds the other threads' changes too, and stays live: the merge has just fetched that
    row writable, so the reload is nearly free, where a copy dropped here would be fetched
    again, with another coherence miss, on its next use. A copy not used since the last
    merge has nothing to add (copy == base) and is dropped. Without ``refresh`` (the end of a
    task), every copy is merged and dropped.
    """
    cdef int i, n_keep = 0
    cdef int64_t k
    cdef float *shared
    cdef float *local
    cdef float *base
    for i in range(s.n_hot):
        if i + MERGE_AHEAD < s.n_hot:  # fetch a few rows ahead, writable (see simd.h)
            k = s.hot_list[i + MERGE_AHEAD]
            if s.hot_live[k] == HOT_USED:
                prefetch_write(hot_shared_row(c, k), c.dim)
        k = s.hot_list[i]
        s.hot_uses[k] = 0
        if s.hot_live[k] == HOT_USED:
            shared = hot_shared_row(c, k)
            local = s.hot_local + k * c.row
            base = s.hot_base + k * c.row
            add_difference(shared, local, base, c.dim)
            if refresh:
                memcpy(local, shared, c.dim * sizeof(float))
                memcpy(base, shared, c.dim * sizeof(float))
                s.hot_live[k] = HOT_IDLE
                s.hot_list[n_keep] = <uint32_t>k
                n_keep += 1
                continue
        s.hot_live[k] = HOT_NONE
    s.n_hot = n_keep
    s.since_sync = 0
    s.max_uses = 0


cdef inline float *input_row(Config *c, Scratch *s, uint32_t w) noexcept nogil:
    if w < c.hot_rows:
        return hot_row(c, s, 0, w)
    return c.syn0 + <int64_t>w * c.row


cdef inline float *output_row(Config *c, Scratch *s, uint32_t w) noexcept nogil:
    """Row w of the output matrix the objective's targets index (c.output)."""
    if w < c.hot_rows:
        return hot_row(c, s, 1, w)
    return c.output + <int64_t>w * c.row


cdef inline void updated(Config *c, Scratch *s) noexcept nogil:
    """Count one update; merge the hot copies every ``hot_sync`` updates, or sooner when one
    copy has taken HOT_MAX_USES updates."""
    if s.n_hot > 0:
        s.since_sync += 1
        if s.since_sync >= c.hot_sync or s.max_uses >= HOT_MAX_USES:
            hot_merge(c, s, True)


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


cdef inline float sigmoid_gradient(float f, float label, float alpha) noexcept nogil:
    """(label - sigmoid(f)) * alpha with word2vec's saturation beyond +-MAX_EXP."""
    if -MAX_EXP <= f <= MAX_EXP:  # false for NaN, which must not index the table
        return (label - SIGMOID[<int>((f + MAX_EXP) * EXP_SCALE)]) * alpha
    if f > MAX_EXP:
        return (label - 1) * alpha
    return label * alpha


cdef inline float logistic_gradients(Config *c, const float *scores, int n_out, int n_pos,
                                     float alpha, float *grads) noexcept nogil:
    """Binary logistic loss of [positive, noise...]: ``grads`` holds their logits on entry and
    the gradient scales on return, g = (label - sigmoid(logit)) * alpha; returns the loss.
    The first ``n_pos`` targets have label 1.

    Self-adversarial (Sun et al. 2019): each noise word's gradient and loss are weighted by
    k * softmax(s_j / T) over the noise words, the weights held constant (no gradient flows
    through them). The weights use the bare scores s_j, not the logits: they are to single
    out the noise words that this context makes confusable, and an NCE bias b_w is the same
    for every context. Initialised at log unigram probability, the biases span ~10 nats, so
    softmax((s_j + b_j) / T) would put almost all the weight on the most frequent noise word
    of each draw, reweighting the noise distribution towards frequency rather than towards
    the context (hard negatives, likewise, rank candidates by the bare score).
    """
    cdef int t
    cdef float logit, loss = 0, top, total, weight
    cdef float *logits = grads  # overwritten by the gradients as they are computed
    cdef bint adversarial = c.adv_temperature > 0 and n_out > n_pos
    if adversarial:
        top = scores[n_pos]
        for t in range(n_pos + 1, n_out):
            if scores[t] > top:
                top = scores[t]
        total = 0
        for t in range(n_pos, n_out):
            total += expf((scores[t] - top) / c.adv_temperature)
    for t in range(n_pos):
        loss += neg_log_sigmoid(logits[t])
        grads[t] = sigmoid_gradient(logits[t], 1, alpha)
    for t in range(n_pos, n_out):
        weight = 1
        if adversarial:
            weight = (n_out - n_pos) * expf((scores[t] - top) / c.adv_temperature) / total
        logit = logits[t]
        loss += weight * neg_log_sigmoid(-logit)
        grads[t] = weight * sigmoid_gradient(logit, 0, alpha)
    return loss


cdef float labelled_gradients(Config *c, Scratch *s, const float *scores, int n_out,
                              float alpha, float *grads) noexcept nogil:
    """``logistic_gradients`` with the centre as the one positive: the count a constant, so
    that it compiles to the same arithmetic, and the same rounding, as a loop written for one
    positive."""
    return logistic_gradients(c, scores, n_out, 1, alpha, grads)


cdef inline bint noise_word(Config *c, Scratch *s, int d, uint64_t *rng,
                            uint32_t *w) noexcept nogil:
    """The d-th noise word of a window into ``w``: a test's fixed candidates (False past the
    last), the batch drawn a window ahead, or a fresh draw from the noise table."""
    if s.fixed != NULL:
        if d >= s.n_fixed:
            return False
        w[0] = s.fixed[d]
    elif s.ahead != NULL:
        w[0] = s.ahead[d]
    else:
        w[0] = alias_draw(rng, c.noise_prob, c.noise_alias, c.vocab_size)
    return True


cdef int choose_negatives(Config *c, Scratch *s, uint32_t centre, uint64_t *rng) noexcept nogil:
    """Fill s.targets / s.rows with the centre and its noise words; return how many in all.

    Plain: ``negative`` draws from the noise table (a draw equal to the centre is skipped).
    Hard (Zhang et al. 2013, dynamic negative sampling): ``hard`` candidates are drawn and the
    ``negative`` that the current model scores highest against ``s.query`` are kept.
    """
    cdef int n_out = 1, d, i, best, n_draw = c.hard if c.hard > 0 else c.negative
    cdef int n_cand = 0
    cdef uint32_t w
    s.targets[0] = centre
    for d in range(n_draw):
        if not noise_word(c, s, d, rng, &w):
            break
        if w != centre:
            s.candidates[n_cand] = w
            n_cand += 1
    s.ahead = NULL
    if c.hard > 0:
        for i in range(n_cand):
            s.candidate_scores[i] = dot(s.query, output_row(c, s, s.candidates[i]), c.dim)
        # Partial selection sort: k is small.
        for d in range(c.negative):
            if d >= n_cand:
                break
            best = d
            for i in range(d + 1, n_cand):
                if s.candidate_scores[i] > s.candidate_scores[best]:
                    best = i
            w = s.candidates[best]
            s.candidates[best] = s.candidates[d]
            s.candidates[d] = w
            s.candidate_scores[best], s.candidate_scores[d] = (
                s.candidate_scores[d], s.candidate_scores[best])
        if n_cand > c.negative:
            n_cand = c.negative
    for i in range(n_cand):
        s.targets[n_out] = s.candidates[i]
        n_out += 1
    for i in range(n_out):
        s.rows[i] = output_row(c, s, s.targets[i])
    return n_out


cdef void draw_ahead(Config *c, uint32_t *batch, uint64_t *rng) noexcept nogil:
    """Draw a window's ``negative`` noise words into ``batch`` a window early, and start
    fetching their output rows, so that the fetch overlaps the arithmetic of the window before
    instead of stalling this one. Plain negatives only: their draws do not depend on the
    model, so drawing them early changes nothing but the order of the random stream. (Hard
    negatives score their candidates first; they draw when they need them.)"""
    cdef int d
    cdef uint32_t w
    for d in range(c.negative):
        w = alias_draw(rng, c.noise_prob, c.noise_alias, c.vocab_size)
        batch[d] = w
        if w >= c.hot_rows:
            prefetch_write(c.output + <int64_t>w * c.row, c.dim)


cdef float update_pair(Config *c, Scratch *s, uint32_t centre, uint32_t context, float alpha,
                       uint64_t *rng) noexcept nogil:
    """Reference update for one (centre, context) pair, as word2vec; returns its loss."""
    cdef int dim = c.dim, t, n_out
    cdef float *l1 = input_row(c, s, context)
    cdef float *neu1e = s.errors
    cdef float loss
    if c.hard > 0:
        memcpy(s.query, l1, dim * sizeof(float))
    n_out = c.objective.choose_targets(c, s, centre, rng)
    for t in range(n_out):
        s.scores[t] = dot(l1, s.rows[t], dim)
    loss = c.objective.gradients(c, s, s.scores, n_out, alpha, s.grads)
    memset(neu1e, 0, dim * sizeof(float))
    for t in range(n_out):
        axpy(s.grads[t], s.rows[t], neu1e, dim)
        axpy(s.grads[t], l1, s.rows[t], dim)
    if c.output_bias != NULL:
        for t in range(n_out):
            c.output_bias[s.targets[t]] += s.grads[t]
    axpy(1.0, neu1e, l1, dim)
    return loss


cdef float update_window(Config *c, Scratch *s, uint32_t centre, int m, float alpha,
                         uint64_t *rng) noexcept nogil:
    """Shared-targets update for one centre word and its m contexts (HogBatch, Ji et al. 2016).

    The centre's targets (its output row and one set of noise rows; HS: its path; softmax:
    every word) serve every context of the window, so the output rows stay in cache while
    the m input rows stream past: the same arithmetic as m reference updates, with k instead
    of m*k random output rows and noise draws. Scores and gradients are computed from the
    weights as they were at the start of the window. A window of more than ``c.group``
    contexts goes in groups, each with noise words of its own, stepped context by context
    (see update_targets). Hard negatives are scored against the sum of the window's (group's)
    input vectors. NCE biases get the sum of their output's gradients over the window
    (group), like the output rows.
    """
    cdef int dim = c.dim, n_out, j, g, j0, j1
    cdef int n_groups = (m + s.chunk - 1) // s.chunk
    cdef int n_draw = c.hard if c.hard > 0 else c.negative
    cdef const uint32_t *fixed = s.fixed
    cdef int n_fixed = s.n_fixed
    cdef float loss = 0
    for j in range(m):
        s.inputs[j] = input_row(c, s, s.contexts[j])
    if n_groups == 1 or not c.objective.draws_noise:
        if c.hard > 0:
            memset(s.query, 0, dim * sizeof(float))
            for j in range(m):
                axpy(1.0, s.inputs[j], s.query, dim)
        n_out = c.objective.choose_targets(c, s, centre, rng)
        return update_targets(c, s, n_out, m, alpha)
    # A window split in groups: each group draws noise words of its own (the first takes the
    # batch drawn ahead), see update_targets. A test's fixed candidates: batch g for group g
    # when there are that many, else the first.
    j0 = 0
    for g in range(n_groups):
        j1 = group_end(g, m, n_groups)
        if fixed != NULL and n_fixed >= (g + 1) * n_draw:
            s.fixed = fixed + g * n_draw
            s.n_fixed = n_draw
        if c.hard > 0:
            memset(s.query, 0, dim * sizeof(float))
            for j in range(j0, j1):
                axpy(1.0, s.inputs[j], s.query, dim)
        n_out = c.objective.choose_targets(c, s, centre, rng)
        for j in range(n_out if n_out <= TARGET_TILE else 0):
            prefetch_write(s.rows[j], dim)
        loss += window_step(c, s, s.inputs + j0, j1 - j0, n_out, alpha, True)
        j0 = j1
    s.fixed = fixed
    s.n_fixed = n_fixed
    return loss


cdef inline int group_end(int g, int m, int n_groups) noexcept nogil:
    """Where group g of a window of m contexts in n_groups ends: sizes differ by one at most
    (m = 11 in groups of at most 10: 5 and 6)."""
    return <int>((<int64_t>(g + 1) * m) // n_groups)


cdef float update_targets(Config *c, Scratch *s, int n_out, int m, float alpha) noexcept nogil:
    """The arithmetic of ``update_window`` once its rows are chosen: the m input rows in
    ``s.inputs`` against the n_out output rows in ``s.rows`` (targets ``s.targets``); returns
    the loss. The contexts go in groups of at most ``s.chunk`` (``c.group``, fewer when that
    many contexts' scores would not fit a few MB), of sizes that differ by one at most, each
    computed from the weights as the groups before it left them.

    Why groups: a batched update computes every context's gradient from the same weights, so
    the centre's and the noise words' output rows take the summed steps of all the window's
    contexts at once, where the reference loop takes them one by one, each from the weights
    the last one left. The contexts of a basket are alike (one user's tastes): their steps
    add up in one direction and overshoot. With a whole line as the window (hundreds of
    contexts) the hit rate falls far below the reference loop's, and on text lines of ~600
    words training diverges (docs/recommendation.md, "The fast kernel on wide windows").

    Why, in a window split in groups, sequential steps within each group (``window_step``)
    and noise words of its own for each group (``update_window``): with one summed step per
    group, each context's step misses what the contexts before it in its group did to the
    shared rows, and so the pull of the inputs towards each other through them
    (g[j][t] g[i][t] x[i]); and with one batch of k noise words for hundreds of contexts,
    the window learns to tell its contexts from those k words only. On whole-line windows of
    text each cost analogy score against the reference loop (docs/kernel.md). A window of at
    most ``c.group`` contexts (word2vec's ``--window 5``) keeps one batch of noise words and,
    by default, the summed step, which scored higher there; ``c.sequential``
    (--context-steps sequential) steps it context by context too, which pays on short
    sessions scored by input-vector similarity (docs/recommendation.md). (The distributed
    cells call this with a window's noise words already drawn: there a split window shares
    them.)
    """
    cdef int dim = c.dim, j, t, j0, j1, g, n_groups
    cdef float loss = 0
    # Every row below is read, then written: fetch them all writable at once (see simd.h);
    # not thousands, though, which would only evict each other. Not at all when the caller
    # has asked for them already (``s.rows_fetched``): asking again costs instructions (7 a
    # row at d = 100) and fetches nothing.
    if not s.rows_fetched:
        if n_out <= TARGET_TILE:
            for t in range(n_out):
                prefetch_write(s.rows[t], dim)
        for j in range(m):
            prefetch_write(s.inputs[j], dim)
    if m <= s.chunk:  # one group (word2vec's windows, a cell's groups): no divisions
        return window_step(c, s, s.inputs, m, n_out, alpha, c.sequential)
    n_groups = (m + s.chunk - 1) // s.chunk
    j0 = 0
    for g in range(n_groups):
        j1 = group_end(g, m, n_groups)
        loss += window_step(c, s, s.inputs + j0, j1 - j0, n_out, alpha, n_groups > 1)
        j0 = j1
    return loss


cdef float window_step(Config *c, Scratch *s, float **inputs, int m, int n_out, float alpha,
                       bint sequential) noexcept nogil:
    """update_window's arithmetic for m contexts (``inputs``) against the chosen targets. Every
    context's scores, and so its gradient scales, come from the weights as they were at the
    start; then each output row takes one summed step, or, ``sequential`` (see update_targets),
    the steps go context by context as the reference loop takes its pairs: context j's error
    from the output rows as the contexts before it left them, then the rows' steps towards
    context j as it stood at the start. The inputs move last.

    Up to TARGET_TILE targets (negative sampling's k + 1), the rows' steps are carried in
    registers and written once (simd.h's w2v_dots, w2v_group_update and, for distinct rows,
    w2v_group_update_sequential). More (softmax, HS) the output rows are gone through a tile of
    TARGET_TILE at a time, every context over the tile before the next one (see TARGET_TILE)."""
    cdef int dim = c.dim, j, t, t0, tn
    cdef float loss = 0
    if n_out <= TARGET_TILE:
        for j in range(m):
            dots(s.scores + j * n_out, inputs[j], s.rows, n_out, dim)
            loss += c.objective.gradients(c, s, s.scores + j * n_out, n_out, alpha,
                                          s.grads + j * n_out)
        if not sequential:
            group_update(inputs, m, s.rows, n_out, s.grads, s.delta, dim)
            add_output_bias_steps(c, s, m, n_out)
            return loss
        if distinct(s.rows, n_out):
            group_update_sequential(inputs, m, s.rows, n_out, s.grads, s.errors, dim)
            add_output_bias_steps(c, s, m, n_out)
            return loss
    else:
        t0 = 0
        while t0 < n_out:
            tn = n_out - t0 if n_out - t0 < TARGET_TILE else TARGET_TILE
            for j in range(m):
                for t in range(t0, t0 + tn):
                    s.scores[j * n_out + t] = dot(inputs[j], s.rows[t], dim)
            t0 += TARGET_TILE
        for j in range(m):
            loss += c.objective.gradients(c, s, s.scores + j * n_out, n_out, alpha,
                                          s.grads + j * n_out)
    # Each context's error from the output rows; sequential: as the contexts before it left
    # them (a row twice among the targets takes both steps), else as they were.
    for j in range(m):
        memset(s.errors + j * dim, 0, dim * sizeof(float))
    t0 = 0
    while t0 < n_out:
        tn = n_out - t0 if n_out - t0 < TARGET_TILE else TARGET_TILE
        for j in range(m):
            accumulate(s.errors + j * dim, s.grads + j * n_out + t0, s.rows + t0, tn, dim)
            if sequential:
                for t in range(t0, t0 + tn):
                    axpy(s.grads[j * n_out + t], inputs[j], s.rows[t], dim)
        t0 += TARGET_TILE
    if not sequential:
        for t in range(n_out):
            for j in range(m):
                s.column[j] = s.grads[j * n_out + t]
            accumulate(s.rows[t], s.column, inputs, m, dim)
    for j in range(m):
        axpy(1.0, s.errors + j * dim, inputs[j], dim)
    add_output_bias_steps(c, s, m, n_out)
    return loss


cdef inline void add_output_bias_steps(Config *c, Scratch *s, int m, int n_out) noexcept nogil:
    """NCE biases take the sum of their output's gradients over the m contexts, like the
    output rows."""
    cdef int j, t
    cdef float bias_step
    if c.output_bias != NULL:
        for t in range(n_out):
            bias_step = 0
            for j in range(m):
                bias_step = bias_step + s.grads[j * n_out + t]
            c.output_bias[s.targets[t]] += bias_step


cdef int train_range(Config *c, int thread, int64_t start, int64_t end,
                     uint64_t *rng) noexcept nogil:
    """Train on stream[start:end]; return 0, 1 when stopped by the stop flag, -1 on no memory."""
    cdef Scratch s
    cdef int64_t pos = start, raw, since_update = 0
    cdef int64_t slen, i, j, lo, hi
    cdef int m, stopped = 0, current = 0
    cdef bint lookahead = (c.fast and c.objective.draws_noise and c.hard == 0
                          and c.negative > 0 and c.pairs == NULL)
    cdef double loss = 0, pairs = 0
    cdef float alpha = <float>current_alpha(c)
    if scratch_alloc(c, &s) != 0:
        scratch_free(&s)
        return -1
    cdef uint32_t *sentence = s.sentence
    # A sliding window with its noise words drawn ahead: each window's rows were asked for
    # before it, the noise rows by draw_ahead, the centre's by the objective's prefetch and
    # the contexts by the windows before (the one entering a window ahead).
    s.rows_fetched = lookahead and c.window > 0 and c.objective.prefetch != NULL
    while pos < end:
        if c.stop[0]:
            stopped = 1
            break
        # Read one sentence, subsampling as we go.
        raw = 0
        slen = read_sentence(c.stream, &pos, end, c.keep, rng, sentence, &raw)
        current = 0
        for i in range(slen):
            window_bounds(rng, c.window, i, slen, &lo, &hi)
            if c.before_only:  # a model of what follows what: the window's earlier half
                hi = i - 1
            if c.pairs != NULL:
                for j in range(lo, hi + 1):
                    if j != i and c.pairs_len < c.pairs_cap:
                        c.pairs[2 * c.pairs_len] = sentence[i]
                        c.pairs[2 * c.pairs_len + 1] = sentence[j]
                        c.pairs_len += 1
                continue
            if c.fast:
                # The next window's centre row and the context entering it, fetched while
                # this window computes.
                # (Hot words' rows are this thread's copies: their shared rows are left alone.)
                if c.objective.prefetch != NULL and i + 1 < slen:
                    c.objective.prefetch(c, sentence[i + 1])
                if c.window > 0 and i + 1 + c.window < slen and (
                        sentence[i + 1 + c.window] >= c.hot_rows):
                    prefetch_write(c.syn0 + <int64_t>sentence[i + 1 + c.window] * c.row, c.dim)
                # Noise words, a window early: the first window of a sentence draws its own
                # batch too; none is left pending at the end of a sentence, where a stop or a
                # checkpoint may come.
                if lookahead and slen > 1:
                    if i == 0:
                        draw_ahead(c, s.batches + current * c.negative, rng)
                    if i + 1 < slen:
                        draw_ahead(c, s.batches + (1 - current) * c.negative, rng)
                    s.ahead = s.batches + current * c.negative
                    current = 1 - current
                m = 0
                for j in range(lo, hi + 1):
                    if j != i:
                        s.contexts[m] = sentence[j]
                        m += 1
                if m > 0:
                    loss += update_window(c, &s, sentence[i], m, alpha, rng)
                    pairs += m
                    updated(c, &s)
                s.ahead = NULL
                continue
            for j in range(lo, hi + 1):
                if j != i:
                    loss += update_pair(c, &s, sentence[i], sentence[j], alpha, rng)
                    pairs += 1
                    updated(c, &s)
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
    hot_merge(c, &s, False)
    c.loss[thread * SLOT] += loss
    c.loss[thread * SLOT + 1] += pairs
    scratch_free(&s)
    return stopped


# ---------------------------------------------------------------------------------------------
# The objectives (losses). Each is a target chooser and a gradient step (see _shared.pxd),
# registered below under the name w2vns/training/losses.py gives it, with the per-word arrays
# it reads (tables, derived from the counts) and the learned arrays it may update (extras).


cdef float sgns_gradients(Config *c, Scratch *s, const float *scores, int n_out, float alpha,
                          float *grads) noexcept nogil:
    """Skip-gram negative sampling (Mikolov et al. 2013): the logit is the score u.v."""
    cdef int t
    for t in range(n_out):
        grads[t] = scores[t]
    return labelled_gradients(c, s, scores, n_out, alpha, grads)


cdef float nce_gradients(Config *c, Scratch *s, const float *scores, int n_out, float alpha,
                         float *grads) noexcept nogil:
    """Noise-contrastive estimation (Gutmann & Hyvarinen; Mnih & Teh 2012): the logit is
    s + b_w - log(k q(w)) for every output, b_w the word's learned output bias (Mnih &
    Kavukcuoglu 2013; the model's score is s + b_w, self-normalised, Z = 1), or the bare
    s - log(k q(w)) without biases. Since d logit / d b_w = 1, g is also the bias's update."""
    cdef int t
    cdef float logit
    for t in range(n_out):
        logit = scores[t]
        if c.output_bias != NULL:
            logit = logit + c.output_bias[s.targets[t]]
        logit = logit - c.log_kq[s.targets[t]]
        grads[t] = logit
    return labelled_gradients(c, s, scores, n_out, alpha, grads)


cdef void prefetch_centre(Config *c, uint32_t centre) noexcept nogil:
    """The centre's own output row (the first target of the sampling objectives)."""
    if centre >= c.hot_rows:  # a hot word's row is this thread's copy: leave the shared one
        prefetch_write(c.output + <int64_t>centre * c.row, c.dim)


cdef int choose_path(Config *c, Scratch *s, uint32_t centre, uint64_t *rng) noexcept nogil:
    """Hierarchical softmax: the inner nodes on the centre's path, root first (word2vec's
    point[]); their rows are in c.output (syn1)."""
    cdef int64_t start = c.hs_offsets[centre]
    cdef int n_out = <int>(c.hs_offsets[centre + 1] - start), t
    s.centre = centre
    for t in range(n_out):
        s.targets[t] = c.hs_points[start + t]
        s.rows[t] = output_row(c, s, s.targets[t])
    return n_out


cdef float hs_gradients(Config *c, Scratch *s, const float *scores, int n_out, float alpha,
                        float *grads) noexcept nogil:
    """word2vec's hierarchical softmax step: at each node of the centre's path the label is
    1 - code (the branch taken), g = (label - sigmoid(f)) * alpha; a node whose score is
    beyond +-MAX_EXP is skipped (g = 0), as word2vec.c skips it. Returns -log of the path's
    probability (from the table; monitoring only)."""
    cdef const uint8_t *codes = c.hs_codes + c.hs_offsets[s.centre]
    cdef int t
    cdef float f, label, loss = 0
    for t in range(n_out):
        f = scores[t]
        label = 1 - codes[t]
        if -MAX_EXP < f < MAX_EXP:  # false for NaN too
            grads[t] = (label - SIGMOID[<int>((f + MAX_EXP) * EXP_SCALE)]) * alpha
        else:
            grads[t] = 0
        loss += neg_log_sigmoid(f if codes[t] == 0 else -f)
    return loss


cdef int choose_vocabulary(Config *c, Scratch *s, uint32_t centre, uint64_t *rng) noexcept nogil:
    """The exact softmax: every word, the centre first (the softmax step's true target)."""
    cdef uint32_t w
    cdef int n_out = 1
    s.centre = centre
    s.targets[0] = centre
    s.rows[0] = output_row(c, s, centre)
    for w in range(c.vocab_size):
        if w != centre:
            s.targets[n_out] = w
            s.rows[n_out] = output_row(c, s, w)
            n_out += 1
    return n_out


cdef int choose_samples(Config *c, Scratch *s, uint32_t centre, uint64_t *rng) noexcept nogil:
    """Sampled softmax: the centre, then ``negative`` draws from the noise table, all kept (a
    draw of the centre too: the log-q corrected draws then estimate the softmax's normaliser
    without bias, and the gradient converges to the softmax's as k grows; with such draws
    removed it would converge to the softmax over the other words)."""
    cdef int n_out = 1, d
    cdef uint32_t w
    s.centre = centre
    s.targets[0] = centre
    for d in range(c.negative):
        if not noise_word(c, s, d, rng, &w):
            break
        s.targets[n_out] = w
        n_out += 1
    s.ahead = NULL
    for d in range(n_out):
        s.rows[d] = output_row(c, s, s.targets[d])
    return n_out


cdef float softmax_cross_entropy(int n_out, float alpha, float *grads) noexcept nogil:
    """Softmax cross-entropy with the true target first: ``grads`` holds the n_out logits on
    entry and the gradient scales on return, g_t = (1[t = 0] - p_t) * alpha with p the
    softmax of the logits; returns -log p_0. The largest logit is subtracted before exp
    (simd.h's, vectorised: thousands per context for the exact softmax)."""
    cdef int t
    cdef float top = grads[0], first = grads[0], total, scale
    for t in range(1, n_out):
        if grads[t] > top:
            top = grads[t]
    total = exp_sum(grads, top, n_out)
    scale = -alpha / total
    for t in range(n_out):
        grads[t] = grads[t] * scale
    grads[0] += alpha
    return top + logf(total) - first


cdef float softmax_gradients(Config *c, Scratch *s, const float *scores, int n_out, float alpha,
                             float *grads) noexcept nogil:
    """The exact softmax over the vocabulary: the logit is the score u.v."""
    memcpy(grads, scores, n_out * sizeof(float))
    return softmax_cross_entropy(n_out, alpha, grads)


cdef float sampled_softmax_gradients(Config *c, Scratch *s, const float *scores, int n_out,
                                     float alpha, float *grads) noexcept nogil:
    """Sampled softmax (Jean et al. 2015; Bengio & Senecal 2008): the logit of each target,
    the true word's included, is s - log(k q(w)), k q(w) the expected number of draws of w, so
    that sum over the draws of exp(s)/(k q) estimates the softmax's normaliser."""
    cdef int t
    for t in range(n_out):
        grads[t] = scores[t] - c.log_kq[s.targets[t]]
    return softmax_cross_entropy(n_out, alpha, grads)


cdef Objective OBJECTIVE_TABLE[16]
# name -> (index in OBJECTIVE_TABLE, tables it needs, extras it may update, the extra its
# targets index or None for syn1neg)
_OBJECTIVES = {}


cdef _register(str name, choose_targets_fn choose, gradients_fn gradients, bint draws_noise,
               prefetch_fn prefetch=NULL, tuple tables=(), tuple extras=(), str output=None):
    """Add an objective. ``prefetch``: fetches the next centre's target rows (NULL: none);
    ``output``: the extra (a matrix with the weights' row layout) whose rows its targets are,
    instead of syn1neg."""
    cdef int index = len(_OBJECTIVES)
    OBJECTIVE_TABLE[index].choose_targets = choose
    OBJECTIVE_TABLE[index].gradients = gradients
    OBJECTIVE_TABLE[index].draws_noise = draws_noise
    OBJECTIVE_TABLE[index].prefetch = prefetch
    _OBJECTIVES[name] = (index, tables, extras, output)


_register("sgns", choose_negatives, sgns_gradients, True, prefetch_centre)
_register("nce", choose_negatives, nce_gradients, True, prefetch_centre, tables=("log_kq",),
          extras=("output_bias",))
# (Prefetching the deeper nodes of the next centre's path measured no faster: 10M tokens.)
_register("hs", choose_path, hs_gradients, False, NULL,
          tables=("hs_offsets", "hs_points", "hs_codes"), extras=("syn1",), output="syn1")
_register("softmax", choose_vocabulary, softmax_gradients, False)
_register("sampled-softmax", choose_samples, sampled_softmax_gradients, True, prefetch_centre,
          tables=("log_kq",))

#: The objectives this kernel implements, by name.
OBJECTIVES = tuple(_OBJECTIVES)


def _check_paths(offsets, points, codes, vocab_size):
    """ValueError unless the hs_* tables are paths of every word through vocab_size - 1 inner
    nodes (the kernel reads them unchecked)."""
    offsets = np.asarray(offsets)
    if (len(offsets) != vocab_size + 1 or offsets[0] != 0 or (np.diff(offsets) < 1).any()
            or offsets[len(offsets) - 1] != len(points) or len(points) != len(codes)):
        raise ValueError("hs_offsets must give every word a path of at least one node")
    if len(points) and (np.asarray(points).max() >= vocab_size - 1
                        or np.asarray(codes).max() > 1):
        raise ValueError("hs_points must be inner nodes (< %d) and hs_codes 0 or 1"
                         % (vocab_size - 1))


def _thread_streams(seed, threads):
    """The threads' random states, one splitmix64 stream per thread (slot t * SLOT), seeded
    apart by the seed's hash so that no two threads' streams overlap in practice."""
    return np.array([(seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019 * (t + 1)) % 2**64
                     for t in range(threads)], dtype=np.uint64).repeat(SLOT)


cdef class Kernel:
    """Holds the shared training state; ``train(thread, start, end)`` runs without the GIL.

    Built once per training run by w2vns/training/kernel.py (which validates every array and
    setting), then called from one Python thread per worker. Counters are read by the main
    thread for progress and the learning-rate display.

    ``weights``: ``.syn0``, ``.syn1neg`` (float32 matrices of the same shape and row stride,
    trained in place) and ``.extras`` (the objective's learned arrays by name, e.g.
    ``output_bias``). ``tables``: "keep", "noise_prob", "noise_alias" (the samplers' tables)
    and the objective's own (e.g. "log_kq"). ``settings``: an object with objective, window,
    negative, max_targets, alpha, min_alpha, total_words, threads, seed, fast,
    hard_negatives, adversarial_temperature, hot_rows, hot_sync, context_group (the fast
    loop updates a window in groups of at most that many contexts; 0: one group),
    context_steps ("summed", or "sequential": a window of one group steps context by context
    too) and context_side ("both", or "before": a word's contexts are the words before it
    only).
    """
    cdef Config c
    cdef object _refs            # keeps the arrays behind the raw pointers alive
    cdef readonly object words_done, loss, stop_flag, rng_state
    cdef object _pairs

    def __init__(self, weights, const uint32_t[::1] stream, tables, settings):
        cdef int t
        cdef float[:, :] syn0 = weights.syn0
        cdef float[:, :] syn1neg = weights.syn1neg
        cdef const uint32_t[::1] keep = tables["keep"]
        cdef const uint32_t[::1] noise_prob = tables["noise_prob"]
        cdef const uint32_t[::1] noise_alias = tables["noise_alias"]
        cdef int threads = settings.threads
        cdef uint64_t seed = settings.seed
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
        if threads < 1:
            raise ValueError("threads must be >= 1")
        if settings.objective not in _OBJECTIVES:
            raise ValueError("unknown objective %r (this kernel has: %s)"
                             % (settings.objective, ", ".join(OBJECTIVES)))
        index, needed, allowed, output = _OBJECTIVES[settings.objective]
        self.c.objective = OBJECTIVE_TABLE[index]
        self.words_done = np.zeros(threads * SLOT, dtype=np.int64)
        self.loss = np.zeros(threads * SLOT, dtype=np.float64)
        self.stop_flag = np.zeros(1, dtype=np.intc)
        self.rng_state = _thread_streams(seed, threads)
        self.c.log_kq = NULL
        self.c.output_bias = NULL
        self.c.syn1 = NULL
        self.c.hs_offsets = NULL
        self.c.hs_points = NULL
        self.c.hs_codes = NULL
        refs = [weights, stream, tables]
        for name in needed:
            if tables.get(name) is None:
                raise ValueError("the %s objective needs the table %r"
                                 % (settings.objective, name))
        if output is not None and weights.extras.get(output) is None:
            raise ValueError("the %s objective needs the array %r" % (settings.objective, output))
        for name, array in list(tables.items()) + list(weights.extras.items()):
            if name in ("keep", "noise_prob", "noise_alias") or array is None:
                continue
            if name not in needed + allowed:
                raise ValueError("%r is not an array of the %s objective"
                                 % (name, settings.objective))
            self._bind(name, array, syn0.shape[0], syn0.shape[1], syn0.strides[0])
            refs.append(array)
        if self.c.hs_offsets != NULL:
            _check_paths(tables["hs_offsets"], tables["hs_points"], tables["hs_codes"],
                         syn0.shape[0])
        if (settings.window < 0 or settings.negative < 0 or settings.hard_negatives < 0
                or settings.adversarial_temperature < 0):
            raise ValueError("window, negative, hard_negatives, temperature must be >= 0")
        if settings.hot_rows < 0 or settings.hot_sync < 1:
            raise ValueError("hot_rows must be >= 0 and hot_sync >= 1")
        if settings.context_group < 0:
            raise ValueError("context_group must be >= 0 (0: a window is one group)")
        self.c.group = settings.context_group
        if settings.context_steps not in ("summed", "sequential"):
            raise ValueError("context_steps must be 'summed' or 'sequential'")
        self.c.sequential = settings.context_steps == "sequential"
        if settings.max_targets < 1:
            raise ValueError("max_targets must be >= 1")
        self.c.max_targets = settings.max_targets
        self.c.hot_rows = <uint32_t>min(settings.hot_rows, syn0.shape[0])
        self.c.hot_sync = settings.hot_sync
        self.c.hard = settings.hard_negatives
        self.c.adv_temperature = <float>settings.adversarial_temperature
        self._refs = tuple(refs)
        cdef int64_t[::1] wd = self.words_done
        cdef double[::1] ls = self.loss
        cdef int[::1] st = self.stop_flag
        self.c.syn0 = &syn0[0, 0]
        self.c.syn1neg = &syn1neg[0, 0]
        self.c.output = self.c.syn1 if output == "syn1" else self.c.syn1neg
        self.c.stream = &stream[0]
        self.c.keep = &keep[0]
        self.c.noise_prob = &noise_prob[0]
        self.c.noise_alias = &noise_alias[0]
        self.c.vocab_size = <uint32_t>syn0.shape[0]
        self.c.dim = <int>syn0.shape[1]
        self.c.row = <int>(syn0.strides[0] // sizeof(float))
        self.c.window = settings.window
        self.c.before_only = settings.context_side == "before"
        self.c.negative = settings.negative
        self.c.alpha = settings.alpha
        self.c.min_alpha = settings.min_alpha
        self.c.total_words = settings.total_words if settings.total_words > 0 else 1
        self.c.words_done = &wd[0]
        self.c.loss = &ls[0]
        self.c.threads = threads
        self.c.stop = &st[0]
        self.c.pairs = NULL
        self.c.fast = settings.fast

    cdef _bind(self, str name, array, Py_ssize_t vocab_size, Py_ssize_t dim,
               Py_ssize_t stride):
        """Point the config's field ``name`` at ``array``: a per-word float32 array (log_kq,
        output_bias), a path table (hs_*), or an inner-node matrix laid out as syn0 (syn1)."""
        cdef const float[::1] table
        cdef float[::1] learned
        cdef float[:, :] matrix
        cdef const int64_t[::1] offsets
        cdef const uint32_t[::1] points
        cdef const uint8_t[::1] codes
        if name in ("log_kq", "output_bias") and len(array) != vocab_size:
            raise ValueError("%s needs one entry for every word (%d), not %d"
                             % (name, vocab_size, len(array)))
        if name == "log_kq":
            table = array
            self.c.log_kq = &table[0]
        elif name == "output_bias":
            learned = array  # a writable contiguous float32 array, or an error
            self.c.output_bias = &learned[0]
        elif name == "syn1":
            matrix = array  # writable float32, or an error
            if matrix.shape[0] != vocab_size - 1 or matrix.shape[1] != dim:
                raise ValueError("syn1 must be (%d, %d), one row per inner node, not %s"
                                 % (vocab_size - 1, dim, array.shape))
            if matrix.strides[0] != stride or matrix.strides[1] != sizeof(float):
                raise ValueError("syn1's rows must be laid out as syn0's")
            if matrix.shape[0] > 0:
                self.c.syn1 = &matrix[0, 0]
        elif name == "hs_offsets":
            offsets = array
            self.c.hs_offsets = &offsets[0]
        elif name == "hs_points":
            points = array
            self.c.hs_points = &points[0] if points.shape[0] else NULL
        elif name == "hs_codes":
            codes = array
            self.c.hs_codes = &codes[0] if codes.shape[0] else NULL
        else:
            raise ValueError("the kernel has no array %r" % name)

    def update(self, uint32_t centre, const uint32_t[::1] contexts,
               const uint32_t[::1] candidates, double alpha):
        """Test hook: one update of ``centre`` with these contexts, as the configured loop does
        it (fast: one window; reference: one pair per context, in order), with ``candidates``
        in place of random noise draws. Returns the loss."""
        cdef Scratch s
        cdef uint64_t[::1] rng = self.rng_state
        cdef float loss = 0
        cdef Py_ssize_t j, m = contexts.shape[0]
        if m < 1 or (self.c.window > 0 and m > 2 * self.c.window) or m >= MAX_SENTENCE_LENGTH:
            raise ValueError("bad number of contexts")
        if scratch_alloc(&self.c, &s) != 0:
            scratch_free(&s)
            raise MemoryError()
        s.fixed = &candidates[0] if candidates.shape[0] else NULL
        s.n_fixed = <int>candidates.shape[0]
        if s.fixed == NULL:
            s.fixed = s.contexts  # any non-NULL pointer: zero candidates are used
        with nogil:
            if self.c.fast:
                for j in range(m):
                    s.contexts[j] = contexts[j]
                loss = update_window(&self.c, &s, centre, <int>m, <float>alpha, &rng[0])
            else:
                for j in range(m):
                    loss += update_pair(&self.c, &s, centre, contexts[j], <float>alpha, &rng[0])
            hot_merge(&self.c, &s, False)
        s.fixed = NULL
        scratch_free(&s)
        return loss

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


# ---------------------------------------------------------------------------------------------
# One cell of the distributed schedule (w2vns.distributed): input block A x output block B.
#
# The vocabulary's ids are dealt to K input blocks in frequency order, boustrophedon (0..K-1,
# then K-1..0, ...: every block gets a fair share of the frequent words), and to K output
# blocks the same way with each row of K ids turned by a shift that every round draws anew
# (cython_ext/_blocks.pxd); an id's row in its block is id // K. A cell trains its groups of a
# plan (cython_ext/_plan.pyx): a window's contexts that fall in input block A (local rows of A),
# with the window's centre (its row in B, the output block that holds it in the round's
# dealing):
#
#     [centre, m, x_1 .. x_m]
#
# each with k noise words drawn from B's share of the noise distribution. Given its centre, a
# noise word comes from one block; given the context (what the negative samples' expected step
# needs, see docs/distributed.md), it is count^power over the vocabulary on average over the
# rounds' dealings.


cdef struct Group:
    # One group of a cell, prepared a group ahead (rows fetched meanwhile).
    const uint32_t *contexts
    uint32_t m               # 0: no group is left in the piece
    uint32_t start           # where the group starts in its piece
    int n_out
    float alpha              # the learning rate where the group is in the piece
    uint32_t targets[65]     # the centre and the noise words in B


cdef enum:
    ALPHA_GROUPS = 4096  # the learning rate follows the position in a piece, changing this often


cdef struct Cursor:
    # Where a cell's thread is in a piece: the next group, the groups read, the learning rate
    # at the last change, the last context of the group read before.
    int64_t p
    int64_t read
    float alpha
    uint32_t last


cdef void next_group(Config *c, const uint32_t *groups, int64_t length, double alpha_start,
                     double alpha_end, uint64_t *rng, Cursor *at, Group *g,
                     bint fetch) noexcept nogil:
    """Read into ``g`` the group at ``at`` (``g.m`` 0 if none is left), its noise words drawn,
    and start fetching its rows if ``fetch``."""
    cdef uint32_t d, w, first = 0
    g.m = 0
    if at.p >= length:
        return
    g.targets[0] = groups[at.p]
    g.m = groups[at.p + 1]
    g.start = <uint32_t>at.p
    g.contexts = groups + at.p + 2
    at.p += 2 + g.m
    if at.read > 0 and at.read % ALPHA_GROUPS == 0:
        at.alpha = <float>(alpha_start + (alpha_end - alpha_start) *
                           min(at.p, length) / length)
    g.alpha = at.alpha
    g.n_out = 1
    for d in range(<uint32_t>c.negative):
        w = alias_draw(rng, c.noise_prob, c.noise_alias, c.vocab_size)
        if w == g.targets[0]:
            continue  # a noise word equal to the centre is skipped, as on one machine
        g.targets[g.n_out] = w
        g.n_out += 1
    if fetch:
        for d in range(<uint32_t>g.n_out):
            prefetch_write(c.syn1neg + <int64_t>g.targets[d] * c.row, c.dim)
        # A cell's groups one after the other often come from consecutive windows, which
        # share their contexts but the one entering, the last: then only that one is fetched.
        if at.read > 0 and g.m >= 2 and g.contexts[g.m - 2] == at.last:
            first = g.m - 1
        for d in range(first, g.m):
            prefetch_write(c.syn0 + <int64_t>g.contexts[d] * c.row, c.dim)
    at.last = g.contexts[g.m - 1]
    at.read += 1


cdef int train_groups(Config *c, int thread, const uint32_t *groups, int64_t length,
                      double alpha_start, double alpha_end, uint64_t *rng, uint32_t *record,
                      int64_t *recorded) noexcept nogil:
    """Train (or, with ``record``, list as (output, input, label, group, j) rows) the groups
    of groups[0:length]; 0, or -1 without memory."""
    cdef Scratch s
    cdef Group groups_ahead[2]
    cdef Group *g
    cdef Cursor at
    cdef int64_t n_rec = 0
    cdef uint32_t j, d
    cdef int current = 0
    cdef double loss = 0, pairs = 0
    cdef bint fetch = record == NULL
    if scratch_alloc(c, &s) != 0:
        scratch_free(&s)
        return -1
    s.rows_fetched = fetch  # by next_group, a group ahead
    at.p = 0
    at.read = 0
    at.alpha = <float>alpha_start
    at.last = 0
    next_group(c, groups, length, alpha_start, alpha_end, rng, &at, &groups_ahead[0], fetch)
    while groups_ahead[current].m > 0 and not c.stop[0]:
        g = &groups_ahead[current]
        # The next group's targets are drawn and its rows fetched while this one computes.
        next_group(c, groups, length, alpha_start, alpha_end, rng, &at,
                   &groups_ahead[1 - current], fetch)
        if record != NULL:
            for d in range(<uint32_t>g.n_out):
                for j in range(g.m):
                    record[5 * n_rec] = g.targets[d]
                    record[5 * n_rec + 1] = g.contexts[j]
                    record[5 * n_rec + 2] = 1 if d == 0 else 0
                    record[5 * n_rec + 3] = g.start
                    record[5 * n_rec + 4] = j
                    n_rec += 1
        else:
            for j in range(g.m):
                s.inputs[j] = c.syn0 + <int64_t>g.contexts[j] * c.row
            for d in range(<uint32_t>g.n_out):
                s.targets[d] = g.targets[d]
                s.rows[d] = c.syn1neg + <int64_t>g.targets[d] * c.row
            loss += update_targets(c, &s, g.n_out, <int>g.m, g.alpha)
        pairs += g.m
        current = 1 - current
    c.loss[thread * SLOT] += loss
    c.loss[thread * SLOT + 1] += pairs
    recorded[0] = n_rec
    scratch_free(&s)
    return 0


cdef class GroupKernel:
    """The cells of the distributed backend: ``train(thread, groups, ...)`` runs without the GIL.

    ``syn0`` holds input block A's rows and ``syn1neg`` output block B's (the same row stride);
    ``noise_prob``/``noise_alias`` are B's share of the noise distribution (an alias table over
    its local rows). The caller (w2vns.distributed.cells) trusts its plans: their rows fit the
    blocks (the plan was made for this vocabulary, K and the round's dealing).
    ``context_group`` and ``sequential`` (--context-steps sequential) as in ``Kernel``.
    """
    cdef Config c
    cdef object _refs
    cdef readonly object loss, stop_flag, rng_state
    cdef int64_t unused_words

    def __init__(self, float[:, :] syn0, float[:, :] syn1neg, const uint32_t[::1] noise_prob,
                 const uint32_t[::1] noise_alias, int window, int negative, int threads,
                 uint64_t seed, int context_group=0, bint sequential=False):
        cdef int t
        if syn0.shape[1] != syn1neg.shape[1] or syn0.strides[0] != syn1neg.strides[0]:
            raise ValueError("the blocks' rows differ in size or stride")
        if syn0.strides[1] != sizeof(float) or syn0.strides[0] % sizeof(float):
            raise ValueError("weight rows must be contiguous float32")
        if noise_prob.shape[0] != syn1neg.shape[0] or noise_alias.shape[0] != syn1neg.shape[0]:
            raise ValueError("the noise table does not match the output block")
        if syn0.shape[0] == 0 or syn1neg.shape[0] == 0:
            raise ValueError("empty block")
        if window < 0 or not 0 <= negative <= 64 or threads < 1 or context_group < 0:
            raise ValueError("window, context_group must be >= 0, negative in 0..64, "
                             "threads >= 1")
        self.loss = np.zeros(threads * SLOT, dtype=np.float64)
        self.stop_flag = np.zeros(1, dtype=np.intc)
        self.rng_state = _thread_streams(seed, threads)
        self._refs = (syn0, syn1neg, noise_prob, noise_alias)
        cdef double[::1] ls = self.loss
        cdef int[::1] st = self.stop_flag
        memset(&self.c, 0, sizeof(Config))
        self.c.syn0 = &syn0[0, 0]
        self.c.syn1neg = &syn1neg[0, 0]
        self.c.noise_prob = &noise_prob[0]
        self.c.noise_alias = &noise_alias[0]
        self.c.vocab_size = <uint32_t>syn1neg.shape[0]
        self.c.dim = <int>syn0.shape[1]
        self.c.row = <int>(syn0.strides[0] // sizeof(float))
        self.c.window = window
        self.c.negative = negative
        self.c.objective = OBJECTIVE_TABLE[_OBJECTIVES["sgns"][0]]
        self.c.max_targets = negative + 1
        self.c.words_done = &self.unused_words
        self.c.loss = &ls[0]
        self.c.threads = threads
        self.c.stop = &st[0]
        self.c.fast = 1
        self.c.group = context_group
        self.c.sequential = sequential

    def train(self, int thread, const uint32_t[::1] groups, double alpha_start,
              double alpha_end):
        """Train one piece of groups as thread ``thread``, the learning rate going linearly
        from ``alpha_start`` to ``alpha_end`` over it."""
        cdef uint64_t[::1] rng = self.rng_state
        cdef int result
        cdef int64_t n = 0
        if thread < 0 or thread >= self.c.threads:
            raise IndexError(thread)
        if groups.shape[0] == 0:
            return
        with nogil:
            result = train_groups(&self.c, thread, &groups[0], groups.shape[0], alpha_start,
                                  alpha_end, &rng[thread * SLOT], NULL, &n)
        if result < 0:
            raise MemoryError()

    def record(self, const uint32_t[::1] groups):
        """Test hook: what ``train`` would update, as an (n, 5) array of (output row of B,
        input row of A, label, group, j) rows: label 1 for the centre and 0 for noise words,
        group where the group starts in ``groups``, j the input's place in its group (so the
        rows with j == 0 list each noise word drawn once)."""
        cdef uint64_t[::1] rng = self.rng_state
        cdef int64_t n = 0, capacity = 0, p = 0
        while p + 2 <= groups.shape[0]:
            capacity += groups[p + 1] * (self.c.negative + 1)
            p += 2 + groups[p + 1]
        out = np.zeros((max(capacity, 1), 5), dtype=np.uint32)
        cdef uint32_t[:, ::1] view = out
        if groups.shape[0] == 0:
            return out[:0]
        with nogil:
            train_groups(&self.c, 0, &groups[0], groups.shape[0], 0, 0, &rng[0], &view[0, 0],
                         &n)
        return out[:n]

    def request_stop(self):
        """Ask every thread to stop at its next group."""
        self.stop_flag[0] = 1
