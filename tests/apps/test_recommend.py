"""Recommendations (item2vec): planted clusters, known leave-last-out figures, presets, CLI."""
import json
import random
import re
import shlex

import numpy as np
import pytest

import w2vns
from w2vns.training.presets import apply_preset
from w2vns.apps import recommend
from w2vns.apps.recommend import (CONTEXT_SIDES, CONTEXT_STEPS, DIMS, NOISE_POWERS,
                                  Recommender, basket_weights, choose_settings,
                                  context_sides_to_try, context_steps_to_try, dims_to_try,
                                  evaluate_leave_last_out, hide_last, leave_last_out,
                                  noise_powers_to_try, popularity_ranks, sample_cases, top_k)
from w2vns.corpus.synthetic import generate_sessions
from w2vns.vectors.keyed import KeyedVectors

from tests.helpers import one_line
from tests.helpers import w2vns as run

CLUSTERS, PER_CLUSTER = 8, 12
# The context side and steps are fixed in these settings (their picks are tested on their
# own, below), so that a pick's candidates are one model per noise power.
QUICK = dict(dim=16, epochs=5, threads=1, seed=3, context_side="both", context_steps="summed")


def write_sessions(path, lines):
    """Write ``lines`` (lists of items) to ``path``, one per line, as evaluate-rec reads them."""
    path.write_text("".join(" ".join(line) + "\n" for line in lines))


def planted_baskets(count=1500, seed=0):
    """Baskets of 3-6 items all from one of CLUSTERS planted clusters (item 'cC_I')."""
    rng = random.Random(seed)
    return [["c%d_%d" % (c, i) for i in rng.sample(range(PER_CLUSTER), rng.randint(3, 6))]
            for c in (rng.randrange(CLUSTERS) for _ in range(count))]


@pytest.fixture(scope="module")
def planted_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("baskets") / "baskets.txt"
    path.write_text("".join(" ".join(b) + "\n" for b in planted_baskets()))
    return path


@pytest.fixture(scope="module")
def planted_model(planted_file):
    params, _ = apply_preset("items", QUICK, set(QUICK))
    return w2vns.train(str(planted_file), **params)


@pytest.fixture(scope="module")
def planted_vectors(planted_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "items.txt"
    planted_model.save_word2vec_format(str(path), binary=False)
    return path


def cluster(item):
    return item.split("_")[0]


def test_recommendations_come_from_the_planted_cluster(planted_model):
    recommender = Recommender(planted_model.wv)
    for c in range(CLUSTERS):
        basket = ["c%d_0" % c, "c%d_1" % c]
        answer = recommender.recommend(basket, topn=5)
        assert len(answer) == 5
        assert all(cluster(item) == "c%d" % c for item, _ in answer), answer
        assert not set(basket) & {item for item, _ in answer}


def test_batched_answers_equal_one_at_a_time_and_keep_the_order(planted_model):
    recommender = Recommender(planted_model.wv)
    baskets = [["c%d_%d" % (i % CLUSTERS, i % PER_CLUSTER)] for i in range(40)] + [[], ["nope"]]
    batched = list(recommender.recommend_many(baskets, topn=4, block=7))
    assert len(batched) == len(baskets) and batched[-2:] == [[], []]
    for basket, answer in zip(baskets[:40], batched):
        assert [i for i, _ in answer] == [i for i, _ in recommender.recommend(basket, topn=4)]
        expected = planted_model.wv.most_similar(basket, topn=4)
        assert [i for i, _ in answer] == [i for i, _ in expected]
        assert np.allclose([s for _, s in answer], [s for _, s in expected], atol=1e-5)


def test_exclude_removes_items_from_the_answers(planted_model):
    recommender = Recommender(planted_model.wv)
    first = recommender.recommend(["c0_0"], topn=3)
    again = recommender.recommend(["c0_0"], topn=3, exclude=[first[0][0]])
    assert first[0][0] not in [i for i, _ in again]


def test_top_k_matches_a_full_sort_with_excluded_entries():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 50, (9, 192)).astype(np.float32)  # many ties
    scores[rng.random(scores.shape) < 0.3] = -np.inf
    scores[4] = -np.inf
    scores[5, 3:] = -np.inf  # fewer than k finite entries
    columns, values = top_k(scores, 10, chunk=64)
    for row in range(9):
        finite = np.flatnonzero(np.isfinite(scores[row]))
        expected = finite[np.argsort(-scores[row, finite], kind="stable")][:10]
        assert columns[row].tolist() == expected.tolist()
        assert values[row].tolist() == scores[row, expected].tolist()


# Hand-made vectors and sessions whose leave-last-out figures are worked out by hand:
#   a=(1,0) b=(.9,.1) c=(0,1) d=(-1,0); lines "a b", "c d", "b a", "a zzz", "a".
#   Model ranks: b given a -> 1; d given c -> 3 (b .11 first, then a and d tie at 0: a first
#   in vocabulary order); a given b -> 1; zzz unknown -> miss.  hit@10 3/4, MRR (1+1/3+1)/4.
#   Popularity over the training lines [a] [c] [b] [a] [a]: a 3, c 1, b 1 (c seen first):
#   b given a -> 2 (a excluded); d never seen -> miss; a given b -> 1; zzz -> miss.
HAND_KV = KeyedVectors(["a", "b", "c", "d"], [[1, 0], [0.9, 0.1], [0, 1], [-1, 0]])
HAND_LINES = [["a", "b"], ["c", "d"], ["b", "a"], ["a", "zzz"], ["a"]]


def test_leave_last_out_hides_the_last_item_and_keeps_short_lines_for_training():
    training, cases = leave_last_out(HAND_LINES)
    assert training == [["a"], ["c"], ["b"], ["a"], ["a"]]
    assert cases == [(["a"], "b"), (["c"], "d"), (["b"], "a"), (["a"], "zzz")]
    assert popularity_ranks(training, cases).tolist() == [2, 0, 1, 0]


def test_hide_last_hides_one_item_per_ten_up_to_most():
    """Lines under 20 items hide their last only (leave_last_out's split); longer ones one
    item per 10, at most ``most``; each hidden item is ranked from every item before it."""
    lines = HAND_LINES + [["x%d" % i for i in range(25)], ["y%d" % i for i in range(80)], []]
    assert hide_last(HAND_LINES, 5) == leave_last_out(HAND_LINES)
    assert hide_last(lines, 1) == leave_last_out(lines)
    training, cases = hide_last(lines, 5)
    assert training[-2:] == [["x%d" % i for i in range(23)], ["y%d" % i for i in range(75)]]
    assert cases[-7:] == [(["x%d" % i for i in range(p)], "x%d" % p) for p in (23, 24)] + [
        (["y%d" % i for i in range(p)], "y%d" % p) for p in range(75, 80)]
    assert len(cases) == 4 + 2 + 5
    assert len(hide_last(lines, 3)[1]) == 4 + 2 + 3
    with pytest.raises(ValueError):
        hide_last(lines, 0)


def test_hand_made_leave_last_out_figures():
    result = evaluate_leave_last_out(HAND_LINES, k=10, kv=HAND_KV)
    assert result["cases"] == 4 and result["lines"] == 5
    assert result["model"]["hit_rate"] == pytest.approx(3 / 4)
    assert result["model"]["mrr"] == pytest.approx((1 + 1 / 3 + 1) / 4)
    assert result["popularity"]["hit_rate"] == pytest.approx(2 / 4)
    assert result["popularity"]["mrr"] == pytest.approx((1 / 2 + 1) / 4)
    at1 = evaluate_leave_last_out(HAND_LINES, k=1, kv=HAND_KV)
    assert at1["model"]["hit_rate"] == pytest.approx(2 / 4)
    assert at1["popularity"]["mrr"] == pytest.approx(1 / 4)


