"""Long runs that die, and inputs that are wrong: checkpoints, resume, --init, signals, bad input.

The command line runs in real subprocesses (signals, exit codes, stderr, files left behind).
"""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import w2vns
from w2vns.training import api, threads
from w2vns.training import checkpoint
from w2vns.corpus import synthetic
from w2vns.training.progress import Progress
from tests.helpers import AS_AT_A_TERMINAL

FAST = ["--dim", "16", "--threads", "1", "-q"]


def w2vns_cmd(*args):
    return [sys.executable, "-m", "w2vns", *map(str, args)]


def run(*args, cwd=None, stdin=None):
    return subprocess.run(w2vns_cmd(*args), cwd=cwd, input=stdin, capture_output=True,
                          timeout=300)


def one_line(stderr):
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def manifest(folder):
    with open(os.path.join(folder, checkpoint.MANIFEST)) as handle:
        return json.load(handle)


# -- bad input: one table ----------------------------------------------------------------------


def _write(name, data):
    def make(tmp):
        (tmp / name).write_bytes(data)
    return make


def _truncated_vectors(tmp):
    kv = w2vns.KeyedVectors(["dog", "cat", "cow"], np.ones((3, 8), dtype=np.float32))
    kv.save_word2vec_format(str(tmp / "full.bin"))
    (tmp / "trunc.bin").write_bytes((tmp / "full.bin").read_bytes()[:-5])
    (tmp / "full.bin").unlink()


def _damaged_checkpoint(tmp):
    (tmp / "ck").mkdir()
    (tmp / "ck" / checkpoint.MANIFEST).write_text('{"format": "w2vns-checkpoint", "version": 1, '
                                                  '"state": "state-000001"}')
    (tmp / "ck" / "state-000001").mkdir()
    (tmp / "ck" / "state-000001" / "state.json").write_text("{not json")


def _old_format_checkpoint(tmp):
    """A run's checkpoint as w2vns wrote it before the shared task queue: per-thread epoch and
    position."""
    model = api.train(["a b c a b"] * 5, dim=4, epochs=1, threads=1, min_count=1)
    model.save(tmp / "old")
    state = tmp / "old" / manifest(tmp / "old")["state"] / "state.json"
    meta = json.loads(state.read_text())
    meta["progress"] = {"threads": 1, "epoch": [0], "position": [0], "words_done": [0] * 8,
                        "loss": [0.0] * 8, "rng_state": [1] * 8, "train_seconds": 0.0,
                        "words": 0}
    state.write_text(json.dumps(meta))


def _readonly_folder(tmp):
    if os.geteuid() != 0:
        (tmp / "ro").mkdir()
        (tmp / "ro").chmod(0o500)


# Root ignores permission bits: a folder of /proc is where even root cannot create a file.
READONLY = "/proc/v.bin" if os.geteuid() == 0 else "ro/v.bin"
RANDOM_JUNK = random.Random(7).randbytes(5000)

