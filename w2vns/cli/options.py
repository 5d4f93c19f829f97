"""Options shared by several commands, and their parsers."""
import click
from click.core import ParameterSource

from ..training.checkpoint import parse_every
from ..training.params import settings
from ..training.presets import KINDS, PRESETS, apply_preset, describe_values


def training_option(name, default, how, preset=None, shown=None):
    """The click option of one TrainParams field, from its ``Setting``: name, type, range,
    default and help are declared once, on the field (w2vns/training/params.py).
    ``preset``: a preset name whose value for this field the help shows as the default;
    ``shown``: the default as the help says it instead (a command that computes it)."""
    flag = "--" + name.replace("_", "-")
    kwargs = {"help": how.help, "metavar": how.metavar}
    if how.kind is bool:
        return click.option("%s/%s" % (flag, how.flag or "--no-" + flag[2:]), name,
                            default=default, show_default=True, **kwargs)
    if how.choices is not None:
        kwargs["type"] = click.Choice(list(how.allowed()))
    elif how.kind is int:
        kwargs["type"] = click.IntRange(how.low, how.high)
    else:
        kwargs["type"] = click.FloatRange(how.low, how.high, min_open=how.low_open,
                                          max_open=how.high_open)
    # click puts a string default in parentheses: the help says computed defaults itself.
    in_preset = PRESETS.get(preset, {}).get(name)
    if shown is not None:
        kwargs["help"] += "  [default: %s]" % shown
    elif in_preset is not None:
        kwargs["help"] += "  [default: %g with the %s preset]" % (in_preset, preset)
    elif how.default_text:
        kwargs["help"] += "  [default: %s]" % how.default_text
    kwargs["show_default"] = (shown is None and in_preset is None and how.default_text is None
                              and default is not None)
    return click.option(flag, name, default=default, **kwargs)


def training_options(replace=None, preset=None, shown=None):
    """Decorator adding an option for every training parameter (TrainParams' fields, in their
    order). ``replace``: {name: click option} for parameters a command takes differently
    (tune takes lists of negatives and noise powers). ``preset``: show that preset's values
    as the defaults (evaluate-rec trains with the items preset). ``shown``: {name: text} for
    defaults the command itself computes (evaluate-rec picks the noise power)."""
    replace, shown = replace or {}, shown or {}
    options = [replace.get(name) or training_option(name, default, how, preset,
                                                    shown.get(name))
               for name, default, how in settings()]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


def preset_option(default=None):
    """--preset NAME: a named set of training defaults (w2vns/training/presets.py)."""
    names = sorted(PRESETS)
    help_text = "Defaults for a kind of data; options given explicitly win.  " + "  ".join(
        "%s: %s (%s)." % (name, KINDS[name], describe_values(PRESETS[name])) for name in names)
    if default is not None:
        names.append("none")
        return click.option("--preset", type=click.Choice(names), default=default,
                            show_default=True, help=help_text + "  none: train's defaults.")
    return click.option("--preset", type=click.Choice(names), default=None, help=help_text)


class IntervalType(click.ParamType):
    """--checkpoint-every: 1epoch, 10m, 2h, 30s, or a number of words."""

    name = "INTERVAL"

    def convert(self, value, param, ctx):
        try:
            parse_every(value)
        except ValueError as err:
            self.fail(str(err), param, ctx)
        return value


def preset_params(ctx, preset, params):
    """Fill in the preset's values for the options not given on the command line (or from the
    environment); returns (params, {option: value} taken from the preset)."""
    given = {name for name in params if option_given(ctx, name)}
    return apply_preset(preset, params, given)


def option_given(ctx, name):
    """Whether the user set parameter ``name`` (on the command line or from the environment)."""
    return ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE,
                                             ParameterSource.ENVIRONMENT)


