"""The library's entry points: ``train`` a model on a corpus, ``resume`` an interrupted run,
``train_encoded`` on an already encoded corpus (several runs over the same data)."""
import contextlib
import dataclasses
import os

from ..corpus.encode import encode_corpus, is_corpus_paths
from ..corpus.phrases import Phrases
from . import checkpoint as ckpt
from .backend import TrainJob
from .model import Word2VecModel
from .params import TrainParams
from .progress import Progress
from .threads import ThreadBackend
from .weights import TrainingDiverged, all_finite, compact_rows, grown_weights, initial_weights


def _check_names(params):
    """TypeError for a keyword argument that is not a training parameter."""
    unknown = set(params) - {f.name for f in dataclasses.fields(TrainParams)}
    if unknown:
        raise TypeError("unknown training parameter(s): %s" % ", ".join(sorted(unknown)))


def _check_params(params):
    """Resolved, validated ``TrainParams`` from keyword arguments (TypeError for a name that
    is not a parameter, ValueError for a bad value)."""
    _check_names(params)
    return TrainParams(**params).validate().resolved()


def phrase_rewrite(params):
    """What ``encode_corpus`` applies to the encoded corpus for ``params.phrases`` (None when 0):
    phrase detection in that many passes, with the vocabulary's ``min_count``."""
    if not params.phrases:
        return None
    return Phrases(min_count=params.min_count, threshold=params.phrase_threshold,
                   passes=params.phrases).learn_encoded


def train(corpus, progress=None, cache_dir=None, checkpoint=None, checkpoint_every="1epoch",
          init=None, note=None, backend=None, **params):
    """Train skip-gram with negative sampling on ``corpus``; return a ``Word2VecModel``.

    ``corpus``: a path (``-`` for stdin, a URL; gzip/bzip2/xz/zstd by content), a list
    of paths, or an iterable of sentences (str lines or lists of str tokens). ``params`` are
    ``TrainParams`` fields (dim, window, negative, sample, min_count, max_vocab, epochs, alpha,
    min_alpha, noise_power, threads, seed, phrases, ...); bad values raise ValueError before
    any work. ``phrases=N`` joins phrases (``corpus.phrases``) in N passes over the encoded
    corpus before the vocabulary is chosen: the text is still read and tokenized once.

    ``checkpoint``: a folder to save the run's state in, every ``checkpoint_every`` ("1epoch",
    "10m", N words: see ``checkpoint.parse_every``), at the end, and when interrupted; continue
    it with ``resume``. ``note``: a JSON-able dict stored with it.

    ``init``: a checkpoint or saved-model folder to start from (continued training): its words
    keep their vectors, the corpus's words that reach ``min_count`` are added with fresh ones,
    and the parameters not given default to the saved model's. The learning rate decays from
    ``alpha`` over this corpus, as in a fresh run.

    ``progress``: a ``Progress`` to report to. ``backend``: what runs the training (a
    ``Backend``; default: worker threads on this machine, ``ThreadBackend``).
    """
    fields = {f.name for f in dataclasses.fields(TrainParams)}
    _check_names(params)  # before the saved model is read
    start_from = None
    if init is not None:
        start_from = ckpt.load(init, progress=False)
        saved = start_from.params
        if "dim" in params and params["dim"] != saved["dim"]:
            raise ValueError("dim must be %d, the dimension of the model in %s (got %r)"
                             % (saved["dim"], init, params["dim"]))
        # min_alpha and threads are derived from alpha and the machine: not inherited.
        inherited = {k: saved[k] for k in fields - {"min_alpha", "threads"} if k in saved}
        params = dict(inherited, **params)
    p = _check_params(params)
    progress = progress or Progress()
    created = checkpoint is not None and not os.path.exists(checkpoint)
    if checkpoint is not None:
        ckpt.parse_every(checkpoint_every)  # a bad schedule fails before any work
        ckpt.prepare_folder(checkpoint, fresh=True)
    try:
        encoded = encode_corpus(corpus, p.min_count, p.max_vocab, cache_dir=cache_dir,
                                progress=progress.counting,
                                vocabulary=start_from.vocab if start_from else None, grow=True,
                                rewrite=phrase_rewrite(p))
        counts = encoded.vocab.counts
        p.check_vocabulary(len(counts))
        weights = (grown_weights(start_from, encoded.origin, counts, p) if start_from
                   else initial_weights(counts, p))
        checkpointer = None
        files = ckpt.describe_corpus(corpus) if is_corpus_paths(corpus) else None
        if checkpoint is not None:
            corpus_id = dict(encoded.identity(), files=files)
            checkpointer = ckpt.Checkpointer(checkpoint, checkpoint_every, encoded.vocab,
                                             dataclasses.asdict(p), encoded.tokens, corpus_id,
                                             note)
        model = _run(backend, TrainJob(p, encoded, weights, progress), None, checkpointer)
        model.report["corpus_files"] = files
        return model
    except BaseException:
        if created:  # a run that failed before its first checkpoint leaves no empty folder
            with contextlib.suppress(OSError):
                os.rmdir(checkpoint)
        raise


