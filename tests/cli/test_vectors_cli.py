"""The query and conversion commands end to end, in subprocesses: similar, analogy, similarity,
info, convert; stdin queries, the --json shapes, unknown words, model resolution."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import w2vns
from w2vns.vectors.keyed import KeyedVectors

LATIN1 = b"caf\xe9".decode("utf-8", "surrogateescape")  # a word that is not UTF-8
# Loading the fixture model in this process warns about that word each time.
pytestmark = pytest.mark.filterwarnings("ignore::w2vns.vectors.formats.NonUTF8Warning")


def lines(stderr):
    found = stderr.decode().strip().splitlines()
    assert not any("Traceback" in line for line in found)
    return found


@pytest.fixture(scope="module")
def kv():
    """king - man + woman = queen exactly; dog's nearest neighbour is puppy."""
    rng = np.random.default_rng(2)
    keys = ["the", "king", "man", "woman", "queen", "dog", "puppy", "cat", LATIN1, "日本"] + [
        "x%d" % i for i in range(190)]
    vectors = rng.standard_normal((len(keys), 24)).astype(np.float32)

    def unit(v):
        return v / np.linalg.norm(v)

    vectors[4] = 3 * (unit(vectors[1]) - unit(vectors[2]) + unit(vectors[3]))
    vectors[6] = vectors[5] + 0.05 * rng.standard_normal(24).astype(np.float32)
    vectors[9] = vectors[8] + 0.05 * rng.standard_normal(24).astype(np.float32)
    return KeyedVectors(keys, vectors)


