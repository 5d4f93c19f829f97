"""The GPU kernel's random draws (w2vns/gpu/sgns.cu), reproduced on the host with numpy.

Every draw is a hash of (epoch key, stream position, salt): splitmix64's finaliser, applied
twice. Nothing depends on which warp trains which task, so the host can tell what the device
drew: the tests check the draws' distributions on the CPU, and a numpy reference of the update
order replays them (tests/gpu/reference.py).
"""
import numpy as np

GOLDEN = 0x9E3779B97F4A7C15
#: What a draw is for (as in sgns.cu): noise word d of group g of a window uses
#: SALT_NOISE + g * negative + d.
SALT_KEEP = 0
SALT_WINDOW = 1
SALT_NOISE = 2
#: A keep threshold meaning "always keep" (w2vns.corpus.sampling.ALWAYS).
ALWAYS = 0xFFFFFFFF

_M64 = (1 << 64) - 1


def mix64(z):
    """splitmix64's finaliser of uint64 values (an array; wraps modulo 2**64)."""
    z = np.asarray(z, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def epoch_key(seed, epoch):
    """The key of one epoch's draws, from the run's seed (a Python int below 2**64)."""
    z = (mix64(np.array([seed & _M64], dtype=np.uint64))[0].item() + (epoch + 1) * GOLDEN) & _M64
    return mix64(np.array([z], dtype=np.uint64))[0].item()


def draws(key, positions, salt):
    """64 random bits (uint64 array) for each stream position, for one purpose (``salt``)."""
    pos = np.asarray(positions, dtype=np.uint64)
    inner = mix64(pos * np.uint64(GOLDEN) + np.asarray(salt, dtype=np.uint64))
    return mix64(np.uint64(key) ^ inner)


def high32(bits):
    """The high 32 bits of 64-bit draws, as uint64 (for multiply-shift ranges)."""
    return bits >> np.uint64(32)


def kept(key, positions, words, keep):
    """Whether subsampling keeps each token (``words`` at stream ``positions``), with the
    uint32 keep thresholds ``keep`` (w2vns.corpus.sampling.keep_thresholds)."""
    threshold = np.asarray(keep, dtype=np.uint64)[np.asarray(words, dtype=np.int64)]
    return (threshold == ALWAYS) | (high32(draws(key, positions, SALT_KEEP)) < threshold)


def shrinks(key, positions, window):
    """Each centre's window shrink b, uniform in [0, window): it sees window - b each side."""
    return ((high32(draws(key, positions, SALT_WINDOW)) * np.uint64(window))
            >> np.uint64(32)).astype(np.int64)


def noise_words(key, positions, salts, prob, alias):
    """Noise words drawn from the alias table (``prob``, ``alias``; w2vns.corpus.sampling.
    noise_table) for each position (rows) and each salt (columns)."""
    prob = np.asarray(prob, dtype=np.uint64)
    alias = np.asarray(alias, dtype=np.int64)
    pos = np.asarray(positions, dtype=np.uint64)[:, None]
    bits = draws(key, pos, np.asarray(salts, dtype=np.uint64)[None, :])
    column = ((high32(bits) * np.uint64(len(prob))) >> np.uint64(32)).astype(np.int64)
    coin = bits & np.uint64(0xFFFFFFFF)
    return np.where(coin < prob[column], column, alias[column])
