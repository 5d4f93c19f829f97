"""Checkpoints of a distributed run, in a folder (or URL) that the workers and the client reach.

Layout::

    DIR/checkpoint.json      the manifest: names the current state folder; written last
    DIR/state-000007/        one complete state:
        vocab.tsv            word<TAB>count, in id order
        syn0-00003.npy       input block 3 (its rows in block order), written by a worker
        syn1neg-00003.npy    output block 3 (in the dealing state.json names)
        state.json           parameters, blocks, rounds, shards, progress (next round, words),
                             the key of the output rows' dealing (null: boustrophedon)

No process ever holds the whole model to save it: each worker writes the blocks it has. A state
folder is new for every save and the manifest is replaced (atomically on a local disk, as one
object on a store) only once everything in it is written, so the manifest always names a
complete state. The blocks are then read back from the files by tasks that the next rounds
depend on: Dask's lineage stops at the checkpoint, and a worker lost later is recomputed from
there, not from the start of the run.
"""
import io
import json
import os
import posixpath
import time

import numpy as np

from ..corpus.vocab import Vocabulary
from ..io.atomic import atomic_output
from ..training.checkpoint import CheckpointError, parse_every
from ..training.weights import padded_matrix
from .errors import gather

FORMAT = "w2vns-dask-checkpoint"
VERSION = 1
MANIFEST = "checkpoint.json"


def _fs(path):
    import fsspec  # comes with dask

    fs, _, (root,) = fsspec.get_fs_token_paths(path)
    return fs, root


def _is_local(path):
    return "://" not in path or path.startswith("file://")


def join(folder, *names):
    return os.path.join(folder, *names) if _is_local(folder) else posixpath.join(folder, *names)


def _parent(path, root):
    return os.path.dirname(root) if _is_local(path) else posixpath.dirname(root)


def block_name(matrix, block):
    return "%s-%05d.npy" % (matrix, block)


def save_block(block, path):
    """Write one block as .npy to ``path`` (a local path or a URL); runs on a worker."""
    fs, root = _fs(path)
    fs.makedirs(_parent(path, root), exist_ok=True)
    with fs.open(root, "wb") as out:
        np.save(out, np.ascontiguousarray(block))
    return path


def load_block(path, saved=None):
    """Read a block written by ``save_block`` (``saved``: the save task this read waits for)."""
    fs, root = _fs(path)
    with fs.open(root, "rb") as handle:
        block = np.load(io.BytesIO(handle.read()))
    out = padded_matrix(*block.shape)
    out[:] = block
    return out


def write_text(path, text):
    """Write a small text file: atomically on a local disk, as one object on a store."""
    if _is_local(path):
        with atomic_output(path, "w") as out:
            out.write(text)
        return
    fs, root = _fs(path)
    with fs.open(root, "w") as out:
        out.write(text)


def read_text(path):
    fs, root = _fs(path)
    with fs.open(root, "r") as handle:
        return handle.read()


def write_vocab(path, vocab):
    buffer = io.BytesIO()
    for word, count in zip(vocab.words, vocab.counts.tolist()):
        buffer.write(word + b"\t" + str(count).encode() + b"\n")
    fs, root = _fs(path)
    fs.makedirs(_parent(path, root), exist_ok=True)
    with fs.open(root, "wb") as out:
        out.write(buffer.getvalue())


def load_vocab(path, total_tokens=None, distinct_words=None):
    """A vocabulary written by ``write_vocab`` (runs on a worker or the client)."""
    fs, root = _fs(path)
    words, counts = [], []
    with fs.open(root, "rb") as handle:
        for number, line in enumerate(handle, 1):
            word, sep, count = line.rstrip(b"\r\n").rpartition(b"\t")
            if not sep or not count.isdigit() or not word:
                raise CheckpointError("%s:%d: expected word<TAB>count" % (path, number))
            words.append(word)
            counts.append(int(count))
    return Vocabulary(words, counts, total_tokens=total_tokens, distinct_words=distinct_words)


