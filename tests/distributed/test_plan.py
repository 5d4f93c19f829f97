"""Plans and cells, without a cluster: the pairs a plan lists are the kernel's, every pair of a
round is trained by exactly one cell, and each group gets its noise words once."""
import collections

import numpy as np
import pytest

from w2vns.corpus import synthetic
from w2vns.corpus.encode import encode_corpus
from w2vns.corpus.sampling import keep_thresholds
from w2vns.distributed import cells
from w2vns.distributed._plan import plan_range
from w2vns.distributed.schedule import block_ids, block_of, block_rows, schedule
from w2vns.distributed.tables import block_masses, block_noise_table, block_table
from w2vns.training._kernel import GroupKernel
from w2vns.training.kernel import build_kernel
from w2vns.training.params import TrainParams
from w2vns.training.weights import initial_weights

WINDOW, NEGATIVE = 5, 5


@pytest.fixture(scope="module")
def encoded():
    return encode_corpus(synthetic.generate_corpus(600, seed=11), min_count=2)


def to_global(rows, nblocks, block):
    rows = np.asarray(rows, dtype=np.int64)
    return rows * nblocks + np.where(rows % 2 == 0, block, nblocks - 1 - block)


def groups_of(piece):
    """(start, centre, noise block, contexts) of each group of a piece."""
    p, out = 0, []
    while p < len(piece):
        centre, m, noise_block = int(piece[p]), int(piece[p + 1]), int(piece[p + 2])
        out.append((p, centre, noise_block, piece[p + 3:p + 3 + m]))
        p += 3 + m
    return out


def plan_pairs(views, nblocks):
    pairs = collections.Counter()
    for a in range(nblocks):
        for piece in views[a][0]:
            for _, centre, _, contexts in groups_of(piece):
                for x in to_global(contexts, nblocks, a).tolist():
                    pairs[(centre, x)] += 1
    return pairs


@pytest.mark.parametrize("nblocks", [1, 3])
def test_a_plan_lists_the_pairs_the_kernel_trains_from_the_same_random_state(encoded,
                                                                              nblocks):
    counts = encoded.vocab.counts
    params = TrainParams(dim=8, window=WINDOW, negative=NEGATIVE, threads=1, seed=7).resolved()
    kernel = build_kernel(initial_weights(counts, params), encoded.stream, counts, params,
                          1e6, 1)
    keep = keep_thresholds(counts, params.sample)
    state = int(kernel.rng_state[0])
    expected = collections.Counter(map(tuple, kernel.record_pairs(
        0, len(encoded.stream), 10 ** 7).tolist()))
    pieces, words, pairs = plan_range(encoded.stream, 0, len(encoded.stream), keep, WINDOW,
                                         nblocks, state, 100)
    views = [(pieces[a], 0, 0) for a in range(nblocks)]
    assert plan_pairs(views, nblocks) == expected
    assert words == encoded.tokens
    assert pairs.sum() == sum(expected.values())
    assert all(len(p) for a in range(nblocks) for p in pieces[a])


@pytest.mark.parametrize("nblocks", [1, 2, 4])
def test_every_pair_of_a_round_is_trained_once_and_every_group_gets_its_noise_once(
        encoded, nblocks):
    counts = encoded.vocab.counts
    v = len(counts)
    keep = keep_thresholds(counts, 1e-3)
    views = cells.plan([np.asarray(encoded.stream)], [5], keep, block_table(counts, 0.75, nblocks),
                       WINDOW, 1, 0)
    trained = collections.Counter()
    for step in schedule(nblocks):
        for a, b in step:
            kernel = GroupKernel(np.zeros((block_rows(v, nblocks, a), 8), np.float32),
                                 np.zeros((block_rows(v, nblocks, b), 8), np.float32),
                                 *block_noise_table(counts[block_ids(v, nblocks, b)], 0.75),
                                 nblocks, b, WINDOW, NEGATIVE, 1, a * 31 + b)
            for piece in views[a][0]:
                rows = kernel.record(piece)
                for output, x, _, _, _ in rows[rows[:, 2] == 1].tolist():
                    trained[(int(to_global([output], nblocks, b)[0]),
                             int(to_global([x], nblocks, a)[0]))] += 1
                # Each group's noise block is in range; the cell of that block draws the k
                # noise words (a row with j == 0 per draw, one per context in all), skipping
                # only a draw equal to the centre, and the other cells draw none.
                noise = rows[rows[:, 2] == 0]
                drawn = collections.Counter(noise[noise[:, 4] == 0][:, 3].tolist())
                listed = collections.Counter(noise[:, 3].tolist())
                for start, centre, noise_block, contexts in groups_of(piece):
                    assert noise_block < nblocks
                    assert listed[start] == len(contexts) * drawn[start]
                    if noise_block != b:
                        assert drawn[start] == 0
                    elif block_of(centre, nblocks) == b:
                        assert drawn[start] <= NEGATIVE
                    else:
                        assert drawn[start] == NEGATIVE
    assert trained == plan_pairs(views, nblocks)


def test_a_groups_noise_block_follows_the_blocks_noise_masses_whatever_its_centres_block(
        encoded):
    """Chi-square of the groups' noise blocks, per block of their centre, against the blocks'
    shares of count^0.75: the block (and so each noise word) does not depend on the centre."""
    nblocks = 3
    counts = encoded.vocab.counts
    v = len(counts)
    keep = np.full(v, 0xFFFFFFFF, dtype=np.uint32)  # no subsampling: more groups
    views = cells.plan([np.asarray(encoded.stream)], [3], keep,
                       block_table(counts, 0.75, nblocks), WINDOW, 1, 0)
    table = np.zeros((nblocks, nblocks))  # [centre's block, noise block]
    for a in range(nblocks):
        for piece in views[a][0]:
            for _, centre, noise_block, _ in groups_of(piece):
                table[block_of(centre, nblocks), noise_block] += 1
    expected = table.sum(axis=1, keepdims=True) * block_masses(counts, 0.75, nblocks)
    chi2 = ((table - expected) ** 2 / expected).sum()
    # Fixed seed; 6 degrees of freedom, whose 0.999 quantile is 22.5.
    assert chi2 < 22.5, (chi2, table)
    assert table.sum() > 10000
