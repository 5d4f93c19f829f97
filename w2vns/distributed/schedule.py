"""The partitioned scheme's pure parts: which block holds which word, and which cells meet when.

The vocabulary's ids (frequency order) are dealt to K blocks boustrophedon: 0..K-1, then
K-1..0, and so on, so that every block gets a fair share of the frequent words (a plain
``id % K`` would give block 0 the most frequent word of every round, and the most work). An
id's row in its block is ``id // K``. Input rows (syn0) are dealt so into K input blocks;
output rows (syn1neg) into K output blocks the same way, each row of K ids then turned by a
shift drawn anew every round (``output_block_of``), since a group's noise words come from its
centre's output block.

An epoch is cut in rounds, and the corpus in as many slices (a slice of every shard). A round
is K sub-iterations; in sub-iteration s, input block A meets output block (A + s) mod K. So
each (input block, output block) pair meets exactly once per round, and no block is in two
cells of one sub-iteration: the cells of a sub-iteration run in parallel on disjoint rows
(odd rounds take the sub-iterations in reverse order, see ``schedule``). In a round, input
block A trains slice ``slice_of(A, round)``: the blocks lag behind one another by shares of
the epoch, and each trains every slice once an epoch. Every (centre, context) pair of a slice
belongs to exactly one cell, (block of the context, block of the centre in the round's
dealing), which trains it in the round its input block trains the slice
(``check_schedule``; the kernel side is ``GroupKernel``).
"""
import numpy as np


def block_of(ids, nblocks):
    """The block of each global id (an int or an integer array)."""
    ids = np.asarray(ids, dtype=np.int64)
    q, j = np.divmod(ids, nblocks)
    return np.where(q % 2 == 0, j, nblocks - 1 - j)


def block_rows(vocab_size, nblocks, block):
    """How many ids block ``block`` holds."""
    full, rest = divmod(vocab_size, nblocks)
    last = block if full % 2 == 0 else nblocks - 1 - block
    return full + (1 if last < rest else 0)


def block_ids(vocab_size, nblocks, block):
    """The global ids of block ``block``, in the order of its rows (an int64 array)."""
    rows = np.arange(block_rows(vocab_size, nblocks, block), dtype=np.int64)
    return rows * nblocks + np.where(rows % 2 == 0, block, nblocks - 1 - block)


_MASK = (1 << 64) - 1


