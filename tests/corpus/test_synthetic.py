"""Tests of w2vns.corpus.synthetic, the generator of corpora with planted word groups.

They check the properties other tests and the demo rely on (determinism, the groups really
occur, Zipf-like frequencies, line lengths), not the quality of trained vectors: that needs a
trainer and belongs to the trainer's tests.
"""
import collections
import gzip
import hashlib
import json
import math
import os

import pytest

from w2vns.corpus import synthetic

DEMO_PATH = os.path.join(os.path.dirname(os.path.dirname(synthetic.__file__)), "data", "demo.txt.gz")


@pytest.fixture(scope="module")
def corpus():
    return synthetic.generate_corpus(3000, seed=5)


@pytest.fixture(scope="module")
def counts(corpus):
    return collections.Counter(w for line in corpus for w in line.split())


def test_tables_are_consistent():
    assert synthetic.check_tables() is True


def test_same_seed_same_lines():
    a = synthetic.generate_corpus(500, seed=7)
    b = synthetic.generate_corpus(500, seed=7)
    assert a == b
    assert list(synthetic.iter_corpus(500, seed=7)) == a


def test_different_seed_different_lines():
    assert synthetic.generate_corpus(200, seed=1) != synthetic.generate_corpus(200, seed=2)


def test_prefix_property():
    # A shorter corpus is the start of a longer one with the same seed: tests can use the
    # first lines of the demo file, and the demo file can be checked cheaply (below).
    assert synthetic.generate_corpus(1000, seed=3)[:100] == synthetic.generate_corpus(100, seed=3)


def test_golden_first_line():
    # Pins the output: if this fails, the generator changed, and the demo corpus (and any
    # numbers measured on it) must be regenerated.
    assert synthetic.generate_corpus(2, seed=0) == [
        "he injured his leg while playing",
        "the nation of finland has a long history",
    ]


def test_planted_groups_shape():
    groups = synthetic.planted_groups()
    assert 15 <= len(groups) <= 30
    seen = set()
    for name, words in groups.items():
        assert 7 <= len(words) <= 20, name
        assert not seen.intersection(words), name
        seen.update(words)
    for word in ["dog", "cat", "red", "paris", "france", "french", "king", "queen", "monday",
                 "january", "apple", "car", "doctor", "walk", "walked", "seven"]:
        assert word in seen, word


def test_groups_appear(corpus, counts):
    for name, words in synthetic.planted_groups().items():
        for w in words:
            assert counts[w] >= 1, (name, w)
        # Every group is common enough to be learnt: >= 40 tokens in 3,000 sentences.
        assert sum(counts[w] for w in words) >= 40, name


def test_groups_share_sentences(corpus):
    # Words of a group co-occur: "dog" shares lines with other animals far more often than
    # with colours of the same overall frequency band.
    groups = synthetic.planted_groups()
    animals, colours = set(groups["animals"]) - {"dog"}, set(groups["colours"])
    with_animals = with_colours = 0
    for line in corpus:
        words = set(line.split())
        if "dog" in words:
            with_animals += bool(words & animals)
            with_colours += bool(words & colours)
    assert with_animals > 3 * max(with_colours, 1)


def test_aligned_relations(corpus):
    # "paris is the capital of france" and never of another country.
    joined = "\n".join(corpus)
    for country, capital in synthetic.planted_analogies()["capital"]:
        for other_country, _ in synthetic.planted_analogies()["capital"]:
            phrase = f"{capital} is the capital of {other_country}"
            if other_country == country:
                continue
            assert phrase not in joined


def test_analogies():
    analogies = synthetic.planted_analogies()
    assert {"capital", "language", "gender", "plural", "past_tense"} <= set(analogies)
    owner = {w: g for g, ws in synthetic.planted_groups().items() for w in ws}
    for relation, pairs in analogies.items():
        assert len(pairs) >= 8, relation
        for a, b in pairs:
            assert a in owner and b in owner, (relation, a, b)
    assert ("man", "woman") in analogies["gender"]
    assert ("king", "queen") in analogies["gender"]
    assert ("france", "paris") in analogies["capital"]
    questions = synthetic.analogy_questions(["capital"])
    n = len(analogies["capital"])
    assert len(questions) == n * (n - 1)
    assert ("france", "paris", "germany", "berlin") in questions


