// Skip-gram with negative sampling on one CUDA GPU.
//
// Each epoch starts with subsampling: keep_flags marks the words that the keep draws keep,
// and the host packs them into one array of kept ids (with their stream positions and
// sentences: w2vns/gpu/layout.py). Then sgns_train cuts that array into tasks of a few hundred
// centre words; a warp trains one task at a time, taken from a launch-wide counter, so that
// the work is spread over every warp of the GPU however long the sentences are. Warps update
// the weights concurrently, as CPU threads do (Hogwild), with atomic adds by default, so that
// concurrent steps to a frequent word's row add up instead of overwriting each other.
//
// Per centre word: a reduced window (a shrink b uniform in [0, window)), k noise words from
// the alias table (a draw equal to the centre is dropped, as the CPU kernels do), and the fast
// CPU kernel's update: the centre's and the noise words' output rows are read once into
// registers and serve every context of the window; each context's input row is scored
// against them and takes its step at once; the output rows take the sum of their steps at
// the end of the window (of each group of at most W2V_GROUP contexts of a wider window). A
// lane holds W2V_ROW_REGS elements of each row (see load_row): loads are coalesced and a dot
// product is a register FMA chain plus a 5-step butterfly.
//
// Random numbers are counter-based: a draw is a hash of (epoch key, stream position, what it
// is for), so it does not depend on which warp trains which task, and the host (numpy,
// w2vns/gpu/draws.py) can reproduce every draw. Compiled by NVRTC through CuPy with
// -D W2V_ROW_REGS=ceil(dim/32) -D W2V_NEGATIVE=k -D W2V_GROUP -D W2V_MAX_SENTENCE (and
// W2V_ATOMIC and W2V_VEC4; w2vns/gpu/backend.py compile_options).

typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

#ifndef W2V_ROW_REGS
#error "W2V_ROW_REGS (row elements per lane) must be defined"
#endif
#ifndef W2V_NEGATIVE
#error "W2V_NEGATIVE (noise words per window) must be defined"
#endif
#ifndef W2V_MAX_SENTENCE
#define W2V_MAX_SENTENCE 10000
#endif
#ifndef W2V_GROUP
#define W2V_GROUP 10
#endif
#ifndef W2V_ATOMIC
#define W2V_ATOMIC 1
#endif
#ifndef W2V_VEC4
#define W2V_VEC4 0
#endif
// NCE instead of SGNS (log_kq: log(k q(w)) per word), with learned output biases (bias).
#ifndef W2V_NCE
#define W2V_NCE 0
#endif
#ifndef W2V_NCE_BIAS
#define W2V_NCE_BIAS 0
#endif
#if W2V_NCE_BIAS && !W2V_NCE
#error "W2V_NCE_BIAS needs W2V_NCE"
#endif

#define W2V_SENTENCE_END 0xFFFFFFFFu
#define W2V_ALWAYS 0xFFFFFFFFu
#define FULL_MASK 0xFFFFFFFFu
#define TARGETS (W2V_NEGATIVE + 1)
#define MAX_EXP 6.0f

// What a draw is for: its salt. Noise word d of a window uses SALT_NOISE + d.
#define SALT_KEEP 0u
#define SALT_WINDOW 1u
#define SALT_NOISE 2u

