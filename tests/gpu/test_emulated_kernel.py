"""The CUDA kernels' logic on the CPU: sgns.cu compiled with g++ around a one-warp emulator
(warp_emulator.cpp: 32 threads in lockstep at each warp intrinsic) subsamples and trains as
the numpy reference does, through the backend's layout, tasks and launches. Sentences are cut
at 7 kept words and tasks hold 5 centres here, so that the cut and the task boundaries are
exercised; the GPU build cuts at MAX_SENTENCE_LENGTH."""
import numpy as np
import pytest

from w2vns.corpus import synthetic
from w2vns.corpus.encode import SENTENCE_END, encode_corpus
from w2vns.gpu import backend
from w2vns.gpu.backend import CudaBackend, compile_options, launch_slices, row_regs
from w2vns.gpu.draws import epoch_key
from w2vns.gpu.layout import EpochLayout, sentence_index
from w2vns.training.kernel import kernel_tables
from w2vns.training.params import TrainParams
from w2vns.training.weights import initial_weights

from w2vns.training.api import train as train_here

from . import emulator, reference
MAX_SENTENCE = 7
TASK_SIZE = 5


@pytest.fixture(scope="module", params=[(40, "sgns", True), (128, "sgns", True),
                                        (40, "nce", True), (128, "nce", False)])
def kernels(request, tmp_path_factory):
    """The emulated keep_flags and sgns_train for dim 40 (two row elements a lane) or 128
    (rows moved as float4s), SGNS or NCE (with or without output biases), 3 noise words,
    groups of 2."""
    dim, loss, nce_bias = request.param
    options = [o for o in compile_options(dim, 3, 2, loss=loss, nce_bias=nce_bias)
               if "MAX_SENTENCE" not in o]
    lib = emulator.build(options + ["-DW2V_MAX_SENTENCE=%d" % MAX_SENTENCE],
                         tmp_path_factory.mktemp("emulator"))
    return dict(dim=dim, loss=loss, nce_bias=nce_bias), lib.run_keep_flags, lib.run_sgns_train


def pointer(array):
    return array.ctypes.data


