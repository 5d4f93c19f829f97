"""word2vec's Huffman tree for hierarchical softmax: prefix-free codes, optimal lengths, word2vec's
own construction, and a normalised model."""
import itertools

import numpy as np
import pytest

from w2vns.apps.heldout import tree_log_probs
from w2vns.training.huffman import huffman_tree


def codes_of(tree):
    return ["".join(map(str, tree.path(w)[1])) for w in range(len(tree.offsets) - 1)]


def test_a_hand_checked_example():
    """Counts 5, 2, 1, 1: merge 1+1 (node A, 2), then the word of count 2 with A (node B, 4),
    then B with the word of count 5 (the root, 9). word2vec.c labels the second-smallest of
    each merge 1: the words get codes 1, 01, 001 and 000 (root first)."""
    tree = huffman_tree([5, 2, 1, 1])
    assert codes_of(tree) == ["1", "01", "001", "000"]
    assert tree.lengths.tolist() == [1, 2, 3, 3]
    # Inner nodes numbered from the root: root 0, B 1, A 2.
    assert [tree.path(w)[0].tolist() for w in range(4)] == [[0], [0, 1], [0, 1, 2], [0, 1, 2]]
    assert tree.inner_nodes == 3


def optimal_cost(counts, longest):
    """The least sum of count x length over all code lengths (up to ``longest``) that satisfy
    Kraft's inequality, by brute force: the cost of an optimal prefix code."""
    best = None
    for lengths in itertools.product(range(1, longest + 1), repeat=len(counts)):
        if sum(2.0 ** -l for l in lengths) <= 1:
            cost = sum(c * l for c, l in zip(counts, lengths))
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("counts", [[5, 2, 1, 1], [10, 6, 3, 3, 2, 1], [4, 4, 4, 4, 4],
                                    [1, 1, 2, 3, 5, 8], [9, 1, 1, 1, 1, 1, 1]])
def test_code_lengths_are_optimal(counts):
    tree = huffman_tree(counts)
    cost = int((tree.lengths * np.array(counts)).sum())
    assert cost == optimal_cost(counts, len(counts) - 1)


def test_codes_are_prefix_free_and_longer_for_rarer_words():
    counts = np.random.default_rng(3).zipf(1.5, 300).clip(1, 10 ** 6)
    tree = huffman_tree(counts)
    codes = codes_of(tree)
    assert len(set(codes)) == len(codes)
    ordered = sorted(codes)
    # In sorted order a code that is a prefix of another comes right before one it prefixes.
    assert not any(b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    # A rarer word never has a shorter code than a more frequent one.
    by_count = np.argsort(-counts, kind="stable")
    assert (np.diff(tree.lengths[by_count]) >= 0).all()
    # Every inner node is on some path, and the root on all of them.
    assert set(tree.points.tolist()) == set(range(len(counts) - 1))
    assert all(tree.path(w)[0][0] == 0 for w in range(len(counts)))


def test_the_tree_follows_the_counts_not_the_ids():
    counts = np.array([3, 50, 7, 7, 1, 20])
    tree, sorted_tree = huffman_tree(counts), huffman_tree(np.sort(counts)[::-1].copy())
    order = np.argsort(-counts, kind="stable")
    assert codes_of(tree) == [codes_of(sorted_tree)[np.nonzero(order == w)[0][0]]
                              for w in range(len(counts))]


def test_path_probabilities_sum_to_one_over_the_vocabulary():
    """HS is a normalised model: for any input vector, sum_w prod_j sigmoid(+-x . syn1[node])
    over the words' paths is 1 (at each node the two branches' probabilities add up)."""
    rng = np.random.default_rng(0)
    counts = rng.integers(1, 1000, 57)
    tree = huffman_tree(counts)
    syn1 = rng.normal(0, 1.0, (56, 8))
    syn0 = rng.normal(0, 1.0, (3, 8))
    for context in range(3):
        log_p = tree_log_probs(syn0, syn1, tree, np.arange(57), np.full(57, context))
        assert abs(np.exp(log_p).sum() - 1) < 1e-12


def test_fewer_than_two_words_have_no_tree():
    with pytest.raises(ValueError, match="at least 2 words"):
        huffman_tree([7])
