"""The GPU kernel's draws, reproduced on the host (w2vns.gpu.draws): their distributions;
and how an epoch's tasks are cut into launches.
Each statistical test has a fixed seed; its tolerance is stated where it is checked."""
import numpy as np

from w2vns.corpus.sampling import keep_probabilities, keep_thresholds, noise_table, noise_weights
from w2vns.gpu import draws
from w2vns.gpu.backend import SLICES_PER_EPOCH, TASKS_PER_WARP, launch_slices, slices_for


def chi_square(observed, expected):
    return float(((observed - expected) ** 2 / expected).sum())


def chi_square_bound(df):
    """A bound a chi-square statistic with ``df`` degrees of freedom exceeds with probability
    below ~1e-6 (Wilson-Hilferty, z = 4.75), so that the tests fail only on a real defect."""
    z = 4.75
    return df * (1 - 2 / (9 * df) + z * np.sqrt(2 / (9 * df))) ** 3


def test_draws_depend_only_on_key_position_and_salt():
    key = draws.epoch_key(7, 0)
    pos = np.arange(1000)
    a = draws.draws(key, pos, 3)
    assert (a == draws.draws(key, pos, 3)).all()
    assert (a[::-1] == draws.draws(key, pos[::-1], 3)).all()  # no state: order is irrelevant
    assert len(np.unique(a)) == 1000
    for other in (draws.draws(key, pos, 4), draws.draws(draws.epoch_key(7, 1), pos, 3),
                  draws.draws(draws.epoch_key(8, 0), pos, 3)):
        assert (a != other).all()


def test_epoch_keys_differ_across_seeds_and_epochs():
    keys = {draws.epoch_key(seed, epoch) for seed in range(20) for epoch in range(20)}
    assert len(keys) == 400


def test_high_bits_are_uniform_and_uncorrelated_across_salts():
    """256 equal bins of the high 32 bits; and the correlation of two salts' draws at the same
    positions (|r| < 5 / sqrt(n): a 5-sigma bound)."""
    key = draws.epoch_key(1, 0)
    n = 200000
    hi = draws.high32(draws.draws(key, np.arange(n), draws.SALT_WINDOW))
    counts = np.bincount((hi >> np.uint64(24)).astype(np.int64), minlength=256)
    assert chi_square(counts, np.full(256, n / 256)) < chi_square_bound(255)
    other = draws.high32(draws.draws(key, np.arange(n), draws.SALT_NOISE)).astype(float)
    r = np.corrcoef(hi.astype(float), other)[0, 1]
    assert abs(r) < 5 / np.sqrt(n)


def test_subsampling_keeps_each_word_with_its_probability():
    """Per word, kept count against n p (binomial, 5 sigma)."""
    counts = np.array([100000, 30000, 5000, 800, 50], dtype=np.int64)
    sample = 1e-2
    keep = keep_thresholds(counts, sample)
    p = keep_probabilities(counts, sample)
    key = draws.epoch_key(3, 2)
    n = 40000
    for word in range(len(counts)):
        positions = np.arange(word * n, (word + 1) * n)
        kept = draws.kept(key, positions, np.full(n, word), keep).sum()
        sigma = np.sqrt(n * p[word] * (1 - p[word])) + 1e-9
        assert abs(kept - n * p[word]) <= 5 * sigma + 1e-9, (word, kept, n * p[word])


def test_window_shrinks_are_uniform_over_the_window():
    window = 5
    n = 100000
    b = draws.shrinks(draws.epoch_key(1, 0), np.arange(n), window)
    assert b.min() == 0 and b.max() == window - 1
    counts = np.bincount(b, minlength=window)
    assert chi_square(counts, np.full(window, n / window)) < chi_square_bound(window - 1)


def test_noise_words_follow_count_to_the_power():
    counts = np.array([5000, 2000, 900, 400, 120, 60, 20, 7, 5, 5], dtype=np.float64)
    prob, alias = noise_table(counts, 0.75)
    n = 50000
    salts = draws.SALT_NOISE + np.arange(5)
    words = draws.noise_words(draws.epoch_key(2, 1), np.arange(n), salts, prob, alias)
    observed = np.bincount(words.ravel(), minlength=len(counts))
    weights = noise_weights(counts, 0.75)
    expected = weights / weights.sum() * words.size
    assert chi_square(observed, expected) < chi_square_bound(len(counts) - 1)


def test_an_epoch_s_launches_cover_its_tasks_once_with_enough_tasks_per_warp():
    for ntasks, warps in ((0, 2112), (5, 1), (57000, 2112), (300000, 2112), (10**6, 2112)):
        slices = launch_slices(ntasks, slices_for(ntasks, warps))
        covered = [t for first, last in slices for t in range(first, last)]
        assert covered == list(range(ntasks))
        assert len(slices) <= SLICES_PER_EPOCH
        if len(slices) > 1:
            assert min(last - first for first, last in slices) >= TASKS_PER_WARP * warps
