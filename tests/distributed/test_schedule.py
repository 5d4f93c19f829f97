"""The partitioned scheme's pure parts: blocks of the vocabulary, the schedule of cells, the
rounds of an epoch."""
import numpy as np
import pytest

from w2vns.distributed.backend import rounds_for
from w2vns.distributed.cells import redeal_join, redeal_split
from w2vns.distributed.schedule import (LAG_ROUNDS, block_ids, block_of, block_rows,
                                        check_schedule, dealing_key, learning_rates,
                                        output_block_ids, output_block_of, output_shifts,
                                        round_of, schedule, slice_of)


@pytest.mark.parametrize("nblocks", [1, 2, 3, 4, 7, 8])
def test_every_input_block_meets_every_output_block_once_a_round(nblocks):
    cells = schedule(nblocks)
    check_schedule(cells, nblocks)  # raises otherwise
    assert len(cells) == nblocks
    assert sorted(c for step in cells for c in step) == [
        (a, b) for a in range(nblocks) for b in range(nblocks)]


@pytest.mark.parametrize("nblocks", [1, 2, 3, 4, 8])
def test_each_round_starts_with_the_cells_the_round_before_ended_with(nblocks):
    for round_ in range(4):
        cells = schedule(nblocks, round_)
        check_schedule(cells, nblocks)  # every pair once a round, whichever the round
        after = schedule(nblocks, round_ + 1)
        assert after[0] == cells[-1]  # no output block moves between rounds
        assert after == cells[::-1]


@pytest.mark.parametrize("nblocks,rounds", [(1, 1), (1, 8), (2, 8), (4, 8), (8, 8), (8, 3),
                                            (16, 8), (3, 1), (4, 32)])
