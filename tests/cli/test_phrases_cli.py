"""`w2vns phrases` and `w2vns train --phrases` end to end, in real subprocesses."""
import gzip
import io
import subprocess
import sys

import pytest

from tests.corpus.test_phrases import planted_lines
from tests.helpers import REPO, one_line, w2vns
from w2vns.corpus.phrases import Phrases

SETTINGS = ["--min-count", "5", "--threshold", "20"]


@pytest.fixture(scope="module")
def lines():
    return planted_lines()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("phrases") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def expected(lines):
    """What the library writes for the corpus with SETTINGS, one and two passes."""
    out = {}
    for passes in (1, 2):
        buffer = io.BytesIO()
        Phrases(min_count=5, threshold=20, passes=passes).fit_transform(lines, buffer)
        out[passes] = buffer.getvalue()
    return out


def test_stdin_to_stdout(corpus, expected):
    result = w2vns("phrases", "-", *SETTINGS, stdin=corpus.read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected[1]
    assert b"new_york" in result.stdout
    summary = one_line(result.stderr)
    assert summary.startswith("w2vns: pass 1:") and "-> stdout" in summary


def test_files_compressed_and_a_saved_table_applied_to_new_text(corpus, expected, tmp_path):
    packed = tmp_path / "corpus.txt.gz"
    packed.write_bytes(gzip.compress(corpus.read_bytes()))
    out = tmp_path / "phrased.txt.gz"
    table = tmp_path / "phrases.tsv"
    result = w2vns("phrases", packed, "-o", out, "--passes", "2", "--save-phrases", table,
                   *SETTINGS, "-q")
    assert result.returncode == 0 and result.stderr == b""
    assert gzip.decompress(out.read_bytes()) == expected[2]
    assert b"new_york_city" in expected[2]
    # the table alone rewrites text the same way (here: the same text, from stdin)
    result = w2vns("phrases", "-", "--phrases-from", table, stdin=corpus.read_bytes())
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected[2]
    assert "applied" in one_line(result.stderr)


def test_a_closed_pipe_ends_quietly(corpus_file):
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "phrases", str(corpus_file)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline()
    proc.stdout.close()
    proc.wait(timeout=60)  # its status is click's for EPIPE, as for every command
    assert proc.stderr.read() == b""


@pytest.mark.parametrize("args,message", [
    (["missing.txt"], "missing.txt: no such file"),
    (["-", "-"], "stdin ('-') can be read only once"),
    (["CORPUS", "--scorer", "npmi", "--threshold", "2"], "npmi threshold must be in [-1, 1]"),
    (["CORPUS", "--phrases-from", "CORPUS"], "not a w2vns phrase table"),
    (["CORPUS", "--phrases-from", "TABLE", "--min-count", "3"],
     "--min-count cannot be used with --phrases-from"),
    (["CORPUS", "--delimiter", " "], "delimiter must be a non-empty string without whitespace"),
    (["BINARY"], "binary data"),
    (["EMPTY"], "the corpus is empty"),
    (["CORPUS", "--passes", "0"], "Invalid value for '--passes'"),
    (["CORPUS", "--save-phrases", "-"], "--save-phrases needs a file name"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, corpus, tmp_path):
    table = tmp_path / "t.tsv"
    table.write_text("# w2vns-phrases 1 scorer=word2vec min_count=5 threshold=100.0 passes=1 "
                     "delimiter=_\n")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00def\n")
    (tmp_path / "empty.txt").write_bytes(b"\n \n")
    names = {"CORPUS": corpus, "TABLE": table, "BINARY": tmp_path / "binary.txt",
             "EMPTY": tmp_path / "empty.txt"}
    result = w2vns("phrases", *[names.get(a, a) for a in args], "-o", tmp_path / "out.txt",
                   cwd=tmp_path)
    assert result.returncode == 2
    assert message in one_line(result.stderr)
    assert not (tmp_path / "out.txt").exists()  # nothing half-written


def test_train_with_phrases_learns_phrase_vectors(corpus, expected, tmp_path):
    """train --phrases phrases the encoded corpus: the same vocabulary as training on the text
    `w2vns phrases` wrote."""
    fast = ["--dim", "8", "--epochs", "1", "--threads", "1", "-q"]
    result = w2vns("train", corpus, "--phrases", "2", "--phrase-threshold", "20",
                   "-o", tmp_path / "v.txt", "--vocab-out", tmp_path / "vocab.tsv", *fast)
    assert result.returncode == 0, result.stderr
    phrased = tmp_path / "phrased.txt"
    phrased.write_bytes(expected[2])
    result = w2vns("train", phrased, "-o", tmp_path / "w.txt",
                   "--vocab-out", tmp_path / "vocab2.tsv", *fast)
    assert result.returncode == 0, result.stderr

    def vocab(path):
        return dict(line.split("\t") for line in path.read_text().splitlines())

    assert vocab(tmp_path / "vocab.tsv") == vocab(tmp_path / "vocab2.tsv")
    # two passes join four-word phrases here (the planted sentences repeat whole)
    assert "new_york_city_marathon" in vocab(tmp_path / "vocab.tsv")
    assert "\nnew_york_city_marathon " in (tmp_path / "v.txt").read_text()


def test_evaluate_phrases_runs_the_bundled_phrase_analogies(tmp_path):
    """--phrases scores questions-phrases.txt (phrase words joined by _), with gensim's figures."""
    import json

    import numpy as np

    from w2vns.apps import evaluation as ev
    from w2vns.vectors.keyed import KeyedVectors

    sections = ev.read_analogies(ev.PHRASE_ANALOGIES_PATH)
    assert sum(len(q) for _, q in sections) == 3218
    rng = np.random.default_rng(5)
    vec = {}
    for _name, questions in sections:
        offset = rng.standard_normal(16)
        for q in questions:
            a, b = q[0].lower(), q[1].lower()
            vec.setdefault(a, rng.standard_normal(16))
            vec.setdefault(b, vec[a] + offset + 0.8 * rng.standard_normal(16))
    keys = [k for k in vec if rng.random() > 0.05]  # some questions are skipped
    path = tmp_path / "phrase-vectors.bin"
    KeyedVectors(keys, np.array([vec[k] for k in keys], dtype=np.float32)).save_word2vec_format(
        str(path), binary=True)
    result = w2vns("evaluate", "-m", path, "--phrases", "--restrict", "100000", "--json")
    assert result.returncode == 0, result.stderr
    (ana,) = json.loads(result.stdout)["analogies"]
    assert ana["path"] == ev.PHRASE_ANALOGIES_PATH and ana["questions"] == 3218
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=True)
    score, _ = theirs.evaluate_word_analogies(ev.PHRASE_ANALOGIES_PATH, restrict_vocab=100000)
    assert ana["accuracy"] == score and 0.05 < score < 0.95
    table = w2vns("evaluate", "-m", path, "--phrases", "--restrict", "100000")
    assert b"newspapers" in table.stdout and b"syntactic" not in table.stdout
