"""The samplers' tables of the partitioned scheme: each output block's share of the noise
distribution, and the blocks' noise masses.

A noise word is drawn in two steps: its block, from the blocks' masses (the sum of
count^power over each block's words), then a word of that block, from the block's own alias
table. The product is count^power over the whole vocabulary, exactly; and a cell needs only
its output block's table (V/K entries), never the whole one.
"""
import numpy as np

from ..corpus.sampling import noise_weights
from ..corpus._sampling import build_alias
from .schedule import block_ids


def block_noise_table(counts, power):
    """Alias table ``(prob, alias)`` over one block's words (``counts`` in the block's row
    order)."""
    return build_alias(np.ascontiguousarray(noise_weights(counts, power)))


def block_masses(counts, power, nblocks):
    """The noise mass of each block (float64, summing to 1)."""
    weights = noise_weights(counts, power)
    masses = np.array([weights[block_ids(len(counts), nblocks, b)].sum()
                       for b in range(nblocks)])
    return masses / masses.sum()


def block_table(counts, power, nblocks):
    """Alias table over the blocks' noise masses (what the cells replay to deal noise words)."""
    return build_alias(np.ascontiguousarray(block_masses(counts, power, nblocks)))
