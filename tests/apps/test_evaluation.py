"""Tests of w2vns.apps.evaluation: figures identical to gensim's, parsing of odd layouts."""
import math
import os

import numpy as np
import pytest

from w2vns.apps import evaluation as ev

from tests.conftest import write_analogy_subset

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")

DIM = 32


class StandIn:
    """The minimal "vectors" object the evaluation functions need."""

    def __init__(self, keys, vectors):
        self.index_to_key = list(keys)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        self.vectors = np.asarray(vectors, dtype=np.float32)


def to_gensim(kv):
    g = gensim_kv.KeyedVectors(kv.vectors.shape[1], dtype=np.float32)
    g.add_vectors(kv.index_to_key, kv.vectors)
    return g


def _bundled_words():
    words, seen = [], set()
    for _name, questions in ev.read_analogies():
        for q in questions:
            for w in q:
                w = w.lower()
                if w not in seen:
                    seen.add(w)
                    words.append(w)
    for a, b, _s in ev.read_similarity_pairs():
        for w in (a.lower(), b.lower()):
            if w not in seen:
                seen.add(w)
                words.append(w)
    return words


def _structured_model(seed, case_variants=True):
    """Random vectors with section-wise analogy offsets (so that accuracy is neither 0 nor 1),
    most words of the bundled sets (5 % dropped), some case variants, and filler words."""
    rng = np.random.default_rng(seed)
    words = _bundled_words()
    vec = {w: rng.standard_normal(DIM) for w in words}
    for _name, questions in ev.read_analogies():
        offset = rng.standard_normal(DIM)
        for q in questions:
            a, b = q[0].lower(), q[1].lower()
            vec[b] = vec[a] + offset + 1.2 * rng.standard_normal(DIM)
    keep = [w for w in words if rng.random() > 0.05]
    keys = list(keep)
    if case_variants:
        keys += [w.capitalize() for w in rng.choice(keep, 120, replace=False)]
        keys += [w.upper() for w in rng.choice(keep, 40, replace=False)]
    keys = list(dict.fromkeys(keys))
    keys += ["filler%04d" % i for i in range(800)]
    rng.shuffle(keys)
    matrix = np.array(
        [vec[k] if k in vec else rng.standard_normal(DIM) for k in keys], dtype=np.float32
    )
    return StandIn(keys, matrix)


@pytest.fixture(scope="module")
def model():
    return _structured_model(7)


@pytest.fixture(scope="module")
def model_gensim(model):
    return to_gensim(model)


@pytest.fixture(scope="module")
def subset_questions(tmp_path_factory):
    """Every 3rd question of each bundled section."""
    return str(write_analogy_subset(tmp_path_factory.mktemp("analogies") / "subset.txt", 3))


def _gensim_sections(kv, path, **kwargs):
    score, sections = kv.evaluate_word_analogies(path, **kwargs)
    return score, [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections
    ]


def _assert_same_as_gensim(result, gensim_result, total_questions):
    score, sections = gensim_result
    assert result["accuracy"] == score
    assert [(s["section"], s["correct"], s["scored"]) for s in result["sections"]] == sections[:-1]
    assert (result["correct"], result["scored"]) == sections[-1][1:]
    assert result["skipped"] == total_questions - result["scored"]
    assert result["questions"] == total_questions
    assert 0.05 < result["accuracy"] < 0.95  # the check is not vacuous


# ------------------------------------------------------------------------------------ analogies


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogies_equal_gensim(model, model_gensim, subset_questions, case_insensitive):
    n_questions = sum(len(q) for _n, q in ev.read_analogies(subset_questions))
    ours = ev.evaluate_analogies(
        model, subset_questions, restrict_vocab=2000, case_insensitive=case_insensitive
    )
    theirs = _gensim_sections(
        model_gensim, subset_questions, restrict_vocab=2000, case_insensitive=case_insensitive
    )
    _assert_same_as_gensim(ours, theirs, n_questions)
    # the gensim object itself is accepted too, with the same figures
    again = ev.evaluate_analogies(
        model_gensim, subset_questions, restrict_vocab=2000, case_insensitive=case_insensitive
    )
    assert again["sections"] == ours["sections"]


def test_analogies_small_chunks_and_whole_vocab(model, model_gensim, subset_questions):
    n_questions = sum(len(q) for _n, q in ev.read_analogies(subset_questions))
    ours = ev.evaluate_analogies(model, subset_questions, restrict_vocab=None, chunk_size=37)
    theirs = _gensim_sections(model_gensim, subset_questions, restrict_vocab=None)
    _assert_same_as_gensim(ours, theirs, n_questions)
    assert ours["restrict_vocab"] == len(model.index_to_key)