def resume(folder, corpus=None, progress=None, cache_dir=None, checkpoint_every=None,
           backend=None):
    """Continue the run whose checkpoint is in ``folder``; return its ``Word2VecModel``.

    The corpus is read again from the paths the checkpoint recorded (pass ``corpus`` when the
    run read stdin or Python sentences, or the files moved); it must be the same corpus (the
    encoded stream's length and checksum are compared). The run goes on with its own
    parameters and thread count, and keeps checkpointing into ``folder``. With one thread, the
    result is byte-identical to the run's had it not been interrupted.

    A run that had already finished is not trained again (nor its corpus read): the model is
    its final state, and ``report["already_complete"]`` is True, with the figures of the
    original run (``train_seconds``: the time it trained, ``words_done``, ``threads``).
    """
    saved = ckpt.load(folder)
    if saved.state is None:
        raise ckpt.CheckpointError("%s: a saved model, not a run's checkpoint: continue "
                                   "training from it with --init" % folder)
    if saved.complete and saved.state.finished(saved.params["epochs"]):
        return _finished_model(saved)
    recorded = saved.corpus.get("files")
    if corpus is None:
        if not recorded:
            raise ckpt.CheckpointError("%s: the run read stdin or Python sentences; give the "
                                       "corpus again" % folder)
        changed = ckpt.changed_files(recorded)
        if changed:
            raise ckpt.CheckpointError("the corpus changed since the checkpoint: %s"
                                       % ", ".join(changed))
        corpus = [entry["path"] for entry in recorded]
    p = TrainParams(**saved.params).validate().resolved()
    progress = progress or Progress()
    encoded = encode_corpus(corpus, p.min_count, p.max_vocab, cache_dir=cache_dir,
                            progress=progress.counting, vocabulary=saved.vocab,
                            rewrite=phrase_rewrite(p))
    p.check_vocabulary(len(encoded.vocab))
    identity = encoded.identity()
    expected = {k: saved.corpus.get(k) for k in identity}
    if identity != expected:
        raise ckpt.CheckpointError("%s: this is not the corpus the run trained on (its encoded "
                                   "form differs: %s, expected %s)" % (folder, identity, expected))
    checkpointer = ckpt.Checkpointer(folder, checkpoint_every or saved.every or "1epoch",
                                     saved.vocab, saved.params, encoded.tokens, saved.corpus,
                                     saved.note)
    checkpointer.start(saved.state.words())
    model = _run(backend, TrainJob(p, encoded, saved.weights, progress), saved.state,
                 checkpointer)
    model.report["corpus_files"] = recorded
    return model


def _finished_model(saved):
    """The model of a checkpoint whose run had finished, with the original run's figures."""
    params = TrainParams(**saved.params).validate()
    vocab, state, weights = saved.vocab, saved.state, saved.weights
    report = {
        "already_complete": True,
        "vocab_size": len(vocab),
        "distinct_words": vocab.distinct_words,
        "tokens": vocab.total_tokens,
        "retained_tokens": vocab.retained_tokens,
        "epochs": params.epochs,
        "train_seconds": state.train_seconds,
        "threads": state.threads,
        "words_done": state.words(),
        "words_per_sec": vocab.total_tokens * params.epochs / max(state.train_seconds, 1e-9),
        "params": dataclasses.asdict(params),
        "corpus_files": saved.corpus.get("files"),
    }
    return Word2VecModel(vocab, weights.syn0, weights.syn1neg, params, report, weights.extras)


def _run(backend, job, state, checkpointer):
    """Run ``job`` on ``backend`` (default: threads) and make the model of its result."""
    stats = (backend or ThreadBackend()).run(job, state, checkpointer)
    weights = job.weights
    arrays = [weights.syn0, weights.syn1neg] + list(weights.extras.values())
    if not all(all_finite(array) for array in arrays):
        raise TrainingDiverged("training diverged: the weights hold NaN or infinite values "
                               "(a lower --alpha avoids it)")
    encoded, params = job.encoded, job.params
    vocab = encoded.vocab
    epochs = params.epochs
    report = {
        "vocab_size": len(vocab),
        "distinct_words": vocab.distinct_words,
        "tokens": vocab.total_tokens,
        "retained_tokens": encoded.tokens,
        "sentences": encoded.sentences,
        "truncated_tokens": encoded.truncated_tokens,
        "epochs": epochs,
        "count_seconds": encoded.seconds,
        **stats,
        "words_per_sec": vocab.total_tokens * epochs / max(stats["train_seconds"], 1e-9),
        "params": dataclasses.asdict(params),
    }
    return Word2VecModel(vocab, compact_rows(weights.syn0), weights.syn1neg, params, report,
                         weights.extras)


def train_encoded(encoded, progress=None, **params):
    """Train on an already encoded corpus (``corpus.encode_corpus``); return a ``Word2VecModel``.

    For several runs over the same data (``w2vns tune``): the text is counted once.
    ``min_count`` and ``max_vocab`` were applied when encoding; here they are only recorded.
    """
    p = _check_params(params)
    p.check_vocabulary(len(encoded.vocab))
    job = TrainJob(p, encoded, initial_weights(encoded.vocab.counts, p), progress or Progress())
    return _run(None, job, None, None)
