"""The ``w2vns`` command line: parses arguments, calls the library, formats results.

Contract (DESIGN.md): results on stdout, progress and logs on stderr; exit 0 ok, 1 when a query
cannot be answered (other queries still are), 2 for bad usage or bad input (one line, no
traceback), 130 on Ctrl-C, 141 when stdout's reader left (``w2vns ... | head``: quietly, as
cat), 143 on SIGTERM.
"""
import faulthandler
import importlib
import signal
import sys

import click

from ..io.files import StdoutClosed
from .common import EXIT_INTERRUPTED, fail, on_sigterm, reader_left

#: Each command's module and function. A command's module (and the library it needs) is
#: imported only when that command runs, so that `w2vns similar` does not pay for loading the
#: trainer; `w2vns --help` imports them all.
COMMANDS = {
    "train": "train:train",
    "similar": "query:similar",
    "analogy": "query:analogy",
    "similarity": "query:similarity",
    "evaluate": "evaluate:evaluate",
    "plot": "evaluate:plot",
    "info": "vectors:info",
    "convert": "vectors:convert",
    "tune": "tune:tune",
    "recommend": "recommend:recommend",
    "evaluate-rec": "recommend:evaluate_rec",
}


class LazyGroup(click.Group):
    """A click group whose commands live in their own modules, imported on first use."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, function = COMMANDS[name].split(":")
        return getattr(importlib.import_module("." + module, __name__), function)

    def invoke(self, ctx):
        """Run the command; a closed stdout (``w2vns ... | head``) ends it quietly, before
        click would turn it into exit 1."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            reader_left()
        except StdoutClosed:
            fail("standard output is closed: there is nowhere to write the results")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="w2vns")
def cli():
    """w2vns: word2vec with negative sampling, fast.

    \b
      w2vns train corpus.txt          # writes ./vectors.bin
      w2vns similar dog               # nearest neighbours from ./vectors.bin
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)


def main(argv=None):
    """Console entry point: click's usage errors become one line on stderr and exit 2."""
    # A crash in native code prints the Python stack instead of dying silently.
    faulthandler.enable()
    try:
        code = cli.main(args=argv, prog_name="w2vns", standalone_mode=False)
    except click.UsageError as err:
        hint = " (see 'w2vns %s --help')" % err.ctx.info_name if err.ctx and err.ctx.parent else (
            " (see 'w2vns --help')")
        fail(err.format_message() + hint)
    except click.ClickException as err:
        fail(err.format_message())
    except click.Abort:
        fail("interrupted", EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:
        reader_left()
    try:
        if sys.stdout is not None:
            sys.stdout.flush()  # what is still buffered: its reader may have left meanwhile
    except BrokenPipeError:
        reader_left()
    sys.exit(code if isinstance(code, int) else 0)
