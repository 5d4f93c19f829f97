"""The input vectors of a saved model or checkpoint folder, for everything that reads vectors.

``w2vns train --save-model DIR`` (and ``--checkpoint DIR``) write the layout that
:mod:`w2vns.training.checkpoint` owns: ``DIR/checkpoint.json`` names the current state folder,
which holds ``vocab.tsv`` (word<TAB>count, in row order) and ``syn0.npy`` (the input vectors,
V x d float32), beside what only training needs. This module reads just those two, the
vectors memory-mapped, so that ``similar``, ``info``, ``convert``, ``evaluate`` and
``KeyedVectors.load`` take such a folder as they take a vectors file.
"""
import json
import os

import numpy as np

from ..corpus.vocab import Vocabulary
from .formats import FormatError

__all__ = ["MANIFEST", "is_saved_model", "load_saved_model"]

#: The manifest's name, format and version (as w2vns.training.checkpoint writes them).
MANIFEST = "checkpoint.json"
FORMAT = "w2vns-checkpoint"
VERSION = 1


def is_saved_model(path):
    """Whether ``path`` is a folder holding a saved model or checkpoint (a checkpoint.json)."""
    return path != "-" and os.path.isfile(os.path.join(os.fspath(path), MANIFEST))


def load_saved_model(path, mmap=True, limit=None):
    """Read the input vectors of the saved model or checkpoint at ``path``.

    Returns ``(keys, vectors, counts, complete)``: the words (list of str), the input vectors
    (V x d float32, read-only memory-mapped with ``mmap=True``), their corpus counts, and
    whether the training it holds had finished.  ``limit=N`` keeps the first N words.  Raises
    FormatError, naming the folder, when it is damaged.
    """
    folder = os.fspath(path)
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as handle:
            manifest = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError) as err:
        raise FormatError("%s: damaged saved model: %s: %s"
                          % (folder, MANIFEST, getattr(err, "strerror", None) or err)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise FormatError("%s: %s is not a w2vns saved-model manifest" % (folder, MANIFEST))
    if manifest.get("version") != VERSION:
        raise FormatError("%s: saved-model version %r; this w2vns reads version %d"
                          % (folder, manifest.get("version"), VERSION))
    state = manifest.get("state")
    if not isinstance(state, str) or os.sep in state or state.startswith("."):
        raise FormatError("%s: damaged saved model: bad state name %r" % (folder, state))
    where = os.path.join(folder, state)
    try:
        vocab = Vocabulary.load_tsv(os.path.join(where, "vocab.tsv"))
        vectors = np.load(os.path.join(where, "syn0.npy"), mmap_mode="r" if mmap else None,
                          allow_pickle=False)
    except FileNotFoundError as err:
        raise FormatError("%s: damaged saved model: %s is missing"
                          % (folder, os.path.relpath(err.filename, folder))) from None
    except (OSError, ValueError) as err:
        raise FormatError("%s: damaged saved model: %s" % (folder, err)) from None
    if vectors.dtype != np.float32 or vectors.ndim != 2 or len(vectors) != len(vocab):
        raise FormatError("%s: damaged saved model: syn0.npy is %s %s for %d words"
                          % (folder, vectors.dtype, vectors.shape, len(vocab)))
    keys, counts = vocab.keys(), vocab.counts
    if limit is not None:
        limit = max(0, int(limit))
        keys, vectors, counts = keys[:limit], vectors[:limit], counts[:limit]
    return keys, vectors, counts, bool(manifest.get("complete", True))
