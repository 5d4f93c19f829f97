"""Checkpoints and saved models: one folder holding everything needed to continue training.

Layout (``DIR`` is what ``--checkpoint``, ``--resume``, ``--init`` and ``--save-model`` name)::

    DIR/checkpoint.json     the manifest: names the current state folder; written last
    DIR/state-000007/       one complete state:
        vocab.tsv           word<TAB>count, in id order
        syn0.npy            input vectors, V x d float32
        syn1neg.npy         output vectors, V x d float32
        <extra>.npy         the loss's own learned arrays (w2vns/training/losses.py), e.g.
                            output_bias.npy: NCE's per-word output biases, V float32;
                            syn1.npy: HS's inner-node vectors, (V-1) x d float32
        state.json          parameters, corpus identity, progress (the next task of the
                            shared queue, ranges still pending) and counters and RNG state
                            per thread

A save writes a new state folder under a temporary name, fsyncs it, renames it, then replaces
the manifest atomically, and only then removes older state folders. Whenever the process dies
(SIGKILL, power, a full disk), the manifest names a complete state: the previous one or the new
one, never a mix.
"""
import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
import time

import numpy as np

from ..corpus.vocab import Vocabulary
from ..io.atomic import atomic_output, check_writable
from . import losses
from .params import TrainParams
from .state import COUNTER_STRIDE, TrainState
from .weights import Weights

FORMAT = "w2vns-checkpoint"
VERSION = 1
MANIFEST = "checkpoint.json"
_STATE_NAME = re.compile(r"state-(\d{6,})\Z")
_TEMP_PREFIX = ".state-"


class CheckpointError(ValueError):
    """A checkpoint folder is missing, damaged, or does not fit the run."""


@dataclasses.dataclass
class Checkpoint:
    """What ``load`` returns: the vocabulary, both matrices, the parameters (a dict of
    ``TrainParams`` fields), the progress (a ``TrainState``, None for a saved model), the
    corpus identity, the caller's ``note``, and the loss's extras by name (NCE's
    ``output_bias``, ...)."""

    folder: str
    vocab: Vocabulary
    syn0: np.ndarray
    syn1neg: np.ndarray
    params: dict
    state: object
    corpus: dict
    note: dict
    complete: bool
    every: "str | None" = None
    extras: dict = dataclasses.field(default_factory=dict)

    @property
    def output_bias(self):
        """NCE's per-word output biases, or None."""
        return self.extras.get("output_bias")

    @property
    def weights(self):
        """The saved ``Weights``."""
        return Weights(self.syn0, self.syn1neg, dict(self.extras))


# ----------------------------------------------------------------------------------------------
# Schedule


_EVERY = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(epochs?|words?|w|s|sec|m|min|h)?\s*\Z", re.IGNORECASE)


def parse_every(text):
    """``"1epoch"``, ``"2epochs"``, ``"30s"``, ``"10m"``, ``"2h"``, ``"5000000"`` or
    ``"5000000words"`` -> ``(kind, amount)``, kind one of "epochs", "seconds", "words"."""
    match = _EVERY.match(str(text))
    if not match:
        raise ValueError("%r: expected Nepoch, N words, or a time such as 30s, 10m, 2h" % text)
    number, unit = float(match.group(1)), (match.group(2) or "words").lower()
    if number <= 0:
        raise ValueError("%r: the interval must be positive" % text)
    if unit.startswith("epoch"):
        return "epochs", number
    if unit in ("s", "sec", "m", "min", "h"):
        return "seconds", number * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]
    if number != int(number):
        raise ValueError("%r: a number of words must be whole" % text)
    return "words", int(number)


class Checkpointer:
    """Saves a training run's state into ``folder`` on a schedule (see ``parse_every``).

    Word and epoch intervals are anchored at multiples of the interval (so a resumed run
    checkpoints where the uninterrupted one would); time intervals count from the last save.
    The trainer calls ``due`` between blocks and ``save`` with every worker parked.
    """

    def __init__(self, folder, every, vocab, params, epoch_words, corpus=None, note=None):
        self.folder = os.fspath(folder)
        self.every = every
        kind, amount = parse_every(every)
        self.seconds = amount if kind == "seconds" else None
        self.words = None if kind == "seconds" else (
            max(1, int(round(amount * epoch_words))) if kind == "epochs" else amount)
        self.vocab, self.params, self.corpus, self.note = vocab, params, corpus, note
        self.epoch_words = epoch_words
        self._last_time = time.monotonic()
        self._last_words = 0
        self.saves = 0

    def due(self, words, now):
        """Whether a checkpoint should be taken now that ``words`` words are done."""
        if self.seconds is not None:
            return now - self._last_time >= self.seconds
        return words // self.words > self._last_words // self.words

    def start(self, words):
        """Count the next interval from ``words`` (a resumed run's starting point)."""
        self._last_words = words

    def save(self, weights, state):
        save(self.folder, self.vocab, weights, self.params, state, self.corpus, self.note,
             self.every)
        self._last_time = time.monotonic()
        self._last_words = state.words()
        self.saves += 1


