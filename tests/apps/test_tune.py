"""w2vns tune: every setting trained on the same data, scored, and chosen by the stated rule."""
import json
import random
import shlex

import numpy as np
import pytest

from tests.helpers import w2vns
from w2vns.apps import tune as tune_module
from w2vns.apps.tune import (Trial, halving_plan, heldout_auc, heldout_pairs, rank, read_lines,
                             split_heldout, tolerance, tune)
from w2vns.corpus import synthetic
from w2vns.corpus.vocab import Vocabulary

FAST = dict(dim=16, epochs=2, threads=1, min_count=3)
FAST_ARGS = ["--dim", "16", "--epochs", "2", "--threads", "1", "--min-count", "3"]


@pytest.fixture(scope="module")
def lines():
    """3,000 generated sentences (~52k tokens): 546 bundled analogy questions fit."""
    return synthetic.generate_corpus(3000, seed=5)


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("tune") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def items():
    """Item sequences (no English word): 20 clusters of 15 items, each line from one cluster."""
    rng = random.Random(7)
    return [" ".join("item%d" % (15 * c + int(rng.random() * 15)) for _ in range(12))
            for c in (int(rng.random() * 20) for _ in range(3000))]


@pytest.fixture(scope="module")
def grid(lines):
    return tune(lines, negatives=(1, 4), noise_powers=(0.5, 1.0), metric="heldout", **FAST)


def trial(negative, score, power=0.75, seconds=1.0):
    return Trial(negative=negative, noise_power=power, rung=0, lines=10, tokens=100,
                 vocab_size=10, score=score, detail={}, words_per_sec=100 / seconds,
                 train_seconds=seconds, eval_seconds=0.0)


# --------------------------------------------------------------------------------------------
# The grid and the choice.


def test_one_trial_per_setting_on_the_same_data(grid):
    assert [t.setting for t in grid.trials] == [(1, 0.5), (1, 1.0), (4, 0.5), (4, 1.0)]
    assert {(t.rung, t.lines, t.tokens, t.vocab_size) for t in grid.trials} == {
        (0, grid.lines, grid.trials[0].tokens, grid.trials[0].vocab_size)}
    assert grid.stopped is None
    assert all(0.0 <= t.score <= 1.0 and t.train_seconds > 0 and t.words_per_sec > 0
               for t in grid.trials)


def test_the_choice_is_the_best_score_or_a_cheaper_near_tie(grid):
    best_score = max(t.score for t in grid.trials)
    assert grid.best.score >= best_score - tolerance("heldout", best_score)
    cheaper = [t for t in grid.trials if t.negative < grid.best.negative]
    assert all(t.score < best_score - tolerance("heldout", best_score) for t in cheaper)
    assert grid.best is rank(grid.trials, "heldout")[0]


def test_the_chosen_model_is_the_chosen_settings(grid):
    assert grid.model.params.negative == grid.best.negative
    assert grid.model.params.noise_power == grid.best.noise_power
    assert len(grid.model.wv.index_to_key) == grid.best.vocab_size


def test_heldout_lines_are_kept_out_of_training(grid, lines):
    assert grid.heldout_lines == 30 and grid.lines == len(lines) - 30
    assert grid.trials[0].detail["pairs"] > 100


def test_same_seed_same_trials(lines):
    a = tune(lines[:1500], negatives=(2,), metric="heldout", **FAST)
    b = tune(lines[:1500], negatives=(2,), metric="heldout", **FAST)
    assert a.best.score == b.best.score
    np.testing.assert_array_equal(a.model.wv.vectors, b.model.wv.vectors)


def test_near_ties_go_to_the_fewest_negatives():
    trials = [trial(10, 0.9000), trial(2, 0.8992), trial(5, 0.8950), trial(20, 0.9010)]
    assert rank(trials, "heldout")[0].negative == 2          # within 0.002 of 0.901
    assert [t.negative for t in rank(trials, "heldout")] == [2, 10, 20, 5]
    # relative margin for accuracies: 0.5% of 0.6 is 0.003
    trials = [trial(10, 0.600), trial(5, 0.5975), trial(2, 0.590)]
    assert [t.negative for t in rank(trials, "analogy")] == [5, 10, 2]


def test_same_negatives_tied_go_to_the_higher_score():
    trials = [trial(5, 0.9000, power=0.5), trial(5, 0.9005, power=1.0)]
    assert rank(trials, "heldout")[0].noise_power == 1.0


# --------------------------------------------------------------------------------------------
# Metrics.