def test_the_kernels_run_as_one_warp_train_as_the_numpy_reference(kernels):
    settings, keep_flags, sgns_train = kernels
    lines = synthetic.generate_corpus(40, seed=2)
    p = TrainParams(window=3, negative=3, context_group=2, sample=1e-2, epochs=2, min_count=2,
                    seed=9, alpha=0.05, **settings).validate().resolved()
    encoded = encode_corpus(lines, p.min_count)
    weights = initial_weights(encoded.vocab.counts, p)
    stream = np.ascontiguousarray(encoded.stream, dtype=np.uint32)
    sentence_of = sentence_index(np, stream, SENTENCE_END)
    tables = {k: np.ascontiguousarray(v) for k, v in
              kernel_tables(encoded.vocab.counts, p).items()}
    vocab, stride = len(encoded.vocab), row_regs(p.dim) * 32
    syn0 = np.zeros((vocab, stride), np.float32)
    syn1 = np.zeros((vocab, stride), np.float32)
    syn0[:, :p.dim] = weights.syn0
    ref0, ref1 = np.ascontiguousarray(weights.syn0), np.ascontiguousarray(weights.syn1neg)
    bias = weights.extras.get("output_bias")  # NCE's, or None
    ref_bias = None if bias is None else bias.copy()
    log_kq = tables.get("log_kq", np.zeros(1, np.float32))
    gpu_bias = np.zeros(1, np.float32) if bias is None else bias.copy()
    total = float(encoded.tokens) * p.epochs
    words, totals, counter = np.zeros(1, np.uint64), np.zeros(2, np.float64), np.zeros(1, np.uint32)
    done = pairs = 0
    for epoch in range(p.epochs):
        key = epoch_key(p.seed, epoch)
        flags = np.empty(len(stream), np.uint8)
        keep_flags(pointer(stream), len(stream), pointer(tables["keep"]), key, pointer(flags))
        assert (flags == reference.kept_flags(stream, tables["keep"], key)).all()
        layout = EpochLayout(np, stream, flags, sentence_of, encoded.sentences, encoded.tokens,
                             task_size=TASK_SIZE)
        arrays = [np.ascontiguousarray(a) for a in (layout.ids, layout.positions,
                                                    layout.sentence, layout.sent_first,
                                                    layout.words_start)]
        for first, last in launch_slices(layout.tasks, slices=3):
            counter[0] = 0
            sgns_train(*map(pointer, arrays[:4]), layout.kept, TASK_SIZE, first, last - first,
                       pointer(counter), pointer(arrays[4]), pointer(tables["noise_prob"]),
                       pointer(tables["noise_alias"]), vocab, pointer(log_kq), pointer(gpu_bias),
                       pointer(syn0), pointer(syn1),
                       stride, p.window, key, p.alpha, p.min_alpha, total, pointer(words),
                       pointer(totals))
        done, _, n = reference.train_epoch(layout, tables, ref0, ref1, p.window, p.negative,
                                           p.context_group, key, p.alpha, p.min_alpha, total,
                                           done, max_sentence=MAX_SENTENCE, bias=ref_bias)
        pairs += n
    assert int(words[0]) == done == encoded.tokens * p.epochs
    assert int(totals[1]) == pairs > 0
    assert np.abs(ref1).max() > 0.002  # it learned something
    np.testing.assert_allclose(syn0[:, :p.dim], ref0, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(syn1[:, :p.dim], ref1, rtol=1e-5, atol=1e-7)
    assert not syn0[:, p.dim:].any() and not syn1[:, p.dim:].any()  # the padding stays zero
    if bias is not None:
        np.testing.assert_allclose(gpu_bias, ref_bias, rtol=1e-5, atol=1e-7)
        assert not np.allclose(gpu_bias, bias)  # the biases learned


def test_the_backend_trains_through_the_emulated_kernels_as_the_reference(monkeypatch,
                                                                          tmp_path):
    """``train(..., backend=CudaBackend())`` end to end, with CuPy stood in for by numpy and
    the emulated kernels (emulator.fake_cupy): the backend's transfers, layouts, launches,
    counters and report, against the reference."""
    monkeypatch.setattr(backend, "require_gpu", lambda: emulator.fake_cupy(tmp_path))
    lines = synthetic.generate_corpus(30, seed=4)
    params = dict(dim=40, window=2, negative=2, sample=1e-2, epochs=2, min_count=2, seed=3,
                  alpha=0.05, loss="nce")
    model = train_here(lines, backend=CudaBackend(blocks=1, warps_per_block=1), **params)
    p = TrainParams(**params).validate().resolved()
    encoded = encode_corpus(lines, p.min_count)
    weights = initial_weights(encoded.vocab.counts, p)
    syn0, syn1 = np.ascontiguousarray(weights.syn0), np.ascontiguousarray(weights.syn1neg)
    bias = weights.extras["output_bias"]
    done, pairs = reference.train_run(encoded, p, syn0, syn1, bias=bias)
    report = model.report
    assert report["words_done"] == done == encoded.tokens * p.epochs
    assert report["pairs"] == pairs > 0
    assert report["gpu"]["name"] == "emulated warp" and report["gpu"]["warps"] == 1
    np.testing.assert_allclose(model.wv.vectors, syn0, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.syn1neg, syn1, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(model.output_bias, bias, rtol=1e-5, atol=1e-7)


def test_a_gpu_without_the_memory_for_the_run_is_one_clear_error(monkeypatch, tmp_path):
    fake = emulator.fake_cupy(tmp_path)

    def no_memory(*args, **kwargs):
        raise emulator.OutOfMemory("Out of memory allocating 4,000,000,000 bytes")

    fake.asarray = no_memory
    monkeypatch.setattr(backend, "require_gpu", lambda: fake)
    with pytest.raises(backend.GpuUnavailable, match="memory is too small for this run .Out of "
                       "memory allocating 4,000,000,000 bytes.; the CPU trains it"):
        train_here(synthetic.generate_corpus(30, seed=4), backend=CudaBackend(), min_count=2)
