"""The loss registry: the one list of losses, which validation, the kernel, checkpoints and the
command line all read."""
import numpy as np
import pytest

import w2vns
from w2vns.training import losses
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
