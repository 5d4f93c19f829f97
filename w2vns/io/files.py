"""Opening inputs and outputs by name: a path, ``-`` (stdin / stdout) or a URL.

Every reader of w2vns (corpora, vectors files, evaluation sets, baskets, queries on stdin) opens
its input with :func:`open_input`, and every writer its output with :func:`open_output`, so
that all of them follow one rule for compression (:mod:`w2vns.io.compression`: the content
decides when reading, the name when writing) and one meaning of ``-``.

URLs: ``http://`` and ``https://`` are read with the standard library (no extra package);
``file://`` is a local path; every other scheme (``s3://``, ``gs://``, ``azure://``, ``hdfs://``,
...) goes through smart_open, which needs that scheme's package (``pip install
'smart_open[s3]'``). A URL that cannot be reached, a missing credential or a missing package
raises :class:`InputError` with one line that names the URL.
"""
import contextlib
import errno
import io
import os
import re
import stat
import sys
import urllib.parse

from . import compression
from .atomic import atomic_output
from .errors import CompressedDataError, InputError, MissingDependency

__all__ = ["Input", "InputError", "MissingDependency", "CompressedDataError", "open_input",
           "open_output", "is_url", "stdout_buffer", "StdoutClosed", "URL_TIMEOUT"]

#: Seconds to wait for a URL's server before giving up.
URL_TIMEOUT = 30
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path):
    """Whether ``path`` is a URL (``scheme://...``) rather than a local path."""
    return isinstance(path, str) and bool(_URL.match(path))


class Input:
    """An opened input: ``stream`` gives its (decompressed) bytes.

    ``name`` names it in messages (the path, the URL or ``<stdin>``); ``compression`` is the
    detected compression (a name in :data:`w2vns.io.compression.KINDS`, or None);
    ``size`` the raw size in bytes when known; ``plain_file`` the open regular file when the
    input is an uncompressed local file (which a reader may memory-map), else None.
    Closing it never closes stdin. Iterating gives the lines, as bytes.
    """

    def __init__(self, name, stream, raw=None, size=None, compression=None, owned=(),
                 plain_file=None):
        self.name, self.stream, self.raw, self.size = name, stream, raw, size
        self.compression = compression
        self.plain_file = plain_file
        self._owned = owned

    def position(self):
        """How many raw (possibly compressed) bytes have been consumed, or None if unknown."""
        if self.raw is None:
            return None
        try:
            return self.raw.tell()
        except (OSError, ValueError, AttributeError):
            return None

    def __iter__(self):
        return iter(self.stream)

    def read(self, size=-1):
        """Read up to ``size`` decompressed bytes (all that is left by default)."""
        return self.stream.read(size)

    def readline(self, size=-1):
        """Read one line, as bytes."""
        return self.stream.readline(size)

    def close(self):
        """Close what this input opened (stdin stays open)."""
        for thing in self._owned:
            with contextlib.suppress(OSError, ValueError):
                thing.close()
        self._owned = ()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def open_input(path):
    """Open ``path`` (a local path, ``-`` for stdin, or a URL) for reading bytes.

    The compression is recognised from the data's first bytes (gzip, bzip2, xz, zstd),
    whatever the name says. Returns an :class:`Input`. Raises FileNotFoundError,
    IsADirectoryError or PermissionError for local paths, :class:`InputError` for URLs that
    cannot be read, :class:`MissingDependency` when the input needs a package that is not
    installed (zstd, a URL scheme's). Reading damaged compressed data raises
    :class:`CompressedDataError`.
    """
    path = os.fspath(path)
    if path == "-":
        if sys.stdin is None or not hasattr(sys.stdin, "buffer"):  # started with <&-
            raise InputError("<stdin>: standard input is closed")
        return _sniffed("<stdin>", sys.stdin.buffer, raw=None, size=None, owned=())
    if is_url(path):
        scheme = path.split("://", 1)[0].lower()
        if scheme == "file":
            import urllib.request  # imported here, as in _open_url

            return open_input(urllib.request.url2pathname(urllib.parse.urlparse(path).path))
        stream = _open_url(path, scheme)
        return _sniffed(path, stream, raw=None, size=None, owned=(stream,), url=True)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", path)
    raw = open(path, "rb")
    try:
        info = os.fstat(raw.fileno())
        regular = stat.S_ISREG(info.st_mode)
        return _sniffed(path, raw, raw=raw, size=info.st_size if regular else None,
                        owned=(raw,), regular=regular)
    except BaseException:
        raw.close()
        raise


def _sniffed(name, stream, raw, size, owned, regular=False, url=False):
    """An Input over ``stream``, decompressing it if its first bytes say so."""
    head, stream = _head(stream, name, url)
    kind = compression.from_magic(head)
    if kind is None:
        if url:
            stream = io.BufferedReader(_Guarded(stream, name), 1 << 16)
        return Input(name, stream, raw, size, None, owned,
                     plain_file=raw if regular else None)
    if url:
        stream = _Guarded(stream, name)
    inner = compression.reader(kind, stream, name)
    return Input(name, inner, raw, size, kind, (inner,) + tuple(owned))


