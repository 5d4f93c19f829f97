"""The GPU kernels on the CPU: sgns.cu compiled with g++ around warp_emulator.cpp (one warp:
32 lanes taking turns on one thread, in lockstep at each warp intrinsic), and a stand-in for the part of CuPy the
backend uses (numpy arrays, these kernels), so that the backend's host code runs end to end
on a machine without a GPU. Only one warp: a launch trains its tasks in order, whatever grid
it asks for."""
import ctypes
import hashlib
import os
import shutil
import subprocess
import types

import numpy as np
import pytest

from w2vns.gpu.backend import KERNEL_SOURCE

HERE = os.path.dirname(os.path.abspath(__file__))


def build(options, folder):
    """The emulated kernels compiled with these -D ``options`` into ``folder``: a ctypes
    library with ``run_keep_flags`` and ``run_sgns_train`` (the kernels' arguments). Skips the
    test where g++ is missing."""
    compiler = shutil.which("g++")
    if compiler is None:
        pytest.skip("g++ is not installed")
    name = hashlib.sha1(" ".join(options).encode()).hexdigest()[:12]
    lib = os.path.join(str(folder), "one_warp-%s.so" % name)
    if not os.path.exists(lib):
        done = subprocess.run([compiler, "-std=c++17", "-O1", "-shared", "-fPIC", "-o", lib,
                               '-DSOURCE="%s"' % KERNEL_SOURCE, *options,
                               os.path.join(HERE, "warp_emulator.cpp")],
                              capture_output=True, timeout=300)
        assert done.returncode == 0, done.stderr.decode()
    loaded = ctypes.CDLL(lib)
    p, u32, i64 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int64
    loaded.run_keep_flags.argtypes = [p, i64, p, ctypes.c_uint64, p]
    loaded.run_sgns_train.argtypes = [p, p, p, p, i64, ctypes.c_int, u32, u32, p, p, p, p, u32,
                                      p, p, p, p, i64, ctypes.c_int, ctypes.c_uint64,
                                      ctypes.c_float, ctypes.c_float, ctypes.c_double, p, p]
    return loaded


def _argument(value):
    """A launch argument as ctypes takes it: an array's address, a numpy scalar's value."""
    if isinstance(value, np.ndarray):
        assert value.flags.c_contiguous
        return value.ctypes.data
    return value.item() if isinstance(value, np.generic) else value


class _Function:
    def __init__(self, function):
        self.function = function

    def __call__(self, grid, block, args):
        self.function(*map(_argument, args))


class _Module:
    def __init__(self, folder, code, options):
        assert code == open(KERNEL_SOURCE, encoding="utf-8").read()
        self.library = build(list(options), folder)

    def get_function(self, name):
        return _Function(getattr(self.library, "run_" + name))


class _Device:
    attributes = {"MultiProcessorCount": 1}

    def __init__(self, number=0):
        self.number = number

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def synchronize(self):
        pass


class _Array(np.ndarray):
    """numpy's array with CuPy's ``get``."""

    def get(self):
        return np.asarray(self).copy()


def _wrap(function):
    def wrapped(*args, **kwargs):
        out = function(*args, **kwargs)
        return out.view(_Array) if isinstance(out, np.ndarray) else out
    return wrapped


class OutOfMemory(MemoryError):
    """CuPy's OutOfMemoryError, as the stand-in raises it."""


def fake_cupy(folder):
    """A module with the CuPy calls the backend makes, over numpy and the emulated kernels."""
    cp = types.SimpleNamespace()
    for name in ("asarray", "zeros", "empty", "cumsum", "flatnonzero", "searchsorted", "arange",
                 "concatenate"):
        setattr(cp, name, _wrap(getattr(np, name)))
    for name in ("int32", "int64", "uint32", "uint64", "uint8", "float32", "float64"):
        setattr(cp, name, getattr(np, name))
    cp.asnumpy = lambda a: np.array(a)
    cp.RawModule = lambda code, options: _Module(folder, code, options)
    cp.get_default_memory_pool = lambda: types.SimpleNamespace(total_bytes=lambda: 1)
    cp.cuda = types.SimpleNamespace(
        Device=_Device, memory=types.SimpleNamespace(OutOfMemoryError=OutOfMemory),
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1,
                                      getDeviceProperties=lambda n: {"name": b"emulated warp"}))
    return cp