def dealing_key(seed, round_):
    """The key of round ``round_``'s dealing of the output rows (a 64-bit integer, a hash of
    the run's seed and the round)."""
    z = (int(seed) * 0xD1B54A32D192ED03 + int(round_) * 0x9E3779B97F4A7C15 + 1) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def output_shifts(rows, vocab_size, nblocks, key):
    """How far each row's words turn in the output dealing ``key`` (0 .. K-1 each; all 0 for
    ``key`` None, the boustrophedon dealing itself, and for the last row of a vocabulary of
    ``vocab_size`` when it is not full, so that every block keeps its number of rows,
    ``block_rows``, in every dealing). The same hash as cython_ext/_blocks.pxd's
    ``output_shift``."""
    rows = np.asarray(rows, dtype=np.int64)
    if key is None or nblocks == 1:
        return np.zeros(rows.shape, dtype=np.int64)
    with np.errstate(over="ignore"):
        z = np.uint64(key) + rows.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    shift = ((z >> np.uint64(32)) * np.uint64(nblocks) >> np.uint64(32)).astype(np.int64)
    return np.where(rows < vocab_size // nblocks, shift, 0)


def output_block_of(ids, vocab_size, nblocks, key):
    """The output block of each global id (of a vocabulary of ``vocab_size``) in dealing
    ``key``: the boustrophedon block (``block_of``) turned by the shift of the id's row. An
    id's row is id // K in every dealing."""
    ids = np.asarray(ids, dtype=np.int64)
    shift = output_shifts(ids // nblocks, vocab_size, nblocks, key)
    return (block_of(ids, nblocks) + shift) % nblocks


def output_block_ids(vocab_size, nblocks, block, key):
    """The global ids of output block ``block`` in dealing ``key``, in the order of its rows
    (row q holds one id of q*K .. q*K + K-1)."""
    rows = np.arange(block_rows(vocab_size, nblocks, block), dtype=np.int64)
    position = (block - output_shifts(rows, vocab_size, nblocks, key)) % nblocks
    # ``position``: the boustrophedon block of the id that row q holds
    return rows * nblocks + np.where(rows % 2 == 0, position, nblocks - 1 - position)


def redeal_moves(rows, nblocks, old_key, new_key, vocab_size):
    """For rows 0 .. rows-1 of a block: how many blocks on (mod K) each row's word goes when
    the output rows are dealt anew from ``old_key`` to ``new_key`` (it keeps its row)."""
    q = np.arange(rows, dtype=np.int64)
    return (output_shifts(q, vocab_size, nblocks, new_key)
            - output_shifts(q, vocab_size, nblocks, old_key)) % nblocks


def schedule(nblocks, round_=0):
    """The cells of round ``round_``: a list of K sub-iterations, each a list of K (input
    block, output block) pairs. Odd rounds take the sub-iterations in reverse order, so that
    a round starts with the cells the round before it ended with: every output block is
    already on the worker of the input block it meets first, and none moves between rounds
    (K - 1 moves of each output block a round instead of K; at K = 2 half as many)."""
    steps = [[(a, (a + s) % nblocks) for a in range(nblocks)] for s in range(nblocks)]
    return steps[::-1] if round_ % 2 else steps


#: The rounds over which the input blocks' lags spread (see ``slice_of``), at most: a block's
#: plans are held from the round the first block trains them to the round it does, so this
#: bounds the plans held at about half as many rounds' worth, however many rounds an epoch.
LAG_ROUNDS = 8


def slice_of(block, round_, rounds, nblocks, lag_rounds=LAG_ROUNDS):
    """The slice of the corpus (0 .. rounds - 1) that input block ``block`` trains in round
    ``round_`` of an epoch. The blocks lag behind one another, block A by
    A * min(rounds, lag_rounds) // K rounds, so each block still trains every slice once an
    epoch, but a window's groups, which lie in different input blocks, are trained rounds
    apart rather than within one. Steps taken far apart do not see one another, as the
    contexts of one machine's summed step do not (their gradients all come from the same
    weights); steps taken one after another do, and the later ones shrink
    (docs/distributed.md measures what that costs). ``lag_rounds`` 0: the blocks in step,
    as runs checkpointed by a w2vns from before the lag trained."""
    return (round_ - _lag(block, rounds, nblocks, lag_rounds)) % rounds


def round_of(block, slice_, rounds, nblocks, lag_rounds=LAG_ROUNDS):
    """The round of an epoch in which input block ``block`` trains slice ``slice_``: the
    inverse of ``slice_of``."""
    return (slice_ + _lag(block, rounds, nblocks, lag_rounds)) % rounds


def _lag(block, rounds, nblocks, lag_rounds):
    """How many rounds input block ``block`` lags behind block 0 (see ``slice_of``)."""
    return block * min(rounds, lag_rounds) // nblocks


def check_schedule(cells, nblocks):
    """Raise ValueError unless ``cells`` (as ``schedule`` returns) has every (A, B) pair exactly
    once and no block twice in one sub-iteration."""
    seen = set()
    for step in cells:
        inputs = [a for a, _ in step]
        outputs = [b for _, b in step]
        if len(set(inputs)) != len(inputs) or len(set(outputs)) != len(outputs):
            raise ValueError("a block is in two cells of one sub-iteration")
        for cell in step:
            if cell in seen:
                raise ValueError("cell %r is scheduled twice" % (cell,))
            seen.add(cell)
    if seen != {(a, b) for a in range(nblocks) for b in range(nblocks)}:
        raise ValueError("some cells are never scheduled")


def learning_rates(alpha, min_alpha, slot, slots):
    """The learning rate at the start and at the end of schedule slot ``slot`` of ``slots``
    (a slot is one sub-iteration of one round of one epoch): word2vec's linear decay from
    ``alpha`` to ``min_alpha`` over the whole run, never per worker."""
    start = max(min_alpha, alpha * (1.0 - slot / slots))
    end = max(min_alpha, alpha * (1.0 - (slot + 1) / slots))
    return start, end