def test_write_analogy_questions(tmp_path):
    path = tmp_path / "q.txt"
    n = synthetic.write_analogy_questions(path, relations=["gender"])
    lines = path.read_text().splitlines()
    assert lines[0] == ": gender"
    assert len(lines) == n + 1
    assert all(len(line.split()) == 4 for line in lines[1:])


def test_line_lengths(corpus):
    lengths = [len(line.split()) for line in corpus]
    assert min(lengths) >= 5 and max(lengths) <= 40
    assert min(lengths) <= 6 and max(lengths) >= 35  # the whole range is used
    assert 10 <= sum(lengths) / len(lengths) <= 25
    for line in corpus:
        assert line == line.strip() and "  " not in line and line == line.lower()


def test_custom_length_bounds():
    lines = synthetic.generate_corpus(300, seed=1, min_len=12, max_len=20)
    lengths = [len(line.split()) for line in lines]
    assert min(lengths) >= 12 and max(lengths) <= 20
    with pytest.raises(ValueError):
        synthetic.generate_corpus(1, min_len=10, max_len=5)


def test_zipf_like(counts):
    total = sum(counts.values())
    ranked = counts.most_common()
    # Function words on top, frequent enough for sub-sampling to matter.
    assert ranked[0][0] == "the" and ranked[0][1] / total > 0.05
    assert {w for w, _ in ranked[:10]} >= {"the", "a", "and", "of", "in"}
    # Rank-frequency over the head is a straight line of slope about -1 in log-log.
    xs = [math.log(r) for r in range(1, 101)]
    ys = [math.log(c) for _, c in ranked[:100]]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    slope, r2 = sxy / sxx, sxy * sxy / (sxx * syy)
    assert -1.4 < slope < -0.6, slope
    assert r2 > 0.95, r2
    # A long tail: many types below a typical min_count of 5, among them many hapaxes.
    rare = sum(1 for c in counts.values() if c < 5)
    assert rare / len(counts) > 0.3
    assert sum(1 for c in counts.values() if c == 1) > 50


