"""Atomic output files: write to a temporary name beside the target, rename when complete.

A crash, Ctrl-C or a full disk never leaves a truncated file under the final name: either the
old file (if any) is still there, or the complete new one is.

A target that exists and is not a regular file (``/dev/stdout``, ``/dev/full``, a FIFO) is
written directly: renaming a temporary file over a device would replace the device, and there
is no file there to leave half-written.
"""
import contextlib
import os
import stat
import tempfile


@contextlib.contextmanager
def atomic_output(path, mode="wb"):
    """Yield a file object opened on a temporary file in ``path``'s folder.

    On normal exit the file is flushed, fsynced and renamed to ``path``; on any exception the
    temporary file is removed and the exception propagates.
    """
    path = os.fspath(path)
    if is_special(path):
        with open(path, mode) as handle:
            yield handle
            handle.flush()
        return
    fd, tmp = temporary_beside(path)
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
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError) and err.filename == tmp:
            err.filename = path  # the user knows the target, not our temporary name
        raise


def temporary_beside(path, folder=False):
    """A temporary file (``(fd, name)``, as mkstemp) or folder (its name) in ``path``'s folder,
    named after ``path`` and hidden, to be renamed to ``path`` once complete. An OSError is
    raised under ``path``'s name: the user knows the target, not the temporary name."""
    parent, base = os.path.split(os.path.abspath(path))
    make = tempfile.mkdtemp if folder else tempfile.mkstemp
    try:
        return make(prefix="." + base + ".", suffix=".tmp", dir=parent)
    except OSError as err:
        raise type(err)(err.errno, "cannot create a %s in %s: %s" % (
            "folder" if folder else "file", parent, err.strerror), os.fspath(path)) from None


def is_special(path):
    """True when ``path`` exists and is not a regular file or a folder (a device, a FIFO)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def check_writable(path, folder_output=False):
    """Raise OSError unless ``path`` could be written atomically: its folder exists and a file
    can be created there (tried for real: permission bits do not tell root, or a read-only
    mount, the truth). ``folder_output``: ``path`` is written as a folder, so an existing
    folder there is replaced, not an error (it must take a new file)."""
    path = os.fspath(path)
    if folder_output and os.path.isdir(path):
        try:
            check_writable(os.path.join(path, ".probe"))
        except OSError as err:
            err.filename = path
            raise
        return
    if is_special(path):
        if not os.access(path, os.W_OK):
            raise PermissionError(13, "not writable", path)
        return
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(2, "folder %s does not exist" % folder, path)
    if os.path.isdir(path):
        raise IsADirectoryError(21, "is a folder", path)
    try:
        fd, probe = tempfile.mkstemp(prefix=".w2vns-probe-", dir=folder)
    except OSError as err:
        raise PermissionError(err.errno, "folder %s is not writable" % folder, path) from None
    os.close(fd)
    os.unlink(probe)
