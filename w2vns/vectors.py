"""KeyedVectors: word vectors with lookup, cosine similarity and nearest-neighbour queries.

A small, gensim-compatible subset of ``gensim.models.KeyedVectors``: the same attribute names
(``index_to_key``, ``key_to_index``, ``vectors``, ``vector_size``) and the same query methods
(``most_similar``, ``similarity``), so code written against gensim mostly works unchanged.
Files are read and written by :mod:`w2vns.formats` (word2vec binary/text, compressed or not).

Keys are ``str``; vectors are one C-contiguous float32 array (V x d), row i belonging to
``index_to_key[i]``.
"""
import numpy as np

from . import formats

__all__ = ["KeyedVectors"]


class KeyedVectors:
    """Word vectors: a list of keys and a float32 matrix with one row per key.

    ``KeyedVectors(keys, vectors, counts=None)``: ``keys`` an iterable of str, ``vectors`` an
    array of shape (len(keys), d) (stored as C-contiguous float32; an array already in that form
    is used as is, not copied), ``counts`` optional corpus frequencies, one per key.

    If a key occurs more than once, lookups find its first occurrence.
    """

    def __init__(self, keys, vectors, counts=None):
        """Store ``keys``, ``vectors`` (V x d) and optional ``counts``; check their shapes."""
        self.index_to_key = list(keys)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise ValueError("vectors must be a 2-D array (V x d), got shape %r"
                             % (vectors.shape,))
        if vectors.shape[0] != len(self.index_to_key):
            raise ValueError("%d keys but %d vectors" % (len(self.index_to_key), vectors.shape[0]))
        # Built in reverse so that, for a repeated key, the first occurrence wins.
        count = len(self.index_to_key)
        self.key_to_index = dict(zip(reversed(self.index_to_key), range(count - 1, -1, -1)))
        if counts is not None:
            counts = np.asarray(counts, dtype=np.int64)
            if counts.shape != (count,):
                raise ValueError("%d keys but %d counts" % (count, counts.size))
        self.counts = counts
        self._vectors = vectors
        self._normed = None

    # -- basic access ---------------------------------------------------------------------------

    @property
    def vectors(self):
        """The V x d float32 matrix; row i is the vector of ``index_to_key[i]``.

        Assigning a new array resets the cached unit vectors; if you modify the array in place,
        assign it again (``kv.vectors = kv.vectors``) so that similarities see the change.
        """
        return self._vectors

    @vectors.setter
    def vectors(self, value):
        value = np.ascontiguousarray(value, dtype=np.float32)
        if value.ndim != 2 or value.shape[0] != len(self.index_to_key):
            raise ValueError("vectors must have shape (%d, d), got %r"
                             % (len(self.index_to_key), value.shape))
        self._vectors = value
        self._normed = None

    @property
    def vector_size(self):
        """The dimension d of the vectors."""
        return self._vectors.shape[1]

    def __len__(self):
        """The number of keys."""
        return len(self.index_to_key)

    def __contains__(self, key):
        """Whether ``key`` has a vector."""
        return key in self.key_to_index

    def __iter__(self):
        """Iterate over the keys, in index order."""
        return iter(self.index_to_key)

    def __repr__(self):
        """A short summary: class, number of keys and dimension."""
        return "<%s: %d keys, %d dimensions>" % (type(self).__name__, len(self), self.vector_size)

    def get_index(self, key, default=None):
        """The row index of ``key``; ``default`` if it is unknown and a default is given.

        Raises KeyError (naming the key) for an unknown key without a default.
        """
        index = self.key_to_index.get(key)
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

    # -- similarity ----------------------------------------------------------------------------

    def get_normed_vectors(self):
        """The vectors scaled to unit length (float32, V x d); zero vectors stay zero.

        Computed on first use and cached; treat the result as read-only.
        """
        if self._normed is None:
            norms = np.linalg.norm(self._vectors, axis=1, keepdims=True)
            norms[norms == 0] = 1.0  # leave all-zero rows at zero instead of NaN
            normed = self._vectors / norms
            normed.flags.writeable = False
            self._normed = normed
        return self._normed

    def _unit_query(self, item):
        """Return (unit vector, row index or None) for a key or a raw vector."""
        if isinstance(item, str):
            index = self.get_index(item)
            return self.get_normed_vectors()[index], index
        vector = np.asarray(item, dtype=np.float32)
        if vector.shape != (self.vector_size,):
            raise ValueError("a query vector must have shape (%d,), got %r"
                             % (self.vector_size, vector.shape))
        norm = np.linalg.norm(vector)
        return (vector / norm if norm > 0 else vector), None

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
        if isinstance(positive, str) or (isinstance(positive, np.ndarray) and positive.ndim == 1):
            positive = [positive]
        if isinstance(negative, str) or (isinstance(negative, np.ndarray) and negative.ndim == 1):
            negative = [negative]
        items = [(item, 1.0) for item in positive] + [(item, -1.0) for item in negative]
        if not items:
            raise ValueError("most_similar needs at least one positive or negative key")
        query = np.zeros(self.vector_size, dtype=np.float32)
        exclude = set()
        for item, weight in items:
            unit, index = self._unit_query(item)
            query += weight * unit
            if index is not None:
                exclude.add(index)
        norm = np.linalg.norm(query)
        if norm > 0:
            query /= norm
        limit = len(self) if restrict_vocab is None else max(0, min(int(restrict_vocab), len(self)))
        sims = self.get_normed_vectors()[:limit] @ query
        if topn is None:
            return sims
        # Enough candidates that dropping the query keys still leaves topn.
        wanted = min(int(topn) + len(exclude), limit)
        if wanted <= 0 or topn <= 0:
            return []
        if wanted < limit:
            best = np.argpartition(-sims, wanted - 1)[:wanted]
        else:
            best = np.arange(limit)
        best = best[np.argsort(-sims[best], kind="stable")]
        keys = self.index_to_key
        return [(keys[i], float(sims[i])) for i in best.tolist() if i not in exclude][:int(topn)]

    def similarity(self, key1, key2):
        """Cosine similarity of two keys' vectors (0.0 if either is a zero vector)."""
        normed = self.get_normed_vectors()
        return float(np.dot(normed[self.get_index(key1)], normed[self.get_index(key2)]))

    # -- files -------------------------------------------------------------------------------

    def save_word2vec_format(self, path, binary=True):
        """Write the vectors in word2vec format (binary or text; .gz/.bz2 compress; "-" writes
        text to stdout).  The file is written atomically; see :func:`w2vns.formats.write_word2vec`.
        """
        formats.write_word2vec(path, self.index_to_key, self._vectors, binary=binary)

    @classmethod
    def load_word2vec_format(cls, path, binary=None, limit=None):
        """Load a word2vec binary or text file (as written by word2vec, gensim, fastText or
        w2vns; compressed or not); ``binary=None`` autodetects, ``limit=N`` loads the first N
        vectors.  Raises :class:`w2vns.formats.FormatError` for malformed files."""
        keys, vectors = formats.read_word2vec(path, limit=limit, binary=binary)
        return cls(keys, vectors)

    @classmethod
    def load(cls, path):
        """Load vectors from ``path``, detecting the format (word2vec binary or text)."""
        return cls.load_word2vec_format(path)
