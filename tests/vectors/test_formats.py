"""Tests for w2vns.vectors.formats: word2vec binary/text reading and writing, interop, errors."""
import bz2
import gzip
import io
import os
import sys
import threading

import numpy as np
import pytest

from w2vns.vectors import formats
from w2vns.io.errors import MissingDependency
from w2vns.vectors.formats import FormatError, open_binary, read_word2vec, write_word2vec

SUFFIXES = ["", ".gz", ".bz2", ".xz"]


def bits(array):
    """The raw bits of a float32 array, so that equality is exact (and tells -0.0 from 0.0)."""
    return np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)


def make_data(count=50, dim=7, seed=0):
    """Keys (with non-ASCII ones) and vectors covering awkward float32 values."""
    rng = np.random.default_rng(seed)
    keys = ["w%d" % i for i in range(count)]
    keys[1], keys[2], keys[3] = "café", "日本語", "a,b;c'\"d"
    vectors = (rng.standard_normal((count, dim)) * 0.3).astype(np.float32)
    specials = [0.0, -0.0, 1.0, -1.0, 1e-4, 3e-5, 1e-7, 1e-30, 1.4e-45, 123456789.0,
                3.4028235e38, -2.5e-12, 0.1, 1e9, 7e8]
    flat = vectors.ravel()
    n = min(len(specials), flat.size)
    flat[:n] = np.array(specials[:n], dtype=np.float32)
    return keys, vectors


def assert_same(keys, vectors, keys2, vectors2):
    assert keys2 == keys
    assert vectors2.dtype == np.float32 and vectors2.flags.c_contiguous
    assert vectors2.shape == vectors.shape
    assert np.array_equal(bits(vectors2), bits(vectors))


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("binary", [True, False])
def test_round_trip_exact(tmp_path, binary, suffix):
    keys, vectors = make_data()
    path = tmp_path / ("v" + suffix)
    write_word2vec(path, keys, vectors, binary=binary)
    with open(path, "rb") as handle:
        magic = handle.read(3)
    assert (magic[:2] == b"\x1f\x8b") == (suffix == ".gz")
    assert (magic == b"BZh") == (suffix == ".bz2")
    assert_same(keys, vectors, *read_word2vec(path))  # autodetected
    assert_same(keys, vectors, *read_word2vec(str(path), binary=binary))


def test_binary_layout(tmp_path):
    path = tmp_path / "v.bin"
    vectors = np.array([[1.0, -2.0], [0.5, 0.25]], dtype=np.float32)
    write_word2vec(path, ["a", "bc"], vectors)
    expected = (b"2 2\n" + b"a " + vectors[0].astype("<f4").tobytes() + b"\n"
                + b"bc " + vectors[1].astype("<f4").tobytes() + b"\n")
    assert path.read_bytes() == expected


def test_text_layout_matches_percent_9g(tmp_path):
    rng = np.random.default_rng(3)
    vectors = (rng.standard_normal((40, 30)) * 2).astype(np.float32)
    vectors[vectors == 0] = 1.0
    vectors[np.abs(vectors) < 1e-4] = 0.5  # below 1e-4 we write positional, %g exponent form
    path = tmp_path / "v.txt"
    keys = ["k%d" % i for i in range(40)]
    write_word2vec(path, keys, vectors, binary=False)
    expected = "40 30\n" + "".join(
        "%s %s\n" % (k, " ".join("%.9g" % v for v in row))
        for k, row in zip(keys, vectors.tolist()))
    assert path.read_text() == expected


def test_text_formatter_exact_over_all_magnitudes():
    rng = np.random.default_rng(7)
    exps = rng.uniform(-45, 38.5, size=(300, 64))
    signs = rng.choice([-1.0, 1.0], size=exps.shape)
    with np.errstate(over="ignore"):
        values = (signs * 10.0 ** exps).astype(np.float32)
    values[0, :6] = [0.0, -0.0, np.inf, -np.inf, 1e-45, -3.4028235e38]
    random_bits = rng.integers(0, 2**32, size=(50, 64), dtype=np.uint64).astype(np.uint32)
    random_floats = random_bits.view(np.float32)
    random_floats[~np.isfinite(random_floats)] = 1.0
    for block in (values, random_floats):
        rows = formats._format_rows(block)
        assert len(rows) == block.shape[0]
        assert all(row.endswith(b"\n") and row.count(b"\n") == 1 for row in rows)
        parsed = np.array(b"".join(rows).split(), dtype=np.float32).reshape(block.shape)
        assert np.array_equal(bits(parsed), bits(block))


