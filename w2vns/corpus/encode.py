"""Corpus input: open paths, stdin, compressed files and URLs; encode text into word ids.

The counting pass reads the text once, in chunks of bytes (no decoding: words are bytes kept as
they are), and turns it into a uint32 id stream in a temporary file that the training epochs
memory-map, so stdin and compressed input work for any number of epochs and the text is never
tokenized twice.
"""
import mmap
import os
import tempfile
import time
import zlib

import numpy as np

from ..io.compression import READ_ERRORS, unsupported
from ..io.files import open_input
from ._encode import (DROPPED, MAX_SENTENCE_LENGTH, MAX_TOKEN_BYTES, SENTENCE_END, Encoder,
                      remap_range)
from ._phrases import count_unigrams
from .vocab import Vocabulary

#: Bytes read per chunk: large enough to amortise Python overhead, small enough for the cache.
CHUNK_BYTES = 1 << 20
#: Ids remapped per step of the final pass; the pages behind each step are released after it.
REMAP_STEP = 1 << 20
class CorpusError(ValueError):
    """The corpus cannot be used (empty, nothing reaches min_count, unreadable)."""


def open_source(path):
    """Open one corpus input for binary reading: a path, ``-`` (stdin) or a URL, compressed
    or not (see :func:`w2vns.io.files.open_input`: the content tells the compression)."""
    return open_input(path)


def _iter_sentence_chunks(sentences, chunk_bytes=CHUNK_BYTES):
    """Turn an iterable of sentences (str lines, bytes lines, or lists of tokens) into chunks."""
    parts, size = [], 0
    for sentence in sentences:
        if isinstance(sentence, bytes):
            line = sentence
        elif isinstance(sentence, str):
            line = sentence.encode("utf-8", "surrogateescape")
        else:
            line = " ".join(sentence).encode("utf-8", "surrogateescape")
        parts.append(line)
        parts.append(b"\n")
        size += len(line) + 1
        if size >= chunk_bytes:
            yield b"".join(parts)
            parts, size = [], 0
    if parts:
        yield b"".join(parts)


class EncodedCorpus:
    """The corpus as word ids: ``stream`` (uint32, memory-mapped) and its ``vocab``.

    Sentences end with ``SENTENCE_END`` (0xFFFFFFFF). The backing file is anonymous (created with
    ``tempfile.TemporaryFile``), so it disappears when the process ends, however it ends.
    ``tokens`` is the number of word ids in the stream (the kept tokens one epoch trains on);
    ``truncated_tokens`` how many over-long tokens were cut to ``MAX_TOKEN_BYTES``; ``crc32``
    the stream's checksum (a resumed run checks it found the same corpus); ``origin`` (only
    when a vocabulary was grown) the id each word had in that vocabulary, -1 for new words.

    The mapping is shared with the file, so the pages a reader is done with can be dropped from
    the process (``release``) without losing data: memory then holds the vocabulary and the
    weights, not the corpus.
    """

    SENTENCE_END = SENTENCE_END

    def __init__(self, stream, vocab, sentences, seconds, mapping=None, truncated_tokens=0,
                 crc32=None, origin=None):
        self.stream = stream
        self.vocab = vocab
        self.sentences = sentences
        self.seconds = seconds
        self.tokens = len(stream) - sentences
        self.truncated_tokens = truncated_tokens
        self.crc32 = crc32
        self.origin = origin
        self._mapping = mapping

    def identity(self):
        """What identifies this encoded corpus (recorded in checkpoints)."""
        return {"tokens": self.tokens, "sentences": self.sentences, "length": len(self.stream),
                "crc32": self.crc32}

    def __len__(self):
        return len(self.stream)

    def release(self, start, end, behind=False):
        """Drop the pages holding stream[start:end] from this process's memory (see
        ``_release``); not the data: the next read faults them back in from the page cache or
        the file. ``behind=True`` for a reader that goes on from ``end``."""
        _release(self._mapping, 4 * start, 4 * end, behind)


#: A read fault maps more than the page it reads: Linux maps the pages around it
#: (fault-around) or the whole large folio holding it, up to 2 MB. Releases therefore work on
#: 2 MB windows.
_RELEASE_ALIGN = 1 << 21


