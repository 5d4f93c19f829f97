"""URLs as inputs: a local HTTP server started by the test (never the internet), and s3://
failing fast, offline, in one line."""
import functools
import gzip
import http.server
import importlib.util
import os
import socket
import sys
import threading
import time

import numpy as np
import pytest

from tests.helpers import one_line, w2vns
from w2vns.corpus import synthetic
from w2vns.io.errors import InputError, MissingDependency
from w2vns.io.files import open_input
from w2vns.vectors.formats import write_word2vec


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, folder) of python's http.server on 127.0.0.1, a free port, serving a folder
    with a gzip corpus under a plain name and a vectors file."""
    folder = tmp_path_factory.mktemp("served")
    synthetic.write_corpus(folder / "corpus.txt.gz", 300, seed=2)
    (folder / "corpus").write_bytes((folder / "corpus.txt.gz").read_bytes())  # gzip, no name
    rng = np.random.default_rng(0)
    write_word2vec(folder / "v.bin", ["the", "cat", "dog"], rng.random((3, 4), np.float32))
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1], folder
    server.shutdown()
    server.server_close()


def _closed_port():
    """A port on 127.0.0.1 where nothing listens (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_open_input_reads_a_url_and_decompresses_by_content(served):
    base, folder = served
    with open_input(base + "/corpus") as source:
        assert source.compression == "gzip"
        assert source.read() == gzip.decompress((folder / "corpus").read_bytes())


def test_a_missing_url_is_one_line(served):
    base, _ = served
    with pytest.raises(InputError, match=r"^http://127\.0\.0\.1:\d+/nothing\.txt: HTTP 404 "):
        open_input(base + "/nothing.txt")


def test_an_unreachable_url_fails_at_once_in_one_line():
    url = "http://127.0.0.1:%d/corpus.txt" % _closed_port()
    started = time.monotonic()
    with pytest.raises(InputError, match=r"corpus\.txt: cannot connect: .*refused"):
        open_input(url)
    assert time.monotonic() - started < 10  # refused, not retried


def test_train_and_similar_read_urls(served, tmp_path):
    base, _ = served
    out = tmp_path / "v.bin"
    result = w2vns("train", base + "/corpus", "-o", out, "--min-count", "1", "--epochs", "1",
                   "--dim", "8", "--threads", "1", "-q")
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 0
    result = w2vns("similar", "-m", base + "/v.bin", "cat", "-n", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().split("\t")[0] in ("the", "dog")


@pytest.mark.parametrize("path, message", [
    ("/nothing.txt", r"nothing\.txt: HTTP 404 "),
    ("CLOSED", r"corpus\.txt: cannot connect: "),
])
def test_train_on_a_bad_url_is_one_line_and_exit_2(served, path, message):
    base, _ = served
    url = ("http://127.0.0.1:%d/corpus.txt" % _closed_port()) if path == "CLOSED" else (
        base + path)
    result = w2vns("train", url, "-q")
    assert result.returncode == 2
    assert __import__("re").search(message, one_line(result.stderr))


def test_s3_without_its_package_or_credentials_fails_fast_in_one_line(tmp_path):
    """Offline and fast whichever way: without boto3 the line says what to install; with it,
    no credential anywhere (a fresh HOME, no AWS variables, no instance metadata) is said at
    once, without retries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(tmp_path), AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"))
    started = time.monotonic()
    result = w2vns("train", "s3://w2vns-test-bucket/corpus.txt", "-q", env=env)
    assert time.monotonic() - started < 60
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("w2vns: error: s3://w2vns-test-bucket/corpus.txt: ")
    if importlib.util.find_spec("boto3") is None:
        assert "pip install 'smart_open[s3]'" in line
    else:
        assert "credentials" in line.lower()


def test_a_missing_url_package_is_a_missing_dependency(monkeypatch):
    monkeypatch.setitem(sys.modules, "smart_open", None)
    with pytest.raises(MissingDependency, match=r"gs://b/k: reading gs:// URLs needs smart_open"):
        open_input("gs://b/k")
