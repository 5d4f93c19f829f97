"""Training: parameters, the run's state and weights, the backends that run the kernel, and
checkpoints. The entry points are ``train``, ``resume`` and ``train_encoded``."""
import importlib

__all__ = ["train", "resume", "train_encoded", "TrainParams", "Progress", "TrainingDiverged"]

# Imported on first use, as in the package's own __init__: the command line reads its options
# from .params and .checkpoint, and `w2vns similar` should not load the trainer to do so.
_LAZY = {"train": "api", "resume": "api", "train_encoded": "api", "TrainParams": "params",
         "Progress": "progress", "TrainingDiverged": "weights"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module("." + _LAZY[name], __name__), name)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))