// splitmix64's finaliser (Steele, Lea & Flood 2014), the mixer of the CPU kernels' RNG.
__device__ __forceinline__ u64 mix64(u64 z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// 64 random bits for (epoch key, stream position, salt).
__device__ __forceinline__ u64 draw(u64 key, u64 pos, u32 salt) {
    return mix64(key ^ mix64(pos * 0x9E3779B97F4A7C15ULL + (u64)salt));
}

// (label - sigmoid(f)) * alpha, saturated beyond +-MAX_EXP as word2vec does; adds the pair's
// -log(sigmoid(+-f)) to *loss.
__device__ __forceinline__ float gradient(float f, float label, float alpha, float *loss) {
    float z = label > 0.f ? f : -f;
    z = fminf(fmaxf(z, -MAX_EXP), MAX_EXP);
    *loss += log1pf(__expf(-z));
    if (f > MAX_EXP) return (label - 1.f) * alpha;
    if (f < -MAX_EXP) return label * alpha;
    return (label - 1.f / (1.f + __expf(-f))) * alpha;
}

// A lane's part of a row: with W2V_VEC4, elements 4 lane + 128 q + (0..3) as float4s (one
// 16-byte load, or one vector atomic add, for four elements); else elements lane + 32 r. Both
// cover the row's W2V_ROW_REGS * 32 floats (its stride) with every lane's registers.
#if W2V_VEC4 && W2V_ROW_REGS % 4 != 0
#error "W2V_VEC4 needs W2V_ROW_REGS to be a multiple of 4"
#endif

__device__ __forceinline__ void add_row(float *row, const float *step, int lane) {
#if W2V_VEC4
#pragma unroll
    for (int q = 0; q < W2V_ROW_REGS / 4; q++) {
        float4 *at = reinterpret_cast<float4 *>(row) + lane + 32 * q;
        const float4 v = make_float4(step[4 * q], step[4 * q + 1], step[4 * q + 2],
                                     step[4 * q + 3]);
#if W2V_ATOMIC
        atomicAdd(at, v);
#else
        float4 old = *at;
        *at = make_float4(old.x + v.x, old.y + v.y, old.z + v.z, old.w + v.w);
#endif
    }
#else
#pragma unroll
    for (int r = 0; r < W2V_ROW_REGS; r++) {
#if W2V_ATOMIC
        atomicAdd(row + lane + 32 * r, step[r]);
#else
        row[lane + 32 * r] += step[r];
#endif
    }
#endif
}

__device__ __forceinline__ void load_row(float *dst, const float *row, int lane) {
#if W2V_VEC4
#pragma unroll
    for (int q = 0; q < W2V_ROW_REGS / 4; q++) {
        const float4 v = reinterpret_cast<const float4 *>(row)[lane + 32 * q];
        dst[4 * q] = v.x;
        dst[4 * q + 1] = v.y;
        dst[4 * q + 2] = v.z;
        dst[4 * q + 3] = v.w;
    }
#else
#pragma unroll
    for (int r = 0; r < W2V_ROW_REGS; r++) dst[r] = row[lane + 32 * r];
#endif
}

// The sentence position of context c (0 <= c < hi - lo) of the window [lo, hi] around i.
__device__ __forceinline__ int context_at(int c, int lo, int i) {
    return lo + c + (lo + c >= i ? 1 : 0);
}

// Contexts [c0, c1) of centre word `centre`'s window, against the centre's output row and the
// noise words of this group (drawn with salts SALT_NOISE + first_salt + d): each context's
// input row takes its step at once; the output rows, read at the start, take the sum of their
// steps at the end.
__device__ __forceinline__ void train_group(
        const u32 *sentence, u32 centre, int c0, int c1, int lo, int i, u64 ckey, u32 first_salt,
        int lane, const u32 *__restrict__ prob, const u32 *__restrict__ alias_, u32 vocab,
        const float *__restrict__ log_kq, float *bias, float *syn0, float *syn1, i64 stride,
        u64 key, float alpha, double *loss) {
    u32 noise = centre;
    if (lane < W2V_NEGATIVE) {
        const u64 r = draw(key, ckey, SALT_NOISE + first_salt + lane);
        const u32 column = (u32)(((r >> 32) * (u64)vocab) >> 32);
        noise = (u32)r < prob[column] ? column : alias_[column];
    }
    const u32 drawn = __ballot_sync(FULL_MASK, lane < W2V_NEGATIVE && noise != centre);

    u32 target[TARGETS];
    bool used[TARGETS];
    float out[TARGETS][W2V_ROW_REGS], step[TARGETS][W2V_ROW_REGS];
#pragma unroll
    for (int t = 0; t < TARGETS; t++) {
        target[t] = t == 0 ? centre : __shfl_sync(FULL_MASK, noise, t - 1);
        used[t] = t == 0 || ((drawn >> (t - 1)) & 1u);
#pragma unroll
        for (int r = 0; r < W2V_ROW_REGS; r++) {
            out[t][r] = 0.f;
            step[t][r] = 0.f;
        }
        if (used[t]) load_row(out[t], syn1 + (i64)target[t] * stride, lane);
    }
#if W2V_NCE
    // NCE's logit is the score + b_w - log(k q(w)) (without biases: the score - log(k q(w)));
    // the biases take the sum of their gradients over the group, as the output rows do.
    float shift[TARGETS];
#pragma unroll
    for (int t = 0; t < TARGETS; t++) {
        shift[t] = used[t] ? -log_kq[target[t]] : 0.f;
#if W2V_NCE_BIAS
        if (used[t]) shift[t] += bias[target[t]];
#endif
    }
#endif
#if W2V_NCE_BIAS
    float bias_step[TARGETS];
#pragma unroll
    for (int t = 0; t < TARGETS; t++) bias_step[t] = 0.f;
#endif

    int c = c0;
    u32 context = sentence[context_at(c, lo, i)];
    float in[W2V_ROW_REGS], next_in[W2V_ROW_REGS], err[W2V_ROW_REGS];
    load_row(in, syn0 + (i64)context * stride, lane);
    while (true) {
        // The next context's row is fetched now, so that its load overlaps this one's work.
        const bool more = c + 1 < c1;
        const u32 next_context = more ? sentence[context_at(c + 1, lo, i)] : 0u;
        if (more) load_row(next_in, syn0 + (i64)next_context * stride, lane);

        float g[TARGETS];
#pragma unroll
        for (int t = 0; t < TARGETS; t++) {
            float s = 0.f;
#pragma unroll
            for (int r = 0; r < W2V_ROW_REGS; r++) s = fmaf(in[r], out[t][r], s);
            g[t] = s;
        }
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) {
#pragma unroll
            for (int t = 0; t < TARGETS; t++) g[t] += __shfl_xor_sync(FULL_MASK, g[t], offset);
        }
        float pair_loss = 0.f;
#pragma unroll
        for (int t = 0; t < TARGETS; t++) {
#if W2V_NCE
            g[t] += shift[t];
#endif
            g[t] = used[t] ? gradient(g[t], t == 0 ? 1.f : 0.f, alpha, &pair_loss) : 0.f;
#if W2V_NCE_BIAS
            bias_step[t] += g[t];
#endif
        }
        *loss += pair_loss;
#pragma unroll
        for (int r = 0; r < W2V_ROW_REGS; r++) {
            float e = 0.f;
#pragma unroll
            for (int t = 0; t < TARGETS; t++) {
                e = fmaf(g[t], out[t][r], e);
                step[t][r] = fmaf(g[t], in[r], step[t][r]);
            }
            err[r] = e;
        }
        add_row(syn0 + (i64)context * stride, err, lane);
        if (!more) break;
        if (next_context == context) {  // fetched before this step landed: add it
#pragma unroll
            for (int r = 0; r < W2V_ROW_REGS; r++) next_in[r] = in[r] + err[r];
        }
#pragma unroll
        for (int r = 0; r < W2V_ROW_REGS; r++) in[r] = next_in[r];
        context = next_context;
        c++;
    }
#pragma unroll
    for (int t = 0; t < TARGETS; t++)
        if (used[t]) add_row(syn1 + (i64)target[t] * stride, step[t], lane);
#if W2V_NCE_BIAS
    if (lane == 0) {
#pragma unroll
        for (int t = 0; t < TARGETS; t++)
            if (used[t]) atomicAdd(bias + target[t], bias_step[t]);
    }
#endif
}

