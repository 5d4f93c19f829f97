"""Compression: the one rule every reader and writer of w2vns follows.

* Reading: the data's first bytes (magic numbers) decide, never the name, so a compressed file
  reads correctly whatever it is called (``corpus``, ``corpus.txt``, ``x.gz.part``), stdin and
  URLs included, and a plain file under a compressed name reads as plain.
* Writing: the name decides (``.gz``, ``.bz2``, ``.xz``, ``.zst``); anything else is plain.

gzip, bzip2 and xz come with Python. zstd needs ``compression.zstd`` (Python >= 3.14) or its
backport ``backports.zstd`` (``pip install 'w2vns[zst]'``, what smart_open uses too), or the
older ``zstandard`` package; without one of them a zstd input or output is a
:class:`MissingDependency` error that says what to install.
"""
import bz2
import gzip
import importlib
import io
import lzma
import os
import sys
import zlib

from .errors import CompressedDataError, MissingDependency

__all__ = ["KINDS", "SUFFIXES", "from_magic", "from_name", "strip_suffix", "unsupported",
           "reader", "writer", "READ_ERRORS"]


class Kind:
    """A compression format: its name, file suffix, magic bytes and command-line tools."""

    def __init__(self, name, suffix, magic, cat):
        self.name, self.suffix, self.magic, self.cat = name, suffix, magic, cat

    def __repr__(self):
        return "<compression %s>" % self.name


#: gzip's magic is followed by the method byte 8 (deflate); bzip2's "BZh" by the block size
#: '1'..'9', checked in from_magic so that a text file starting with "BZh" stays text.
KINDS = {k.name: k for k in (Kind("gzip", ".gz", b"\x1f\x8b\x08", "zcat"),
                             Kind("bzip2", ".bz2", b"BZh", "bzcat"),
                             Kind("xz", ".xz", b"\xfd7zXZ\x00", "xzcat"),
                             Kind("zstd", ".zst", b"\x28\xb5\x2f\xfd", "zstdcat"))}
SUFFIXES = {k.suffix: k.name for k in KINDS.values()}
#: Bytes of a stream's start that from_magic needs at most.
MAGIC_BYTES = max(len(k.magic) for k in KINDS.values()) + 1


def from_magic(head):
    """The compression (a name in KINDS) whose magic bytes start ``head``, or None."""
    head = bytes(head[:MAGIC_BYTES])
    for kind in KINDS.values():
        if head.startswith(kind.magic):
            if kind.name == "bzip2" and not (len(head) > 3 and 0x31 <= head[3] <= 0x39):
                continue
            return kind.name
    return None


