"""The softmax family (hs, softmax, sampled-softmax): each kernel update against a numpy
reference in both loops, the gradients against finite differences of each loss, and sampled
softmax's expected gradient against the full softmax's as the number of draws grows."""
import numpy as np
import pytest

import w2vns
from w2vns.corpus import synthetic
from w2vns.training import losses
from w2vns.training._kernel import Kernel
from w2vns.training.kernel import KernelSettings
from w2vns.training.params import TrainParams
from w2vns.training.weights import Weights

from .reference import step_window, table_sigmoid

V, DIM, K = 40, 16, 4
ALPHA = 0.05
SENT = 0xFFFFFFFF
COUNTS = (np.arange(V, 0, -1) * 10).astype(np.int64)
SOFTMAX_LOSSES = ["hs", "softmax", "sampled-softmax"]


def make(loss, fast, seed=0, negative=K, hot_rows=0, scale=0.3, group=0):
    """A one-thread kernel for ``loss`` on random weights (HS: random inner nodes too), with
    the tables training would give it. Returns (kernel, syn0, output matrix, tables): the
    arrays it trains in place; the output matrix is syn1 for hs, syn1neg otherwise."""
    rng = np.random.default_rng(seed)
    params = TrainParams(loss=loss, negative=negative, dim=DIM)
    entry = losses.get(loss)
    syn0 = rng.normal(0, scale, (V, DIM)).astype(np.float32)
    syn1neg = rng.normal(0, scale, (V, DIM)).astype(np.float32)
    extras = {}
    if loss == "hs":
        extras["syn1"] = rng.normal(0, scale, (V - 1, DIM)).astype(np.float32)
    tables = {"keep": np.full(V, 0xFFFFFFFF, dtype=np.uint32),
              "noise_prob": np.full(V, 0xFFFFFFFF, dtype=np.uint32),
              "noise_alias": np.arange(V, dtype=np.uint32)}
    tables.update(entry.tables(COUNTS, params))
    kernel = Kernel(Weights(syn0, syn1neg, extras), np.array([0, 1, SENT], dtype=np.uint32),
                    tables, KernelSettings(
                        objective=entry.objective, window=5, negative=negative,
                        max_targets=entry.max_targets(V, params, tables), alpha=ALPHA,
                        min_alpha=ALPHA, total_words=1.0, threads=1, seed=1, fast=fast,
                        hot_rows=hot_rows, context_group=group))
    output = extras["syn1"] if loss == "hs" else syn1neg
    return kernel, syn0, output, tables


def targets_and_labels(loss, centre, samples, tables):
    """The rows of the output matrix one centre word is scored against, in the kernel's
    order, and (hs) the label of each: 1 - code."""
    if loss == "hs":
        lo, hi = tables["hs_offsets"][centre], tables["hs_offsets"][centre + 1]
        return (tables["hs_points"][lo:hi].astype(np.int64),
                1.0 - tables["hs_codes"][lo:hi])
    if loss == "softmax":
        return np.array([centre] + [w for w in range(V) if w != centre]), None
    return np.array([centre] + list(samples)), None


def reference_scales(loss, scores, targets, labels, tables):
    """Gradient scales of one input's scores: hs, (label - sigmoid(f)) * alpha from the table
    and 0 beyond +-6 (word2vec.c's skip); the softmaxes, (1[t = 0] - p_t) * alpha."""
    if loss == "hs":
        g = (labels - table_sigmoid(scores)) * ALPHA
        return np.where(np.abs(scores) < 6, g, 0.0)
    logits = scores - tables["log_kq"][targets] if loss == "sampled-softmax" else scores
    p = np.exp(logits - logits.max())
    p /= p.sum()
    g = -p * ALPHA
    g[0] += ALPHA
    return g


def reference_update(loss, syn0, output, centre, contexts, samples, tables, fast,
                     sequential=False):
    """numpy: the input vectors and the output matrix after one window (fast) or one pair per
    context in turn (reference), as :func:`step_window` takes them (``sequential``: a group of
    a window split in several)."""
    syn0, output = syn0.astype(np.float64), output.astype(np.float64)
    targets, labels = targets_and_labels(loss, centre, samples, tables)
    step_window(syn0, output, contexts, targets,
                lambda scores: reference_scales(loss, scores, targets, labels, tables), fast,
                sequential)
    return syn0, output


