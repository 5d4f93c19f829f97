"""What goes wrong on a Dask cluster, in one line: ``ClusterError``, and Dask's own failures
translated into it (a scheduler that cannot be reached or goes away, a worker that died each
time it ran a task, a task that raised on every try).

Errors that say what is wrong with the input already (``ValueError``, ``OSError``: a missing
shard, damaged compressed data, a bad setting) come back from a task as they were raised and
are left as they are.
"""
import contextlib


class ClusterError(RuntimeError):
    """The Dask cluster could not run the job: the scheduler cannot be reached or went away,
    workers kept dying, or a task kept failing. The message is one line."""


def first_line(err):
    """``Type: first line of the message`` (a remote error's text can run over lines)."""
    text = str(err).strip().splitlines()
    return "%s: %s" % (type(err).__name__, text[0]) if text else type(err).__name__


def reason(err):
    """Why a connection or a start failed, in one line: the OS's words if an error in the
    chain of causes has them (Dask wraps "Connection refused" in CommClosedError and that in
    "Timed out trying to connect", "Address already in use" in "Cluster failed to start"),
    else the first line of ``err``'s own message."""
    cause = err
    while cause is not None:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
        cause = cause.__cause__
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _task_name(key):
    from distributed.utils import key_split  # dask is imported only once a cluster is in use

    return key_split(key)


def translate(err, from_task=False):
    """The ``ClusterError`` that says ``err`` in one line, or None if ``err`` says what it
    means already. ``from_task``: ``err`` came out of a task's result, so any exception that
    is not an input error is a task that failed on every try."""
    import distributed  # only called once a cluster is in use
    from distributed.comm.core import CommClosedError

    if isinstance(err, ClusterError):
        return None
    if isinstance(err, distributed.KilledWorker):
        return ClusterError(
            "a Dask worker died each time it ran %s (%d lost, the last %s): out of memory, "
            "or killed? the workers' logs say why" % (
                _task_name(err.task), err.allowed_failures + 1,
                getattr(err.last_worker, "address", err.last_worker)))
    if isinstance(err, CommClosedError):
        return ClusterError("lost the connection to the Dask scheduler (%s)" % reason(err))
    if isinstance(err, distributed.CancelledError):
        # One future's reason, or a group's (a gather); "scheduler-connection-lost" mostly.
        reasons = [getattr(err, "reason", None)] + [
            g.reason for g in getattr(err, "error_groups", ())]
        why = ", ".join(sorted({r for r in reasons if r})) or "no reason given"
        if "connection" in why:
            return ClusterError("lost the connection to the Dask scheduler (%s)" % why)
        return ClusterError("the Dask cluster cancelled the run's tasks (%s)" % why)
    if not from_task or isinstance(err, (ValueError, OSError)):
        return None
    if isinstance(err, MemoryError):
        return ClusterError("a Dask worker ran out of memory (fewer rows per worker: more "
                            "--blocks and workers; or workers with more memory)")
    return ClusterError("a task on the Dask cluster failed on every try: %s" % first_line(err))


@contextlib.contextmanager
def cluster_errors(from_task=False):
    """Raise Dask's failures met in the block as ``ClusterError`` (see ``translate``);
    ``from_task``: the block waits for tasks' results."""
    try:
        yield
    except Exception as err:
        clear = translate(err, from_task)
        if clear is None:
            raise
        raise clear from err


def result(future):
    """``future.result()``, its failures as ``ClusterError`` (input errors as they are)."""
    with cluster_errors(from_task=True):
        return future.result()


def gather(client, futures):
    """``client.gather(futures)``, failures as ``result``'s."""
    with cluster_errors(from_task=True):
        return client.gather(futures)
