"""Tests for the memory-mapped w2vns vectors folder (w2vns.native) and KeyedVectors.save/load."""
import json
import os
import re
import tempfile

import numpy as np
import pytest

from w2vns.vectors import native
from w2vns.vectors.formats import FormatError, NonUTF8Warning
from w2vns.vectors.keyed import KeyedVectors, convert, format_for_path


# The fixture holds a word that is not UTF-8 on purpose; reading it back warns each time.
pytestmark = pytest.mark.filterwarnings("ignore::w2vns.vectors.formats.NonUTF8Warning")


LATIN1 = b"caf\xe9".decode("utf-8", "surrogateescape")


def bits(array):
    return np.ascontiguousarray(array, dtype=np.float32).view(np.uint32)


@pytest.fixture
def kv():
    rng = np.random.default_rng(4)
    keys = ["w%d" % i for i in range(300)]
    keys[1], keys[2] = "日本語", LATIN1
    vectors = rng.standard_normal((300, 12)).astype(np.float32)
    vectors[5] = 0
    return KeyedVectors(keys, vectors, counts=np.arange(1000, 700, -1))


def test_layout_is_plain_npy_and_one_word_per_line(tmp_path, kv):
    path = tmp_path / "v.w2vns"
    kv.save(path)
    assert sorted(os.listdir(path)) == ["counts.npy", "meta.json", "norms.npy", "vectors.npy",
                                        "vocab.txt"]
    meta = json.loads((path / "meta.json").read_text())
    assert meta["format"] == "w2vns-vectors" and meta["version"] == 1
    assert (meta["count"], meta["dim"]) == (300, 12)
    assert np.array_equal(bits(np.load(path / "vectors.npy")), bits(kv.vectors))
    assert np.array_equal(np.load(path / "norms.npy"), np.linalg.norm(kv.vectors, axis=1))
    assert np.array_equal(np.load(path / "counts.npy"), kv.counts)
    lines = (path / "vocab.txt").read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 301
    assert lines[1] == "日本語".encode() and lines[2] == b"caf\xe9"  # the original bytes


def test_load_is_memory_mapped_and_read_only(tmp_path, kv):
    path = tmp_path / "v.w2vns"
    kv.save(path)
    loaded = KeyedVectors.load(path)
    assert loaded.index_to_key == kv.index_to_key
    assert np.array_equal(bits(loaded.vectors), bits(kv.vectors))
    assert np.array_equal(loaded.counts, kv.counts)
    base = loaded.vectors
    while not isinstance(base, np.memmap) and base.base is not None:
        base = base.base
    assert isinstance(base, np.memmap)
    assert not loaded.vectors.flags.writeable
    assert loaded.source == {"path": str(path), "format": "w2vns", "compression": None,
                             "mmap": True}
    assert loaded.most_similar("w7", topn=5) == kv.most_similar("w7", topn=5)
    in_memory = KeyedVectors.load(path, mmap=False)
    assert in_memory.vectors.flags.writeable and not in_memory.source["mmap"]


def test_norms_are_read_not_recomputed(tmp_path, kv, monkeypatch):
    path = tmp_path / "v.w2vns"
    kv.save(path)

    def boom(*args, **kwargs):
        raise AssertionError("norms recomputed")

    monkeypatch.setattr(native, "row_norms", boom)
    loaded = KeyedVectors.load(path)
    assert loaded.most_similar("w3", topn=3)
    assert loaded.similarity("w3", "w5") == 0.0  # a zero vector


def test_limit(tmp_path, kv):
    path = tmp_path / "v.w2vns"
    kv.save(path)
    first = KeyedVectors.load(path, limit=10)
    assert first.index_to_key == kv.index_to_key[:10] and first.vectors.shape == (10, 12)
    assert len(first.norms) == 10 and len(first.counts) == 10


def test_without_counts_and_empty(tmp_path):
    path = tmp_path / "v.w2vns"
    KeyedVectors(["a", "b"], np.eye(2)).save(path)
    assert not (path / "counts.npy").exists()
    assert KeyedVectors.load(path).counts is None
    empty = tmp_path / "e.w2vns"
    native.save_native(empty, [], np.zeros((0, 4)))
    loaded = KeyedVectors.load(empty)
    assert len(loaded) == 0 and loaded.vector_size == 4


def test_save_replaces_a_previous_folder_atomically(tmp_path, kv):
    path = tmp_path / "v.w2vns"
    KeyedVectors(["old"], np.ones((1, 3))).save(path)
    kv.save(path)
    assert KeyedVectors.load(path).index_to_key == kv.index_to_key
    assert os.listdir(tmp_path) == ["v.w2vns"]  # no temporary folders left