def _head(stream, name, url):
    """The stream's first bytes (enough to tell a compression) and a stream that still starts
    at the beginning. Reads no more than is there already or one read brings, unless those few
    bytes could start a magic number: an interactive stdin answers line by line."""
    peek = getattr(stream, "peek", None)
    if peek is not None and not url:
        head = peek(compression.MAGIC_BYTES)[:compression.MAGIC_BYTES]
        if not head or not compression.could_be_magic(head):
            return head, stream
    read = getattr(stream, "read1", None) or stream.read
    head = b""
    while compression.could_be_magic(head):
        try:
            chunk = read(compression.MAGIC_BYTES - len(head))
        except Exception as err:  # a URL transport's own errors
            if url:
                raise _url_error(name, err) from None
            raise
        if not chunk:
            break
        head += chunk
    return head, io.BufferedReader(_Prepended(head, stream), 1 << 16)


class _Prepended(io.RawIOBase):
    """``head`` followed by the rest of ``stream`` (whose first bytes were read to sniff)."""

    def __init__(self, head, stream):
        super().__init__()
        self._head, self._stream = head, stream
        self._read = getattr(stream, "read1", None) or stream.read

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


class _Guarded(io.RawIOBase):
    """A URL's stream whose transport errors (a reset connection, a timeout) become one
    InputError naming the URL."""

    def __init__(self, stream, name):
        super().__init__()
        self._stream, self.name = stream, name
        self._read = getattr(stream, "read1", None) or stream.read

    def readable(self):
        return True

    def readinto(self, buffer):
        try:
            data = self._read(len(buffer))
        except Exception as err:  # http.client.IncompleteRead, socket.timeout, botocore, ...
            raise _url_error(self.name, err) from None
        buffer[:len(data)] = data
        return len(data)


def _url_error(name, err):
    return InputError("%s: reading failed: %s" % (name, _first_line(err)))


def _first_line(err):
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:200]


def _open_url(url, scheme):
    """A binary stream reading ``url``; InputError / MissingDependency in one line."""
    if scheme in ("http", "https"):
        # imported here: urllib.request loads http.client and email, a tenth of the start-up
        # time of a query command, and only URLs need it
        import urllib.error
        import urllib.request

        request = urllib.request.Request(url, headers={"User-Agent": "w2vns"})
        try:
            response = urllib.request.urlopen(request, timeout=URL_TIMEOUT)
        except urllib.error.HTTPError as err:
            raise InputError("%s: HTTP %d %s" % (url, err.code, err.reason)) from None
        except urllib.error.URLError as err:
            raise InputError("%s: cannot connect: %s" % (url, _first_line(err.reason))) from None
        except (OSError, ValueError) as err:  # a timeout, a malformed URL
            raise InputError("%s: cannot read: %s" % (url, _first_line(err))) from None
        return response
    try:
        import smart_open  # imported here: slow to import, and only URLs need it
    except ImportError:
        raise MissingDependency("%s: reading %s:// URLs needs smart_open: pip install "
                                "'smart_open[%s]'" % (url, scheme, scheme)) from None
    try:
        stream = smart_open.open(url, "rb", compression="disable")
    except ImportError:
        raise MissingDependency("%s: reading %s:// URLs needs a package that is not installed: "
                                "pip install 'smart_open[%s]'" % (url, scheme, scheme)) from None
    except NotImplementedError:
        raise InputError("%s: unsupported URL scheme %r" % (url, scheme)) from None
    except Exception as err:  # boto3's NoCredentialsError, ClientError, connection errors...
        raise InputError("%s: cannot open: %s%s"
                         % (url, type(err).__name__ + ": " if type(err).__name__ not in
                            str(err) else "", _first_line(err))) from None
    return stream


class StdoutClosed(OSError):
    """The process has no stdout (started with ``>&-``) and something was to be written there."""


def stdout_buffer():
    """stdout's binary buffer; StdoutClosed when the process has no stdout."""
    if sys.stdout is None or not hasattr(sys.stdout, "buffer"):
        raise StdoutClosed(errno.EBADF, "standard output is closed")
    return sys.stdout.buffer


@contextlib.contextmanager
def open_output(path, mode="wb", level=None):
    """Context manager yielding a file object that writes ``path`` atomically.

    ``mode`` is "wb" (bytes) or "w" (UTF-8 text). Compression follows the name: ``.gz``,
    ``.bz2``, ``.xz``, ``.zst`` (``level`` None takes each format's default). The data goes to
    a temporary file beside ``path`` that is renamed over it only when the block exits
    normally; if it raises, ``path`` is left as it was. ``-`` writes to stdout (flushed, not
    closed, at the end), uncompressed.
    """
    if mode not in ("wb", "w"):
        raise ValueError("open_output writes 'wb' or 'w', not %r" % (mode,))
    path = os.fspath(path)
    if path == "-":
        out = stdout_buffer()
        if sys.stdout is not None:
            sys.stdout.flush()  # what was printed before goes first
        with _as_text(out, mode) as handle:
            yield handle
        out.flush()
        return
    kind = compression.from_name(path)
    with atomic_output(path, "wb") as raw:
        if kind is None:
            with _as_text(raw, mode) as handle:
                yield handle
            return
        inner = os.path.basename(compression.strip_suffix(path))
        out = compression.writer(kind, raw, level, name=inner)
        try:
            with _as_text(out, mode) as handle:
                yield handle
        finally:
            # Writes the compressed trailer into ``raw`` (closing the compressor does not
            # close ``raw``); atomic_output then renames only if no exception is on its way.
            out.close()


@contextlib.contextmanager
def _as_text(binary, mode):
    """``binary`` itself for "wb"; a UTF-8 text layer over it for "w" (detached after, so that
    closing it does not close ``binary``)."""
    if mode == "wb":
        yield binary
        return
    text = io.TextIOWrapper(binary, encoding="utf-8", newline="\n")
    try:
        yield text
        text.flush()
    finally:
        text.detach()
