/* Small dense loops of the training kernels, written so that gcc/clang vectorise them.
 *
 * Plain C instead of Cython because the speed comes from details Cython does not express:
 * several independent accumulators for dot products (a single one makes every add wait for
 * the previous: latency-bound), `restrict` pointers, and fused updates that load and store
 * the destination row once for four source rows instead of once per row.
 */
#ifndef W2VNS_SIMD_H
#define W2VNS_SIMD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Eight floats, unaligned (a typedef may lower the alignment; rows start anywhere). The
 * compiler lowers it to one AVX register, or two SSE/NEON registers on narrower machines. */
typedef float w2v_v8 __attribute__((vector_size(32), aligned(4)));

/* Four floats, unaligned. */
typedef float w2v_v4 __attribute__((vector_size(16), aligned(4)));

/* The widest vector the target has registers for: 16 floats with AVX-512, 8 with AVX, 4 on
 * SSE/NEON; the hot loops below are written in it. Why not 16 floats everywhere: a vector wider
 * than the registers is split by the compiler, and gcc builds such a vector's broadcast scalar
 * on the stack, two 16-byte stores read back by one 32-byte load. The load cannot be forwarded
 * from the stores and waits for them, in every step of the loops: on AVX2 machines without
 * AVX-512 that made the kernel several times slower. */
#if defined(__AVX512F__)
#define W2V_LANES 16
#define W2V_VECTORS "AVX-512"
#elif defined(__AVX2__)
#define W2V_LANES 8
#define W2V_VECTORS "AVX2"
#elif defined(__AVX__)
#define W2V_LANES 8
#define W2V_VECTORS "AVX"
#else
#define W2V_LANES 4
#if defined(__ARM_NEON)
#define W2V_VECTORS "NEON"
#else
#define W2V_VECTORS "SSE2"
#endif
#endif
typedef float w2v_vn __attribute__((vector_size(4 * W2V_LANES), aligned(4)));

/* sum(a[i] * b[i]) with two independent 8-wide accumulators. */
static inline float w2v_dot(const float *restrict a, const float *restrict b, int n)
{
    w2v_v8 s0 = {0}, s1 = {0};
    float total;
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 += *(const w2v_v8 *)(a + i) * *(const w2v_v8 *)(b + i);
        s1 += *(const w2v_v8 *)(a + i + 8) * *(const w2v_v8 *)(b + i + 8);
    }
    if (i + 8 <= n) {
        s0 += *(const w2v_v8 *)(a + i) * *(const w2v_v8 *)(b + i);
        i += 8;
    }
    s0 += s1;
    total = ((s0[0] + s0[4]) + (s0[1] + s0[5])) + ((s0[2] + s0[6]) + (s0[3] + s0[7]));
    for (; i < n; i++)
        total += a[i] * b[i];
    return total;
}