def test_auto_metric_uses_analogies_when_enough_questions_fit(lines):
    result = tune(lines, negatives=(2,), **FAST)
    assert result.metric == "analogy" and result.heldout_lines == 0
    assert result.best.detail["scored"] >= tune_module.MIN_ANALOGY_QUESTIONS


def test_auto_metric_falls_back_to_heldout_on_item_data(items):
    result = tune(items, negatives=(1, 5), **FAST)
    assert result.metric == "heldout" and result.heldout_lines == 30
    # clusters are easy: a true pair beats a random item almost always
    assert result.best.score > 0.8


def test_heldout_auc_is_one_half_zero_for_perfect_random_and_reversed_scores():
    centre = np.array([0, 1])
    context = np.array([2, 3])
    noise = np.array([[4, 5], [4, 5]])
    syn1neg = np.ones((6, 2), dtype=np.float32)
    syn0 = np.zeros((6, 2), dtype=np.float32)
    syn0[[2, 3]] = 1.0
    assert heldout_auc(syn0, syn1neg, (centre, context, noise)) == 1.0
    assert heldout_auc(-syn0, syn1neg, (centre, context, noise)) == 0.0
    assert heldout_auc(np.zeros_like(syn0), syn1neg, (centre, context, noise)) == 0.5


def test_heldout_auc_scores_input_context_against_output_centre():
    syn0 = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32)
    syn1neg = np.array([[1, 0], [0, 0], [0, 0]], dtype=np.float32)
    # centre 0's output vector points at context 1's input vector, not at context 2's
    assert heldout_auc(syn0, syn1neg, (np.array([0]), np.array([1]), np.array([[2]]))) == 1.0
    assert heldout_auc(syn0, syn1neg, (np.array([0]), np.array([2]), np.array([[1]]))) == 0.0


def test_heldout_pairs_lie_inside_the_window_and_the_vocabulary():
    vocab = Vocabulary([b"a", b"b", b"c", b"d"], [10, 10, 10, 10])
    lines = [b"a x b c", b"d a", b"x"]
    centre, context, noise = heldout_pairs(lines, vocab, window=1, sample=0, seed=3)
    allowed = {(0, 1), (1, 0), (1, 2), (2, 1), (3, 0), (0, 3)}  # x is dropped before windows
    assert set(zip(centre.tolist(), context.tolist())) == allowed
    assert noise.shape == (len(centre), tune_module.HELDOUT_NOISE)
    assert noise.min() >= 0 and noise.max() < 4
    again = heldout_pairs(lines, vocab, window=1, sample=0, seed=3)
    for x, y in zip((centre, context, noise), again):
        np.testing.assert_array_equal(x, y)


def test_heldout_split_is_one_percent_deterministic_and_disjoint(lines):
    train, held = split_heldout(lines, 0.01, seed=1)
    assert len(held) == 30 and len(train) + len(held) == len(lines)
    assert set(held).isdisjoint(train) or len(set(lines)) < len(lines)
    assert split_heldout(lines, 0.01, seed=1) == (train, held)
    assert split_heldout(lines, 0.01, seed=2)[1] != held


def test_an_explicit_metric_without_enough_questions_is_refused(items):
    with pytest.raises(ValueError, match="use --metric heldout"):
        tune(items, negatives=(2,), metric="analogy", **FAST)


def test_read_lines_stops_at_max_tokens():
    lines, tokens = read_lines(["a b c", "", "d e f g", "h"], max_tokens=5)
    assert lines == [b"a b c", b"d e"] and tokens == 5


def test_bad_values_are_refused_before_reading():
    with pytest.raises(ValueError):
        tune("/nonexistent", negatives=(2, -1))
    with pytest.raises(ValueError):
        tune("/nonexistent", metric="perplexity")
    with pytest.raises(TypeError):
        tune("/nonexistent", negative=5)
    for loss in ("hs", "softmax"):  # nothing to tune: they draw no noise words
        with pytest.raises(ValueError, match="the %s loss draws no noise words" % loss):
            tune("/nonexistent", loss=loss)


# --------------------------------------------------------------------------------------------
# Budget mode: successive halving.


def test_halving_plan_doubles_the_data_as_the_settings_halve():
    assert halving_plan(100000, 4) == [(25000, 4, 2), (50000, 2, 1), (100000, 1, 1)]
    assert halving_plan(100000, 5)[-1] == (100000, 1, 1)
    # rounds that the minimum size would give the same lines are merged
    assert halving_plan(2970, 10) == [(1000, 10, 2), (1485, 2, 1), (2970, 1, 1)]
    assert halving_plan(500, 4) == [(500, 4, 1)]