def test_nan_and_inf_are_written_and_read(tmp_path):
    vectors = np.array([[np.nan, np.inf, -np.inf, 1.5]], dtype=np.float32)
    path = tmp_path / "v.txt"
    write_word2vec(path, ["x"], vectors, binary=False)
    assert path.read_bytes() == b"1 4\nx nan inf -inf 1.5\n"
    _, got = read_word2vec(path)
    assert np.isnan(got[0, 0]) and np.array_equal(got[0, 1:], vectors[0, 1:])


@pytest.mark.parametrize("binary", [True, False])
def test_float64_input_is_stored_as_float32(tmp_path, binary):
    vectors = np.random.default_rng(1).standard_normal((5, 3))
    path = tmp_path / "v"
    write_word2vec(path, list("abcde"), vectors, binary=binary)
    _, got = read_word2vec(path)
    assert np.array_equal(got, vectors.astype(np.float32))


@pytest.mark.parametrize("binary", [True, False])
def test_empty_vocabulary(tmp_path, binary):
    path = tmp_path / "v"
    write_word2vec(path, [], np.zeros((0, 4), dtype=np.float32), binary=binary)
    assert path.read_bytes() == b"0 4\n"
    keys, vectors = read_word2vec(path)
    assert keys == [] and vectors.shape == (0, 4)


def test_header_without_newline(tmp_path):
    path = tmp_path / "v"
    path.write_bytes(b"0 3")
    keys, vectors = read_word2vec(path)
    assert keys == [] and vectors.shape == (0, 3)


def test_non_utf8_words_round_trip_bytes_exactly(tmp_path):
    raw_words = [b"\xff\xfe", b"caf\xc3\xa9", b"\xc3", b"ok", b"\xe6\x97\xa5\xe6"]
    keys = [w.decode("utf-8", "surrogateescape") for w in raw_words]
    vectors = np.arange(10, dtype=np.float32).reshape(5, 2)
    for binary in (True, False):
        path = tmp_path / ("v%d" % binary)
        write_word2vec(path, keys, vectors, binary=binary)
        data = path.read_bytes()
        for word in raw_words:
            assert b"\n" + word + b" " in data
        with pytest.warns(formats.NonUTF8Warning):
            got, got_vectors = read_word2vec(path)
        assert got == keys
        assert [k.encode("utf-8", "surrogateescape") for k in got] == raw_words
        assert np.array_equal(got_vectors, vectors)
        # Writing what we read reproduces the file byte for byte.
        again = tmp_path / ("again%d" % binary)
        write_word2vec(again, got, got_vectors, binary=binary)
        assert again.read_bytes() == data


# -- limit ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
@pytest.mark.parametrize("binary", [True, False])
def test_limit(tmp_path, binary, suffix):
    # Big enough that a compressed read with a limit needs several reads.
    keys, vectors = make_data(count=3000, dim=40, seed=5)
    path = tmp_path / ("v" + suffix)
    write_word2vec(path, keys, vectors, binary=binary)
    for limit in (0, 1, 7, 2999, 3000, 5000):
        got_keys, got = read_word2vec(path, limit=limit)
        n = min(limit, 3000)
        assert got_keys == keys[:n]
        assert got.shape == (n, 40)
        assert np.array_equal(bits(got), bits(vectors[:n]))


def test_limit_does_not_read_a_truncated_tail(tmp_path):
    keys, vectors = make_data(count=20, dim=4)
    path = tmp_path / "v.bin"
    write_word2vec(path, keys, vectors)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    got_keys, got = read_word2vec(path, limit=3)
    assert got_keys == keys[:3] and np.array_equal(got, vectors[:3])
    with pytest.raises(FormatError):
        read_word2vec(path)


def test_negative_limit_rejected(tmp_path):
    path = tmp_path / "v"
    write_word2vec(path, ["a"], np.ones((1, 2)))
    with pytest.raises(ValueError):
        read_word2vec(path, limit=-1)