/* y += alpha * x */
static inline void w2v_axpy(float alpha, const float *restrict x, float *restrict y, int n)
{
    int i;
    for (i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

/* y += sum_c w[c] * x[c] over `count` rows x[c], four rows per pass over y. */
static inline void w2v_accumulate(float *restrict y, const float *w, float *const *x, int count,
                                  int n)
{
    int c = 0, i;
    for (; c + 4 <= count; c += 4) {
        const float *restrict x0 = x[c], *restrict x1 = x[c + 1];
        const float *restrict x2 = x[c + 2], *restrict x3 = x[c + 3];
        const float w0 = w[c], w1 = w[c + 1], w2 = w[c + 2], w3 = w[c + 3];
        for (i = 0; i < n; i++)
            y[i] += w0 * x0[i] + w1 * x1[i] + w2 * x2[i] + w3 * x3[i];
    }
    for (; c < count; c++)
        w2v_axpy(w[c], x[c], y, n);
}

/* The sum of the lanes of v: halves added down to four lanes, then those four. */
static inline float w2v_sum_lanes(w2v_vn v)
{
    w2v_v4 lo4;
#if W2V_LANES > 4
    w2v_v4 hi4;
#endif
#if W2V_LANES > 8
    w2v_v8 lo8, hi8;
    __builtin_memcpy(&lo8, &v, sizeof lo8);
    __builtin_memcpy(&hi8, (const char *)&v + sizeof lo8, sizeof hi8);
    lo8 += hi8;
#elif W2V_LANES > 4
    w2v_v8 lo8 = v;
#endif
#if W2V_LANES > 4
    __builtin_memcpy(&lo4, &lo8, sizeof lo4);
    __builtin_memcpy(&hi4, (const char *)&lo8 + sizeof lo4, sizeof hi4);
    lo4 += hi4;
#else
    lo4 = v;
#endif
    return (lo4[0] + lo4[2]) + (lo4[1] + lo4[3]);
}

/* out[k] = x . rows[k] for k < B (B <= 4), one native vector of sums per row. Inlined with a
 * constant B, the sums stay in registers (a loop over a variable number of rows keeps them in
 * memory), and the four are independent, hiding the latency of each add; the loads of x are
 * shared. Every row's sum is taken in the same order whatever B. */
static inline __attribute__((always_inline)) void
w2v_dots_block(float *out, const float *restrict x, float *const *rows, const int B, int n)
{
    int i, k;
    w2v_vn acc[4] = {{0}, {0}, {0}, {0}};
    float tail[4] = {0, 0, 0, 0};
    for (i = 0; i + W2V_LANES <= n; i += W2V_LANES) {
        w2v_vn xv = *(const w2v_vn *)(x + i);
        for (k = 0; k < B; k++)
            acc[k] += xv * *(const w2v_vn *)(rows[k] + i);
    }
#if W2V_LANES > 8
    if (i + 8 <= n) {
        w2v_v8 xv = *(const w2v_v8 *)(x + i);
        for (k = 0; k < B; k++) {
            w2v_v8 p = xv * *(const w2v_v8 *)(rows[k] + i);
            tail[k] += ((p[0] + p[4]) + (p[1] + p[5])) + ((p[2] + p[6]) + (p[3] + p[7]));
        }
        i += 8;
    }
#endif
#if W2V_LANES > 4
    if (i + 4 <= n) {
        w2v_v4 xv = *(const w2v_v4 *)(x + i);
        for (k = 0; k < B; k++) {
            w2v_v4 p = xv * *(const w2v_v4 *)(rows[k] + i);
            tail[k] += (p[0] + p[2]) + (p[1] + p[3]);
        }
        i += 4;
    }
#endif
    for (k = 0; k < B; k++) {
        int j;
        for (j = i; j < n; j++)
            tail[k] += x[j] * rows[k][j];
        out[k] = w2v_sum_lanes(acc[k]) + tail[k];
    }
}

/* out[r] = x . rows[r] for `count` rows, four rows per pass over x. */
static inline void w2v_dots(float *out, const float *restrict x, float *const *rows, int count,
                            int n)
{
    int r;
    for (r = 0; r + 4 <= count; r += 4)
        w2v_dots_block(out + r, x, rows + r, 4, n);
    switch (count - r) {
    case 3: w2v_dots_block(out + r, x, rows + r, 3, n); break;
    case 2: w2v_dots_block(out + r, x, rows + r, 2, n); break;
    case 1: w2v_dots_block(out + r, x, rows + r, 1, n); break;
    }
}

/* out[i] (= or, with add, +=) sum_s w[s * stride] src[s][i] for i < n, over `count` sources:
 * four native-vector slices at a time, so that four independent sums hide the latency of each
 * add, each written once. Every element's sum is taken in source order whatever the vector
 * width. */
static inline __attribute__((always_inline)) void
w2v_weighted_sum(float *restrict out, const int add, const float *w, int stride,
                 float *const *src, int count, int n)
{
    int s, i;
    for (i = 0; i + 4 * W2V_LANES <= n; i += 4 * W2V_LANES) {
        w2v_vn a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (s = 0; s < count; s++) {
            const float *r = src[s] + i;
            const float ws = w[s * stride];
            a0 += ws * *(const w2v_vn *)r;
            a1 += ws * *(const w2v_vn *)(r + W2V_LANES);
            a2 += ws * *(const w2v_vn *)(r + 2 * W2V_LANES);
            a3 += ws * *(const w2v_vn *)(r + 3 * W2V_LANES);
        }
        if (add) {
            a0 += *(const w2v_vn *)(out + i);
            a1 += *(const w2v_vn *)(out + i + W2V_LANES);
            a2 += *(const w2v_vn *)(out + i + 2 * W2V_LANES);
            a3 += *(const w2v_vn *)(out + i + 3 * W2V_LANES);
        }
        *(w2v_vn *)(out + i) = a0;
        *(w2v_vn *)(out + i + W2V_LANES) = a1;
        *(w2v_vn *)(out + i + 2 * W2V_LANES) = a2;
        *(w2v_vn *)(out + i + 3 * W2V_LANES) = a3;
    }
#define W2V_WEIGHTED_SLICE(V, W)                                                    \
    for (; i + (W) <= n; i += (W)) {                                                \
        V a0 = {0};                                                                 \
        for (s = 0; s < count; s++)                                                 \
            a0 += w[s * stride] * *(const V *)(src[s] + i);                         \
        if (add)                                                                    \
            a0 += *(const V *)(out + i);                                            \
        *(V *)(out + i) = a0;                                                       \
    }
    W2V_WEIGHTED_SLICE(w2v_vn, W2V_LANES)
#if W2V_LANES > 8
    W2V_WEIGHTED_SLICE(w2v_v8, 8)
#endif
#if W2V_LANES > 4
    W2V_WEIGHTED_SLICE(w2v_v4, 4)
#endif
#undef W2V_WEIGHTED_SLICE
    for (; i < n; i++) {
        float a0 = 0;
        for (s = 0; s < count; s++)
            a0 += w[s * stride] * src[s][i];
        out[i] = add ? out[i] + a0 : a0;
    }
}

/* One group of the fast loop, from its gradient scales g (m x count, row-major):
 *   x[j]    += sum_t g[j][t] rows[t]   (the rows as they were)
 *   rows[t] += sum_j g[j][t] x[j]      (the inputs as they were)
 * delta: count x n scratch, where the rows' steps wait while the inputs move. Each step is summed
 * in registers and written once, instead of passes of read-add-write over a buffer. */
static inline void w2v_group_update(float *const *x, int m, float *const *rows, int count,
                                    const float *g, float *restrict delta, int n)
{
    int t, j, i;
    for (t = 0; t < count; t++)
        w2v_weighted_sum(delta + (long)t * n, 0, g + t, count, x, m, n);
    for (j = 0; j < m; j++)
        w2v_weighted_sum(x[j], 1, g + j * count, 1, rows, count, n);
    for (t = 0; t < count; t++) {
        float *restrict y = rows[t];
        const float *restrict d = delta + (long)t * n;
        for (i = 0; i < n; i++)
            y[i] += d[i];
    }
}

/* The most targets w2v_group_update_sequential takes. */
#define W2V_GROUP_TARGETS 32

/* w2v_group_update_sequential over the slice [i, i + W) of every row, W floats wide (vector type V). */
#define W2V_GROUP_SLICE(V, W)                                                       \
    for (; i + (W) <= n; i += (W)) {                                                \
        V now[W2V_GROUP_TARGETS];                                                   \
        for (t = 0; t < count; t++)                                                 \
            now[t] = *(const V *)(rows[t] + i);                                     \
        for (j = 0; j < m; j++) {                                                   \
            const float *gj = g + j * count;                                        \
            const V xj = *(const V *)(x[j] + i);                                    \
            V e0 = {0}, e1 = {0};                                                   \
            for (t = 0; t + 1 < count; t += 2) {                                    \
                e0 += gj[t] * now[t];                                               \
                e1 += gj[t + 1] * now[t + 1];                                       \
                now[t] += gj[t] * xj;                                               \
                now[t + 1] += gj[t + 1] * xj;                                       \
            }                                                                       \
            if (t < count) {                                                        \
                e0 += gj[t] * now[t];                                               \
                now[t] += gj[t] * xj;                                               \
            }                                                                       \
            if (in_place)                                                           \
                *(V *)(x[j] + i) = xj + (e0 + e1);                                  \
            else                                                                    \
                *(V *)(errors + (long)j * n + i) = e0 + e1;                         \
        }                                                                           \
        for (t = 0; t < count; t++)                                                 \
            *(V *)(rows[t] + i) = now[t];                                           \
    }

/* The body of w2v_group_update_sequential; inlined with a constant count, its slices of the rows stay
 * in registers. in_place: the inputs are distinct, so each can move as soon as its slice is
 * done (else their steps wait in errors until every context has been through). */
static inline __attribute__((always_inline)) void
w2v_group_update_body(float *const *x, int m, float *const *rows, const int count,
                      const float *g, float *restrict errors, int n, const int in_place)
{
    int t, j, i = 0;
    W2V_GROUP_SLICE(w2v_vn, W2V_LANES)
#if W2V_LANES > 4
    W2V_GROUP_SLICE(w2v_v4, 4)
#endif
    for (; i < n; i++) {
        float now[W2V_GROUP_TARGETS];
        for (t = 0; t < count; t++)
            now[t] = rows[t][i];
        for (j = 0; j < m; j++) {
            const float *gj = g + j * count;
            const float xj = x[j][i];
            float e = 0;
            for (t = 0; t < count; t++) {
                e += gj[t] * now[t];
                now[t] += gj[t] * xj;
            }
            if (in_place)
                x[j][i] = xj + e;
            else
                errors[(long)j * n + i] = e;
        }
        for (t = 0; t < count; t++)
            rows[t][i] = now[t];
    }
    if (!in_place)
        for (j = 0; j < m; j++) {
            float *restrict xj = x[j];
            const float *restrict e = errors + (long)j * n;
            for (i = 0; i < n; i++)
                xj[i] += e[i];
        }
}

/* 1 when the n pointers differ from each other. */
static inline int w2v_distinct(float *const *p, int n)
{
    int a, b;
    for (a = 1; a < n; a++)
        for (b = 0; b < a; b++)
            if (p[a] == p[b])
                return 0;
    return 1;
}

/* One group of the fast loop, from its gradient scales g (m x count, row-major), context by
 * context as the reference loop takes its pairs:
 *   for j = 0 .. m-1:   e[j] = sum_t g[j][t] rows[t];   rows[t] += g[j][t] x[j]
 *   then x[j] += e[j]
 * Each context's step is taken against the output rows as the contexts before it left them;
 * the inputs move from where they stood at the group's start (why: _kernel.pyx's
 * update_targets). The rows must be distinct and count <= W2V_GROUP_TARGETS: a slice of each
 * row is read once, carried across the m contexts (in registers for the usual counts) and
 * written once. errors: m x n scratch for the inputs' steps when an input comes twice. */
static inline void w2v_group_update_sequential(float *const *x, int m, float *const *rows,
                                               int count, const float *g,
                                               float *restrict errors, int n)
{
#define W2V_GROUP_CASE(K)                                                           \
    case K:                                                                         \
        w2v_group_update_body(x, m, rows, K, g, errors, n, 1);                      \
        return;
    if (w2v_distinct(x, m)) {
        switch (count) {
            W2V_GROUP_CASE(2) W2V_GROUP_CASE(3) W2V_GROUP_CASE(4) W2V_GROUP_CASE(5)
            W2V_GROUP_CASE(6) W2V_GROUP_CASE(7) W2V_GROUP_CASE(8) W2V_GROUP_CASE(9)
            W2V_GROUP_CASE(10) W2V_GROUP_CASE(11)
        default:
            w2v_group_update_body(x, m, rows, count, g, errors, n, 1);
            return;
        }
    }
#undef W2V_GROUP_CASE
    w2v_group_update_body(x, m, rows, count, g, errors, n, 0);
}

/* y += a - b: merge a thread's changes (a, its copy; b, the copy's starting point) into y. */
static inline void w2v_add_difference(float *restrict y, const float *restrict a,
                                      const float *restrict b, int n)
{
    int i;
    for (i = 0; i < n; i++)
        y[i] += a[i] - b[i];
}

/* Ask for the cache lines of an n-float row with intent to write (PREFETCHW where the CPU has
 * it). Why: the kernels read a row (dot products) and then write it (updates). A line another
 * core wrote last then costs two coherence transactions, one to share it for the read and one
 * to take it over for the write; asking for it writable up front costs one, and the requests
 * for all the rows of an update overlap instead of waiting on each other. */
static inline void w2v_prefetch_write(const float *p, int n)
{
    int i;
    for (i = 0; i < n; i += 16)
        __builtin_prefetch(p + i, 1, 3);
    __builtin_prefetch(p + n - 1, 1, 3);
}

/* exp(x) for x <= 0 (x below -87 counts as -87: ~1.6e-38), within 4e-6 relative: Cephes'
 * expf (range reduction by ln 2, a degree-6 polynomial, 2^n put in the exponent bits). Why
 * not expf: glibc's vector expf (libmvec) is used only under the whole of -ffast-math, and the
 * kernel keeps NaN comparisons (-fno-finite-math-only); this one is plain arithmetic, which
 * the compiler vectorises under any flags. */
static inline float w2v_exp_nonpositive(float x)
{
    float n, r, p, scale;
    int32_t bits;
    x = x < -87.0f ? -87.0f : x;
    n = floorf(x * 1.44269504088896341f + 0.5f);
    r = x - n * 0.693359375f + n * 2.12194440e-4f;
    p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    bits = ((int32_t)n + 127) << 23;
    memcpy(&scale, &bits, sizeof(float));
    return p * scale;
}

/* x[i] = exp(x[i] - top) for i < n, top >= every x[i] (a softmax's numerators); returns their
 * sum. */
static inline float w2v_exp_sum(float *restrict x, float top, int n)
{
    float total = 0;
    int i;
    for (i = 0; i < n; i++) {
        x[i] = w2v_exp_nonpositive(x[i] - top);
        total += x[i];
    }
    return total;
}

#endif
