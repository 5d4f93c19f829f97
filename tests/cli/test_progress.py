"""Progress on stderr: the bar on a terminal (epoch, totals in the summary's units, decimal
MB, erased on Ctrl-C), plain lines into a file."""
import io
import re
import sys

import pytest

import w2vns
from tests.helpers import w2vns as run
from w2vns.cli import progress as progress_module
from w2vns.cli.progress import TqdmProgress, TqdmTrials
from w2vns.training.progress import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def terminal(monkeypatch):
    """stderr as a terminal (set in the test itself: pytest resets sys.stderr between a
    fixture's setup and the test's call)."""
    screen = Terminal()
    return lambda: monkeypatch.setattr(sys, "stderr", screen) or screen


@pytest.fixture
def logfile(monkeypatch):
    """stderr as a file."""
    log = io.StringIO()
    return lambda: monkeypatch.setattr(sys, "stderr", log) or log


def test_the_bar_counts_corpus_words_and_shows_the_epoch(terminal):
    terminal = terminal()
    bars = TqdmProgress()
    assert bars.enabled and not bars.lines
    bars.training_start(1000, epochs=5, corpus_words=1250)
    bars.training(450, 0.01, 2.5)
    bar = bars._bar
    assert bar.total == 1250 and bar.n == 562  # 450 trained words of 1000 = 562 of 1250
    assert bar.desc.startswith("epoch 3/5")
    bars.training(1000, 0.0001, 2.0)
    assert bar.desc.startswith("epoch 5/5") and bar.n == 1250
    bars.close()
    last = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", terminal.getvalue()).split("\r")[-1]
    assert "epoch 5/5" in last and "1.25k/1.25k" in last and last.endswith("\n")  # kept


def test_the_counting_bar_uses_decimal_megabytes(terminal):
    terminal = terminal()
    bars = TqdmProgress()
    bars.counting(5_000_000, 10_000_000)
    bars.close()
    assert "5.00M/10.0M" in terminal.getvalue()  # 10**6 bytes; MiB would show 4.77M/9.54M


def test_an_interrupted_bar_is_erased_leaving_the_error_line_alone(terminal):
    terminal = terminal()
    bars = TqdmProgress()
    bars.training_start(1000, epochs=2, corpus_words=1000)
    bars.training(300, 0.01, None)
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt:
        bars.close()
    shown = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", terminal.getvalue())  # cursor moves
    assert shown.split("\r")[-1].strip() == ""  # nothing left on the line


def test_into_a_file_plain_lines_every_few_seconds_and_each_epoch(logfile):
    logfile = logfile()
    clock = Clock()
    bars = TqdmProgress(enabled=True, clock=clock)
    assert bars.lines
    bars.training_start(1000, epochs=2, corpus_words=2000)
    clock.now += 1
    bars.training(100, 0.02, 3.0)  # first report of epoch 1: a line
    clock.now += 1
    bars.training(200, 0.02, 3.0)  # 1 s later: none
    clock.now += progress_module.LINE_SECONDS
    bars.training(300, 0.018, 2.9)  # a few seconds later: a line
    clock.now += 1
    bars.training(600, 0.01, 2.5)  # a new epoch: a line
    bars.close()
    lines = logfile.getvalue().splitlines()
    assert "\r" not in logfile.getvalue()
    assert [line.split(":")[1] for line in lines] == [" training epoch 1/2", " training epoch 1/2",
                                                      " training epoch 2/2"]
    assert lines[1].startswith("w2vns: training epoch 1/2: 30% 600/2k words, ")
    assert "words/s" in lines[1] and "lr 0.01800" in lines[1] and "ETA 0:00:" in lines[1]


def test_tune_trials_into_a_file_are_lines(logfile):
    logfile = logfile()
    class Trial:
        negative, noise_power, score = 5, 0.75, 0.9

    trials = TqdmTrials(enabled=True)
    trials.start(2)
    trials.trial(Trial())
    trials.close()
    assert logfile.getvalue() == ("w2vns: tune: trial 1 of at most 2: negative 5, noise power "
                                  "0.75, score 0.9000\n")


def test_the_trainer_reports_the_summarys_tokens_times_epochs(small_corpus_file):
    class Recording(Progress):
        def training_start(self, total_words, epochs=1, corpus_words=None):
            self.started = (total_words, epochs, corpus_words)

    recording = Recording()
    model = w2vns.train(str(small_corpus_file), dim=8, epochs=3, threads=1, min_count=5,
                        progress=recording)
    report = model.report
    assert recording.started == (report["retained_tokens"] * 3, 3, report["tokens"] * 3)
    assert report["retained_tokens"] < report["tokens"]  # min_count dropped some


def test_cli_progress_into_a_file_has_no_carriage_returns(corpus_file, tmp_path):
    result = run("train", corpus_file, "--progress", "--dim", "16", "--epochs", "3",
                 "--threads", "1", "-o", tmp_path / "v.bin")
    assert result.returncode == 0, result.stderr
    log = result.stderr.decode()
    assert "\r" not in log
    lines = log.splitlines()
    assert lines[-1].startswith("w2vns: ") and "words/s" in lines[-1]  # the summary
    assert lines[:-1] and all(line.startswith(("w2vns: training epoch ", "w2vns: counting: "))
                              for line in lines[:-1]), lines