def test_budget_mode_ends_with_one_setting_on_all_lines(lines):
    result = tune(lines, negatives=(1, 2, 4, 8), metric="heldout", budget_minutes=10, **FAST)
    assert result.stopped == "one setting left"
    assert [(t.rung, t.lines) for t in result.trials] == [
        (0, 1000)] * 4 + [(1, 1485)] * 2 + [(2, 2970)]
    assert result.best is result.trials[-1] and result.best.lines == result.lines
    round0 = rank(result.trials[:4], "heldout")
    assert {t.setting for t in result.trials[4:6]} == {t.setting for t in round0[:2]}


class FakeClock:
    """Each training takes 10 s on this clock, whatever the data."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def fake_clock(monkeypatch):
    clock = FakeClock()
    real_train = tune_module.train_encoded

    def train_ten_seconds(*args, **kwargs):
        model = real_train(*args, **kwargs)
        clock.now += 10.0
        model.report["train_seconds"] = 10.0
        return model

    monkeypatch.setattr(tune_module, "_clock", clock)
    monkeypatch.setattr(tune_module, "train_encoded", train_ten_seconds)
    return clock


@pytest.mark.parametrize("minutes, rounds, stopped", [
    (0.5, 1, "budget"),            # round 0 always runs (40 s); round 1 would end at 69.7 s
    (65 / 60, 1, "budget"),
    (70 / 60, 2, "budget"),        # round 1 fits (ends at 60 s); round 2 would end at 80 s
    (80 / 60, 3, "one setting left"),
])
def test_budget_mode_never_starts_a_round_that_would_end_late(lines, fake_clock, minutes,
                                                              rounds, stopped):
    # 4 settings on 1000 lines: 40 s; the best 2 on 1485 lines, estimated 2 x 10 s x 1.485;
    # the best one on 2970 lines, estimated 10 s x 2
    result = tune(lines, negatives=(1, 2, 4, 8), metric="heldout", budget_minutes=minutes,
                  **FAST)
    assert result.stopped == stopped
    assert max(t.rung for t in result.trials) == rounds - 1
    assert fake_clock.now <= max(40.0, minutes * 60)
    assert result.best is rank([t for t in result.trials if t.rung == rounds - 1],
                               "heldout")[0]


# --------------------------------------------------------------------------------------------
# The command line, end to end.


def test_cli_table_json_vectors_and_plot(corpus_path, tmp_path):
    pytest.importorskip("matplotlib")
    result = w2vns("tune", corpus_path, "--negative", "1,4", "--noise-power", "0.5,1",
                   "--metric", "heldout", *FAST_ARGS, "-o", tmp_path / "best.bin",
                   "--json-out", tmp_path / "tune.json", "--plot", tmp_path / "tune.png")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().splitlines()
    assert out[0].split()[:2] == ["negative", "noise_power"] and "words/s" in out[0]
    rows = out[1:5]
    assert [tuple(r.split()[:2]) for r in rows] == [("1", "0.5"), ("1", "1"), ("4", "0.5"),
                                                  ("4", "1")]
    assert sum(r.endswith("<- chosen") for r in rows) == 1
    assert any(line.startswith("rule: ") and "fewest negatives" in line for line in out)

    doc = json.loads((tmp_path / "tune.json").read_text())
    assert {"trials", "best"} <= set(doc) and doc["metric"] == "heldout"
    assert len(doc["trials"]) == 4
    assert set(doc["best"]) == set(doc["trials"][0]) >= {
        "negative", "noise_power", "score", "words_per_sec", "train_seconds", "lines"}
    assert doc["best"] in doc["trials"]
    chosen = rows[[r.endswith("<- chosen") for r in rows].index(True)].split()
    assert (int(chosen[0]), float(chosen[1])) == (doc["best"]["negative"],
                                                  doc["best"]["noise_power"])

    from w2vns import KeyedVectors

    kv = KeyedVectors.load(str(tmp_path / "best.bin"))
    assert kv.vector_size == 16 and len(kv) == doc["best"]["vocab_size"]
    assert (tmp_path / "tune.png").read_bytes()[:4] == b"\x89PNG"
    assert "-> %s" % (tmp_path / "best.bin") in result.stderr.decode()

    # the choice at work: the train command line, the options given and the choice
    best = doc["best"]
    command = doc["command"]
    assert command[:3] == ["w2vns", "train", str(corpus_path)]
    assert dict(zip(command[3::2], command[4::2])) == dict(
        zip(FAST_ARGS[::2], FAST_ARGS[1::2]), **{"--negative": str(best["negative"]),
                                                 "--noise-power": "%g" % best["noise_power"]})
    assert out[-1] == "to train with the choice: " + shlex.join(doc["command"])
    report = tmp_path / "report.json"
    trained = w2vns(*doc["command"][1:], "-o", tmp_path / "again.bin", "--report", report)
    assert trained.returncode == 0, trained.stderr
    params = json.loads(report.read_text())["params"]
    assert (params["negative"], params["noise_power"]) == (best["negative"],
                                                           best["noise_power"])


def test_cli_budget_mode_json_on_stdout(corpus_path, tmp_path):
    result = w2vns("tune", corpus_path, "--negative", "1,2,4", "--metric", "heldout",
                   "--budget-minutes", "5", *FAST_ARGS, "-o", tmp_path / "v.bin", "--json",
                   "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    doc = json.loads(result.stdout)
    assert doc["stopped"] == "one setting left" and doc["budget_minutes"] == 5
    assert [t["rung"] for t in doc["trials"]] == [0, 0, 0, 1, 1, 2]
    assert doc["best"] == doc["trials"][-1]


@pytest.mark.parametrize("args, message", [
    (["--negative", "2,five"], "comma-separated integers"),
    (["--negative", "2,5000"], "not in the range"),
    (["--metric", "heldout", "--analogies", "CORPUS"], "--analogies goes with --metric analogy"),
    (["-o", "-"], "give -o a file name"),
])
def test_cli_bad_options_are_one_line_and_exit_2(corpus_path, args, message):
    args = [str(corpus_path) if a == "CORPUS" else a for a in args]
    result = w2vns("tune", corpus_path, *args)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message in lines[0], lines


# --------------------------------------------------------------------------------------------
# Window 0 (the whole line): item baskets, where order means nothing.


def test_heldout_pairs_with_window_0_pair_every_word_of_the_line():
    vocab = Vocabulary([b"a", b"b", b"c", b"d"], [10, 10, 10, 10])
    lines = [b"a x b c d", b"d a"]
    centre, context, _noise = heldout_pairs(lines, vocab, window=0, sample=0, seed=3)
    line_one = {(i, j) for i in range(4) for j in range(4) if i != j}
    assert set(zip(centre.tolist(), context.tolist())) == line_one  # d a adds nothing new
    assert len(centre) == 12 + 2


def test_tune_heldout_with_window_0(items):
    result = tune(items, negatives=(1, 5), metric="heldout", **dict(FAST, window=0))
    assert result.metric == "heldout" and result.best.score > 0.8


def test_cli_tune_window_0_on_baskets(tmp_path, items):
    path = tmp_path / "baskets.txt"
    path.write_text("\n".join(items) + "\n")
    result = w2vns("tune", path, "--window", "0", "--negative", "1,5", *FAST_ARGS,
                   "-o", tmp_path / "v.bin", "-q")
    assert result.returncode == 0, result.stderr
    assert "held-out AUC" in result.stdout.decode()


def test_cli_json_flag_json_out_file_and_the_old_spellings(items, tmp_path):
    path = tmp_path / "baskets.txt"
    path.write_text("\n".join(items[:1000]) + "\n")
    common = [path, "--negative", "1", "--window", "0", *FAST_ARGS, "-o", tmp_path / "v.bin"]
    flag = w2vns("tune", *common, "--json", "--json-out", tmp_path / "t.json", "-q")
    assert flag.returncode == 0 and flag.stderr == b"", flag.stderr
    assert json.loads(flag.stdout) == json.loads((tmp_path / "t.json").read_text())
    for old, new in ((["--json", str(tmp_path / "old.json")], "--json-out"),
                     (["--json=%s" % (tmp_path / "old.json")], "--json-out"),
                     (["--json", "-"], "--json alone")):
        (tmp_path / "old.json").unlink(missing_ok=True)
        result = w2vns("tune", *common, *old, "-q")
        assert result.returncode == 0, result.stderr
        warning = result.stderr.decode().strip()
        assert warning.startswith("w2vns: warning: 'tune --json") and new in warning
        if "-" in old:
            assert json.loads(result.stdout)["trials"]
        else:
            assert json.loads((tmp_path / "old.json").read_text())["trials"]
            assert "chosen" in result.stdout.decode()  # the table, as before


def test_cli_preset_items_gives_its_noise_power_as_the_one_choice(tmp_path, items):
    path = tmp_path / "baskets.txt"
    path.write_text("\n".join(items[:1000]) + "\n")
    result = w2vns("tune", path, "--preset", "items", "--negative", "1,3", *FAST_ARGS,
                   "-o", tmp_path / "v.bin", "--json", "-q")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {(t["negative"], t["noise_power"]) for t in doc["trials"]} == {(1, 0.0), (3, 0.0)}
