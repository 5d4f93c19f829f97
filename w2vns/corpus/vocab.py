"""Vocabulary: the words kept for training, their counts, and their ids.

Ids are frequency-sorted (most frequent first; ties keep the order of first appearance), which is
what word2vec and gensim do and what `restrict_vocab`-style evaluation relies on. Words are raw
bytes; ``keys()`` gives them as ``str`` decoded with UTF-8 and ``surrogateescape`` so that any
byte sequence survives a round trip through files.
"""
import numpy as np

from ..io.files import open_output
from ._encode import DROPPED  # a provisional id whose word did not make the vocabulary


def decode_word(word):
    """bytes -> str, keeping undecodable bytes as lone surrogates (reversible)."""
    return word.decode("utf-8", "surrogateescape")


def encode_word(key):
    """str -> bytes, the inverse of ``decode_word``."""
    return key.encode("utf-8", "surrogateescape")


class Vocabulary:
    """Words (bytes) and their counts (int64), most frequent first.

    ``total_tokens`` is the number of tokens in the corpus before trimming; ``retained_tokens``
    the number that belong to kept words (what training iterates over).
    """

    def __init__(self, words, counts, total_tokens=None, distinct_words=None):
        counts = np.asarray(counts, dtype=np.int64)
        if len(words) != len(counts):
            raise ValueError("words and counts differ in length")
        self.words = list(words)
        self.counts = counts
        self.retained_tokens = int(counts.sum())
        self.total_tokens = self.retained_tokens if total_tokens is None else int(total_tokens)
        self.distinct_words = len(words) if distinct_words is None else int(distinct_words)
        self._index = None

    def __len__(self):
        return len(self.words)

    def keys(self):
        """The words as str (see the module docstring)."""
        return [decode_word(w) for w in self.words]

    def index(self, word):
        """Id of a word given as bytes or str; KeyError if it is not in the vocabulary."""
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.words)}
        if isinstance(word, str):
            word = encode_word(word)
        return self._index[word]

    @classmethod
    def from_counts(cls, words_of, counts, min_count=5, max_vocab=None):
        """Choose the vocabulary from first-seen-order counts.

        ``words_of(ids)`` returns the bytes of the given provisional ids (so only the kept words
        become Python objects). Returns ``(vocabulary, remap)``, remap mapping each provisional id
        to its final id or ``DROPPED``.
        """
        counts = np.asarray(counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        kept = order[counts[order] >= min_count]
        if max_vocab is not None:
            kept = kept[:max_vocab]
        remap = np.full(len(counts), DROPPED, dtype=np.uint32)
        remap[kept] = np.arange(len(kept), dtype=np.uint32)
        vocab = cls(words_of(kept.astype(np.int64)), counts[kept], total_tokens=int(counts.sum()),
                    distinct_words=len(counts))
        return vocab, remap

    @classmethod
    def merged(cls, old, words_of, counts, min_count=5, max_vocab=None):
        """Grow vocabulary ``old`` with a new corpus's words (continued training).

        ``counts`` are the new corpus's counts by provisional id, the first ``len(old)`` ids
        being ``old``'s words. Every old word stays; a new word joins when it occurs at least
        ``min_count`` times (the most frequent first while ``max_vocab`` allows). Counts are
        summed (old + new) and the result is frequency-sorted again. Returns ``(vocabulary,
        remap, origin)``: remap as in ``from_counts``, origin[i] the old id of word i or -1.
        """
        known = len(old)
        counts = np.asarray(counts, dtype=np.int64)
        fresh = known + np.flatnonzero(counts[known:] >= min_count)
        fresh = fresh[np.argsort(-counts[fresh], kind="stable")]
        if max_vocab is not None:
            fresh = fresh[:max(0, max_vocab - known)]
        ids = np.concatenate([np.arange(known, dtype=np.int64), fresh])
        total = np.concatenate([old.counts + counts[:known], counts[fresh]])
        order = np.argsort(-total, kind="stable")
        ids = ids[order]
        remap = np.full(len(counts), DROPPED, dtype=np.uint32)
        remap[ids] = np.arange(len(ids), dtype=np.uint32)
        new_words = dict(zip(fresh.tolist(), words_of(fresh)))
        words = [old.words[i] if i < known else new_words[i] for i in ids.tolist()]
        origin = np.where(ids < known, ids, -1)
        vocab = cls(words, total[order], total_tokens=int(counts.sum()),
                    distinct_words=int(np.count_nonzero(counts)))
        return vocab, remap, origin

    def save_tsv(self, path):
        """Write ``word<TAB>count`` lines, most frequent first (atomically; ``-`` is stdout, a
        .gz/.bz2/.xz/.zst name compresses)."""
        with open_output(path) as out:
            for word, count in zip(self.words, self.counts.tolist()):
                out.write(word + b"\t" + str(count).encode() + b"\n")

    @classmethod
    def load_tsv(cls, path):
        """Read a file written by ``save_tsv``."""
        words, counts = [], []
        with open(path, "rb") as handle:
            for number, line in enumerate(handle, 1):
                line = line.rstrip(b"\r\n")
                if not line:
                    continue
                word, sep, count = line.rpartition(b"\t")
                if not sep or not count.isdigit() or not word:
                    raise ValueError("%s:%d: expected word<TAB>count" % (path, number))
                words.append(word)
                counts.append(int(count))
        return cls(words, counts)
