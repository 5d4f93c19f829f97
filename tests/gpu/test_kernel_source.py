"""The CUDA source compiles (nvcc --ptx for the H100/H200's sm_90), wherever nvcc is installed:
a syntax error in sgns.cu cannot land unseen on a machine without a GPU."""
import shutil
import subprocess

import pytest

from w2vns.gpu.backend import KERNEL_SOURCE, compile_options


@pytest.mark.parametrize("dim,negative,group,atomic", [(100, 5, 10, True), (300, 15, 4, False),
                                                       (8, 1, 1, True)])
def test_the_kernel_compiles_to_ptx(tmp_path, dim, negative, group, atomic):
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not installed")
    done = subprocess.run([nvcc, "-arch=sm_90", "--ptx", "-o", str(tmp_path / "sgns.ptx"),
                           *compile_options(dim, negative, group, atomic), KERNEL_SOURCE],
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert b".entry sgns_train" in (tmp_path / "sgns.ptx").read_bytes()
