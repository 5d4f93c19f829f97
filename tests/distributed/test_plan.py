"""Plans and cells, without a cluster: the pairs a plan lists are the kernel's, every pair of a
round is trained by exactly one cell, the one whose output block holds its centre in the
dealing of the round its input block trains the slice in, and each group gets its k noise
words there."""
import collections

import numpy as np
import pytest

from w2vns.corpus import synthetic
from w2vns.corpus.encode import encode_corpus
from w2vns.corpus.sampling import keep_thresholds
from w2vns.distributed import cells
from w2vns.distributed._plan import plan_range
from w2vns.distributed.schedule import (block_ids, block_rows, dealing_key, output_block_ids,
                                        output_block_of, schedule)
from w2vns.distributed.tables import output_noise_table
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
    """(start, centre row, contexts) of each group of a piece."""
    p, out = 0, []
    while p < len(piece):
        centre, m = int(piece[p]), int(piece[p + 1])
        out.append((p, centre, piece[p + 2:p + 2 + m]))
        p += 2 + m
    return out


def plan_pairs(views, nblocks, dealings, vocab_size):
    """The (centre, context) pairs of a plan, as global ids: cell (A, B)'s centres are rows
    of output block B in dealing ``dealings[A]``."""
    pairs = collections.Counter()
    for a in range(nblocks):
        for b in range(nblocks):
            ids = output_block_ids(vocab_size, nblocks, b, dealings[a])
            for piece in views[a][0][b]:
                for _, centre, contexts in groups_of(piece):
                    for x in to_global(contexts, nblocks, a).tolist():
                        pairs[(int(ids[centre]), x)] += 1
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
    # Each input block in a dealing of its own, as the blocks that lag one another have.
    dealings = np.array([dealing_key(7, a) for a in range(nblocks)], dtype=np.uint64)
    pieces, words, pairs = plan_range(encoded.stream, 0, len(encoded.stream), keep, WINDOW,
                                      nblocks, state, dealings, len(counts), 100)
    views = [(pieces[a], 0, 0) for a in range(nblocks)]
    assert plan_pairs(views, nblocks, dealings, len(counts)) == expected
    assert words == encoded.tokens
    assert pairs.sum() == sum(expected.values())
    assert all(len(p) for a in range(nblocks) for cell in pieces[a] for p in cell)
    assert all(len(p) <= 100 * (2 + 2 * WINDOW) and len(groups_of(p)) <= 100
               for a in range(nblocks) for cell in pieces[a] for p in cell)
    for a in range(nblocks):
        for b in range(nblocks):
            assert pairs[a, b] == sum(len(x) for p in pieces[a][b] for _, _, x in groups_of(p))


@pytest.mark.parametrize("nblocks", [1, 2, 4])
def test_every_pair_of_a_round_is_trained_once_in_its_centre_s_cell_with_its_noise_there(
        encoded, nblocks):
    counts = encoded.vocab.counts
    v = len(counts)
    keep = keep_thresholds(counts, 1e-3)
    dealing = dealing_key(3, 1)
    views = cells.plan([np.asarray(encoded.stream)], [5], keep, nblocks, WINDOW, 1, 0,
                       [dealing] * nblocks, v)
    trained = collections.Counter()
    for step in schedule(nblocks):
        for a, b in step:
            ids = output_block_ids(v, nblocks, b, dealing)
            assert (output_block_of(ids, v, nblocks, dealing) == b).all()
            kernel = GroupKernel(np.zeros((block_rows(v, nblocks, a), 8), np.float32),
                                 np.zeros((block_rows(v, nblocks, b), 8), np.float32),
                                 *output_noise_table(counts, 0.75, nblocks, b, dealing),
                                 WINDOW, NEGATIVE, 1, a * 31 + b)
            for piece in views[a][0][b]:
                rows = kernel.record(piece)
                for output, x, _, _, _ in rows[rows[:, 2] == 1].tolist():
                    trained[(int(ids[output]), int(to_global([x], nblocks, a)[0]))] += 1
                # The cell draws each group's k noise words in its output block (a row with
                # j == 0 per draw, one per context in all), skipping only a draw equal to
                # the centre.
                noise = rows[rows[:, 2] == 0]
                drawn = collections.Counter(noise[noise[:, 4] == 0][:, 3].tolist())
                listed = collections.Counter(noise[:, 3].tolist())
                for start, centre, contexts in groups_of(piece):
                    assert listed[start] == len(contexts) * drawn[start]
                    assert 0 < drawn[start] <= NEGATIVE
                    assert not (noise[noise[:, 3] == start][:, 0] == centre).any()
    assert trained == plan_pairs(views, nblocks, [dealing] * nblocks, v)


def test_a_cell_that_joins_and_cuts_its_output_block_trains_what_a_whole_block_cell_does(
        encoded):
    """The output rows are dealt anew inside the cells (``redeal_from``: the first cell of a
    round joins the parts the old blocks cut; ``redeal_to``: the last cuts its block for the
    next dealing). Both leave the training itself alone: the same weights, bit for bit, as a
    cell given the whole block, joined and cut outside it."""
    nblocks, v, dim = 3, len(encoded.vocab.counts), 8
    counts = encoded.vocab.counts
    keep = keep_thresholds(counts, 1e-3)
    old, key, new = dealing_key(1, 0), dealing_key(1, 1), dealing_key(1, 2)
    views = cells.plan([np.array(encoded.stream)], [5], keep, nblocks, WINDOW, 1, 0,
                       [key] * nblocks, v)
    rng = np.random.default_rng(3)
    full = rng.random((v, dim), dtype=np.float32) - 0.5
    before = [full[output_block_ids(v, nblocks, b, old)] for b in range(nblocks)]
    parts = [cells.redeal_split(before[b], nblocks, b, old, key, v) for b in range(nblocks)]
    settings = {"window": WINDOW, "negative": NEGATIVE, "threads": 1, "seed": 1, "slot": 0,
                "dealing": key, "vocab_size": v, "alpha_start": 0.025, "alpha_end": 0.02}
    a, b = 1, 2
    syn0 = cells.init_input_block(block_rows(v, nblocks, a), dim, 1, a)
    whole = full[output_block_ids(v, nblocks, b, key)]
    noise = output_noise_table(counts, 0.75, nblocks, b, key)
    in0, _, out = cells.train_cell(syn0, whole, [views[a]], noise, nblocks, a, b, settings)
    folded = cells.train_cell(syn0, [parts[s][b] for s in range(nblocks)], [views[a]], noise,
                              nblocks, a, b, dict(settings, redeal_from=old, redeal_to=new))
    assert np.array_equal(folded[0], in0)
    assert not np.array_equal(out, whole)  # it trained
    assert len(folded) == 2 + nblocks
    for t, part in enumerate(cells.redeal_split(out, nblocks, b, key, new, v)):
        assert np.array_equal(folded[2 + t], part)
