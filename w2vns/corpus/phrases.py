"""Phrase detection: join frequent collocations ("new york" -> "new_york") into single tokens.

The method is word2phrase's (Mikolov et al. 2013, "Distributed Representations of Words and
Phrases and their Compositionality"): count unigrams and the bigrams inside each line, score
every bigram, and rewrite the text joining the bigrams whose score passes a threshold. Running
it again on its own output (``passes=2``) joins phrases with further words: trigrams and longer.

Scores (``scorer``), for a bigram ``a b`` seen ``c(ab)`` times, in a text of ``N`` tokens:

* ``"word2vec"``: ``(c(ab) - min_count) / (c(a) * c(b)) * N``, word2phrase's formula (gensim's
  default scorer uses the vocabulary size for N); threshold 100 by default, as in word2phrase.
* ``"npmi"``: normalised pointwise mutual information, ``ln(p(ab) / (p(a) p(b))) / -ln p(ab)``
  with ``p = count / N`` (Bouma 2009; gensim's ``npmi_scorer``), in [-1, 1]; threshold 0.5.

Only bigrams seen at least ``min_count`` times are scored; a bigram is a phrase when its score
is strictly above the threshold (both peers' rule).

The rewrite goes left to right through each line, as word2phrase's: a bigram joins when its
first word is the previous output token, and the second word is then spent, so ``a b c`` with
both ``a b`` and ``b c`` phrases gives ``a_b c``. Nothing joins across a line end. Output text
has the input's lines (empty ones too), their tokens separated by one space.

Tokens are the trainer's (``corpus.encode``: bytes split on ASCII whitespace, a token longer
than ``MAX_TOKEN_BYTES`` truncated); the text is tokenized once, and the counting and rewriting
passes work on its word ids. Memory is bounded: unigrams are all kept (as in training), bigrams
in a table of at most ``max_bigrams`` pairs; when it is full, the bigrams seen at most
``min_reduce`` times (1, then 2, ...) are dropped, as word2phrase's ReduceVocab and gensim's
``max_vocab_size`` do.
"""
import contextlib
import math
import mmap
import os
import tempfile

import numpy as np

from ..io.atomic import atomic_output
from ..io.files import open_output
from ._encode import Encoder
from ._phrases import BigramCounter, PhraseRewriter, count_unigrams
from .encode import (CHUNK_BYTES, MAX_TOKEN_BYTES, CorpusError, _iter_sentence_chunks,
                     is_corpus_paths, open_source, text_pieces)
from .vocab import decode_word, encode_word

__all__ = ["Phrases", "PhrasesError", "SCORERS"]

SENTENCE_END = 0xFFFFFFFF
#: Scorers and their default thresholds.
SCORERS = {"word2vec": 100.0, "npmi": 0.5}
#: Lines are never split when phrasing text (the trainer splits very long ones itself).
_UNSPLIT = 1 << 62
#: Ids rewritten or written as text per step over an encoded stream.
_STEP = 1 << 20
_FORMAT = b"w2vns-phrases"


class PhrasesError(ValueError):
    """A phrase table file cannot be read (malformed, or not a phrase table)."""


class PhraseTable:
    """The phrases one pass found: ``a[i] b[i]`` joins into ``a[i] + delimiter + b[i]``;
    words as bytes, with the bigram's ``scores[i]`` and ``counts[i]``."""

    def __init__(self, a, b, scores, counts):
        self.a, self.b = list(a), list(b)
        self.scores = np.asarray(scores, dtype=np.float64)
        self.counts = np.asarray(counts, dtype=np.int64)

    def __len__(self):
        return len(self.a)