def test_evaluate_rec_cli_reports_the_hand_made_figures(tmp_path):
    model = tmp_path / "hand.txt"
    HAND_KV.save_word2vec_format(str(model), binary=False)
    sessions = tmp_path / "sessions.txt"
    write_sessions(sessions, HAND_LINES)
    result = run("evaluate-rec", sessions, "-m", model, "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["model"]["hit_rate"] == pytest.approx(0.75)
    assert doc["popularity"]["mrr"] == pytest.approx(0.375)
    assert doc["train"] is None
    text = run("evaluate-rec", sessions, "-m", model, "--k", "1")
    assert text.returncode == 0 and "hit@1" in text.stdout.decode()


def test_evaluate_rec_cli_trains_and_beats_popularity_on_planted_clusters(planted_file):
    result = run("evaluate-rec", planted_file, "--dim", "16", "--epochs", "5", "--threads", "1",
                 "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["train"]["params"]["window"] == 20 and doc["train"]["params"]["epochs"] == 5
    assert doc["model"]["hit_rate"] >= 1.5 * doc["popularity"]["hit_rate"]
    assert doc["model"]["hit_rate"] > 0.5


def test_sessions_too_short_to_choose_by_ask_for_the_scoring_and_train_when_given_it(tmp_path):
    sessions = tmp_path / "pairs.txt"
    sessions.write_text("a b\nb c\na c\n")
    result = run("evaluate-rec", sessions)
    assert result.returncode == 2
    assert one_line(result.stderr) == ("w2vns: error: no line has three or more items: nothing "
                                       "to choose a scoring by; give --scoring output or "
                                       "--scoring cosine")
    given = run("evaluate-rec", sessions, "--scoring", "output", "--epochs", "1", "--json")
    assert given.returncode == 0, given.stderr
    assert json.loads(given.stdout)["model"]["cases"] == 3


def test_output_scoring_needs_training(planted_vectors, planted_file):
    result = run("evaluate-rec", planted_file, "-m", planted_vectors, "--scoring", "output")
    assert result.returncode == 2 and "leave out -m" in one_line(result.stderr)


def test_recommend_cli_one_basket(planted_vectors):
    result = run("recommend", "c3_0", "c3_1", "-n", "4", "-m", planted_vectors)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 4
    assert all(line.split("\t")[0].startswith("c3_") for line in lines)
    assert {"c3_0", "c3_1"}.isdisjoint(line.split("\t")[0] for line in lines)


def test_recommend_cli_stdin_answers_each_line_in_order(planted_vectors):
    stdin = b"c1_0 c1_2\n\nc5_3\nunknown-item\nc2_0 unknown-item\n"
    result = run("recommend", "-", "-n", "3", "-m", planted_vectors, "--exclude", "c5_4",
                 stdin=stdin)
    assert result.returncode == 1  # one basket had no known item
    lines = result.stdout.decode().split("\n")[:-1]
    assert len(lines) == 5
    assert [cluster(i) for i in lines[0].split()] == ["c1"] * 3
    assert lines[1] == "" and lines[3] == ""
    assert [cluster(i) for i in lines[2].split()] == ["c5"] * 3 and "c5_4" not in lines[2]
    assert [cluster(i) for i in lines[4].split()] == ["c2"] * 3
    assert result.stderr.decode().count("unknown-item") == 2


def test_recommend_cli_json_lines(planted_vectors):
    result = run("recommend", "-", "-n", "2", "-m", planted_vectors, "--json",
                 stdin=b"c4_0\nc6_1 nope\n")
    assert result.returncode == 1  # an unknown item, as in every query command
    assert one_line(result.stderr) == "w2vns: 'nope' is not in the vocabulary"
    docs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [d["basket"] for d in docs] == [["c4_0"], ["c6_1", "nope"]]
    assert [d["line"] for d in docs] == [1, 2]
    assert docs[1]["unknown"] == ["nope"]
    assert all(len(d["recommendations"]) == 2 for d in docs)
    assert {cluster(r["item"]) for r in docs[0]["recommendations"]} == {"c4"}


def test_apply_preset_fills_only_what_was_not_given():
    params, used = apply_preset("items", {"window": 5, "epochs": 3, "dim": 8}, {"epochs"})
    assert params == {"window": 20, "epochs": 3, "dim": 8, "min_count": 1, "sample": 0.0,
                      "noise_power": 0.0, "negative": 10}
    assert "epochs" not in used and used["window"] == 20
    assert apply_preset(None, {"window": 5}, ()) == ({"window": 5}, {})
    with pytest.raises(ValueError):
        apply_preset("nope", {}, ())


def test_train_preset_items_is_overridable_and_summarised(planted_file, tmp_path):
    report = tmp_path / "r.json"
    result = run("train", planted_file, "--preset", "items", "--epochs", "2", "--window", "3",
                 "--dim", "8", "--threads", "1", "-o", tmp_path / "v.bin", "--report", report)
    assert result.returncode == 0, result.stderr
    params = json.loads(report.read_text())["params"]
    assert (params["window"], params["epochs"], params["min_count"], params["sample"],
            params["noise_power"], params["negative"]) == (3, 2, 1, 0.0, 0.0, 10)
    summary = one_line(result.stderr)
    assert "preset items: min-count 1, sample 0.0, noise-power 0.0, negative 10" in summary
    plain = run("train", planted_file, "--dim", "8", "--epochs", "1", "--threads", "1",
                "-o", tmp_path / "w.bin", "--report", report)
    assert plain.returncode == 0 and "; preset" not in plain.stderr.decode()
    assert json.loads(report.read_text())["params"]["window"] == 5


def test_recommend_from_a_saved_model_uses_the_output_vectors(planted_model, tmp_path):
    folder = tmp_path / "items.model"
    planted_model.save(str(folder))
    result = run("recommend", "c2_0", "c2_1", "-m", folder, "-n", "5", "--json")
    assert result.returncode == 0, result.stderr
    answer = [r["item"] for r in json.loads(result.stdout)["recommendations"]]
    assert len(answer) == 5 and all(cluster(item) == "c2" for item in answer), answer
    expected = Recommender(planted_model.wv, output=planted_model.syn1neg).recommend(
        ["c2_0", "c2_1"], topn=5)
    assert answer == [item for item, _ in expected]


def test_output_scoring_adds_an_nce_models_output_biases(planted_file, tmp_path):
    params, _ = apply_preset("items", QUICK, set(QUICK))
    model = w2vns.train(str(planted_file), loss="nce", **params)
    assert model.output_bias is not None
    rows = [[0, 1], [5], [7, 8, 9]]
    plain = Recommender(model.wv, output=model.syn1neg)
    biased = Recommender(model.wv, output=model.syn1neg, output_bias=model.output_bias)
    count = len(model.wv)
    assert np.allclose(biased.scores(rows)[:, :count],
                       plain.scores(rows)[:, :count] + model.output_bias, equal_nan=True)
    with pytest.raises(ValueError, match="output vectors"):
        Recommender(model.wv, output_bias=model.output_bias)
    # A saved NCE model recommends with its biases.
    folder = tmp_path / "nce.model"
    model.save(str(folder))
    result = run("recommend", "c2_0", "c2_1", "-m", folder, "-n", "5", "--json")
    assert result.returncode == 0, result.stderr
    answer = [(r["item"], r["score"]) for r in json.loads(result.stdout)["recommendations"]]
    expected = biased.recommend(["c2_0", "c2_1"], topn=5)
    assert [item for item, _ in answer] == [item for item, _ in expected]
    assert np.allclose([s for _, s in answer], [s for _, s in expected], atol=1e-5)


# --- recency weights, the scoring evaluate-rec picks, and long sessions ------------------------

def test_basket_weights_halve_every_half_life_back_from_the_last_item():
    assert basket_weights([3, 2], 0).tolist() == [1, 1, 1, 1, 1]
    assert np.allclose(basket_weights([3, 2], 1.0), [0.25, 0.5, 1, 0.5, 1])
    assert np.allclose(basket_weights([4], 2.0), [0.5 ** 1.5, 0.5, 0.5 ** 0.5, 1])
    assert len(basket_weights([], 1.0)) == 0


def test_lines_of_one_item_say_why_nothing_is_evaluated():
    with pytest.raises(ValueError, match="two or more items") as plain:
        recommend.evaluate_leave_last_out([["a"], ["b"], []], scoring="output")
    assert "CSV" not in str(plain.value)
    with pytest.raises(ValueError, match="an event log in CSV needs one line per user"):
        recommend.evaluate_leave_last_out([["user,item,time"], ["1,5,9"]], scoring="output")


def test_recency_ranks_by_the_latest_items():
    # a=(1,0) b=(.9,.1) c=(0,1) d=(.1,.9): the basket [a, c] alike by both, [a, c] with a
    # short half-life is mostly c (d first), [c, a] mostly a (b first).
    kv = KeyedVectors(["a", "b", "c", "d"], [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]])
    assert Recommender(kv, recency=0.5).recommend(["a", "c"], topn=1)[0][0] == "d"
    assert Recommender(kv, recency=0.5).recommend(["c", "a"], topn=1)[0][0] == "b"
    plain = Recommender(kv).recommend(["a", "c"], topn=2)
    assert plain == Recommender(kv).recommend(["c", "a"], topn=2)
    out = Recommender(kv, output=kv.vectors, recency=0.5)
    assert out.recommend(["a", "c"], topn=1)[0][0] == "d"
    with pytest.raises(ValueError):
        Recommender(kv, recency=-1)


# --- the popularity prior: cosine (or output) + w * ln(count) --------------------------------

def reference_scores(vectors, counts, baskets, weight, recency=0.0, output=None):
    """numpy reference of Recommender.scores with a popularity weight: the recency-weighted
    query (cosine: the sum of unit vectors, made unit; output: the weighted mean of the input
    vectors) times every item's (unit or output) vector, plus weight * ln(count), the basket's
    own items -inf."""
    vectors = np.asarray(vectors, dtype=np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1)[:, None]
    rows = []
    for basket in baskets:
        age = np.arange(len(basket))[::-1]
        w = 0.5 ** (age / recency) if recency else np.ones(len(basket))
        if output is None:
            query = (unit[basket] * w[:, None]).sum(axis=0)
            score = unit @ (query / np.linalg.norm(query))
        else:
            query = (vectors[basket] * w[:, None]).sum(axis=0) / w.sum()
            score = np.asarray(output, dtype=np.float64) @ query
        score = score + weight * np.log(counts)
        score[basket] = -np.inf
        rows.append(score)
    return np.array(rows)


@pytest.mark.parametrize("weight, recency, use_output", [
    (0.0, 0.0, False), (0.05, 0.0, False), (0.1, 1.0, False), (0.5, 4.0, True)])
def test_popularity_weight_adds_w_times_log_count_to_every_score(weight, recency, use_output):
    rng = np.random.default_rng(7)
    count, dim = 150, 8  # more than two 64-item chunks: the padding is scored -inf
    vectors = rng.normal(size=(count, dim)).astype(np.float32)
    output = rng.normal(size=(count, dim)).astype(np.float32) if use_output else None
    counts = np.sort(rng.integers(1, 500, size=count))[::-1]
    kv = KeyedVectors(["i%d" % i for i in range(count)], vectors, counts=counts)
    baskets = [[3, 40, 7], [149], [0, 1, 2, 100, 5, 6]]
    got = Recommender(kv, output=output, recency=recency, popularity=weight).scores(baskets)
    assert np.all(got[:, count:] == -np.inf)
    want = reference_scores(vectors, counts, baskets, weight, recency, output)
    finite = np.isfinite(want)
    assert np.array_equal(np.isfinite(got[:, :count]), finite)
    assert np.allclose(got[:, :count][finite], want[finite], atol=1e-5)
    # A larger weight moves popular items (low rows here) up: with a huge one the ranking is
    # by count alone, the basket excluded.
    ranked = Recommender(kv, output=output, recency=recency, popularity=1e4).recommend(
        ["i3", "i40", "i7"], topn=5)
    assert [item for item, _ in ranked] == ["i0", "i1", "i2", "i4", "i5"]


def test_popularity_weight_needs_counts_and_takes_gensims():
    kv = KeyedVectors(["a", "b"], [[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="counts"):
        Recommender(kv, popularity=0.1)
    with pytest.raises(ValueError, match="popularity"):
        Recommender(KeyedVectors(["a", "b"], [[1, 0], [0, 1]], counts=[2, 1]), popularity=-1)
    assert Recommender(kv).recommend(["a"]) == [("b", 0.0)]

    class GensimLike:  # gensim's KeyedVectors keep counts as a vector attribute
        index_to_key = ["a", "b", "c"]
        key_to_index = {"a": 0, "b": 1, "c": 2}
        vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.8, 0.6]])

        def get_vecattr(self, key, attr):
            return {"a": 9, "b": 400, "c": 3}[key]

    assert recommend.item_counts(GensimLike()).tolist() == [9, 400, 3]
    # cosine alone: c (0.8) before b (0.6); with the prior 0.2 * ln(400 / 3) = 0.98 ahead, b.
    assert Recommender(GensimLike()).recommend(["a"], topn=1)[0][0] == "c"
    assert Recommender(GensimLike(), popularity=0.2).recommend(["a"], topn=1)[0][0] == "b"


