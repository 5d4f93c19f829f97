"""What a new user meets first: bare `w2vns`, --help, word2vec.c's and gensim's option names,
renamed options, the grammar of summary lines."""
import json
import os
import signal
import subprocess
import sys

import click
import numpy as np
import pytest

from tests.helpers import AS_AT_A_TERMINAL, REPO, one_line, w2vns
from w2vns.cli import main
from w2vns.cli.app import COMMANDS, cli
from w2vns.vectors.keyed import KeyedVectors

def command(name):
    return cli.get_command(click.Context(cli), name)


def in_process(capfd, *args):
    """(exit code, stdout, stderr) of ``w2vns ARGS`` run in this process (no start-up cost:
    for the checks that load no model and train nothing); the signal handlers the command
    line installs are put back."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as done:
            main(list(args))
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    out, err = capfd.readouterr()
    return done.value.code, out, err


def test_version_names_the_kernels_vector_instructions(capfd):
    code, out, err = in_process(capfd, "--version")
    assert code == 0 and err == ""
    assert out.startswith("w2vns, version ") and "(kernel: " in out and "floats a step)" in out


#: A Ctrl-C that arrives while the command line is still loading: SIGINT sent to the process
#: as it starts to import click, which the entry point loads with the rest of the command line.
CTRL_C_WHILE_LOADING = """
import os, signal, sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "click":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlC())
from w2vns.cli import main
main(sys.argv[1:])
"""


def test_ctrl_c_while_the_command_line_loads_is_one_line_and_exit_130(tmp_path):
    result = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_LOADING, "similar", "dog"],
                            cwd=tmp_path, capture_output=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=REPO), **AS_AT_A_TERMINAL)
    assert result.returncode == 130
    assert one_line(result.stderr) == "w2vns: error: interrupted"
    assert result.stdout == b""


def test_a_model_given_as_an_argument_gets_the_command_with_m(capfd, tmp_path):
    model = tmp_path / "v.txt"
    model.write_text("1 2\ndog 0.5 0.5\n")
    for command in ("info", "evaluate"):
        code, out, err = in_process(capfd, command, str(model))
        assert code == 2 and out == ""
        assert one_line(err.encode()) == (
            "w2vns: error: Got unexpected extra argument (%s): the model is given with -m: "
            "'w2vns %s -m %s'" % (model, command, model))
    code, _, err = in_process(capfd, "info", "notafile")  # not a path: click's own words
    assert code == 2 and "unexpected extra argument (notafile) (see 'w2vns info --help')" in err


def test_bare_w2vns_prints_the_help_and_exits_0():
    result = w2vns()
    assert result.returncode == 0 and result.stderr == b""
    out = result.stdout.decode()
    assert out.startswith("Usage: w2vns") and "Commands:" in out and "train" in out
    assert "error" not in out.lower()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_option_has_a_description(name):
    undocumented = [p.opts for p in command(name).params if isinstance(p, click.Option)
                    and not p.hidden and not p.help]
    assert undocumented == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_commands_help_ends_with_an_example(name, capfd):
    code, out, _err = in_process(capfd, name, "--help")
    assert code == 0
    lines = out.rstrip().splitlines()
    examples = lines.index("  Examples:")
    assert examples > lines.index("Options:")
    assert all("w2vns %s" % name in line for line in lines[examples + 1:]), lines[examples:]


@pytest.mark.parametrize("args, hint", [
    (["train", "c.txt", "-size", "100"], "no such option: -size (did you mean --dim?)"),
    (["train", "c.txt", "--size", "100"], "no such option: --size (did you mean --dim?)"),
    (["train", "c.txt", "--vector_size=100"], "--vector_size (did you mean --dim?)"),
    (["train", "c.txt", "--iter", "3"], "did you mean --epochs?"),
    (["train", "c.txt", "-iter", "3"], "did you mean --epochs?"),
    (["train", "c.txt", "--workers", "3"], "did you mean --threads?"),
    (["train", "c.txt", "-threads", "3"], "did you mean --threads?"),
    (["train", "c.txt", "-min-count", "3"], "did you mean --min-count?"),
    (["train", "c.txt", "--min_count", "3"], "did you mean --min-count?"),
    (["train", "c.txt", "--ns_exponent", "0.5"], "did you mean --noise-power?"),
    (["train", "-train", "c.txt"], "w2vns train CORPUS"),
    (["train", "c.txt", "-cbow", "0"], "skip-gram"),
    (["train", "c.txt", "-hs", "0"], "--loss"),  # not -h (help) followed by -s
    (["train", "c.txt", "-output", "v.bin"], "did you mean -o/--output?"),
    (["train", "c.txt", "-binary", "1"], "--format binary"),
    (["train", "c.txt", "-epoch", "3"], "did you mean --epochs?"),  # fastText
    (["similar", "dog", "--restrict_vocab", "10"], "did you mean --restrict?"),
])
def test_word2vec_gensim_and_fasttext_option_names_get_the_w2vns_name(args, hint, tmp_path,
                                                                     monkeypatch, capfd):
    (tmp_path / "c.txt").write_text("a b c\n")
    monkeypatch.chdir(tmp_path)
    code, out, err = in_process(capfd, *args)
    assert code == 2 and out == ""
    line = one_line(err.encode())
    assert line.startswith("w2vns: error: no such option") and hint in line, line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]  # nothing written


def test_a_w2vns_option_with_a_foreign_name_is_left_alone(tmp_path):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    kv.save_word2vec_format(str(tmp_path / "v.bin"))
    result = w2vns("plot", "a", "b", "-m", tmp_path / "v.bin", "--size", "2x2", "-o",
                   tmp_path / "p.png")
    assert "--size" in one_line(result.stderr) and "did you mean" not in result.stderr.decode()
    result = w2vns("similar", "a", "--window", "3", "-m", tmp_path / "v.bin")
    assert "No such option" in one_line(result.stderr)  # --window is train's, not a hint here


def test_renamed_options_keep_their_old_spelling_with_a_warning(tmp_path):
    kv = KeyedVectors(["a", "b", "c"], np.eye(3, dtype=np.float32), counts=[3, 2, 1])
    kv.save_word2vec_format(str(tmp_path / "v.bin"))
    new = w2vns("info", "-m", tmp_path / "v.bin", "--top", "2", "--json")
    old = w2vns("info", "-m", tmp_path / "v.bin", "-n", "2", "--json")
    assert new.returncode == old.returncode == 0 and new.stderr == b""
    assert json.loads(new.stdout)["most_frequent"] == json.loads(old.stdout)["most_frequent"]
    assert len(json.loads(new.stdout)["most_frequent"]) == 2
    assert one_line(old.stderr) == "w2vns: warning: -n is now --top"
    (tmp_path / "s.txt").write_text("a b\nb c\nc a\n")
    new = w2vns("evaluate-rec", tmp_path / "s.txt", "-m", tmp_path / "v.bin", "-n", "1",
                "--json")
    old = w2vns("evaluate-rec", tmp_path / "s.txt", "-m", tmp_path / "v.bin", "--k", "1",
                "--json")
    assert json.loads(new.stdout)["k"] == json.loads(old.stdout)["k"] == 1
    assert "--k is now -n/--topn" in old.stderr.decode()


def test_summary_lines_say_1_thread_and_1_epoch(tmp_path):
    (tmp_path / "c.txt").write_text("a b c d e f\n" * 20)
    result = w2vns("train", tmp_path / "c.txt", "--min-count", "1", "--epochs", "1",
                   "--threads", "1", "--dim", "1", "-o", tmp_path / "v.bin")
    assert result.returncode == 0, result.stderr
    line = one_line(result.stderr)
    assert "6 words x 1 dim, 120 tokens x 1 epoch in" in line and "1 thread)" in line
