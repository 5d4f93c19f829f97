"""word2vec's Huffman tree over the vocabulary, for the hierarchical softmax (``--loss hs``).

The tree is built exactly as word2vec.c's ``CreateBinaryTree`` builds it (the two-queue
Huffman construction over the counts sorted by decreasing frequency, its tie rules included),
so that w2vns's hs and word2vec's ``-hs 1`` learn the same model. A word's path is the list of
inner nodes from the root down to its leaf (``points``) and, at each, which child the path
takes (``codes``: 0 or 1); the model's probability of word w given the input vector x is
``prod_j sigmoid((1 - 2 code_j) x . syn1[point_j])``, normalised over the vocabulary by
construction (the two children's probabilities at a node add up to the node's).

Inner nodes are numbered from the root (0) down, in the reverse of the order in which the
construction creates them (word2vec.c numbers them the other way, root last): the nodes with
the largest counts, the ones every path crosses, get the smallest ids, as the most frequent
words do, so that what treats low ids as hot (the kernel's per-thread hot-row copies) sees the
hottest inner nodes first.
"""
import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class HuffmanTree:
    """Each word's path, in CSR form: word w's path is ``points[offsets[w]:offsets[w+1]]``
    (uint32 inner-node ids, root first) with ``codes`` (uint8) alongside. A vocabulary of V
    words has V - 1 inner nodes."""

    offsets: np.ndarray
    points: np.ndarray
    codes: np.ndarray

    @property
    def lengths(self):
        """Each word's code length (its depth in the tree)."""
        return np.diff(self.offsets)

    @property
    def inner_nodes(self):
        return len(self.offsets) - 2

    def path(self, word):
        """(points, codes) of one word."""
        lo, hi = self.offsets[word], self.offsets[word + 1]
        return self.points[lo:hi], self.codes[lo:hi]

    def padded(self):
        """(points, codes, mask): (V, max length) arrays, each word's path left-aligned, mask
        True where a path has a node (vectorised scoring of many words at once)."""
        lengths = self.lengths
        width = max(1, int(lengths.max()))
        mask = np.arange(width)[None, :] < lengths[:, None]
        points = np.zeros(mask.shape, dtype=np.int64)
        codes = np.zeros(mask.shape, dtype=np.int64)
        points[mask] = self.points
        codes[mask] = self.codes
        return points, codes, mask

    def same_as(self, other):
        """Whether two trees give every word the same path."""
        return all(np.array_equal(a, b) for a, b in ((self.offsets, other.offsets),
                                                     (self.points, other.points),
                                                     (self.codes, other.codes)))


def huffman_tree(counts):
    """The Huffman tree over ``counts`` (one per word, any order; at least 2 words), built as
    word2vec.c builds it (see the module docstring)."""
    counts = np.asarray(counts, dtype=np.int64)
    vocab = len(counts)
    if vocab < 2:
        raise ValueError("a Huffman tree needs at least 2 words, not %d" % vocab)
    # word2vec.c works on counts sorted by decreasing frequency (its vocabulary is sorted so);
    # ties keep their order, as they do in w2vns's vocabulary.
    order = np.argsort(-counts, kind="stable")
    # Python lists: this loop is a scalar walk, where list indexing is several times faster
    # than numpy's (~0.1 s for 100k words).
    # Nodes not made yet count more than any (word2vec.c: 1e15; the total + 1 also holds for
    # counts beyond that).
    count = counts[order].tolist() + [max(10 ** 15, int(counts.sum()) + 1)] * vocab
    parent = [0] * (2 * vocab - 1)
    binary = [0] * (2 * vocab - 1)
    pos1, pos2 = vocab - 1, vocab
    for a in range(vocab - 1):
        if pos1 >= 0 and count[pos1] < count[pos2]:
            min1, pos1 = pos1, pos1 - 1
        else:
            min1, pos2 = pos2, pos2 + 1
        if pos1 >= 0 and count[pos1] < count[pos2]:
            min2, pos1 = pos1, pos1 - 1
        else:
            min2, pos2 = pos2, pos2 + 1
        count[vocab + a] = count[min1] + count[min2]
        parent[min1] = parent[min2] = vocab + a
        binary[min2] = 1
    parent, binary = np.array(parent, dtype=np.int64), np.array(binary, dtype=np.uint8)
    root = 2 * vocab - 2
    # Climb from every leaf at once, one level per step: step i gives, for each word still
    # below the root, the code of the node it stands on and that node's parent.
    node = np.arange(vocab, dtype=np.int64)
    steps = []
    while True:
        active = np.nonzero(node != root)[0]
        if len(active) == 0:
            break
        steps.append((active, binary[node[active]], parent[node[active]]))
        node[active] = parent[node[active]]
    depth = np.zeros(vocab, dtype=np.int64)
    for active, _, _ in steps:
        depth[active] += 1
    offsets = np.zeros(vocab + 1, dtype=np.int64)
    np.cumsum(depth, out=offsets[1:])
    points = np.zeros(offsets[-1], dtype=np.uint32)
    codes = np.zeros(offsets[-1], dtype=np.uint8)
    for i, (active, code, above) in enumerate(steps):
        at = offsets[active] + depth[active] - 1 - i  # step i is i levels above the leaf
        codes[at] = code
        points[at] = root - above  # renumbered: root 0, then the latest-made nodes
    # Back from sorted positions to word ids: word w's path is that of its sorted position.
    position = np.empty(vocab, dtype=np.int64)
    position[order] = np.arange(vocab)
    word_lengths = depth[position]
    word_offsets = np.zeros(vocab + 1, dtype=np.int64)
    np.cumsum(word_lengths, out=word_offsets[1:])
    gather = np.arange(offsets[-1]) + np.repeat(offsets[position] - word_offsets[:-1],
                                                word_lengths)
    return HuffmanTree(word_offsets, points[gather], codes[gather])
