"""The CUDA backend on a GPU (skipped without one): one warp against the numpy reference,
quality against the CPU threads, and the command line's outputs."""
import json

import numpy as np
import pytest

import w2vns
from w2vns.apps.evaluation import evaluate_analogies
from w2vns.corpus import synthetic
from w2vns.corpus.encode import encode_corpus
from w2vns.gpu.backend import CudaBackend
from w2vns.training.api import train as train_here
from w2vns.training.params import TrainParams
from w2vns.training.weights import initial_weights

from ..helpers import w2vns as run_cli
from . import reference


@pytest.mark.parametrize("loss", ["sgns", "nce"])
def test_one_warp_trains_as_the_numpy_reference(cupy, loss):
    """One block of one warp takes the tasks in order, as reference.py does (SGNS; NCE with
    its output biases): same subsampling, same draws, same update order; the weights agree up
    to float rounding (dot products summed in another order, the GPU's exp). Groups of 2
    contexts and 3 noise words, subsampling on, 2 epochs, dim 40 (two row elements a lane, the
    second half padding)."""
    lines = synthetic.generate_corpus(400, seed=2)
    params = dict(dim=40, window=3, negative=3, context_group=2, sample=1e-2, epochs=2,
                  min_count=2, seed=9, alpha=0.05, loss=loss)
    model = train_here(lines, backend=CudaBackend(blocks=1, warps_per_block=1), **params)

    p = TrainParams(**params).validate().resolved()
    encoded = encode_corpus(lines, p.min_count)
    weights = initial_weights(encoded.vocab.counts, p)
    syn0 = np.ascontiguousarray(weights.syn0)
    syn1 = np.ascontiguousarray(weights.syn1neg)
    bias = weights.extras.get("output_bias")
    done, pairs = reference.train_run(encoded, p, syn0, syn1, bias=bias)
    assert model.report["pairs"] == pairs
    assert model.report["words_done"] == done == encoded.tokens * p.epochs
    assert np.abs(model.syn1neg).max() > 0.01  # it learned something
    np.testing.assert_allclose(model.wv.vectors, syn0, rtol=1e-3, atol=2e-5)
    np.testing.assert_allclose(model.syn1neg, syn1, rtol=1e-3, atol=2e-5)
    if loss == "nce":
        np.testing.assert_allclose(model.output_bias, bias, rtol=1e-3, atol=2e-5)


def planted_accuracy(model, tmp_path):
    path = tmp_path / "planted-questions.txt"
    if not path.exists():
        synthetic.write_analogy_questions(path)
    return evaluate_analogies(model.wv, str(path))["accuracy"]


@pytest.mark.parametrize("atomic", [True, False])
def test_the_whole_gpu_learns_the_planted_relations_as_the_cpu_does(cupy, tmp_path, atomic):
    """Planted analogies (~1,000 questions), thousands of warps at once against two CPU
    threads: within 0.08 (the tolerance of the distributed test, 2.8 standard deviations of
    the difference of two runs at these settings)."""
    lines = synthetic.generate_corpus(12000, seed=3)
    settings = dict(dim=40, epochs=4, min_count=5, seed=1)
    cpu = planted_accuracy(w2vns.train(lines, threads=2, **settings), tmp_path)
    gpu = planted_accuracy(train_here(lines, backend=CudaBackend(atomic=atomic), **settings),
                           tmp_path)
    assert cpu > 0.25
    assert gpu >= cpu - 0.08, (gpu, cpu)


def test_the_command_line_trains_on_the_gpu_and_writes_word2vec_files(cupy, tmp_path):
    corpus = tmp_path / "corpus.txt"
    synthetic.write_corpus(corpus, 3000, seed=1)
    out, report = tmp_path / "v.bin", tmp_path / "r.json"
    done = run_cli("train", corpus, "--device", "cuda", "-o", out, "--report", report,
                   "--dim", "32", "--epochs", "2")
    assert done.returncode == 0, done.stderr.decode()
    summary = json.loads(report.read_text())
    assert summary["gpu"]["memory_bytes"] > 0
    vectors = w2vns.KeyedVectors.load(str(out))
    assert vectors.vectors.shape == (summary["vocab_size"], 32)
    assert np.isfinite(vectors.vectors).all()
    gensim = pytest.importorskip("gensim")
    loaded = gensim.models.KeyedVectors.load_word2vec_format(str(out), binary=True)
    np.testing.assert_array_equal(loaded.vectors, vectors.vectors)