class Phrases:
    """Learn which bigrams are phrases from a corpus, and rewrite text with them.

        >>> phrases = Phrases(min_count=5, threshold=100)
        >>> phrases.fit_transform("corpus.txt.gz", "phrased.txt")   # learn, then rewrite it
        >>> phrases.save("phrases.tsv")
        >>> Phrases.load("phrases.tsv").transform("new.txt", "-")    # same table, new text
        >>> phrases.phrase(["i", "love", "new", "york"])
        ['i', 'love', 'new_york']

    ``corpus`` arguments are what ``w2vns.train`` reads: a path (``-`` for stdin; gzip, bzip2,
    xz or zstd compressed; URLs), a list of paths, or an iterable of sentences (str or bytes
    lines, or lists of tokens). ``output``: a path (compressed by its .gz/.bz2/.xz/.zst name,
    written atomically), ``-`` for stdout, or a binary file object.

    Parameters: ``min_count`` (bigrams seen fewer times are never phrases), ``threshold``
    (default: 100 for word2vec, 0.5 for npmi), ``scorer`` ("word2vec" or "npmi", see the module
    docstring), ``passes`` (2 joins phrases again: trigrams and 4-grams), ``delimiter`` (joins
    the words of a phrase; no whitespace), ``max_bigrams`` (the most distinct bigrams counted
    at once; 21-43 bytes each) and ``pairs_across_lines`` (also count the bigram of a
    line's last and the next line's first word, as word2phrase does; only for comparisons: the
    rewrite never joins across lines).

    After learning, ``tables`` holds one ``PhraseTable`` per pass and ``stats`` one dict per
    pass (tokens, distinct bigrams, prunes, phrases found, joins made).
    """

    def __init__(self, min_count=5, threshold=None, scorer="word2vec", passes=1, delimiter="_",
                 max_bigrams=40_000_000, pairs_across_lines=False):
        if scorer not in SCORERS:
            raise ValueError("scorer must be one of %s, not %r" % (", ".join(SCORERS), scorer))
        threshold = SCORERS[scorer] if threshold is None else threshold
        _check(isinstance(min_count, (int, np.integer)) and min_count >= 1,
               "min_count must be an integer >= 1, not %r" % (min_count,))
        _check(isinstance(threshold, (int, float, np.number)) and math.isfinite(threshold),
               "threshold must be a finite number, not %r" % (threshold,))
        _check(scorer != "npmi" or -1 <= threshold <= 1,
               "the npmi threshold must be in [-1, 1], not %r" % (threshold,))
        _check(isinstance(passes, (int, np.integer)) and passes >= 1,
               "passes must be an integer >= 1, not %r" % (passes,))
        _check(isinstance(max_bigrams, (int, np.integer)) and max_bigrams >= 1,
               "max_bigrams must be an integer >= 1, not %r" % (max_bigrams,))
        if isinstance(delimiter, str):
            delimiter = encode_word(delimiter)
        _check(isinstance(delimiter, bytes) and delimiter != b"" and not any(
            c in b" \t\n\r\x0b\x0c\x00" for c in delimiter),
            "delimiter must be a non-empty string without whitespace, not %r" % (delimiter,))
        self.min_count = int(min_count)
        self.threshold = float(threshold)
        self.scorer = scorer
        self.passes = int(passes)
        self.delimiter = delimiter
        self.max_bigrams = int(max_bigrams)
        self.pairs_across_lines = bool(pairs_across_lines)
        self.tables = []
        self.stats = []
        self._joins = None  # the tables as dicts, for phrase()

    # -- learning ---------------------------------------------------------------------------

    def score(self, count_a, count_b, count_ab, tokens):
        """Scores of bigrams from their counts (arrays or numbers) in a text of ``tokens``."""
        ca = np.asarray(count_a, dtype=np.float64)
        cb = np.asarray(count_b, dtype=np.float64)
        cab = np.asarray(count_ab, dtype=np.float64)
        if self.scorer == "word2vec":
            return (cab - self.min_count) / (ca * cb) * tokens
        with np.errstate(divide="ignore", invalid="ignore"):
            pab = cab / tokens
            return np.log(pab / ((ca / tokens) * (cb / tokens))) / -np.log(pab)

    def fit(self, corpus, progress=None, cache_dir=None):
        """Learn the phrase table from ``corpus`` (replacing any learned before); return self."""
        with _EncodedText(corpus, progress, cache_dir) as text:
            text.n = self.learn_encoded(text.encoder, text.stream, text.n)
        return self

    def fit_transform(self, corpus, output, progress=None, cache_dir=None):
        """Learn from ``corpus`` and write it, phrased, to ``output``: the text is read once
        (stdin too). Returns self."""
        with _EncodedText(corpus, progress, cache_dir) as text:
            text.n = self.learn_encoded(text.encoder, text.stream, text.n)
            with _open_output(output) as out:
                _write_text(text.encoder, text.stream, text.n, out)
        return self

    def learn_encoded(self, encoder, stream, n):
        """Learn from ``stream[:n]``, ids of ``encoder``'s words with ``SENTENCE_END`` after
        each sentence, and rewrite it in place; return its new length.

        This is how training phrases a corpus it has already encoded (``train(phrases=N)``):
        the text is tokenized once. New phrase words are added to ``encoder``.
        """
        self.tables, self.stats, self._joins = [], [], None
        for number in range(1, self.passes + 1):
            counts = count_unigrams(stream[:n], encoder.vocab_size)
            tokens = int(counts.sum())
            counter = BigramCounter(self.max_bigrams, self.pairs_across_lines, n)
            for begin in range(0, n, _STEP):
                counter.add(stream[begin:min(n, begin + _STEP)])
            a, b, c = counter.pairs(self.min_count)
            scored = len(c)
            scores = self.score(counts[a], counts[b], c, tokens)
            kept = np.flatnonzero(scores > self.threshold)
            # Strongest first: the saved table reads best that way.
            kept = kept[np.lexsort((b[kept], a[kept], -scores[kept]))]
            a, b, c, scores = a[kept], b[kept], c[kept], scores[kept]
            words = encoder.words(np.concatenate([a, b]).astype(np.int64))
            table = PhraseTable(words[:len(a)], words[len(a):], scores, c)
            rewriter = _rewriter(encoder, table, self.delimiter, (a, b))
            n = _rewrite_stream(rewriter, stream, n)
            self.tables.append(table)
            self.stats.append({"pass": number, "tokens": tokens, "bigrams": counter.pairs_seen,
                               "distinct_bigrams": counter.size, "prunes": counter.prunes,
                               "min_reduce": counter.min_reduce, "scored": scored,
                               "phrases": len(table),
                               "joined": rewriter.joined_count})
        return n

    # -- applying ---------------------------------------------------------------------------

    def transform(self, corpus, output, progress=None):
        """Rewrite ``corpus`` to ``output`` with the learned (or loaded) phrase table, streaming
        (one read, memory for the table and the text's distinct words)."""
        self._check_learned()
        encoder = Encoder(_UNSPLIT, MAX_TOKEN_BYTES, True)
        rewriters = [_rewriter(encoder, t, self.delimiter) for t in self.tables]
        scratch = [np.empty(0, dtype=np.uint32) for _ in rewriters]
        with _open_output(output) as out:
            writer = _TextWriter(encoder, out)
            for ids, final in _encoded_chunks(encoder, corpus, progress):
                for j, rewriter in enumerate(rewriters):
                    if len(scratch[j]) < len(ids) + 1:  # a pass adds at most its pending id
                        scratch[j] = np.empty(max(CHUNK_BYTES, len(ids)) + 8, dtype=np.uint32)
                    ids = scratch[j][:rewriter.rewrite(ids, scratch[j], final)]
                writer.write(ids)
            writer.close()
        return self

    def phrase(self, tokens):
        """One sentence (a list of str or bytes tokens) with its phrases joined."""
        self._check_learned()
        if self._joins is None:
            self._joins = [{(a, b): a + self.delimiter + b for a, b in zip(t.a, t.b)}
                           for t in self.tables]
        as_str = bool(tokens) and isinstance(tokens[0], str)
        words = [encode_word(t) if isinstance(t, str) else bytes(t) for t in tokens]
        for joins in self._joins:
            out, pending = [], None
            for word in words:
                joined = joins.get((pending, word)) if pending is not None else None
                if joined is not None:
                    out.append(joined)
                    pending = None
                else:
                    if pending is not None:
                        out.append(pending)
                    pending = word
            if pending is not None:
                out.append(pending)
            words = out
        return [decode_word(w) for w in words] if as_str else words

    def export(self):
        """Every phrase learned, as ``{"new_york": score, ...}`` (later passes' last)."""
        result = {}
        for table in self.tables:
            for a, b, score in zip(table.a, table.b, table.scores.tolist()):
                result[decode_word(a + self.delimiter + b)] = score
        return result

    def __len__(self):
        return sum(len(t) for t in self.tables)

    def _check_learned(self):
        if len(self.tables) != self.passes:
            raise ValueError("no phrase table yet: fit() or load() one first")

    # -- files ------------------------------------------------------------------------------

    def save(self, path):
        """Write the phrase table as text (atomically): a header line with the settings, then
        ``pass<TAB>word_a<TAB>word_b<TAB>score<TAB>count`` lines."""
        self._check_learned()
        header = b"# %s 1 scorer=%s min_count=%d threshold=%r passes=%d delimiter=%s\n" % (
            _FORMAT, self.scorer.encode(), self.min_count, self.threshold, self.passes,
            self.delimiter)
        with atomic_output(path) as out:
            out.write(header)
            for number, table in enumerate(self.tables, 1):
                for a, b, score, count in zip(table.a, table.b, table.scores.tolist(),
                                              table.counts.tolist()):
                    out.write(b"%d\t%s\t%s\t%r\t%d\n" % (number, a, b, score, count))

    @classmethod
    def load(cls, path):
        """Read a table written by ``save`` (PhrasesError when it is not one)."""
        name = os.fspath(path)
        with open(path, "rb") as handle:
            header = handle.readline().split()
            if header[:3] != [b"#", _FORMAT, b"1"]:
                raise PhrasesError("%s: not a w2vns phrase table (its first line should start "
                                   "with '# w2vns-phrases 1')" % name)
            try:
                settings = dict(field.split(b"=", 1) for field in header[3:])
                phrases = cls(min_count=int(settings[b"min_count"]),
                              threshold=float(settings[b"threshold"]),
                              scorer=settings[b"scorer"].decode(),
                              passes=int(settings[b"passes"]), delimiter=settings[b"delimiter"])
            except (KeyError, ValueError) as err:
                raise PhrasesError("%s:1: bad settings line (%s)" % (name, err)) from None
            rows = [[] for _ in range(phrases.passes)]
            for number, line in enumerate(handle, 2):
                fields = line.rstrip(b"\r\n").split(b"\t")
                try:
                    if len(fields) != 5 or not fields[1] or not fields[2]:
                        raise ValueError("expected 5 tab-separated fields")
                    rows[int(fields[0]) - 1].append(
                        (fields[1], fields[2], float(fields[3]), int(fields[4])))
                    if int(fields[0]) < 1:
                        raise IndexError
                except IndexError:
                    raise PhrasesError("%s:%d: pass %s is not in 1..%d" % (
                        name, number, fields[0].decode("ascii", "replace"),
                        phrases.passes)) from None
                except ValueError as err:
                    raise PhrasesError("%s:%d: %s" % (name, number, err)) from None
        for table in rows:
            a, b, scores, counts = zip(*table) if table else ((), (), (), ())
            if len(set(zip(a, b))) != len(a):
                raise PhrasesError("%s: a bigram is listed twice in one pass" % name)
            phrases.tables.append(PhraseTable(a, b, scores, counts))
        return phrases


