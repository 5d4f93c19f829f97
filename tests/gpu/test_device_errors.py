"""What --device cuda refuses, in one clear line (checked on any machine)."""
import pytest

import w2vns
from w2vns.corpus import synthetic

from ..helpers import one_line, w2vns as run_cli
from .conftest import gpu_available


@pytest.mark.parametrize("params,says", [
    (dict(loss="hs"), "--loss hs is not available with --device cuda .it trains sgns and nce"),
    (dict(kernel="reference"), "--kernel reference is not available with --device cuda"),
    (dict(hard_negatives=10), "--hard-negatives is not available"),
    (dict(window=0), "--window 0 is not available"),
    (dict(context_side="before"), "--context-side before is not available"),
    (dict(context_steps="sequential"), "--context-steps sequential is not available"),
    (dict(dim=2000), "dim up to 1024"),
    (dict(negative=40), "up to 31 noise words"),
])
def test_what_the_gpu_does_not_train_is_a_value_error_before_any_work(params, says):
    with pytest.raises(ValueError, match=says):
        w2vns.train(["a b c"] * 10, device="cuda", **params)


def test_device_must_be_cpu_or_cuda():
    with pytest.raises(ValueError, match="device must be one of cpu, cuda"):
        w2vns.train(["a b c"], device="tpu")


def test_no_checkpoints_and_no_dask_with_the_gpu(tmp_path):
    with pytest.raises(ValueError, match="does not save checkpoints"):
        w2vns.train(["a b c"] * 10, device="cuda", checkpoint=str(tmp_path / "c"))
    with pytest.raises(ValueError, match="trains on the workers' CPUs"):
        w2vns.train(["a b c"], device="cuda", dask="local:1")


@pytest.mark.parametrize("extra,says", [
    (["--dask", "local:1"], "--device cuda cannot be used with --dask"),
    (["--checkpoint", "ckpt"], "--device cuda cannot be used with --checkpoint"),
])
def test_the_command_line_refuses_what_does_not_go_with_the_gpu(tmp_path, extra, says):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    done = run_cli("train", corpus, "--device", "cuda", *extra, cwd=tmp_path)
    assert done.returncode == 2
    assert says in one_line(done.stderr)


def test_without_cupy_or_a_gpu_device_cuda_is_one_line_and_exit_2(tmp_path):
    if gpu_available():
        pytest.skip("this machine has a usable GPU")
    corpus = tmp_path / "c.txt"
    synthetic.write_corpus(corpus, 50, seed=1)
    done = run_cli("train", corpus, "--device", "cuda", "-o", tmp_path / "v.bin")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert "--device cuda" in line and ("CuPy" in line or "GPU" in line)
    assert not (tmp_path / "v.bin").exists()


def test_the_command_line_says_what_the_gpu_cannot_train_before_asking_for_one(tmp_path):
    corpus = tmp_path / "c.txt"
    synthetic.write_corpus(corpus, 50, seed=1)
    done = run_cli("train", corpus, "--device", "cuda", "--loss", "hs", "-o", tmp_path / "v.bin")
    assert done.returncode == 2
    assert "--loss hs is not available with --device cuda" in one_line(done.stderr)
