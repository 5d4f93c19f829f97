"""The training options of the command line are generated from TrainParams: one declaration
per parameter, the same default, range and help in train, tune and evaluate-rec."""
import dataclasses

import click
import pytest
from click.testing import CliRunner

from w2vns.cli.recommend import evaluate_rec
from w2vns.cli.train import train
from w2vns.cli.tune import tune
from w2vns.training import losses
from w2vns.training.params import TrainParams, settings


def options(command):
    return {p.name: p for p in command.params if isinstance(p, click.Option)}


@pytest.mark.parametrize("command", [train, tune, evaluate_rec], ids=lambda c: c.name)
def test_every_training_parameter_is_an_option(command):
    declared = options(command)
    varied = {"negative": "negatives", "noise_power": "noise_powers"} if command is tune else {}
    for name, default, how in settings():
        option = declared[varied.get(name, name)]
        assert option.help, name
        if name in varied:
            continue
        assert option.default == default, name
        assert option.opts[0] == "--" + name.replace("_", "-")


def test_ranges_and_choices_come_from_the_parameter():
    declared = options(train)
    assert (declared["dim"].type.min, declared["dim"].type.max) == (1, 10000)
    assert declared["sample"].type.max_open
    assert list(declared["loss"].type.choices) == list(losses.LOSSES)
    assert declared["nce_bias"].secondary_opts == ["--no-nce-bias"]


def test_a_field_without_a_setting_cannot_be_added():
    fields = dataclasses.fields(TrainParams)
    assert all("setting" in f.metadata for f in fields)


def test_tune_takes_the_preset_and_every_train_option(monkeypatch, tmp_path):
    seen = {}

    def fake_tune(corpus, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt  # stop before writing anything

    monkeypatch.setattr("w2vns.cli.tune.run_tune", fake_tune)
    corpus = tmp_path / "baskets.txt"
    corpus.write_text("a b c\n")
    result = CliRunner().invoke(tune, [str(corpus), "--preset", "items", "--hot-sync", "32",
                                       "--kernel", "reference"])
    assert result.exit_code == 130, result.output
    assert seen["window"] == 20 and seen["min_count"] == 1 and seen["epochs"] == 40
    assert seen["noise_powers"] == (0.0,) and seen["negatives"] == (2, 5, 10, 20)
    assert seen["hot_sync"] == 32 and seen["kernel"] == "reference"


def test_evaluate_rec_help_shows_the_items_preset_defaults():
    text = " ".join(CliRunner().invoke(evaluate_rec, ["--help"]).output.split())
    assert "[default: 40 with the items preset]" in text  # --epochs
    assert "[default: 20 with the items preset]" in text  # --window