def test_save_refuses_to_replace_something_else(tmp_path, kv):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"meow")
    plain = tmp_path / "notes.w2vns"
    plain.write_text("keep me")
    for target in (folder, plain):
        with pytest.raises(FileExistsError):
            kv.save(target)
    assert (folder / "cat.jpg").read_bytes() == b"meow" and plain.read_text() == "keep me"
    assert sorted(os.listdir(tmp_path)) == ["notes.w2vns", "photos"]


def test_a_folder_that_cannot_be_made_is_reported_under_the_targets_name(tmp_path, kv,
                                                                         monkeypatch):
    def refuse(**kwargs):
        raise PermissionError(13, "Permission denied",
                              os.path.join(kwargs["dir"], ".v.w2vns.x1y2.tmp"))

    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    with pytest.raises(PermissionError) as info:
        kv.save(tmp_path / "v.w2vns")
    assert info.value.filename == str(tmp_path / "v.w2vns")
    assert info.value.strerror == "cannot create a folder in %s: Permission denied" % tmp_path


def test_failed_save_leaves_nothing(tmp_path, kv, monkeypatch):
    def failing(path, array):
        raise OSError("disk full")

    monkeypatch.setattr(native, "_save_npy", failing)
    with pytest.raises(OSError):
        kv.save(tmp_path / "v.w2vns")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("damage, message", [
    (lambda p: (p / "meta.json").unlink(), "no meta.json"),
    (lambda p: (p / "meta.json").write_text("{nope"), "JSON"),
    (lambda p: (p / "meta.json").write_text('{"format": "other"}'), "format"),
    (lambda p: (p / "meta.json").write_text(
        '{"format": "w2vns-vectors", "version": 9, "count": 1, "dim": 1}'), "version 9"),
    (lambda p: (p / "vectors.npy").unlink(), "vectors.npy: missing"),
    (lambda p: (p / "vectors.npy").write_bytes((p / "vectors.npy").read_bytes()[:200]),
     "vectors.npy"),
    (lambda p: np.save(p / "vectors.npy", np.zeros((300, 11), dtype=np.float32)),
     "expected float32 (300, 12)"),
    (lambda p: np.save(p / "norms.npy", np.zeros(300)), "norms.npy"),
    (lambda p: (p / "vocab.txt").write_bytes(b"a\nb\n"), "2 words"),
    (lambda p: (p / "vocab.txt").write_bytes(b"a"), "truncated"),
])
def test_damaged_folder_is_a_format_error_naming_the_file(tmp_path, kv, damage, message):
    path = tmp_path / "v.w2vns"
    kv.save(path)
    damage(path)
    with pytest.raises(FormatError, match=re.escape(message)) as info:
        KeyedVectors.load(path)
    assert str(path) in str(info.value)


def test_a_folder_that_is_not_ours(tmp_path):
    with pytest.raises(FormatError,
                       match="neither a w2vns vectors folder .no meta.json. nor a saved model"):
        KeyedVectors.load(tmp_path)


# -- format_for_path and convert ---------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("v.w2vns", "w2vns"), ("v.w2vns/", "w2vns"), ("V.BIN", "binary"), ("v", "binary"),
    ("v.bin.gz", "binary"), ("v.txt", "text"), ("v.vec", "text"), ("v.txt.gz", "text"),
    ("v.vec.bz2", "text"), ("-", "text"), ("v.txt.xz", "text"), ("v.vec.zst", "text"),
    ("v.bin.zst", "binary")])
def test_format_for_path(name, expected):
    assert format_for_path(name) == expected
    assert format_for_path(name, "binary") == "binary"
    with pytest.raises(ValueError):
        format_for_path(name, "pickle")


@pytest.mark.parametrize("name, fmt, message", [
    ("-", "w2vns", "a w2vns folder cannot be written to stdout"),
    ("v.w2vns.gz", None, "v.w2vns.gz: a w2vns folder cannot be compressed; name it v.w2vns"),
    ("v.gz", "w2vns", "v.gz: a w2vns folder cannot be compressed; name it v"),
])
def test_formats_that_cannot_be_written_there(name, fmt, message):
    with pytest.raises(ValueError, match=message):
        format_for_path(name, fmt)


def test_save_as_writes_what_the_name_asks_for(tmp_path, kv):
    assert kv.save_as(tmp_path / "a.w2vns") == "w2vns"
    assert kv.save_as(tmp_path / "b.txt.xz") == "text"
    assert kv.save_as(tmp_path / "c") == "binary"
    assert kv.save_as(tmp_path / "d", "text") == "text"
    assert (tmp_path / "b.txt.xz").read_bytes()[:6] == b"\xfd7zXZ\x00"
    for name in ("a.w2vns", "b.txt.xz", "c", "d"):
        assert KeyedVectors.load(tmp_path / name).index_to_key == kv.index_to_key


