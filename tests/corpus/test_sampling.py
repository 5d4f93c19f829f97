"""Samplers: subsampling keep-rates and noise distributions, checked statistically."""
import math

import numpy as np
import pytest

from w2vns.corpus._sampling import build_alias, count_kept, draw_alias
from w2vns.corpus.sampling import ALWAYS, keep_probabilities, keep_thresholds, noise_table


def chi_square_p_value(observed, expected):
    """Upper tail of the chi-square statistic (Wilson-Hilferty normal approximation)."""
    stat = float(((observed - expected) ** 2 / expected).sum())
    k = len(observed) - 1
    z = ((stat / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2))


def test_keep_probability_is_word2vecs_formula():
    counts = np.array([100000, 10000, 1000, 10])
    total = counts.sum()
    sample = 1e-3
    f = counts / total
    expected = np.minimum((np.sqrt(f / sample) + 1) * sample / f, 1)
    assert np.allclose(keep_probabilities(counts, sample), expected)
    assert keep_probabilities(counts, 0).tolist() == [1, 1, 1, 1]


def test_rare_words_are_always_kept():
    thresholds = keep_thresholds(np.array([10**6, 5, 5]), 1e-3)
    assert thresholds[1] == ALWAYS and thresholds[2] == ALWAYS
    assert count_kept(ALWAYS, 10000, 1) == 10000


@pytest.mark.parametrize("p", [0.05, 0.3, 0.77])
def test_subsampling_coin_keeps_at_the_threshold_rate(p):
    trials = 200000
    threshold = int(p * 2**32)
    kept = count_kept(threshold, trials, 12345)
    sigma = math.sqrt(trials * p * (1 - p))
    assert abs(kept - trials * p) < 5 * sigma


def test_alias_table_is_exact():
    weights = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    prob, alias = build_alias(weights)
    # The probability mass the table assigns to each outcome.
    mass = np.zeros(len(weights))
    for i in range(len(weights)):
        keep = prob[i] / 2**32
        mass[i] += keep
        mass[alias[i]] += 1 - keep
    assert np.allclose(mass / len(weights), weights / weights.sum(), atol=1e-8)


@pytest.mark.parametrize("power", [0.75, 0.0, 1.0, -0.5])
def test_noise_draws_follow_count_to_the_power(power):
    counts = np.array([5000, 1200, 700, 300, 90, 40, 12, 5, 5, 1], dtype=np.int64)
    prob, alias = noise_table(counts, power)
    draws = draw_alias(prob, alias, 400000, 99)
    observed = np.bincount(draws, minlength=len(counts)).astype(float)
    weights = counts.astype(float) ** power
    expected = weights / weights.sum() * len(draws)
    assert chi_square_p_value(observed, expected) > 1e-4


def test_alias_rejects_bad_weights():
    with pytest.raises(ValueError):
        build_alias(np.array([], dtype=float))
    with pytest.raises(ValueError):
        build_alias(np.array([1.0, -1.0]))
    with pytest.raises(ValueError):
        build_alias(np.array([0.0, 0.0]))
