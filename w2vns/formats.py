"""Reading and writing word vectors in the word2vec formats (binary and text).

Both formats start with a header line ``"<V> <d>\\n"`` (vocabulary size, dimension).

* binary: per word, the word's bytes, one space, ``d`` little-endian float32 values and
  ``"\\n"``.  The reader also accepts files whose vectors are not followed by ``"\\n"`` (gensim
  writes them that way) and skips whitespace before each word.
* text: per word, ``word v1 ... vd`` and ``"\\n"``.  The reader accepts any run of spaces or tabs
  between fields, ``"\\r\\n"`` line ends, and the trailing space that fastText ``.vec`` files put
  before each newline.  The writer uses ``%.9g``-style numbers, which round-trip every float32
  exactly.

Words are raw bytes in the files.  They are decoded as UTF-8 with ``errors="surrogateescape"``
and encoded back the same way, so any byte sequence - valid UTF-8 or not - survives a
read/write round trip unchanged (invalid bytes show up as lone surrogates U+DC80..U+DCFF in the
``str`` keys).  A word may not be empty or contain ASCII whitespace, since whitespace delimits
words in both formats.

Compression follows the file name when writing (``.gz``, ``.bz2``, ``.xz``) and the file's magic
bytes when reading, so a compressed file is read correctly whatever its name.  ``"-"`` means
stdin for reading and stdout (always text) for writing.

Every file write goes through :func:`w2vns.atomic.atomic_output`: the data is written to a
temporary file beside the target and renamed when complete, so a crash or Ctrl-C never leaves a
truncated file under the final name.

Malformed input raises :class:`FormatError` (a ``ValueError``) whose message names the file and
the line number (text) or byte offset (binary) of the problem.
"""
import bz2
import collections
import concurrent.futures
import contextlib
import gzip
import io
import lzma
import mmap
import os
import re
import stat
import sys
import warnings
import zlib

import numpy as np

from .atomic import atomic_output

__all__ = ["FormatError", "read_word2vec", "write_word2vec", "open_binary", "open_output"]