# (id, setup, arguments, exit code, fragment of the one stderr line)
BAD_INPUTS = [
    ("missing-file", None, ["train", "missing.txt"], 2, "missing.txt: no such file"),
    ("a-folder", lambda tmp: (tmp / "dir").mkdir(), ["train", "dir"], 2, "is a folder"),
    ("empty-file", _write("c.txt", b""), ["train", "c.txt"], 2, "the corpus is empty"),
    ("blank-lines", _write("c.txt", b"\n \n\t\n"), ["train", "c.txt"], 2, "the corpus is empty"),
    ("nothing-reaches-min-count", _write("c.txt", b"a b a c\n"), ["train", "c.txt"], 2,
     "no word reaches --min-count 5: 3 distinct words, the most frequent occurs 2 times"),
    ("nul-bytes", _write("c.txt", b"the cat\nsat \x00 on\n"), ["train", "c.txt"], 2,
     "binary data (a NUL byte at byte 12)"),
    ("binary-junk", _write("c.txt", RANDOM_JUNK), ["train", "c.txt"], 2, "binary data"),
    ("zip-archive", _write("c.zip", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + RANDOM_JUNK),
     ["train", "c.zip"], 2, "c.zip: a zip archive: unzip it first"),
    ("invalid-utf8-is-kept", _write("c.txt", b"caf\xe9 ok\n" * 10),
     ["train", "c.txt", "--min-count", "1", "--epochs", "1"], 0,
     "warning: 1 vocabulary word not valid UTF-8"),
    ("output-folder-missing", None, ["train", "CORPUS", "-o", "nodir/v.bin"], 2,
     "folder %s does not exist"),
    ("output-folder-not-writable", _readonly_folder, ["train", "CORPUS", "-o", READONLY], 2,
     "is not writable"),
    ("disk-full", None, ["train", "CORPUS", "-o", "/dev/full", "--epochs", "1"], 2,
     "/dev/full: No space left on device"),
    ("dim-out-of-range", None, ["train", "CORPUS", "--dim", "0"], 2,
     "'--dim': 0 is not in the range 1<=x<=10000"),
    ("window-out-of-range", None, ["train", "CORPUS", "--window", "1001"], 2,
     "'--window': 1001 is not in the range 0<=x<=1000"),
    ("sample-out-of-range", None, ["train", "CORPUS", "--sample", "2"], 2,
     "'--sample': 2.0 is not in the range 0<=x<1"),
    ("no-negatives", None, ["train", "CORPUS", "--negative", "0"], 2,
     "negative must be >= 1 with the sgns loss"),
    ("no-negatives-nce", None, ["train", "CORPUS", "--negative", "0", "--loss", "nce"], 2,
     "negative must be >= 1 with the nce loss"),
    ("tune-no-negatives", None, ["tune", "CORPUS", "--negative", "0,5"], 2,
     "negative must be >= 1 with the sgns loss"),
    ("evaluate-rec-no-negatives", None, ["evaluate-rec", "CORPUS", "--negative", "0"], 2,
     "negative must be >= 1 with the sgns loss"),
    ("evaluate-rec-one-item-lines", _write("s.txt", b"a\nb\n"), ["evaluate-rec", "s.txt"], 2,
     "no line has two or more items separated by spaces: nothing to evaluate"),
    ("evaluate-rec-csv-event-log", _write("r.csv", b"user,item,rating,time\n1,5,4.0,9\n"),
     ["evaluate-rec", "r.csv"], 2, "an event log in CSV needs one line per user"),
    ("threads-out-of-range", None, ["train", "CORPUS", "--threads", "-1"], 2,
     "'--threads': -1 is not in the range 1<=x<=1024"),
    ("bad-checkpoint-interval", None,
     ["train", "CORPUS", "--checkpoint", "ck", "--checkpoint-every", "0m"], 2,
     "the interval must be positive"),
    ("bad-corpus-with-checkpoint", _write("c.txt", b"a b a c\n"),
     ["train", "c.txt", "--checkpoint", "ck"], 2, "no word reaches --min-count 5"),
    ("min-count-too-high", None, ["train", "CORPUS", "--min-count", "100000"], 2,
     "no word reaches --min-count 100000"),
    ("no-corpus", None, ["train"], 2, "Missing argument 'CORPUS...'"),
    ("negative-0-with-sgns", None, ["train", "CORPUS", "--negative", "0"], 2,
     "negative must be >= 1 with the sgns loss, which learns from noise words"),
    ("negative-0-with-sampled-softmax", None,
     ["train", "CORPUS", "--loss", "sampled-softmax", "--negative", "0"], 2,
     "negative must be >= 1 with the sampled-softmax loss"),
    ("hard-negatives-with-hs", None, ["train", "CORPUS", "--loss", "hs", "--hard-negatives",
                                      "10"], 2, "hard_negatives must be 0 with the hs loss"),
    ("softmax-above-its-vocabulary-limit",
     _write("big.txt", (" ".join("w%d" % i for i in range(10001)) + "\n").encode() * 5),
     ["train", "big.txt", "--loss", "softmax"], 2,
     "the softmax loss is exact over the whole vocabulary, meant for at most 10000 words; "
     "this one has 10001"),
    ("unknown-command", None, ["bogus"], 2, "No such command"),
    ("no-model", None, ["similar", "dog", "-m", "missing.bin"], 2, "w2vns train"),
    ("truncated-vectors", _truncated_vectors, ["similar", "dog", "-m", "trunc.bin"], 2,
     "truncated file"),
    ("malformed-vectors", _write("bad.txt", b"2 3\ndog 1 2 3\ncat 1 x 3\n"),
     ["similar", "dog", "-m", "bad.txt"], 2, "line 3: non-numeric value 'x'"),
    ("resume-missing-folder", None, ["train", "--resume", "nock"], 2, "nock: no such folder"),
    ("resume-not-a-checkpoint", lambda tmp: (tmp / "ck").mkdir(), ["train", "--resume", "ck"],
     2, "not a w2vns checkpoint or saved model"),
    ("resume-damaged-checkpoint", _damaged_checkpoint, ["train", "--resume", "ck"], 2,
     "damaged checkpoint"),
    ("init-damaged-checkpoint", _damaged_checkpoint, ["train", "CORPUS", "--init", "ck"], 2,
     "damaged checkpoint"),
    ("resume-old-format-checkpoint", _old_format_checkpoint, ["train", "--resume", "old"], 2,
     "old: written by an older w2vns (per-thread positions); this one cannot continue it"),
]