def _check(condition, message):
    if not condition:
        raise ValueError(message)


def _intern(encoder, words):
    """The encoder's ids of ``words`` (bytes without whitespace), adding the new ones."""
    if not words:
        return np.empty(0, dtype=np.uint32)
    text = b"\n".join(words) + b"\n"
    out = np.empty(len(text) + 2, dtype=np.uint32)
    ids = out[:encoder.encode(text, out)]
    return ids[ids != SENTENCE_END]


def _rewriter(encoder, table, delimiter, pair_ids=None):
    """A PhraseRewriter for ``table`` over ``encoder``'s ids (``pair_ids``: the ids of the
    table's words when known). A phrase word the text also has as a token gets that id."""
    if pair_ids is None:
        pair_ids = (_intern(encoder, table.a), _intern(encoder, table.b))
    joined = _intern(encoder, [a + delimiter + b for a, b in zip(table.a, table.b)])
    return PhraseRewriter(pair_ids[0].astype(np.uint32), pair_ids[1].astype(np.uint32), joined)


def _rewrite_stream(rewriter, stream, n):
    """Rewrite stream[:n] in place, step by step; return the new length."""
    k = 0
    if n == 0:
        return 0
    for begin in range(0, n, _STEP):
        end = min(n, begin + _STEP)
        k = rewriter.rewrite_range(stream, begin, end, k, end == n)
    return k