# Magic bytes of the compressed formats we read transparently.
_MAGIC = ((b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"))
_OPENERS = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}

# The bytes that bytes.split() treats as whitespace; no word may contain them.
_WHITESPACE = b" \t\n\r\x0b\x0c"
# Bytes that can appear in the numeric part of a text row ("1.5e-3", "-inf", "NaN", "\r").
_TEXT_NUMBER_BYTES = b"0123456789+-.eEnNaAiIfFtTyY \t\r"
# A word longer than this with no space after it means the file is not what we think it is.
_MAX_WORD_BYTES = 1 << 20
# Text rows are parsed in blocks of about this many bytes (bounds the temporary memory).
_TEXT_BLOCK_BYTES = 1 << 24
# Values formatted per block by the text writer: small blocks keep the temporaries in cache.
_WRITE_BLOCK_VALUES = 1 << 15
_FLOAT_TOKEN = re.compile(
    rb"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)\Z", re.IGNORECASE)


class FormatError(ValueError):
    """A vectors file is malformed; the message names the file and the line or byte offset."""


class _NeedMore(Exception):
    """Internal: a parser ran out of data that the stream has not delivered yet."""


# ----------------------------------------------------------------------------------------------
# Opening files


def _compression_of_name(path):
    """The compression implied by a file name's extension ("gz", "bz2", "xz") or None."""
    lower = os.fspath(path).lower()
    for ext in ("gz", "bz2", "xz"):
        if lower.endswith("." + ext):
            return ext
    return None


def _compression_of_magic(head):
    """The compression whose magic bytes start ``head``, or None for plain data."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def open_binary(path, mode="rb"):
    """Open ``path`` for reading bytes, decompressing gzip, bzip2 or xz transparently.

    The compression is recognised by the file's magic bytes, so a compressed file is read
    correctly whatever its name (and a plain file named ``.gz`` is read as plain).  ``"-"``
    reads stdin (which is not closed when the returned object is).  Only reading is supported:
    to write, use :func:`open_output`, which writes atomically.
    """
    if mode not in ("rb", "r"):
        raise ValueError("open_binary only reads (mode 'rb'); use open_output() to write")
    if path == "-":
        stdin = sys.stdin.buffer
        if not hasattr(stdin, "peek"):
            stdin = io.BufferedReader(stdin)
        kind = _compression_of_magic(stdin.peek(8)[:8])
        if kind is None:
            # A wrapper whose close() leaves the real stdin open.
            return _NoClose(stdin)
        return _OPENERS[kind](stdin, "rb")
    raw = open(path, "rb")
    try:
        kind = _compression_of_magic(raw.peek(8)[:8])
    except BaseException:
        raw.close()
        raise
    if kind is None:
        return raw
    # The decompressor owns (and closes) the file object it was given only when it opened the
    # file itself, so hand it the path rather than ``raw``.
    raw.close()
    return _OPENERS[kind](path, "rb")


class _NoClose:
    """A thin reader over stdin's buffer whose close() leaves stdin open."""

    def __init__(self, stream):
        self._stream = stream
        self.read = stream.read
        self.peek = stream.peek
        self.readline = stream.readline

    def close(self):
        """Do nothing: stdin belongs to the process, not to us."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@contextlib.contextmanager
def open_output(path, compresslevel=None):
    """Context manager yielding a binary file object that writes ``path`` atomically.

    Compression follows the extension: ``.gz`` (gzip level 6 by default), ``.bz2`` (level 9),
    ``.xz``; anything else is written plain.  The data goes to a temporary file beside ``path``
    that is renamed over it only when the block exits normally; if it raises, ``path`` is left
    as it was.  ``"-"`` yields stdout's binary buffer (flushed, not closed, at the end).
    """
    if path == "-":
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    kind = _compression_of_name(path)
    with atomic_output(path, "wb") as raw:
        if kind is None:
            yield raw
            return
        if kind == "gz":
            # The name stored in the gzip header would otherwise be the temporary file's; mtime=0
            # makes the output reproducible.
            inner = os.path.basename(os.fspath(path))[:-3]
            level = 6 if compresslevel is None else compresslevel
            out = gzip.GzipFile(filename=inner, mode="wb", fileobj=raw, compresslevel=level,
                                mtime=0)
        elif kind == "bz2":
            level = 9 if compresslevel is None else compresslevel
            out = bz2.BZ2File(raw, "wb", compresslevel=level)
        else:
            out = lzma.LZMAFile(raw, "wb")
        try:
            yield out
        finally:
            # Writes the compressed trailer into ``raw`` (closing the wrapper does not close
            # ``raw``); atomic_output then renames only if no exception is on its way.
            out.close()


# ----------------------------------------------------------------------------------------------
# Writing


def _encode_keys(keys):
    """Encode str keys to bytes (UTF-8, surrogateescape) and check each is a valid word.

    bytes keys are taken as they are.
    """
    encoded = []
    for key in keys:
        if isinstance(key, bytes):
            encoded.append(key)
        else:
            encoded.append(key.encode("utf-8", "surrogateescape"))
    # Fast path: one C-level scan of all keys for whitespace; search key by key only on failure.
    joined = b"/".join(encoded)
    has_space = len(joined.translate(None, _WHITESPACE)) != len(joined)
    if has_space or (encoded and min(map(len, encoded)) == 0):
        for i, word in enumerate(encoded):
            if not word:
                raise ValueError("key %d is empty; words must be non-empty" % i)
            if len(word.translate(None, _WHITESPACE)) != len(word):
                raise ValueError("key %d %r contains whitespace, which the word2vec formats "
                                 "cannot store" % (i, word.decode("utf-8", "surrogateescape")))
    return encoded


def _check_vectors(keys, vectors):
    """Validate shapes; return (encoded keys, C-contiguous little-endian float32 array)."""
    keys = list(keys)
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ValueError("vectors must be a 2-D array (V x d), got shape %r" % (vectors.shape,))
    if vectors.shape[0] != len(keys):
        raise ValueError("%d keys but %d vectors" % (len(keys), vectors.shape[0]))
    if vectors.shape[1] < 1:
        raise ValueError("vectors must have at least one dimension")
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    return _encode_keys(keys), vectors


# Tables for _format_rows: the 4 ASCII digits of 0..9999 as little-endian uint32 words, powers
# of ten (as floats, correctly rounded, 10**-64..10**64, and as exact int64), and keep-masks:
# _LOW_BYTES[k] has its k low bytes set to 1, _HIGH_BYTES[k] its k high bytes, _MID_BYTES[k]
# the top min(k, 4) of its 4 low bytes.
_DIGITS4 = np.frombuffer(b"".join(b"%04d" % i for i in range(10000)), dtype="<u4").copy()
_POW10 = np.array([float("1e%d" % k) for k in range(-64, 65)])
_POW10_INT = 10 ** np.arange(19, dtype=np.int64)
_LOW_BYTES = np.array([int.from_bytes(b"\x01" * k + b"\x00" * (8 - k), "little")
                       for k in range(9)], dtype=np.uint64)
_HIGH_BYTES = np.array([int.from_bytes(b"\x00" * (8 - k) + b"\x01" * k, "little")
                        for k in range(9)], dtype=np.uint64)
_MID_BYTES = np.array([int(_LOW_BYTES[4] ^ _LOW_BYTES[4 - min(k, 4)]) for k in range(10)],
                      dtype=np.uint64)
_ASCII_ZEROS = np.uint64(0x3030303030303030)


def _used_bytes(words):
    """Per uint64 word: 1 + the index of its highest non-zero byte (0 for 0); bytes < 16 only.

    The float64 conversion keeps the top bit's position exact here: with every byte < 16 the
    value has no long run of one bits that rounding could carry into the next power of two.
    """
    return (np.frexp(words.astype(np.float64))[1] + 7) // 8


def _format_rows(block):
    """Format a 2-D float32 block as text: one ``b"v1 v2 ... vd\\n"`` bytes object per row.

    Values are written with 9 significant digits, which identify a float32 exactly, so they
    read back bit-for-bit; trailing zeros are dropped.  For 1e-4 <= |v| < 1e9 (and 0) the text
    is identical to ``"%.9g" % v``; 1e-7 <= |v| < 1e-4 is written in positional form
    ("0.0000123456789"); rows holding anything else (smaller or larger magnitudes, nan, inf)
    are formatted with ``"%.9g"`` in Python.

    Why not just ``"%.9g"``: that costs a Python call per value.  Here numpy works on whole
    blocks: each value is split into an integer part I and a 16-digit fraction F, their digits
    are looked up 4 at a time into a fixed 32-byte cell (sign, 9 digits of I, '.', F's digits,
    separator), the unwanted bytes (leading zeros of I, trailing zeros of F, a '.' with no
    fraction) are zeroed with per-value masks, and one bytes.translate() squeezes them out.
    About twice as fast single-threaded, and it releases the GIL, so blocks can be formatted
    on several threads.
    """
    rows, dim = block.shape
    flat = block.ravel()
    x = flat.astype(np.float64)
    n = x.size
    a = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.floor(np.log10(a))
    fast = (e >= -7) & (e <= 8)  # False for 0, nan, inf and the rare far magnitudes
    e = np.where(fast, e, 0).astype(np.intp)
    a_fast = np.where(fast, a, 1.0)
    # |v| ~= m * 10**(e - 8) with the 9-digit integer 1e8 <= m < 1e9.
    m = np.rint(a_fast * _POW10[64 + 8 - e])
    low = m < 1e8  # log10 rounded up across a power of ten
    if low.any():
        e[low] -= 1
        m[low] = np.rint(a_fast[low] * _POW10[64 + 8 - e[low]])
    high = m >= 1e9  # log10 rounded down, or the mantissa rounded up to 10**9
    if high.any():
        e[high] += 1
        m[high] = np.rint(a_fast[high] * _POW10[64 + 8 - e[high]])
    # Nine significant digits always identify a float32; check anyway (cheaply) and leave any
    # value the fast path got wrong to the Python formatter.
    fast &= (e >= -7) & (e <= 8)
    fast &= (m * _POW10[64 + e - 8]).astype(np.float32) == np.abs(flat)
    zero = a == 0
    fast |= zero
    m = np.where(zero, 0, m).astype(np.int64)
    e = np.where(fast, e, 0)
    scale = _POW10_INT[8 - e]
    integer = m // scale  # < 10**9
    fraction = (m - integer * scale) * _POW10_INT[8 + e]  # 16 digits, the last always 0

    # The cell: bytes 0-1 unused, 2 sign, 3-11 integer digits, 12 '.', 13-15 unused,
    # 16-31 fraction digits (byte 31, always '0', becomes the separator).
    cells = np.empty((n, 32), dtype=np.uint8)
    quads = cells.view("<u4")
    quads[:, 0] = 0x002D0000  # '-' in byte 2
    cells[:, 3] = integer // 100000000 + 48
    quads[:, 1] = _DIGITS4[(integer // 10000) % 10000]
    quads[:, 2] = _DIGITS4[integer % 10000]
    quads[:, 3] = ord(".")
    part = fraction // 100000000
    quads[:, 4] = _DIGITS4[part // 10000]
    quads[:, 5] = _DIGITS4[part % 10000]
    part = fraction % 100000000
    quads[:, 6] = _DIGITS4[part // 10000]
    quads[:, 7] = _DIGITS4[part % 10000]
    words = cells.view("<u8")  # (n, 4)
    # Significant fraction digits: up to the last byte of 16..31 that is not '0'.
    used_high = _used_bytes(words[:, 3] ^ _ASCII_ZEROS)
    nfrac = np.where(used_high > 0, 8 + used_high, _used_bytes(words[:, 2] ^ _ASCII_ZEROS))
    cells[:, 31] = ord(" ")
    cells.reshape(rows, dim, 32)[:, -1, 31] = ord("\n")
    nint = np.maximum(e, 0) + 1  # digits of the integer part ("0" when |v| < 1)
    negative = np.signbit(x)
    keep = np.empty((n, 4), dtype=np.uint64)
    sign_bit = negative.astype(np.uint64) << np.uint64(16)
    keep[:, 0] = _HIGH_BYTES[np.maximum(nint - 4, 0)] | sign_bit
    keep[:, 1] = _MID_BYTES[nint] | np.where(nfrac > 0, np.uint64(1 << 32), np.uint64(0))
    keep[:, 2] = _LOW_BYTES[np.minimum(nfrac, 8)]
    keep[:, 3] = _LOW_BYTES[np.maximum(nfrac - 8, 0)] | np.uint64(1 << 56)
    words &= keep * np.uint64(0xFF)
    data = cells.tobytes().translate(None, b"\x00")
    lengths = (negative + nint + (nfrac > 0) + nfrac + 1).reshape(rows, dim).sum(axis=1)
    ends = np.cumsum(lengths).tolist()
    starts = [0] + ends[:-1]
    out = [data[s:t] for s, t in zip(starts, ends)]
    if not fast.all():
        fmt = " ".join(["%.9g"] * dim) + "\n"
        for r in np.flatnonzero(~fast.reshape(rows, dim).all(axis=1)).tolist():
            out[r] = (fmt % tuple(block[r].tolist())).encode("ascii")
    return out


def write_word2vec(path, keys, vectors, binary=True):
    """Write ``keys`` and their ``vectors`` (V x d) in word2vec format to ``path``.

    ``binary=True`` writes the binary format, else text (9 significant digits, exact for
    float32).  ``.gz`` / ``.bz2`` / ``.xz`` names are compressed.  ``path == "-"`` writes text
    to stdout whatever ``binary`` says.  The file is written atomically.  Vectors are stored as
    float32.  Raises ValueError if a key is empty or contains whitespace, or the shapes do not
    match.
    """
    words, vectors = _check_vectors(keys, vectors)
    if path == "-":
        binary = False
    count, dim = vectors.shape
    with open_output(path) as out:
        out.write(b"%d %d\n" % (count, dim))
        if binary:
            _write_binary_rows(out, words, vectors)
        else:
            _write_text_rows(out, words, vectors)


def _write_binary_rows(out, words, vectors):
    """Write binary records, a block at a time, straight from the array's memory."""
    if not words:
        return  # (a memoryview of an empty array cannot be cast)
    row_bytes = 4 * vectors.shape[1]
    step = max(1, (1 << 22) // row_bytes)
    with memoryview(vectors).cast("B") as data:
        for start in range(0, len(words), step):
            parts = []
            offset = start * row_bytes
            for word in words[start:start + step]:
                parts += (word, b" ", data[offset:offset + row_bytes], b"\n")
                offset += row_bytes
            out.write(b"".join(parts))


def _write_text_rows(out, words, vectors):
    """Write text rows; blocks are formatted on a few threads (numpy releases the GIL)."""
    dim = vectors.shape[1]
    step = max(1, _WRITE_BLOCK_VALUES // dim)
    starts = range(0, len(words), step)
    blocks = (vectors[start:start + step] for start in starts)
    threads = min(4, os.cpu_count() or 1, len(starts))
    if threads > 1:
        pool = concurrent.futures.ThreadPoolExecutor(threads)
        # Submit a bounded number of blocks ahead so memory stays small for huge files.
        results = _bounded_map(pool, _format_rows, blocks, 2 * threads)
    else:
        pool = None
        results = map(_format_rows, blocks)
    try:
        for start, rows in zip(starts, results):
            parts = []
            for word, row in zip(words[start:start + step], rows):
                parts += (word, b" ", row)
            out.write(b"".join(parts))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _bounded_map(pool, func, items, ahead):
    """Like pool.map(func, items) in order, but with at most ``ahead`` items in flight."""
    pending = collections.deque()
    for item in items:
        pending.append(pool.submit(func, item))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


# ----------------------------------------------------------------------------------------------
# Reading


def read_word2vec(path, limit=None, binary=None):
    """Read a word2vec binary or text file; return ``(keys, vectors)``.

    ``keys`` is a list of str (see the module docstring for how bytes are decoded) and
    ``vectors`` a C-contiguous float32 array of shape (len(keys), d).  ``binary=None``
    autodetects the format from the first row.  ``limit=N`` reads only the first N vectors.
    Gzip, bzip2 and xz files are decompressed transparently; ``"-"`` reads stdin.

    Plain files are memory-mapped and parsed with numpy (no Python object per value), so large
    files load quickly; compressed input is decompressed into memory first (only as far as
    needed when ``limit`` is given).  Raises FormatError for malformed input and OSError if the
    file cannot be read.
    """
    if limit is not None:
        limit = int(limit)
        if limit < 0:
            raise ValueError("limit must be >= 0, got %d" % limit)
    name = "<stdin>" if path == "-" else os.fspath(path)
    if path == "-":
        with open_binary(path) as stream:
            return _parse_stream(stream, name, limit, binary)
    with open(path, "rb") as raw:
        kind = _compression_of_magic(raw.peek(8)[:8])
        if kind is not None:
            with _OPENERS[kind](raw, "rb") as stream:
                return _parse_stream(stream, name, limit, binary)
        info = os.fstat(raw.fileno())
        if not stat.S_ISREG(info.st_mode):  # a pipe, e.g. <(zcat vectors.gz)
            return _parse_stream(raw, name, limit, binary)
        if info.st_size == 0:
            raise FormatError("%s: empty file" % name)
        try:
            mapped = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system that cannot map
            return _parse(raw.read(), name, limit, binary, eof=True)
        try:
            return _parse(mapped, name, limit, binary, eof=True)
        finally:
            mapped.close()


def _parse_stream(stream, name, limit, binary):
    """Parse from a non-seekable stream: all of it, or with a limit only as much as needed."""
    try:
        if limit is None:
            return _parse(stream.read(), name, limit, binary, eof=True)
        data = bytearray()
        want = 1 << 16
        while True:
            chunk = stream.read(want)
            data += chunk
            eof = not chunk
            try:
                return _parse(data, name, limit, binary, eof=eof)
            except _NeedMore:
                # Re-parsing from the start after each doubling costs at most twice the work.
                want = max(want, len(data))
    except (EOFError, OSError, lzma.LZMAError, zlib.error) as err:
        # A damaged or truncated compressed stream.
        raise FormatError("%s: cannot decompress: %s" % (name, err)) from err


def _parse(buf, name, limit, binary, eof):
    """Parse a whole buffer (bytes, bytearray or mmap) in word2vec format.

    With ``eof=False`` the buffer is a prefix of the input: running out of data raises
    _NeedMore instead of reporting a truncated file.
    """
    size = len(buf)
    if size == 0:
        if eof:
            raise FormatError("%s: empty file" % name)
        raise _NeedMore
    newline = buf.find(b"\n", 0, 4096)
    if newline >= 0:
        header_end = newline + 1
    elif size < 4096 and not eof:
        raise _NeedMore
    elif size < 4096:
        header_end = size  # a header with no newline and nothing after it
    else:
        header_end = -1
    header = bytes(buf[:header_end if header_end > 0 else 80])
    fields = header.split()
    if header_end < 0 or len(fields) != 2 or not all(f.isdigit() for f in fields):
        raise FormatError("%s: line 1: bad header %r; expected '<count> <dimension>'"
                          % (name, header[:80].decode("latin-1").rstrip("\r\n")))
    if max(len(f) for f in fields) > 18:
        raise FormatError("%s: line 1: bad header %r: numbers too large"
                          % (name, header[:80].decode("latin-1").rstrip("\r\n")))
    count, dim = int(fields[0]), int(fields[1])
    if dim < 1:
        raise FormatError("%s: line 1: bad header: dimension must be at least 1" % name)
    wanted = count if limit is None else min(count, limit)
    if wanted == 0:
        return [], np.empty((0, dim), dtype=np.float32)
    if binary is None:
        binary = _looks_binary(buf, header_end, dim, eof)
    if binary:
        return _parse_binary(buf, header_end, name, count, wanted, dim, eof)
    end = size
    if not eof:
        # Only complete lines are usable from a prefix of the input.
        end = buf.rfind(b"\n") + 1
    return _parse_text(buf, header_end, end, name, count, wanted, dim, eof)


def _looks_binary(buf, start, dim, eof):
    """Guess the format from the first row: text if it is a line of numbers after the word.

    Binary rows hold 4*d raw float bytes, which are practically never a line of digits, signs,
    dots, 'e' and spaces; text rows are.  A text row with a typo ("0.1 O.2") still counts as
    text when it has d fields that are mostly number characters, so that the text parser can
    report the bad value.
    """
    window = 1024 + 64 * dim
    newline = buf.find(b"\n", start, start + window)
    if newline < 0:
        if not eof and len(buf) < start + window:
            raise _NeedMore
        if len(buf) - start >= window:
            return True
        newline = len(buf)  # a single text row without a final newline
    parts = bytes(buf[start:newline]).split(None, 1)
    if len(parts) < 2:
        return True
    rest = parts[1]
    if not any(c in rest for c in b"0123456789"):
        return True
    odd = len(rest.translate(None, _TEXT_NUMBER_BYTES))
    if odd == 0:
        return False
    return not (len(rest.split()) == dim and odd <= 0.2 * len(rest))


def _parse_binary(buf, pos, name, count, wanted, dim, eof):
    """Parse ``wanted`` binary records starting at byte ``pos``.

    A Python loop finds each word's end (a space) and copies the 4*d bytes after it into the
    output array with one slice assignment; no Python object is made per value.
    """
    row_bytes = 4 * dim
    size = len(buf)
    # A record takes at least row_bytes + 2 bytes (a word, a space, the vector), so no more rows
    # than that can be complete in the buffer: a header promising more (a damaged or truncated
    # file) is reported when parsing reaches the end, instead of allocating what it claims.
    vectors = np.empty((min(wanted, (size - pos) // (row_bytes + 2)), dim), dtype="<f4")
    words = []
    append = words.append
    find = buf.find
    # (A flat uint8 view rather than memoryview.cast, which refuses an array with no rows.)
    with memoryview(buf) as view, memoryview(vectors.reshape(-1).view(np.uint8)) as out:
        for i in range(wanted):
            space = find(b" ", pos, pos + _MAX_WORD_BYTES)
            if space < 0:
                stop = min(size, pos + _MAX_WORD_BYTES)
                if not eof and stop == size:
                    raise _NeedMore
                rest = bytes(view[pos:stop]).lstrip()
                if not rest:
                    raise FormatError("%s: byte offset %d: file ends after %d of %d vectors"
                                      % (name, pos, i, count))
                if stop == size:
                    raise FormatError("%s: byte offset %d: truncated file: word %d has no "
                                      "vector" % (name, pos, i + 1))
                raise FormatError("%s: byte offset %d: no space after word %d within %d "
                                  "bytes; not a word2vec binary file?"
                                  % (name, pos, i + 1, _MAX_WORD_BYTES))
            # Skip the newline after the previous vector (absent in some writers' files).
            word = buf[pos:space].lstrip()
            if not word:
                raise FormatError("%s: byte offset %d: empty word %d" % (name, space, i + 1))
            begin = space + 1
            pos = begin + row_bytes
            if pos > size:
                if not eof:
                    raise _NeedMore
                raise FormatError(
                    "%s: byte offset %d: truncated file: vector %d of %d (%r) needs %d bytes, "
                    "only %d left" % (name, begin, i + 1, count,
                                      word.decode("utf-8", "surrogateescape"), row_bytes,
                                      size - begin))
            offset = i * row_bytes
            out[offset:offset + row_bytes] = view[begin:pos]
            append(word)
    keys = _decode_words(words)
    if len(keys) != len(words):
        # A word with a newline inside: the data is not what the binary layout says.
        bad = next(i for i, word in enumerate(words) if b"\n" in word)
        raise FormatError("%s: word %d %r contains a newline; not a word2vec binary file?"
                          % (name, bad + 1, words[bad][:40].decode("utf-8", "surrogateescape")))
    return keys, vectors.astype(np.float32, copy=False)


def _decode_words(words):
    """Decode a list of word bytes in one call (UTF-8, surrogateescape).

    Joining with "\\n" is safe: a newline can never continue a UTF-8 sequence, so the decoder
    treats each word exactly as if it were decoded alone.
    """
    if not words:
        return []
    return b"\n".join(words).decode("utf-8", "surrogateescape").split("\n")


def _parse_text(buf, pos, end, name, count, wanted, dim, eof):
    """Parse ``wanted`` text rows from ``buf[pos:end]``, a block of lines at a time.

    Per line, Python only splits off the word; the numbers of a whole block are parsed by
    numpy's C text reader, after a vectorised check that every row has exactly ``dim`` values.
    """
    words = []
    blocks = []
    done = 0
    line_no = 2  # the header is line 1
    while done < wanted:
        if pos >= end:
            if not eof:
                raise _NeedMore
            raise FormatError("%s: line %d: file ends after %d of %d vectors"
                              % (name, line_no, done, count))
        stop = buf.find(b"\n", min(pos + _TEXT_BLOCK_BYTES, end), end)
        stop = end if stop < 0 else stop + 1
        lines = bytes(buf[pos:stop]).split(b"\n")
        if lines and not lines[-1]:
            lines.pop()  # the empty string after the final newline
        lines = lines[:wanted - done]
        pos = stop
        rests = []
        for j, line in enumerate(lines):
            parts = line.split(None, 1)
            if len(parts) != 2:
                raise FormatError("%s: line %d: expected a word and %d values, found %d values"
                                  % (name, line_no + j, dim, 0))
            words.append(parts[0])
            rests.append(parts[1])
        blocks.append(_parse_text_values(rests, name, line_no, dim))
        done += len(lines)
        line_no += len(lines)
    vectors = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    return _decode_words(words), np.ascontiguousarray(vectors, dtype=np.float32)


def _parse_text_values(rests, name, first_line, dim):
    """Parse the numeric parts of text rows (one bytes object per row) into an (n, dim) array."""
    joined = b"\n".join(rests)
    # np.loadtxt (C code) parses the numbers and insists that every row has as many as the
    # first; the shape check below makes that number ``dim``.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            values = np.loadtxt(io.BytesIO(joined), dtype=np.float32, comments=None,
                                ndmin=2, quotechar=None)
    except ValueError as err:
        values = None
        detail = str(err)
    if values is not None and values.shape == (len(rests), dim):
        return values
    # Slow path, on errors only: find the row and the token numpy could not read.
    for j, rest in enumerate(rests):
        tokens = rest.split()
        if len(tokens) != dim:
            raise FormatError("%s: line %d: expected %d values after the word, found %d"
                              % (name, first_line + j, dim, len(tokens)))
        for token in tokens:
            if not _FLOAT_TOKEN.match(token):
                raise FormatError("%s: line %d: non-numeric value %r"
                                  % (name, first_line + j,
                                     token.decode("utf-8", "surrogateescape")))
    raise FormatError("%s: lines %d-%d: cannot parse the values: %s"
                      % (name, first_line, first_line + len(rests) - 1,
                         detail if values is None else "unexpected shape %r" % (values.shape,)))