@pytest.mark.parametrize("setup, args, code, message", [
    pytest.param(*case[1:], id=case[0], marks=pytest.mark.skipif(
        "/dev/full" in case[2] and not os.path.exists("/dev/full"), reason="no /dev/full"))
    for case in BAD_INPUTS])
def test_bad_input_gives_one_line_an_exit_code_and_no_output(setup, args, code, message,
                                                             small_corpus_file, tmp_path):
    if setup is not None:
        setup(tmp_path)
    before = set(os.listdir(tmp_path))
    args = [str(small_corpus_file) if a == "CORPUS" else a for a in args]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == code, result.stderr
    if "%s" in message:
        message %= tmp_path / "nodir"
    if code == 0:  # a warning, then the usual summary line
        warning, summary = result.stderr.decode().splitlines()
        assert message in warning and "words/s" in summary
    else:
        assert message in one_line(result.stderr)
    left = set(os.listdir(tmp_path)) - before
    if code == 0:
        assert left == {"vectors.bin"}
    else:  # nothing under the output name, no temporary file, no empty checkpoint folder
        assert not left


def test_crlf_line_endings_give_the_same_vectors_as_lf(small_corpus_file, tmp_path):
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes(small_corpus_file.read_bytes().replace(b"\n", b"\r\n"))
    for name, corpus in (("lf.bin", small_corpus_file), ("crlf.bin", crlf)):
        result = run("train", corpus, "-o", tmp_path / name, "--epochs", "1", *FAST)
        assert result.returncode == 0 and result.stderr == b""
    assert (tmp_path / "lf.bin").read_bytes() == (tmp_path / "crlf.bin").read_bytes()


