"""Build the Cython kernels in cython_ext/ into the w2vns package.

Source builds use the host's instruction set (-march=native) for the kernels, because the
inner loops are short dot products and axpys that the compiler vectorises; set
W2VNS_PORTABLE=1 to build for the generic x86-64 / aarch64 baseline instead (wheels, clusters
with mixed CPUs).
"""
import os
import platform

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class ParallelBuildExt(build_ext):
    """build_ext compiling the extensions in parallel, one job a core, unless told otherwise
    (``-j N``): the kernel alone takes most of a minute at -O3, and pip's editable install
    (which cannot be given -j) builds every extension."""

    def finalize_options(self):
        super().finalize_options()
        if not self.parallel:
            self.parallel = True  # os.cpu_count() jobs


def compile_args():
    args = ["-O3"]
    if os.environ.get("W2VNS_PORTABLE", "") not in ("", "0"):
        return args
    if platform.machine().lower() in ("x86_64", "amd64", "aarch64", "arm64"):
        args.append("-march=native")
    return args


def extension(module, fast_math=False):
    """The extension ``w2vns.<module>``, built from cython_ext/<its last name>.pyx."""
    args = compile_args()
    if fast_math:
        # Lets gcc vectorise the float reductions (dot products) of the kernel. But NaN stays
        # NaN: the kernel's guards against a NaN score (a diverged model) indexing its sigmoid
        # table need comparisons that -ffinite-math-only would let the compiler drop.
        args = args + ["-ffast-math", "-fno-finite-math-only"]
    return Extension(
        "w2vns." + module,
        ["cython_ext/%s.pyx" % module.rsplit(".", 1)[-1]],
        include_dirs=[numpy.get_include(), "cython_ext"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=args,
        # -ffast-math may turn loops of expf into glibc's vector math (libmvec), reached via -lm.
        libraries=["m"],
    )


setup(
    cmdclass={"build_ext": ParallelBuildExt},
    ext_modules=cythonize(
        [extension("corpus._encode"), extension("corpus._sampling"),
         extension("training._kernel", fast_math=True), extension("corpus._phrases"),
         extension("distributed._plan"), extension("distributed._rows")],
        include_path=["cython_ext"],
        compiler_directives={"language_level": 3},
        annotate=bool(os.environ.get("W2VNS_ANNOTATE")),
        force=bool(os.environ.get("W2VNS_ANNOTATE")),  # annotate even when the C is current
    ),
)
