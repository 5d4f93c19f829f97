"""The ``w2vns`` command line: parses arguments, calls the library, formats results.

Contract (DESIGN.md): results on stdout, progress and logs on stderr; exit 0 ok, 1 when a query
cannot be answered (other queries still are), 2 for bad usage or bad input (one line, no
traceback), 130 on Ctrl-C, 141 when stdout's reader left (``w2vns ... | head``: quietly, as
cat), 143 on SIGTERM.

This module is only the entry point, and imports nothing of the package at its top: loading
the command line (numpy, click, the readers) takes a few tenths of a second, and a Ctrl-C then,
from a user or a pipeline's process group, must end as quietly as one a moment later.
"""
import importlib
import sys


def main(argv=None):
    """Console entry point (``w2vns``, ``python -m w2vns``): load the command line and run it
    on ``argv`` (``sys.argv[1:]`` when None)."""
    try:
        run = importlib.import_module(".app", __name__).main
    except KeyboardInterrupt:
        sys.stderr.write("w2vns: error: interrupted\n")
        sys.exit(130)  # common.EXIT_INTERRUPTED, which is not loaded yet
    run(argv)
