"""Every compression the README names (gzip, bzip2, xz, zstd), by extension and by content (no
extension, a misleading one), through every command that reads or writes files: train, similar,
convert, evaluate (analogy and similarity sets), recommend (baskets on stdin), evaluate-rec."""
import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import REPO, one_line, w2vns
from w2vns import KeyedVectors
from w2vns.apps import evaluation
from w2vns.apps.recommend import evaluate_leave_last_out, read_baskets
from w2vns.corpus import synthetic
from w2vns.io import compression
from w2vns.vectors.formats import write_word2vec

KINDS = ["gzip", "bzip2", "xz", "zstd"]
SUFFIX = {"gzip": ".gz", "bzip2": ".bz2", "xz": ".xz", "zstd": ".zst"}
#: A name whose extension says another compression than the content has.
WRONG = {"gzip": ".bz2", "bzip2": ".gz", "xz": ".zst", "zstd": ".xz"}


def compress(kind, data):
    if kind == "zstd":
        try:
            from backports import zstd
        except ImportError:
            pytest.skip("no zstd module (pip install 'w2vns[zst]')")
        return zstd.compress(data)
    return {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}[kind](data)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """Plain files: a corpus, vectors for its words, analogy and similarity sets, baskets."""
    folder = tmp_path_factory.mktemp("plain")
    lines = synthetic.generate_corpus(400, seed=4)
    words = sorted({w for line in lines for w in line.split()})[:60]
    rng = np.random.default_rng(1)
    write_word2vec(folder / "v.bin", words, rng.standard_normal((len(words), 8)).astype("f4"))
    files = {
        "corpus": "\n".join(lines) + "\n",
        "analogies": ": section\n" + "".join("%s %s %s %s\n" % tuple(words[i:i + 4])
                                               for i in range(0, 40, 4)),
        "pairs": "".join("%s\t%s\t%d\n" % (words[i], words[i + 1], i % 10)
                         for i in range(0, 50, 2)),
        "baskets": "".join(" ".join(words[i:i + 3]) + "\n" for i in range(0, 57, 3)),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _put(folder, name, kind, plain, source):
    """Write ``plain/source`` compressed with ``kind`` to ``folder/name``; return the path."""
    path = folder / name
    path.write_bytes(compress(kind, (plain / source).read_bytes()))
    return path


def _evaluate(plain, *files):
    result = w2vns("evaluate", "-m", plain / "v.bin", "--json", "--restrict", "1000", *files)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("kind", KINDS)
def test_every_command_reads_and_writes_every_compression(kind, plain, tmp_path):
    # train: a corpus named for nothing, outputs compressed by their names.
    corpus = _put(tmp_path, "corpus", kind, plain, "corpus")
    out = tmp_path / ("v.txt" + SUFFIX[kind])
    vocab = tmp_path / ("vocab.tsv" + SUFFIX[kind])
    result = w2vns("train", corpus, "-o", out, "--vocab-out", vocab, "--min-count", "1",
                   "--epochs", "1", "--dim", "8", "--threads", "1", "-q")
    assert result.returncode == 0, result.stderr
    assert compression.from_magic(out.read_bytes()) == kind
    assert compression.from_magic(vocab.read_bytes()) == kind

    # similar: vectors compressed under a misleading name; convert: by extension, to a folder.
    vectors = _put(tmp_path, "vectors" + WRONG[kind], kind, plain, "v.bin")
    result = w2vns("similar", "-m", vectors, "-n", "2", "--tsv",
                   (plain / "baskets").read_text().split()[0])
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    result = w2vns("convert", out, tmp_path / "v.w2vns", "-q")
    assert result.returncode == 0, result.stderr
    result = w2vns("info", "-m", out, "--json")
    assert json.loads(result.stdout)["source"]["compression"] == SUFFIX[kind][1:]

    # evaluate: an analogy set by extension, a similarity set with no extension.
    analogies = _put(tmp_path, "q.txt" + SUFFIX[kind], kind, plain, "analogies")
    pairs = _put(tmp_path, "pairs", kind, plain, "pairs")
    expected = evaluation.evaluate(KeyedVectors.load(plain / "v.bin"), [plain / "analogies"],
                                   [plain / "pairs"], restrict_vocab=1000)
    got = _evaluate(plain, "--analogies", analogies, "--similarity", pairs)
    for section in ("analogies", "similarity"):
        for key in ("questions", "scored", "correct", "pairs", "spearman"):
            assert [r.get(key) for r in got[section]] == [r.get(key) for r in expected[section]]
    assert got["analogies"][0]["questions"] == 10 and got["similarity"][0]["pairs"] > 0

    # recommend: compressed baskets on stdin; evaluate-rec: sessions under a misleading name.
    baskets = compress(kind, (plain / "baskets").read_bytes())
    result = w2vns("recommend", "-m", plain / "v.bin", "-", "-n", "3", stdin=baskets)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len((plain / "baskets").read_text().splitlines())
    sessions = _put(tmp_path, "sessions" + WRONG[kind], kind, plain, "baskets")
    got = w2vns("evaluate-rec", sessions, "-m", plain / "v.bin", "--json")
    assert got.returncode == 0, got.stderr
    got = json.loads(got.stdout)
    expected = evaluate_leave_last_out(read_baskets(plain / "baskets"), k=10,
                                       kv=KeyedVectors.load(plain / "v.bin"))
    assert got["cases"] == expected["cases"] == 19
    assert got["model"]["hit_rate"] == pytest.approx(expected["model"]["hit_rate"])
    # evaluate-rec: compressed sessions on stdin (once refused as "File '-' does not exist").
    piped = w2vns("evaluate-rec", "-", "-m", plain / "v.bin", "--json", stdin=baskets)
    assert piped.returncode == 0, piped.stderr
    piped = json.loads(piped.stdout)
    assert piped["cases"] == 19
    assert piped["model"]["hit_rate"] == pytest.approx(expected["model"]["hit_rate"])


def test_a_plain_named_bzip2_corpus_trains(plain, tmp_path):
    """Once told to rename itself .bz2, and .bz2 then crashed."""
    corpus = _put(tmp_path, "corpus.txt", "bzip2", plain, "corpus")
    result = w2vns("train", corpus, "-o", tmp_path / "v.bin", "--min-count", "1", "--epochs",
                   "1", "--dim", "8", "--threads", "1", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""


def test_similar_queries_may_come_compressed_on_stdin(plain):
    words = (plain / "baskets").read_text().split()[:3]
    result = w2vns("similar", "-m", plain / "v.bin", "-", "-n", "1", "--tsv",
                   stdin=gzip.compress(("\n".join(words) + "\n").encode()))
    assert result.returncode == 0, result.stderr
    assert [line.split(b"\t")[0].decode() for line in result.stdout.splitlines()] == words


@pytest.mark.parametrize("command, what", [
    (["recommend", "-m", "VECTORS", "-"], "baskets are text, one per line"),
    (["similar", "-m", "VECTORS", "-"], "queries are text, one per line"),
    (["evaluate-rec", "JUNK", "-m", "VECTORS"], "baskets are text, one per line"),
    (["tune", "JUNK", "--negative", "2", "-o", "t.bin"], "w2vns reads text, one sentence per "
                                                         "line"),
])
def test_binary_data_where_text_is_read_is_one_line(plain, tmp_path, command, what):
    junk = b"the cat\n\x00\x01\x02 binary\n"
    (tmp_path / "junk").write_bytes(junk)
    names = {"VECTORS": plain / "v.bin", "JUNK": tmp_path / "junk"}
    result = w2vns(*[names.get(a, a) for a in command], stdin=junk, cwd=tmp_path)
    assert result.returncode == 2
    name = "<stdin>" if "-" in command else names["JUNK"]
    assert b"Traceback" not in result.stderr
    assert result.stderr.decode().splitlines()[-1] == (
        "w2vns: error: %s: binary data (a NUL byte at byte 8): %s" % (name, what))


@pytest.mark.parametrize("command", [
    ["similar", "-m", "VECTORS", "-"], ["recommend", "-m", "VECTORS", "-"], ["train", "-"],
    ["info", "-m", "-"], ["convert", "-", "out.txt"]])
def test_closed_or_damaged_stdin_is_one_line(plain, tmp_path, command):
    args = [str(plain / "v.bin") if a == "VECTORS" else a for a in command]
    env = dict(os.environ, PYTHONPATH=REPO)
    closed = subprocess.run([sys.executable, "-m", "w2vns", *args], cwd=tmp_path, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
                            preexec_fn=lambda: os.close(0))
    assert closed.returncode == 2
    assert one_line(closed.stderr) == "w2vns: error: <stdin>: standard input is closed"
    damaged = w2vns(*args, stdin=gzip.compress(b"the cat sat\n" * 50)[:30], cwd=tmp_path)
    assert damaged.returncode == 2
    assert one_line(damaged.stderr).startswith(
        "w2vns: error: <stdin>: damaged or truncated gzip data (")
    assert os.listdir(tmp_path) == []


def test_zstd_without_its_package_is_one_line_saying_what_to_install(plain, tmp_path):
    corpus = _put(tmp_path, "corpus.txt.zst", "zstd", plain, "corpus")
    blocked = ("import sys\n"
               "for name in ('compression.zstd', 'backports.zstd', 'zstandard'):\n"
               "    sys.modules[name] = None\n"
               "from w2vns.cli import main\n"
               "main(sys.argv[1:])\n")
    result = subprocess.run([sys.executable, "-c", blocked, "train", str(corpus), "-q"],
                            cwd=tmp_path, capture_output=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=REPO))
    assert result.returncode == 2
    assert one_line(result.stderr) == (
        "w2vns: error: %s is zstd-compressed: reading it needs zstd support: pip install "
        "'w2vns[zst]' (the backports.zstd package), or pipe it through zstdcat" % corpus)
