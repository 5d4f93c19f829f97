"""Held-out log-likelihood (w2vns.apps.heldout): the exact normalised cross-entropy of held-out
pairs, checked against a direct numpy computation, on the models each loss trains."""
import math

import numpy as np
import pytest

import w2vns
from w2vns.apps import heldout
from w2vns.apps.tune import heldout_pairs
from w2vns.corpus import synthetic
from w2vns.training.huffman import huffman_tree
from w2vns.training.weights import Weights


class Vocab:
    def __init__(self, words, counts):
        self.words, self.counts = words, np.asarray(counts)

    def __len__(self):
        return len(self.words)


class TinyModel:
    """What evaluate_heldout reads: vocab, weights, params."""

    def __init__(self, weights, counts, window=2, sample=0.0):
        self.vocab = Vocab([b"w%d" % i for i in range(len(counts))], counts)
        self.weights = weights
        self.params = {"window": window, "sample": sample}


V, DIM = 9, 5
LINES = ["w%d w%d w%d w%d w%d w%d w%d" % tuple((i * 3 + k) % V for k in range(7))
         for i in range(12)] + ["w1 unknown w2"]


def direct_log_prob(weights, counts, centre, context):
    """log p(centre | context) straight from the definitions, in float64, one pair at a time."""
    x = weights.syn0[context].astype(np.float64)
    if "syn1" in weights.extras:
        points, codes = huffman_tree(counts).path(centre)
        total = 0.0
        for node, code in zip(points, codes):
            f = x @ weights.extras["syn1"][node].astype(np.float64)
            p_one = 1 / (1 + math.exp(-f))  # the branch word2vec labels 1 (code 0)
            total += math.log(p_one if code == 0 else 1 - p_one)
        return total
    scores = weights.syn1neg.astype(np.float64) @ x
    if "output_bias" in weights.extras:
        scores = scores + weights.extras["output_bias"]
    return scores[centre] - math.log(np.exp(scores).sum())


def random_weights(kind, seed=0):
    rng = np.random.default_rng(seed)
    syn0 = rng.normal(0, 1, (V, DIM)).astype(np.float32)
    syn1neg = rng.normal(0, 1, (V, DIM)).astype(np.float32)
    extras = {}
    if kind == "bias":
        extras["output_bias"] = rng.normal(0, 2, V).astype(np.float32)
    if kind == "hs":
        extras["syn1"] = rng.normal(0, 1, (V - 1, DIM)).astype(np.float32)
    return Weights(syn0, syn1neg, extras)


@pytest.mark.parametrize("kind", ["plain", "bias", "hs"])
def test_cross_entropy_equals_a_direct_numpy_computation(kind):
    counts = np.arange(V, 0, -1) * 3
    weights = random_weights(kind)
    model = TinyModel(weights, counts)
    result = heldout.evaluate_heldout(model, LINES, max_pairs=200, seed=4)
    lines = [line.encode() for line in LINES]
    centre, context, _ = heldout_pairs(lines, model.vocab, 2, 0.0, 4, max_pairs=200, noise=0)
    expected = -np.mean([direct_log_prob(weights, counts, w, c)
                         for w, c in zip(centre.tolist(), context.tolist())])
    assert result.pairs == len(centre) > 50
    assert abs(result.cross_entropy - expected) < 1e-5
    assert math.isclose(result.perplexity, math.exp(result.cross_entropy))
    assert math.isclose(result.bits, result.cross_entropy / math.log(2))
    if kind == "hs":
        assert result.mean_log_partition is None
    else:
        scores = weights.syn0[context].astype(np.float64) @ weights.syn1neg.T.astype(np.float64)
        scores += weights.extras.get("output_bias", 0)
        log_z = np.log(np.exp(scores).sum(axis=1))
        assert abs(result.mean_log_partition - log_z.mean()) < 1e-5


def test_uniform_scores_give_log_v():
    """All-zero output vectors: every word has probability 1/V, so the cross-entropy is log V."""
    weights = random_weights("plain")
    weights.syn1neg[:] = 0
    result = heldout.evaluate_heldout(TinyModel(weights, np.ones(V)), LINES, seed=1)
    assert abs(result.cross_entropy - math.log(V)) < 1e-6
    assert abs(result.mean_log_partition - math.log(V)) < 1e-6


def test_no_pair_in_the_vocabulary_is_an_error():
    with pytest.raises(ValueError, match="no held-out pair"):
        heldout.evaluate_heldout(TinyModel(random_weights("plain"), np.ones(V)),
                                 ["nothing known here", "w1"])


def test_trained_models_are_scored_and_nce_is_self_normalised(tmp_path):
    """On the synthetic corpus: the losses that estimate a normalised model beat a uniform
    guess, SGNS (a shifted PMI, never trained to normalise) does worse than NCE; NCE's scores
    are nearly log-probabilities already (mean log Z ~ 0, its fixed Z = 1), SGNS's far from
    it; a saved model scores as the trained one does."""
    lines = synthetic.generate_corpus(3000, seed=3)
    train, held = lines[:2500], lines[2500:]
    results = {}
    for loss in ("sgns", "nce", "hs", "sampled-softmax"):
        model = w2vns.train(train, loss=loss, dim=16, epochs=2, threads=1, min_count=3)
        results[loss] = heldout.evaluate_heldout(model, held, max_pairs=3000)
        if loss != "sgns":
            assert results[loss].cross_entropy < math.log(len(model.vocab)) - 0.3
    assert results["sgns"].cross_entropy > results["nce"].cross_entropy + 0.5
    assert abs(results["nce"].mean_log_partition) < 0.5
    assert results["sgns"].mean_log_partition > 2
    model.save(tmp_path / "m")
    again = heldout.evaluate_heldout(w2vns.training.checkpoint.load(tmp_path / "m"), held,
                                     max_pairs=3000)
    assert abs(again.cross_entropy - results["sampled-softmax"].cross_entropy) < 1e-9