def test_sample_cases_is_a_fixed_ordered_subset():
    cases = list(range(100))
    assert sample_cases(cases, None) == cases and sample_cases(cases, 200) == cases
    picked = sample_cases(cases, 10)
    assert len(picked) == 10 and picked == sorted(picked) == sample_cases(cases, 10)


SESSION_TRAINING = dict(window=0, min_count=1, sample=0.0, noise_power=0.0, dim=16, epochs=5,
                        threads=1, seed=1, context_side="both", context_steps="summed")


@pytest.mark.parametrize("stay", [0.6, 0.0])
def test_auto_scoring_follows_the_order_of_the_sessions(stay):
    """Sessions whose interests drift (each item's cluster mostly the previous item's): the
    held-out split finds that recent items predict best; orderless baskets (stay 0): that the
    whole basket does.  Either way the pick beats popularity by far on the test items."""
    lines = generate_sessions(600, 40, seed=0, n_items=600, n_clusters=10, stay=stay)
    result = evaluate_leave_last_out(lines, scoring="auto", **SESSION_TRAINING)
    table = {(c["scoring"], c["recency"], c["popularity"]): c["hit_rate"]
             for c in result["selection"]["candidates"]}
    held_out = hide_last(leave_last_out(lines)[0], recommend.HIDDEN_PER_LINE)[1]
    assert result["selection"]["cases"] == len(held_out) > 600
    assert len(table) == len(recommend.SCORINGS)
    picked = (result["scoring"], result["recency"], result["popularity_weight"])
    assert table[picked] == max(table.values())
    scoring = result["scoring"]
    if stay:
        assert result["recency"] > 0
        assert table[(scoring, 1.0, 0.0)] > table[(scoring, 0.0, 0.0)] + 0.03
    else:
        assert table[(scoring, 0.0, 0.0)] > table[(scoring, 1.0, 0.0)] + 0.03
    assert result["model"]["hit_rate"] >= 2 * result["popularity"]["hit_rate"]


