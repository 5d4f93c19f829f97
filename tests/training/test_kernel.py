"""The kernel's loop: windows, subsampling and sentence boundaries, seen through record_pairs."""
import os
import platform

import numpy as np
import pytest

from w2vns.corpus.encode import encode_corpus
from w2vns.training import kernel
from w2vns.training.kernel import build_kernel, cpu_vectors, describe_build, vector_build
from w2vns.training.params import TrainParams
from w2vns.training.weights import Weights


def make_kernel(encoded, window=5, sample=0.0, seed=1, dim=8, threads=1, context_side="both"):
    counts = encoded.vocab.counts
    syn0 = np.zeros((len(counts), dim), dtype=np.float32)
    params = TrainParams(window=window, sample=sample, seed=seed, dim=dim, threads=threads,
                         context_side=context_side)
    return build_kernel(Weights(syn0, np.zeros_like(syn0)), encoded.stream, counts,
                        params.resolved(), float(len(encoded.stream)), threads)


def positional_corpus(lines=50, length=12):
    """Every token is unique to its (line, position): pairs reveal where they came from."""
    return [" ".join("l%dp%d" % (i, j) for j in range(length)) for i in range(lines)]


def decode(encoded, pairs):
    words = encoded.vocab.keys()
    out = []
    for centre, context in pairs.tolist():
        (l1, p1), (l2, p2) = [tuple(int(x) for x in words[w][1:].split("p"))
                              for w in (centre, context)]
        out.append((l1, p1, l2, p2))
    return out


def test_windows_never_cross_a_line():
    encoded = encode_corpus(positional_corpus(), min_count=1)
    pairs = make_kernel(encoded, window=8).record_pairs(0, len(encoded.stream), 100000)
    assert len(pairs) > 0
    for l1, p1, l2, p2 in decode(encoded, pairs):
        assert l1 == l2


def test_reduced_window_distances():
    """b is uniform in [0, window): a context at distance k is used with prob (window-k+1)/window."""
    window = 4
    encoded = encode_corpus(positional_corpus(lines=2000, length=30), min_count=1)
    pairs = make_kernel(encoded, window=window).record_pairs(0, len(encoded.stream), 10**7)
    decoded = decode(encoded, pairs)
    distances = np.array([abs(p1 - p2) for _, p1, _, p2 in decoded])
    assert distances.min() == 1 and distances.max() == window
    # Interior centres (far from both ends) see each distance k with probability (w-k+1)/w.
    interior = np.array([window <= p1 < 30 - window for _, p1, _, _ in decoded])
    centres = 2000 * (30 - 2 * window)
    for k in range(1, window + 1):
        observed = np.sum(distances[interior] == k) / (2 * centres)
        assert abs(observed - (window - k + 1) / window) < 0.02


def test_context_side_before_keeps_the_contexts_before_the_centre_only():
    """--context-side before: the pairs of the two-sided windows whose context comes before
    its centre, drawn from the same random numbers (the same reduced windows), with the whole
    line (window 0) as with a window."""
    encoded = encode_corpus(positional_corpus(lines=200, length=15), min_count=1)
    for window in (3, 0):
        both = decode(encoded, make_kernel(encoded, window=window).record_pairs(
            0, len(encoded.stream), 10**6))
        before = decode(encoded, make_kernel(encoded, window=window, context_side="before")
                        .record_pairs(0, len(encoded.stream), 10**6))
        assert before == [pair for pair in both if pair[3] < pair[1]]
        assert len(before) > 0.45 * len(both)


def test_subsampled_tokens_are_removed_before_the_window():
    # "the" is so frequent that nearly every occurrence is dropped; then x_i and y_i become
    # neighbours at window 1 although three "the" separate them in the text.
    lines = ["x%d the the the y%d" % (i, i) for i in range(300)] + ["the " * 1000]
    encoded = encode_corpus(lines, min_count=1)
    kernel = make_kernel(encoded, window=1, sample=1e-3)
    pairs = kernel.record_pairs(0, len(encoded.stream), 100000)
    words = encoded.vocab.keys()
    adjacent = sum((words[a][0], words[b][0], words[a][1:] == words[b][1:]) == ("x", "y", True)
                   for a, b in pairs.tolist())
    # P(all three dropped) ~ 0.96**3 ~ 0.89 per line.
    assert adjacent > 0.75 * 300


def test_record_pairs_is_deterministic_per_seed():
    encoded = encode_corpus(positional_corpus(), min_count=1)
    a = make_kernel(encoded, seed=7).record_pairs(0, len(encoded.stream), 100000)
    b = make_kernel(encoded, seed=7).record_pairs(0, len(encoded.stream), 100000)
    c = make_kernel(encoded, seed=8).record_pairs(0, len(encoded.stream), 100000)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_learning_rate_decays_linearly_with_words_done():
    encoded = encode_corpus(positional_corpus(), min_count=1)
    kernel = make_kernel(encoded)
    assert np.isclose(kernel.current_alpha(), 0.025)
    kernel.train(0, 0, len(encoded.stream))
    # One pass over the stream = total_words minus the sentence markers: lr at its floor.
    done = kernel.words_done[0]
    assert done == 50 * 12
    expected = max(0.025 * (1 - done / len(encoded.stream)), 0.0000025)
    assert np.isclose(kernel.current_alpha(), expected)


def test_stop_flag_stops_the_worker():
    encoded = encode_corpus(positional_corpus(), min_count=1)
    kernel = make_kernel(encoded)
    kernel.request_stop()
    assert kernel.train(0, 0, len(encoded.stream)) is True
    assert kernel.words_done[0] == 0


def test_the_kernel_runs_in_the_widest_vectors_this_cpu_has(tmp_path):
    """A source build compiles for the host (-march=native), and the inner loops must then
    run in its own vector width: a width the CPU lacks is split by the compiler at a large
    cost (docs/benchmarks.md, instruction sets), and a narrower one leaves speed unused."""
    extension, lanes = vector_build()
    assert lanes == {"AVX-512": 16, "AVX2": 8, "AVX": 8, "NEON": 4, "SSE2": 4}[extension]
    assert describe_build().startswith("%s, %d floats a step" % (extension, lanes))
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma\n\n"
                       "processor\t: 1\nflags\t\t: fpu sse sse2 avx avx2 fma avx512f\n")
    assert cpu_vectors(str(cpuinfo)) == "AVX2"  # the first processor's flags
    assert cpu_vectors(str(tmp_path / "missing")) is None
    portable = os.environ.get("W2VNS_PORTABLE", "") not in ("", "0")
    if portable or platform.machine() not in ("x86_64", "AMD64") or cpu_vectors() is None:
        pytest.skip("a portable build, or not an x86-64 Linux: the baseline is the target")
    assert extension == cpu_vectors() and describe_build() == "%s, %d floats a step" % (
        extension, lanes)


def test_a_build_narrower_than_the_cpu_says_so(monkeypatch):
    monkeypatch.setattr(kernel, "vector_build", lambda: ("SSE2", 4))
    monkeypatch.setattr(kernel, "cpu_vectors", lambda: "AVX2")
    assert kernel.describe_build() == "SSE2, 4 floats a step; the CPU has AVX2"
    monkeypatch.setattr(kernel, "cpu_vectors", lambda: None)  # no /proc/cpuinfo
    assert kernel.describe_build() == "SSE2, 4 floats a step"