// Centre word sentence[i] (keyed by its stream position `ckey`) and its window; returns the
// number of (centre, context) pairs trained. A window of more than W2V_GROUP contexts goes in
// groups of sizes that differ by one at most, each with noise words of its own and the output
// rows as the groups before it left them (as the CPU fast kernel cuts a wide window).
__device__ __forceinline__ int train_window(
        const u32 *sentence, int i, int slen, u64 ckey, int lane,
        const u32 *__restrict__ prob, const u32 *__restrict__ alias_, u32 vocab,
        const float *__restrict__ log_kq, float *bias, float *syn0, float *syn1, i64 stride,
        int window, u64 key, float alpha, double *loss) {
    const u32 centre = sentence[i];
    const int b = (int)(((draw(key, ckey, SALT_WINDOW) >> 32) * (u64)window) >> 32);
    const int lo = max(0, i - window + b), hi = min(slen - 1, i + window - b);
    const int m = hi - lo;  // contexts: the window without its centre
    const int groups = (m + W2V_GROUP - 1) / W2V_GROUP;
    int c0 = 0;
    for (int g = 0; g < groups; g++) {
        const int c1 = (int)(((i64)(g + 1) * m) / groups);
        train_group(sentence, centre, c0, c1, lo, i, ckey, (u32)(g * W2V_NEGATIVE), lane, prob,
                    alias_, vocab, log_kq, bias, syn0, syn1, stride, key, alpha, loss);
        c0 = c1;
    }
    return m;
}