CONTEXTS = np.array([5, 7, 9, 5], dtype=np.uint32)  # a repeated context too
SAMPLES = [11, 3, 20, 11]  # the centre drawn, and a repeated draw: both kept


@pytest.mark.parametrize("samples", [SAMPLES, [11, 3, 20, 30]])
@pytest.mark.parametrize("loss", SOFTMAX_LOSSES)
def test_a_window_in_groups_matches_numpy(loss, samples):
    """Two groups of two contexts, each taken context by context from the weights the group
    before it left: the softmax over 40 words in two tiles of rows, HS and sampled softmax
    (distinct targets: their rows carried in registers; a repeated draw: updated in place)."""
    kernel, syn0, output, tables = make(loss, True, group=2)
    expected0, expected1 = syn0, output
    for lo, hi in [(0, 2), (2, 4)]:
        expected0, expected1 = reference_update(loss, expected0, expected1, 3, CONTEXTS[lo:hi],
                                                samples, tables, True, sequential=True)
    kernel.update(3, CONTEXTS, np.array(samples, dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, expected0, atol=2e-6)
    assert np.allclose(output, expected1, atol=2e-6)


@pytest.mark.parametrize("hot_rows", [0, 8])
@pytest.mark.parametrize("fast", [True, False])
@pytest.mark.parametrize("loss", SOFTMAX_LOSSES)
def test_one_update_matches_numpy(loss, fast, hot_rows):
    kernel, syn0, output, tables = make(loss, fast, hot_rows=hot_rows)
    centre = 3
    expected0, expected1 = reference_update(loss, syn0, output, centre, CONTEXTS, SAMPLES,
                                            tables, fast)
    before = output.copy()
    kernel.update(centre, CONTEXTS, np.array(SAMPLES, dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, expected0, atol=2e-6)
    assert np.allclose(output, expected1, atol=2e-6)
    targets, _ = targets_and_labels(loss, centre, SAMPLES, tables)
    changed = set(np.nonzero((output != before).any(axis=1))[0].tolist())
    assert changed == set(targets.tolist())  # the targets' rows, and only those


def test_hs_skips_saturated_scores_as_word2vec():
    """A node whose score is beyond +-6 takes no update and gives the input none."""
    kernel, syn0, syn1, tables = make("hs", fast=False)
    centre, context = 0, 5
    points, _ = targets_and_labels("hs", centre, (), tables)
    syn1[points[0]] = 8 * syn0[context] / np.dot(syn0[context], syn0[context])  # score 8
    before = syn1.copy()
    kernel.update(centre, np.array([context], dtype=np.uint32), np.zeros(0, np.uint32), ALPHA)
    assert np.array_equal(syn1[points[0]], before[points[0]])
    assert not np.array_equal(syn1[points[1:]], before[points[1:]])


def exact_loss(loss, x, rows, targets, labels, tables):
    """The loss of one pair in float64: -log of the centre's probability (hs: of its path)."""
    scores = rows @ x
    if loss == "hs":
        signed = np.where(labels == 1, scores, -scores)
        return np.sum(np.logaddexp(0, -signed))
    logits = scores - tables["log_kq"][targets] if loss == "sampled-softmax" else scores
    top = logits.max()
    return top + np.log(np.exp(logits - top).sum()) - logits[0]


@pytest.mark.parametrize("loss", SOFTMAX_LOSSES)
def test_gradients_are_minus_alpha_times_finite_differences_of_the_loss(loss):
    """One pair, distinct targets: the kernel moves the input vector and each target row by
    -alpha x dL/d(that vector), L the loss in float64, differentiated numerically. HS reads
    sigmoid from word2vec's table, within 0.25 x its 0.012 step of the true value: its
    gradients get that much slack."""
    kernel, syn0, output, tables = make(loss, fast=False, scale=0.2)
    centre, context = 3, 5
    samples = [11, 20, 30, 7]
    targets, labels = targets_and_labels(loss, centre, samples, tables)
    x0, rows0 = syn0[context].astype(np.float64), output[targets].astype(np.float64)
    eps = 1e-6

    def numeric(vector, loss_of):
        grad = np.zeros_like(vector)
        for i in range(len(vector)):
            up, down = vector.copy(), vector.copy()
            up[i] += eps
            down[i] -= eps
            grad[i] = (loss_of(up) - loss_of(down)) / (2 * eps)
        return grad

    grad_x = numeric(x0, lambda x: exact_loss(loss, x, rows0, targets, labels, tables))
    grad_rows = np.array([numeric(rows0[t], lambda r, t=t: exact_loss(
        loss, x0, np.vstack([rows0[:t], r, rows0[t + 1:]]), targets, labels, tables))
        for t in range(len(targets))])
    kernel.update(centre, np.array([context], dtype=np.uint32),
                  np.array(samples, dtype=np.uint32), ALPHA)
    slack = ALPHA * 0.25 * 0.012 if loss == "hs" else 0.0
    atol_x = 1e-6 + slack * np.abs(rows0).sum(axis=0)
    atol_rows = 1e-6 + slack * np.abs(x0)
    assert np.all(np.abs((syn0[context] - x0) - (-ALPHA * grad_x)) <= atol_x)
    assert np.all(np.abs((output[targets] - rows0) - (-ALPHA * grad_rows)) <= atol_rows)
    assert np.abs(grad_x).max() > 1e-3  # the test moved something


def test_sampled_softmax_expected_gradient_approaches_the_full_softmax_gradient():
    """E[sampled softmax's gradient] -> the softmax's as k grows (consistency).

    A context x and centre c; each run draws k noise words from q (numpy, fixed seed) and
    gives them to the kernel's update, whose output-matrix step is g_w x with g_w the summed
    scale of word w's draws. Averaged over R runs, g is compared with the full softmax's
    alpha (1[w = c] - p_w). The estimator's bias shrinks as 1/k (the normaliser is a ratio
    of sample means) and the average's noise as 1/sqrt(R k). Measured over 20 seeds, the
    relative error is 0.20 / 0.032 / 0.006 on average at k = 4 / 32 / 256 (largest 0.22 /
    0.041 / 0.011, smallest 0.18 / 0.024 / 0.004): the order never fails, and the bound
    0.03 at k = 256 is ~3x the worst seen."""
    rng = np.random.default_rng(5)
    centre, context = 2, 9
    errors = []
    for k in (4, 32, 256):
        kernel, syn0, syn1neg, tables = make("sampled-softmax", fast=False, negative=k,
                                             scale=0.5)
        x, start, start0 = syn0[context].copy(), syn1neg.copy(), syn0.copy()
        scores = syn1neg.astype(np.float64) @ x
        p = np.exp(scores - scores.max())
        p /= p.sum()
        full = -ALPHA * p
        full[centre] += ALPHA
        q = COUNTS ** 0.75 / (COUNTS ** 0.75).sum()
        runs = 400
        total = np.zeros(V)
        for _ in range(runs):
            draws = rng.choice(V, size=k, p=q).astype(np.uint32)
            kernel.update(centre, np.array([context], dtype=np.uint32), draws, ALPHA)
            step = (syn1neg - start).astype(np.float64)
            total += step @ x / (x.astype(np.float64) @ x)
            syn1neg[:] = start
            syn0[:] = start0
        estimate = total / runs
        errors.append(np.linalg.norm(estimate - full) / np.linalg.norm(full))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.03


@pytest.mark.parametrize("loss", SOFTMAX_LOSSES)
def test_one_thread_is_deterministic_and_every_thread_trains(loss):
    lines = synthetic.generate_corpus(6000, seed=2)  # ~100k tokens: 4 blocks to share

    def train(threads):
        return w2vns.train(lines, loss=loss, threads=threads, seed=5, dim=16, epochs=1,
                           min_count=3, max_vocab=200,
                           negative=0 if loss != "sampled-softmax" else 5)

    a, b, two = train(1), train(1), train(2)
    for x, y in [(a.wv.vectors, b.wv.vectors), (a.syn1neg, b.syn1neg)] + [
            (a.extras[name], b.extras[name]) for name in a.extras]:
        assert np.asarray(x).tobytes() == np.asarray(y).tobytes()
    assert two.report["threads"] == 2
    assert all(words > 0 for words in two.report["worker_seconds"])
    assert np.isfinite(two.wv.vectors).all()
    assert not np.array_equal(a.wv.vectors, two.wv.vectors)