# -- other writers' files ---------------------------------------------------------------------


def test_fasttext_vec_with_trailing_spaces(tmp_path):
    path = tmp_path / "wiki.vec"
    path.write_bytes(b"3 4\n"
                     b"the 0.1 -0.2 0.3 0.4 \n"
                     b", -1 2 3.5e-3 4 \n"
                     b"\xc3\xa9t\xc3\xa9 1e-05 0 -0 5 \n")
    keys, vectors = read_word2vec(path)
    assert keys == ["the", ",", "été"]
    expected = np.array([[0.1, -0.2, 0.3, 0.4], [-1, 2, 3.5e-3, 4], [1e-05, 0, -0.0, 5]],
                        dtype=np.float32)
    assert np.array_equal(bits(vectors), bits(expected))


def test_text_with_tabs_crlf_and_no_final_newline(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\r\na\t1  2\t3\r\nb 4 5 6")
    keys, vectors = read_word2vec(path)
    assert keys == ["a", "b"]
    assert np.array_equal(vectors, [[1, 2, 3], [4, 5, 6]])


def _binary_records(keys, vectors, newline):
    out = b"%d %d\n" % vectors.shape
    for key, row in zip(keys, vectors):
        out += key.encode() + b" " + row.astype("<f4").tobytes() + (b"\n" if newline else b"")
    return out


@pytest.mark.parametrize("newline", [True, False])
def test_binary_with_and_without_newline_after_vectors(tmp_path, newline):
    keys, vectors = make_data(count=30, dim=5)
    # Plant bytes that look like separators inside the float data.
    vectors[0, 0] = np.frombuffer(b"\n \n ", dtype="<f4")[0]
    vectors[1, 4] = np.frombuffer(b"  \n\n", dtype="<f4")[0]
    path = tmp_path / "v.bin"
    path.write_bytes(_binary_records(keys, vectors, newline))
    assert_same(keys, vectors, *read_word2vec(path))
    assert_same(keys, vectors, *read_word2vec(path, binary=True))


def test_compressed_detected_by_magic_not_name(tmp_path):
    keys, vectors = make_data(count=10, dim=3)
    plain = tmp_path / "v.bin"
    write_word2vec(plain, keys, vectors)
    data = plain.read_bytes()
    for name, compress in (("gz_named_plain", gzip.compress), ("bz2_named_plain", bz2.compress)):
        path = tmp_path / name
        path.write_bytes(compress(data))
        assert_same(keys, vectors, *read_word2vec(path))
    misnamed = tmp_path / "plain.gz"
    misnamed.write_bytes(data)
    assert_same(keys, vectors, *read_word2vec(misnamed))


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_our_files(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    keys, vectors = make_data(count=40, dim=6)
    for suffix in ("", ".gz"):
        path = tmp_path / ("ours" + suffix)
        write_word2vec(path, keys, vectors, binary=binary)
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert list(kv.index_to_key) == keys
        assert np.array_equal(bits(kv.vectors), bits(vectors))


@pytest.mark.parametrize("binary", [True, False])
def test_we_read_gensim_files(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    keys, vectors = make_data(count=40, dim=6)
    kv = gensim_models.KeyedVectors(vector_size=6)
    kv.add_vectors(keys, vectors)
    for suffix in ("", ".gz"):
        path = tmp_path / ("gensim" + suffix)
        kv.save_word2vec_format(str(path), binary=binary)
        assert_same(keys, vectors, *read_word2vec(path))
        assert_same(keys, vectors, *read_word2vec(path, binary=binary))


# -- stdin / stdout ---------------------------------------------------------------------------


def test_dash_writes_text_to_stdout(capsysbinary):
    write_word2vec("-", ["a", "b"], np.array([[1, 0.5], [-2, 0]], dtype=np.float32),
                   binary=False)
    assert capsysbinary.readouterr().out == b"2 2\na 1 0.5\nb -2 0\n"


def test_dash_writes_binary_to_stdout_when_asked(capsysbinary):
    vectors = np.array([[1, 0.5], [-2, 0]], dtype=np.float32)
    write_word2vec("-", ["a", "b"], vectors, binary=True)
    assert capsysbinary.readouterr().out == (b"2 2\na " + vectors[0].astype("<f4").tobytes()
                                             + b"\nb " + vectors[1].astype("<f4").tobytes()
                                             + b"\n")


@pytest.mark.parametrize("compress", [None, gzip.compress])
def test_dash_reads_stdin(tmp_path, monkeypatch, compress):
    keys, vectors = make_data(count=12, dim=3)
    path = tmp_path / "v.bin"
    write_word2vec(path, keys, vectors)
    data = path.read_bytes()
    if compress:
        data = compress(data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))
    assert_same(keys, vectors, *read_word2vec("-"))


# -- open_binary ------------------------------------------------------------------------------


def test_open_binary(tmp_path):
    payload = b"hello\nworld\n" * 100
    for name, data in (("a.txt", payload), ("b.gz", gzip.compress(payload)),
                       ("c.bz2", bz2.compress(payload)), ("d", gzip.compress(payload))):
        path = tmp_path / name
        path.write_bytes(data)
        with open_binary(path) as handle:
            assert handle.read() == payload
    with pytest.raises(ValueError):
        open_binary(tmp_path / "new", "wb")


# -- write validation and atomicity -----------------------------------------------------------


@pytest.mark.parametrize("bad", ["", "two words", "tab\there", "new\nline", " lead", "cr\r"])
def test_invalid_keys_rejected(tmp_path, bad):
    path = tmp_path / "v"
    with pytest.raises(ValueError):
        write_word2vec(path, ["fine", bad], np.zeros((2, 3)))
    assert not path.exists()


def test_shape_mismatch_rejected(tmp_path):
    with pytest.raises(ValueError):
        write_word2vec(tmp_path / "a", ["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError):
        write_word2vec(tmp_path / "b", ["a", "b"], np.zeros(2))
    with pytest.raises(ValueError):
        write_word2vec(tmp_path / "c", ["a"], np.zeros((1, 0)))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, binary, suffix):
    keys, vectors = make_data(count=500, dim=8)
    existing = tmp_path / ("old" + suffix)
    existing.write_bytes(b"previous contents")
    fresh = tmp_path / ("new" + suffix)
    # Fail after part of the data has been written.
    monkeypatch.setattr(formats, "_WRITE_BLOCK_VALUES", 8 * 50)
    real_format, real_binary = formats._format_rows, formats._write_binary_rows
    calls = []

    def failing_format(block):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real_format(block)

    def failing_binary(out, words, vecs):
        real_binary(out, words[:100], vecs[:100])
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(formats, "_format_rows", failing_format)
    monkeypatch.setattr(formats, "_write_binary_rows", failing_binary)
    for target in (existing, fresh):
        calls.clear()
        with pytest.raises(RuntimeError, match="disk on fire"):
            write_word2vec(target, keys, vectors, binary=binary)
    assert existing.read_bytes() == b"previous contents"
    assert not fresh.exists()
    assert os.listdir(tmp_path) == [existing.name]  # no temporary files left behind


# -- malformed input --------------------------------------------------------------------------


def _expect_error(path, *fragments, **kwargs):
    with pytest.raises(FormatError) as info:
        read_word2vec(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_empty_file(tmp_path):
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    _expect_error(path, "empty")
    gz = tmp_path / "empty.gz"
    gz.write_bytes(gzip.compress(b""))
    _expect_error(gz, "empty")


@pytest.mark.parametrize("header", [b"hello world\n", b"3\n", b"3 x\n", b"3 4 5\n", b"-1 4\n",
                                    b"2 0\n", b"\n"])
def test_bad_header(tmp_path, header):
    path = tmp_path / "v"
    path.write_bytes(header + b"a 1 2 3 4\n")
    _expect_error(path, "line 1", "header")


def test_binary_garbage_without_header_newline(tmp_path):
    path = tmp_path / "v"
    path.write_bytes(b"x" * 10000)
    _expect_error(path, "line 1")


def test_truncated_binary(tmp_path):
    keys, vectors = make_data(count=10, dim=4)
    path = tmp_path / "v.bin"
    write_word2vec(path, keys, vectors)
    data = path.read_bytes()
    path.write_bytes(data[:-7])  # cut inside the last vector
    message = _expect_error(path, "byte offset", "truncated", "vector 10 of 10")
    offset = int(message.split("byte offset ")[1].split(":")[0])
    assert offset == len(data) - 1 - 16  # where the last vector's bytes begin
    path.write_bytes(data[:-17])  # cut right after the last word's space... and before
    _expect_error(path, "byte offset", "truncated")


def test_binary_with_fewer_vectors_than_header(tmp_path):
    keys, vectors = make_data(count=4, dim=3)
    path = tmp_path / "v.bin"
    path.write_bytes(b"6 3\n" + _binary_records(keys, vectors, True)[4:])
    _expect_error(path, "byte offset", "4 of 6", binary=True)
    gz = tmp_path / "v.bin.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    _expect_error(gz, "byte offset", "4 of 6")


def test_truncated_gzip_stream(tmp_path):
    keys, vectors = make_data(count=200, dim=10)
    path = tmp_path / "v.bin.gz"
    write_word2vec(path, keys, vectors)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    _expect_error(path)


def test_text_row_with_wrong_number_of_values(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 3\na 1 2 3\nb 4 5\nc 7 8 9\n")
    _expect_error(path, "line 3", "expected 3 values", "found 2")
    path.write_bytes(b"3 3\na 1 2 3\nb 4 5 6\nc 7 8 9 10\n")
    _expect_error(path, "line 4", "found 4")
    path.write_bytes(b"2 3\na 1 2 3\nlonely\n")
    _expect_error(path, "line 3")


def test_text_non_numeric_value(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 3\na 1 2 3\nb 4 5 6\nc 7 eight 9\n")
    _expect_error(path, "line 4", "non-numeric", "eight")
    path.write_bytes(b"2 2\na 1 2\nb 1_0 3\n")
    _expect_error(path, "line 3", "1_0")


def test_text_with_fewer_rows_than_header(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"5 2\na 1 2\nb 3 4\n")
    _expect_error(path, "line 4", "2 of 5")


def test_text_error_line_numbers_in_later_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_TEXT_BLOCK_BYTES", 64)
    rows = b"".join(b"w%d %d 1 2\n" % (i, i) for i in range(100))
    path = tmp_path / "v.txt"
    path.write_bytes(b"101 3\n" + rows + b"bad 1 2 x\n")
    _expect_error(path, "line 102", "non-numeric")
    keys, vectors = read_word2vec(path, limit=100)
    assert len(keys) == 100 and vectors[99, 0] == 99


def test_text_with_bad_first_row_is_reported_as_text(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 3\na 1 x 3\nb 4 5 6\nc 7 8 9\n")
    _expect_error(path, "line 2", "non-numeric", "'x'")
    path.write_bytes(b"2 3\na 1 2 3 4\nb 4 5 6\n")
    _expect_error(path, "line 2", "found 4")


def test_binary_whose_first_floats_look_like_a_short_text_line_is_binary(tmp_path):
    # The first value's bytes are '1', newline, ...: before the fix the format guess saw the
    # text row "w 1" and the text parser failed on the next line.
    keys = ["w", "x", "y"]
    vectors = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    vectors[0, 0] = np.frombuffer(b"1\n\x00?", dtype="<f4")[0]
    path = tmp_path / "v.bin"
    write_word2vec(path, keys, vectors)
    got_keys, got = read_word2vec(path)
    assert got_keys == keys and np.array_equal(got, vectors)


def test_text_forced_as_binary_is_an_error_not_garbage(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 2\na 1 2\nb 3 4\nccc 5 6\n")
    with pytest.raises(FormatError):
        read_word2vec(path, binary=True)


def test_read_from_a_pipe(tmp_path):
    keys, vectors = make_data(count=30, dim=4)
    path = tmp_path / "v.bin.gz"
    write_word2vec(path, keys, vectors)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as out:
            out.write(path.read_bytes())

    thread = threading.Thread(target=feed)
    thread.start()
    try:
        assert_same(keys, vectors, *read_word2vec(fifo))
    finally:
        thread.join()


# -- words that are not UTF-8 -----------------------------------------------------------------


def _latin1_file(path, binary):
    """Three words, the second and third Latin-1 (not UTF-8), as text or binary."""
    words = [b"ok", b"caf\xe9", b"na\xefve"]
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    data = b"3 2\n"
    for word, row in zip(words, vectors):
        if binary:
            data += word + b" " + row.astype("<f4").tobytes() + b"\n"
        else:
            data += word + b" %g %g\n" % tuple(row)
    path.write_bytes(data)
    return words, vectors


@pytest.mark.parametrize("binary, place", [(False, "line 3"), (True, "byte offset 16")])
def test_non_utf8_words_are_kept_with_one_warning_naming_the_first(tmp_path, binary, place):
    path = tmp_path / "latin1"
    words, vectors = _latin1_file(path, binary)
    with pytest.warns(formats.NonUTF8Warning) as caught:
        keys, got = read_word2vec(path)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert place in message and "word 2" in message and "2 such words" in message
    assert [k.encode("utf-8", "surrogateescape") for k in keys] == words
    assert np.array_equal(got, vectors)


@pytest.mark.parametrize("binary, place", [(False, "line 3"), (True, "byte offset 16")])
def test_non_utf8_words_strict_is_a_format_error(tmp_path, binary, place):
    path = tmp_path / "latin1"
    _latin1_file(path, binary)
    _expect_error(path, place, "word 2", "not valid UTF-8", unicode_errors="strict")


def test_non_utf8_words_other_error_handlers(tmp_path):
    path = tmp_path / "latin1"
    _latin1_file(path, binary=False)
    with pytest.warns(formats.NonUTF8Warning):
        keys, _ = read_word2vec(path, unicode_errors="replace")
    assert keys == ["ok", "caf\ufffd", "na\ufffdve"]


def test_non_utf8_word_located_in_a_later_stream_window(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_STREAM_FIRST_CHUNK", 256)
    monkeypatch.setattr(formats, "_STREAM_MAX_CHUNK", 512)
    keys, vectors = make_data(count=200, dim=8)
    raw = [k.encode() for k in keys]
    raw[150] = b"bad\xff"
    data = b"200 8\n" + b"".join(w + b" " + row.astype("<f4").tobytes() + b"\n"
                                 for w, row in zip(raw, vectors))
    path = tmp_path / "v.bin.gz"
    path.write_bytes(gzip.compress(data))
    offset = data.index(b"\nbad\xff ") + 1
    _expect_error(path, "byte offset %d" % offset, "word 151", unicode_errors="strict")
    with pytest.warns(formats.NonUTF8Warning, match="byte offset %d" % offset):
        got_keys, got = read_word2vec(path)
    assert got_keys[150].encode("utf-8", "surrogateescape") == b"bad\xff"
    assert np.array_equal(bits(got), bits(vectors))


# -- windows: streams read in chunks, mapped pages handed back ------------------------------


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("newline", [True, False])
def test_small_stream_windows_give_identical_results(tmp_path, monkeypatch, binary, newline):
    monkeypatch.setattr(formats, "_STREAM_FIRST_CHUNK", 64)
    monkeypatch.setattr(formats, "_STREAM_MAX_CHUNK", 100)
    monkeypatch.setattr(formats, "_TEXT_BLOCK_BYTES", 50)
    keys, vectors = make_data(count=300, dim=9)
    path = tmp_path / "v.gz"
    if binary:
        path.write_bytes(gzip.compress(_binary_records(keys, vectors, newline)))
    else:
        write_word2vec(path, keys, vectors, binary=False)
    assert_same(keys, vectors, *read_word2vec(path))
    for limit in (1, 77):
        got_keys, got = read_word2vec(path, limit=limit)
        assert got_keys == keys[:limit] and np.array_equal(bits(got), bits(vectors[:limit]))


@pytest.mark.parametrize("binary", [True, False])
def test_mapped_file_pages_released_as_parsed(tmp_path, monkeypatch, binary):
    monkeypatch.setattr(formats, "_RELEASE_BYTES", 1)
    monkeypatch.setattr(formats, "_TEXT_BLOCK_BYTES", 4096)
    released = []
    real = formats._MappedInput.release

    def spy(self, upto):
        released.append(upto)
        real(self, upto)

    monkeypatch.setattr(formats._MappedInput, "release", spy)
    keys, vectors = make_data(count=2000, dim=20)
    path = tmp_path / "v"
    write_word2vec(path, keys, vectors, binary=binary)
    assert_same(keys, vectors, *read_word2vec(path))
    assert len(released) > 5 and released == sorted(released)


@pytest.mark.parametrize("name, binary, compression", [("v.bin", True, None),
                                                      ("v.txt.gz", False, "gz"),
                                                      ("v.bin.bz2", True, "bz2")])
def test_load_word2vec_says_what_it_read(tmp_path, name, binary, compression):
    keys, vectors = make_data(count=5, dim=3)
    path = tmp_path / name
    write_word2vec(path, keys, vectors, binary=binary)
    result = formats.load_word2vec(path)
    assert (result.binary, result.compression) == (binary, compression)
    assert_same(keys, vectors, result.keys, result.vectors)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_words_decoded_in_batches(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(formats, "_WORDS_PER_BATCH", 7)
    keys, vectors = make_data(count=100, dim=3)
    raw = [k.encode() for k in keys]
    raw[60] = b"x\xff"
    data = b"100 3\n" + b"".join(w + b" " + row.astype("<f4").tobytes() + b"\n"
                                 for w, row in zip(raw, vectors))
    path = tmp_path / ("v" + suffix)
    path.write_bytes(gzip.compress(data) if suffix else data)
    offset = data.index(b"\nx\xff ") + 1
    _expect_error(path, "byte offset %d" % offset, "word 61", unicode_errors="strict")
    with pytest.warns(formats.NonUTF8Warning, match="byte offset %d: word 61" % offset):
        got_keys, got = read_word2vec(path)
    assert [k.encode("utf-8", "surrogateescape") for k in got_keys] == raw
    assert np.array_equal(bits(got), bits(vectors))


# -- any bytes at all -------------------------------------------------------------------------


def _damaged(data):
    """Strategies for vectors files: random bytes, real headers with junk, truncated valid files
    (binary, text, gzip), valid gzip with a flipped byte, compressed magic with junk."""
    from hypothesis import strategies as st

    def flip(blob, at, mask):
        at %= len(blob)
        return blob[:at] + bytes([blob[at] ^ mask]) + blob[at + 1:]

    headers = [b"3 4\n", b"1 1\n", b"2 100000000000\n", b"99999999999999 99999999\n",
               b"9" * 19 + b" 2\n", b"0 3\n"]
    return st.one_of(
        st.binary(max_size=300),
        st.builds(bytes.__add__, st.sampled_from(headers), st.binary(max_size=200)),
        *[st.builds(lambda n, blob=blob: blob[:n], st.integers(0, len(blob))) for blob in data],
        *[st.builds(flip, st.just(blob), st.integers(0, 10**6), st.integers(1, 255))
          for blob in data],
        st.builds(bytes.__add__, st.sampled_from([b"\x1f\x8b\x08", b"BZh9", b"\xfd7zXZ\x00",
                                                  b"\x28\xb5\x2f\xfd"]),
                  st.binary(max_size=200)),
    )


def test_random_bytes_raise_format_error_never_anything_else(tmp_path):
    """Whatever the bytes, from a file or from stdin, the loader returns vectors or raises its
    own FormatError: no other exception, no giant allocation from a lying header."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    keys, vectors = make_data(count=4, dim=3)
    write_word2vec(tmp_path / "v.bin", keys, vectors, binary=True)
    write_word2vec(tmp_path / "v.txt", keys, vectors, binary=False)
    valid = [(tmp_path / "v.bin").read_bytes(), (tmp_path / "v.txt").read_bytes()]
    valid.append(gzip.compress(valid[1]))
    path = tmp_path / "x"

    @settings(max_examples=400, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(_damaged(valid), st.sampled_from([None, True, False]), st.sampled_from([None, 2]))
    def check(blob, binary, limit):
        path.write_bytes(blob)
        for source in (str(path), "-"):
            saved = sys.stdin
            sys.stdin = type("Stdin", (), {"buffer": io.BufferedReader(io.BytesIO(blob))})()
            try:
                keys, vectors = read_word2vec(source, binary=binary, limit=limit)
                assert vectors.dtype == np.float32 and vectors.shape[0] == len(keys)
            except FormatError:
                pass
            except MissingDependency:  # zstd data without the zstd package: says what to install
                assert blob.startswith(b"\x28\xb5\x2f\xfd")
            finally:
                sys.stdin = saved

    check()


# -- text files without a header line (GloVe) ----------------------------------------------------


def _headerless(tmp_path, keys, vectors, name="glove.txt"):
    write_word2vec(tmp_path / "full.txt", keys, vectors, binary=False)
    data = (tmp_path / "full.txt").read_bytes().split(b"\n", 1)[1]
    (tmp_path / name).write_bytes(data)
    return tmp_path / name, data


def test_text_without_a_header_line_is_detected(tmp_path):
    keys, vectors = make_data(count=20, dim=5)
    path, data = _headerless(tmp_path, keys, vectors)
    read = formats.load_word2vec(path)
    assert (read.binary, read.header) == (False, False)
    assert_same(keys, vectors, read.keys, read.vectors)
    assert_same(keys[:3], vectors[:3], *read_word2vec(path, limit=3))
    # Compressed, from a stream, a blank line at the end: the same.
    (tmp_path / "g.gz").write_bytes(gzip.compress(data + b"\n\n"))
    assert_same(keys, vectors, *read_word2vec(tmp_path / "g.gz"))
    # Told there is no header (no_header=True), or that there must be one.
    assert formats.load_word2vec(path, no_header=True).header is False
    with pytest.raises(FormatError, match="line 1: bad header 'w0 "):
        formats.load_word2vec(path, no_header=False)


def test_a_headerless_file_with_a_bad_row_names_its_line(tmp_path):
    (tmp_path / "g.txt").write_bytes(b"the 0.1 0.2\nof 0.3\n")
    with pytest.raises(FormatError, match=r"g.txt: line 2: expected 2 values after the word, "
                                          r"found 1"):
        read_word2vec(tmp_path / "g.txt")


def test_a_headerless_file_shorter_than_the_limit_gives_only_its_rows(tmp_path):
    """A limit beyond a headerless file's rows is a limit, not a row count (hypothesis found
    b"a 0" with limit 2 giving one word and two rows, the second uninitialised)."""
    (tmp_path / "g.txt").write_bytes(b"a 0.5\nb 1.5\n")
    for limit in (3, 10 ** 9):
        keys, vectors = read_word2vec(tmp_path / "g.txt", limit=limit)
        assert keys == ["a", "b"] and vectors.tolist() == [[0.5], [1.5]]
    keys, vectors = read_word2vec(tmp_path / "g.txt", limit=1)
    assert keys == ["a"] and vectors.tolist() == [[0.5]]


def test_a_line_of_integers_is_a_damaged_header_not_a_headerless_row(tmp_path):
    (tmp_path / "v.txt").write_bytes(b"3 4 5\na 1 2 3 4 5\n")
    with pytest.raises(FormatError, match="line 1: bad header '3 4 5'"):
        read_word2vec(tmp_path / "v.txt")


# -- what a file that is not a vectors file is said to be -----------------------------------------


@pytest.mark.parametrize("data, message", [
    (b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x08gensim", "a Python pickle (a gensim "
     "model? export its vectors with model.wv.save_word2vec_format('vectors.bin', binary=True))"),
    (b"\x93NUMPY\x01\x00v\x00{'descr'", "a numpy .npy array: w2vns needs the words too (a "
     "word2vec file, or a .w2vns folder holding vectors.npy)"),
    (b"PK\x03\x04\x14\x00\x00\x00", "a zip archive: unzip it first"),
])
def test_files_of_other_kinds_are_named(tmp_path, data, message):
    (tmp_path / "x").write_bytes(data + bytes(range(256)))
    with pytest.raises(FormatError) as caught:
        read_word2vec(tmp_path / "x")
    assert str(caught.value) == "%s: %s" % (tmp_path / "x", message)


def test_a_bad_header_is_shown_in_at_most_about_80_characters(tmp_path):
    for data in (b"x" * 5000 + b"\n", bytes(range(11, 256)) * 20, "é".encode() * 3000):
        (tmp_path / "x").write_bytes(data)
        with pytest.raises(FormatError) as caught:
            read_word2vec(tmp_path / "x")
        shown = str(caught.value).split("bad header ", 1)[1].split("; expected")[0]
        assert len(shown) <= 80 and shown.endswith("...'"), shown
