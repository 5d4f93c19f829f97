"""The w2vns native vectors format: a folder that loads memory-mapped in milliseconds.

::

    NAME.w2vns/
        meta.json     {"format": "w2vns-vectors", "version": 1, "count": V, "dim": d, ...}
        vocab.txt     the words, one per line, as bytes: UTF-8, except that a word read from a
                      file where it was not UTF-8 is written back as the bytes it had there
        vectors.npy   float32 (V, d), C order, little-endian: a plain .npy file
        norms.npy     float32 (V,): each vector's Euclidean length, so that cosine queries need
                      no pass over the vectors before the one that answers them
        counts.npy    int64 (V,), only when the counts are known (a model w2vns trained)

The .npy files are opened with ``np.load(path, mmap_mode="r")``: loading reads only the
vocabulary, the vectors are paged in from the page cache as queries touch them, and every
process that maps the same folder shares those pages.  The arrays are ordinary .npy files, so
other tools read them too (``np.load("NAME.w2vns/vectors.npy")``).

Saving is atomic: the folder is built under a temporary name beside the target and renamed
into place when complete; an existing target is replaced only if it is itself a w2vns vectors
folder.
"""
import contextlib
import json
import os

import numpy as np

from ..io.atomic import temporary_beside
from .formats import FormatError, _check_vectors  # shared validation of keys and shapes

__all__ = ["FORMAT", "VERSION", "SUFFIX", "Vocabulary", "is_native", "save_native", "load_native",
           "row_norms"]

FORMAT = "w2vns-vectors"
VERSION = 1
SUFFIX = ".w2vns"
META = "meta.json"


def is_native(path):
    """Whether ``path`` is a w2vns vectors folder (a folder holding meta.json)."""
    return path != "-" and os.path.isfile(os.path.join(os.fspath(path), META))


def save_native(path, keys, vectors, counts=None, norms=None):
    """Write ``keys`` and ``vectors`` (V x d) as a w2vns vectors folder at ``path``.

    ``keys`` are str (encoded UTF-8 with surrogateescape, so keys read from non-UTF-8 files
    get their original bytes back) or bytes; none may be empty or contain whitespace.
    ``counts`` (V ints) are stored when given; ``norms`` (the vectors' lengths) are computed
    when not given.  Raises ValueError for bad keys or shapes, FileExistsError if ``path``
    exists and is not a w2vns vectors folder.
    """
    words, vectors = _check_vectors(keys, vectors)
    count, dim = vectors.shape
    if counts is not None:
        counts = np.asarray(counts, dtype="<i8")
        if counts.shape != (count,):
            raise ValueError("%d keys but %d counts" % (count, counts.size))
    if norms is None:
        norms = row_norms(vectors)
    norms = np.asarray(norms, dtype="<f4")
    if norms.shape != (count,):
        raise ValueError("%d keys but %d norms" % (count, norms.size))
    meta = {"format": FORMAT, "version": VERSION, "count": count, "dim": dim,
            "dtype": "float32", "files": ["vocab.txt", "vectors.npy", "norms.npy"]
            + (["counts.npy"] if counts is not None else [])}
    with _atomic_folder(path) as folder:
        with open(os.path.join(folder, "vocab.txt"), "wb") as out:
            out.write(b"\n".join(words))
            if words:
                out.write(b"\n")
        _save_npy(os.path.join(folder, "vectors.npy"), vectors)
        _save_npy(os.path.join(folder, "norms.npy"), norms)
        if counts is not None:
            _save_npy(os.path.join(folder, "counts.npy"), counts)
        with open(os.path.join(folder, META), "w") as out:
            json.dump(meta, out, indent=1)
            out.write("\n")


def row_norms(vectors, block=1 << 12):
    """The Euclidean length of each row of ``vectors``, as float32 (V,).

    Computed a block of rows at a time, so that the temporaries stay small however large the
    matrix is; each row's value is what ``np.linalg.norm(vectors, axis=1)`` gives.
    """
    vectors = np.asarray(vectors)
    norms = np.empty(vectors.shape[0], dtype=np.float32)
    for start in range(0, vectors.shape[0], block):
        norms[start:start + block] = np.linalg.norm(vectors[start:start + block], axis=1)
    return norms


def load_native(path, mmap=True, limit=None):
    """Read a w2vns vectors folder; return ``(vocabulary, vectors, norms, counts)``.

    ``vocabulary`` is a :class:`Vocabulary` (``.keys()`` gives the list of str).
    ``vectors`` and ``norms`` (and ``counts``, None when the folder has none) are read-only
    memory-mapped arrays with ``mmap=True``, ordinary arrays read into memory otherwise.
    ``limit=N`` keeps the first N words (a view, nothing more is read).  Raises FormatError,
    naming the file, when the folder is incomplete or inconsistent.
    """
    folder = os.fspath(path)
    meta_path = os.path.join(folder, META)
    try:
        with open(meta_path, "rb") as handle:
            meta = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        raise FormatError("%s: not a w2vns vectors folder (no %s)" % (folder, META)) from None
    except (ValueError, UnicodeDecodeError) as err:
        raise FormatError("%s: not valid JSON: %s" % (meta_path, err)) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise FormatError("%s: not a w2vns vectors folder (format is not %r)"
                          % (meta_path, FORMAT))
    if meta.get("version") != VERSION:
        raise FormatError("%s: version %r; this w2vns reads version %d"
                          % (meta_path, meta.get("version"), VERSION))
    count, dim = meta.get("count"), meta.get("dim")
    if not (isinstance(count, int) and isinstance(dim, int) and count >= 0 and dim >= 1):
        raise FormatError("%s: bad count or dim: %r, %r" % (meta_path, count, dim))
    mode = "r" if mmap else None
    vectors = _load_npy(folder, "vectors.npy", (count, dim), np.float32, mode)
    norms = _load_npy(folder, "norms.npy", (count,), np.float32, mode)
    counts = None
    if "counts.npy" in meta.get("files", ()):
        counts = _load_npy(folder, "counts.npy", (count,), np.int64, mode)
    keys = _load_vocab(os.path.join(folder, "vocab.txt"), count)
    if limit is not None:
        limit = max(0, int(limit))
        keys, vectors, norms = keys.head(limit), vectors[:limit], norms[:limit]
        counts = None if counts is None else counts[:limit]
    return keys, vectors, norms, counts


