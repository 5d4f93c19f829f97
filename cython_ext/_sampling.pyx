# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Samplers' tables: Vose alias tables for noise distributions, and test hooks that draw
from them with the same inline code the training kernel uses."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint32_t, uint64_t, int64_t
from _rng cimport alias_draw, keep_token

cnp.import_array()


def build_alias(double[::1] weights):
    """Build a Vose alias table for sampling index i with probability weights[i] / sum.

    Returns ``(prob, alias)``, two uint32 arrays: column i is kept when a uniform uint32 is
    below prob[i], else alias[i] is returned. O(n) with two work lists (Vose 1991).
    """
    cdef Py_ssize_t n = weights.shape[0], i
    if n == 0:
        raise ValueError("cannot build an alias table over zero outcomes")
    cdef double total = 0.0
    for i in range(n):
        if not (weights[i] >= 0.0):
            raise ValueError("noise weights must be finite and non-negative")
        total += weights[i]
    if not (total > 0.0) or total == float("inf"):
        raise ValueError("noise weights must have a positive finite sum")
    cdef double[::1] scaled = np.empty(n, dtype=np.float64)
    cdef cnp.int64_t[::1] small = np.empty(n, dtype=np.int64)
    cdef cnp.int64_t[::1] large = np.empty(n, dtype=np.int64)
    prob_arr = np.empty(n, dtype=np.uint32)
    alias_arr = np.arange(n, dtype=np.uint32)
    cdef uint32_t[::1] prob = prob_arr
    cdef uint32_t[::1] alias = alias_arr
    cdef Py_ssize_t ns = 0, nl = 0, s, l
    for i in range(n):
        scaled[i] = weights[i] * n / total
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        l = large[nl - 1]
        prob[s] = <uint32_t>(scaled[s] * 4294967296.0)
        alias[s] = <uint32_t>l
        scaled[l] = (scaled[l] + scaled[s]) - 1.0
        if scaled[l] < 1.0:
            nl -= 1
            small[ns] = l
            ns += 1
    # Whatever is left has probability 1 up to rounding.
    for i in range(nl):
        prob[large[i]] = 0xFFFFFFFFU
    for i in range(ns):
        prob[small[i]] = 0xFFFFFFFFU
    return prob_arr, alias_arr


def draw_alias(const uint32_t[::1] prob, const uint32_t[::1] alias, Py_ssize_t count,
               uint64_t seed):
    """Draw ``count`` samples with the kernel's own alias sampler (for statistical tests)."""
    out_arr = np.empty(count, dtype=np.uint32)
    cdef uint32_t[::1] out = out_arr
    cdef uint64_t state = seed
    cdef uint32_t n = <uint32_t>prob.shape[0]
    cdef Py_ssize_t i
    with nogil:
        for i in range(count):
            out[i] = alias_draw(&state, &prob[0], &alias[0], n)
    return out_arr


def count_kept(uint32_t threshold, Py_ssize_t trials, uint64_t seed):
    """How many of ``trials`` tokens the kernel's subsampling coin keeps (for tests)."""
    cdef uint64_t state = seed
    cdef Py_ssize_t i, kept = 0
    with nogil:
        for i in range(trials):
            kept += keep_token(&state, threshold)
    return kept
