"""The samplers' tables of the partitioned scheme: each output block's share of the noise
distribution in a round's dealing.

A cell draws its groups' noise words from its output block's own alias table (V/K entries on
the cell's worker, never the whole one): count^power over the words the block holds in the
round's dealing.
"""
import numpy as np

from ..corpus.sampling import noise_weights
from ..corpus._sampling import build_alias
from .schedule import output_block_ids


def block_noise_table(counts, power):
    """Alias table ``(prob, alias)`` over one block's words (``counts`` in the block's row
    order)."""
    return build_alias(np.ascontiguousarray(noise_weights(counts, power)))


def output_noise_table(counts, power, nblocks, block, dealing):
    """The alias table of output block ``block`` in dealing ``dealing`` (``counts``: the
    whole vocabulary's)."""
    return block_noise_table(counts[output_block_ids(len(counts), nblocks, block, dealing)],
                             power)

