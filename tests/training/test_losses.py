"""The loss registry: the one list of losses, which validation, the kernel, checkpoints and the
command line all read."""
import numpy as np
import pytest

import w2vns
from w2vns.training import checkpoint, losses
from w2vns.training._kernel import OBJECTIVES
from w2vns.training.backend import Backend
from w2vns.training.params import TrainParams
from w2vns.training.threads import ThreadBackend


def test_every_registered_loss_has_a_kernel_objective():
    assert set(losses.LOSSES) <= set(OBJECTIVES) | {
        loss.objective for loss in losses.LOSSES.values()}
    for loss in losses.LOSSES.values():
        assert loss.objective in OBJECTIVES
        assert loss.help


def test_a_name_is_registered_once():
    with pytest.raises(ValueError, match="registered already"):
        losses.register(losses.Loss("sgns", "again", objective="sgns"))


def test_unknown_loss_is_one_clear_error():
    with pytest.raises(ValueError, match="loss must be one of sgns, nce"):
        TrainParams(loss="hinge").validate()
    with pytest.raises(ValueError, match="unknown loss 'hinge' \\(known: sgns, nce"):
        losses.get("hinge")


@pytest.mark.parametrize("loss", ["sgns", "nce"])
def test_losses_that_learn_from_noise_words_need_at_least_one(loss):
    assert losses.get(loss).needs_negatives
    with pytest.raises(ValueError, match="negative must be >= 1 with the %s loss" % loss):
        TrainParams(loss=loss, negative=0).validate()
    TrainParams(loss=loss, negative=1).validate()


def test_extras_follow_the_loss_and_its_options():
    assert TrainParams(loss="sgns").extras == ()
    assert [e.name for e in TrainParams(loss="nce").extras] == ["output_bias"]
    assert TrainParams(loss="nce", nce_bias=False).extras == ()


def test_the_model_carries_and_saves_the_extras_the_loss_declares(tmp_path):
    lines = ["a b c d e f"] * 50
    model = w2vns.train(lines, loss="nce", min_count=1, dim=8, epochs=1, threads=1)
    assert set(model.extras) == {"output_bias"}
    assert model.output_bias is model.extras["output_bias"]
    model.save(tmp_path / "m")
    again = w2vns.train(lines, init=str(tmp_path / "m"), epochs=1, threads=1)
    assert again.params.loss == "nce" and set(again.extras) == {"output_bias"}
    assert w2vns.train(lines, min_count=1, dim=8, epochs=1, threads=1).extras == {}


def test_a_backend_is_what_train_hands_the_job_to():
    class Recording(Backend):
        def __init__(self):
            self.jobs = []

        def run(self, job, state=None, checkpointer=None):
            self.jobs.append(job)
            return ThreadBackend().run(job, state, checkpointer)

    backend = Recording()
    model = w2vns.train(["a b c d"] * 20, min_count=1, dim=8, epochs=2, threads=1, seed=3,
                        backend=backend)
    [job] = backend.jobs
    assert job.params.epochs == 2 and job.encoded.tokens == 80
    assert model.syn1neg is job.weights.syn1neg  # trained in place
    plain = w2vns.train(["a b c d"] * 20, min_count=1, dim=8, epochs=2, threads=1, seed=3)
    assert np.array_equal(plain.wv.vectors, model.wv.vectors)


@pytest.mark.parametrize("loss", ["hs", "softmax"])
def test_the_softmax_losses_draw_no_noise_and_take_negative_0(loss):
    assert not losses.get(loss).needs_negatives
    TrainParams(loss=loss, negative=0).validate()
    model = w2vns.train(["a b c d e f"] * 30, loss=loss, negative=0, min_count=1, dim=8,
                        epochs=1, threads=1)
    assert np.isfinite(model.wv.vectors).all()


@pytest.mark.parametrize("loss", ["hs", "softmax", "sampled-softmax"])
def test_hard_and_adversarial_negatives_are_for_the_logistic_losses(loss):
    with pytest.raises(ValueError, match="hard_negatives must be 0 with the %s loss \\(it "
                                         "applies to sgns, nce\\)" % loss):
        TrainParams(loss=loss, hard_negatives=10).validate()
    with pytest.raises(ValueError, match="adversarial_temperature must be 0 with the %s" % loss):
        TrainParams(loss=loss, adversarial_temperature=1.0).validate()


def test_softmax_is_refused_above_its_vocabulary_limit_unless_forced(monkeypatch):
    monkeypatch.setattr(losses, "SOFTMAX_MAX_VOCAB", 5)
    lines = ["a b c d e f g"] * 10
    with pytest.raises(ValueError, match="meant for at most 5 words; this one has 7"):
        w2vns.train(lines, loss="softmax", min_count=1, dim=8, epochs=1, threads=1)
    model = w2vns.train(lines, loss="softmax", force_softmax=True, min_count=1, dim=8,
                        epochs=1, threads=1)
    assert len(model.vocab) == 7
    w2vns.train(lines, loss="softmax", max_vocab=5, min_count=1, dim=8, epochs=1, threads=1)


def test_hs_learns_an_inner_node_matrix_that_the_model_saves(tmp_path):
    lines = ["a b c d e f"] * 50 + ["a b c"] * 20
    model = w2vns.train(lines, loss="hs", negative=0, min_count=1, dim=8, epochs=1, threads=1)
    syn1 = model.extras["syn1"]
    assert syn1.shape == (5, 8) and syn1.dtype == np.float32 and np.abs(syn1).max() > 0
    assert not model.syn1neg.any()  # hs scores through the tree only
    model.save(tmp_path / "m")
    saved = checkpoint.load(tmp_path / "m")
    assert saved.extras["syn1"].tobytes() == np.ascontiguousarray(syn1).tobytes()


def test_continued_hs_keeps_its_inner_nodes_only_for_the_same_tree(tmp_path):
    """--init rebuilds the Huffman tree over the new counts; the saved inner-node vectors are
    kept when every word's path is the same, and start again from zero otherwise."""
    lines = ["a b c d e f"] * 50 + ["a b c"] * 20 + ["a"] * 30
    model = w2vns.train(lines, loss="hs", min_count=1, dim=8, epochs=1, threads=1)
    model.save(tmp_path / "m")
    # The same corpus: every count doubles, the tree is the same; a tiny learning rate keeps
    # the vectors where they were.
    same = w2vns.train(lines, init=str(tmp_path / "m"), epochs=1, threads=1, alpha=1e-9)
    np.testing.assert_allclose(same.extras["syn1"], model.extras["syn1"], atol=1e-6)
    assert np.abs(same.extras["syn1"]).max() > 0
    # A new word: a different tree, whose inner nodes start from zero (and learn again).
    grown = w2vns.train(["g h a"] * 40, init=str(tmp_path / "m"), epochs=1, threads=1,
                        alpha=1e-9)
    assert grown.extras["syn1"].shape == (len(grown.vocab) - 1, 8)
    assert np.abs(grown.extras["syn1"]).max() < 1e-6
