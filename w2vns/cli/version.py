"""`w2vns --version`: the package's version and how its kernel was compiled."""
from importlib.metadata import version

from ..training.kernel import describe_build


def version_line():
    """The line `w2vns --version` prints, e.g.
    "w2vns, version 0.1.0 (kernel: AVX2, 8 floats a step)"."""
    return "w2vns, version %s (kernel: %s)" % (version("w2vns"), describe_build())
