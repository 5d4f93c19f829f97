"""The samplers' tables of the partitioned scheme: each output block's share of the noise
distribution in a round's dealing, and the blocks' noise masses.

A cell draws its groups' noise words from its output block's own alias table (V/K entries on
the cell's worker, never the whole one): count^power over the words the block holds in the
round's dealing.
"""
import numpy as np

from ..corpus.sampling import noise_weights
from ..corpus._sampling import build_alias
from .schedule import block_ids, output_block_ids


def block_noise_table(counts, power):
    """Alias table ``(prob, alias)`` over one block's words (``counts`` in the block's row
    order)."""
    return build_alias(np.ascontiguousarray(noise_weights(counts, power)))


def output_noise_table(counts, power, nblocks, block, dealing):
    """The alias table of output block ``block`` in dealing ``dealing`` (``counts``: the
    whole vocabulary's)."""
    return block_noise_table(counts[output_block_ids(len(counts), nblocks, block, dealing)],
                             power)


def block_masses(counts, power, nblocks):
    """The noise mass of each block of the boustrophedon dealing (float64, summing to 1)."""
    weights = noise_weights(counts, power)
    masses = np.array([weights[block_ids(len(counts), nblocks, b)].sum()
                       for b in range(nblocks)])
    return masses / masses.sum()