def test_format_for_path_recognises_an_existing_folder(tmp_path):
    path = tmp_path / "model"
    KeyedVectors(["a"], np.ones((1, 2))).save(path)
    assert format_for_path(path) == "w2vns"


def test_convert_chain_keeps_values_exactly(tmp_path, kv):
    start = tmp_path / "start.bin"
    kv.save_word2vec_format(start)
    chain = [start, tmp_path / "a.w2vns", tmp_path / "b.txt.gz", tmp_path / "c.vec",
             tmp_path / "d.bin.bz2", tmp_path / "e.w2vns"]
    for source, target in zip(chain, chain[1:]):
        convert(source, target)
    for path in chain:
        loaded = KeyedVectors.load(path)
        assert loaded.index_to_key == kv.index_to_key
        assert np.array_equal(bits(loaded.vectors), bits(kv.vectors))
    assert (tmp_path / "b.txt.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert (tmp_path / "c.vec").read_bytes().startswith(b"300 12\n")


def test_convert_with_limit_and_explicit_format(tmp_path, kv):
    start = tmp_path / "start.w2vns"
    kv.save(start)
    convert(start, tmp_path / "out", fmt="text", limit=7)
    assert (tmp_path / "out").read_bytes().startswith(b"7 12\nw0 ")
    convert(tmp_path / "out", tmp_path / "small.w2vns", limit=3)
    assert KeyedVectors.load(tmp_path / "small.w2vns").index_to_key == kv.index_to_key[:3]


def test_non_utf8_words_keep_their_bytes_through_the_folder(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"2 2\ncaf\xe9 1 2\nok 3 4\n")
    with pytest.warns(NonUTF8Warning):
        convert(path, tmp_path / "v.w2vns")
    assert (tmp_path / "v.w2vns" / "vocab.txt").read_bytes() == b"caf\xe9\nok\n"
    convert(tmp_path / "v.w2vns", tmp_path / "back.txt")
    assert (tmp_path / "back.txt").read_bytes() == path.read_bytes()


def test_gensim_reads_the_npy_and_the_vocab(tmp_path, kv):
    # The folder is plain files: anything that reads .npy and lines of text can use it.
    path = tmp_path / "v.w2vns"
    kv.vectors[5] = 1  # gensim divides by zero norms
    kv.vectors = kv.vectors
    kv.save(path)
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(vector_size=12)
    words = (path / "vocab.txt").read_bytes().decode("utf-8", "surrogateescape").splitlines()
    theirs.add_vectors(words, np.load(path / "vectors.npy"))
    expected, got = kv.most_similar("w9", topn=5), theirs.most_similar("w9", topn=5)
    assert [w for w, _ in got] == [w for w, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected])


# -- the lazily decoded vocabulary -------------------------------------------------------------


def test_vocabulary_finds_and_decodes_words_on_demand():
    vocab = native.Vocabulary("a\nbb\n日本\ncaf".encode() + b"\xe9\nbb\nlast\n")
    assert len(vocab) == 6
    assert [vocab.word(i) for i in range(6)] == ["a", "bb", "日本", LATIN1, "bb", "last"]
    assert vocab.find("a") == 0 and vocab.find("last") == 5 and vocab.find("日本") == 2
    assert vocab.find("bb") == 1  # the first occurrence
    assert vocab.find(LATIN1) == 3
    for missing in ("b", "", "a\nbb", "bb\n", "zz", 3):
        assert vocab.find(missing) is None
    assert vocab.keys() == ["a", "bb", "日本", LATIN1, "bb", "last"]
    assert vocab.keys(2) == ["a", "bb"] and vocab.keys(0) == []
    assert vocab.head(3).keys() == ["a", "bb", "日本"] and len(vocab.head(0)) == 0
    assert len(native.Vocabulary(b"")) == 0 and native.Vocabulary(b"").keys() == []


def test_folder_keys_are_decoded_only_when_the_list_is_wanted(tmp_path, kv):
    path = tmp_path / "v.w2vns"
    kv.save(path)
    loaded = KeyedVectors.load(path)
    assert loaded.most_similar("w7", topn=3) == kv.most_similar("w7", topn=3)
    assert "w299" in loaded and "nope" not in loaded and loaded.get_index(LATIN1) == 2
    assert loaded.describe(top=2)["most_frequent"][1]["word"] == "日本語"
    assert loaded._index_to_key is None  # none of that needed the list
    assert loaded.index_to_key == kv.index_to_key
    assert loaded.key_to_index["w10"] == 10
    for _ in range(20):
        assert loaded.get_index("w299") == 299