#: Archives and compressions that are not read, by their magic bytes: what to tell the user.
_UNSUPPORTED = ((b"PK\x03\x04", "a zip archive: unzip it first"),
                (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: extract it first"),
                (b"\x04\x22\x4d\x18", "lz4-compressed: pipe it through lz4cat"))


def unsupported(head):
    """What ``head`` is, when it starts an archive or compression that w2vns does not read
    ("a zip archive: unzip it first"), else None."""
    for magic, what in _UNSUPPORTED:
        if bytes(head[:len(magic)]) == magic:
            return what
    return None


def could_be_magic(head):
    """Whether ``head`` is too short to tell: it is a proper prefix of some magic bytes (an
    empty head included). A reader with so few bytes reads on before deciding."""
    head = bytes(head)
    return any(len(head) < len(k.magic) + (k.name == "bzip2") and
               (k.magic + b"1").startswith(head) for k in KINDS.values())


def from_name(path):
    """The compression a file name asks for by its suffix (".gz" -> "gzip"), or None."""
    lower = os.fspath(path).lower()
    for suffix, name in SUFFIXES.items():
        if lower.endswith(suffix):
            return name
    return None


def strip_suffix(path):
    """``path`` without a compression suffix ("vec.txt.gz" -> "vec.txt")."""
    path = os.fspath(path)
    kind = from_name(path)
    return path[:-len(KINDS[kind].suffix)] if kind else path


def _zstd_module(what, hint=""):
    """The zstd module with the ZstdFile API (Python 3.14's or its backport), or None if only
    the ``zstandard`` package is there; MissingDependency if neither is."""
    for name in ("compression.zstd", "backports.zstd"):  # Python >= 3.14, then the backport
        try:
            return importlib.import_module(name)
        except ImportError:
            pass
    try:
        importlib.import_module("zstandard")  # the older package (smart_open < 7.1 used it)
        return None
    except ImportError:
        pass
    raise MissingDependency("%s needs zstd support: pip install 'w2vns[zst]' (the "
                            "backports.zstd package)%s" % (what, hint))


def reader(kind, raw, name="input"):
    """A binary stream of the data decompressed from the binary stream ``raw`` (which the
    reader does not close). Decompression errors raise CompressedDataError naming ``name``.
    """
    if kind == "gzip":
        inner = gzip.GzipFile(fileobj=raw, mode="rb")
    elif kind == "bzip2":
        inner = bz2.BZ2File(raw, "rb")
    elif kind == "xz":
        inner = lzma.LZMAFile(raw, "rb")
    elif kind == "zstd":
        module = _zstd_module("%s is zstd-compressed: reading it" % name,
                              ", or pipe it through zstdcat")
        if module is not None:
            inner = module.ZstdFile(raw, "rb")
        else:
            zstandard = importlib.import_module("zstandard")
            inner = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True,
                                                               closefd=False)
    else:
        raise ValueError("unknown compression %r" % (kind,))
    return io.BufferedReader(_Checked(inner, kind, name), 1 << 16)


#: What the decompressors raise on damaged or truncated data.
READ_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)


class _Checked(io.RawIOBase):
    """A decompressing stream whose errors become CompressedDataError (one kind of error for
    every format: gzip raises OSError or EOFError, xz LZMAError, zstd its own)."""

    def __init__(self, inner, kind, name):
        super().__init__()
        self._inner, self._kind, self._name = inner, kind, name
        self._errors = READ_ERRORS + _zstd_errors()

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            if hasattr(self._inner, "readinto"):
                return self._inner.readinto(buffer)
            data = self._inner.read(len(buffer))
        except self._errors as err:
            if isinstance(err, (BrokenPipeError, PermissionError, FileNotFoundError)):
                raise
            raise CompressedDataError("%s: damaged or truncated %s data (%s)"
                                      % (self._name, self._kind, err or type(err).__name__)) \
                from None
        buffer[:len(data)] = data
        return len(data)

    def close(self):
        if not self.closed:
            self._inner.close()
        super().close()


def _zstd_errors():
    """The exception classes of whichever zstd module is loaded (none if none is)."""
    errors = []
    for module in ("compression.zstd", "backports.zstd", "zstandard"):
        found = getattr(sys.modules.get(module), "ZstdError", None)
        if isinstance(found, type):
            errors.append(found)
    return tuple(errors)


def writer(kind, raw, level=None, name=""):
    """A binary stream that compresses into the binary stream ``raw``; closing it writes the
    trailer but leaves ``raw`` open. ``level`` None takes each format's usual default;
    ``name`` is stored in the gzip header (the file name without .gz) instead of a temporary
    file's name."""
    if kind == "gzip":
        # mtime=0: the same data gives the same bytes.
        return gzip.GzipFile(filename=name, mode="wb", fileobj=raw,
                             compresslevel=6 if level is None else level, mtime=0)
    if kind == "bzip2":
        return bz2.BZ2File(raw, "wb", compresslevel=9 if level is None else level)
    if kind == "xz":
        return lzma.LZMAFile(raw, "wb", preset=level)
    if kind == "zstd":
        module = _zstd_module("writing %s.zst (zstd-compressed, by its name)" % name,
                              ", or give it another name")
        if module is not None:
            return module.ZstdFile(raw, "wb", level=level)
        zstandard = importlib.import_module("zstandard")
        return zstandard.ZstdCompressor(level=3 if level is None else level).stream_writer(
            raw, closefd=False)
    raise ValueError("unknown compression %r" % (kind,))