def train_command(ctx, inputs, preset, values, picked=()):
    """The ``w2vns train`` arguments that train on ``inputs`` with what a command measured:
    its ``preset``, every training option given on ``ctx``'s command line, and each parameter
    of ``picked`` whose value differs from the one the preset or train's default gives.
    ``values``: {TrainParams field: value} of the measured model.  Options are spelled as
    :func:`training_option` declares them."""
    defaults = {name: default for name, default, _ in settings()}
    defaults.update(PRESETS.get(preset, {}))
    names = [name for name, _, _ in settings() if name in values and (
        (name in picked and values[name] != defaults[name])
        or (name not in picked and name in ctx.params and option_given(ctx, name)))]
    return (["w2vns", "train", *inputs] + (["--preset", preset] if preset else [])
            + train_arguments(names, values))


def train_arguments(names, values):
    """['--dim', '32', '--no-nce-bias', ...]: the train options that set each TrainParams
    field of ``names`` to its value in ``values``."""
    hows = {name: how for name, _, how in settings()}
    args = []
    for name in names:
        flag, value = "--" + name.replace("_", "-"), values[name]
        if hows[name].kind is bool:
            args.append(flag if value else hows[name].flag or "--no-" + flag[2:])
        else:
            args += [flag, number_text(value) if isinstance(value, float) else str(value)]
    return args


def number_text(value):
    """A float as short as it is exact: 0.0 -> '0', 0.025 -> '0.025', 1e-05 -> '1e-05'."""
    short = "%g" % value
    return short if float(short) == value else repr(value)


def number_list(kind, low, high):
    """A click callback: '2,5,10' -> (2, 5, 10), each of ``kind`` within [low, high]."""
    def parse(ctx, param, value):
        try:
            values = tuple(kind(v) for v in value.split(",") if v.strip())
        except ValueError:
            raise click.BadParameter("expected comma-separated %s, e.g. %s, not %r" % (
                "integers" if kind is int else "numbers", "2,5,10" if kind is int else
                "0.5,0.75,1", value))
        if not values:
            raise click.BadParameter("give at least one value")
        for v in values:
            if not low <= v <= high:
                raise click.BadParameter("%s is not in the range %s..%s" % (v, low, high))
        return values
    return parse


MODEL_HELP = ("Vectors file, .w2vns folder or saved model (train --save-model DIR) [default: "
              "$W2VNS_MODEL, else ./vectors.bin].")


def model_option(help=MODEL_HELP):
    """-m/--model: the vectors a command reads (every vectors command reads the same kinds)."""
    return click.option("-m", "--model", "model_path", default=None, help=help)


def cache_dir_option():
    """--cache-dir: where a command that streams its corpus keeps the encoded copy."""
    return click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
                        help="Folder for the temporary encoded corpus [default: $TMPDIR].")


def progress_option():
    """--progress/--no-progress: progress bars on stderr, by default when it is a terminal."""
    return click.option("--progress/--no-progress", default=None,
                        help="Force progress bars on or off [default: when stderr is a "
                             "terminal].")


def quiet_option(help="Print only errors."):
    """-q/--quiet: no summary line on stderr."""
    return click.option("-q", "--quiet", is_flag=True, help=help)


def json_option(help="JSON: one document, or JSON Lines with '-'."):
    """--json: the answer as JSON on stdout."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def query_options(command):
    """-m, --restrict and --json, shared by the query commands (similar, analogy)."""
    command = json_option()(command)
    command = click.option("--restrict", type=click.IntRange(1), default=None,
                           help="Consider only the N most frequent words as answers.")(command)
    return model_option()(command)


def parse_size(ctx, param, value):
    """'1000x800' -> (1000, 800), for --size."""
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter("expected WIDTHxHEIGHT in pixels, e.g. 1000x800, not %r" % value)
    if not (16 <= width <= 20000 and 16 <= height <= 20000):
        raise click.BadParameter("width and height must be between 16 and 20000 pixels")
    return width, height


def old_spelling(*names, now, name, type=None):
    """A hidden option that still accepts a renamed option's old spelling (``names``) into the
    parameter ``name``, with a line on stderr naming the new one (``now``); the command takes
    whichever was given: ``value if value is not None else old``."""
    def warn(ctx, param, value):
        if value is not None:
            click.echo("w2vns: warning: %s is now %s" % ("/".join(names), now), err=True)
        return value
    return click.option(*names, name, type=type, default=None, hidden=True, callback=warn,
                        expose_value=True)
