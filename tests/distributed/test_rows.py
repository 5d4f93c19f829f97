"""Moving a block's rows in its own memory: the permutation the cells cut output blocks with."""
import numpy as np
import pytest

from w2vns.distributed import cells
from w2vns.distributed._rows import permute_rows
from w2vns.distributed.schedule import dealing_key, output_block_ids
from w2vns.training.weights import padded_matrix


@pytest.mark.parametrize("rows,dim", [(0, 4), (1, 4), (7, 3), (1000, 20), (513, 16)])
def test_permute_rows_matches_numpy_s_fancy_index_on_padded_and_packed_rows(rows, dim):
    rng = np.random.default_rng(rows)
    for order in (np.arange(rows), rng.permutation(rows), np.roll(np.arange(rows), 1)):
        for padded in (True, False):
            block = padded_matrix(rows, dim) if padded else np.zeros((rows, dim), np.float32)
            block[:] = rng.random((rows, dim), dtype=np.float32)
            expected = block[order].copy()
            permute_rows(block, order.astype(np.int64))
            assert np.array_equal(block, expected)


def test_permute_rows_refuses_what_is_not_a_permutation():
    block = np.zeros((3, 2), np.float32)
    for order in ([0, 0, 1], [0, 1, 3], [0, 1]):
        with pytest.raises(ValueError):
            permute_rows(block, np.array(order, dtype=np.int64))
    with pytest.raises(ValueError):
        permute_rows(np.zeros((3, 4), np.float32)[:, ::2], np.arange(3, dtype=np.int64))


def test_a_cut_block_s_parts_are_packed_views_of_its_own_memory():
    """redeal_cut moves no row out of the block's memory: its parts are C-contiguous views
    of it (Dask sends them without a copy), and hold what redeal_split's copies hold."""
    v, k, dim = 1001, 4, 20
    full = np.random.default_rng(1).random((v, dim), dtype=np.float32)
    old, new = dealing_key(3, 0), dealing_key(3, 1)
    block = padded_matrix(len(output_block_ids(v, k, 2, old)), dim)
    block[:] = full[output_block_ids(v, k, 2, old)]
    split = cells.redeal_split(block, k, 2, old, new, v)
    parts = cells.redeal_cut(block, k, 2, old, new, v)
    assert sum(len(p) for p in parts) == len(block)
    for part, copy in zip(parts, split):
        assert part.flags.c_contiguous and np.shares_memory(part, block)
        assert np.array_equal(part, copy)
