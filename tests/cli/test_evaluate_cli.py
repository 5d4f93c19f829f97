"""`w2vns evaluate`, `w2vns plot` and `w2vns train --eval` end to end, in subprocesses."""
import json
import os
import struct

import numpy as np
import pytest

from w2vns.apps import evaluation as ev
from w2vns.apps.heldout import evaluate_heldout
from w2vns.corpus import synthetic
from w2vns.training import checkpoint
from w2vns.vectors.keyed import KeyedVectors

from tests.conftest import write_analogy_subset
from tests.helpers import one_line, w2vns

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIM = 24


def _bundled_words():
    words = {}
    for _name, questions in ev.read_analogies():
        for q in questions:
            words.update(dict.fromkeys(w.lower() for w in q))
    for a, b, _score in ev.read_similarity_pairs():
        words.update(dict.fromkeys((a.lower(), b.lower())))
    return list(words)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """Generated vectors: the bundled sets' words (5 % left out) with section-wise analogy
    offsets plus noise, so that accuracy is neither 0 nor 1, then 600 filler words."""
    rng = np.random.default_rng(11)
    words = _bundled_words()
    vec = {w: rng.standard_normal(DIM) for w in words}
    for _name, questions in ev.read_analogies():
        offset = rng.standard_normal(DIM)
        for q in questions:
            vec[q[1].lower()] = vec[q[0].lower()] + offset + 1.2 * rng.standard_normal(DIM)
    keys = [w for w in words if rng.random() > 0.05] + ["filler%03d" % i for i in range(600)]
    matrix = np.array([vec.get(k, rng.standard_normal(DIM)) for k in keys], dtype=np.float32)
    path = tmp_path_factory.mktemp("model") / "vectors.bin"
    KeyedVectors(keys, matrix).save_word2vec_format(str(path), binary=True)
    return path


@pytest.fixture(scope="module")
def subset_questions(tmp_path_factory):
    """Every 8th question of each bundled section."""
    return write_analogy_subset(tmp_path_factory.mktemp("sets") / "subset.txt", 8)


def evaluate_json(*args, **kwargs):
    result = w2vns("evaluate", "--json", *args, **kwargs)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# ------------------------------------------------------------------------------------ evaluate