@pytest.mark.parametrize("name", ["corpus.txt", "corpus.txt.gz"])
def test_write_corpus(tmp_path, name):
    first = tmp_path / ("a_" + name)
    second = tmp_path / ("b_" + name)
    n_tokens = synthetic.write_corpus(first, 400, seed=9)
    synthetic.write_corpus(second, 400, seed=9)
    data = first.read_bytes()
    assert data == second.read_bytes()  # byte-identical, whatever the file name
    if name.endswith(".gz"):
        assert data[:2] == b"\x1f\x8b" and data[4:8] == b"\0\0\0\0"  # gzip, mtime 0
        data = gzip.decompress(data)
    lines = data.decode("utf-8").split("\n")
    assert lines[-1] == ""
    assert lines[:-1] == synthetic.generate_corpus(400, seed=9)
    assert n_tokens == sum(len(line.split()) for line in lines)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_demo_file_matches_generator():
    # The shipped demo corpus must be what scripts/make_demo_corpus.py makes now; comparing the
    # first lines and the line count is cheap and catches a generator changed without
    # regenerating the file.
    with gzip.open(DEMO_PATH, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == synthetic.DEMO_N_SENTENCES
    head = synthetic.generate_corpus(200, seed=synthetic.DEMO_SEED)
    assert lines[:200] == head


# --- generate_sessions: item sessions in time order -------------------------------------------

def test_sessions_are_deterministic_and_about_the_asked_length():
    a = synthetic.generate_sessions(300, 40, seed=4)
    assert a == synthetic.generate_sessions(300, 40, seed=4)
    assert a != synthetic.generate_sessions(300, 40, seed=5)
    lengths = [len(line) for line in a]
    assert min(lengths) >= 20 and max(lengths) <= 60  # uniform in [L/2, 3L/2]
    assert abs(sum(lengths) / len(lengths) - 40) < 2
    assert all(len(set(line)) == len(line) for line in a)  # no item twice in a line


def test_sessions_have_planted_clusters_and_drifting_interests():
    lines = synthetic.generate_sessions(400, 50, seed=1, n_items=1000, n_clusters=10)
    cluster = synthetic.session_item_cluster
    # A line keeps to a few clusters: its most common cluster holds far more than 1/10.
    top_share = [collections.Counter(map(cluster, line)).most_common(1)[0][1] / len(line)
                 for line in lines]
    assert sum(top_share) / len(top_share) > 0.3
    # Consecutive items share their cluster more often than two items of the line at random.
    same_next = sum(cluster(a) == cluster(b) for line in lines for a, b in zip(line, line[1:]))
    pairs = sum(len(line) - 1 for line in lines)
    same_any = sum(cluster(line[0]) == cluster(item) for line in lines for item in line[1:])
    assert same_next / pairs > 1.3 * same_any / pairs


def test_sessions_without_drift_have_no_order():
    lines = synthetic.generate_sessions(400, 50, seed=1, n_items=1000, n_clusters=10, stay=0.0)
    cluster = synthetic.session_item_cluster
    same_next = sum(cluster(a) == cluster(b) for line in lines for a, b in zip(line, line[1:]))
    same_any = sum(cluster(line[0]) == cluster(item) for line in lines for item in line[1:])
    pairs = sum(len(line) - 1 for line in lines)
    assert abs(same_next - same_any) / pairs < 0.03


def test_session_popularity_is_zipf_like():
    counts = collections.Counter(i for line in synthetic.generate_sessions(500, 30, seed=2)
                                 for i in line)
    ranked = [n for _, n in counts.most_common()]
    # Rank 1 vs rank 100: weights 1/21 vs 1/120 under the generator's law, less the share
    # drawn by interests (flatter): well above 2x either way.
    assert ranked[0] > 2 * ranked[99]
    assert synthetic.session_item_cluster("c3_17") == 3


@pytest.mark.parametrize("args", [(-1, 10), (5, 1), (5, 10, 0, 5, 10)])
def test_sessions_reject_bad_arguments(args):
    with pytest.raises(ValueError):
        synthetic.generate_sessions(*args)


@pytest.mark.parametrize("kwargs", [{"lengths": "zipf"},
                                    {"lengths": "lognormal", "min_length": 30, "max_length": 20},
                                    {"lengths": "lognormal", "sigma": -1.0}])
def test_sessions_reject_bad_length_laws(kwargs):
    with pytest.raises(ValueError):
        synthetic.generate_sessions(5, 10, **kwargs)


@pytest.mark.parametrize("args, kwargs, digest", [
    ((300, 40), {"seed": 4}, "c34100ec76902160"),
    ((200, 10), {"seed": 0}, "fb0f5387e7752c44"),
    ((50, 200), {"seed": 1, "stay": 0.3, "explore": 0.4, "zipf": 1.3}, "6751af4b1eaeea82"),
])
def test_sessions_are_unchanged_for_the_arguments_of_before(args, kwargs, digest):
    # Digests of the output of the generator before lengths= existed (commit 6b79a79): the
    # benchmarks' sessions:L:N data sets must stay the data sets their figures were made on.
    lines = synthetic.generate_sessions(*args, **kwargs)
    assert hashlib.sha256(json.dumps(lines).encode()).hexdigest()[:16] == digest


def test_lognormal_lengths_are_heavy_tailed_like_rating_histories():
    lines = synthetic.generate_sessions(2000, 40, seed=3, lengths="lognormal", sigma=1.0,
                                        min_length=10, max_length=400)
    assert lines == synthetic.generate_sessions(2000, 40, seed=3, lengths="lognormal",
                                                sigma=1.0, min_length=10, max_length=400)
    lengths = sorted(len(line) for line in lines)
    assert lengths[0] == 10 and lengths[-1] <= 400
    assert all(len(set(line)) == len(line) for line in lines)
    # Median 40: the sample median's standard error in log space is 1.2533 sigma / sqrt(2000)
    # = 0.028, so +-10 % is over 3 standard errors.
    assert 36 <= lengths[1000] <= 44
    # Clipped at the minimum (rounded to 10 or less): P(z < ln(10.5/40)) = Phi(-1.337) =
    # 0.091, sd 0.0064 over 2000: +-0.02 is 3 sd.
    assert abs(lengths.count(10) / 2000 - 0.091) < 0.02
    # The tail: P(length > 5 x median) = Phi(-ln(200.5/40)) = 0.054 (sd 0.005); uniform lengths
    # have none, and the mean is well above the median (exp(sigma^2 / 2) = 1.65 unclipped).
    assert abs(sum(n > 200 for n in lengths) / 2000 - 0.054) < 0.016
    assert sum(lengths) / 2000 > 1.4 * lengths[1000]
