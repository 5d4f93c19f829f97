"""Connecting to a Dask cluster: an existing ``Client``, a scheduler address, or a
``LocalCluster`` of worker processes on this machine (``local`` or ``local:N``)."""
import contextlib
import logging
import os

from .errors import ClusterError, reason


class DaskUnavailable(ImportError):
    """Dask distributed is not installed."""


def require_dask():
    """Import ``distributed`` or raise ``DaskUnavailable`` with how to install it."""
    try:
        import distributed  # noqa: F401  (slow to import: only when asked for)
    except ImportError:
        raise DaskUnavailable("--dask needs Dask distributed: pip install 'w2vns[dask]' "
                              "(or: pip install 'dask[distributed]')") from None
    return distributed


def parse_local(spec):
    """``local`` -> None (a worker per core), ``local:N`` -> N; None if not a local spec."""
    if spec == "local":
        return 0
    if spec.startswith("local:"):
        n = spec[len("local:"):]
        if not n.isdigit() or not 1 <= int(n) <= 1024:
            raise ValueError("--dask local:N needs a number of workers in 1..1024 (got %r)"
                             % spec)
        return int(n)
    return None


def check_spec(spec):
    """Raise ValueError unless ``spec`` is a Client, ``local[:N]`` or a scheduler address."""
    if not isinstance(spec, str):
        return
    if parse_local(spec) is None and "://" not in spec:
        raise ValueError("--dask takes local, local:N or a scheduler address such as "
                         "tcp://HOST:8786 (got %r)" % spec)


@contextlib.contextmanager
def connect(spec, threads_per_worker=None):
    """Yield a ``distributed.Client`` for ``spec``: a Client (used as it is, left open), a
    scheduler address, or ``local[:N]``: a LocalCluster of N worker processes (default: one
    per core) with ``threads_per_worker`` threads each (default: the cores shared out), closed
    on exit."""
    distributed = require_dask()
    if isinstance(spec, distributed.Client):
        yield spec
        return
    check_spec(spec)
    n = parse_local(spec)
    if n is None:
        try:
            client = distributed.Client(spec)
        except (OSError, ValueError) as err:  # refused, timed out, no such host, bad address
            why = reason(err)
            where = "" if spec in why else " at %s" % spec
            raise ClusterError("cannot reach the Dask scheduler%s: %s" % (where, why)) from err
        with quiet_logs(), client:  # quiet until the client is closed
            yield client
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    n = n or cores
    threads = threads_per_worker or max(1, cores // n)
    import dask.config  # optional and slow to import: only once a local cluster is asked for

    # A task's error comes back to the client as its exception (one line from the CLI): the
    # workers' own log of it would say it a second time, with a traceback. The workers'
    # statistical profiler (a thread sampling every task's stack every 10 ms) is off: it is
    # for Dask's dashboard, and on a machine whose cores all train it takes their time
    # (docs/distributed.md). Dask starts its workers with MALLOC_TRIM_THRESHOLD_=65536, which
    # also pins glibc's mmap threshold at 128 KiB: every block a cell writes is then mapped
    # afresh, faulted in page by page and unmapped, each cell. Left to glibc's own defaults, a
    # freed block's memory serves the next one: the run is faster, each worker's peak somewhat
    # higher (docs/distributed.md, "Memory per worker"); MALLOC_TRIM_THRESHOLD_ set in this
    # process's environment still applies to the workers.
    try:
        with dask.config.set({"distributed.worker.profile.enabled": False,
                              "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=threads,
                                               processes=True, dashboard_address=":0",
                                               silence_logs=logging.CRITICAL)
    except (OSError, RuntimeError) as err:  # no free port, worker processes that cannot start
        raise ClusterError("cannot start a local Dask cluster of %d workers: %s" % (
            n, reason(err))) from err
    with cluster, distributed.Client(cluster) as client:
        yield client


@contextlib.contextmanager
def quiet_logs():
    """Dask's client logs to stderr what it then raises (a lost scheduler, with tracebacks):
    the error comes back as one line, so its handlers print nothing below CRITICAL meanwhile
    (as ``LocalCluster(silence_logs=...)`` does for a local cluster)."""
    handlers = [h for h in logging.getLogger("distributed").handlers
                if isinstance(h, logging.StreamHandler)]
    levels = [h.level for h in handlers]
    for h in handlers:
        h.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for h, level in zip(handlers, levels):
            h.setLevel(level)