# ----------------------------------------------------------------------------------------------
# Writing


def prepare_folder(folder, fresh=True):
    """Create ``folder`` if needed (its parent must exist) and check that it can be written.

    ``fresh=True`` (a new run) refuses a folder that already holds a checkpoint, so that a
    run never overwrites another one's progress by accident.
    """
    folder = os.fspath(folder)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise CheckpointError("%s: exists and is not a folder" % folder)
    if fresh and os.path.exists(os.path.join(folder, MANIFEST)):
        if _manifest_says_complete(folder):
            raise CheckpointError("%s already holds a finished run: train on from it with "
                                  "--init %s, or remove it" % (folder, folder))
        raise CheckpointError("%s already holds a checkpoint: continue it with --resume %s, or "
                              "remove it" % (folder, folder))
    parent = os.path.dirname(os.path.abspath(folder))
    if not os.path.isdir(parent):
        raise CheckpointError("%s: folder %s does not exist" % (folder, parent))
    try:
        os.makedirs(folder, exist_ok=True)
        check_writable(os.path.join(folder, MANIFEST))
    except OSError as err:
        raise CheckpointError("%s: cannot hold a checkpoint: %s"
                              % (folder, err.strerror or err)) from None


def _manifest_says_complete(folder):
    """Whether the manifest in ``folder`` marks a finished run or a saved model (False if it
    cannot be read: the caller's message then fits either way)."""
    try:
        with open(os.path.join(folder, MANIFEST), "rb") as handle:
            return json.loads(handle.read().decode("utf-8")).get("complete") is True
    except (OSError, ValueError, AttributeError):
        return False


def save(folder, vocab, weights, params, state=None, corpus=None, note=None, every=None):
    """Write one complete state into ``folder`` (created if needed) and make it current.

    ``weights``: ``Weights`` (both matrices and the loss's extras); ``params``: a dict of
    ``TrainParams`` fields; ``state``: a ``TrainState`` or None (a saved model: weights and
    vocabulary only); ``corpus``: how to find and recognise the corpus again; ``note``: any
    JSON-able dict the caller wants back from ``load``; ``every``: the schedule, kept for a
    resumed run.
    """
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    # Past every state folder there, not just the manifest's: a save that died between its
    # rename and the manifest left one behind.
    _read_manifest(folder, missing_ok=True)
    numbers = [int(m.group(1)) for m in map(_STATE_NAME.match, os.listdir(folder)) if m]
    number = 1 + max(numbers, default=0)
    name = "state-%06d" % number
    epochs = params["epochs"]
    complete = state is None or state.finished(epochs)
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "complete": complete,
        "vocab_size": len(vocab),
        "dim": int(weights.syn0.shape[1]),
        "params": params,
        "corpus": corpus or {},
        "note": note or {},
        "checkpoint_every": every,
        "progress": None if state is None else {
            "threads": state.threads,
            "nblocks": state.nblocks,
            "next_task": state.next_task,
            "pending": np.asarray(state.pending, dtype=np.int64).reshape(-1, 3).tolist(),
            "words_done": state.words_done.tolist(),
            "loss": state.loss.tolist(),
            "rng_state": [int(x) for x in state.rng_state],
            "train_seconds": state.train_seconds,
            "words": state.words(),
        },
        "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    temp = tempfile.mkdtemp(prefix=_TEMP_PREFIX + "%06d." % number, dir=folder)
    try:
        vocab.save_tsv(os.path.join(temp, "vocab.tsv"))
        arrays = [("syn0.npy", weights.syn0), ("syn1neg.npy", weights.syn1neg)]
        arrays += [(name + ".npy", array) for name, array in sorted(weights.extras.items())]
        for filename, array in arrays:
            with open(os.path.join(temp, filename), "wb") as out:
                np.save(out, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)
                out.flush()
                os.fsync(out.fileno())
        with open(os.path.join(temp, "state.json"), "w") as out:
            json.dump(meta, out, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o755 & ~_umask())
        os.rename(temp, os.path.join(folder, name))
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _fsync_folder(folder)
    with atomic_output(os.path.join(folder, MANIFEST), "w") as out:
        json.dump({"format": FORMAT, "version": VERSION, "state": name, "complete": complete},
                  out)
        out.write("\n")
    _fsync_folder(folder)
    _remove_old_states(folder, keep=name)
    return os.path.join(folder, name)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_folder(folder):
    """Make a rename durable (the folder's entry), where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_old_states(folder, keep):
    """Remove state folders other than ``keep`` and temporaries left by interrupted saves."""
    for entry in os.listdir(folder):
        if entry != keep and (_STATE_NAME.match(entry) or entry.startswith(_TEMP_PREFIX)):
            shutil.rmtree(os.path.join(folder, entry), ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# Reading


def _read_manifest(folder, missing_ok=False):
    """The current state folder's name, from the manifest (None if absent and missing_ok)."""
    path = os.path.join(folder, MANIFEST)
    if not os.path.isdir(folder):
        if os.path.exists(folder):
            raise CheckpointError("%s: not a folder; a checkpoint or saved model is a folder"
                                  % folder)
        raise CheckpointError("%s: no such folder" % folder)
    try:
        with open(path, "rb") as handle:
            manifest = json.loads(handle.read().decode("utf-8"))
    except FileNotFoundError:
        if missing_ok:
            return None
        raise CheckpointError("%s: not a w2vns checkpoint or saved model (no %s)"
                              % (folder, MANIFEST)) from None
    except (OSError, ValueError) as err:
        raise CheckpointError("%s: damaged checkpoint: %s: %s" % (folder, MANIFEST, err)) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CheckpointError("%s: %s is not a w2vns checkpoint manifest" % (folder, MANIFEST))
    if manifest.get("version") != VERSION:
        raise CheckpointError("%s: checkpoint version %r; this w2vns reads version %d"
                              % (folder, manifest.get("version"), VERSION))
    name = manifest.get("state")
    if not isinstance(name, str) or not _STATE_NAME.match(name):
        raise CheckpointError("%s: damaged checkpoint: bad state name %r" % (folder, name))
    return name