@pytest.fixture(scope="module")
def model(kv, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "vectors.bin"
    kv.save_word2vec_format(path)
    return path


@pytest.fixture(scope="module")
def folder(kv, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "vectors.w2vns"
    kv.save(path)
    return path


# -- similar ---------------------------------------------------------------------------------


def test_similar_plain_tsv_and_json(model, kv):
    plain = w2vns("similar", "dog", "-m", model, "-n", "3")
    assert plain.returncode == 0, plain.stderr
    rows = [line.split("\t") for line in plain.stdout.decode().splitlines()]
    assert [w for w, _ in rows] == [w for w, _ in kv.most_similar("dog", topn=3)]
    assert rows[0][0] == "puppy"
    tsv = w2vns("similar", "dog", "cat", "-m", model, "-n", "2", "--tsv")
    rows = [line.split("\t") for line in tsv.stdout.decode().splitlines()]
    assert [r[0] for r in rows] == ["dog", "dog", "cat", "cat"] and rows[0][1] == "puppy"
    assert float(rows[0][2]) == pytest.approx(kv.similarity("dog", "puppy"), abs=1e-6)
    doc = json.loads(w2vns("similar", "dog", "-m", model, "-n", "2", "--json").stdout)
    assert doc == {"results": [{"word": "dog", "neighbours": [
        {"word": w, "similarity": round(s, 6)} for w, s in kv.most_similar("dog", topn=2)]}],
        "unknown": []}


def test_similar_stdin_one_query_per_line(folder):
    stdin = b"dog\n\n  cat \nnotaword\nking queen\nwoman\n"
    result = w2vns("similar", "-", "-m", folder, "-n", "2", "--tsv", stdin=stdin)
    assert result.returncode == 1
    assert [line.split("\t")[0] for line in result.stdout.decode().splitlines()] == [
        "dog", "dog", "cat", "cat", "woman", "woman"]
    assert lines(result.stderr) == ["w2vns: 'notaword' is not in the vocabulary",
                                    "w2vns: stdin line 5: expected 1 word, found 2"]


def test_similar_answers_each_stdin_line_as_it_comes(folder):
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "similar", "-", "-m", str(folder),
                             "--tsv", "-n", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        proc.stdin.write(b"dog\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith(b"dog\tpuppy\t")  # before stdin is closed
        proc.stdin.write(b"cat\n")
        proc.stdin.close()
        assert proc.stdout.readline().startswith(b"cat\t")
    finally:
        proc.kill()
        proc.wait()


def test_unknown_word_one_line_exit_1_others_answered(model):
    result = w2vns("similar", "dog", "zebra", "cat", "-m", model, "--json", "-n", "1")
    assert result.returncode == 1
    assert lines(result.stderr) == ["w2vns: 'zebra' is not in the vocabulary"]
    doc = json.loads(result.stdout)
    assert [r["word"] for r in doc["results"]] == ["dog", "cat"] and doc["unknown"] == ["zebra"]


def test_words_that_are_not_utf8(model):
    # As an argument (the shell's bytes) and on stdin; printed back as the same bytes.
    result = w2vns("similar", os.fsdecode(b"caf\xe9"), "-m", model, "-n", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("日本\t".encode())
    result = w2vns("similar", "-", "-m", model, "-n", "1", "--tsv", stdin="日本\n".encode())
    assert result.stdout.startswith("日本\tcaf".encode() + b"\xe9\t")
    doc = w2vns("similar", "日本", "-m", model, "-n", "1", "--json").stdout
    doc.decode("utf-8")  # still valid UTF-8, the byte escaped as \udce9
    assert b"caf\\udce9" in doc and json.loads(doc)["results"][0]["neighbours"][0]["word"] == LATIN1


def test_similar_minus_is_gensims_most_similar_positive_negative(model, folder, kv):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(vector_size=kv.vector_size)
    theirs.add_vectors(kv.index_to_key, kv.vectors)
    expected = theirs.most_similar(positive=["king", "woman"], negative=["man"], topn=3)
    result = w2vns("similar", "king", "woman", "--minus", "man", "-m", model, "-n", "3",
                   "--tsv")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    assert [r[0] for r in rows] == ["king woman -man"] * 3
    assert [r[1] for r in rows] == [w for w, _ in expected] and rows[0][1] == "queen"
    assert [float(r[2]) for r in rows] == pytest.approx([s for _, s in expected], abs=1e-5)
    doc = json.loads(w2vns("similar", "king", "woman", "--minus", "man", "-m", model, "-n",
                           "1", "--json").stdout)
    assert doc["results"] == [{"positive": ["king", "woman"], "negative": ["man"],
                               "neighbours": [{"word": "queen", "similarity": round(
                                   expected[0][1], 6)}]}]
    # stdin: one line's words are one query, the --minus words taken from each
    result = w2vns("similar", "-", "--minus", "man", "-m", folder, "-n", "1", "--json",
                   stdin=b"king woman\nzebra woman\n")
    assert result.returncode == 1
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert docs[0]["neighbours"][0]["word"] == "queen"
    assert docs[1] == {"line": 2, "positive": ["zebra", "woman"], "negative": ["man"],
                       "neighbours": [], "unknown": ["zebra"]}


def test_similar_json_lines_for_stdin_queries(folder, kv):
    result = w2vns("similar", "-", "-m", folder, "-n", "1", "--json",
                   stdin=b"dog\nnotaword\nking queen\n")
    assert result.returncode == 1
    docs = [json.loads(line) for line in result.stdout.splitlines()]
    assert docs == [
        {"line": 1, "word": "dog", "neighbours": [{"word": "puppy", "similarity": round(
            kv.similarity("dog", "puppy"), 6)}]},
        {"line": 2, "word": "notaword", "neighbours": [], "unknown": ["notaword"]},
        {"line": 3, "word": "king", "neighbours": [], "error": "expected 1 word, found 2"}]


def test_doesnt_match_is_gensims(model, folder, kv):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(vector_size=kv.vector_size)
    theirs.add_vectors(kv.index_to_key, kv.vectors)
    group = ["dog", "puppy", "king", "cat"]
    result = w2vns("doesnt-match", *group, "-m", model)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == theirs.doesnt_match(group)
    result = w2vns("doesnt-match", "-", "-m", folder, "--tsv",
                   stdin=b"dog puppy king cat\nx1 x2 zebra x3\nzebra okapi\n")
    assert result.returncode == 1
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    assert rows == [["dog puppy king cat", theirs.doesnt_match(group)],
                    ["x1 x2 zebra x3", theirs.doesnt_match(["x1", "x2", "x3"])]]
    assert lines(result.stderr) == ["w2vns: 'zebra' is not in the vocabulary",
                                    "w2vns: 'zebra' is not in the vocabulary",
                                    "w2vns: 'okapi' is not in the vocabulary"]
    assert "two or more words" in lines(w2vns("doesnt-match", "dog", "-m", model).stderr)[0]


# -- analogy and similarity ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy(model, method):
    result = w2vns("analogy", "man", "king", "woman", "-m", model, "--method", method)
    assert result.returncode == 0, result.stderr
    word, score = result.stdout.decode().strip().split("\t")
    assert word == "queen" and float(score) > 0
    doc = json.loads(w2vns("analogy", "man", "king", "woman", "-m", model, "--method", method,
                           "-n", "3", "--json").stdout)
    assert doc["method"] == method and doc["unknown"] == []
    (entry,) = doc["results"]
    assert entry["question"] == ["man", "king", "woman"] and len(entry["answers"]) == 3
    assert entry["answers"][0]["word"] == "queen" and set(entry["answers"][0]) == {"word", "score"}


def test_analogy_stdin_and_bad_lines(folder):
    stdin = b"man king woman\nman king\nman zebra woman\nking man queen\n"
    result = w2vns("analogy", "-", "-m", folder, "--tsv", stdin=stdin)
    assert result.returncode == 1
    rows = [line.split("\t") for line in result.stdout.decode().splitlines()]
    assert [r[:4] for r in rows] == [["man", "king", "woman", "queen"],
                                     ["king", "man", "queen", rows[1][3]]]
    assert lines(result.stderr) == ["w2vns: stdin line 2: expected 3 words, found 2",
                                    "w2vns: 'zebra' is not in the vocabulary"]


def test_similarity(model, kv):
    result = w2vns("similarity", "dog", "puppy", "-m", model)
    assert result.returncode == 0
    assert float(result.stdout) == pytest.approx(kv.similarity("dog", "puppy"), abs=1e-6)
    result = w2vns("similarity", "-", "-m", model, "--json",
                   stdin=b"dog puppy\ncat zebra\nking\tqueen\n")
    assert result.returncode == 1
    docs = [json.loads(line) for line in result.stdout.splitlines()]  # JSON Lines
    assert [(r["line"], r["a"], r["b"]) for r in docs] == [
        (1, "dog", "puppy"), (2, "cat", "zebra"), (3, "king", "queen")]
    assert docs[1]["unknown"] == ["zebra"] and docs[1]["similarity"] is None
    assert docs[2]["similarity"] == round(kv.similarity("king", "queen"), 6)
    result = w2vns("similarity", "dog", "zebra", "-m", model, "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"results": [], "unknown": ["zebra"]}
    tsv = w2vns("similarity", "dog", "cat", "-m", model, "--tsv").stdout.decode()
    assert tsv.startswith("dog\tcat\t")


@pytest.mark.parametrize("args, message", [
    (["analogy", "a", "b"], "three words"),
    (["similarity", "a"], "two words"),
    (["similar", "dog", "-"], "cannot be mixed"),
    (["similar", "dog", "--json", "--tsv"], "together"),
])
def test_bad_query_usage_exit_2(model, args, message):
    result = w2vns(*args, "-m", model)
    assert result.returncode == 2
    (line,) = lines(result.stderr)
    assert message in line


# -- info ------------------------------------------------------------------------------------


def test_info_plain_and_json(model, folder, kv):
    result = w2vns("info", "-m", model)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8", "surrogateescape")  # words print as their bytes
    assert "word2vec binary" in text and "200 words" in text and "dimension      24" in text
    assert "most frequent  the king man" in text
    for path, fmt, mapped in ((model, "word2vec-binary", False), (folder, "w2vns", True)):
        doc = json.loads(w2vns("info", "-m", path, "--json", "-n", "2").stdout)
        assert set(doc) == {"vocab_size", "dim", "norms", "most_frequent", "source",
                            "load_seconds", "bytes"}
        assert (doc["vocab_size"], doc["dim"], doc["bytes"]) == (200, 24, 200 * 24 * 4)
        assert doc["source"] == {"path": str(path), "format": fmt, "compression": None,
                                 "mmap": mapped}
        assert doc["most_frequent"] == [{"word": "the"}, {"word": "king"}]
        norms = np.linalg.norm(kv.vectors, axis=1)
        assert doc["norms"]["max"] == pytest.approx(float(norms.max()))
        assert set(doc["norms"]) == {"min", "median", "mean", "max", "zero"}


# -- model resolution ------------------------------------------------------------------------


def test_model_from_env_then_default_path(model, tmp_path):
    result = w2vns("similarity", "dog", "cat", env={"W2VNS_MODEL": str(model)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (tmp_path / "vectors.bin").write_bytes(model.read_bytes())
    assert w2vns("info", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("command", [["similar", "dog"], ["analogy", "a", "b", "c"],
                                     ["similarity", "a", "b"], ["info"]])
def test_missing_model_says_how_to_get_one(tmp_path, command):
    result = w2vns(*command, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = lines(result.stderr)
    assert "vectors.bin" in line and "w2vns train" in line and "W2VNS_MODEL" in line
    result = w2vns(*command, env={"W2VNS_MODEL": str(tmp_path / "gone.w2vns")}, cwd=tmp_path)
    assert result.returncode == 2 and "gone.w2vns" in lines(result.stderr)[0]


def test_malformed_model_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"3 4\nabc")
    result = w2vns("similar", "abc", "-m", bad)
    assert result.returncode == 2
    (line,) = lines(result.stderr)
    assert str(bad) in line and "byte offset" in line


# -- convert ---------------------------------------------------------------------------------


def test_convert_between_formats(model, kv, tmp_path):
    steps = [(model, tmp_path / "v.w2vns"), (tmp_path / "v.w2vns", tmp_path / "v.txt.gz"),
             (tmp_path / "v.txt.gz", tmp_path / "v.vec"), (tmp_path / "v.vec", tmp_path / "v.bin")]
    for source, target in steps:
        result = w2vns("convert", source, target)
        assert result.returncode == 0, result.stderr
        assert "200 words x 24 dims" in lines(result.stderr)[-1]
    for _, target in steps:
        loaded = KeyedVectors.load(target)
        assert loaded.index_to_key == kv.index_to_key
        assert np.array_equal(loaded.vectors.view(np.uint32), kv.vectors.view(np.uint32))
    assert (tmp_path / "v.bin").read_bytes() == model.read_bytes()


def test_convert_limit_format_flag_stdin_and_stdout(model, tmp_path):
    result = w2vns("convert", "-", "-", "--limit", "3", stdin=model.read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"3 24\nthe ") and result.stdout.count(b"\n") == 4
    out = tmp_path / "small.data"
    assert w2vns("convert", model, out, "--to", "w2vns", "-q").stderr == b""
    assert KeyedVectors.load(out).index_to_key[:2] == ["the", "king"]


def test_convert_errors(model, tmp_path):
    (tmp_path / "keep").mkdir()
    # Root ignores permission bits: a folder of /proc is where even root cannot create a file.
    if os.geteuid() == 0:
        readonly = "/proc/x.txt"
    else:
        (tmp_path / "ro").mkdir(mode=0o500)
        readonly = tmp_path / "ro" / "x.txt"
    for args, message in ((["missing.bin", tmp_path / "x.bin"], "no such file"),
                          ([model, tmp_path / "nowhere" / "x.bin"], "does not exist"),
                          ([model, readonly], "%s: folder %s is not writable"
                           % (readonly, os.path.dirname(readonly))),
                          ([model, tmp_path / "keep", "--to", "text"], "keep: is a folder"),
                          ([model, tmp_path / "keep", "--to", "w2vns"], "not replacing"),
                          ([model, "-", "--to", "w2vns"], "stdout")):
        result = w2vns("convert", *args, cwd=tmp_path)
        assert result.returncode == 2, args
        (line,) = lines(result.stderr)
        assert message in line


def test_words_that_are_not_utf8_are_reported_by_info_and_convert_not_by_queries(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"2 2\ncaf\xe9 1 0\nok 0 1\n")
    for command in (["info", "-m", path], ["convert", path, tmp_path / "v.w2vns"]):
        result = w2vns(*command)
        assert result.returncode == 0
        line = lines(result.stderr)[0]
        assert line.startswith("w2vns: warning:") and "line 2" in line and "not valid UTF-8" in line
    result = w2vns("similarity", os.fsdecode(b"caf\xe9"), "ok", "-m", path)
    assert result.returncode == 0 and result.stderr == b""
    assert (tmp_path / "v.w2vns" / "vocab.txt").read_bytes() == b"caf\xe9\nok\n"