class _EncodedText:
    """A corpus encoded into a temporary file of ids, memory-mapped as ``stream`` (``n`` ids):
    lines are kept whole, empty ones too."""

    def __init__(self, corpus, progress=None, cache_dir=None):
        self.encoder = Encoder(_UNSPLIT, MAX_TOKEN_BYTES, True)
        self.cache = tempfile.TemporaryFile(prefix="w2vns-phrases-", dir=cache_dir)
        self.mapping = None
        try:
            for ids, _final in _encoded_chunks(self.encoder, corpus, progress):
                self.cache.write(ids)
            self.cache.flush()
            self.n = self.cache.seek(0, os.SEEK_END) // 4
            if self.encoder.tokens == 0:
                raise CorpusError("the corpus is empty: no tokens found")
            self.mapping = mmap.mmap(self.cache.fileno(), 4 * self.n)
            self.stream = np.frombuffer(self.mapping, dtype=np.uint32)
        except BaseException:
            self.cache.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream = None
        if self.mapping is not None:
            try:
                self.mapping.close()
            except BufferError:  # views of it live on in a traceback: they close it later
                pass
        self.cache.close()


def _encoded_chunks(encoder, corpus, progress=None):
    """Encode ``corpus`` piece by piece: yield ``(ids, end of an input)``."""
    out = np.empty(CHUNK_BYTES + 2, dtype=np.uint32)
    if is_corpus_paths(corpus):
        paths = [corpus] if isinstance(corpus, (str, bytes, os.PathLike)) else list(corpus)
        done = [0, 0]  # raw bytes read from the inputs before this one, and their sizes
        for path in paths:
            yield from _encoded_source(encoder, path, out, progress, done)
        return
    for chunk in _iter_sentence_chunks(corpus):
        if len(chunk) + 2 > len(out):
            out = np.empty(len(chunk) + 2, dtype=np.uint32)
        yield out[:encoder.encode(chunk, out)], False
    yield out[:encoder.finish(out)], True


