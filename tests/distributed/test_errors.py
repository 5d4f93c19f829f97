"""Dask's failures are one line on stderr and exit 2 from the command line, and a
``ClusterError`` from the library: a scheduler that cannot be reached or goes away mid-run, a
worker that dies each time it runs a task (KilledWorker), a task that raises on every try."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

import w2vns
from w2vns.distributed import backend
from w2vns.distributed.errors import ClusterError, translate

from ..helpers import REPO, one_line

distributed = pytest.importorskip("distributed")

#: How long a client tries to reach a scheduler (Dask's default is 30 s): an unreachable one
#: fails fast in the tests.
QUICK = {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}

#: The command line with the test hook of ``cells.inject_fault`` set: (kind, argument) in argv[1].
FAULTY_CLI = """
import sys
from w2vns.cli import main
from w2vns.distributed.backend import DaskBackend
DaskBackend.fault = (sys.argv[1], None)
main(sys.argv[2:])
"""


def run(args, fault=None, env=None, timeout=120):
    """``w2vns ARGS`` in a subprocess, with ``fault`` injected into every cell."""
    if fault is None:
        command = [sys.executable, "-m", "w2vns", *map(str, args)]
    else:
        command = [sys.executable, "-c", FAULTY_CLI, fault, *map(str, args)]
    return subprocess.run(command, capture_output=True, timeout=timeout,
                          env=dict(os.environ, PYTHONPATH=REPO, **(env or {})))


def closed_port():
    """A local TCP port that nothing listens on (bound a moment ago, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_2(shards, tmp_path):
    address = "tcp://127.0.0.1:%d" % closed_port()
    result = run(["train", shards / "part-0.txt", "--dask", address, "-o", tmp_path / "v.bin"],
                 env=QUICK)
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("w2vns: error: cannot reach the Dask scheduler")
    assert address in line
    assert not (tmp_path / "v.bin").exists()
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(ClusterError, match="cannot reach the Dask scheduler"):
            w2vns.train(str(shards / "part-0.txt"), dask=address)


def test_a_task_that_raises_on_every_try_is_one_line_and_exit_2(client, shards, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(backend.DaskBackend, "fault", ("raise", None))
    with pytest.raises(ClusterError, match="failed on every try: RuntimeError: injected fault"):
        w2vns.train(str(shards / "part-0.txt"), dask=client, blocks=2, dim=10, epochs=1,
                    rounds=1)
    result = run(["train", shards / "part-0.txt", "--dask", client.scheduler.address,
                  "--blocks", "2", "--dim", "10", "--epochs", "1", "-o", tmp_path / "v.bin"],
                 fault="raise")
    assert result.returncode == 2
    assert one_line(result.stderr) == ("w2vns: error: a task on the Dask cluster failed on "
                                       "every try: RuntimeError: injected fault (test hook)")
    assert not (tmp_path / "v.bin").exists()


def test_a_worker_that_dies_each_time_it_runs_a_cell_is_one_line_and_exit_2(shards, tmp_path):
    """Every cell ends its worker's process; the scheduler (in the command's own LocalCluster)
    gives up on a task after one lost worker instead of Dask's default four, to keep it quick:
    Dask's KilledWorker."""
    result = run(["train", shards / "part-0.txt", "--dask", "local:1", "--dim", "10",
                  "--epochs", "1", "--rounds", "1", "-o", tmp_path / "v.bin"], fault="exit",
                 env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0"})
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("w2vns: error: a Dask worker died each time it ran train_cell "
                           "(1 lost, the last tcp://"), line
    assert not (tmp_path / "v.bin").exists()


def test_a_scheduler_that_goes_away_mid_run_is_one_line_and_exit_2(shards, tmp_path):
    """A scheduler with no workers: the command waits for its first task until the scheduler
    is killed."""
    port = closed_port()
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stderr=subprocess.PIPE, env=dict(os.environ, **QUICK))
    command = None
    try:
        for line in scheduler.stderr:
            if b"Scheduler at:" in line:
                break
        command = subprocess.Popen(
            [sys.executable, "-m", "w2vns", "train", str(shards / "part-0.txt"), "--dask",
             "tcp://127.0.0.1:%d" % port, "-o", str(tmp_path / "v.bin")],
            stderr=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=REPO, **QUICK))
        for line in scheduler.stderr:
            if b"Receive client connection" in line:
                break
        time.sleep(0.5)  # the client has sent its first task by now, or soon will
        scheduler.send_signal(signal.SIGKILL)
        _, err = command.communicate(timeout=60)
    finally:
        for proc in (scheduler, command):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert command.returncode == 2
    assert one_line(err) == ("w2vns: error: lost the connection to the Dask scheduler "
                             "(scheduler-connection-lost)")


def test_dask_s_failures_are_translated_into_one_line_and_input_errors_left_alone():
    from distributed.client import CancelledFuturesGroup, FutureCancelledError, \
        FuturesCancelledError
    from distributed.comm.core import CommClosedError

    lost = FutureCancelledError("train_cell-1", "scheduler-connection-lost")
    assert str(translate(lost)) == ("lost the connection to the Dask scheduler "
                                    "(scheduler-connection-lost)")
    group = FuturesCancelledError([CancelledFuturesGroup([lost], "scheduler-connection-lost")])
    assert str(translate(group)) == str(translate(lost))
    assert "cancelled the run's tasks (scheduler-restart)" in str(
        translate(FutureCancelledError("k", "scheduler-restart")))
    closed = CommClosedError("in <TCP ...>: ConnectionResetError: [Errno 104] reset")
    closed.__cause__ = ConnectionResetError(104, "Connection reset by peer")
    assert str(translate(closed)) == ("lost the connection to the Dask scheduler (Connection "
                                      "reset by peer)")
    assert "out of memory" in str(translate(MemoryError(), from_task=True))
    assert str(translate(RuntimeError("first\nsecond"), from_task=True)) == (
        "a task on the Dask cluster failed on every try: RuntimeError: first")
    for err in (ValueError("bad setting"), FileNotFoundError(2, "No such file", "part-9")):
        assert translate(err, from_task=True) is None  # it says what it means already
    assert translate(RuntimeError("a bug of the client's own")) is None  # not from a task
