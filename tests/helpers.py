"""Helpers the test modules share: running the command line in a subprocess."""
import os
import signal
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def w2vns(*args, cwd=None, stdin=None, env=None, timeout=120):
    """Run ``python -m w2vns ARGS`` from this checkout (installed or not, whatever ``cwd``
    is); ``$W2VNS_MODEL`` is unset unless ``env`` sets it."""
    full_env = {k: v for k, v in os.environ.items() if k != "W2VNS_MODEL"}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")]))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "w2vns", *map(os.fsencode, map(str, args))],
                          cwd=cwd, input=stdin, capture_output=True, env=full_env,
                          timeout=timeout)


def _sigint_default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _sigint_ignored():
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: Popen keywords for a child that a test sends SIGINT: Ctrl-C's default action, as at a
#: terminal, even where the suite itself was started with SIGINT ignored (in the background of
#: a script), which the child would inherit and, as a background job should, keep.
AS_AT_A_TERMINAL = {"preexec_fn": _sigint_default}
#: Popen keywords for a child started as a script's background job: SIGINT ignored.
AS_A_BACKGROUND_JOB = {"preexec_fn": _sigint_ignored}


def one_line(stderr):
    """The single line a command printed on stderr (and that it is not a traceback)."""
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]
