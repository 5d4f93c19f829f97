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
``str`` keys).  Reading a file with such words issues one :class:`NonUTF8Warning` naming the
first one's line or byte offset and their number; ``unicode_errors="strict"`` makes them a
FormatError instead.  A word may not be empty or contain ASCII whitespace, since whitespace
delimits words in both formats.

Reading holds the output array and a small window of the input, never the whole input: plain
files are memory-mapped and the parsed pages handed back to the kernel as the parse moves on,
other inputs (compressed files, stdin, pipes) are read in chunks.

Files are opened with :mod:`w2vns.io.files`, so compression follows the one rule of
:mod:`w2vns.io.compression`: the name when writing (``.gz``, ``.bz2``, ``.xz``, ``.zst``), the
data's magic bytes when reading, so a compressed file is read correctly whatever its name.
``"-"`` means stdin for reading and stdout (binary or text) for writing; URLs are read too.

Every file write is atomic (:func:`w2vns.io.atomic.atomic_output`): the data is written to a
temporary file beside the target and renamed when complete, so a crash or Ctrl-C never leaves a
truncated file under the final name.

Text files without the header line (GloVe's) are recognised by their first line being a word
and numbers, and read to their end.

Malformed input raises :class:`FormatError` (a ``ValueError``) whose message names the file and
the line number (text) or byte offset (binary) of the problem.
"""
import collections
import io
import mmap
import os
import re
import warnings

import numpy as np

from ..io import compression as _compression
from ..io.compression import READ_ERRORS
from ..io.errors import InputError
from ..io.files import open_input, open_output  # noqa: F401  (open_output: re-exported)

__all__ = ["FormatError", "NonUTF8Warning", "Word2VecFile", "load_word2vec", "read_word2vec",
           "write_word2vec", "open_binary", "open_output"]

# The bytes that bytes.split() treats as whitespace; no word may contain them.
_WHITESPACE = b" \t\n\r\x0b\x0c"
# Bytes that can appear in the numeric part of a text row ("1.5e-3", "-inf", "NaN", "\r").
_TEXT_NUMBER_BYTES = b"0123456789+-.eEnNaAiIfFtTyY \t\r"
# A word longer than this with no space after it means the file is not what we think it is.
_MAX_WORD_BYTES = 1 << 20
# Text rows are parsed in blocks of about this many bytes (bounds the temporary memory).
_TEXT_BLOCK_BYTES = 1 << 24
# Streams (stdin, pipes, decompressors) are read in chunks growing from the first to the last
# size: a read with a small ``limit`` reads little, a whole file needs few calls.
_STREAM_FIRST_CHUNK = 1 << 16
_STREAM_MAX_CHUNK = 1 << 24
# A memory-mapped input gives its parsed pages back to the kernel every this many bytes.
_RELEASE_BYTES = 1 << 22
# Binary words are decoded to str in batches of this many.
_WORDS_PER_BATCH = 1 << 16
# Values formatted per block by the text writer: small blocks keep the temporaries in cache.
_WRITE_BLOCK_VALUES = 1 << 15
_FLOAT_TOKEN = re.compile(
    rb"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)\Z", re.IGNORECASE)


class FormatError(ValueError):
    """A vectors file is malformed; the message names the file and the line or byte offset."""


class NonUTF8Warning(UserWarning):
    """A vectors file holds words that are not valid UTF-8 (they were kept; see the module doc)."""


# ----------------------------------------------------------------------------------------------
# Opening files


def open_binary(path, mode="rb"):
    """Open ``path`` (a path, ``-`` for stdin, or a URL) for reading bytes, decompressing
    gzip, bzip2, xz or zstd data whatever the name says (:func:`w2vns.io.files.open_input`).
    Only reading: to write, use :func:`open_output`, which writes atomically."""
    if mode not in ("rb", "r"):
        raise ValueError("open_binary only reads (mode 'rb'); use open_output() to write")
    return open_input(path)


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
_DIGITS4 = (48 + np.arange(10000)[:, None] // np.array([1000, 100, 10, 1]) % 10).astype(
    np.uint8).view("<u4").ravel()  # (built with numpy: a Python loop here slowed every import)
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
    float32).  ``.gz`` / ``.bz2`` / ``.xz`` / ``.zst`` names are compressed.  ``path == "-"``
    writes to stdout (binary too: pipes carry bytes).  The file is written atomically.  Vectors
    are stored as float32.  Raises ValueError if a key is empty or contains whitespace, or the
    shapes do not match.
    """
    words, vectors = _check_vectors(keys, vectors)
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
        import concurrent.futures  # (imported here: loading vectors does not need it)

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


class Word2VecFile(collections.namedtuple("Word2VecFile", "keys vectors binary compression header",
                                          defaults=(True,))):
    """What :func:`load_word2vec` read: the keys (list of str), the float32 vectors (V x d),
    whether the file was binary, its compression ("gz", "bz2", "xz", "zst" or None), and
    whether it had the ``"<count> <dimension>"`` header line (GloVe's text files have none)."""

    __slots__ = ()


def read_word2vec(path, limit=None, binary=None, unicode_errors="surrogateescape",
                  no_header=None):
    """Read a word2vec binary or text file; return ``(keys, vectors)``.

    ``keys`` is a list of str (see the module docstring for how bytes are decoded) and
    ``vectors`` a C-contiguous float32 array of shape (len(keys), d).  ``binary=None``
    autodetects the format from the first row.  ``limit=N`` reads only the first N vectors.
    ``no_header=None`` detects a text file without the ``"<count> <dimension>"`` line (GloVe's:
    the first line is a word and its values); True says there is none, False requires it.
    Gzip, bzip2, xz and zstd data are decompressed whatever the name; ``"-"`` reads stdin, and a
    URL is read too (:func:`w2vns.io.files.open_input`).

    Words that are not valid UTF-8 are decoded with ``unicode_errors`` (any Python error
    handler); unless it is ``"strict"``, which makes them a FormatError, they are kept and one
    :class:`NonUTF8Warning` names the first one's line or byte offset and how many there are.

    No Python object is made per value: binary rows are copied into the array straight from
    the file's bytes, text rows are parsed by numpy a block at a time.  Plain files are
    memory-mapped and their pages handed back as the parse moves on; other inputs are read in
    chunks; either way the memory needed is the array plus a small window, and with ``limit``
    only the start of the input is read.  Raises FormatError for malformed input and OSError if
    the file cannot be read.
    """
    result = load_word2vec(path, limit=limit, binary=binary, unicode_errors=unicode_errors,
                           no_header=no_header)
    return result.keys, result.vectors


def load_word2vec(path, limit=None, binary=None, unicode_errors="surrogateescape",
                  no_header=None):
    """Like :func:`read_word2vec`, but return a :class:`Word2VecFile` that also says what the
    file was (binary or text, which compression, whether it had a header)."""
    if limit is not None:
        limit = int(limit)
        if limit < 0:
            raise ValueError("limit must be >= 0, got %d" % limit)
    with open_input(path) as source:
        kind = source.compression
        args = (source.name, limit, binary, unicode_errors, no_header,
                kind and _compression.KINDS[kind].suffix[1:])
        if source.plain_file is None:  # compressed, stdin, a pipe, a URL
            return _parse(_StreamInput(source.stream, source.name), *args)
        if source.size == 0:
            raise FormatError("%s: empty file" % source.name)
        try:
            mapped = mmap.mmap(source.plain_file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system that cannot map
            return _parse(_StreamInput(source.stream, source.name), *args)
        try:
            return _parse(_MappedInput(mapped), *args)
        finally:
            mapped.close()


class _MappedInput:
    """A plain file, memory-mapped whole: ``buf`` is the map and the end is known from the start.

    ``release(upto)`` hands the pages before ``upto`` back to the kernel (they stay in the page
    cache).  Without it every page read would stay resident until the map is closed, and
    reading a file into an array would need the file's size twice in memory.
    """

    base = 0
    eof = True

    def __init__(self, mapped):
        self.buf = mapped
        self._released = 0

    def more(self, keep):
        """Never needed: the whole file is in ``buf``."""
        raise AssertionError("a mapped input has no more data")

    def release(self, upto):
        """Drop the pages that lie wholly before ``upto`` from the process's memory."""
        upto -= upto % mmap.PAGESIZE
        if upto > self._released and hasattr(self.buf, "madvise") and hasattr(mmap,
                                                                              "MADV_DONTNEED"):
            self.buf.madvise(mmap.MADV_DONTNEED, self._released, upto - self._released)
            self._released = upto


class _StreamInput:
    """A stream read a window at a time: ``buf`` holds the input's bytes from offset ``base``.

    ``more(keep)`` drops the bytes before ``buf[keep]``, appends a chunk (at least as large as
    what is kept, so a record longer than a chunk is still reached), sets ``eof`` when the
    stream is exhausted, and returns ``keep`` so that the caller can shift its positions.
    """

    def __init__(self, stream, name):
        self.stream = stream
        self.name = name
        self.buf = b""
        self.base = 0
        self.eof = False
        self._chunk = _STREAM_FIRST_CHUNK

    def more(self, keep):
        """Drop ``buf[:keep]``, read the next chunk; return ``keep``."""
        try:
            chunk = self.stream.read(max(self._chunk, len(self.buf) - keep))
        except InputError as err:  # damaged compressed data, a URL that stops answering
            raise FormatError(str(err)) from None
        except READ_ERRORS as err:
            if isinstance(err, BrokenPipeError):
                raise
            raise FormatError("%s: byte offset %d: cannot read: %s"
                              % (self.name, self.base + len(self.buf), err.strerror or err)) \
                from None
        self._chunk = min(2 * self._chunk, _STREAM_MAX_CHUNK)
        self.base += keep
        if chunk:
            self.buf = self.buf[keep:] + chunk
        else:
            self.buf = self.buf[keep:]
            self.eof = True
        return keep

    def release(self, upto):
        """Nothing to do: ``more`` already drops what was parsed."""


def _parse(src, name, limit, binary, unicode_errors, no_header, compression):
    """Parse a word2vec file from ``src`` (a _MappedInput or _StreamInput) into a Word2VecFile.

    ``no_header``: None detects a file without the ``"<count> <dimension>"`` line (GloVe's text
    files: the first line is already a word and its values); True says there is none; False
    requires it.
    """
    # The first line: short in a word2vec file, a whole row of values in a headerless one.
    while not src.eof and len(src.buf) < _MAX_WORD_BYTES and src.buf.find(b"\n") < 0:
        src.more(0)
    buf, size = src.buf, len(src.buf)
    if size == 0:
        raise FormatError("%s: empty file" % name)
    newline = buf.find(b"\n", 0, _MAX_WORD_BYTES)
    header_end = newline + 1 if newline >= 0 else size if src.eof else -1
    first = bytes(buf[:header_end if header_end > 0 else 4096])
    fields = first.split()
    has_header = (header_end > 0 and len(fields) == 2 and all(f.isdigit() for f in fields)
                  and no_header is not True)
    if not has_header and no_header is not False and _is_text_row(fields):
        if binary:
            raise FormatError("%s: line 1: no '<count> <dimension>' header: a binary word2vec "
                              "file always has one" % name)
        vectors_read = _parse_text(src, 0, name, None, limit, len(fields) - 1, unicode_errors,
                                   first_line=1)
        return Word2VecFile(*vectors_read, False, compression, False)
    if not has_header:
        raise FormatError("%s: %s" % (name, _not_a_header(first, no_header)))
    if max(len(f) for f in fields) > 18:
        raise FormatError("%s: line 1: bad header %s: numbers too large"
                          % (name, _show(first.rstrip(b"\r\n"))))
    count, dim = int(fields[0]), int(fields[1])
    if dim < 1:
        raise FormatError("%s: line 1: bad header: dimension must be at least 1" % name)
    wanted = count if limit is None else min(count, limit)
    if wanted == 0:
        return Word2VecFile([], np.empty((0, dim), dtype=np.float32), bool(binary), compression)
    if binary is None:
        binary = _looks_binary(src, header_end, dim)
    # A damaged header must not make us allocate what it claims: a binary record takes at
    # least 4*d + 2 bytes, a text row 2*d + 1. When the whole input is known and the claim is
    # far beyond it, say so now; a near miss is reported where the records run out.
    least = 4 * dim + 2 if binary else 2 * dim + 1
    if src.eof and wanted * 4 * dim > (1 << 20) + 4 * len(src.buf) and (
            wanted > (len(src.buf) - header_end) // least):
        raise FormatError("%s: the header promises %d words of dimension %d, but the file is "
                          "too short for that (truncated or not a word2vec file)"
                          % (name, count, dim))
    parse = _parse_binary if binary else _parse_text
    try:
        keys, vectors = parse(src, header_end, name, count, wanted, dim, unicode_errors)
    except FormatError:
        raise
    except (MemoryError, ValueError) as err:  # numpy: "array is too big", or out of memory
        raise FormatError("%s: the header promises %d x %d values, more than fits in memory "
                          "(%s)" % (name, count, dim, err)) from None
    return Word2VecFile(keys, vectors, binary, compression)


def _is_text_row(fields):
    """Whether the split first line is a word followed by numbers (a row of a text file
    without a header line). A line of integers only is a damaged header instead, and so is
    one number followed by one number."""
    return (len(fields) >= 2 and all(_FLOAT_TOKEN.match(f) for f in fields[1:])
            and not all(f.isdigit() for f in fields)
            and not (len(fields) == 2 and _FLOAT_TOKEN.match(fields[0])))


#: What a first line that is not a header may be, by its first bytes.
_NOT_WORD2VEC = ((b"\x80", "a Python pickle (a gensim model? export its vectors with "
                           "model.wv.save_word2vec_format('vectors.bin', binary=True))"),
                 (b"\x93NUMPY", "a numpy .npy array: w2vns needs the words too (a word2vec "
                                "file, or a .w2vns folder holding vectors.npy)"),
                 (b"{", "JSON, not a vectors file"))


def _not_a_header(first, no_header):
    """Why the first line ``first`` does not start a word2vec file, for the error message."""
    what = _compression.unsupported(first)
    if what:
        return what
    for magic, what in _NOT_WORD2VEC:
        if first.startswith(magic) and (magic != b"\x80" or first[1:2] in b"\x02\x03\x04\x05"):
            return what
    shown = _show(first.rstrip(b"\r\n"))
    if no_header is False:
        return "line 1: bad header %s; expected '<count> <dimension>'" % shown
    return ("line 1: bad header %s; expected '<count> <dimension>', or a word and its values "
            "(a text file without a header line)" % shown)


def _show(data, width=60):
    """``data`` (bytes) as a quoted string of at most about ``width`` characters, for
    messages: a bad header can be a whole line of binary data."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1]
                   for c in data[:4 * width].decode("utf-8", "backslashreplace"))
    return "'%s'" % (text if len(text) <= width - 2 else text[:width - 5] + "...")


def _looks_binary(src, start, dim):
    """Guess the format from the first row: text if it is a line of numbers after the word.

    Binary rows hold 4*d raw float bytes, which are practically never a line of digits, signs,
    dots, 'e' and spaces; text rows are.  A text row with a typo ("0.1 O.2") still counts as
    text when it has d fields that are mostly number characters, so that the text parser can
    report the bad value.
    """
    window = 1024 + 64 * dim
    while not src.eof and len(src.buf) < start + window:
        src.more(0)
    buf = src.buf
    newline = buf.find(b"\n", start, start + window)
    if newline < 0:
        if len(buf) - start >= window:
            return True
        newline = len(buf)  # a single text row without a final newline
    parts = bytes(buf[start:newline]).split(None, 1)
    if len(parts) < 2:
        return True
    rest = parts[1]
    if not any(c in rest for c in b"0123456789"):
        return True
    fields = len(rest.split())
    odd = len(rest.translate(None, _TEXT_NUMBER_BYTES))
    if odd == 0 and 2 * fields >= dim:
        # Number characters only, and about d values: a text row (the text parser says what
        # is wrong with a count that is off). A binary record's raw floats can hold a newline
        # byte after a few number-like bytes, a fragment of far fewer than d fields.
        return False
    return not (fields == dim and odd <= 0.2 * len(rest))


def _parse_binary(src, pos, name, count, wanted, dim, unicode_errors):
    """Parse ``wanted`` binary records starting at ``src.buf[pos]``; return (keys, vectors)."""
    row_bytes = 4 * dim
    vectors = np.empty((wanted, dim), dtype="<f4")
    decoder = _WordDecoder(name, unicode_errors)
    done = 0
    with memoryview(vectors).cast("B") as out:
        while True:
            # Words are decoded a batch at a time: the bytes objects of one batch, not of the
            # whole file, are alive beside the keys.
            first, start, base, words = done, pos, src.base, []
            stop = min(wanted, done + _WORDS_PER_BATCH)
            done, pos = _binary_records(src, pos, name, count, stop, row_bytes, out, words,
                                        done)

            def where(k):
                return "byte offset %d" % (base + _word_offset(src.buf, start, k, row_bytes))

            if len(decoder.add(words, first, where)) != len(words):
                # A word with a newline inside: the data is not what the binary layout says.
                bad = next(k for k, word in enumerate(words) if b"\n" in word)
                raise FormatError("%s: %s: word %d %r contains a newline; not a word2vec "
                                  "binary file?" % (name, where(bad), first + bad + 1,
                                                    words[bad][:40].decode("utf-8", "replace")))
            if done == wanted:
                break
            if done < stop:  # the window ran out
                pos -= src.more(pos)
    return decoder.finish(), vectors.astype(np.float32, copy=False)


def _word_offset(buf, pos, k, row_bytes):
    """Where the k-th word after ``buf[pos]`` starts (records already known to be complete)."""
    for _ in range(k):
        pos = buf.find(b" ", pos) + 1 + row_bytes
    word = buf[pos:buf.find(b" ", pos)]
    return pos + len(word) - len(word.lstrip())


def _binary_records(src, pos, name, count, wanted, row_bytes, out, words, done):
    """Parse records from ``src.buf[pos:]`` until record ``wanted`` or the window's end.

    A Python loop finds each word's end (a space) and copies the ``row_bytes`` after it into
    ``out`` with one slice assignment; no Python object is made per value.  The words' bytes
    are appended to ``words``.  Returns ``(records done, position)``; at the end of the input,
    a missing part is a FormatError.
    """
    buf, base, eof = src.buf, src.base, src.eof
    size = len(buf)
    find = buf.find
    append = words.append
    next_release = pos + _RELEASE_BYTES
    with memoryview(buf) as view:
        for i in range(done, wanted):
            space = find(b" ", pos, pos + _MAX_WORD_BYTES)
            if space < 0:
                stop = min(size, pos + _MAX_WORD_BYTES)
                if not eof and stop == size:
                    return i, pos
                rest = bytes(view[pos:stop]).lstrip()
                if not rest:
                    raise FormatError("%s: byte offset %d: file ends after %d of %d vectors"
                                      % (name, base + pos, i, count))
                if stop == size:
                    raise FormatError("%s: byte offset %d: truncated file: word %d has no "
                                      "vector" % (name, base + pos, i + 1))
                raise FormatError("%s: byte offset %d: no space after word %d within %d "
                                  "bytes; not a word2vec binary file?"
                                  % (name, base + pos, i + 1, _MAX_WORD_BYTES))
            # Skip the newline after the previous vector (absent in some writers' files).
            word = buf[pos:space].lstrip()
            if not word:
                raise FormatError("%s: byte offset %d: empty word %d"
                                  % (name, base + space, i + 1))
            begin = space + 1
            end = begin + row_bytes
            if end > size:
                if not eof:
                    return i, pos
                raise FormatError(
                    "%s: byte offset %d: truncated file: vector %d of %d (%r) needs %d bytes, "
                    "only %d left" % (name, base + begin, i + 1, count,
                                      word.decode("utf-8", "surrogateescape"), row_bytes,
                                      size - begin))
            offset = i * row_bytes
            out[offset:offset + row_bytes] = view[begin:end]
            append(word)
            pos = end
            if pos > next_release:
                src.release(pos)
                next_release = pos + _RELEASE_BYTES
    return wanted, pos


class _WordDecoder:
    """Decodes words (bytes) to str keys a batch at a time, in one call per batch.

    Joining a batch with "\\n" is safe: a newline can never continue a UTF-8 sequence, so the
    decoder treats each word exactly as if it were decoded alone.  Words that are not UTF-8 are
    decoded with ``unicode_errors``: "strict" raises FormatError at the first one; anything
    else keeps them, and :meth:`finish` warns once (NonUTF8Warning) with the first one's place
    and their number.
    """

    def __init__(self, name, unicode_errors):
        self.name = name
        self.unicode_errors = unicode_errors
        self.keys = []
        self.first_bad = None
        self.bad = 0

    def add(self, words, first, where):
        """Decode ``words`` (numbered from ``first``); ``where(k)`` places the batch's k-th
        word ("line N", "byte offset N").  Returns the batch's keys."""
        if not words:
            return []
        joined = b"\n".join(words)
        try:
            keys = joined.decode("utf-8").split("\n")
        except UnicodeDecodeError as err:
            k = joined.count(b"\n", 0, err.start)
            word = words[k].decode("utf-8", "backslashreplace")
            if self.unicode_errors == "strict":
                raise FormatError("%s: %s: word %d %r is not valid UTF-8"
                                  % (self.name, where(k), first + k + 1, word)) from None
            if self.first_bad is None:
                self.first_bad = "%s: word %d %r" % (where(k), first + k + 1, word)
            self.bad += sum(1 for w in words[k:] if not w.isascii() and not _is_utf8(w))
            keys = joined.decode("utf-8", self.unicode_errors).split("\n")
        self.keys += keys
        return keys

    def finish(self):
        """All keys decoded so far, after warning once if some words were not UTF-8."""
        if self.bad:
            warnings.warn(NonUTF8Warning(
                "%s: %s is not valid UTF-8 (%d such word%s in all); kept, decoded with %s"
                % (self.name, self.first_bad, self.bad, "" if self.bad == 1 else "s",
                   self.unicode_errors)), stacklevel=2)
        return self.keys


def _is_utf8(word):
    """Whether the bytes ``word`` are valid UTF-8."""
    try:
        word.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse_text(src, pos, name, count, wanted, dim, unicode_errors, first_line=2):
    """Parse ``wanted`` text rows from ``src.buf[pos:]``, a block of lines at a time.

    Per line, Python only splits off the word; the numbers of a whole block are parsed by
    numpy's C text reader straight into the output array, after a check that every row has
    exactly ``dim`` values.  ``count`` None: a file without a header line, read to its end
    (or ``wanted`` rows, if fewer; blank lines are skipped), its blocks gathered and joined
    at the end.
    """
    headerless = count is None
    # Without a header the number of rows is unknown until the end (``wanted`` is only a
    # limit): gather blocks rather than allocate the limit.
    vectors = (np.empty((wanted, dim), dtype=np.float32) if wanted is not None and not headerless
               else None)
    blocks = []
    decoder = _WordDecoder(name, unicode_errors)
    done = 0
    line_no = first_line
    while wanted is None or done < wanted:
        buf = src.buf
        # Only complete lines are usable, unless the input ends without a newline.
        end = len(buf) if src.eof else buf.rfind(b"\n", pos) + 1
        if end <= pos:
            if src.eof:
                if headerless:
                    break
                raise FormatError("%s: line %d: file ends after %d of %d vectors"
                                  % (name, line_no, done, count))
            pos -= src.more(pos)
            continue
        stop = buf.find(b"\n", min(pos + _TEXT_BLOCK_BYTES, end), end)
        stop = end if stop < 0 else stop + 1
        lines = bytes(buf[pos:stop]).split(b"\n")
        if lines and not lines[-1]:
            lines.pop()  # the empty string after the final newline
        pos = stop
        src.release(pos)
        words, rests, numbers = [], [], []
        for j, line in enumerate(lines):
            if wanted is not None and done + len(words) == wanted:
                break
            parts = line.split(None, 1)
            if len(parts) != 2:
                if headerless and not parts:
                    continue
                raise FormatError("%s: line %d: expected a word and %d values, found %d values"
                                  % (name, line_no + j, dim, 0))
            words.append(parts[0])
            rests.append(parts[1])
            numbers.append(line_no + j)
        values = _parse_text_values(rests, name, numbers, dim)
        if vectors is not None:
            vectors[done:done + len(words)] = values
        else:
            blocks.append(values)
        decoder.add(words, done, lambda k, lines=numbers: "line %d" % lines[k])
        done += len(words)
        line_no += len(lines)
    if vectors is None:
        vectors = np.concatenate(blocks) if blocks else np.empty((0, dim), dtype=np.float32)
    return decoder.finish(), vectors


def _parse_text_values(rests, name, line_numbers, dim):
    """Parse the numeric parts of text rows (one bytes object per row, found on the lines
    ``line_numbers``) into an (n, dim) array."""
    if not rests:
        return np.empty((0, dim), dtype=np.float32)
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
    for line, rest in zip(line_numbers, rests):
        tokens = rest.split()
        if len(tokens) != dim:
            raise FormatError("%s: line %d: expected %d values after the word, found %d"
                              % (name, line, dim, len(tokens)))
        for token in tokens:
            if not _FLOAT_TOKEN.match(token):
                raise FormatError("%s: line %d: non-numeric value %s"
                                  % (name, line, _show(token, 40)))
    raise FormatError("%s: lines %d-%d: cannot parse the values: %s"
                      % (name, line_numbers[0], line_numbers[-1],
                         detail if values is None else "unexpected shape %r" % (values.shape,)))
