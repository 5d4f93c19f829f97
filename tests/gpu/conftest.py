"""What the GPU tests need: CuPy and a CUDA GPU (``gpu`` fixture; the test skips without
them), and nvcc for the source check."""
import pytest

from w2vns.gpu.backend import GpuUnavailable, require_gpu


def gpu_available():
    try:
        require_gpu()
    except GpuUnavailable:
        return False
    return True


@pytest.fixture(scope="session")
def cupy():
    """The CuPy module, on a machine with a CUDA GPU; the test is skipped elsewhere."""
    if not gpu_available():
        pytest.skip("needs CuPy and a CUDA GPU")
    return require_gpu()