def test_every_block_trains_every_slice_once_an_epoch_the_blocks_lagging_evenly(nblocks,
                                                                                 rounds):
    for block in range(nblocks):
        slices = [slice_of(block, r, rounds, nblocks) for r in range(rounds)]
        assert sorted(slices) == list(range(rounds))
        lag = (0 - slices[0]) % rounds
        assert all((r - s) % rounds == lag for r, s in enumerate(slices))  # a steady lag
    # The lags spread evenly over the epoch, or over LAG_ROUNDS rounds of a longer one:
    # block 0 none, the last close to the whole span.
    span = min(rounds, LAG_ROUNDS)
    lags = [(0 - slice_of(b, 0, rounds, nblocks)) % rounds for b in range(nblocks)]
    assert lags == [b * span // nblocks for b in range(nblocks)]
    assert lags[-1] >= span - -(-span // nblocks)


@pytest.mark.parametrize("nblocks,rounds,lag_rounds", [(1, 1, 8), (2, 8, 8), (3, 5, 8),
                                                       (8, 40, 8), (4, 8, 0)])
def test_round_of_is_the_round_a_block_trains_a_slice_in(nblocks, rounds, lag_rounds):
    # The plans deal each input block's groups by the dealing of that round (backend).
    for block in range(nblocks):
        for r in range(rounds):
            s = slice_of(block, r, rounds, nblocks, lag_rounds)
            assert round_of(block, s, rounds, nblocks, lag_rounds) == r


def test_with_no_lag_every_block_trains_the_round_s_own_slice():
    # How runs checkpointed before the blocks lagged go on (api.resume).
    for r in range(8):
        assert {slice_of(b, r, 8, 4, lag_rounds=0) for b in range(4)} == {r}


def test_check_schedule_refuses_a_cell_twice_or_a_block_twice_at_once():
    with pytest.raises(ValueError):
        check_schedule([[(0, 0), (1, 1)], [(0, 0), (1, 0)]], 2)
    with pytest.raises(ValueError):
        check_schedule([[(0, 0), (1, 0)], [(0, 1), (1, 1)]], 2)
    with pytest.raises(ValueError):
        check_schedule([[(0, 0), (1, 1)]], 2)


@pytest.mark.parametrize("vocab_size,nblocks", [(1, 1), (10, 3), (1000, 4), (1003, 8), (5, 8)])
def test_blocks_deal_every_id_to_one_row_of_one_block(vocab_size, nblocks):
    ids = np.concatenate([block_ids(vocab_size, nblocks, b) for b in range(nblocks)])
    assert sorted(ids.tolist()) == list(range(vocab_size))
    for b in range(nblocks):
        rows = block_ids(vocab_size, nblocks, b)
        assert len(rows) == block_rows(vocab_size, nblocks, b)
        assert (block_of(rows, nblocks) == b).all()
        assert (rows // nblocks == np.arange(len(rows))).all()  # an id's row is id // K
    sizes = [block_rows(vocab_size, nblocks, b) for b in range(nblocks)]
    assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize("vocab_size,nblocks", [(1, 1), (10, 3), (1000, 4), (1003, 8), (5, 8)])
def test_every_dealing_of_the_output_rows_keeps_each_id_s_row_and_each_block_s_size(
        vocab_size, nblocks):
    for key in (None, dealing_key(1, 0), dealing_key(1, 1), dealing_key(2, 0)):
        ids = [output_block_ids(vocab_size, nblocks, b, key) for b in range(nblocks)]
        assert sorted(np.concatenate(ids).tolist()) == list(range(vocab_size))
        for b in range(nblocks):
            assert len(ids[b]) == block_rows(vocab_size, nblocks, b)
            assert (output_block_of(ids[b], vocab_size, nblocks, key) == b).all()
            assert (ids[b] // nblocks == np.arange(len(ids[b]))).all()  # row id // K
    # No key: the boustrophedon dealing itself (fresh blocks, checkpoints of an earlier w2vns).
    assert all((output_block_ids(vocab_size, nblocks, b, None) ==
                block_ids(vocab_size, nblocks, b)).all() for b in range(nblocks))


@pytest.mark.parametrize("nblocks", [2, 3, 8])
def test_over_the_rounds_two_words_of_different_rows_share_an_output_block_one_round_in_k(
        nblocks):
    """Why the noise for a word averages to count^power: a group's noise words come from its
    centre's output block, and over the rounds' dealings each row's shift is uniform on
    0..K-1 and independent of the other rows' (so a word shares the centre's block in 1/K
    of the rounds, whichever words they are; the words of the centre's own row never).
    Chi-square of the shifts of 500 rows over 400 rounds, and of the differences of
    neighbouring rows' shifts, against uniform."""
    rows = np.arange(500)
    shifts = np.array([output_shifts(rows, 10 ** 6, nblocks, dealing_key(7, g))
                       for g in range(400)])
    for sample in (shifts.ravel(), ((shifts[:, 1:] - shifts[:, :-1]) % nblocks).ravel(),
                   ((shifts[1:] - shifts[:-1]) % nblocks).ravel()):
        observed = np.bincount(sample, minlength=nblocks)
        expected = len(sample) / nblocks
        chi2 = ((observed - expected) ** 2 / expected).sum()
        dof = nblocks - 1
        assert chi2 < dof + 4.4 * np.sqrt(2 * dof) + 10, (chi2, observed)
    # Two given words of different rows share a block in about 1/K of the rounds.
    v = 500 * nblocks
    together = np.mean([output_block_of([3, 1000], v, nblocks, dealing_key(7, g)).tolist()
                        in ([b, b] for b in range(nblocks)) for g in range(2000)])
    assert abs(together - 1 / nblocks) < 4 * np.sqrt((1 / nblocks) * (1 - 1 / nblocks) / 2000)


@pytest.mark.parametrize("vocab_size,nblocks", [(10, 3), (1003, 8), (1000, 4), (7, 1)])
def test_dealing_the_output_rows_anew_moves_each_word_s_row_with_it(vocab_size, nblocks):
    rng = np.random.default_rng(0)
    full = rng.random((vocab_size, 4), dtype=np.float32)
    for old, new in ((None, dealing_key(1, 0)), (dealing_key(1, 0), dealing_key(1, 1))):
        blocks = [full[output_block_ids(vocab_size, nblocks, b, old)] for b in range(nblocks)]
        parts = [redeal_split(blocks[b], nblocks, b, old, new, vocab_size)
                 for b in range(nblocks)]
        for t in range(nblocks):
            joined = redeal_join([parts[s][t] for s in range(nblocks)], nblocks, t, old, new,
                                 vocab_size, 4)
            assert (joined == full[output_block_ids(vocab_size, nblocks, t, new)]).all()


def test_boustrophedon_dealing_balances_a_zipf_vocabulary_s_noise_mass():
    counts = (1e6 / np.arange(1, 20001)).astype(np.int64) + 1  # Zipf: the top words dominate
    weights = counts ** 0.75
    for nblocks in (2, 4, 8):
        masses = np.array([weights[block_ids(len(counts), nblocks, b)].sum()
                           for b in range(nblocks)])
        masses /= masses.sum()
        assert masses.sum() == pytest.approx(1.0)
        # Dealt 0..K-1 then K-1..0, every block gets one of the K most frequent words, and the
        # masses stay within 15 % of each other (only the top word's own weight is lopsided),
        # where a plain id % K gives block 0 the most frequent word of every row.
        modulo = np.array([weights[b::nblocks].sum() for b in range(nblocks)])
        assert masses.max() / masses.min() < 1.15, masses
        assert masses.max() / masses.min() < modulo.max() / modulo.min()


def test_learning_rate_decays_linearly_over_the_whole_run():
    slots = 40
    rates = [learning_rates(0.025, 0.0001, s, slots) for s in range(slots)]
    assert rates[0][0] == pytest.approx(0.025)
    assert rates[-1][1] == pytest.approx(0.0001)
    for (a0, a1), (b0, _) in zip(rates, rates[1:]):
        assert a1 == pytest.approx(b0)  # each slot starts where the one before ended
        assert a1 < a0
    assert rates[20][0] == pytest.approx(0.0125)


def test_rounds_default_to_eight_an_epoch_or_one_per_1_5m_tokens_and_given_rounds_are_checked():
    assert rounds_for(None) == rounds_for(None, 12_000_000) == 8
    assert rounds_for(None, 12_000_001) == 9  # no round over 1.5M tokens
    assert rounds_for(None, 54_492_513) == 37  # the 55M-token corpus
    assert rounds_for(None, 10 ** 11) == 1000  # at most
    assert rounds_for(5, 10 ** 9) == 5  # given, as given
    assert rounds_for(3) == 3
    for bad in (0, 100001, 2.5, True):
        with pytest.raises(ValueError, match="rounds"):
            rounds_for(bad)


def planned_backend(nblocks, rounds, made):
    """A DaskBackend without a cluster, for its plans' bookkeeping: a slice's "plans" are
    tuples naming each block's part, and every slice planned is appended to ``made``."""
    from w2vns.distributed.backend import DaskBackend

    class Planned(DaskBackend):
        def __init__(self):
            self.nblocks, self.rounds, self._plans = nblocks, rounds, {}
            self.lag_rounds = LAG_ROUNDS

        def _submit_plan(self, epoch, slice_):
            made.append((epoch, slice_))
            return [("part", epoch, slice_, a) for a in range(nblocks)]

    return Planned()


@pytest.mark.parametrize("nblocks,rounds", [(2, 8), (8, 8), (3, 4)])
def test_the_backend_plans_each_slice_once_an_epoch_and_hands_each_block_its_part_once(
        nblocks, rounds):
    made = []
    backend = planned_backend(nblocks, rounds, made)
    for epoch in range(2):
        for r in range(rounds):
            assert backend._round_views(epoch * rounds + r) == [
                ("part", epoch, slice_of(a, r, rounds, nblocks), a) for a in range(nblocks)]
        assert backend._plans == {}  # every part handed out, nothing held into the next epoch
    assert sorted(made) == [(e, s) for e in range(2) for s in range(rounds)]


def test_after_a_resume_the_parts_no_block_asks_for_are_dropped_with_their_epoch():
    nblocks = rounds = 4
    backend = planned_backend(nblocks, rounds, [])
    for g in (2, 3):  # resumed at round 2 of epoch 0: the blocks ask for what is left
        backend._round_views(g)
    assert backend._plans  # parts of slices some blocks trained before the checkpoint
    backend._round_views(rounds)  # the first round of epoch 1
    assert backend._plans and all(epoch == 1 for epoch, _ in backend._plans)
