"""Atomic output files: write to a temporary name beside the target, rename when complete.

A crash, Ctrl-C or a full disk never leaves a truncated file under the final name: either the
old file (if any) is still there, or the complete new one is.
"""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_output(path, mode="wb"):
    """Yield a file object opened on a temporary file in ``path``'s folder.

    On normal exit the file is flushed, fsynced and renamed to ``path``; on any exception the
    temporary file is removed and the exception propagates.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600 files; give the result the permissions a plain open() would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