def test_the_pick_takes_the_popularity_prior_on_ratings_shaped_histories():
    """Heavy-tailed histories where a share of the next items is drawn by popularity alone
    (generate_sessions' lognormal lengths, explore 0.3): the held-out split ranks cosine with
    the popularity prior first (on this seed 0.241 against 0.227 for the best candidate
    without it, on 1,108 held-out cases: 0.014, 1.6 paired standard errors, 89 discordant
    cases; seeds 1 and 2 also pick it, by 0.005 and 0.012: a small but steady gain, as on
    the larger data sets of docs/recommendation.md; one thread and fixed seeds make this
    outcome repeatable), and the defaults beat popularity on the test items by far (0.245
    against 0.125)."""
    lines = generate_sessions(400, 30, seed=0, n_items=400, n_clusters=10, zipf=1.2,
                              explore=0.3, lengths="lognormal", min_length=10, max_length=200)
    training = {k: v for k, v in SESSION_TRAINING.items() if k != "noise_power"}
    result = evaluate_leave_last_out(lines, scoring="auto", **training)
    selection = result["selection"]
    without = max(c["hit_rate"] for c in selection["candidates"] if not c["popularity"])
    prior = max(c["hit_rate"] for c in selection["candidates"] if c["popularity"])
    assert prior > without
    assert result["popularity_weight"] == selection["popularity"] > 0
    assert (result["scoring"], result["recency"]) == ("cosine", 1.0)
    assert result["model"]["hit_rate"] >= 1.5 * result["popularity"]["hit_rate"]


