"""The vocabulary as a map-reduce on the cluster equals one machine's, byte for byte."""
import gzip

import pytest

from w2vns.corpus.encode import encode_corpus
from w2vns.distributed.vocab import Counts, distributed_vocabulary, merge_counts


def write_shards(folder):
    """Shards whose words tie in count across shards, with bytes that are not UTF-8, CR,
    tabs, an over-long token, empty lines, no final newline, and a gzip shard."""
    texts = [
        b"b a c a\r\nzebra yak\n\n\xff\xfe odd\n",
        b"c b b\tyak x" + b"L" * 1500 + b"\n" + b"a zebra\n",
        b"new1 new2 new1\nb\n\n",
        b"yak new2 \xff\xfe c a",  # no final newline
    ]
    paths = []
    for i, text in enumerate(texts):
        path = folder / ("shard-%d.txt" % i)
        path.write_bytes(text)
        paths.append(str(path))
    gz = folder / "shard-4.txt.gz"
    with gzip.open(gz, "wb") as out:
        out.write(b"odd new2 zebra a\n" * 3)
    paths.append(str(gz))
    return paths


@pytest.mark.parametrize("min_count,max_vocab", [(1, None), (2, None), (1, 4)])
def test_distributed_vocabulary_is_byte_identical_to_one_machine_s(client, tmp_path,
                                                                   min_count, max_vocab):
    paths = write_shards(tmp_path)
    _, vocab, truncated = distributed_vocabulary(client, paths, min_count, max_vocab)
    one = encode_corpus(paths, min_count=min_count, max_vocab=max_vocab)
    vocab.save_tsv(tmp_path / "cluster.tsv")
    one.vocab.save_tsv(tmp_path / "one.tsv")
    assert (tmp_path / "cluster.tsv").read_bytes() == (tmp_path / "one.tsv").read_bytes()
    assert (vocab.total_tokens, vocab.distinct_words) == (one.vocab.total_tokens,
                                                          one.vocab.distinct_words)
    assert truncated == one.truncated_tokens == 1


def test_merging_keeps_the_order_of_first_appearance_and_adds_counts():
    import numpy as np

    left = Counts([b"a", b"b"], np.array([2, 1]), tokens=3, sentences=1)
    right = Counts([b"c", b"b", b"d"], np.array([1, 4, 2]), tokens=7, sentences=2)
    merged = merge_counts(left, right)
    assert merged.words == [b"a", b"b", b"c", b"d"]
    assert merged.counts.tolist() == [2, 5, 1, 2]
    assert (merged.tokens, merged.sentences) == (10, 3)
