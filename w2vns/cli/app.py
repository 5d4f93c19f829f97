"""The ``w2vns`` command group: its commands (each in a module of its own, loaded when it
runs) and the error handling every command shares."""
import faulthandler
import importlib
import os
import re
import signal
import sys

import click

from ..io.files import StdoutClosed
from . import foreign
from .common import EXIT_INTERRUPTED, fail, on_sigterm, reader_left

#: Each command's module and function. A command's module (and the library it needs) is
#: imported only when that command runs, so that `w2vns similar` does not pay for loading the
#: trainer; `w2vns --help` imports them all.
COMMANDS = {
    "train": "train:train",
    "similar": "query:similar",
    "analogy": "query:analogy",
    "similarity": "query:similarity",
    "doesnt-match": "query:doesnt_match",
    "evaluate": "evaluate:evaluate",
    "phrases": "phrases:phrases",
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
        return getattr(importlib.import_module("." + module, __package__), function)

    def invoke(self, ctx):
        """Run the command; a closed stdout (``w2vns ... | head``) ends it quietly, before
        click would turn it into exit 1."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            reader_left()
        except StdoutClosed:
            fail("standard output is closed: there is nowhere to write the results")


def print_version(ctx, param, value):
    """--version: the package's version and how its kernel was compiled (loaded only then,
    like the commands, so that other commands start without the kernel)."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(importlib.import_module(".version", __package__).version_line())
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog="'w2vns COMMAND --help' gives a command's options and examples.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=print_version, help="Show the version and exit.")
def cli():
    """w2vns: word2vec with negative sampling, fast.

    \b
      w2vns train corpus.txt          # writes ./vectors.bin
      w2vns similar dog               # nearest neighbours from ./vectors.bin
    """
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        # An ignored SIGINT is inherited from a shell that started this command in the
        # background (`w2vns train ... &` in a script): Ctrl-C at the terminal is not for it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_sigterm)


def _model_hint(err):
    """'w2vns info vectors.bin': the model is given with -m; say so, with the command that
    works, rather than only that the argument was not expected."""
    found = re.search(r"unexpected extra arguments? \(([^\s)]+)", err.format_message())
    takes_model = err.ctx and any("--model" in getattr(param, "opts", ())
                                  for param in err.ctx.command.params)
    if not (found and takes_model and os.path.exists(found.group(1))):
        return None
    return "%s: the model is given with -m: 'w2vns %s -m %s'" % (
        err.format_message(), err.ctx.info_name, found.group(1))


def _see_help(err):
    if err.ctx and err.ctx.parent:
        return " (see 'w2vns %s --help')" % err.ctx.info_name
    return " (see 'w2vns --help')"


def main(argv=None):
    """Run the command line: click's usage errors become one line on stderr and exit 2."""
    # A crash in native code prints the Python stack instead of dying silently.
    faulthandler.enable()
    args = sys.argv[1:] if argv is None else list(argv)
    if not args:  # bare `w2vns`: what it can do, as git does
        with click.Context(cli, info_name="w2vns") as ctx:
            click.echo(cli.get_help(ctx))
        sys.exit(0)
    alien = foreign.single_dash_option(args)
    if alien:
        fail(foreign.message(alien))
    try:
        code = cli.main(args=args, prog_name="w2vns", standalone_mode=False)
    except click.NoSuchOption as err:
        hint = foreign.suggestion(err.option_name)
        if hint and hint.split("/")[-1] != err.option_name:
            fail(foreign.message(err.option_name))
        fail(err.format_message() + _see_help(err))
    except click.UsageError as err:
        fail(_model_hint(err) or err.format_message() + _see_help(err))
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
