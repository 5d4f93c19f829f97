"""The command line end to end, in real subprocesses: outputs, stdin, formats, exit codes,
signals."""
import gzip
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tests.helpers import AS_A_BACKGROUND_JOB, AS_AT_A_TERMINAL, REPO, one_line, w2vns

FAST = ["--dim", "16", "--epochs", "1", "--threads", "1", "-q"]
def test_train_then_similar_with_the_default_model_path(small_corpus_file, tmp_path):
    result = w2vns("train", small_corpus_file, "--dim", "16", "--epochs", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "vectors.bin").exists()
    summary = result.stderr.decode()
    assert "vectors.bin" in summary and "words/s" in summary
    result = w2vns("similar", "dog", "-n", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 3
    word, score = lines[0].split("\t")
    assert word != "dog" and -1 <= float(score) <= 1


def test_quiet_prints_nothing(small_corpus_file, tmp_path):
    result = w2vns("train", small_corpus_file, "-o", tmp_path / "v.bin", *FAST)
    assert result.returncode == 0 and result.stderr == b"" and result.stdout == b""


def test_stdin_gz_and_plain_give_identical_vectors(small_corpus_file, tmp_path):
    packed = tmp_path / "c.txt.gz"
    packed.write_bytes(gzip.compress(small_corpus_file.read_bytes()))
    outputs = []
    for source, stdin in ((small_corpus_file, None), (packed, None),
                          ("-", small_corpus_file.read_bytes())):
        out = tmp_path / ("v%d.bin" % len(outputs))
        result = w2vns("train", source, "-o", out, *FAST, stdin=stdin)
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_one_thread_and_seed_give_byte_identical_files(small_corpus_file, tmp_path):
    files = []
    for i in range(2):
        out = tmp_path / ("v%d.bin" % i)
        assert w2vns("train", small_corpus_file, "-o", out, "--seed", "5", *FAST).returncode == 0
        files.append(out.read_bytes())
    assert files[0] == files[1]


def test_text_output_by_extension_by_flag_and_to_stdout(small_corpus_file, tmp_path):
    w2vns("train", small_corpus_file, "-o", tmp_path / "v.txt", *FAST)
    w2vns("train", small_corpus_file, "-o", tmp_path / "v.out", "--format", "text", *FAST)
    result = w2vns("train", small_corpus_file, "-o", "-", *FAST)
    assert result.returncode == 0
    text = (tmp_path / "v.txt").read_bytes()
    assert text == (tmp_path / "v.out").read_bytes() == result.stdout
    vocab_size, dim = map(int, text.split(b"\n", 1)[0].split())
    assert dim == 16 and text.count(b"\n") == vocab_size + 1


def test_report_and_vocab_out(small_corpus_file, tmp_path):
    result = w2vns("train", small_corpus_file, "-o", tmp_path / "v.bin", "--report",
                   tmp_path / "r.json", "--vocab-out", tmp_path / "vocab.tsv", "--min-count", "3",
                   *FAST)
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    for key in ("vocab_size", "tokens", "epochs", "train_seconds", "words_per_sec",
                "total_seconds", "threads"):
        assert key in report
    rows = [line.split("\t") for line in (tmp_path / "vocab.tsv").read_text().splitlines()]
    assert len(rows) == report["vocab_size"]
    counts = [int(c) for _, c in rows]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 3


def test_similar_json_and_unknown_words(small_corpus_file, tmp_path):
    model = tmp_path / "v.bin"
    w2vns("train", small_corpus_file, "-o", model, *FAST)
    result = w2vns("similar", "dog", "notaword", "cat", "-m", model, "--json", "-n", "4")
    assert result.returncode == 1
    assert "notaword" in one_line(result.stderr)
    doc = json.loads(result.stdout)
    assert [r["word"] for r in doc["results"]] == ["dog", "cat"]
    assert doc["unknown"] == ["notaword"]
    assert len(doc["results"][0]["neighbours"]) == 4
    env_result = w2vns("similar", "dog", env={"W2VNS_MODEL": str(model)}, cwd=tmp_path)
    assert env_result.returncode == 0, env_result.stderr


def test_ctrl_c_stops_training_quickly_and_writes_nothing(corpus_file, tmp_path):
    out = tmp_path / "v.bin"
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "train", str(corpus_file), "-o",
                             str(out), "--epochs", "1000", "--threads", "2", "-q"],
                            stderr=subprocess.PIPE, cwd=REPO, **AS_AT_A_TERMINAL)
    time.sleep(2.0)  # counting pass done, training running
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert time.perf_counter() - sent < 3
    assert proc.returncode == 130
    assert "interrupted" in one_line(stderr)
    assert list(tmp_path.iterdir()) == []


def test_a_background_job_keeps_ignoring_ctrl_c(corpus_file, tmp_path):
    """A shell starts `w2vns train ... &` (in a script) with SIGINT ignored, so that Ctrl-C
    at the terminal stops the foreground only: training goes on; SIGTERM still stops it."""
    proc = subprocess.Popen([sys.executable, "-m", "w2vns", "train", str(corpus_file), "-o",
                             str(tmp_path / "v.bin"), "--epochs", "1000", "--threads", "2",
                             "-q"], stderr=subprocess.PIPE, cwd=REPO, **AS_A_BACKGROUND_JOB)
    time.sleep(2.0)
    proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    assert proc.poll() is None  # still training
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 143
    assert "terminated" in one_line(stderr)


def test_output_loads_in_gensim_with_identical_values(small_corpus_file, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    for name, binary in (("v.bin", True), ("v.txt", False)):
        out = tmp_path / name
        assert w2vns("train", small_corpus_file, "-o", out, *FAST).returncode == 0
        theirs = gensim_models.KeyedVectors.load_word2vec_format(str(out), binary=binary)
        from w2vns import KeyedVectors

        ours = KeyedVectors.load(str(out))
        assert theirs.index_to_key == ours.index_to_key
        assert np.array_equal(theirs.vectors, ours.vectors)
    bin_vectors = KeyedVectors.load(str(tmp_path / "v.bin")).vectors
    assert np.array_equal(bin_vectors, KeyedVectors.load(str(tmp_path / "v.txt")).vectors)


def test_python_m_and_console_script_agree():
    result = w2vns("--help")
    assert result.returncode == 0 and b"train" in result.stdout


def test_train_that_diverges_is_one_line_and_writes_nothing(small_corpus_file, tmp_path):
    """A learning rate far too high drives the weights to NaN: a clear error, not a crash
    (a NaN score once indexed the sigmoid table far out of bounds) nor NaN vectors."""
    out = tmp_path / "v.bin"
    result = w2vns("train", small_corpus_file, "-o", out, *FAST, "--alpha", "10")
    assert result.returncode == 2
    assert "training diverged" in one_line(result.stderr)
    assert not out.exists()