def test_evaluate_json_figures_equal_gensim(model_file, subset_questions):
    gensim_models = pytest.importorskip("gensim.models")
    doc = evaluate_json("-m", model_file, "--analogies", subset_questions,
                        "--similarity", ev.WORDSIM_PATH, "--restrict", "1500")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(model_file), binary=True)
    score, sections = theirs.evaluate_word_analogies(str(subset_questions), restrict_vocab=1500)
    (ana,) = doc["analogies"]
    assert ana["accuracy"] == score
    assert 0.05 < score < 0.95  # not a vacuous comparison
    assert [(s["section"], s["correct"], s["scored"]) for s in ana["sections"]] == [
        (s["section"], len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
        for s in sections[:-1]]
    assert (ana["correct"], ana["scored"]) == (len(sections[-1]["correct"]),
                                               len(sections[-1]["correct"])
                                               + len(sections[-1]["incorrect"]))
    pearson, spearman, oov_ratio = theirs.evaluate_word_pairs(ev.WORDSIM_PATH)
    (sim,) = doc["similarity"]
    assert sim["spearman"] == pytest.approx(spearman[0], abs=1e-9)
    assert sim["pearson"] == pytest.approx(pearson[0], abs=1e-9)
    assert sim["oov_ratio"] == pytest.approx(oov_ratio, abs=1e-9)


def test_evaluate_without_files_runs_the_bundled_sets(model_file):
    doc = evaluate_json("-m", model_file)
    assert doc["model"] == str(model_file)
    assert (doc["vocab_size"], doc["dim"]) == (len(KeyedVectors.load(str(model_file))), DIM)
    (ana,) = doc["analogies"]
    assert os.path.basename(ana["path"]) == "questions-words.txt"
    assert (ana["method"], ana["restrict_vocab"], ana["questions"]) == ("add", doc["vocab_size"],
                                                                      19544)
    assert ana["scored"] + ana["skipped"] == 19544 and ana["skipped"] > 0
    assert len(ana["sections"]) == 14
    for group in ("semantic", "syntactic"):
        assert set(ana[group]) == {"accuracy", "correct", "scored", "skipped", "questions"}
    assert ana["semantic"]["questions"] + ana["syntactic"]["questions"] == 19544
    (sim,) = doc["similarity"]
    assert os.path.basename(sim["path"]) == "wordsim353.tsv"
    assert sim["pairs"] + sim["oov"] == 353 and sim["oov"] > 0
    assert -1 <= sim["spearman"] <= 1 and -1 <= sim["pearson"] <= 1


def test_evaluate_text_output_and_default_model_path(model_file, tmp_path):
    (tmp_path / "vectors.bin").write_bytes(model_file.read_bytes())
    result = w2vns("evaluate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    for expected in ("questions-words.txt (3CosAdd", "capital-common-countries", "semantic",
                     "syntactic", "total", "spearman", "wordsim353.tsv"):
        assert expected in text


def test_evaluate_custom_files_in_odd_layouts(model_file, tmp_path):
    keys = KeyedVectors.load(str(model_file)).index_to_key
    a, b, c, d = keys[:4]
    analogies = tmp_path / "my analogies.txt"
    analogies.write_bytes((
        "%s %s %s %s\r\n"  # before any section header
        ": first\r\n\r\n"
        "%s\t%s %s %s\r\n"  # upper case: matched case-insensitively
        "%s %s %s notaword\r\n"
        "three words only\r\n"
        % (a, b, c, d, a.upper(), b, c.upper(), d, a, b, c)).encode())
    pairs = tmp_path / "pairs.txt"
    pairs.write_bytes((
        "# comment line\r\n"
        "word1 word2 score\r\n"  # a header
        "%s   %s   7.5\r\n"  # spaces
        "%s\t%s\t2.0\textra\r\n"  # tabs, a further column
        "%s %s 4.25\r\n"
        "\r\n"
        "%s notaword 1.0" % (a, b, c.upper(), d, b, c, a)).encode())  # no final newline
    doc = evaluate_json("-m", model_file, "--analogies", analogies, "--similarity", pairs)
    (ana,) = doc["analogies"]
    assert [(s["section"], s["questions"], s["scored"], s["skipped"]) for s in ana["sections"]] \
        == [("", 1, 1, 0), ("first", 2, 1, 1)]
    assert (ana["questions"], ana["scored"], ana["skipped"]) == (3, 2, 1)
    (sim,) = doc["similarity"]
    assert (sim["pairs"], sim["oov"]) == (3, 1)
    assert sim["path"] == str(pairs)


def test_evaluate_several_similarity_files_in_order(model_file, tmp_path):
    keys = KeyedVectors.load(str(model_file)).index_to_key
    first, second = tmp_path / "one.tsv", tmp_path / "two.tsv"
    first.write_text("%s\t%s\t1\n%s\t%s\t2\n%s\t%s\t3\n" % tuple(keys[:6]))
    second.write_text("%s %s 5\n%s %s 1\n" % tuple(keys[6:10]))
    doc = evaluate_json("-m", model_file, "--similarity", first, "--similarity", second)
    assert doc["analogies"] == []  # only the files given
    assert [(s["path"], s["pairs"]) for s in doc["similarity"]] == [(str(first), 3),
                                                                    (str(second), 2)]


def test_evaluate_restrict_skips_questions_outside(model_file, subset_questions):
    wide = evaluate_json("-m", model_file, "--analogies", subset_questions)["analogies"][0]
    narrow = evaluate_json("-m", model_file, "--analogies", subset_questions, "--restrict",
                           "300")["analogies"][0]
    assert narrow["restrict_vocab"] == 300
    assert narrow["questions"] == wide["questions"]
    assert narrow["skipped"] > wide["skipped"]
    kv = KeyedVectors.load(str(model_file))
    expected = ev.evaluate_analogies(kv, str(subset_questions), restrict_vocab=300)
    assert (narrow["correct"], narrow["scored"]) == (expected["correct"], expected["scored"])


def test_evaluate_method_mul(model_file, subset_questions):
    doc = evaluate_json("-m", model_file, "--analogies", subset_questions, "--method", "mul")
    (ana,) = doc["analogies"]
    assert ana["method"] == "mul"
    kv = KeyedVectors.load(str(model_file))
    expected = ev.evaluate_analogies(kv, str(subset_questions), method="mul")
    add = ev.evaluate_analogies(kv, str(subset_questions), method="add")
    assert ana["sections"] == expected["sections"]
    assert ana["scored"] == add["scored"] and ana["correct"] != add["correct"]


def test_evaluate_no_pair_in_vocabulary_gives_null_correlations(model_file, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("notaword\tnorthis\t3\n")
    (sim,) = evaluate_json("-m", model_file, "--similarity", pairs)["similarity"]
    assert (sim["pairs"], sim["oov"], sim["spearman"], sim["pearson"]) == (0, 1, None, None)


def test_evaluate_text_shows_no_figure_where_nothing_was_scored(model_file, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("notaword\tnorthis\t3\n")
    questions = tmp_path / "q.txt"
    questions.write_text(": nothing-known\nzz1 zz2 zz3 zz4\n: known\n%s\n" % " ".join(
        KeyedVectors.load(str(model_file)).index_to_key[:4]))
    result = w2vns("evaluate", "-m", model_file, "--similarity", pairs, "--analogies",
                   questions)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.decode().splitlines()
            if line.strip()}
    assert rows["nothing-known"] == ["-", "0", "0", "1"]  # not 0.00 %
    assert rows["known"][0].endswith("%")
    assert rows["pairs.tsv"] == ["-", "-", "0", "1"]  # not nan


def test_train_eval_on_item_data_says_there_was_nothing_to_evaluate(tmp_path):
    (tmp_path / "b.txt").write_text("".join("i%d i%d i%d\n" % (n % 7, n % 5, n % 3)
                                            for n in range(200)))
    result = w2vns("train", tmp_path / "b.txt", "--eval", "--preset", "items", "--dim", "8",
                   "--epochs", "1", "--threads", "1", "-o", tmp_path / "v.bin")
    assert result.returncode == 0, result.stderr
    line = one_line(result.stderr)
    assert ("nothing to evaluate: no analogy question or word pair has its words in the "
            "vocabulary") in line
    assert "nan" not in line and "0.0%" not in line


@pytest.mark.parametrize("args, message", [
    (["-m", "missing.bin"], "w2vns train"),
    (["--analogies", "missing.txt"], "missing.txt"),
    (["--analogies", "EMPTY"], "no analogy questions"),
    (["--similarity", "EMPTY"], "no word pairs"),
    (["--similarity", "LATIN1"], "not UTF-8"),
    (["--method", "sub"], "--method"),
    (["--restrict", "0"], "--restrict"),
    (["-m", "GARBAGE"], "garbage.bin: line 1: bad header"),
    (["--heldout", "EMPTY"], "needs the model's output layer: -m a folder written by 'w2vns "
                             "train --save-model DIR'"),
])
def test_evaluate_bad_input_exits_2_with_one_line(args, message, model_file, tmp_path):
    (tmp_path / "empty.txt").write_text("\n# nothing\n")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 tea 3\n".encode("latin-1"))
    (tmp_path / "garbage.bin").write_bytes(b"not a vectors file\n")
    files = {"EMPTY": "empty.txt", "LATIN1": "latin1.txt", "GARBAGE": "garbage.bin"}
    args = [files.get(a, a) for a in args]
    if "-m" not in args:
        args += ["-m", str(model_file)]
    result = w2vns("evaluate", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in one_line(result.stderr)
    assert result.stdout == b""


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, small_corpus_file):
    """An HS model saved with --save-model, and held-out text from the same generator."""
    folder = tmp_path_factory.mktemp("saved")
    result = w2vns("train", small_corpus_file, "--loss", "hs", "--negative", "0", "--dim", "16",
                   "--epochs", "2", "--threads", "1", "-o", folder / "v.bin", "--save-model",
                   folder / "model", "-q")
    assert result.returncode == 0, result.stderr
    held = folder / "heldout.txt"
    held.write_text("\n".join(synthetic.generate_corpus(300, seed=99)) + "\n")
    return folder / "model", held


def test_evaluate_heldout_reports_the_cross_entropy_of_the_saved_model(saved_model):
    model, held = saved_model
    doc = evaluate_json("-m", model, "--heldout", held, "--max-pairs", "2000", "--seed", "3")
    result = doc["heldout"]
    expected = evaluate_heldout(checkpoint.load(model), str(held), max_pairs=2000, seed=3)
    assert result["pairs"] == expected.pairs == 2000
    assert result["cross_entropy"] == pytest.approx(expected.cross_entropy, abs=1e-12)
    assert result["perplexity"] == pytest.approx(np.exp(result["cross_entropy"]))
    assert result["mean_log_partition"] is None  # hs is normalised by its tree
    assert result["cross_entropy"] < np.log(result["vocab_size"])
    assert doc["analogies"] == [] and doc["similarity"] == []  # only what was asked for
    text = w2vns("evaluate", "-m", model, "--heldout", held, "--max-pairs", "2000")
    assert text.returncode == 0, text.stderr
    out = text.stdout.decode()
    assert "held-out heldout.txt: 2000 pairs" in out and "perplexity" in out
    assert "analogies" not in out
    both = evaluate_json("-m", model, "--heldout", held, "--similarity",
                         ev.WORDSIM_PATH, "--max-pairs", "100")
    assert both["similarity"] and both["heldout"]["pairs"] == 100


def test_evaluate_heldout_without_a_known_pair_is_one_line(saved_model, tmp_path):
    model, _ = saved_model
    (tmp_path / "other.txt").write_text("zzz yyy xxx\n")
    result = w2vns("evaluate", "-m", model, "--heldout", tmp_path / "other.txt")
    assert result.returncode == 2
    assert "no held-out pair has both words" in one_line(result.stderr)


# ---------------------------------------------------------------------------------------- plot


def png_size(data):
    """(width, height) from a PNG's IHDR chunk, after checking the signature."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert (length, chunk) == (13, b"IHDR")
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_of_the_requested_size(model_file, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    result = w2vns("plot", "-m", model_file, "king", "queen", "paris", "-n", "4",
                   "--size", "640x480", "-o", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and result.stderr == b""
    assert png_size(out.read_bytes()) == (640, 480)
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary file left


def test_plot_default_size_and_unknown_words(model_file, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    result = w2vns("plot", "-m", model_file, "king", "notaword", "-o", out)
    assert result.returncode == 1  # the other words are still drawn
    assert "notaword" in one_line(result.stderr)
    assert png_size(out.read_bytes()) == (1000, 800)
    result = w2vns("plot", "-m", model_file, "notaword", "-o", tmp_path / "none.png")
    assert result.returncode == 1
    assert not (tmp_path / "none.png").exists()


def test_plot_reads_words_from_stdin(model_file, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.png"
    result = w2vns("plot", "-m", model_file, "-", "-o", out, "--size", "320x240",
                   stdin=b"king\r\n\nqueen\n")
    assert result.returncode == 0, result.stderr
    assert png_size(out.read_bytes()) == (320, 240)


@pytest.mark.parametrize("args, message", [
    (["-o", "map.xyz"], "cannot write .xyz"),
    (["-o", "map.png", "--size", "big"], "--size"),
    (["-o", "nofolder/map.png"], "does not exist"),
    (["-o", "map.png", "-m", "missing.bin"], "w2vns train"),
    ([], "--output"),
])
def test_plot_bad_input_exits_2(args, message, model_file, tmp_path):
    pytest.importorskip("matplotlib")
    if "-m" not in args:
        args = args + ["-m", str(model_file)]
    result = w2vns("plot", "king", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in one_line(result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_plot_without_matplotlib_says_how_to_install_it(model_file, tmp_path):
    # a package named matplotlib that fails to import, ahead of any installed one
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    out = tmp_path / "map.png"
    result = w2vns("plot", "-m", model_file, "king", "-o", out,
                   env={"PYTHONPATH": os.pathsep.join((str(fake.parent), ROOT))})
    assert result.returncode == 2
    assert "pip install 'w2vns[plot]'" in one_line(result.stderr)
    assert not out.exists()


# --------------------------------------------------------------------------------- train --eval


def test_train_eval_adds_figures_to_summary_and_report(small_corpus_file, tmp_path):
    out, report = tmp_path / "v.bin", tmp_path / "r.json"
    result = w2vns("train", small_corpus_file, "-o", out, "--report", report, "--eval",
                   "--dim", "16", "--epochs", "1", "--threads", "1")
    assert result.returncode == 0, result.stderr
    summary = one_line(result.stderr)
    assert "analogies" in summary and "% of" in summary and "wordsim353 spearman" in summary
    doc = json.loads(report.read_text())
    evaluation = doc["evaluation"]
    (ana,), (sim,) = evaluation["analogies"], evaluation["similarity"]
    assert ana["questions"] == 19544 and ana["scored"] > 0
    assert sim["pairs"] + sim["oov"] == 353 and sim["pairs"] > 2
    assert "%d scored" % ana["scored"] in summary
    assert "%.3f" % sim["spearman"] in summary
    # the same figures as `w2vns evaluate` on the written vectors
    again = evaluate_json("-m", out)
    for key in ("accuracy", "correct", "scored", "skipped", "sections"):
        assert again["analogies"][0][key] == ana[key]
    assert again["similarity"][0]["spearman"] == pytest.approx(sim["spearman"], abs=1e-12)


def test_train_without_eval_has_no_evaluation(small_corpus_file, tmp_path):
    report = tmp_path / "r.json"
    result = w2vns("train", small_corpus_file, "-o", tmp_path / "v.bin", "--report", report,
                   "--dim", "16", "--epochs", "1", "--threads", "1")
    assert result.returncode == 0, result.stderr
    assert "analogies" not in result.stderr.decode()
    assert "evaluation" not in json.loads(report.read_text())
