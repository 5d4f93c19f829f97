"""The errors of opening and reading inputs: each message is one line that names the input."""


class InputError(ValueError):
    """An input cannot be opened or read: an unreachable URL, a refused request, a missing
    credential, damaged compressed data, a missing optional package."""


class MissingDependency(InputError, ImportError):
    """An optional package is needed (zstd support, a URL scheme's); the message says which
    and how to install it."""


class CompressedDataError(InputError):
    """Compressed input is damaged or truncated."""