def _peak_rss_mb(args, feed, cwd):
    """Run w2vns with ``feed()``'s chunks piped into stdin; (exit code, stderr, peak RSS MB)."""
    proc = subprocess.Popen(w2vns_cmd(*args), stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, cwd=cwd)

    def write():
        try:
            for chunk in feed():
                proc.stdin.write(chunk)
        except BrokenPipeError:
            pass
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    writer.join()
    return proc.returncode, proc.stderr.read(), usage.ru_maxrss / 1024  # KiB on Linux


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units are Linux's")
def test_a_200mb_line_without_newline_streams_in_bounded_memory(tmp_path):
    """100 MB of one token (binary junk, or text without spaces), then 100 MB of words, and no
    newline at all: the counting pass keeps neither the line nor the token."""
    def line():
        yield b"x" * (100 << 20)
        words = b" ".join(b"%048d" % i for i in range(1000)) + b" "
        for _ in range((100 << 20) // len(words)):
            yield words

    small = lambda: iter([b"a b c\n" * 10])  # noqa: E731  the same process, a tiny corpus
    args = ["train", "-", "--dim", "8", "--epochs", "1", "--threads", "1", "--sample", "1e-5",
            "--min-count", "1"]
    code, stderr, baseline = _peak_rss_mb(args + ["-o", "small.bin"], small, tmp_path)
    assert code == 0, stderr
    code, stderr, peak = _peak_rss_mb(args + ["-o", "big.bin"], line, tmp_path)
    assert code == 0, stderr
    assert b"1 token longer than 1000 bytes truncated" in stderr
    # The id stream of ~2.2M tokens is 9 MB; the line is 200 MB.
    assert peak < baseline + 40, (baseline, peak)


# -- checkpoints, resume -------------------------------------------------------------------------


def test_checkpoint_every_parses_epochs_words_and_times():
    assert checkpoint.parse_every("1epoch") == ("epochs", 1)
    assert checkpoint.parse_every("2 epochs") == ("epochs", 2)
    assert checkpoint.parse_every("10m") == ("seconds", 600)
    assert checkpoint.parse_every("1.5h") == ("seconds", 5400)
    assert checkpoint.parse_every("30s") == ("seconds", 30)
    assert checkpoint.parse_every("5000000") == ("words", 5000000)
    assert checkpoint.parse_every("2000 words") == ("words", 2000)
    for bad in ("", "0", "1.5", "10x", "-1m", "epoch"):
        with pytest.raises(ValueError):
            checkpoint.parse_every(bad)


def _wait_for_checkpoint(proc, folder, timeout=120):
    deadline = time.monotonic() + timeout
    while not os.path.exists(os.path.join(folder, checkpoint.MANIFEST)):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.mark.parametrize("loss", ["sgns", "nce", "hs"])
def test_killed_run_resumes_to_byte_identical_vectors(loss, corpus_file, tmp_path):
    """SIGKILL right after the first checkpoint; --resume; the vectors equal an uninterrupted
    run's, byte for byte (one thread, a fixed seed). NCE's output biases and HS's inner-node
    vectors are saved and restored too (the whole model, saved with --save-model, is
    identical)."""
    args = ["train", corpus_file, "--epochs", "12", "--seed", "7", "--loss", loss, *FAST]
    assert run(*args, "-o", tmp_path / "whole.bin",
               "--save-model", tmp_path / "whole.model").returncode == 0
    ck = tmp_path / "ck"
    proc = subprocess.Popen(w2vns_cmd(*args, "-o", tmp_path / "resumed.bin", "--checkpoint", ck,
                                      "--checkpoint-every", "1epoch"), stderr=subprocess.PIPE)
    _wait_for_checkpoint(proc, ck)
    proc.kill()
    proc.wait()
    assert not manifest(ck)["complete"], "the run ended before it could be killed"
    assert not (tmp_path / "resumed.bin").exists()
    if loss == "nce":
        assert checkpoint.load(ck).output_bias is not None
    # -o comes from the checkpoint
    result = run("train", "--resume", ck, "--save-model", tmp_path / "resumed.model")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "resumed.bin").read_bytes() == (tmp_path / "whole.bin").read_bytes()
    assert manifest(ck)["complete"]
    whole, resumed = (checkpoint.load(tmp_path / name) for name in ("whole.model",
                                                                    "resumed.model"))
    assert resumed.syn1neg.tobytes() == whole.syn1neg.tobytes()
    assert set(resumed.extras) == set(whole.extras)
    for name, array in whole.extras.items():
        assert resumed.extras[name].tobytes() == array.tobytes(), name
    if loss == "hs":
        assert whole.extras["syn1"].shape == (len(whole.vocab) - 1, 16)
        assert np.abs(whole.extras["syn1"]).max() > 0
    if loss == "nce":
        assert resumed.output_bias.tobytes() == whole.output_bias.tobytes()
        assert checkpoint.load(ck).output_bias.tobytes() == whole.output_bias.tobytes()
    else:
        assert whole.output_bias is None and resumed.output_bias is None