def _release(mapping, start, end, behind=False):
    """madvise(MADV_DONTNEED) over bytes [start, end) of a shared mapping, widened to whole
    2 MB windows; with ``behind``, up to the window holding ``end`` only (a reader moving
    forward keeps the window it is in). Harmless for data: the pages stay in the file and fault
    back in when read."""
    advice = getattr(mmap, "MADV_DONTNEED", None)
    if mapping is None or advice is None:
        return
    start -= start % _RELEASE_ALIGN
    end = end - end % _RELEASE_ALIGN if behind else end + (-end) % _RELEASE_ALIGN
    end = min(len(mapping), end)
    if end > start:
        try:
            mapping.madvise(advice, start, end - start)
        except (OSError, ValueError):  # only an optimisation; some systems refuse it
            pass


def is_corpus_paths(corpus):
    """True when ``corpus`` names files (a path or a list of paths) rather than sentences."""
    if isinstance(corpus, (str, bytes, os.PathLike)):
        return True
    return isinstance(corpus, (list, tuple)) and bool(corpus) and all(
        isinstance(c, (str, os.PathLike)) for c in corpus) and all(
        os.fspath(c) == "-" or os.path.exists(c) or "://" in os.fspath(c) for c in corpus)


def encode_corpus(corpus, min_count=5, max_vocab=None, cache_dir=None, progress=None,
                  vocabulary=None, grow=False, rewrite=None):
    """Count and encode a corpus in one streaming pass.

    ``corpus`` is a path, ``-``, a list of paths, or an iterable of sentences (str lines or
    token lists). ``progress`` is an optional callable ``(bytes_done, bytes_total)`` called as
    the pass goes. Returns an ``EncodedCorpus``; raises ``CorpusError`` when nothing is left.

    ``vocabulary`` (a ``Vocabulary``) fixes the words instead of choosing them from the counts:
    tokens of other words are dropped (a resumed run). With ``grow=True`` the corpus's own words
    that reach ``min_count`` are added to it (continued training, see ``Vocabulary.merged``).

    ``rewrite(encoder, stream, n)``, when given, rewrites the encoded ids ``stream[:n]`` in place
    before the vocabulary is chosen and returns their new number (phrase detection:
    ``Phrases.learn_encoded``); the counts are then those of the rewritten stream.
    """
    start = time.perf_counter()
    encoder = Encoder(MAX_SENTENCE_LENGTH, MAX_TOKEN_BYTES)
    out = np.empty(CHUNK_BYTES + 2, dtype=np.uint32)
    if vocabulary is not None:
        _seed(encoder, vocabulary, out)
    seeded = (len(vocabulary) if vocabulary is not None else 0, encoder.tokens)
    cache = tempfile.TemporaryFile(prefix="w2vns-cache-", dir=cache_dir)
    try:
        if is_corpus_paths(corpus):
            paths = [corpus] if isinstance(corpus, (str, bytes, os.PathLike)) else list(corpus)
            _encode_paths(encoder, paths, out, cache, progress)
        else:
            for chunk in _iter_sentence_chunks(corpus):
                if len(chunk) + 2 > len(out):
                    out = np.empty(len(chunk) + 2, dtype=np.uint32)
                cache.write(out[:encoder.encode(chunk, out)])
            cache.write(out[:encoder.finish(out)])
        counts = _rewrite(encoder, cache, rewrite) if rewrite is not None else None
        return _finish(encoder, cache, min_count, max_vocab, start, vocabulary, grow, seeded,
                       counts)
    finally:
        cache.close()  # the memory map made in _finish keeps the data alive


def _encode_paths(encoder, paths, out, cache, progress):
    done_before = 0
    sources_total = 0
    for path in paths:
        source = open_source(path)
        try:
            sources_total += source.size or 0
            for piece in text_pieces(source):
                cache.write(out[:encoder.encode(piece, out)])
                if progress is not None:
                    progress(done_before + (source.position() or 0), sources_total or None)
            cache.write(out[:encoder.finish(out)])
            done_before += source.position() or 0
        finally:
            source.close()


