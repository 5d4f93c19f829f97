"""The vocabulary as a map-reduce over the shards, equal byte for byte to one machine's.

Map (``count_shard``, on a worker): the project's own counting pass (``Encoder``: bytes, not
decoded text) over one shard, giving its words in the order they first appear and their counts.
Reduce (``merge_counts``, on workers, as a tree): the left part's words first, then the right
part's new words in their order; counts added. Shards merged in their order thus list words
in the order they first appear in the concatenated corpus, which is the order of provisional
ids on one machine, so ``Vocabulary.from_counts`` (stable sort by count, min_count, max_vocab)
gives the same ids, counts and ties as ``encode_corpus`` over the same files.
"""
import dataclasses
import operator

import numpy as np

from ..corpus._encode import Encoder
from ..corpus.encode import (CHUNK_BYTES, MAX_SENTENCE_LENGTH, MAX_TOKEN_BYTES, CorpusError,
                            encode_corpus, open_source, text_pieces)
from ..corpus.vocab import Vocabulary
from .errors import result


@dataclasses.dataclass
class Counts:
    """Words (bytes, in order of first appearance), their counts, and the shard statistics."""

    words: list
    counts: np.ndarray
    tokens: int = 0
    sentences: int = 0
    truncated_tokens: int = 0


def count_shard(path):
    """Count one shard (a path or URL a worker can open) as the single-machine pass does."""
    encoder = Encoder(MAX_SENTENCE_LENGTH, MAX_TOKEN_BYTES)
    out = np.empty(CHUNK_BYTES + 2, dtype=np.uint32)
    source = open_source(path)
    try:
        for piece in text_pieces(source):
            encoder.encode(piece, out)
        encoder.finish(out)
    finally:
        source.close()
    ids = np.arange(encoder.vocab_size, dtype=np.int64)
    return Counts(encoder.words(ids), encoder.counts(), encoder.tokens, encoder.sentences,
                  encoder.truncated_tokens)


def merge_counts(left, right):
    """``left`` then ``right`` (shards in corpus order): left's words first, then right's new
    ones in their order; counts and statistics added."""
    index = {w: i for i, w in enumerate(left.words)}
    words = list(left.words)
    where = np.empty(len(right.words), dtype=np.int64)
    for k, w in enumerate(right.words):
        i = index.get(w)
        if i is None:
            i = index[w] = len(words)
            words.append(w)
        where[k] = i
    counts = np.zeros(len(words), dtype=np.int64)
    counts[:len(left.counts)] = left.counts
    np.add.at(counts, where, right.counts)
    return Counts(words, counts, left.tokens + right.tokens, left.sentences + right.sentences,
                  left.truncated_tokens + right.truncated_tokens)


def vocabulary_from_counts(counts, min_count, max_vocab):
    """The kept vocabulary from the merged counts (what one machine keeps), with its
    statistics: ``(vocabulary, truncated_tokens)``."""
    if counts.tokens == 0:
        raise CorpusError("the corpus is empty: no tokens found")
    vocab, _ = Vocabulary.from_counts(lambda ids: [counts.words[i] for i in ids.tolist()],
                                      counts.counts, min_count, max_vocab)
    if len(vocab) == 0:
        raise CorpusError(
            "no word reaches --min-count %d: %d distinct words, the most frequent occurs %d "
            "times" % (min_count, len(counts.counts), counts.counts.max()))
    return vocab, counts.truncated_tokens


def distributed_vocabulary(client, shards, min_count=5, max_vocab=None):
    """Count ``shards`` (a list of paths/URLs, in corpus order) on the cluster behind
    ``client`` and reduce them there as a tree; only the kept vocabulary comes back.
    Returns ``(future of the vocabulary, vocabulary, truncated tokens)``: the future (a task
    on the cluster) is what the workers' tasks take, so that a lost copy is recomputed."""
    parts = [client.submit(count_shard, s, pure=False, retries=2) for s in shards]
    while len(parts) > 1:
        pairs = [client.submit(merge_counts, parts[i], parts[i + 1], retries=2)
                 for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            pairs.append(parts[-1])
        parts = pairs
    kept = client.submit(vocabulary_from_counts, parts[0], min_count, max_vocab, retries=2)
    vocab, truncated = result(kept)
    return client.submit(operator.getitem, kept, 0), vocab, truncated


def encode_shard(path, vocab):
    """One shard as word ids of ``vocab`` (uint32, sentence ends 0xFFFFFFFF), in memory: the
    stream one machine would encode for this part of the corpus (the same pass, with the
    vocabulary fixed). Runs on a worker; an empty shard, or one with no kept word, gives an
    empty stream."""
    try:
        encoded = encode_corpus(path, vocabulary=vocab)
    except CorpusError as err:
        if "no token" in str(err) or "empty" in str(err):
            return np.zeros(0, dtype=np.uint32)
        raise
    return np.array(encoded.stream)
