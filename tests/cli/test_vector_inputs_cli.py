"""What every command that reads vectors accepts (saved models, text without a header line) and
how it says what is wrong (a path named once, gensim pickles, $W2VNS_MODEL, a word's case)."""
import json

import pytest

import w2vns
from tests.helpers import one_line, w2vns as run
from w2vns.corpus import synthetic


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A saved model folder, its vectors as a word2vec file and as a headerless text file,
    and the sessions it was trained on."""
    folder = tmp_path_factory.mktemp("vectors")
    lines = synthetic.generate_corpus(300, seed=9)
    (folder / "sessions.txt").write_text("\n".join(lines) + "\n")
    model = w2vns.train(lines, dim=8, epochs=1, min_count=1, threads=1, seed=3)
    model.save(folder / "model")
    model.wv.save_word2vec_format(folder / "v.bin")
    model.wv.save_word2vec_format(folder / "v.txt", binary=False)
    (folder / "glove.txt").write_bytes((folder / "v.txt").read_bytes().split(b"\n", 1)[1])
    return folder


_EXPECTED = {}


@pytest.mark.parametrize("command", [
    ["similar", "-m", "VECTORS", "the", "-n", "3", "--tsv"],
    ["analogy", "-m", "VECTORS", "the", "a", "of", "--tsv"],
    ["similarity", "-m", "VECTORS", "the", "a"],
    ["convert", "VECTORS", "-", "-q"],
    ["evaluate", "-m", "VECTORS", "--json"],
    ["evaluate-rec", "SESSIONS", "-m", "VECTORS", "--json"],
    ["recommend", "-m", "VECTORS", "the", "a"],
])
@pytest.mark.parametrize("vectors", ["model", "glove.txt"])
def test_every_command_reads_saved_models_and_headerless_text(trained, command, vectors):
    """The same answers as from the word2vec file (recommend scores a saved model with its
    output vectors, so there only the exit code is compared)."""
    def answer(path):
        names = {"VECTORS": trained / path, "SESSIONS": trained / "sessions.txt"}
        result = run(*[names.get(a, a) for a in command])
        assert result.returncode == 0, result.stderr
        return result.stdout

    got = answer(vectors)
    if command[0] == "recommend" and vectors == "model":
        return
    # v.bin and v.txt hold the same float32 values: one answer serves both parametrisations.
    key = tuple(command)
    if key not in _EXPECTED:
        _EXPECTED[key] = answer("v.bin")
    expected = _EXPECTED[key]
    if command[0] in ("evaluate", "evaluate-rec"):
        got, expected = json.loads(got), json.loads(expected)
        for document in (got, expected):
            document.pop("model", None), document.pop("vectors", None)
            document.pop("seconds", None)
            for section in document.get("analogies", []) + document.get("similarity", []):
                section.pop("seconds", None)
            for part in ("model", "popularity"):
                if isinstance(document.get(part), dict):
                    document[part].pop("seconds", None)
    assert got == expected


def test_info_says_what_it_read(trained):
    def info(path):
        result = run("info", "-m", trained / path)
        assert result.returncode == 0, result.stderr
        return dict(line.split(None, 1) for line in result.stdout.decode().splitlines())

    assert info("model")["format"] == "w2vns saved model (its input vectors)"
    assert info("glove.txt")["format"] == "word2vec text without a header line (GloVe style)"
    assert info("v.bin")["format"] == "word2vec binary"


def test_a_path_is_named_once(tmp_path):
    (tmp_path / "garbage.bin").write_bytes(b"not a vectors file\n")
    for command in (["similar", "-m", "garbage.bin", "the"], ["info", "-m", "garbage.bin"],
                    ["convert", "garbage.bin", "out.txt"], ["recommend", "-m", "garbage.bin",
                                                            "the"]):
        line = one_line(run(*command, cwd=tmp_path).stderr)
        assert line.startswith("w2vns: error: garbage.bin: line 1: bad header 'not a vectors")
        assert line.count("garbage.bin") == 1, line


def test_a_gensim_model_says_how_to_export_it(tmp_path):
    gensim = pytest.importorskip("gensim")
    model = gensim.models.Word2Vec([["a", "b", "c"]] * 5, vector_size=4, min_count=1, seed=1)
    model.save(str(tmp_path / "w.model"))
    model.wv.save(str(tmp_path / "w.kv"))
    for name in ("w.model", "w.kv"):
        result = run("similar", "-m", name, "a", cwd=tmp_path)
        assert result.returncode == 2
        assert one_line(result.stderr) == (
            "w2vns: error: %s: a Python pickle (a gensim model? export its vectors with "
            "model.wv.save_word2vec_format('vectors.bin', binary=True))" % name)


def test_errors_say_when_the_model_path_came_from_the_environment(tmp_path):
    (tmp_path / "garbage.bin").write_bytes(b"not a vectors file\n")
    result = run("similar", "the", cwd=tmp_path, env={"W2VNS_MODEL": "garbage.bin"})
    assert result.returncode == 2
    assert one_line(result.stderr).endswith("(the model path comes from $W2VNS_MODEL)")
    result = run("info", cwd=tmp_path, env={"W2VNS_MODEL": "gone.bin"})
    assert one_line(result.stderr) == ("w2vns: error: no model at gone.bin, the path in "
                                       "$W2VNS_MODEL: change or unset it, or give -m FILE")


def test_an_unknown_word_in_another_case_gets_a_hint(trained, tmp_path):
    vectors = trained / "v.bin"
    result = run("similar", "-m", vectors, "The", "a")
    assert result.returncode == 1
    assert one_line(result.stderr) == ("w2vns: 'The' is not in the vocabulary (did you mean "
                                       "'the'?)")
    result = run("recommend", "-m", vectors, "THE", "a")
    assert "'THE' is not in the vocabulary (did you mean 'the'?)" in one_line(result.stderr)
    result = run("similar", "-m", vectors, "qwertyuiop")
    assert one_line(result.stderr) == "w2vns: 'qwertyuiop' is not in the vocabulary"


@pytest.mark.parametrize("setup, args, message", [
    (None, ["-m", "missing.bin"], "no model at missing.bin"),
    ("empty", ["-m", "empty.bin"], "empty.bin: empty file"),
    ("folder", ["-m", "folder"], "folder: a folder, but neither a w2vns vectors folder"),
    ("binary", ["-m", "junk.bin"], "junk.bin: line 1: bad header '"),
    ("corpus", ["-m", "corpus.txt"], "corpus.txt: line 1: bad header 'the cat"),
])
def test_bad_vectors_inputs_are_one_line(tmp_path, setup, args, message):
    if setup == "empty":
        (tmp_path / "empty.bin").write_bytes(b"")
    elif setup == "folder":
        (tmp_path / "folder").mkdir()
    elif setup == "binary":
        (tmp_path / "junk.bin").write_bytes(bytes(range(11, 256)) * 4)
    elif setup == "corpus":
        (tmp_path / "corpus.txt").write_text("the cat sat\n")
    for command in ("similar", "info"):
        result = run(command, *args, *(["the"] if command == "similar" else []), cwd=tmp_path)
        assert result.returncode == 2
        assert message in one_line(result.stderr)
