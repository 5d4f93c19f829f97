"""The counting pass: tokenization, sentence boundaries, vocabulary, trimming, remapping."""

import numpy as np
import pytest

from w2vns.corpus._encode import SENTENCE_END, Encoder
from w2vns.corpus.encode import CorpusError, encode_corpus


def encode_chunks(chunks, max_sentence_length=10000):
    enc = Encoder(max_sentence_length)
    ids = []
    for chunk in chunks:
        out = np.empty(len(chunk) + 2, dtype=np.uint32)
        ids.extend(out[:enc.encode(chunk, out)].tolist())
    out = np.empty(2, dtype=np.uint32)
    ids.extend(out[:enc.finish(out)].tolist())
    words = enc.words(np.arange(enc.vocab_size, dtype=np.int64))
    # Render as a list of sentences of words.
    sentences, current = [], []
    for i in ids:
        if i == SENTENCE_END:
            sentences.append(current)
            current = []
        else:
            current.append(words[i])
    assert current == [], "the stream must end with a sentence end"
    return sentences, enc


def test_ascii_whitespace_separates_tokens_and_newline_ends_sentence():
    sentences, _ = encode_chunks([b"a b\tc\x0bd\x0ce\r\nf  g\n"])
    assert sentences == [[b"a", b"b", b"c", b"d", b"e"], [b"f", b"g"]]


def test_empty_and_blank_lines_are_skipped():
    sentences, _ = encode_chunks([b"\n\n  \r\n a \n\n\nb"])
    assert sentences == [[b"a"], [b"b"]]


def test_keep_empty_lines_gives_one_sentence_per_line():
    enc = Encoder(3, 1000, True)
    # blank lines are kept; a line ending just where the split falls gains no empty one
    text = b"a b\n\n \t\nc d e\ng"
    out = np.empty(len(text) + 4, dtype=np.uint32)
    k = enc.encode(text, out)
    k += enc.finish(out[k:])
    assert out[:k].tolist().count(SENTENCE_END) == 5
    buffer = np.empty(64, dtype=np.uint8)
    consumed, n, _ = enc.decode(out[:k], buffer)
    assert consumed == k and bytes(buffer[:n]) == b"a b\n\n\nc d e\ng\n"


@pytest.mark.parametrize("size", [4, 5, 9, 1000])
def test_decode_writes_lines_and_resumes_where_the_buffer_filled(size):
    enc = Encoder(1 << 40, 1000, True)
    text = b"the  cat\tsat\n\non the mat \r\nend"
    out = np.empty(len(text) + 2, dtype=np.uint32)
    k = enc.encode(text, out)
    k += enc.finish(out[k:])
    ids, buffer, written, line_start = out[:k], np.empty(size, dtype=np.uint8), b"", True
    while len(ids):
        consumed, n, line_start = enc.decode(ids, buffer, line_start)
        written += bytes(buffer[:n])
        ids = ids[consumed:]
    assert written == b"the cat sat\n\non the mat\nend\n" and line_start


def test_decode_refuses_unknown_ids_and_a_buffer_too_small():
    enc = Encoder()
    out = np.empty(8, dtype=np.uint32)
    enc.encode(b"word\n", out)
    with pytest.raises(ValueError, match="not a word"):
        enc.decode(np.array([1], dtype=np.uint32), np.empty(8, dtype=np.uint8))
    with pytest.raises(ValueError, match="too small"):
        enc.decode(np.array([0], dtype=np.uint32), np.empty(3, dtype=np.uint8))


def test_bytes_are_kept_as_they_are():
    words = [b"caf\xc3\xa9", b"\xff\xfe", b"x\x00y", b"\xe2\x80\x94"]
    sentences, _ = encode_chunks([b" ".join(words) + b"\n"])
    assert sentences == [words]


@pytest.mark.parametrize("cut", range(1, 12))
def test_tokens_cut_by_chunk_boundaries_are_joined(cut):
    text = b"hello world\nfoo barbaz\n"
    sentences, _ = encode_chunks([text[:cut], text[cut:]])
    assert sentences == [[b"hello", b"world"], [b"foo", b"barbaz"]]


def test_one_byte_chunks():
    text = b"the cat sat\non the mat"
    sentences, _ = encode_chunks([text[i:i + 1] for i in range(len(text))])
    assert sentences == [[b"the", b"cat", b"sat"], [b"on", b"the", b"mat"]]


def test_long_lines_are_split_never_truncated():
    line = b" ".join(b"w%d" % i for i in range(25)) + b"\n"
    sentences, enc = encode_chunks([line], max_sentence_length=10)
    assert [len(s) for s in sentences] == [10, 10, 5]
    assert sum(sentences, []) == line.split()
    assert enc.tokens == 25


def test_default_split_is_at_10000_tokens():
    line = b"x " * 25000
    sentences, _ = encode_chunks([line])
    assert [len(s) for s in sentences] == [10000, 10000, 5000]


def test_counts_by_first_occurrence():
    _, enc = encode_chunks([b"b a b c b a\n"])
    assert enc.words(np.arange(3, dtype=np.int64)) == [b"b", b"a", b"c"]
    assert enc.counts().tolist() == [3, 2, 1]


