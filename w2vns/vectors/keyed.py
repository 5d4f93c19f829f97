"""KeyedVectors: word vectors with lookup, cosine similarity, analogies and neighbour queries.

A gensim-compatible subset of ``gensim.models.KeyedVectors``: the same attribute names
(``index_to_key``, ``key_to_index``, ``vectors``, ``vector_size``, ``norms``) and query methods
(``most_similar``, ``most_similar_cosmul``, ``similar_by_vector``, ``similar_by_key``,
``similarity``, ``distance``, ``n_similarity``, ``doesnt_match``, ``get_vector``), so code written
against gensim mostly works unchanged; ``analogy`` and ``describe`` are additions.

Keys are ``str``; vectors are one C-contiguous float32 array (V x d), row i belonging to
``index_to_key[i]``.  Queries divide by each vector's length (``norms``, computed once, or read
from a native folder) instead of keeping a unit-normalised copy of the matrix: one matrix-vector
product over the vectors answers a query, and memory holds the vectors once.
``get_normed_vectors()`` still gives the unit copy (computed once, cached) for code that wants
it.

Files: :meth:`KeyedVectors.load` reads word2vec binary and text
(:mod:`w2vns.vectors.formats`: word2vec, gensim, fastText ``.vec``, GloVe without a header;
compressed or not), the memory-mapped w2vns folder (:mod:`w2vns.vectors.native`) and a saved
model's input vectors (:mod:`w2vns.vectors.saved_model`), detecting which;
:meth:`~KeyedVectors.save` writes the folder, :meth:`~KeyedVectors.save_word2vec_format` the
word2vec formats, :meth:`~KeyedVectors.save_as` whichever the name asks for
(:func:`format_for_path`), and :func:`convert` goes from any of them to any other.
"""
import os

import numpy as np

from ..io import compression
from . import formats, native, saved_model

__all__ = ["KeyedVectors", "convert", "format_for_path", "FORMATS", "COSMUL_EPSILON"]

# 3CosMul's denominator guard, as in gensim's most_similar_cosmul (Levy & Goldberg use 1e-3).
COSMUL_EPSILON = 1e-6
# Lookups answered by scanning index_to_key before key_to_index is built: building the dict
# for millions of keys costs more than a few scans, so a one-shot query never pays for it.
_SCANS_BEFORE_DICT = 8


