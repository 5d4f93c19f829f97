"""Options shared by several commands, and their parsers."""
import click
from click.core import ParameterSource

from ..training.checkpoint import parse_every
from ..training.presets import apply_preset


def training_options(negative, noise_power):
    """The training parameters shared by train and tune, in train's order; ``negative`` and
    ``noise_power`` are the two options that tune varies (lists there, one value in train)."""
    options = [
        click.option("--dim", type=click.IntRange(1, 10000), default=100, show_default=True,
                     help="Vector dimension."),
        click.option("--window", type=click.IntRange(0, 1000), default=5, show_default=True,
                     help="Maximum context distance (0: the whole line, for baskets)."),
        negative,
        click.option("--sample", type=click.FloatRange(0, 1, max_open=True), default=1e-3,
                     show_default=True, help="Subsampling threshold (0 disables)."),
        click.option("--min-count", type=click.IntRange(1), default=5, show_default=True,
                     help="Drop words rarer than this."),
        click.option("--max-vocab", type=click.IntRange(1), default=None,
                     help="Keep only the N most frequent words."),
        click.option("--epochs", type=click.IntRange(1, 100000), default=5, show_default=True),
        click.option("--alpha", type=click.FloatRange(0, 10, min_open=True), default=0.025,
                     show_default=True,
                     help="Initial learning rate (decays linearly to alpha*1e-4)."),
        noise_power,
        click.option("--threads", type=click.IntRange(1, 1024), default=None,
                     help="Worker threads [default: all cores]."),
        click.option("--seed", type=click.IntRange(0, 2**64 - 1), default=1, show_default=True),
        click.option("--kernel", type=click.Choice(["fast", "reference"]), default="fast",
                     show_default=True, help="Update loop: shared negatives per window, or "
                     "word2vec's per-pair updates."),
        click.option("--loss", type=click.Choice(["sgns", "nce"]), default="sgns",
                     show_default=True,
                     help="Negative sampling (sgns) or noise-contrastive estimation (nce)."),
        click.option("--hard-negatives", "hard_negatives", type=click.IntRange(0, 10000),
                     default=0, show_default=True, metavar="M",
                     help="Draw M noise candidates, keep the --negative the model scores "
                     "highest (0: off)."),
        click.option("--adversarial-temperature", "adversarial_temperature",
                     type=click.FloatRange(0, 1000), default=0.0, show_default=True, metavar="T",
                     help="Weight noise words by k*softmax(score/T) (self-adversarial; 0: off)."),
        click.option("--hot-rows", "hot_rows", type=click.IntRange(0, 65536), default=None,
                     metavar="N", help="Threads work on private copies of the N most frequent "
                     "words' rows, merged every --hot-sync updates (less cache-line contention) "
                     "[default: 256 from 8 threads on, else 0]."),
        click.option("--hot-sync", "hot_sync", type=click.IntRange(1, 1000000), default=64,
                     show_default=True, metavar="N",
                     help="Updates between merges of the --hot-rows copies."),
        click.option("--nce-bias/--no-nce-bias", "nce_bias", default=True, show_default=True,
                     help="With --loss nce, learn a per-word output bias (score u.v + b_w, b_w "
                     "starting at log unigram probability); --no-nce-bias: the bare score u.v."),
    ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


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
    given = {name for name in params if ctx.get_parameter_source(name) in (
        ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT)}
    return apply_preset(preset, params, given)


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


def query_options(command):
    """-m, --restrict and --json, shared by the query commands (similar, analogy)."""
    command = click.option("--json", "as_json", is_flag=True,
                           help="One JSON document on stdout.")(command)
    command = click.option("--restrict", type=click.IntRange(1), default=None,
                           help="Consider only the N most frequent words as answers.")(command)
    return click.option("-m", "--model", "model_path", default=None,
                        help="Vectors file or .w2vns folder [default: $W2VNS_MODEL, else "
                             "./vectors.bin].")(command)


def parse_size(ctx, param, value):
    """'1000x800' -> (1000, 800), for --size."""
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter("expected WIDTHxHEIGHT in pixels, e.g. 1000x800, not %r" % value)
    if not (16 <= width <= 20000 and 16 <= height <= 20000):
        raise click.BadParameter("width and height must be between 16 and 20000 pixels")
    return width, height