@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"),
                                             (signal.SIGINT, 130, "interrupted")])
def test_signal_stops_within_a_second_saves_a_checkpoint_and_writes_no_output(
        sig, code, word, corpus_file, tmp_path):
    out, ck = tmp_path / "v.bin", tmp_path / "ck"
    proc = subprocess.Popen(w2vns_cmd("train", corpus_file, "-o", out, "--epochs", "8",
                                      "--threads", "2", "--dim", "16", "-q", "--checkpoint", ck),
                            stderr=subprocess.PIPE, **AS_AT_A_TERMINAL)
    _wait_for_checkpoint(proc, ck)  # training is running: its first epoch is saved
    sent = time.monotonic()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 3  # stop within a second, then save a small checkpoint
    assert proc.returncode == code
    line = one_line(stderr)
    assert word in line and "--resume %s" % ck in line
    assert not out.exists() and os.listdir(tmp_path) == ["ck"]
    saved = checkpoint.load(ck)
    assert not saved.complete and saved.state.words() > 0
    # Resumed, the run trains every remaining word exactly once, wherever the workers stopped.
    result = run("train", "--resume", ck, "--report", tmp_path / "r.json")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["words_done"] == report["retained_tokens"] * 8
    assert w2vns.KeyedVectors.load(str(out)).vectors.shape == (report["vocab_size"], 16)


class InterruptAfter(Progress):
    """Raises KeyboardInterrupt in the main thread once training has done some words, the way
    Ctrl-C arrives while the main thread polls the workers."""

    def __init__(self, words):
        self.words = words

    def training(self, words_done, alpha, loss):
        if words_done >= self.words:
            raise KeyboardInterrupt


@pytest.mark.parametrize("grace", [0.5, 0.0], ids=["at-a-block-boundary", "mid-block"])
def test_interrupted_run_saves_where_the_workers_stopped(grace, small_corpus_file, tmp_path,
                                                         monkeypatch):
    """With time to reach a block boundary, the checkpoint resumes byte-identically (one
    thread); stopped in the middle of a block, it still trains every word exactly once."""
    monkeypatch.setattr(threads.ThreadBackend, "STOP_GRACE_SECONDS", grace)
    monkeypatch.setattr(threads.ThreadBackend, "POLL_SECONDS", 0.01)
    params = dict(dim=16, epochs=60, threads=1, seed=3)
    whole = api.train(str(small_corpus_file), **params)
    ck = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt):
        api.train(str(small_corpus_file), progress=InterruptAfter(200000), checkpoint=ck,
                       checkpoint_every="1000epochs", **params)
    saved = checkpoint.load(ck)
    assert 200000 <= saved.state.words() < whole.report["words_done"]
    resumed = api.resume(ck)
    assert resumed.report["words_done"] == whole.report["words_done"]
    if grace:
        assert resumed.wv.vectors.tobytes() == whole.wv.vectors.tobytes()
        assert resumed.syn1neg.tobytes() == whole.syn1neg.tobytes()


