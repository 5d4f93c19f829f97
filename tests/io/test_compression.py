"""The one compression rule: the content decides when reading, the name when writing."""
import bz2
import gzip
import io
import lzma
import sys

import pytest

from w2vns.io import compression
from w2vns.io.errors import CompressedDataError, MissingDependency
from w2vns.io.files import open_input, open_output

PAYLOAD = b"the cat sat on the mat\n" * 200


def zstd_compress(data):
    from backports import zstd  # (the zst extra; Python >= 3.14 has compression.zstd)

    return zstd.compress(data)


def _zstd_or_skip():
    for module in ("compression.zstd", "backports.zstd", "zstandard"):
        try:
            __import__(module)
            return
        except ImportError:
            pass
    pytest.skip("no zstd module (pip install 'w2vns[zst]')")


def _compress(kind, data):
    if kind == "zstd":
        _zstd_or_skip()
        try:
            return zstd_compress(data)
        except ImportError:
            import zstandard

            return zstandard.ZstdCompressor().compress(data)
    return {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}[kind](data)


KINDS = ["gzip", "bzip2", "xz", "zstd"]
SUFFIX = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "zstd": ".zst"}


@pytest.mark.parametrize("kind", KINDS)
def test_magic_bytes_name_the_compression(kind):
    assert compression.from_magic(_compress(kind, PAYLOAD)) == kind


def test_text_is_not_mistaken_for_compressed_data():
    for text in (b"BZh is a word\n", b"BZh", b"", b"\x1f", b"plain text\n"):
        assert compression.from_magic(text) is None


def test_names_decide_when_writing():
    assert [compression.from_name(n) for n in ("a.gz", "A.BZ2", "b.txt.xz", "c.zst", "d.txt",
                                               "gz")] == ["gzip", "bzip2", "xz", "zstd", None,
                                                          None]
    assert compression.strip_suffix("vec.txt.gz") == "vec.txt"
    assert compression.strip_suffix("vec.txt") == "vec.txt"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("naming", ["by-extension", "no-extension", "misleading-extension"])
def test_open_input_reads_compressed_files_whatever_their_name(tmp_path, kind, naming):
    name = {"by-extension": "corpus.txt" + SUFFIX[kind], "no-extension": "corpus",
            "misleading-extension": "corpus.txt" + (".xz" if kind == "gzip" else ".gz")}[naming]
    path = tmp_path / name
    path.write_bytes(_compress(kind, PAYLOAD))
    with open_input(str(path)) as source:
        assert source.compression == kind
        assert source.plain_file is None
        assert source.read() == PAYLOAD
        assert source.position() == path.stat().st_size  # progress follows the raw bytes


def test_a_plain_file_under_a_compressed_name_reads_as_plain(tmp_path):
    path = tmp_path / "corpus.txt.gz"
    path.write_bytes(PAYLOAD)
    with open_input(str(path)) as source:
        assert source.compression is None and source.plain_file is not None
        assert list(source) == PAYLOAD.splitlines(keepends=True)


@pytest.mark.parametrize("kind", [None] + KINDS)
def test_open_input_reads_compressed_stdin(monkeypatch, kind):
    data = PAYLOAD if kind is None else _compress(kind, PAYLOAD)
    stdin = io.BufferedReader(io.BytesIO(data))
    monkeypatch.setattr(sys, "stdin", type("Stdin", (), {"buffer": stdin})())
    with open_input("-") as source:
        assert source.name == "<stdin>" and source.compression == kind
        assert source.read() == PAYLOAD
    assert not stdin.closed  # stdin belongs to the process


def test_stdin_with_fewer_bytes_than_a_magic_number(monkeypatch):
    for data in (b"", b"a", b"\x1f", b"BZ"):
        monkeypatch.setattr(sys, "stdin", type("Stdin", (), {
            "buffer": io.BufferedReader(io.BytesIO(data))})())
        with open_input("-") as source:
            assert source.read() == data


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_compressed_data_is_one_error_naming_the_input(tmp_path, kind):
    data = _compress(kind, PAYLOAD * 20)
    path = tmp_path / "cut"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(CompressedDataError, match=r"cut: damaged or truncated %s data" % kind):
        with open_input(str(path)) as source:
            source.read()


@pytest.mark.parametrize("kind", KINDS)
def test_open_output_compresses_by_name_and_open_input_reads_it_back(tmp_path, kind):
    if kind == "zstd":
        _zstd_or_skip()
    path = tmp_path / ("out.txt" + SUFFIX[kind])
    with open_output(str(path), "w") as out:
        out.write("héllo\n")
    assert compression.from_magic(path.read_bytes()) == kind
    with open_input(str(path)) as source:
        assert source.read().decode("utf-8") == "héllo\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_gzip_output_records_the_target_name_not_a_temporary_one(tmp_path):
    path = tmp_path / "vocab.tsv.gz"
    with open_output(str(path)) as out:
        out.write(b"x\t1\n")
    header = path.read_bytes()[:40]
    assert b"vocab.tsv\x00" in header and b".tmp" not in header


def test_open_output_dash_is_stdout(capsysbinary):
    with open_output("-") as out:
        out.write(b"\x00binary is fine\n")
    with open_output("-", "w") as out:
        out.write("text too\n")
    assert capsysbinary.readouterr().out == b"\x00binary is fine\ntext too\n"


def test_zstd_without_a_zstd_module_says_what_to_install(tmp_path, monkeypatch):
    _zstd_or_skip()
    path = tmp_path / "corpus"
    path.write_bytes(_compress("zstd", PAYLOAD))
    for module in ("compression.zstd", "backports.zstd", "zstandard"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingDependency, match=r"corpus is zstd-compressed: reading it needs "
                                                r"zstd support: pip install 'w2vns\[zst\]'"):
        open_input(str(path))
    with pytest.raises(MissingDependency, match="pip install 'w2vns"):
        with open_output(str(tmp_path / "out.zst")):
            pass
    assert not (tmp_path / "out.zst").exists()


def test_archives_that_are_not_read_are_named():
    assert compression.unsupported(b"PK\x03\x04rest") == "a zip archive: unzip it first"
    assert compression.unsupported(b"plain") is None


def test_a_failed_write_names_the_target_never_the_temporary_file(tmp_path, monkeypatch):
    import errno
    import os as os_module

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", src)

    monkeypatch.setattr(os_module, "replace", full)
    target = tmp_path / "vectors.txt.gz"
    with pytest.raises(OSError) as caught:
        with open_output(str(target)) as out:
            out.write(b"data")
    assert caught.value.filename == str(target)
    assert os_module.listdir(tmp_path) == []
