# cython: language_level=3
"""What the Cython modules share: the encoded stream's markers and limits, and the training
kernel's configuration, per-worker scratch space and loss objectives.

Compile-time only (no module of its own): ``cimport _shared`` in a .pyx. The Python side
reads the constants from ``w2vns.corpus._encode`` (SENTENCE_END, DROPPED,
MAX_SENTENCE_LENGTH, MAX_TOKEN_BYTES), which re-exports these values.
"""
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t, int64_t

cdef extern from *:
    """
    #define W2V_SENTENCE_END 0xFFFFFFFFu
    #define W2V_DROPPED 0xFFFFFFFEu
    """
    # Marks the end of a sentence (a line) in the encoded stream.
    const uint32_t SENTENCE_END "W2V_SENTENCE_END"
    # A provisional id whose word did not make the vocabulary (removed by the remap).
    const uint32_t DROPPED "W2V_DROPPED"

cdef enum:
    # Longer lines are split into sentences of this many tokens (word2vec's MAX_SENTENCE_LENGTH
    # is 1000; baskets and article-long lines need more), so memory per sentence is bounded.
    MAX_SENTENCE_LENGTH = 10000
    # Longer tokens are cut (word2vec's MAX_STRING is 100): binary junk or a gigabyte without
    # whitespace cannot grow the vocabulary's arena without bound.
    MAX_TOKEN_BYTES = 1000
    # Per-thread counters sit 8 slots (64 bytes) apart so threads never share a cache line.
    SLOT = 8


cdef struct Config
cdef struct Scratch

# A loss, as the kernel sees it (the Python side names it in w2vns/training/losses.py):
# ``choose_targets`` fills s.targets / s.rows with the outputs one centre word is scored
# against and returns how many (n_out); ``gradients`` turns one input's n_out scores into the
# gradient scales of those outputs (times the learning rate) and returns the loss.
ctypedef int (*choose_targets_fn)(Config *c, Scratch *s, uint32_t centre,
                                  uint64_t *rng) noexcept nogil
ctypedef float (*gradients_fn)(Config *c, Scratch *s, const float *scores, int n_out,
                               float alpha, float *grads) noexcept nogil
# ``prefetch`` (optional) starts fetching, writable, the output rows the next centre word will
# be scored against, while the current window computes.
ctypedef void (*prefetch_fn)(Config *c, uint32_t centre) noexcept nogil

cdef struct Objective:
    choose_targets_fn choose_targets
    gradients_fn gradients
    bint draws_noise         # targets include alias-table noise draws (drawn a window early)
    prefetch_fn prefetch     # NULL: none


cdef struct Config:
    # Everything the training loop reads, as raw pointers and scalars (gensim's pattern):
    # filled in once by Kernel.__init__ from validated arrays, then read without the GIL.
    float *syn0              # input vectors (the embeddings)
    float *syn1neg           # output vectors, one row per word
    float *output            # the matrix the objective's targets index: syn1neg, or syn1
    float *syn1              # hierarchical softmax: inner-node vectors (V-1 rows), else NULL
    const uint32_t *stream
    const uint32_t *keep     # subsampling thresholds per word
    const uint32_t *noise_prob
    const uint32_t *noise_alias
    const float *log_kq      # NCE: log(k * q(w)) per word
    float *output_bias       # learned per-word output biases (NCE), NULL: none
    const int64_t *hs_offsets  # hierarchical softmax: word w's path is entries
    const uint32_t *hs_points  # hs_offsets[w] .. hs_offsets[w+1]-1 of the inner nodes
    const uint8_t *hs_codes    # (root first) and the branches taken (0/1)
    uint32_t vocab_size
    int dim
    int row                  # floats from one row to the next (>= dim: rows may be padded)
    int window               # 0: the whole sentence (basket) is the context
    int before_only          # 1: only the words before the centre are its contexts
    int negative
    Objective objective      # the loss: how targets are chosen and scores turn into gradients
    int max_targets          # the most targets the objective chooses for one centre word
    int hard                 # hard negatives: candidates drawn per update (0: off)
    float adv_temperature    # self-adversarial weighting temperature (0: off)
    double alpha
    double min_alpha
    double total_words
    int64_t *words_done      # per-thread slots, stride SLOT
    double *loss             # per-thread [sum, pairs] at slot*SLOT
    int threads
    volatile int *stop
    int fast                 # 1: shared negatives per window, 0: reference per-pair loop
    int group                # fast loop: the most contexts of a window updated at once (0: all)
    int sequential           # fast loop: 1 when a window of at most ``group`` contexts also steps
                             # context by context (--context-steps sequential), 0: one summed step
    uint32_t hot_rows        # per-thread copies of the rows of words 0..hot_rows-1 (0: off)
    int hot_sync             # updates between merges of those copies into the shared rows
    uint32_t *pairs          # record mode: (centre, context) pairs instead of updates
    int64_t pairs_cap
    int64_t pairs_len


cdef struct Scratch:
    # One worker's buffers, sized once per call for the longest window.
    uint32_t *sentence       # MAX_SENTENCE_LENGTH kept word ids
    uint32_t *contexts       # max_m
    float **inputs           # max_m input rows
    uint32_t *targets        # the objective's targets for one centre word (n_out at most)
    float **rows             # their output rows
    uint32_t centre          # the centre word they were chosen for
    int chunk                # the most contexts the fast loop computes at once (max_m, unless
                             # max_m x n_out scores would not fit a few MB)
    uint32_t *candidates     # max(hard, negative) noise candidates
    float *candidate_scores
    const uint32_t *fixed    # test hook: use these candidates instead of random draws
    int n_fixed
    # Noise draws made a window early (see draw_ahead): two batches of ``negative``, the
    # current window's and the next one's; ``ahead`` points at the current window's batch
    # while one is pending, else NULL.
    uint32_t *batches
    const uint32_t *ahead
    float *scores            # chunk x n_out
    float *grads             # chunk x n_out
    float *column            # chunk
    float *errors            # chunk x dim
    float *delta             # TARGET_TILE x dim: the output rows' steps (w2v_group_update)
    float *query             # dim: what hard negatives are scored against
    int rows_fetched         # 1: the caller asked for every row of an update ahead of it, so
                             # update_targets need not ask again
    # Hot rows (see hot_row): this thread's working copies of the most frequent words' rows,
    # index k = matrix * hot_rows + word (matrix 0: syn0, 1: syn1neg), the shared rows as they
    # were when copied or last merged (base), each copy's state (HOT_NONE, HOT_IDLE,
    # HOT_USED), and the list of live ones.
    float *hot_local
    float *hot_base
    uint8_t *hot_live
    uint32_t *hot_list
    uint16_t *hot_uses       # updates each copy has taken since the last merge
    int n_hot
    int max_uses             # the most of them
    int since_sync