def test_resume_from_every_checkpoint_of_a_run_is_byte_identical(small_corpus_file, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(checkpoint, "_remove_old_states", lambda folder, keep: None)
    params = dict(dim=16, epochs=3, threads=1, seed=5)
    ck = tmp_path / "ck"
    whole = api.train(str(small_corpus_file), checkpoint=ck, checkpoint_every="20000",
                           **params)
    states = sorted(p.name for p in ck.iterdir() if p.name.startswith("state-"))
    assert len(states) == 4  # 3 x 34k words at every 20k words (at block ends), and the end
    for state in states[:-1]:
        (ck / checkpoint.MANIFEST).write_text(json.dumps(dict(manifest(ck), state=state)))
        resumed = api.resume(ck)
        assert resumed.wv.vectors.tobytes() == whole.wv.vectors.tobytes(), state


def test_a_failed_save_keeps_the_previous_checkpoint_and_leaves_no_temporary(
        small_corpus_file, tmp_path, monkeypatch):
    ck = tmp_path / "ck"
    real_save = np.save
    calls = []

    def full_disk(file, array, **kwargs):
        calls.append(1)
        if len(calls) > 2:  # the second checkpoint's first matrix
            raise OSError(28, "No space left on device")
        real_save(file, array, **kwargs)

    monkeypatch.setattr(np, "save", full_disk)
    with pytest.raises(OSError, match="No space"):
        api.train(str(small_corpus_file), dim=8, epochs=3, threads=1, checkpoint=ck)
    assert sorted(os.listdir(ck)) == [checkpoint.MANIFEST, "state-000001"]
    state = checkpoint.load(ck).state  # the first epoch's, taken after its last block
    assert state.next_task == state.nblocks and len(state.pending) == 0


def test_a_state_folder_left_by_a_save_that_died_before_the_manifest_is_skipped(
        small_corpus_file, tmp_path):
    ck = tmp_path / "ck"
    model = api.train(str(small_corpus_file), dim=8, epochs=1, threads=1, min_count=3)
    model.save(ck)
    (ck / "state-000002").mkdir()  # renamed, but the manifest was never switched to it
    (ck / ".state-000003.abc").mkdir()  # still being written
    assert manifest(ck)["state"] == "state-000001"
    model.save(ck)
    assert sorted(os.listdir(ck)) == [checkpoint.MANIFEST, "state-000003"]
    assert checkpoint.load(ck).vocab.words == model.vocab.words


def test_resume_refuses_a_changed_corpus_and_asks_for_stdin_again(small_corpus_file, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(small_corpus_file.read_bytes())
    with pytest.raises(KeyboardInterrupt):
        api.train(str(corpus), progress=InterruptAfter(1), dim=8, epochs=50, threads=1,
                       checkpoint=tmp_path / "ck")
    with open(corpus, "ab") as handle:
        handle.write(b"one more line\n")
    with pytest.raises(checkpoint.CheckpointError, match="changed since the checkpoint"):
        api.resume(tmp_path / "ck")
    with pytest.raises(checkpoint.CheckpointError, match="not the corpus the run trained on"):
        api.resume(tmp_path / "ck", corpus=str(corpus))
    lines = small_corpus_file.read_text().splitlines()
    with pytest.raises(KeyboardInterrupt):
        api.train(lines, progress=InterruptAfter(1), dim=8, epochs=50, threads=1,
                       checkpoint=tmp_path / "ck2")
    with pytest.raises(checkpoint.CheckpointError, match="give the corpus again"):
        api.resume(tmp_path / "ck2")
    assert api.resume(tmp_path / "ck2", corpus=lines).report["epochs"] == 50


def test_an_old_format_checkpoint_still_gives_its_weights_to_init(tmp_path):
    _old_format_checkpoint(tmp_path)
    with pytest.raises(checkpoint.CheckpointError, match="older w2vns"):
        api.resume(tmp_path / "old")
    model = api.train(["a b c d"] * 5, init=tmp_path / "old", epochs=1, threads=1)
    assert set(model.wv.index_to_key) == {"a", "b", "c", "d"}


def test_a_new_run_will_not_overwrite_a_checkpoint(small_corpus_file, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        api.train(str(small_corpus_file), progress=InterruptAfter(1), dim=8, epochs=50,
                  threads=1, checkpoint=tmp_path / "ck")
    with pytest.raises(checkpoint.CheckpointError, match="already holds a checkpoint: "
                       "continue it with --resume"):
        api.train(str(small_corpus_file), dim=8, epochs=1, threads=1, checkpoint=tmp_path / "ck")
    api.train(str(small_corpus_file), dim=8, epochs=1, threads=1, checkpoint=tmp_path / "done")
    with pytest.raises(checkpoint.CheckpointError, match="already holds a finished run: train "
                       "on from it with --init"):
        api.train(str(small_corpus_file), dim=8, epochs=1, threads=1,
                  checkpoint=tmp_path / "done")


def test_resume_of_a_finished_run_trains_nothing_and_needs_no_corpus(small_corpus_file,
                                                                     tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(small_corpus_file.read_bytes())
    first = api.train(str(corpus), dim=8, epochs=2, threads=1, checkpoint=tmp_path / "ck")
    corpus.unlink()  # a finished run's outputs come from its checkpoint alone
    again = api.resume(tmp_path / "ck")
    assert again.report["already_complete"] is True
    assert "already_complete" not in first.report
    assert again.wv.vectors.tobytes() == first.wv.vectors.tobytes()
    assert again.syn1neg.tobytes() == first.syn1neg.tobytes()
    saved = checkpoint.load(tmp_path / "ck").state
    assert again.report["train_seconds"] == saved.train_seconds  # the run's, not a new one
    assert again.report["words_done"] == first.report["words_done"]
    assert again.report["epochs"] == 2 and again.report["vocab_size"] == len(first.wv)


def test_cli_resume_of_a_finished_run_says_so_and_writes_only_missing_outputs(
        small_corpus_file, tmp_path):
    result = run("train", small_corpus_file, "--epochs", "1", "--checkpoint", "ck", "-o",
                 "v.bin", "--vocab-out", "vocab.tsv", "--dim", "16", "--threads", "1",
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    vectors = (tmp_path / "v.bin").read_bytes()
    os.utime(tmp_path / "v.bin", ns=(1, 1))
    (tmp_path / "vocab.tsv").unlink()
    result = run("train", "--resume", "ck", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    line = one_line(result.stderr)
    assert "the run in ck was already complete" in line and "1 epoch over" in line
    assert "words/s" not in line and " s (" not in line  # no timing of a run that did not run
    assert "wrote %s" % (tmp_path / "vocab.tsv") in line
    assert "kept %s (already there)" % (tmp_path / "v.bin") in line
    assert os.stat(tmp_path / "v.bin").st_mtime_ns == 1  # not rewritten
    assert (tmp_path / "vocab.tsv").read_text().count("\n") > 10
    # Named on the command line, an output is written even if it exists.
    result = run("train", "--resume", "ck", "-o", "v.bin", cwd=tmp_path)
    assert result.returncode == 0 and os.stat(tmp_path / "v.bin").st_mtime_ns != 1
    assert (tmp_path / "v.bin").read_bytes() == vectors


# -- continued training (--init) -----------------------------------------------------------------


def test_init_keeps_old_words_adds_frequent_new_ones_and_starts_from_saved_vectors(tmp_path):
    old_lines = synthetic.generate_corpus(1000, seed=1)
    first = api.train(old_lines, dim=12, epochs=2, threads=1, min_count=3)
    first.save(tmp_path / "model")
    new_lines = ["zebra quokka dog cat"] * 4 + ["okapi dog"]  # okapi: once, below min_count
    second = api.train(new_lines, init=tmp_path / "model", epochs=1, threads=1)
    old, new = first.wv, second.wv
    assert second.params.dim == 12 and second.params.min_count == 3  # inherited
    assert set(new.index_to_key) == set(old.index_to_key) | {"zebra", "quokka"}
    assert new.vectors.shape[0] == len(old) + 2
    # A word absent from the new corpus is never a centre or context: its vector is the saved one.
    untouched = next(w for w in old.index_to_key if w not in ("dog", "cat"))
    assert np.array_equal(new[untouched], old[untouched])
    assert not np.array_equal(new["dog"], old["dog"])
    # Counts add up, and ids stay sorted by frequency.
    assert second.wv.counts[new.key_to_index["dog"]] == old.counts[old.key_to_index["dog"]] + 5
    assert (np.diff(second.wv.counts) <= 0).all()
    with pytest.raises(ValueError, match="dim must be 12"):
        api.train(new_lines, init=tmp_path / "model", dim=20)


def test_nce_output_biases_are_saved_and_continued_with_init(tmp_path):
    old_lines = synthetic.generate_corpus(1000, seed=1)
    first = api.train(old_lines, dim=12, epochs=2, threads=1, min_count=3, loss="nce")
    assert first.output_bias.shape == (len(first.wv),) and first.output_bias.dtype == np.float32
    first.save(tmp_path / "model")
    saved = checkpoint.load(tmp_path / "model")
    assert saved.output_bias.tobytes() == first.output_bias.tobytes()
    assert saved.params["nce_bias"] is True
    new_lines = ["zebra quokka dog cat"] * 4
    # A learning rate so small that training moves nothing visibly: every saved bias must come
    # back as it was (any old word may be drawn as noise, so with a real rate any may move).
    second = api.train(new_lines, init=tmp_path / "model", epochs=1, threads=1,
                            alpha=1e-9)
    assert second.params.loss == "nce" and second.params.nce_bias  # inherited
    old, new = first.wv, second.wv
    old_ids = [new.key_to_index[w] for w in old.index_to_key]
    np.testing.assert_allclose(second.output_bias[old_ids], first.output_bias, atol=1e-6)
    # New words start at log unigram probability in the grown vocabulary.
    zebra = new.key_to_index["zebra"]
    start = np.log(second.wv.counts[zebra] / second.wv.counts.sum())
    assert abs(second.output_bias[zebra] - start) < 0.5
    # Continued as SGNS, or as bare NCE, the model has no biases.
    assert api.train(new_lines, init=tmp_path / "model", epochs=1, threads=1,
                          loss="sgns").output_bias is None
    bare = api.train(new_lines, init=tmp_path / "model", epochs=1, threads=1,
                          nce_bias=False)
    assert bare.output_bias is None
    bare.save(tmp_path / "bare")
    assert checkpoint.load(tmp_path / "bare").output_bias is None


def test_nce_checkpoint_without_its_biases_is_damaged_and_old_nce_models_were_bare(tmp_path):
    model = api.train(synthetic.generate_corpus(300, seed=2), dim=8, epochs=1, threads=1,
                           min_count=3, loss="nce")
    model.save(tmp_path / "m")
    state = tmp_path / "m" / manifest(tmp_path / "m")["state"]
    (state / "output_bias.npy").unlink()
    with pytest.raises(checkpoint.CheckpointError, match="output_bias.npy is missing"):
        checkpoint.load(tmp_path / "m")
    # Saved before nce_bias existed: NCE trained the bare score, and loads as such.
    meta = json.loads((state / "state.json").read_text())
    del meta["params"]["nce_bias"]
    (state / "state.json").write_text(json.dumps(meta))
    old = checkpoint.load(tmp_path / "m")
    assert old.params["nce_bias"] is False and old.output_bias is None
    assert api.train(["dog cat"] * 5, init=tmp_path / "m", epochs=1,
                          threads=1).output_bias is None


def test_init_from_the_command_line(small_corpus_file, tmp_path):
    assert run("train", small_corpus_file, "-o", tmp_path / "a.bin", "--epochs", "1",
               "--save-model", tmp_path / "m", *FAST).returncode == 0
    more = tmp_path / "more.txt"
    more.write_text("newword dog cat\n" * 6)
    result = run("train", more, "--init", tmp_path / "m", "-o", tmp_path / "b.bin", "-q")
    assert result.returncode == 0, result.stderr
    a = w2vns.KeyedVectors.load(str(tmp_path / "a.bin"))
    b = w2vns.KeyedVectors.load(str(tmp_path / "b.bin"))
    assert "newword" in b and len(b) == len(a) + 1 and b.vector_size == 16
