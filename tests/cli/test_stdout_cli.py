"""'-' means stdout everywhere; one output at a time there; binary goes through pipes; a reader
that leaves early ends the command quietly (exit 141, as cat), leaving no partial file."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import REPO, one_line, w2vns
from w2vns.corpus import synthetic
from w2vns.vectors.formats import read_word2vec, write_word2vec

EXIT_PIPE = 141
TRAIN = ("--min-count", "1", "--epochs", "1", "--dim", "8", "--threads", "1", "-q")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stdout")
    lines = synthetic.generate_corpus(300, seed=6)
    (folder / "corpus.txt").write_text("\n".join(lines) + "\n")
    words = sorted({w for line in lines for w in line.split()})
    rng = np.random.default_rng(2)
    # Large enough (~1 MB of text) that a reader taking one line leaves while we still write.
    write_word2vec(folder / "v.bin", words, rng.standard_normal((len(words), 60)).astype("f4"))
    (folder / "baskets.txt").write_text("".join(" ".join(words[i:i + 3]) + "\n"
                                                for i in range(0, 60, 3)))
    return folder


def test_report_and_vocab_out_dash_is_stdout(files, tmp_path):
    result = w2vns("train", files / "corpus.txt", "-o", tmp_path / "v.bin", "--vocab-out", "-",
                   *TRAIN)
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0].split(b"\t")
    assert first[0] == b"the" and first[1].isdigit()
    result = w2vns("train", files / "corpus.txt", "-o", tmp_path / "v.bin", "--report", "-",
                   *TRAIN)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["vocab_size"] > 0
    assert not (tmp_path / "-").exists() and not os.path.exists("-")


@pytest.mark.parametrize("args, named", [
    (["--report", "-", "--vocab-out", "-"], "--vocab-out and --report"),
    (["-o", "-", "--report", "-"], "-o and --report"),
    (["-o", "-", "--vocab-out", "-", "--report", "-"], "-o, --vocab-out and --report"),
])
def test_two_outputs_to_stdout_is_a_usage_error(files, tmp_path, args, named):
    result = w2vns("train", files / "corpus.txt", *args, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == ("w2vns: error: only one output can go to stdout ('-'), "
                                       "but %s both say '-'" % named)
    assert os.listdir(tmp_path) == []


def test_binary_to_stdout_round_trips(files, tmp_path):
    """convert --to binary and train --format binary write binary to a pipe, and the vectors
    commands read it back from stdin."""
    result = w2vns("convert", files / "v.bin", "-", "--to", "binary", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (files / "v.bin").read_bytes()
    info = w2vns("info", "-m", "-", "--json", stdin=result.stdout)
    assert json.loads(info.stdout)["source"]["format"] == "word2vec-binary"

    result = w2vns("train", files / "corpus.txt", "-o", "-", "--format", "binary", "--seed",
                   "4", *TRAIN)
    assert result.returncode == 0, result.stderr
    path = tmp_path / "same.bin"
    assert w2vns("train", files / "corpus.txt", "-o", path, "--seed", "4", *TRAIN).returncode == 0
    assert result.stdout == path.read_bytes()
    similar = w2vns("similar", "-m", "-", "the", "-n", "2", "--tsv", stdin=result.stdout)
    assert similar.returncode == 0, similar.stderr
    assert len(similar.stdout.splitlines()) == 2
    text = w2vns("convert", "-", "-", "-q", stdin=result.stdout).stdout
    assert text.split(b"\n", 1)[0] == result.stdout.split(b"\n", 1)[0]
    assert b"the " in text  # text by default on stdout
    keys, vectors = read_word2vec(path)
    assert len(keys) == int(text.split()[0])


def _run_into_a_closed_pipe(args, cwd, stdin=b""):
    """Run w2vns with stdout on a pipe whose reader has already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = dict(os.environ, PYTHONPATH=REPO)
    env.pop("W2VNS_MODEL", None)
    try:
        return subprocess.run([sys.executable, "-m", "w2vns", *map(str, args)], cwd=cwd,
                              stdout=write_end, stderr=subprocess.PIPE, input=stdin, env=env,
                              timeout=120)
    finally:
        os.close(write_end)


@pytest.mark.parametrize("args", [
    ["train", "CORPUS", "-o", "-", *TRAIN],
    ["train", "CORPUS", "-o", "out.bin", "--vocab-out", "-", *TRAIN],
    ["train", "CORPUS", "-o", "out.bin", "--report", "-", *TRAIN],
    ["convert", "VECTORS", "-"],
    ["convert", "VECTORS", "-", "--to", "binary"],
    ["info", "-m", "VECTORS"],
    ["similar", "-m", "VECTORS", "the"],
    ["similar", "-m", "VECTORS", "the", "--json"],
    ["similar", "-m", "VECTORS", "-"],
    ["analogy", "-m", "VECTORS", "the", "a", "of"],
    ["similarity", "-m", "VECTORS", "the", "a"],
    ["evaluate", "-m", "VECTORS"],
    ["recommend", "-m", "VECTORS", "the", "a"],
    ["recommend", "-m", "VECTORS", "-"],
    ["evaluate-rec", "BASKETS", "-m", "VECTORS"],
    ["tune", "CORPUS", "--negative", "2", "--metric", "heldout", "-o", "out.bin", *TRAIN],
    ["plot", "-m", "VECTORS", "the", "a", "-o", "-"],
])
def test_a_reader_that_left_ends_the_command_quietly(files, tmp_path, args):
    names = {"CORPUS": files / "corpus.txt", "VECTORS": files / "v.bin",
             "BASKETS": files / "baskets.txt"}
    args = [names.get(a, a) for a in args]
    result = _run_into_a_closed_pipe(args, tmp_path, stdin=b"the\na of\n")
    assert (result.returncode, result.stderr) == (EXIT_PIPE, b"")
    # Nothing half-written: no temporary file, and the outputs after stdout were not started.
    assert [n for n in os.listdir(tmp_path) if n != "out.bin"] == []


def test_head_on_convert_and_train_output(files, tmp_path):
    """The shell pipelines of the issue: the first line comes out, the command ends with 141
    (what `set -o pipefail` sees for cat too) and says nothing."""
    for command in ("convert %s -" % (files / "v.bin"),
                    # --dim 60: more text than a pipe holds, so the reader leaves mid-write.
                    "train %s -o - %s --dim 60" % (files / "corpus.txt", " ".join(TRAIN))):
        script = ("set -o pipefail; %s -m w2vns %s | head -1; echo \"status ${PIPESTATUS[0]}\""
                  % (sys.executable, command))
        result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True,
                                env=dict(os.environ, PYTHONPATH=REPO), timeout=120)
        lines = result.stdout.decode().splitlines()
        assert len(lines) == 2 and lines[0].split() == [lines[0].split()[0], lines[0].split()[1]]
        assert lines[1] == "status 141"
        assert result.stderr == b""


def test_a_closed_stdout_is_one_line(files, tmp_path):
    result = subprocess.run([sys.executable, "-m", "w2vns", "similar", "-m", str(files / "v.bin"),
                             "the"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=REPO), timeout=60,
                            preexec_fn=lambda: os.close(1))
    assert result.returncode == 2
    assert one_line(result.stderr) == ("w2vns: error: standard output is closed: there is "
                                       "nowhere to write the results")


def test_plot_dash_writes_the_image_to_stdout(files, tmp_path):
    pytest.importorskip("matplotlib")
    result = w2vns("plot", "-m", files / "v.bin", "the", "a", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"\x89PNG\r\n")
    assert os.listdir(tmp_path) == []