class KeyedVectors:
    """Word vectors: a list of keys and a float32 matrix with one row per key.

    ``KeyedVectors(keys, vectors, counts=None)``: ``keys`` an iterable of str, ``vectors`` an
    array of shape (len(keys), d) (stored as C-contiguous float32; an array already in that form,
    a read-only memory map included, is used as is, not copied), ``counts`` optional corpus
    frequencies, one per key.

    If a key occurs more than once, lookups find its first occurrence.  ``source`` describes the
    file the vectors were loaded from (None for vectors made in memory).
    """

    def __init__(self, keys, vectors, counts=None):
        """Store ``keys``, ``vectors`` (V x d) and optional ``counts``; check their shapes."""
        if isinstance(keys, native.Vocabulary):
            # A folder's words, decoded when asked for (see index_to_key).
            self._vocabulary, self._index_to_key = keys, None
        else:
            self._vocabulary, self._index_to_key = None, list(keys)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-D array (V x d), got shape %r"
                             % (vectors.shape,))
        count = len(keys) if self._vocabulary is not None else len(self._index_to_key)
        if vectors.shape[0] != count:
            raise ValueError("%d keys but %d vectors" % (count, vectors.shape[0]))
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (count,):
                raise ValueError("%d keys but %d counts" % (count, counts.size))
        self.counts = counts
        self.source = None
        self._vectors = vectors
        self._key_to_index = None
        self._scans = 0
        self._norms = None
        self._divisors = None
        self._normed = None

    # -- basic access ---------------------------------------------------------------------------

    @property
    def vectors(self):
        """The V x d float32 matrix; row i is the vector of ``index_to_key[i]``.

        Assigning a new array resets the cached norms and unit vectors; if you modify the array
        in place, assign it again (``kv.vectors = kv.vectors``) so that similarities see the
        change.
        """
        return self._vectors

    @vectors.setter
    def vectors(self, value):
        value = np.ascontiguousarray(value, dtype=np.float32)
        if value.ndim != 2 or value.shape[0] != len(self):
            raise ValueError("vectors must have shape (%d, d), got %r" % (len(self), value.shape))
        self._vectors = value
        self._norms = self._divisors = self._normed = None

    @property
    def index_to_key(self):
        """The keys, a list of str in row order.

        For vectors loaded from a w2vns folder the list is made on first use (queries do not
        need it: they look words up in the folder's bytes); until then it costs nothing.
        """
        if self._index_to_key is None:
            self._index_to_key = self._vocabulary.keys()
            self._vocabulary = None
        return self._index_to_key

    @index_to_key.setter
    def index_to_key(self, value):
        self._index_to_key, self._vocabulary, self._key_to_index = list(value), None, None

    def _key(self, index):
        """The key of row ``index``."""
        if self._index_to_key is None:
            return self._vocabulary.word(index)
        return self._index_to_key[index]

    @property
    def key_to_index(self):
        """dict key -> row index, built on first use (the first occurrence of a repeated key)."""
        if self._key_to_index is None:
            # Built in reverse so that, for a repeated key, the first occurrence wins.
            count = len(self.index_to_key)
            self._key_to_index = dict(zip(reversed(self.index_to_key), range(count - 1, -1, -1)))
        return self._key_to_index

    @property
    def vector_size(self):
        """The dimension d of the vectors."""
        return self._vectors.shape[1]

    def __len__(self):
        """The number of keys."""
        return self._vectors.shape[0]

    def __contains__(self, key):
        """Whether ``key`` has a vector."""
        return self._find(key) is not None

    def __iter__(self):
        """Iterate over the keys, in index order."""
        return iter(self.index_to_key)

    def __repr__(self):
        """A short summary: class, number of keys and dimension."""
        return "<%s: %d keys, %d dimensions>" % (type(self).__name__, len(self), self.vector_size)

    def _find(self, key):
        """The row index of ``key``, or None.

        The first few lookups scan ``index_to_key`` (a C loop, milliseconds even for millions
        of keys), or search a folder's vocabulary bytes; after that the dict is built once and
        used.
        """
        if self._key_to_index is None and self._scans < _SCANS_BEFORE_DICT:
            if self._index_to_key is None:
                self._scans += 1
                return self._vocabulary.find(key)
            self._scans += 1
            try:
                return self.index_to_key.index(key)
            except ValueError:
                return None
        try:
            return self.key_to_index.get(key)
        except TypeError:  # an unhashable "key"
            return None

    def get_vector(self, key, norm=False):
        """The vector of ``key`` (read-only); with ``norm=True`` scaled to unit length (a
        zero vector stays zero).  As gensim's ``get_vector``; raises KeyError for an unknown
        key."""
        index = self.get_index(key)
        vector = self._vectors[index]
        if norm:
            vector = vector / self._norm_divisors()[index]
        else:
            vector = vector.view()
        vector.flags.writeable = False
        return vector

    def other_case(self, key):
        """A key that differs from ``key`` only in case ("Paris" for "paris", "USA" for "usa"),
        or None: what a user who typed an unknown word probably meant.  Tries the lower,
        capitalised, title and upper case forms (a few lookups, no index of the keys)."""
        if not isinstance(key, str):
            return None
        for variant in (key.lower(), key.capitalize(), key.title(), key.upper()):
            if variant != key and self._find(variant) is not None:
                return variant
        return None

    def get_index(self, key, default=None):
        """The row index of ``key``; ``default`` if it is unknown and a default is given.

        Raises KeyError (naming the key) for an unknown key without a default.
        """
        index = self._find(key)
        if index is not None:
            return index
        if default is not None:
            return default
        raise KeyError("word %r not in vocabulary" % (key,))

    def __getitem__(self, key):
        """The vector of ``key`` (a row of ``vectors``, not a copy), or for a list of keys a
        2-D array with one row per key.  Raises KeyError naming an unknown key."""
        if isinstance(key, str):
            return self._vectors[self.get_index(key)]
        if isinstance(key, (int, np.integer)):
            raise TypeError("KeyedVectors is indexed by key (str), not by position; "
                            "use kv.vectors[%d]" % key)
        return self._vectors[[self.get_index(k) for k in key]]

    # -- norms ---------------------------------------------------------------------------------

    @property
    def norms(self):
        """The Euclidean length of each vector (float32, V), computed once and cached."""
        if self._norms is None:
            self._norms = native.row_norms(self._vectors)
        return self._norms

    def _norm_divisors(self):
        """``norms`` with zeros replaced by ones: dividing by it leaves zero vectors at zero."""
        if self._divisors is None:
            norms = self.norms
            self._divisors = np.where(norms > 0, norms, np.float32(1))
        return self._divisors

    def get_normed_vectors(self):
        """The vectors scaled to unit length (float32, V x d); zero vectors stay zero.

        Computed on first use and cached (a second V x d array); treat it as read-only.  The
        query methods do not need it.
        """
        if self._normed is None:
            normed = self._vectors / self._norm_divisors()[:, None]
            normed.flags.writeable = False
            self._normed = normed
        return self._normed

    def _unit_query(self, item):
        """Return (unit vector, row index or None) for a key or a raw vector."""
        if isinstance(item, str):
            index = self.get_index(item)
            return self._vectors[index] / self._norm_divisors()[index], index
        vector = np.asarray(item, dtype=np.float32)
        if vector.shape != (self.vector_size,):
            raise ValueError("a query vector must have shape (%d,), got %r"
                             % (self.vector_size, vector.shape))
        norm = np.linalg.norm(vector)
        return (vector / norm if norm > 0 else vector), None

    def _cosines(self, units, limit):
        """Cosine similarity of the first ``limit`` vectors to a unit vector (d,), or to each
        of several (k x d, giving a (limit, k) array), from one pass over the vectors."""
        units = np.asarray(units, dtype=np.float32)
        divisors = self._norm_divisors()[:limit]
        if units.ndim == 1:  # a matrix-vector product (BLAS gemv)
            sims = self._vectors[:limit] @ units
            sims /= divisors
        else:
            sims = self._vectors[:limit] @ units.T
            sims /= divisors[:, None]
        return sims

    # -- queries -------------------------------------------------------------------------------

    def _limit(self, restrict_vocab):
        """How many of the first keys a query considers."""
        if restrict_vocab is None:
            return len(self)
        return max(0, min(int(restrict_vocab), len(self)))

    def _query_terms(self, positive, negative):
        """Unit vectors of the positive and negative terms, and the row indexes of the keys."""
        positive = () if positive is None else positive
        negative = () if negative is None else negative
        if isinstance(positive, str) or (isinstance(positive, np.ndarray) and positive.ndim == 1):
            positive = [positive]
        if isinstance(negative, str) or (isinstance(negative, np.ndarray) and negative.ndim == 1):
            negative = [negative]
        pos, neg, exclude = [], [], set()
        for items, units in ((positive, pos), (negative, neg)):
            for item in items:
                unit, index = self._unit_query(item)
                units.append(unit)
                if index is not None:
                    exclude.add(index)
        if not pos and not neg:
            raise ValueError("a query needs at least one positive or negative key")
        return pos, neg, exclude

    def _best(self, scores, exclude, topn):
        """The ``topn`` best (key, score) pairs by ``scores``, leaving out rows in ``exclude``."""
        limit = scores.shape[0]
        # Enough candidates that dropping the query keys still leaves topn.
        wanted = min(int(topn) + len(exclude), limit)
        if wanted <= 0 or topn <= 0:
            return []
        if wanted < limit:
            best = np.argpartition(-scores, wanted - 1)[:wanted]
        else:
            best = np.arange(limit)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._key(i), float(scores[i])) for i in best.tolist()
                if i not in exclude][:int(topn)]

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """The ``topn`` keys most similar to the query, as a list of (key, cosine) pairs.

        As in gensim: ``positive`` and ``negative`` are keys (a single str is allowed) or
        vectors; the query is the mean of the unit vectors of the positives minus those of the
        negatives, and the candidates are ranked by cosine similarity to it, best first.  The
        query keys themselves are never returned.  ``restrict_vocab=N`` only considers the
        first N keys (the most frequent, in a frequency-sorted vocabulary).  ``topn=None``
        returns the array of similarities to every considered key instead of a list.

        Raises KeyError for an unknown key and ValueError for an empty query.
        """
        pos, neg, exclude = self._query_terms(positive, negative)
        query = np.zeros(self.vector_size, dtype=np.float32)
        for unit in pos:
            query += unit
        for unit in neg:
            query -= unit
        norm = np.linalg.norm(query)
        if norm > 0:
            query /= norm
        sims = self._cosines(query, self._limit(restrict_vocab))
        if topn is None:
            return sims
        return self._best(sims, exclude, topn)

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """The ``topn`` keys most similar to a raw ``vector``, as (key, cosine) pairs (none
        excluded): gensim's ``similar_by_vector``."""
        return self.most_similar(positive=[vector], topn=topn, restrict_vocab=restrict_vocab)

    def similar_by_key(self, key, topn=10, restrict_vocab=None):
        """``most_similar(key)``, as gensim's ``similar_by_key`` (and ``similar_by_word``)."""
        return self.most_similar(positive=[key], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_word = similar_by_key

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Like :meth:`most_similar`, but ranked by 3CosMul (Levy & Goldberg, 2014).

        score(w) = prod over positives p of cos'(w, p) / (prod over negatives n of cos'(w, n)
        + COSMUL_EPSILON), with cos' = (1 + cos) / 2 in [0, 1]: gensim's most_similar_cosmul.
        The cosines to all terms come from one pass over the vectors.
        """
        pos, neg, exclude = self._query_terms(positive, negative)
        limit = self._limit(restrict_vocab)
        shifted = (1 + self._cosines(np.array(pos + neg, dtype=np.float32), limit)) / 2
        scores = np.prod(shifted[:, :len(pos)], axis=1)
        scores /= np.prod(shifted[:, len(pos):], axis=1) + COSMUL_EPSILON
        if topn is None:
            return scores
        return self._best(scores, exclude, topn)

    def analogy(self, a, b, c, topn=1, method="add", restrict_vocab=None):
        """Answer "``a`` is to ``b`` as ``c`` is to ?": the ``topn`` best (key, score) pairs.

        ``method="add"`` is 3CosAdd (``most_similar(positive=[b, c], negative=[a])``, the score
        a cosine); ``"mul"`` is 3CosMul (``most_similar_cosmul`` with the same terms).  ``a``,
        ``b`` and ``c`` are never answers.  Raises KeyError for an unknown key.
        """
        if method == "add":
            query = self.most_similar
        elif method == "mul":
            query = self.most_similar_cosmul
        else:
            raise ValueError("method must be 'add' or 'mul', got %r" % (method,))
        return query(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab)

    def similarity(self, key1, key2):
        """Cosine similarity of two keys' vectors (0.0 if either is a zero vector)."""
        i, j = self.get_index(key1), self.get_index(key2)
        divisors = self._norm_divisors()
        return float(np.dot(self._vectors[i], self._vectors[j]) / divisors[i] / divisors[j])

    def distance(self, key1, key2):
        """1 - cosine similarity of two keys' vectors (gensim's ``distance``)."""
        return 1.0 - self.similarity(key1, key2)

    def n_similarity(self, keys1, keys2):
        """Cosine similarity of the means of two lists of keys' vectors (the raw vectors, as
        gensim's ``n_similarity``).  Raises KeyError for an unknown key and ValueError for an
        empty list."""
        keys1 = [keys1] if isinstance(keys1, str) else list(keys1)
        keys2 = [keys2] if isinstance(keys2, str) else list(keys2)
        if not keys1 or not keys2:
            raise ValueError("n_similarity needs at least one key on each side")
        means = [self._vectors[[self.get_index(k) for k in keys]].mean(axis=0, dtype=np.float64)
                 for keys in (keys1, keys2)]
        norms = [np.linalg.norm(mean) for mean in means]
        if not all(norms):
            return 0.0
        return float(means[0] @ means[1] / norms[0] / norms[1])

    def doesnt_match(self, words):
        """The word of ``words`` that fits least: the one whose unit vector has the lowest
        cosine with the normalised mean of all their unit vectors (as gensim).

        Raises KeyError for an unknown word and ValueError for an empty list.
        """
        words = [words] if isinstance(words, str) else list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        units = np.array([self._unit_query(word)[0] for word in words])
        mean = units.mean(axis=0)
        norm = np.linalg.norm(mean)
        if norm > 0:
            mean /= norm
        return words[int(np.argmin(units @ mean))]

    def describe(self, top=10):
        """A summary for people and scripts: a dict with ``vocab_size``, ``dim``, ``norms``
        (min, median, mean, max and the number of zero vectors), ``most_frequent`` (the first
        ``top`` keys: word2vec files list the most frequent words first; with their counts when
        known) and ``source`` (see :meth:`load`)."""
        norms = self.norms
        summary = {"vocab_size": len(self), "dim": self.vector_size}
        if len(self):
            summary["norms"] = {"min": float(norms.min()), "median": float(np.median(norms)),
                                "mean": float(norms.mean(dtype=np.float64)),
                                "max": float(norms.max()), "zero": int((norms == 0).sum())}
        else:
            summary["norms"] = None
        first = [self._key(i) for i in range(min(top, len(self)))]
        if self.counts is not None:
            summary["most_frequent"] = [{"word": k, "count": int(c)}
                                        for k, c in zip(first, self.counts[:top].tolist())]
        else:
            summary["most_frequent"] = [{"word": k} for k in first]
        summary["source"] = self.source
        return summary

    # -- files -------------------------------------------------------------------------------

    def save_word2vec_format(self, path, binary=True):
        """Write the vectors in word2vec format (binary or text; .gz/.bz2/.xz/.zst compress; "-"
        writes to stdout).  The file is written atomically; see
        :func:`w2vns.vectors.formats.write_word2vec`.
        """
        formats.write_word2vec(path, self.index_to_key, self._vectors, binary=binary)

    def save_as(self, path, fmt=None):
        """Write the vectors to ``path`` in ``fmt`` ("w2vns", "binary" or "text"), by default
        the format its name asks for (:func:`format_for_path`: ``.w2vns`` a folder, ``.txt`` /
        ``.vec`` text, else binary; ``.gz``/``.bz2``/``.xz``/``.zst`` compress; ``-`` is
        stdout).  Returns the format written."""
        fmt = format_for_path(path, fmt)
        if fmt == "w2vns":
            self.save(path)
        else:
            self.save_word2vec_format(path, binary=fmt == "binary")
        return fmt

    def save(self, path):
        """Write the vectors as a w2vns folder (:mod:`w2vns.native`) that :meth:`load` maps into
        memory in milliseconds.  The folder is written atomically."""
        native.save_native(path, self.index_to_key, self._vectors, counts=self.counts,
                           norms=self.norms)

    @classmethod
    def load_word2vec_format(cls, path, binary=None, limit=None,
                             unicode_errors="surrogateescape", no_header=None):
        """Load a word2vec binary or text file (as written by word2vec, gensim, fastText,
        GloVe or w2vns; compressed or not; a path, ``-`` or a URL); ``binary=None``
        autodetects, ``limit=N`` loads the first N vectors, ``no_header=None`` detects a text
        file without the ``"<count> <dimension>"`` line (GloVe's), True says it has none.
        Words that are not UTF-8 are kept (see :func:`w2vns.vectors.formats.read_word2vec`).
        Raises :class:`w2vns.vectors.formats.FormatError` for malformed files."""
        read = formats.load_word2vec(path, limit=limit, binary=binary,
                                     unicode_errors=unicode_errors, no_header=no_header)
        kv = cls(read.keys, read.vectors)
        kv.source = {"path": os.fspath(path),
                     "format": "word2vec-binary" if read.binary else "word2vec-text",
                     "compression": read.compression, "mmap": False}
        if not read.header:
            kv.source["header"] = False
        return kv

    @classmethod
    def load(cls, path, limit=None, mmap=True, no_header=None):
        """Load vectors from ``path``, detecting the format.

        A w2vns folder (:mod:`w2vns.vectors.native`) is memory-mapped (``mmap=False`` reads it
        into memory); a saved model or checkpoint folder (``w2vns train --save-model DIR``)
        gives its input vectors (memory-mapped too); anything else is read as a word2vec binary
        or text file (``no_header``: see :meth:`load_word2vec_format`).  ``limit=N`` keeps the
        first N words.  ``source`` on the result says what was read: ``path``, ``format``
        ("w2vns", "w2vns-model", "word2vec-binary", "word2vec-text"), ``compression`` and
        ``mmap``.
        """
        if native.is_native(path):
            keys, vectors, norms, counts = native.load_native(path, mmap=mmap, limit=limit)
            kv = cls(keys, vectors, counts=counts)
            kv._norms = norms
            kv.source = {"path": os.fspath(path), "format": "w2vns", "compression": None,
                         "mmap": bool(mmap)}
            return kv
        if saved_model.is_saved_model(path):
            keys, vectors, counts, complete = saved_model.load_saved_model(path, mmap=mmap,
                                                                           limit=limit)
            kv = cls(keys, vectors, counts=counts)
            kv.source = {"path": os.fspath(path), "format": "w2vns-model", "compression": None,
                         "mmap": bool(mmap), "complete": complete}
            return kv
        if path != "-" and os.path.isdir(path):
            raise formats.FormatError(
                "%s: a folder, but neither a w2vns vectors folder (no %s) nor a saved model "
                "(no %s)"
                % (os.fspath(path), native.META, saved_model.MANIFEST))
        return cls.load_word2vec_format(path, limit=limit, no_header=no_header)


