"""Training: parameters, the run's state and weights, the backends that run the kernel, and
checkpoints. The entry points are ``train``, ``resume`` and ``train_encoded``."""
from .api import resume, train, train_encoded
from .params import TrainParams
from .progress import Progress
from .weights import TrainingDiverged

__all__ = ["train", "resume", "train_encoded", "TrainParams", "Progress", "TrainingDiverged"]