def _encoded_source(encoder, path, out, progress, done):
    """The pieces of one input (``encode._encode_paths`` does the same into a file);
    ``progress(bytes read, bytes in all inputs so far)`` after each."""
    source = open_source(path)
    done[1] += source.size or 0
    try:
        for piece in text_pieces(source, CHUNK_BYTES):
            yield out[:encoder.encode(piece, out)], False
            if progress is not None:
                progress(done[0] + (source.position() or 0), done[1] or None)
        done[0] += source.position() or 0
        yield out[:encoder.finish(out)], True
    finally:
        source.close()


class _TextWriter:
    """Writes id pieces as text lines (``Encoder.decode``) to a binary file."""

    def __init__(self, encoder, out):
        self.encoder, self.out = encoder, out
        self.buffer = np.empty(CHUNK_BYTES, dtype=np.uint8)
        self.line_start = True

    def write(self, ids):
        done = 0
        while done < len(ids):
            consumed, size, self.line_start = self.encoder.decode(ids[done:], self.buffer,
                                                                  self.line_start)
            self.out.write(self.buffer[:size])
            done += consumed

    def close(self):
        if not self.line_start:  # only text that did not end with a line end
            self.out.write(b"\n")
            self.line_start = True


def _write_text(encoder, stream, n, out):
    writer = _TextWriter(encoder, out)
    for begin in range(0, n, _STEP):
        writer.write(stream[begin:min(n, begin + _STEP)])
    writer.close()


@contextlib.contextmanager
def _open_output(output):
    """A binary file for ``output``: a file object as it is, else ``io.files.open_output``
    (``-`` for stdout; a path written atomically, compressed by its name)."""
    if hasattr(output, "write"):
        yield output
        return
    with open_output(output) as out:
        yield out