// Subsampling for one epoch: flags[p] = 1 where stream[p] is a word that the keep draw keeps
// (0 for sentence ends). The host compacts the kept words (w2vns/gpu/layout.py).
extern "C" __global__ void keep_flags(const u32 *__restrict__ stream, i64 n,
                                      const u32 *__restrict__ keep, u64 key,
                                      unsigned char *flags) {
    for (i64 p = (i64)blockIdx.x * blockDim.x + threadIdx.x; p < n;
         p += (i64)gridDim.x * blockDim.x) {
        const u32 w = stream[p];
        bool kept = false;
        if (w != W2V_SENTENCE_END) {
            const u32 threshold = keep[w];
            kept = threshold == W2V_ALWAYS
                   || (u32)(draw(key, (u64)p, SALT_KEEP) >> 32) < threshold;
        }
        flags[p] = kept ? 1 : 0;
    }
}

// One epoch's training over its kept words: ids[k] (k < n_kept), at stream position
// positions[k] (the key of its draws), in sentence sentence[k], whose kept words are
// [sent_first[s], sent_first[s + 1]). A sentence of more than W2V_MAX_SENTENCE kept words is
// cut into pieces of that many, as the CPU kernels cut it. Task t is the centres
// [t * task_size, (t + 1) * task_size); this launch trains tasks first_task + 0, 1, ... up to
// n_tasks, taken from `task_counter` (0 at the start). A task counts words_start[t + 1] -
// words_start[t] words (the ids it spans, dropped ones included) in `words_done`, and the
// learning rate decays linearly with words_done from alpha0 to min_alpha at total_words.
// log_kq and bias: NCE's (unread by SGNS; bias unread without W2V_NCE_BIAS). `totals`: loss,
// pairs.
extern "C" __global__ void sgns_train(
        const u32 *__restrict__ ids, const i64 *__restrict__ positions,
        const u32 *__restrict__ sentence, const i64 *__restrict__ sent_first, i64 n_kept,
        int task_size, u32 first_task, u32 n_tasks, u32 *task_counter,
        const i64 *__restrict__ words_start, const u32 *__restrict__ prob,
        const u32 *__restrict__ alias_, u32 vocab, const float *__restrict__ log_kq,
        float *bias, float *syn0, float *syn1, i64 stride, int window, u64 key, float alpha0,
        float min_alpha, double total_words, u64 *words_done, double *totals) {
    const int lane = threadIdx.x & 31;
    double loss = 0.0, pairs = 0.0;
    while (true) {
        u32 task = 0;
        if (lane == 0) task = atomicAdd(task_counter, 1u);
        task = __shfl_sync(FULL_MASK, task, 0);
        if (task >= n_tasks) break;
        task += first_task;
        u64 before = 0;
        if (lane == 0)
            before = atomicAdd(words_done, (u64)(words_start[task + 1] - words_start[task]));
        before = __shfl_sync(FULL_MASK, before, 0);
        float alpha = alpha0 * (float)(1.0 - (double)before / total_words);
        if (alpha < min_alpha) alpha = min_alpha;
        const i64 k0 = (i64)task * task_size;
        const i64 k1 = min(k0 + task_size, n_kept);
        for (i64 k = k0; k < k1; k++) {
            const u32 s = sentence[k];
            const i64 first = sent_first[s], last = sent_first[s + 1];
            const i64 piece = first + (k - first) / W2V_MAX_SENTENCE * W2V_MAX_SENTENCE;
            const int slen = (int)(min(last, piece + W2V_MAX_SENTENCE) - piece);
            pairs += train_window(ids + piece, (int)(k - piece), slen, (u64)positions[k], lane,
                                  prob, alias_, vocab, log_kq, bias, syn0, syn1, stride, window,
                                  key, alpha, &loss);
        }
    }
    if (lane == 0) {
        atomicAdd(totals, loss);
        atomicAdd(totals + 1, pairs);
    }
}
