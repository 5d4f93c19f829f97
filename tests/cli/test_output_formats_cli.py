"""One rule for output formats by name, shared by train, convert and tune (format_for_path)."""
import json
import os

import pytest

from tests.helpers import one_line, w2vns
from w2vns.corpus import synthetic

TRAIN = ("--min-count", "1", "--epochs", "1", "--dim", "8", "--threads", "1", "-q")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("formats") / "corpus.txt"
    path.write_text("\n".join(synthetic.generate_corpus(200, seed=7)) + "\n")
    return path


@pytest.fixture(scope="module")
def plain(corpus):
    """What train writes by default from the corpus (convert's source below)."""
    path = corpus.parent / "plain.bin"
    assert w2vns("train", corpus, "-o", path, "--seed", "5", *TRAIN).returncode == 0
    return path


def _format(path):
    result = w2vns("info", "-m", path, "--json")
    assert result.returncode == 0, result.stderr
    source = json.loads(result.stdout)["source"]
    return source["format"], source["compression"]


@pytest.mark.parametrize("name, args, expected", [
    ("vec.w2vns", [], ("w2vns", None)),
    ("vectors", ["--format", "w2vns"], ("w2vns", None)),
    ("vec.txt.xz", [], ("word2vec-text", "xz")),
    ("vec.vec.zst", [], ("word2vec-text", "zst")),
    ("vec.bin.bz2", [], ("word2vec-binary", "bz2")),
])
def test_train_and_convert_name_formats_alike(corpus, plain, tmp_path, name, args, expected):
    trained = tmp_path / "train" / name
    converted = tmp_path / "convert" / name
    trained.parent.mkdir(), converted.parent.mkdir()
    result = w2vns("train", corpus, "-o", trained, "--seed", "5", *args, *TRAIN)
    assert result.returncode == 0, result.stderr
    assert _format(trained) == expected
    convert_args = ["--to", args[1]] if args else []
    result = w2vns("convert", plain, converted, "-q", *convert_args)
    assert result.returncode == 0, result.stderr
    assert _format(converted) == expected


@pytest.mark.parametrize("args, message", [
    (["-o", "-", "--format", "w2vns"], "a w2vns folder cannot be written to stdout: give a "
                                       "folder name, or --format text or binary"),
    (["-o", "vec.w2vns.gz"], "vec.w2vns.gz: a w2vns folder cannot be compressed; name it "
                             "vec.w2vns"),
    (["-o", "file.w2vns"], "file.w2vns exists and is not a w2vns vectors folder; not "
                           "replacing it"),
    (["--save-model", "-"], "--save-model needs a folder name; '-' (stdout) cannot hold a "
                            "folder"),
])
def test_train_refuses_an_output_it_cannot_write_before_training(corpus, tmp_path, args,
                                                                 message):
    (tmp_path / "file.w2vns").write_bytes(b"a binary file from an older w2vns")
    result = w2vns("train", corpus, *args, *TRAIN, cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result.stderr) == "w2vns: error: " + message
    assert sorted(os.listdir(tmp_path)) == ["file.w2vns"]
