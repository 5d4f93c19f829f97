"""Samplers' tables: subsampling keep-thresholds and noise distributions.

Both are precomputed per word so the kernel only compares random integers against tables.
"""
import numpy as np

from ._sampling import build_alias

#: Threshold meaning "always keep" (the kernel skips the coin for it).
ALWAYS = 0xFFFFFFFF


def keep_probabilities(counts, sample):
    """word2vec's subsampling: keep a token of frequency f with p = (sqrt(f/s) + 1) * s / f.

    f = count / (tokens of kept words); p is capped at 1; ``sample == 0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0 or counts.size == 0:
        return np.ones(counts.shape)
    freq = counts / counts.sum()
    return np.minimum((np.sqrt(freq / sample) + 1.0) * sample / freq, 1.0)


def keep_thresholds(counts, sample):
    """Subsampling probabilities as uint32 thresholds (keep when a random uint32 < threshold)."""
    prob = keep_probabilities(counts, sample)
    thresholds = np.floor(prob * 4294967296.0)
    thresholds = np.minimum(thresholds, ALWAYS).astype(np.uint32)
    thresholds[prob >= 1.0] = ALWAYS
    return thresholds


def noise_weights(counts, power=0.75):
    """Unnormalised noise distribution count**power (power 0 is uniform, 1 the unigram)."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.size and counts.min() <= 0:
        raise ValueError("noise counts must be positive")
    return np.power(counts, power)


def noise_table(counts, power=0.75):
    """Alias table ``(prob, alias)`` over count**power, as the kernel samples it."""
    return build_alias(np.ascontiguousarray(noise_weights(counts, power)))