def test_evaluate_rec_defaults_beat_popularity_on_long_sessions(tmp_path):
    """The CLI's defaults (items preset, auto scoring) on 100-item sessions: the issue's case,
    where output scoring of the whole history fell below popularity."""
    sessions = tmp_path / "sessions.txt"
    lines = generate_sessions(250, 100, seed=3, n_items=800, n_clusters=10)
    write_sessions(sessions, lines)
    result = run("evaluate-rec", sessions, "--dim", "16", "--epochs", "5", "--threads", "1",
                 "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["train"]["params"]["window"] == 20
    assert doc["train"]["params"]["context_group"] == 10
    assert doc["selection"]["candidates"] and doc["scoring"] in ("output", "cosine")
    assert doc["model"]["hit_rate"] >= 1.5 * doc["popularity"]["hit_rate"]
    text = run("evaluate-rec", sessions, "--dim", "8", "--epochs", "1", "--threads", "1")
    out = text.stdout.decode()
    assert text.returncode == 0 and "* " in out
    # a model per side and power, and one with the other context steps when cosine is picked
    models = len(recommend.CONTEXT_SIDES) * len(recommend.NOISE_POWERS) + (", steps " in out)
    assert "auto: of %d candidates" % (models * len(recommend.SCORINGS)) in out


@pytest.fixture(scope="module")
def clustered_sessions(tmp_path_factory):
    """(file, lines) of 200 generated sessions of about 20 items from 10 planted clusters."""
    lines = generate_sessions(200, 20, seed=3, n_items=300, n_clusters=10)
    path = tmp_path_factory.mktemp("clustered") / "sessions.txt"
    write_sessions(path, lines)
    return path, lines


#: Quick evaluate-rec options that leave the dimension (and the scoring) to its pick.
DIM_PICK = ("--epochs", "1", "--threads", "1", "--noise-power", "0", "--context-side", "both")


@pytest.fixture(scope="module")
def dim_pick(clustered_sessions):
    """evaluate-rec --json with DIM_PICK on the clustered sessions."""
    return json.loads(run("evaluate-rec", clustered_sessions[0], *DIM_PICK, "--json").stdout)


def test_evaluate_rec_recency_option(clustered_sessions):
    sessions, _ = clustered_sessions
    common = ("--dim", "8", "--epochs", "1", "--threads", "1", "--json")
    fixed = json.loads(run("evaluate-rec", sessions, "--scoring", "cosine", "--recency", "2",
                           *common).stdout)
    assert (fixed["scoring"], fixed["recency"], fixed["selection"]) == ("cosine", 2.0, None)
    auto = json.loads(run("evaluate-rec", sessions, "--recency", "3", *common).stdout)
    assert auto["recency"] == 3.0
    assert {c["recency"] for c in auto["selection"]["candidates"]} == {3.0}
    bad = run("evaluate-rec", sessions, "--recency", "-1")
    assert bad.returncode == 2


def test_evaluate_rec_cli_picks_the_dimension_unless_given(clustered_sessions, dim_pick):
    sessions, common, doc = clustered_sessions[0], DIM_PICK, dim_pick
    selection = doc["selection"]
    assert selection["dims"] == list(DIMS)
    # A model per dimension, then, if the pick scores by cosine, one per other context step
    # with the picked dimension: which happens depends on the floating point of the machine.
    by_dim = len(DIMS) * len(recommend.SCORINGS)
    assert [c["dim"] for c in selection["candidates"][:by_dim]] == [
        dim for dim in DIMS for _ in recommend.SCORINGS]
    steps = selection["context_steps_tried"]
    assert [(c["dim"], c["context_steps"]) for c in selection["candidates"][by_dim:]] == [
        (selection["candidates"][by_dim]["dim"], step) for step in steps[1:]
        for _ in recommend.SCORINGS]
    assert doc["dim"] == doc["train"]["params"]["dim"] == selection["dim"] in DIMS
    out = run("evaluate-rec", sessions, *common).stdout.decode().splitlines()
    assert re.search(r", dim %d(, steps \w+)? \(auto: of %d candidates on" % (
        doc["dim"], len(selection["candidates"])), out[0])
    assert sum(", dim " in line for line in out) == 1 + len(selection["candidates"])
    fixed = json.loads(run("evaluate-rec", sessions, *common, "--dim", "8", "--json").stdout)
    assert fixed["selection"]["dims"] == [8] and fixed["train"]["params"]["dim"] == 8
    out = run("evaluate-rec", sessions, *common, "--dim", "8").stdout.decode()
    assert ", dim " not in out


def test_evaluate_rec_cli_says_how_to_train_and_recommend_as_measured(clustered_sessions,
                                                                     dim_pick, tmp_path):
    (sessions, lines), common, doc = clustered_sessions, DIM_PICK, dim_pick
    train, use = doc["commands"]["train"], doc["commands"]["recommend"]
    assert train[:5] == ["w2vns", "train", str(sessions), "--preset", "items"]
    assert train[-2:] == ["--save-model", "items.model"]
    # the options given, the picked dimension where it is not the preset's 100; the scoring
    options = dict(zip(train[5:-2:2], train[6:-2:2]))
    assert options == dict(zip(common[::2], common[1::2]), **(
        {} if doc["dim"] == 100 else {"--dim": str(doc["dim"])}))
    assert ("--scoring" in use) == (doc["scoring"] == "cosine")
    assert ("--recency" in use) == (doc["recency"] != 0) and use[-1] == "ITEM..."
    # run as printed: the model trains with the measured settings and recommends
    report = tmp_path / "report.json"
    assert run(*train[1:], "--report", report, cwd=tmp_path).returncode == 0
    params = json.loads(report.read_text())["params"]
    assert {key: params[key] for key in doc["train"]["params"]} == doc["train"]["params"]
    answer = run(*use[1:-1], lines[0][0], cwd=tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert len(answer.stdout.decode().splitlines()) == 10
    out = run("evaluate-rec", sessions, *common).stdout.decode().splitlines()
    assert out[-3:] == ["to train on every line with these settings, then recommend:",
                        "  " + shlex.join(train), "  " + shlex.join(use)]
    given = run("evaluate-rec", sessions, "--preset", "none", "--min-count", "1",
                "--scoring", "cosine", "--recency", "2", "--dim", "8", "--no-nce-bias",
                "--epochs", "1", "--json")
    commands = json.loads(given.stdout)["commands"]
    assert commands["train"] == ["w2vns", "train", str(sessions), "--dim", "8", "--min-count",
                                 "1", "--epochs", "1", "--no-nce-bias", "--save-model",
                                 "items.model"]
    assert commands["recommend"] == ["w2vns", "recommend", "-m", "items.model", "--scoring",
                                     "cosine", "--recency", "2", "ITEM..."]


def test_evaluate_rec_popularity_option(clustered_sessions):
    sessions, _ = clustered_sessions
    common = ("--dim", "8", "--epochs", "1", "--threads", "1", "--json")
    fixed = json.loads(run("evaluate-rec", sessions, "--scoring", "cosine", "--popularity",
                           "0.1", *common).stdout)
    assert (fixed["popularity_weight"], fixed["selection"]) == (0.1, None)
    auto = json.loads(run("evaluate-rec", sessions, "--popularity", "0.2", *common).stdout)
    assert auto["popularity_weight"] == 0.2
    assert {c["popularity"] for c in auto["selection"]["candidates"]} == {0.2}
    # the defaults pick among the weights of SCORINGS, 0 included
    auto = json.loads(run("evaluate-rec", sessions, *common).stdout)
    assert {c["popularity"] for c in auto["selection"]["candidates"]} == {
        recommend.scoring_triple(c)[2] for c in recommend.SCORINGS}
    assert auto["popularity_weight"] == auto["selection"]["popularity"]
    assert run("evaluate-rec", sessions, "--popularity", "-1").returncode == 2


# --- the noise power evaluate-rec picks -------------------------------------------------------

def hub_sessions(n_lines, seed=0, clusters=5, size=20, per_line=4, hubs=20, hub_rate=0.5):
    """Sessions that open with "hub" items, each in about ``hub_rate`` of all lines whatever
    the rest (what everyone clicks first), then end with ``per_line`` items of one of
    ``clusters`` planted clusters of ``size`` items: the next item is a cluster mate, never a
    hub."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_lines):
        c = rng.randrange(clusters)
        lines.append(["hub%d" % h for h in range(hubs) if rng.random() < hub_rate] +
                     ["c%d_%d" % (c, i) for i in rng.sample(range(size), per_line)])
    return lines


HUB_TRAINING = dict(window=0, min_count=1, sample=0.0, dim=16, epochs=10, threads=1, seed=1,
                    context_side="both", context_steps="summed")


def best_by_power(selection):
    best = {}
    for c in selection["candidates"]:
        best[c["noise_power"]] = max(best.get(c["noise_power"], 0.0), c["hit_rate"])
    return best


def test_the_pick_is_the_first_candidate_within_noise_of_the_best():
    """400 cases, the best (row 3) hits the first 160.  Row 0 misses 60 of them: 0.15 below,
    with a paired standard error of 0.018.  Row 1 misses 5: 0.0125 below, one standard error
    0.0056.  Row 2 misses 158 and 159 but hits 160 and 161, which the best misses: level,
    so it is the first within noise.  With 0 standard errors the best itself."""
    hits = np.zeros((4, 400), dtype=bool)
    hits[3, :160] = True
    hits[0, :100] = True
    hits[1, :155] = True
    hits[2, :158] = hits[2, 160:162] = True
    assert recommend.first_within_noise(hits, 3) == 2
    assert recommend.first_within_noise(hits, 3, standard_errors=0) == 3
    assert recommend.first_within_noise(hits, 3, standard_errors=3) == 1
    assert recommend.first_within_noise(hits[[0, 1, 3]], 2) == 2
    assert recommend.first_within_noise(hits[[3, 0]], 0) == 0


def test_noise_powers_to_try():
    assert noise_powers_to_try(None, {}) == NOISE_POWERS == (0.0, 0.75, -0.5)
    assert noise_powers_to_try(None, {"noise_power": 1}) == (1.0,)  # given: fixed
    assert noise_powers_to_try((0.5, 0), {"noise_power": 1}) == (0.5, 0.0)
    assert noise_powers_to_try(None, {"loss": "hs"}) == (0.0,)  # no noise words: one model
    with pytest.raises(ValueError, match="at least one noise power"):
        noise_powers_to_try((), {})


def test_a_nonzero_noise_power_wins_where_it_pays():
    """Half the items of every line are hubs unrelated to the rest.  With power -0.5 the
    noise words are mostly the rarer cluster items, the ones that must be told apart, and the
    clusters are learnt in fewer epochs: with these 10, -0.5's best candidate is 0.23 above
    power 0's on this seed (0.593 against 0.363 on 400 held-out cases; 0.55-0.64 against
    0.36-0.46 on seeds 0-2; with 20 epochs the gap shrinks to 0.01-0.04).  A hit rate's
    standard error is at most 0.025 here, so 0.1 is 5 of them under the gap seen.  On the
    test items the final model (-0.5, cosine, recency 1) hits 0.593, the pick with power 0
    fixed (cosine, no recency) 0.203.

    By the best alone (standard_errors=0): with the default rule, the first candidate within
    one standard error of the best, the pick here is power 0.75 (cosine, recency 1: 0.137 on
    the held-out cases against -0.5's 0.150), which hits 0.185 on the test items.  With 10
    epochs this data set is on an edge where the held-out split shows a small part of the
    gap; the default rule trades such cases for steadier picks on small data sets
    (docs/recommendation.md)."""
    lines = hub_sessions(400)
    selection = choose_settings(lines, standard_errors=0, **HUB_TRAINING)
    best = best_by_power(selection)
    assert selection["noise_powers"] == [0.0, 0.75, -0.5]
    assert len(selection["candidates"]) == 3 * len(recommend.SCORINGS)
    assert selection["noise_power"] == -0.5
    assert best[-0.5] > best[0.0] + 0.1
    picked = selection["candidates"][selection["picked"]]
    assert (picked["noise_power"], picked["scoring"], picked["recency"],
            picked["popularity"]) == (-0.5, selection["scoring"], selection["recency"],
                                      selection["popularity"])
    assert selection["candidates"][selection["best"]]["hit_rate"] == max(best.values())
    assert selection["picked"] == selection["best"]
    # evaluate-rec's auto trains the final model with it, and beats the power-0 pick on the
    # test items (each line's real last item, never seen by the pick).
    auto = evaluate_leave_last_out(lines, scoring="auto", standard_errors=0, **HUB_TRAINING)
    assert auto["noise_power"] == auto["train"]["params"]["noise_power"] == -0.5
    fixed = evaluate_leave_last_out(lines, scoring="auto", noise_power=0.0, standard_errors=0,
                                    **HUB_TRAINING)
    assert fixed["selection"]["noise_powers"] == [0.0] and fixed["noise_power"] == 0.0
    assert auto["model"]["hit_rate"] > fixed["model"]["hit_rate"] + 0.1


class FakeTraining:
    """Stands in for w2vns.train: records the noise power of every training and returns one
    real model for the power ``good`` (every power when None) and that model with its rows
    shuffled (a useless one) for the others."""

    def __init__(self, lines, good):
        params, _ = apply_preset("items", QUICK, set(QUICK))
        self.model = w2vns.train(lines, **params)
        self.good, self.powers = good, []

    def __call__(self, corpus, progress=None, **params):
        power = params["noise_power"]
        self.powers.append(power)
        model = self.model
        rows = np.arange(len(model.wv.index_to_key))
        if self.good is not None and power != self.good:
            rows = np.random.default_rng(0).permutation(rows)
        fake = type("Model", (), {})()
        fake.wv = KeyedVectors(model.wv.index_to_key, model.wv.vectors[rows],
                               counts=model.wv.counts)
        fake.syn1neg, fake.output_bias = model.syn1neg[rows], None
        fake.report = dict(model.report, params=dict(model.report["params"], noise_power=power))
        return fake


@pytest.mark.parametrize("good", [0.75, -0.5, None])
def test_the_pick_trains_a_model_per_power_and_the_final_one_with_its_pick(monkeypatch, good):
    """One model per power on the held-out split, then the final model with the power that
    ranked best; when every power's model is the same (good=None: ties everywhere) power 0,
    the first, keeps winning, as before the power was picked."""
    lines = planted_baskets(300)
    fake = FakeTraining(leave_last_out(lines)[0], good)
    monkeypatch.setattr(recommend, "train", fake)
    result = evaluate_leave_last_out(lines, scoring="auto", **QUICK)
    expected = 0.0 if good is None else good
    assert fake.powers == [0.0, 0.75, -0.5, expected]
    assert result["selection"]["noise_power"] == result["noise_power"] == expected
    assert [c["noise_power"] for c in result["selection"]["candidates"]] == [
        p for p in NOISE_POWERS for _ in recommend.SCORINGS]


def directed_walks(count, length=20, n_items=200, out_degree=3, jump=0.1, seed=0):
    """Lines that are walks on a random directed graph: each item is followed by one of its
    ``out_degree`` successors (or, with probability ``jump``, by any item).  Which items come
    after an item differs from which come before it, which a model of both sides cannot tell
    apart."""
    rng = random.Random(seed)
    follow = [rng.sample(range(n_items), out_degree) for _ in range(n_items)]
    lines = []
    for _ in range(count):
        item = rng.randrange(n_items)
        line = [item]
        while len(line) < length:
            item = rng.randrange(n_items) if rng.random() < jump else rng.choice(follow[item])
            line.append(item)
        lines.append(["i%d" % i for i in line])
    return lines


def test_context_sides_to_try():
    assert context_sides_to_try(None, {}) == CONTEXT_SIDES == ("both", "before")
    assert context_sides_to_try(None, {"context_side": "before"}) == ("before",)  # given
    assert context_sides_to_try(("before",), {"context_side": "both"}) == ("before",)
    with pytest.raises(ValueError):
        context_sides_to_try((), {})


def test_context_steps_to_try():
    assert context_steps_to_try(None, {}) == CONTEXT_STEPS == ("summed", "sequential")
    assert context_steps_to_try(None, {"context_steps": "sequential"}) == ("sequential",)
    assert context_steps_to_try(None, {"kernel": "reference"}) == ("summed",)  # pair by pair
    with pytest.raises(ValueError, match="at least one context steps"):
        context_steps_to_try((), {})


@pytest.mark.parametrize("scoring", ["cosine", "output"])
def test_the_pick_tries_sequential_steps_last_where_it_scores_by_cosine(scoring):
    """Once the side, power and dimension are picked, one more model with steps context by
    context and the rest of the pick, if the pick scores by cosine (the input vectors those
    steps change); its candidates follow the others'. With output scoring no more model."""
    lines = planted_baskets(300)
    trained = []

    def trainer(corpus, progress=None, **params):
        trained.append(params["context_steps"])
        return w2vns.train(corpus, progress=progress, **params)

    settings = {name: value for name, value in QUICK.items() if name != "context_steps"}
    candidates = [c for c in recommend.SCORINGS if c[0] == scoring]
    selection = choose_settings(lines, candidates=candidates, noise_powers=(0.0,),
                                trainer=trainer, **settings)
    if scoring == "output":
        assert trained == ["summed"] and selection["context_steps_tried"] == ["summed"]
        assert selection["context_steps"] == "summed"
        return
    assert trained == ["summed", "sequential"]
    assert selection["context_steps_tried"] == ["summed", "sequential"]
    assert [c["context_steps"] for c in selection["candidates"]] == (
        ["summed"] * len(candidates) + ["sequential"] * len(candidates))
    picked = selection["candidates"][selection["picked"]]
    assert selection["context_steps"] == picked["context_steps"]
    assert all((c["dim"], c["noise_power"], c["context_side"]) == (16, 0.0, "both")
               for c in selection["candidates"])
    fixed = choose_settings(lines, candidates=candidates, noise_powers=(0.0,),
                            steps_to_try=("sequential",), **settings)
    assert fixed["context_steps_tried"] == ["sequential"]
    assert fixed["candidates"] == selection["candidates"][len(candidates):]  # one thread


@pytest.fixture(scope="module")
def hub_file(tmp_path_factory):
    """A file of 400 :func:`hub_sessions`, for the CLI tests of the pick."""
    path = tmp_path_factory.mktemp("hubs") / "hubs.txt"
    write_sessions(path, hub_sessions(400))
    return path


#: evaluate-rec options for hub_file, as HUB_TRAINING: the whole line, every line's hubs
#: contexts of its cluster items; the side fixed (the side's pick has a test of its own).
HUB_CLI = ("--dim", "16", "--epochs", "10", "--threads", "1", "--window", "0",
           "--context-side", "both")


def test_evaluate_rec_cli_picks_the_context_steps_unless_given(hub_file):
    sessions = hub_file
    # the data and settings where the pick scores by cosine (see the noise power's CLI test)
    common = (*HUB_CLI, "--noise-power", "0.75")
    doc = json.loads(run("evaluate-rec", sessions, *common, "--json").stdout)
    selection = doc["selection"]
    assert selection["context_steps_tried"] == ["summed", "sequential"]
    assert doc["context_steps"] == doc["train"]["params"]["context_steps"] == (
        selection["context_steps"])
    assert len(selection["candidates"]) == 2 * len(recommend.SCORINGS)
    out = run("evaluate-rec", sessions, *common).stdout.decode().splitlines()
    assert ", steps %s (auto: of" % doc["context_steps"] in out[0]
    assert sum(", steps sequential " in line for line in out) == len(recommend.SCORINGS) + (
        doc["context_steps"] == "sequential")
    given = json.loads(run("evaluate-rec", sessions, *common, "--context-steps", "sequential",
                           "--json").stdout)
    assert given["selection"]["context_steps_tried"] == ["sequential"]
    assert given["train"]["params"]["context_steps"] == "sequential"
    assert "--context-steps" in run("evaluate-rec", "--help").stdout.decode()


def test_dims_to_try():
    assert dims_to_try(None, {}) == DIMS == (100, 32, 200)
    assert dims_to_try(None, {"dim": 16}) == (16,)  # given: fixed
    assert dims_to_try((8, 4), {"dim": 16}) == (8, 4)
    with pytest.raises(ValueError, match="at least one dimension"):
        dims_to_try((), {})


def test_the_pick_tries_the_other_dimensions_with_the_picked_side_and_power():
    """One model per side and power at the first dimension, then one per other dimension with
    the side and power picked from those: their candidates follow, and the pick is made
    again over all.  One dimension cannot hold planted clusters apart (every cosine is 1 or
    -1) and 16 can: from 1 first the pick moves to 16 (this seed: the best candidate 0.337
    at 16 against 0.133 at 1 on 300 held-out cases, where a hit rate's standard error is at
    most 0.03); from 16 first it stays."""
    lines = planted_baskets(300)
    trained = []

    def trainer(corpus, progress=None, **params):
        trained.append((params["context_side"], params["noise_power"], params["dim"]))
        return w2vns.train(corpus, progress=progress, **params)

    settings = {name: value for name, value in QUICK.items() if name != "dim"}
    alone = choose_settings(lines, dims=(1,), **settings)  # the same pick: one thread
    up = choose_settings(lines, dims=(1, 16), trainer=trainer, **settings)
    side, power = alone["context_side"], alone["noise_power"]
    stage_one = alone["candidates"]
    assert trained == [("both", p, 1) for p in NOISE_POWERS] + [(side, power, 16)]
    assert up["candidates"][:len(stage_one)] == stage_one
    assert up["dims"] == [1, 16]
    assert [c["dim"] for c in up["candidates"]] == (
        [1] * len(stage_one) + [16] * len(recommend.SCORINGS))
    assert all(c["noise_power"] == power for c in up["candidates"][len(stage_one):])
    assert up["dim"] == up["candidates"][up["picked"]]["dim"] == 16
    best = {d: max(c["hit_rate"] for c in up["candidates"] if c["dim"] == d) for d in (1, 16)}
    assert best[16] > best[1] + 0.1
    trained.clear()
    down = choose_settings(lines, dims=(16, 1), trainer=trainer, **settings)
    assert down["dim"] == 16 and [t[2] for t in trained] == [16] * len(NOISE_POWERS) + [1]
    assert choose_settings(lines, noise_powers=(0.0,), **QUICK)["dims"] == [16]  # given


def test_the_pick_takes_the_contexts_before_on_walks_with_a_direction():
    """Directed walks, hit@3: an item's three successors are the answer, and a model of both
    sides also ranks its predecessors among them.  The held-out split sees it (this seed: the
    best candidate 0.640 with the contexts before against 0.400 with both, on 400 held-out
    cases, where a hit rate's standard error is at most 0.025), and the final model trained
    on the contexts before hits 0.635 of the test items against 0.408 with both sides
    fixed."""
    lines = directed_walks(400)
    settings = dict(window=2, min_count=1, sample=0.0, negative=10, dim=16, epochs=20,
                    threads=1, seed=1)
    auto = evaluate_leave_last_out(lines, k=3, scoring="auto", **settings)
    selection = auto["selection"]
    assert selection["context_sides"] == ["both", "before"]
    assert len(selection["candidates"]) == 2 * 3 * len(recommend.SCORINGS)
    assert [c["context_side"] for c in selection["candidates"]] == [
        side for side in CONTEXT_SIDES for _ in range(3 * len(recommend.SCORINGS))]
    assert auto["context_side"] == selection["context_side"] == "before"
    assert auto["train"]["params"]["context_side"] == "before"
    best = {side: max(c["hit_rate"] for c in selection["candidates"]
                      if c["context_side"] == side) for side in CONTEXT_SIDES}
    assert best["before"] > best["both"] + 0.15
    both = evaluate_leave_last_out(lines, k=3, scoring="auto", context_side="both", **settings)
    assert both["selection"]["context_sides"] == ["both"] and both["context_side"] == "both"
    assert auto["model"]["hit_rate"] > both["model"]["hit_rate"] + 0.15


def test_the_pick_keeps_both_sides_on_orderless_baskets():
    """Planted baskets, in no order: the contexts before an item are half its basket, and the
    pick keeps both sides (this seed: the best candidate 0.337 with both, 0.313 with the
    contexts before, on 300 held-out cases)."""
    open_side = {name: value for name, value in QUICK.items() if name != "context_side"}
    selection = choose_settings(planted_baskets(300), noise_powers=(0.0,), **open_side)
    assert selection["context_sides"] == ["both", "before"]
    assert selection["context_side"] == "both"


def test_the_pick_trains_with_the_trainer_it_is_given(monkeypatch):
    """choose_settings with another trainer (the benchmarks pass gensim's): that trainer
    makes every model, with the pick's parameters and each power, and w2vns.train none; the
    pick is the same as with w2vns.train doing what the trainer does."""
    lines = planted_baskets(300)
    held_out_training = hide_last(lines, recommend.HIDDEN_PER_LINE)[0]
    given = FakeTraining(held_out_training, -0.5)

    def refuse(*args, **kwargs):
        raise AssertionError("w2vns.train called despite the trainer")

    calls = []

    def trainer(corpus, progress=None, **params):
        calls.append((corpus, params))
        return given(corpus, progress=progress, **params)

    monkeypatch.setattr(recommend, "train", refuse)
    picked = choose_settings(lines, trainer=trainer, **QUICK)
    assert given.powers == [0.0, 0.75, -0.5]
    assert all(corpus == held_out_training and params == dict(QUICK, noise_power=power)
               for (corpus, params), power in zip(calls, given.powers))
    assert picked["noise_power"] == -0.5
    patched = FakeTraining(held_out_training, -0.5)
    monkeypatch.setattr(recommend, "train", patched)
    assert choose_settings(lines, **QUICK)["candidates"] == picked["candidates"]


def test_evaluate_rec_cli_picks_the_context_side_unless_given(tmp_path):
    sessions = tmp_path / "walks.txt"
    write_sessions(sessions, directed_walks(400))
    common = ("--dim", "16", "--epochs", "20", "--threads", "1", "--window", "2", "-n", "3",
              "--noise-power", "0")
    out = run("evaluate-rec", sessions, *common).stdout.decode().splitlines()
    assert ", contexts before (auto: of %d candidates on" % (2 * len(recommend.SCORINGS)
                                                             ) in out[0]
    table = out[5:-3]  # after the summary, header, model, popularity and the table's title,
    # before the commands that train and recommend as measured
    assert len(table) == 2 * len(recommend.SCORINGS)
    assert all(", contexts both " in line for line in table[:len(recommend.SCORINGS)])
    assert all(", contexts before " in line for line in table[len(recommend.SCORINGS):])
    doc = json.loads(run("evaluate-rec", sessions, *common, "--context-side", "before",
                         "--json").stdout)
    assert doc["selection"]["context_sides"] == ["before"]
    assert doc["context_side"] == doc["train"]["params"]["context_side"] == "before"
    out = run("evaluate-rec", sessions, *common, "--context-side", "both").stdout.decode()
    assert "(auto: of %d candidates on" % len(recommend.SCORINGS) in out
    assert "contexts" not in out
    assert "--context-side" in run("evaluate-rec", "--help").stdout.decode()


def test_evaluate_rec_cli_reports_the_picked_noise_power(hub_file):
    sessions = hub_file
    common = (*HUB_CLI, "--context-steps", "summed")
    doc = json.loads(run("evaluate-rec", sessions, *common, "--json").stdout)
    selection = doc["selection"]
    power = selection["candidates"][selection["picked"]]["noise_power"]
    assert doc["noise_power"] == selection["noise_power"] == power
    assert doc["train"]["params"]["noise_power"] == power
    assert selection["noise_powers"] == [0.0, 0.75, -0.5]
    assert {c["noise_power"] for c in doc["selection"]["candidates"]} == {0.0, 0.75, -0.5}
    text = run("evaluate-rec", sessions, *common)
    out = text.stdout.decode()
    assert text.returncode == 0, text.stderr
    # the text names the pick of the JSON run (the same run: one thread, one seed), among
    # the held-out cases of hide_last (a line of 20 items or more hides its last two)
    held_out = hide_last(leave_last_out(hub_sessions(400))[0], recommend.HIDDEN_PER_LINE)[1]
    assert doc["selection"]["cases"] == len(held_out) > 400
    picked = recommend.describe_scoring(doc["scoring"], doc["recency"], power,
                                        doc["popularity_weight"])
    assert "noise power %g" % power in picked
    assert ("scoring %s (auto: of %d candidates on %d held-out cases, the first within 1 "
            "standard error of the best)" % (picked, 3 * len(recommend.SCORINGS), len(held_out))
            in out.splitlines()[0])
    starred = [line for line in out.splitlines() if line.startswith("* ")]
    assert len(starred) == 1 and picked in starred[0]
    best = selection["candidates"][selection["best"]]
    marked_best = [line for line in out.splitlines() if line.startswith("+ ")]
    assert len(marked_best) == (selection["best"] != selection["picked"])
    assert all("%.4f" % best["hit_rate"] in line for line in marked_best)
    # --noise-power given: the pick is among the scorings and recencies only, with that power.
    doc = json.loads(run("evaluate-rec", sessions, *common, "--noise-power", "0.75",
                         "--json").stdout)
    assert doc["noise_power"] == doc["train"]["params"]["noise_power"] == 0.75
    assert doc["selection"]["noise_powers"] == [0.75]
    assert len(doc["selection"]["candidates"]) == len(recommend.SCORINGS)
    out = run("evaluate-rec", sessions, *common, "--noise-power", "0").stdout.decode()
    assert "(auto: of %d candidates on" % len(recommend.SCORINGS) in out
    assert "noise power" not in out
    # an explicit scoring trains once, with the preset's power
    doc = json.loads(run("evaluate-rec", sessions, *common, "--scoring", "cosine",
                         "--json").stdout)
    assert doc["selection"] is None and doc["noise_power"] == 0.0


def test_recommend_cli_scoring_and_recency(planted_vectors, planted_model, tmp_path):
    saved = tmp_path / "saved"
    planted_model.save(str(saved))
    for args in (("-m", saved), ("-m", saved, "--scoring", "cosine", "--recency", "1"),
                 ("-m", planted_vectors, "--recency", "0.5")):
        result = run("recommend", "c3_0", "c3_1", "-n", "3", *args)
        assert result.returncode == 0, result.stderr
        assert all(line.startswith("c3_") for line in result.stdout.decode().splitlines())
    refused = run("recommend", "c3_0", "-m", planted_vectors, "--scoring", "output")
    assert refused.returncode == 2 and "saved model" in one_line(refused.stderr)
    # the popularity prior: with a saved model's counts, each score grows by w * ln(count)
    plain = run("recommend", "c3_0", "-n", "3", "-m", saved, "--scoring", "cosine", "--json")
    prior = run("recommend", "c3_0", "-n", "3", "-m", saved, "--scoring", "cosine",
                "--popularity", "0.1", "--json")
    assert plain.returncode == prior.returncode == 0, prior.stderr
    counts = dict(zip(planted_model.wv.index_to_key, planted_model.wv.counts))
    scores = {r["item"]: r["score"] for r in json.loads(plain.stdout)["recommendations"]}
    for r in json.loads(prior.stdout)["recommendations"]:
        if r["item"] in scores:
            assert r["score"] == pytest.approx(
                scores[r["item"]] + 0.1 * np.log(counts[r["item"]]), abs=2e-6)
    refused = run("recommend", "c3_0", "-m", planted_vectors, "--popularity", "0.1")
    assert refused.returncode == 2 and "counts" in one_line(refused.stderr)


def test_an_hs_model_has_no_output_vectors_and_recommends_by_cosine(planted_file, tmp_path):
    """Hierarchical softmax's output layer is a tree, not a vector per item: a saved hs model
    is ranked by cosine, and output scoring of an hs run is refused."""
    params, _ = apply_preset("items", QUICK, set(QUICK))
    model = w2vns.train(str(planted_file), loss="hs", **params)
    folder = tmp_path / "hs.model"
    model.save(str(folder))
    result = run("recommend", "c2_0", "c2_1", "-m", folder, "-n", "5", "--json")
    assert result.returncode == 0, result.stderr
    answer = [r["item"] for r in json.loads(result.stdout)["recommendations"]]
    expected = Recommender(model.wv).recommend(["c2_0", "c2_1"], topn=5)
    assert answer == [item for item, _ in expected]
    with pytest.raises(ValueError, match="the hs loss has none"):
        evaluate_leave_last_out(planted_baskets(50), scoring="output", loss="hs", **params)


# --------------------------------------------------------------------------------------------
# evaluate-rec -m: vectors that saw the hidden items are named.


def _planted_lines(planted_file):
    return [line.split() for line in planted_file.read_text().splitlines()]


def _train_items(lines):
    params, _ = apply_preset("items", QUICK, set(QUICK))
    return w2vns.train([" ".join(line) for line in lines], **params)


def test_leak_evidence_names_vectors_trained_on_the_full_lines(planted_model, planted_file):
    from w2vns.apps.recommend import leak_evidence

    lines = _planted_lines(planted_file)
    kv = planted_model.wv
    # A word2vec file: the vocabulary's order shows it; the model itself says the same.
    bare = KeyedVectors(kv.index_to_key, kv.vectors)
    for vectors in (bare, kv):
        reasons = leak_evidence(vectors, lines)
        assert reasons and "frequency order of the full lines" in reasons[0]
    # Rows in another order, with counts: the counts show it.
    shuffled = np.random.default_rng(0).permutation(len(kv))
    reordered = KeyedVectors([kv.index_to_key[i] for i in shuffled], kv.vectors[shuffled],
                             counts=kv.counts[shuffled])
    reasons = leak_evidence(reordered, lines)
    assert reasons and "counts are those of the full lines" in reasons[0]


def test_leak_evidence_is_silent_for_the_protocols_own_training_and_other_data(planted_file):
    from w2vns.apps.recommend import leak_evidence

    lines = _planted_lines(planted_file)
    proper = _train_items(leave_last_out(lines)[0])
    other = _train_items(planted_baskets(count=1500, seed=1))
    for model in (proper, other):
        assert leak_evidence(model.wv, lines) == []
        bare = KeyedVectors(model.wv.index_to_key, model.wv.vectors)
        assert leak_evidence(bare, lines) == []


def test_leak_evidence_from_a_saved_models_recorded_corpus(planted_file, tmp_path):
    from w2vns.apps.recommend import leak_evidence
    from w2vns.training.checkpoint import read_corpus_paths

    params, _ = apply_preset("items", QUICK, set(QUICK))
    model = w2vns.train(str(planted_file), **dict(params, epochs=1))
    model.save(str(tmp_path / "m"))
    assert read_corpus_paths(tmp_path / "m") == [str(planted_file.resolve())]
    # Shuffled rows and no counts: only the recorded corpus can tell.
    keys = model.wv.index_to_key[::-1]
    kv = KeyedVectors(keys, model.wv.vectors[::-1])
    lines = _planted_lines(planted_file)
    assert leak_evidence(kv, lines) == []
    reasons = leak_evidence(kv, lines, trained_on=read_corpus_paths(tmp_path / "m"),
                            sessions=str(planted_file))
    assert reasons[0] == "the model was trained on %s itself (its saved corpus)" % planted_file


def test_evaluate_rec_warns_about_vectors_trained_on_the_sessions(planted_vectors, planted_file,
                                                                 tmp_path):
    result = run("evaluate-rec", planted_file, "-m", planted_vectors, "--json")
    assert result.returncode == 0, result.stderr
    warning = one_line(result.stderr)
    assert warning.startswith("w2vns: warning: %s looks trained on %s with the hidden items"
                              % (planted_vectors, planted_file))
    assert json.loads(result.stdout)["leak"]
    proper = tmp_path / "proper.txt"
    _train_items(leave_last_out(_planted_lines(planted_file))[0]).save_word2vec_format(
        str(proper), binary=False)
    result = run("evaluate-rec", planted_file, "-m", proper, "--json")
    assert result.returncode == 0 and result.stderr == b""
    assert json.loads(result.stdout)["leak"] == []


def test_recommend_cli_tsv_and_one_json_document(planted_vectors):
    result = run("recommend", "-", "-n", "2", "-m", planted_vectors, "--tsv",
                 stdin=b"c4_0 c4_1\nc6_1\n")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    assert [r[0] for r in rows] == ["c4_0 c4_1"] * 2 + ["c6_1"] * 2
    assert all(cluster(r[1]) == cluster(r[0]) and float(r[2]) > 0 for r in rows)
    result = run("recommend", "c4_0", "zzz", "-n", "2", "-m", planted_vectors, "--json")
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert doc["basket"] == ["c4_0", "zzz"] and doc["unknown"] == ["zzz"]
    assert len(doc["recommendations"]) == 2


def test_recommend_cli_answers_each_stdin_line_as_it_arrives(planted_vectors):
    import select
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "recommend", "-", "-n", "1", "-m",
                             str(planted_vectors)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        for basket in (b"c1_0 c1_2", b"c5_3"):
            proc.stdin.write(basket + b"\n")
            proc.stdin.flush()
            # An answer before stdin is closed: no waiting for a batch to fill (the 60 s only
            # keeps a failing run from hanging the suite).
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "no answer while stdin stays open"
            answer = proc.stdout.readline()
            assert cluster(answer.decode().strip()) == cluster(basket.decode().split()[0])
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0 and proc.stdout.read() == b""
    finally:
        proc.kill()
        proc.wait()


def test_leak_evidence_needs_enough_items_to_show_it():
    from w2vns.apps.recommend import leak_evidence

    # every item once: any order is a frequency order of the full lines, which proves nothing
    words = ["w%02d" % i for i in range(60)]
    lines = [words[i:i + 3] for i in range(0, 60, 3)]
    kv = KeyedVectors(words, np.eye(60, dtype=np.float32))
    assert leak_evidence(kv, lines) == []
    counted = KeyedVectors(words, np.eye(60, dtype=np.float32), counts=[1] * 60)
    assert leak_evidence(counted, lines[:3]) == []  # 3 items match the full counts: too few
