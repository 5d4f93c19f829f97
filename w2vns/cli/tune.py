"""w2vns tune."""
import json
import os
import shlex

import click

from ..apps.plot import MissingMatplotlib, image_format
from ..apps.tune import METRIC_NAMES, describe_rule, plot_trials
from ..apps.tune import tune as run_tune
from ..corpus.encode import CorpusError
from ..io.files import open_output
from ..training.presets import PRESETS
from ..vectors.keyed import FORMATS, format_for_path
from .common import (DEFAULT_MODEL, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, emit_lines,
                     error_text, fail, json_safe, log, plural)
from .options import (cache_dir_option, number_list, option_given, preset_option,
                       preset_params, progress_option, quiet_option, train_command,
                       training_options)
from .progress import TqdmTrials
from .tables import format_tune


class TuneCommand(click.Command):
    """tune's --json used to take a file name; --json is now the flag every command has (JSON
    on stdout) and --json-out FILE writes the file.  The old spellings still work, with a
    line that says so: '--json -' is --json, '--json X.json' (or --json=X) is --json-out X."""

    def parse_args(self, ctx, args):
        args, old = list(args), None
        for i, token in enumerate(args):
            if token == "--":
                break
            if token.startswith("--json="):
                old, value = token, token.split("=", 1)[1]
                args[i:i + 1] = ["--json"] if value == "-" else ["--json-out", value]
                break
            if token == "--json" and i + 1 < len(args) and (
                    args[i + 1] == "-" or args[i + 1].lower().endswith(".json")):
                old, value = "--json " + args[i + 1], args[i + 1]
                args[i:i + 2] = ["--json"] if value == "-" else ["--json-out", value]
                break
        if old:
            click.echo("w2vns: warning: 'tune %s' is deprecated: --json alone prints the JSON on "
                       "stdout, --json-out FILE writes it to a file" % old, err=True)
        return super().parse_args(ctx, args)


@click.command(cls=TuneCommand, epilog="""\b
Examples:
  w2vns tune corpus.txt --negative 2,5,10,20 -o best.bin
  w2vns tune items.txt --window 0 --metric heldout --budget-minutes 10 --json-out tune.json""")
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", default=DEFAULT_MODEL, show_default=True,
              help="Where to write the chosen setting's vectors.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format [default: by name: .w2vns a memory-mapped folder, .txt/.vec "
                   "(also .gz/.bz2/.xz/.zst) text, else binary].")
@training_options(replace={
    "negative": click.option("--negative", "negatives", default="2,5,10,20", show_default=True,
                             callback=number_list(int, 0, 1000),
                             help="Numbers of noise words per pair to try, comma-separated."),
    "noise_power": click.option("--noise-power", "noise_powers", default="0.75",
                                show_default=True, callback=number_list(float, -10, 10),
                                help="Noise distribution powers to try, comma-separated.")})
@preset_option()
@click.option("--metric", type=click.Choice(["auto", "analogy", "similarity", "heldout"]),
              default="auto", show_default=True,
              help="What to maximise; auto: analogies if at least 100 questions fit the "
                   "vocabulary, else heldout.")