def test_many_distinct_words_grow_the_tables():
    words = [b"word%d" % i for i in range(300000)]
    _, enc = encode_chunks([b" ".join(words) + b"\n"])
    assert enc.vocab_size == 300000
    assert enc.words(np.array([0, 123456, 299999], dtype=np.int64)) == [
        words[0], words[123456], words[299999]]


@pytest.mark.parametrize("cut", [1, 7, 999, 1000, 1001, 2500])
def test_over_long_tokens_are_truncated_and_counted_wherever_chunks_cut_them(cut):
    giant = b"x" * 2500
    text = b"a " + giant + b" b\n"
    cut += 2
    sentences, enc = encode_chunks([text[:cut], text[cut:]])
    assert sentences == [[b"a", b"x" * 1000, b"b"]]
    assert enc.truncated_tokens == 1


def test_truncation_does_not_split_a_utf8_character():
    word = "\u00e9".encode() * 600  # 1200 bytes, two per character
    sentences, enc = encode_chunks([b"a" + word + b"\n"])
    assert sentences[0][0] == b"a" + "\u00e9".encode() * 499  # 999 bytes: the 1000th would split
    assert enc.truncated_tokens == 1


def test_remapping_piece_by_piece_equals_remapping_at_once(monkeypatch):
    from w2vns.corpus import encode as corpus

    lines = ["a b rare%d c" % i if i % 3 else "rare%d" % i for i in range(300)]
    whole = encode_corpus(lines, min_count=2)
    monkeypatch.setattr(corpus, "REMAP_STEP", 7)
    pieces = encode_corpus(lines, min_count=2)
    assert pieces.stream.tolist() == whole.stream.tolist()
    assert pieces.sentences == whole.sentences == 200
    assert pieces.tokens == whole.vocab.retained_tokens


def test_vocabulary_sorted_by_count_ties_by_first_appearance():
    enc = encode_corpus(["c a b a b d"] * 5, min_count=1)
    assert enc.vocab.words == [b"a", b"b", b"c", b"d"]
    assert enc.vocab.counts.tolist() == [10, 10, 5, 5]


def test_min_count_and_max_vocab_trim_and_stream_drops_them():
    enc = encode_corpus(["a a a b b c", "c d", "d"], min_count=2)
    assert enc.vocab.words == [b"a", b"b", b"c", b"d"]
    enc = encode_corpus(["a a a b b c", "e", "d"], min_count=2)
    assert enc.vocab.words == [b"a", b"b"]
    # The stream keeps only kept words, and the sentences left empty vanish.
    assert enc.stream.tolist() == [0, 0, 0, 1, 1, SENTENCE_END]
    assert enc.sentences == 1
    assert enc.vocab.total_tokens == 8 and enc.vocab.retained_tokens == 5
    enc = encode_corpus(["a a a b b c c", "c"], min_count=1, max_vocab=2)
    assert enc.vocab.words == [b"a", b"c"]


def test_reading_files_gz_and_lists_of_paths(tmp_path):
    import gzip

    plain = tmp_path / "a.txt"
    plain.write_bytes(b"x y z\nx y\n")
    packed = tmp_path / "b.txt.gz"
    with gzip.open(packed, "wb") as out:
        out.write(b"x z\n")
    enc = encode_corpus([str(plain), str(packed)], min_count=1)
    assert dict(zip(enc.vocab.words, enc.vocab.counts.tolist())) == {b"x": 3, b"y": 2, b"z": 2}
    assert enc.sentences == 3


def test_files_without_final_newline_do_not_merge(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x y")
    (tmp_path / "b.txt").write_bytes(b"z")
    enc = encode_corpus([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], min_count=1)
    assert enc.sentences == 2


@pytest.mark.parametrize("data, message", [
    (b"good words\nthen a \x00 byte\n", "NUL byte at byte 18"),
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "a zip archive"),
])
def test_binary_files_are_refused(tmp_path, data, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=message):
        encode_corpus(str(path), min_count=1)


def test_empty_corpus_and_nothing_reaching_min_count_are_clear_errors():
    with pytest.raises(CorpusError, match="empty"):
        encode_corpus(["", "   "], min_count=1)
    with pytest.raises(CorpusError, match=r"min-count 5: 3 distinct words, the most frequent occurs 2"):
        encode_corpus(["a b a c"], min_count=5)


def test_vocab_tsv_round_trip(tmp_path):
    from w2vns.corpus.vocab import Vocabulary

    vocab = encode_corpus(["b a b \xe9t\xe9 b a"], min_count=1).vocab
    path = tmp_path / "vocab.tsv"
    vocab.save_tsv(path)
    assert path.read_bytes() == "b\t3\na\t2\n\xe9t\xe9\t1\n".encode()
    again = Vocabulary.load_tsv(path)
    assert again.words == vocab.words and again.counts.tolist() == [3, 2, 1]


def test_a_cache_that_cannot_be_written_is_not_blamed_on_the_corpus(tmp_path, monkeypatch):
    """A full disk under the encoding pass's cache is an OSError of its own (the command line
    says "No space left on device"), not the corpus's "cannot read"."""
    import errno

    import w2vns.corpus.encode as encode

    class FullDisk:
        def __init__(self, *args, **kwargs):
            pass

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n" * 10)
    monkeypatch.setattr(encode.tempfile, "TemporaryFile", FullDisk)
    with pytest.raises(OSError, match="No space left on device"):
        encode_corpus(str(corpus), min_count=1)