def text_pieces(source, size=CHUNK_BYTES):
    """The bytes of an open input (``open_source``) in pieces of up to ``size``, each
    checked to be text (``check_text``); a read that fails raises :func:`read_error`'s
    error. The pieces share one buffer: each is valid until the next."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    offset = 0
    while True:
        try:
            n = source.stream.readinto(view)
        except READ_ERRORS as err:
            raise read_error(source.name, err) from None
        if not n:
            return
        check_text(source.name, buffer, offset, n)
        offset += n
        yield view[:n]


def read_error(name, err):
    """What a failed read of input ``name`` raises: ``err`` itself for a missing file, a
    directory, no permission and a closed pipe (the command line says those in its own
    words), else a ``CorpusError`` "NAME: cannot read: reason" (damaged compressed data, a
    device error, a URL that stops answering)."""
    if isinstance(err, (FileNotFoundError, IsADirectoryError, PermissionError, BrokenPipeError)):
        return err
    return CorpusError("%s: cannot read: %s" % (name, err.strerror or err))


def check_text(name, data, offset=0, n=None, what="w2vns reads text, one sentence per line"):
    """Raise CorpusError if ``data[:n]`` (bytes of input ``name`` from byte ``offset`` on) is
    not text: an archive w2vns does not open (at offset 0), or any NUL byte, which text never
    holds. ``what`` says what the input should be."""
    head = unsupported(data[:16]) if offset == 0 else None
    if head:
        raise CorpusError("%s: %s (w2vns reads text, plain or gzip, bzip2, xz or zstd "
                          "compressed)" % (name, head))
    nul = data.find(0, 0, len(data) if n is None else n)
    if nul >= 0:
        raise CorpusError("%s: binary data (a NUL byte at byte %d): %s"
                          % (name, offset + nul, what))


def _seed(encoder, vocabulary, out):
    """Intern a vocabulary's words first, so that they get provisional ids 0..V-1."""
    words = vocabulary.words
    for begin in range(0, len(words), 1 << 16):
        chunk = b"\n".join(words[begin:begin + (1 << 16)]) + b"\n"
        if len(chunk) + 2 > len(out):
            out = np.empty(len(chunk) + 2, dtype=np.uint32)
        encoder.encode(chunk, out)
    if encoder.vocab_size != len(words) or encoder.tokens != len(words):
        raise CorpusError("the saved vocabulary is damaged: its words are not distinct "
                          "whitespace-free tokens")


def _rewrite(encoder, cache, rewrite):
    """Apply ``rewrite`` to the ids in ``cache`` (cut to their new length); return the counts
    of the rewritten ids."""
    cache.flush()
    n = cache.seek(0, os.SEEK_END) // 4
    if n:
        mapping = mmap.mmap(cache.fileno(), 4 * n)
        try:
            stream = np.frombuffer(mapping, dtype=np.uint32)
            n = rewrite(encoder, stream, n)
            counts = count_unigrams(stream[:n], encoder.vocab_size)
            del stream
        finally:
            try:
                mapping.close()
            except BufferError:  # an exception's traceback still holds views of it
                pass
        cache.truncate(4 * n)
    else:
        counts = np.zeros(encoder.vocab_size, dtype=np.int64)
    return counts


def _finish(encoder, cache, min_count, max_vocab, start, vocabulary=None, grow=False,
            seeded=(0, 0), counts=None):
    if counts is None:
        counts = encoder.counts()
        counts[:seeded[0]] -= 1  # the seeding occurrences
    if encoder.tokens == seeded[1]:
        raise CorpusError("the corpus is empty: no tokens found")
    origin = None
    if vocabulary is None:
        vocab, remap = Vocabulary.from_counts(encoder.words, counts, min_count, max_vocab)
        if len(vocab) == 0:
            raise CorpusError(
                "no word reaches --min-count %d: %d distinct words, the most frequent occurs %d "
                "times" % (min_count, len(counts), counts.max()))
    elif grow:
        vocab, remap, origin = Vocabulary.merged(vocabulary, encoder.words, counts, min_count,
                                                 max_vocab)
    else:
        vocab = Vocabulary(vocabulary.words, vocabulary.counts, total_tokens=int(counts.sum()),
                           distinct_words=int(np.count_nonzero(counts)))
        remap = np.full(len(counts), DROPPED, dtype=np.uint32)
        remap[:len(vocab)] = np.arange(len(vocab), dtype=np.uint32)
    cache.flush()
    n = cache.seek(0, os.SEEK_END) // 4
    # A shared mapping (MAP_SHARED): released pages keep their data in the file.
    mapping = mmap.mmap(cache.fileno(), 4 * n)
    stream = np.frombuffer(mapping, dtype=np.uint32)
    k = sentence_len = sentences = crc = 0
    for begin in range(0, n, REMAP_STEP):
        done = k
        k, sentence_len, ended = remap_range(stream, remap, begin, min(n, begin + REMAP_STEP),
                                             k, sentence_len)
        sentences += ended
        crc = zlib.crc32(stream[done:k], crc)  # stream[:k] is final
        # Everything this step touched: read from ``begin`` on, written from ``done`` on.
        _release(mapping, 4 * done, 4 * min(n, begin + REMAP_STEP))
    if k == 0:
        raise CorpusError("no token of the corpus is in the vocabulary")
    return EncodedCorpus(stream[:k], vocab, sentences, time.perf_counter() - start, mapping,
                         encoder.truncated_tokens, crc, origin)