class DaskCheckpointer:
    """Saves a distributed run's state when due (``every``: Nepoch, a time, N words)."""

    def __init__(self, backend, folder, every, vocab, info, saves=0):
        self.backend = backend
        self.folder = folder
        self.every = every
        self.kind, self.amount = parse_every(every)
        self.vocab = vocab
        self.info = info          # what state.json records besides progress
        self.saves = saves
        self.last_time = time.monotonic()
        self.last_words = 0.0
        self.last_seconds = 0.0

    def due(self, boundary, words):
        """Whether to save at the end of round ``boundary`` (rounds counted from the start),
        ``words`` trained by then."""
        if self.kind == "epochs":
            per = max(1, int(round(self.amount * self.backend.rounds)))
            return boundary % per == 0
        if self.kind == "seconds":
            return time.monotonic() - self.last_time >= self.amount
        return words - self.last_words >= self.amount

    def save(self, syn0, syn1, dealing, state):
        """Write the blocks (on the workers; the output blocks dealt by key ``dealing``) and
        the state (here), then replace the manifest; return the blocks as futures that read
        the files back."""
        began = time.perf_counter()
        self.saves += 1
        name = "state-%06d" % self.saves
        folder = join(self.folder, name)
        b = self.backend
        syn1 = b.whole_blocks(syn1)
        saved0 = [b._submit(save_block, f, join(folder, block_name("syn0", k)), block=k)
                  for k, f in enumerate(syn0)]
        saved1 = [b._submit(save_block, f, join(folder, block_name("syn1neg", k)), block=k)
                  for k, f in enumerate(syn1)]
        write_vocab(join(folder, "vocab.tsv"), self.vocab)
        gather(b.client, saved0 + saved1)
        record = dict(self.info, format=FORMAT, version=VERSION, next_round=state.next_round,
                      words=state.words, train_seconds=state.train_seconds, pairs=state.pairs,
                      loss=state.loss, saves=self.saves, every=self.every,
                      output_dealing=dealing)
        write_text(join(folder, "state.json"), json.dumps(record, indent=1) + "\n")
        previous = self.saves - 1
        write_text(join(self.folder, MANIFEST),
                   json.dumps({"format": FORMAT, "version": VERSION, "state": name}) + "\n")
        if previous:
            self._remove(join(self.folder, "state-%06d" % previous))
        loaded0 = [b._submit(load_block, path, block=k) for k, path in enumerate(saved0)]
        loaded1 = [b._submit(load_block, path, block=k) for k, path in enumerate(saved1)]
        self.last_time = time.monotonic()
        self.last_words = state.words
        self.last_seconds = time.perf_counter() - began
        return loaded0, loaded1

    @staticmethod
    def _remove(folder):
        try:
            fs, root = _fs(folder)
            fs.rm(root, recursive=True)
        except (OSError, ValueError):
            pass  # an old state left behind costs space, never correctness


def read_checkpoint(folder):
    """The manifest's state: ``(state folder, state dict, vocabulary)``; CheckpointError if
    the folder holds no distributed run's checkpoint."""
    try:
        manifest = json.loads(read_text(join(folder, MANIFEST)))
    except FileNotFoundError:
        raise CheckpointError("%s: no checkpoint here (no %s)" % (folder, MANIFEST)) from None
    except (OSError, ValueError) as err:
        raise CheckpointError("%s: unreadable checkpoint: %s" % (folder, err)) from None
    if manifest.get("format") != FORMAT:
        raise CheckpointError("%s: not a distributed run's checkpoint (resume it without "
                              "--dask)" % folder)
    state_folder = join(folder, manifest["state"])
    try:
        state = json.loads(read_text(join(state_folder, "state.json")))
        vocab = load_vocab(join(state_folder, "vocab.tsv"), state.get("vocab_tokens"),
                           state.get("distinct_words"))
    except (OSError, ValueError) as err:
        raise CheckpointError("%s: damaged checkpoint: %s" % (folder, err)) from None
    return state_folder, state, vocab


def is_dask_checkpoint(folder):
    """Whether ``folder`` holds a distributed run's checkpoint (False if unreadable)."""
    try:
        return json.loads(read_text(join(folder, MANIFEST))).get("format") == FORMAT
    except (OSError, ValueError):
        return False


def read_note(folder):
    """The note (the CLI's output options) that the run stored with its checkpoint."""
    try:
        manifest = json.loads(read_text(join(folder, MANIFEST)))
        state = json.loads(read_text(join(folder, manifest["state"], "state.json")))
    except (OSError, ValueError, KeyError) as err:
        raise CheckpointError("%s: no readable distributed checkpoint: %s" % (folder, err)) \
            from None
    return state.get("note") or {}