def load(folder, progress=True):
    """Read the current state of a checkpoint or saved-model folder; CheckpointError if it is
    missing or damaged (the message names the folder and what is wrong).

    ``progress=False`` skips the training progress (``state`` is None): for starting from the
    weights only (``--init``), which a checkpoint written by an older w2vns still allows.
    """
    folder = os.fspath(folder)
    name = _read_manifest(folder)
    where = os.path.join(folder, name)

    def damaged(what):
        return CheckpointError("%s: damaged checkpoint: %s" % (where, what))

    try:
        with open(os.path.join(where, "state.json"), "rb") as handle:
            meta = json.loads(handle.read().decode("utf-8"))
        vocab = Vocabulary.load_tsv(os.path.join(where, "vocab.tsv"))
        syn0 = _load_matrix(os.path.join(where, "syn0.npy"))
        syn1neg = _load_matrix(os.path.join(where, "syn1neg.npy"))
        extras = {name[:-4]: _load_matrix(os.path.join(where, name), ndim=None)
                  for name in sorted(os.listdir(where))
                  if name.endswith(".npy") and name not in ("syn0.npy", "syn1neg.npy")}
    except FileNotFoundError as err:
        raise damaged("%s is missing" % os.path.basename(err.filename or "a file")) from None
    except (OSError, ValueError, EOFError) as err:
        raise damaged(err) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise damaged("state.json is not a w2vns state")
    shape = (len(vocab), meta.get("dim"))
    for label, matrix in (("syn0", syn0), ("syn1neg", syn1neg)):
        if matrix.shape != shape:
            raise damaged("%s is %s, the vocabulary needs %s" % (label, matrix.shape, shape))
    params = meta.get("params")
    if not isinstance(params, dict) or params.get("dim") != shape[1]:
        raise damaged("state.json: bad parameters")
    if params.get("loss") == "nce" and "nce_bias" not in params:
        params["nce_bias"] = False  # saved before NCE had output biases: a bare-score model
    try:
        expected = {extra.name: extra.shape(*shape) for extra in _params_object(params).extras}
    except ValueError as err:  # an unknown loss
        raise damaged("state.json: %s" % err) from None
    missing, unexpected = sorted(set(expected) - set(extras)), sorted(set(extras) - set(expected))
    if missing:
        raise damaged("%s.npy is missing (the %s loss's %s)"
                      % (missing[0], params["loss"], missing[0]))
    if unexpected:
        raise damaged("%s.npy, but the %s loss with these parameters has no %s"
                      % (unexpected[0], params.get("loss"), unexpected[0]))
    for name, array in extras.items():
        if array.shape != tuple(expected[name]):
            raise damaged("%s is %s, the vocabulary needs %s" % (name, array.shape,
                                                                 tuple(expected[name])))
    state = None
    saved = meta.get("progress") if progress else None
    if isinstance(saved, dict) and "next_task" not in saved and "position" in saved:
        raise CheckpointError("%s: written by an older w2vns (per-thread positions); this one "
                              "cannot continue it: start the run again, or start from its "
                              "weights with --init" % folder)
    if saved is not None:
        state = _progress_state(saved, damaged)
    return Checkpoint(folder=folder, vocab=vocab, syn0=syn0, syn1neg=syn1neg, params=params,
                      state=state, corpus=meta.get("corpus") or {}, note=meta.get("note") or {},
                      complete=bool(meta.get("complete")), every=meta.get("checkpoint_every"),
                      extras=extras)


