// Runs sgns.cu's kernel on the CPU as one warp: 32 lanes, each a coroutine with its own stack
// (ucontext), taking turns on one thread. A lane runs until it reaches a warp intrinsic
// (ballot, shuffles, syncwarp), where it waits at the warp's barrier: it hands over to the
// next lane, and the last lane of a turn to the first lane of the next, so each lane goes on
// only once all 32 have arrived. The lanes take each turn in a new order (shuffled from a
// fixed seed), so that a kernel which reads what another lane wrote without a barrier in
// between gets a wrong result here, as it might on the GPU, and the same one every run.
// The kernel's intrinsics are all in warp-uniform control flow, so the lanes reach them
// together, as on the GPU. Taking turns on one thread rather than running 32 threads makes a
// barrier a context switch in user space, not 32 trips through the scheduler.
// test_emulated_kernel.py compiles this with g++ (SOURCE: the path of sgns.cu, and its -D
// settings) and checks the result against the numpy reference, so the kernel's logic is
// tested on machines without a GPU.
#include <ucontext.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>
#include <algorithm>

#define __device__
#define __global__
#define __forceinline__ inline
#define __restrict__
#define __launch_bounds__(x)

struct Dim3 { unsigned x; };
static Dim3 threadIdx;  // the lane whose turn it is
static const Dim3 blockIdx = {0};
static const Dim3 blockDim = {32};
static const Dim3 gridDim = {1};

static ucontext_t lane_context[32], caller_context;
static bool lane_done[32];
static uint64_t exchange[32];
static unsigned turn_order[32];  // the lanes in the order they take this turn
static int place;                // how many lanes of this turn have gone
static uint64_t shuffle_state;

// Starts a turn: a new order of the lanes (Fisher-Yates, xorshift64).
static void new_turn() {
    for (unsigned i = 0; i < 32; i++) turn_order[i] = i;
    for (unsigned i = 31; i > 0; i--) {
        shuffle_state ^= shuffle_state << 13;
        shuffle_state ^= shuffle_state >> 7;
        shuffle_state ^= shuffle_state << 17;
        std::swap(turn_order[i], turn_order[shuffle_state % (i + 1)]);
    }
    place = 0;
}

// The lane that goes after this one: the next of this turn, or the first of a new turn.
static unsigned next_lane() {
    if (++place == 32) new_turn();
    return turn_order[place];
}

// The warp's barrier: hand over to the next lane, and carry on once it is this lane's turn
// again (every lane has arrived).
static void warp_wait() {
    unsigned me = threadIdx.x, next = next_lane();
    if (lane_done[next]) {
        std::fprintf(stderr, "warp_emulator: lane %u waits at a barrier lane %u never reaches\n",
                     me, next);
        std::abort();
    }
    swapcontext(&lane_context[me], &lane_context[next]);
    threadIdx.x = me;
}

static inline void __syncwarp() { warp_wait(); }
static inline unsigned __ballot_sync(unsigned, int pred) {
    exchange[threadIdx.x] = pred != 0;
    warp_wait();
    unsigned r = 0;
    for (int i = 0; i < 32; i++) r |= (unsigned)(exchange[i] != 0) << i;
    warp_wait();
    return r;
}
template <typename T> static inline T shfl(T v, int src) {
    uint64_t bits = 0;
    static_assert(sizeof(T) <= 8, "");
    __builtin_memcpy(&bits, &v, sizeof(T));
    exchange[threadIdx.x] = bits;
    warp_wait();
    uint64_t got = exchange[src & 31];
    warp_wait();
    T out;
    __builtin_memcpy(&out, &got, sizeof(T));
    return out;
}
template <typename T> static inline T __shfl_sync(unsigned, T v, int src) { return shfl(v, src); }
template <typename T> static inline T __shfl_xor_sync(unsigned, T v, int m) {
    return shfl(v, (int)threadIdx.x ^ m);
}
static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline int __ffs(unsigned x) { return __builtin_ffs(x); }
#define __expf expf
// One warp: lanes never add to the same element at once (a row's elements are split over
// lanes; counters are lane 0's), so plain adds are exact here.
template <typename T> static inline T atomicAdd(T *p, T v) { T old = *p; *p = old + v; return old; }
struct float4 { float x, y, z, w; };
static inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
static inline float4 atomicAdd(float4 *p, float4 v) {
    float4 old = *p;
    *p = {old.x + v.x, old.y + v.y, old.z + v.z, old.w + v.w};
    return old;
}
static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }

#include SOURCE

static std::function<void()> *warp_kernel;

// A lane's coroutine: the kernel, then the next lane's go (after the last lane's, back to
// the caller: the lanes finish in the same turn, as they reach every barrier in the same one).
static void lane_main(int lane) {
    threadIdx.x = (unsigned)lane;
    (*warp_kernel)();
    lane_done[lane] = true;
    if (place == 31) {
        for (int i = 0; i < 32; i++)
            if (!lane_done[i]) {
                std::fprintf(stderr, "warp_emulator: lane %d is left at a barrier\n", i);
                std::abort();
            }
        setcontext(&caller_context);
    }
    setcontext(&lane_context[next_lane()]);
}

static void one_warp(std::function<void()> kernel) {
    const size_t stack_bytes = 1 << 18;
    std::vector<char> stacks(32 * stack_bytes);
    warp_kernel = &kernel;
    for (int lane = 0; lane < 32; lane++) {
        lane_done[lane] = false;
        getcontext(&lane_context[lane]);
        lane_context[lane].uc_stack.ss_sp = stacks.data() + lane * stack_bytes;
        lane_context[lane].uc_stack.ss_size = stack_bytes;
        lane_context[lane].uc_link = nullptr;
        makecontext(&lane_context[lane], (void (*)())lane_main, 1, lane);
    }
    shuffle_state = 0x9e3779b97f4a7c15ull;
    new_turn();
    swapcontext(&caller_context, &lane_context[turn_order[0]]);
}

extern "C" void run_keep_flags(const u32 *stream, i64 n, const u32 *keep, u64 key,
                               unsigned char *flags) {
    one_warp([=] { keep_flags(stream, n, keep, key, flags); });
}

extern "C" void run_sgns_train(
        const u32 *ids, const i64 *positions, const u32 *sentence, const i64 *sent_first,
        i64 n_kept, int task_size, u32 first_task, u32 n_tasks, u32 *task_counter,
        const i64 *words_start, const u32 *prob, const u32 *alias_, u32 vocab,
        const float *log_kq, float *bias, float *syn0, float *syn1, i64 stride, int window,
        u64 key, float alpha0, float min_alpha, double total_words, u64 *words_done,
        double *totals) {
    one_warp([=] {
        sgns_train(ids, positions, sentence, sent_first, n_kept, task_size, first_task, n_tasks,
                   task_counter, words_start, prob, alias_, vocab, log_kq, bias, syn0, syn1,
                   stride, window, key, alpha0, min_alpha, total_words, words_done, totals);
    });
}