#: The formats a vectors output can have (see format_for_path).
FORMATS = ("w2vns", "binary", "text")


def format_for_path(path, fmt=None):
    """The format a vectors output should be written in: the one rule of ``train -o``,
    ``convert``, ``tune -o`` and :meth:`KeyedVectors.save_as`.

    ``fmt`` if given ("w2vns", "binary" or "text"); else by name: an existing w2vns folder or
    a name ending in ``.w2vns`` means the memory-mapped w2vns folder; ``.txt`` / ``.vec``
    (also before a compression suffix: ``.gz``, ``.bz2``, ``.xz``, ``.zst``) and ``-``
    (stdout) mean text; anything else binary.  Raises ValueError for a format that cannot be
    written there: a w2vns folder to stdout, or compressed.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ValueError("format must be 'w2vns', 'binary' or 'text', got %r" % (fmt,))
    path = os.fspath(path)
    name = path.lower().rstrip("/" + os.sep)
    bare = compression.strip_suffix(name)
    if fmt is None:
        if path == "-":
            fmt = "text"
        elif bare.endswith(native.SUFFIX) or native.is_native(path):
            fmt = "w2vns"
        else:
            fmt = "text" if bare.endswith((".txt", ".vec")) else "binary"
    if fmt == "w2vns":
        if path == "-":
            raise ValueError("a w2vns folder cannot be written to stdout: give a folder name, "
                             "or --format text or binary")
        if bare != name:
            raise ValueError("%s: a w2vns folder cannot be compressed; name it %s"
                             % (path, os.path.basename(compression.strip_suffix(path))))
    return fmt


def convert(source, target, fmt=None, limit=None, no_header=None):
    """Copy the vectors in ``source`` (any format :meth:`KeyedVectors.load` reads) to
    ``target`` in ``fmt`` (default: by :func:`format_for_path`); ``limit=N`` keeps the first N
    words.  ``target`` is written atomically; ``"-"`` writes to stdout.  Returns the loaded
    KeyedVectors."""
    fmt = format_for_path(target, fmt)
    kv = KeyedVectors.load(source, limit=limit, no_header=no_header)
    kv.save_as(target, fmt)
    return kv