def _params_object(params):
    """A ``TrainParams`` for a saved parameter dict, without validating it (only the loss
    and its options are read): names it does not know are left out, missing ones default."""
    known = {f.name for f in dataclasses.fields(TrainParams)}
    values = {k: v for k, v in params.items() if k in known}
    losses.get(values.get("loss", "sgns"))
    return TrainParams(**values)


def _progress_state(saved, damaged):
    """The ``TrainState`` of a state.json's "progress", checked for consistency."""
    try:
        threads = int(saved["threads"])
        pending = np.array(saved["pending"], dtype=np.int64)
        if pending.size == 0:
            pending = pending.reshape(0, 3)
        state = TrainState(
            next_task=int(saved["next_task"]),
            nblocks=int(saved["nblocks"]),
            pending=pending,
            words_done=np.array(saved["words_done"], dtype=np.int64),
            loss=np.array(saved["loss"], dtype=np.float64),
            rng_state=np.array(saved["rng_state"], dtype=np.uint64),
            train_seconds=float(saved["train_seconds"]))
    except (KeyError, TypeError, ValueError, OverflowError) as err:
        raise damaged("state.json: bad progress: %s" % err) from None
    if not (threads >= 1 and state.words_done.shape == state.loss.shape
            == state.rng_state.shape == (threads * COUNTER_STRIDE,)):
        raise damaged("state.json: progress arrays do not agree on %d threads" % threads)
    if not (state.nblocks >= 1 and state.next_task >= 0 and pending.ndim == 2
            and pending.shape[1] == 3 and (pending >= 0).all()):
        raise damaged("state.json: bad task queue (next_task %d, %d blocks, pending %s)"
                      % (state.next_task, state.nblocks, "x".join(map(str, pending.shape))))
    return state


def _read_meta(folder, key):
    """One entry of the current state's state.json, without loading the matrices."""
    where = os.path.join(os.fspath(folder), _read_manifest(os.fspath(folder)))
    try:
        with open(os.path.join(where, "state.json"), "rb") as handle:
            return json.loads(handle.read().decode("utf-8")).get(key)
    except (OSError, ValueError, AttributeError) as err:
        raise CheckpointError("%s: damaged checkpoint: state.json: %s" % (where, err)) from None


def read_note(folder):
    """The ``note`` stored with the current state, without loading the matrices."""
    note = _read_meta(folder, "note")
    return note if isinstance(note, dict) else {}


def read_corpus_paths(folder):
    """The paths of the corpus files the run or saved model in ``folder`` was trained on
    (empty when they were not recorded: stdin, URLs, Python sentences, older folders)."""
    corpus = _read_meta(folder, "corpus")
    files = corpus.get("files") if isinstance(corpus, dict) else None
    return [entry["path"] for entry in files or () if isinstance(entry, dict)
            and isinstance(entry.get("path"), str)]


def _load_matrix(path, ndim=2):
    """A float32 .npy array of ``ndim`` dimensions (None: any), C-contiguous."""
    array = np.load(path, allow_pickle=False)
    if array.dtype != np.float32 or (ndim is not None and array.ndim != ndim):
        raise ValueError("%s: expected a %sfloat32 array, found %s %s"
                         % (os.path.basename(path), "%d-D " % ndim if ndim else "",
                            array.dtype, array.shape))
    return np.ascontiguousarray(array)


# ----------------------------------------------------------------------------------------------
# Corpus identity


def describe_corpus(corpus):
    """What a checkpoint records to find the corpus again: absolute paths with size and mtime
    (None for stdin, URLs or Python sentences: those must be given again on resume)."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        corpus = [corpus]
    files = []
    for path in corpus:
        path = os.fspath(path)
        if path == "-" or "://" in path:
            return None
        info = os.stat(path)
        files.append({"path": os.path.abspath(path), "size": info.st_size,
                      "mtime_ns": info.st_mtime_ns})
    return files


def changed_files(files):
    """The recorded files that are missing or whose size or mtime differ now."""
    changed = []
    for entry in files:
        try:
            info = os.stat(entry["path"])
        except OSError:
            changed.append("%s (missing)" % entry["path"])
            continue
        if info.st_size != entry["size"] or info.st_mtime_ns != entry["mtime_ns"]:
            changed.append("%s (size or time changed)" % entry["path"])
    return changed