def _load_vocab(path, count):
    """The words of vocab.txt as a :class:`Vocabulary` (checked against ``count``)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise FormatError("%s: missing" % path) from None
    if count == 0:
        if data:
            raise FormatError("%s: holds words but meta.json says 0" % path)
        return Vocabulary(b"")
    if not data.endswith(b"\n"):
        raise FormatError("%s: truncated (no newline after the last word)" % path)
    found = data.count(b"\n")
    if found != count:
        raise FormatError("%s: %d words, but meta.json says %d" % (path, found, count))
    return Vocabulary(data)


class Vocabulary:
    """The words of a folder, kept as the bytes of vocab.txt and decoded only when asked for.

    Making a str per word costs ~0.1 s per million words, more than a whole query on the
    memory-mapped vectors; a query needs only its own words' rows (:meth:`find`, one bytes
    search) and its answers' words (:meth:`word`).  :meth:`keys` decodes them all, once, for
    code that wants the list.  Words are decoded as UTF-8 with surrogateescape.
    """

    def __init__(self, data):
        """``data``: the words, each followed by b"\\n" (empty for no words)."""
        self._data = b"\n" + data  # every word then sits between two newlines
        self._count = data.count(b"\n")
        self._newlines = None

    def __len__(self):
        """The number of words."""
        return self._count

    def _offsets(self):
        """Positions of the newlines: word i lies between newlines i and i+1."""
        if self._newlines is None:
            self._newlines = np.flatnonzero(np.frombuffer(self._data, dtype=np.uint8) == 10)
        return self._newlines

    def word(self, i):
        """Word ``i`` as str."""
        offsets = self._offsets()
        return self._data[offsets[i] + 1:offsets[i + 1]].decode("utf-8", "surrogateescape")

    def find(self, key):
        """The index of the first occurrence of the str ``key``, or None."""
        if not isinstance(key, str):
            return None
        raw = key.encode("utf-8", "surrogateescape")
        if not raw or b"\n" in raw:
            return None
        pos = self._data.find(b"\n" + raw + b"\n")
        if pos < 0:
            return None
        return int(np.searchsorted(self._offsets(), pos))

    def keys(self, limit=None):
        """The first ``limit`` words (all by default) as a list of str, in one decode."""
        count = self._count if limit is None else max(0, min(int(limit), self._count))
        if count == 0:
            return []
        end = self._offsets()[count] if count < self._count else len(self._data) - 1
        return self._data[1:end].decode("utf-8", "surrogateescape").split("\n")

    def head(self, limit):
        """A Vocabulary of the first ``limit`` words."""
        count = max(0, min(int(limit), self._count))
        return Vocabulary(self._data[1:self._offsets()[count] + 1] if count else b"")


def _load_npy(folder, name, shape, dtype, mmap_mode):
    """np.load one array of the folder, checking its shape and dtype."""
    path = os.path.join(folder, name)
    try:
        array = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except FileNotFoundError:
        raise FormatError("%s: missing" % path) from None
    except ValueError as err:  # a damaged or truncated .npy
        raise FormatError("%s: %s" % (path, err)) from None
    if array.shape != shape or array.dtype != dtype or not array.flags.c_contiguous:
        raise FormatError("%s: expected %s %r, found %s %r"
                          % (path, np.dtype(dtype).name, shape, array.dtype.name, array.shape))
    return array


def _save_npy(path, array):
    """np.save to an open file (np.save on a name would add '.npy' to names without it)."""
    with open(path, "wb") as out:
        np.save(out, array, allow_pickle=False)


@contextlib.contextmanager
def _atomic_folder(path):
    """Yield a temporary folder beside ``path``; rename it to ``path`` when the block succeeds.

    An existing ``path`` is replaced only if it is a w2vns vectors folder (checked before
    anything is written); on any error the temporary folder is removed and ``path`` is left
    as it was.
    """
    import shutil  # (imported here: loading does not need it)

    path = os.path.abspath(os.fspath(path))
    if os.path.lexists(path) and not is_native(path):
        raise FileExistsError("%s exists and is not a w2vns vectors folder; not replacing it"
                              % path)
    tmp = temporary_beside(path, folder=True)
    try:
        yield tmp
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name), "rb") as handle:
                os.fsync(handle.fileno())
        # mkdtemp makes a 0700 folder; give it the permissions a plain mkdir would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        if os.path.lexists(path):
            old = tmp + ".old"
            os.rename(path, old)
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
