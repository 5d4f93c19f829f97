"""The fast kernel on whole-line windows (baskets, sessions): as good as the reference loop.

A statistical test with fixed seeds (threads 1: every run is the same, bit for bit): on
generated long sessions with planted clusters, the leave-last-out hit rate@10 of the fast
kernel is compared with the reference loop's on the same hidden items.  The tolerance is
three standard errors of the paired difference (McNemar's: sqrt(b + c) / n, b and c the cases
that only one of the two kernels hits): a kernel as good as the reference falls outside it
with probability about 0.3 %.  The same test must see a kernel that is worse: the fast loop
with a whole window as one group (the kernel before groups) falls below by more than that.
"""
import numpy as np
import pytest

import w2vns
from w2vns.apps.recommend import leave_last_out, model_ranks
from w2vns.corpus.synthetic import generate_sessions

# 400 sessions of ~100 items (99 contexts a window: 10 groups), 600 items in 10 clusters.
# Measured with seeds 0-3 (each with this test's settings): the fast kernel within 1.5
# standard errors of the reference (0 to -0.02), the ungrouped one 3.4 to 5.6 below.
SETTINGS = dict(window=0, min_count=1, sample=0.0, noise_power=0.0, dim=16, epochs=5,
                threads=1, seed=1)


@pytest.fixture(scope="module")
def sessions():
    return leave_last_out(generate_sessions(400, 100, seed=0, n_items=600, n_clusters=10))


def hits(sessions, **options):
    training, cases = sessions
    model = w2vns.train(training, **SETTINGS, **options)
    ranks = model_ranks(model.wv, cases)
    return (ranks >= 1) & (ranks <= 10)


@pytest.fixture(scope="module")
def reference(sessions):
    return hits(sessions, kernel="reference")


def paired(a, b):
    """(mean difference of hits a - b, its standard error) over the same cases."""
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    return (only_a - only_b) / len(a), np.sqrt(only_a + only_b) / len(a)


def test_fast_kernel_hit_rate_is_the_reference_loops_on_long_sessions(sessions, reference):
    fast = hits(sessions)  # the default: kernel fast, context_group 10
    assert reference.mean() > 0.1  # the planted clusters are learnt at all
    difference, error = paired(fast, reference)
    assert abs(difference) <= 3 * error, (fast.mean(), reference.mean(), error)


def test_one_group_for_a_whole_window_falls_below_it(sessions, reference):
    ungrouped = hits(sessions, context_group=10000)
    difference, error = paired(ungrouped, reference)
    assert difference < -3 * error, (ungrouped.mean(), reference.mean(), error)