def test_analogies_exact_ties_follow_gensim(tmp_path):
    """Duplicated rows make exact ties; the winner must be the one gensim picks."""
    rng = np.random.default_rng(3)
    keys = ["w%d" % i for i in range(300)]
    base = rng.standard_normal((100, 8)).astype(np.float32)
    matrix = np.concatenate([base, base, base])  # every vector three times
    kv = StandIn(keys, matrix)
    path = tmp_path / "q.txt"
    lines = [": ties"]
    for _ in range(300):
        a, b, c, d = rng.choice(300, 4, replace=False)
        lines.append("W%d w%d W%d w%d" % (a, b, c, d))
    lines.append(": gram-ties")
    for _ in range(100):
        a, b, c = rng.choice(100, 3, replace=False)
        lines.append("w%d w%d w%d w%d" % (a, b, c, c + 100))  # the answer is a twin of c
    path.write_text("\n".join(lines) + "\n")
    ours = ev.evaluate_analogies(kv, str(path), restrict_vocab=250)
    theirs = _gensim_sections(to_gensim(kv), str(path), restrict_vocab=250)
    score, sections = theirs
    assert ours["accuracy"] == score
    assert [(s["section"], s["correct"], s["scored"]) for s in ours["sections"]] == sections[:-1]
    assert ours["semantic"]["scored"] == sections[0][2]
    assert ours["syntactic"]["scored"] == sections[1][2]


def _cosmul_reference(kv, path, restrict_vocab, eps=1e-3):
    keys = kv.index_to_key[:restrict_vocab]
    m = kv.vectors[:restrict_vocab].astype(np.float64)
    unit = m / np.linalg.norm(m, axis=1)[:, None]
    ok = {}
    for i, k in enumerate(keys):
        ok.setdefault(k.upper(), i)
    upper = [k.upper() for k in keys]
    correct = scored = 0
    for _name, questions in ev.read_analogies(path):
        for q in questions:
            q = [w.upper() for w in q]
            if not all(w in ok for w in q):
                continue
            scored += 1
            cos = [(1 + unit @ unit[ok[w]]) / 2 for w in q[:3]]
            score = cos[1] * cos[2] / (cos[0] + eps)
            for i, u in enumerate(upper):
                if u in q[:3]:
                    score[i] = -np.inf
            correct += upper[int(np.argmax(score))] == q[3]
    return correct, scored


def test_analogies_cosmul(model, tmp_path):
    path = tmp_path / "small.txt"
    with open(path, "w") as out:
        for name, questions in ev.read_analogies():
            out.write(": %s\n" % name)
            for q in questions[::40]:
                out.write(" ".join(q) + "\n")
    ours = ev.evaluate_analogies(model, str(path), restrict_vocab=1500, method="mul")
    assert (ours["correct"], ours["scored"]) == _cosmul_reference(model, str(path), 1500)
    assert ours["method"] == "mul"
    add = ev.evaluate_analogies(model, str(path), restrict_vocab=1500, method="add")
    assert add["scored"] == ours["scored"]
    with pytest.raises(ValueError):
        ev.evaluate_analogies(model, str(path), method="sub")


def test_analogies_tiny_blocks_same_result(model, subset_questions, monkeypatch):
    """Many small column blocks / question chunks give the same answers as one big block."""
    expect = {m: ev.evaluate_analogies(model, subset_questions, restrict_vocab=1800, method=m)
              for m in ("add", "mul")}
    monkeypatch.setattr(ev, "_BLOCK_ELEMENTS", 40000)
    for m in ("add", "mul"):
        got = ev.evaluate_analogies(model, subset_questions, restrict_vocab=1800, method=m)
        assert got["sections"] == expect[m]["sections"]


def test_analogies_bundled_file_totals(model):
    res = ev.evaluate_analogies(model)  # bundled questions-words.txt, top 30,000 words
    assert os.path.basename(res["path"]) == "questions-words.txt"
    assert res["questions"] == 19544
    assert len(res["sections"]) == 14
    assert res["semantic"]["questions"] == 8869
    assert res["syntactic"]["questions"] == 10675
    names = [s["section"] for s in res["sections"]]
    assert names[:2] == ["capital-common-countries", "capital-world"]
    assert res["scored"] + res["skipped"] == 19544
    assert res["semantic"]["correct"] + res["syntactic"]["correct"] == res["correct"]
    assert res["semantic"]["scored"] + res["syntactic"]["scored"] == res["scored"]
    assert res["accuracy"] == pytest.approx(res["correct"] / res["scored"])
    assert res["restrict_vocab"] == len(model.index_to_key)  # smaller than 30000


def test_analogies_nothing_in_vocabulary(tmp_path):
    kv = StandIn(["a", "b", "c"], np.eye(3, 4))
    path = tmp_path / "q.txt"
    path.write_text(": s\nx y z w\n")
    res = ev.evaluate_analogies(kv, str(path))
    assert (res["accuracy"], res["correct"], res["scored"], res["skipped"]) == (0.0, 0, 0, 1)


def test_read_analogies_odd_layout(tmp_path):
    path = tmp_path / "q.txt"
    path.write_bytes(
        b"a b c d\r\n"  # before any header: section ""
        b": first\r\n"
        b"\r\n"
        b"A B C D\r\n"
        b"only three words\r\n"
        b"one two three four five\r\n"
        b"  e\tf g h  \r\n"
        b":  gram-second \r\n"
        b": empty\r\n"
    )
    sections = ev.read_analogies(str(path))
    assert sections == [
        ("", [("a", "b", "c", "d")]),
        ("first", [("A", "B", "C", "D"), ("e", "f", "g", "h")]),
        ("gram-second", []),
        ("empty", []),
    ]