@click.option("--analogies", "analogy_file", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Analogy questions for --metric analogy [default: bundled "
                                 "questions-words].")
@click.option("--similarity", "similarity_file", type=click.Path(exists=True, dir_okay=False),
              default=None, help="Word pairs for --metric similarity [default: bundled "
                                 "WordSim-353].")
@click.option("--holdout", type=click.FloatRange(0, 0.5, min_open=True), default=0.01,
              show_default=True, help="Share of the lines kept out of training for heldout.")
@click.option("--max-tokens", type=click.IntRange(1), default=None,
              help="Read only the first N tokens of the corpus.")
@click.option("--budget-minutes", type=click.FloatRange(0, min_open=True), default=None,
              help="Successive halving within about this many minutes instead of the full grid.")
@click.option("--json", "as_json", is_flag=True,
              help="Print every trial and the choice as one JSON document instead of the "
                   "table.")
@click.option("--json-out", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write every trial and the choice as JSON to this file.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Draw the metric and the time against the setting (needs matplotlib).")
@cache_dir_option()
@progress_option()
@quiet_option("Print only the table and errors.")
@click.pass_context
def tune(ctx, corpus, output, fmt, negatives, noise_powers, metric, analogy_file,
         similarity_file, holdout, max_tokens, budget_minutes, as_json, json_path, plot_path,
         cache_dir, progress, quiet, preset, **params):
    """Train every --negative (x --noise-power) setting on CORPUS, score each, keep the best.

    Everything else is held fixed.  Near-ties go to the fewest negatives
    (docs/negative-sampling.md).
    """
    if corpus.count("-") > 1:
        fail("stdin ('-') can be read only once")
    params, _ = preset_params(ctx, preset, params)
    # The preset's noise power is the one choice unless --noise-power is given; its number of
    # negatives is not: choosing that is what tune is for, so --negative's list stays.
    if "noise_power" in PRESETS.get(preset, {}) and not option_given(ctx, "noise_powers"):
        noise_powers = (PRESETS[preset]["noise_power"],)
    varied = ("negative", "noise_power")
    params = {k: v for k, v in params.items() if k not in varied}  # lists of their own
    for path in corpus:
        if path != "-" and "://" not in path and not os.path.exists(path):
            fail("%s: no such file" % path)
    for option, path in (("-o", output), ("--plot", plot_path)):
        if path == "-":
            fail("tune prints its table on stdout: give %s a file name" % option)
    try:
        fmt = format_for_path(output, fmt)
    except ValueError as err:
        fail(str(err))
    if analogy_file and similarity_file:
        fail("--analogies and --similarity cannot be used together")
    metric_path = analogy_file or similarity_file
    if metric_path:
        wanted = "analogy" if analogy_file else "similarity"
        if metric not in ("auto", wanted):
            fail("--%s goes with --metric %s, not %s"
                 % ("analogies" if analogy_file else "similarity", wanted, metric))
        metric = wanted
    for target in (output, json_path, plot_path):
        if target and target != "-":
            folder = os.path.dirname(os.path.abspath(target))
            if not os.path.isdir(folder):
                fail("%s: folder %s does not exist" % (target, folder))
            if not os.access(folder, os.W_OK):
                fail("%s: folder %s is not writable" % (target, folder))
    if plot_path:
        try:  # before hours of training
            image_format(plot_path)
        except (MissingMatplotlib, ValueError) as err:
            fail(str(err))
    bar = TqdmTrials(enabled=False if quiet else progress)
    try:
        result = run_tune(list(corpus), negatives=negatives, noise_powers=noise_powers,
                          metric=metric, metric_path=metric_path, max_tokens=max_tokens,
                          budget_minutes=budget_minutes, holdout=holdout, progress=bar,
                          cache_dir=cache_dir, **params)
        result.model.wv.save_as(output, fmt)
        # The choice at work: train with it (on the whole corpus, where tune trained on part).
        command = train_command(ctx, list(corpus), preset, result.model.report["params"],
                                ("negative", "noise_power"))
        document = json_safe(dict(result.to_dict(), output=output, command=command))
        if json_path and json_path != "-":
            with open_output(json_path, "w") as handle:
                json.dump(document, handle, indent=1)
                handle.write("\n")
        if plot_path:
            plot_trials(result, plot_path)
    except KeyboardInterrupt:
        bar.close()
        fail("interrupted; nothing was written", EXIT_INTERRUPTED)
    except Terminated:
        bar.close()
        fail("terminated; nothing was written", EXIT_TERMINATED)
    except (CorpusError, ValueError) as err:
        fail(str(err))
    except OSError as err:
        fail(error_text(err))
    if as_json or json_path == "-":
        emit_lines([json.dumps(document, ensure_ascii=False)])
    else:
        emit_lines([format_tune(result, METRIC_NAMES[result.metric], describe_rule(result.metric)),
                    "to train with the choice: " + shlex.join(command)])
    log(quiet, "w2vns: %s in %.1f s; negative %d, noise power %g -> %s"
        % (plural(len(result.trials), "trial"), result.seconds, result.best.negative,
           result.best.noise_power,
           output))