def test_read_analogies_gzip(tmp_path):
    import gzip

    path = tmp_path / "q.txt.gz"
    with gzip.open(path, "wt") as out:
        out.write(": s\nA B C D\n")
    assert ev.read_analogies(str(path)) == [("s", [("A", "B", "C", "D")])]


# ----------------------------------------------------------------------------------- similarity


def test_similarity_equals_gensim(model, model_gensim):
    ours = ev.evaluate_similarity(model)
    pearson, spearman, oov_ratio = model_gensim.evaluate_word_pairs(ev.WORDSIM_PATH)
    assert abs(ours["spearman"] - spearman[0]) < 1e-9
    assert abs(ours["pearson"] - pearson[0]) < 1e-9
    assert abs(ours["oov_ratio"] - oov_ratio) < 1e-9
    assert ours["pairs"] + ours["oov"] == 353
    assert 0 < ours["oov"] < 100
    assert os.path.basename(ours["path"]) == "wordsim353.tsv"


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_similarity_equals_gensim_options(model, model_gensim, tmp_path, case_insensitive):
    # mixed case words, CRLF, a header without '#': gensim's parser copes with this layout too
    rng = np.random.default_rng(5)
    keys = model.index_to_key[:1500]
    lines = ["Word 1\tWord 2\tScore"]
    for _ in range(400):
        a, b = rng.choice(len(keys), 2, replace=False)
        wa, wb = keys[a], keys[b]
        if rng.random() < 0.3:
            wa = wa.upper()
        lines.append("%s\t%s\t%.1f" % (wa, wb, rng.integers(0, 20) / 2))  # many tied scores
    lines.append("notaword\tcat\t3.0")
    path = tmp_path / "pairs.tsv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    ours = ev.evaluate_similarity(model, str(path), case_insensitive=case_insensitive,
                                  restrict_vocab=1200)
    pearson, spearman, oov_ratio = model_gensim.evaluate_word_pairs(
        str(path), case_insensitive=case_insensitive, restrict_vocab=1200
    )
    assert abs(ours["spearman"] - spearman[0]) < 1e-9
    assert abs(ours["pearson"] - pearson[0]) < 1e-9
    assert abs(ours["oov_ratio"] - oov_ratio) < 1e-9


def test_read_similarity_pairs_odd_layouts(tmp_path):
    path = tmp_path / "p.txt"
    path.write_bytes(
        b"# a comment\r\n"
        b"word1 word2 similarity\r\n"  # header: third field is not a number
        b"\r\n"
        b"tiger cat 7.35\r\n"
        b"tiger\ttiger\t10.00\r\n"
        b"  book   paper   7.46   extra columns  \r\n"
        b"#tiger cat 1\n"
        b"car\tautomobile\t8,5\n"  # not a number: skipped
        b"two words\n"
        b"money\tcash\t9.15"  # no final newline
    )
    assert ev.read_similarity_pairs(str(path)) == [
        ("tiger", "cat", 7.35),
        ("tiger", "tiger", 10.0),
        ("book", "paper", 7.46),
        ("money", "cash", 9.15),
    ]


def test_similarity_no_pairs_raises(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text("x y 1\n")
    with pytest.raises(ValueError):
        ev.evaluate_similarity(StandIn(["a", "b"], np.eye(2)), str(path))


# ----------------------------------------------------------------------------------- statistics


def test_statistics_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(11)
    for n in (2, 3, 10, 353):
        x = rng.integers(0, 6, n).astype(float)  # many ties
        y = rng.standard_normal(n)
        if n > 3:
            y[: n // 3] = y[0]
        assert np.array_equal(ev.rankdata(x), stats.rankdata(x))
        assert np.array_equal(ev.rankdata(y), stats.rankdata(y))
        if np.ptp(x) == 0 or np.ptp(y) == 0:
            continue
        assert abs(ev.spearman(x, y) - stats.spearmanr(x, y)[0]) < 1e-12
        assert abs(ev.pearson(x, y) - stats.pearsonr(x, y)[0]) < 1e-12
    assert math.isnan(ev.pearson([1, 1, 1], [1, 2, 3]))
    assert math.isnan(ev.spearman([1, 2, 3], [5, 5, 5]))
    assert ev.spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert ev.spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_bundled_files_present():
    assert os.path.isfile(ev.ANALOGIES_PATH)
    assert os.path.isfile(ev.WORDSIM_PATH)
    assert ev.bundled_path("wordsim353.tsv") == ev.WORDSIM_PATH
    assert len(ev.read_similarity_pairs()) == 353


def test_analogies_same_with_any_number_of_threads(model, subset_questions, monkeypatch):
    """Questions split among worker threads give the same answers as one thread."""
    expect = {}
    for threads in (1, 3):
        monkeypatch.setattr(ev, "_eval_threads", lambda: threads)
        for m in ("add", "mul"):
            got = ev.evaluate_analogies(model, subset_questions, restrict_vocab=1800, method=m)
            expect.setdefault(m, got["sections"])
            assert got["sections"] == expect[m]
