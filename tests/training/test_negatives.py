"""Negative sampling's variants: each kernel update against a numpy reference, and the NCE and
self-adversarial gradients against finite differences of their losses.

NCE runs in two forms: with learned per-word output biases (``bias=True``, the default of
training: logit = score + b_w - log(k q(w)), b updated too) and with the bare score."""
import sys

import numpy as np
import pytest

from w2vns.training._kernel import Kernel
from w2vns.training.kernel import KernelSettings
from w2vns.training.weights import Weights

from .reference import step_window, table_sigmoid

V, DIM, K = 40, 16, 4
ALPHA = 0.05
SENT = 0xFFFFFFFF


def make(seed=0, fast=True, loss="sgns", hard=0, temperature=0.0, window=5, bias=False,
         hot_rows=0, group=0, steps="summed"):
    """A kernel on random weights; ``bias``: NCE with output biases at log unigram probability
    (as training starts them); ``hot_rows``: private copies of words 0..hot_rows-1. Returns
    (kernel, syn0, syn1, log_kq, bias array or None), the arrays the kernel trains in place."""
    rng = np.random.default_rng(seed)
    syn0 = rng.normal(0, 0.3, (V, DIM)).astype(np.float32)
    syn1 = rng.normal(0, 0.3, (V, DIM)).astype(np.float32)
    counts = np.arange(V, 0, -1, dtype=np.float64) * 10
    q = counts ** 0.75 / (counts ** 0.75).sum()
    log_kq = np.log(K * q).astype(np.float32)
    output_bias = np.log(counts / counts.sum()).astype(np.float32) if bias else None
    stream = np.array([0, 1, SENT], dtype=np.uint32)
    keep = np.full(V, 0xFFFFFFFF, dtype=np.uint32)
    prob = np.full(V, 0xFFFFFFFF, dtype=np.uint32)
    alias = np.arange(V, dtype=np.uint32)
    kernel = build(syn0, syn1, stream, (keep, prob, alias), loss, log_kq, output_bias,
                   window=window, fast=fast, hard_negatives=hard,
                   adversarial_temperature=temperature, hot_rows=hot_rows,
                   context_group=group, context_steps=steps)
    return kernel, syn0, syn1, log_kq, output_bias


def build(syn0, syn1, stream, samplers, loss, log_kq, output_bias, **settings):
    """A Kernel over these arrays: one thread, learning rate ALPHA, K noise words."""
    keep, prob, alias = samplers
    tables = {"keep": keep, "noise_prob": prob, "noise_alias": alias}
    if loss == "nce":
        tables["log_kq"] = log_kq
    extras = {} if output_bias is None else {"output_bias": output_bias}
    settings = dict(dict(window=5, fast=True), **settings)
    return Kernel(Weights(syn0, syn1, extras), stream, tables,
                  KernelSettings(objective=loss, negative=K, max_targets=K + 1, alpha=ALPHA,
                                 min_alpha=ALPHA, total_words=1.0, threads=1, seed=1,
                                 **settings))


def reference_scale(scores, outputs, loss, log_kq, temperature, bias=None):
    """Gradient scales for one input row: (label - sigmoid(logit)) * alpha, weighted (by the
    bare scores, also with biases)."""
    logits = scores - log_kq[outputs] if loss == "nce" else scores.copy()
    if bias is not None:
        logits = logits + bias[outputs]
    labels = np.zeros(len(outputs))
    labels[0] = 1
    g = (labels - table_sigmoid(logits)) * ALPHA
    if temperature > 0 and len(outputs) > 1:
        e = np.exp((scores[1:] - scores[1:].max()) / temperature)
        g[1:] *= (len(outputs) - 1) * e / e.sum()
    return g


def reference_update(syn0, syn1, centre, contexts, negatives, fast, loss, log_kq, temperature,
                     bias=None, sequential=False):
    """numpy: the weights (and NCE biases, None without) after one window (fast) or one pair per
    context in turn (reference), as :func:`step_window` takes them (``sequential``: a group of
    a window split in several)."""
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    bias = None if bias is None else bias.astype(np.float64)
    outputs = np.array([centre] + [n for n in negatives if n != centre])
    step_window(syn0, syn1, contexts, outputs,
                lambda scores: reference_scale(scores, outputs, loss, log_kq, temperature, bias),
                fast, sequential, bias)
    return syn0, syn1, bias


#: (loss, NCE output biases): SGNS, NCE with biases (training's default), bare NCE.
LOSSES = [("sgns", False), ("nce", True), ("nce", False)]
CASES = [(fast, loss, bias, t, 0) for fast in (True, False) for loss, bias in LOSSES
         for t in (0.0, 1.0)]
# Private copies of the rows of words 0..15 (the centre, some contexts and one noise word):
# the same update, merged back at the end.
CASES += [(fast, loss, bias, 0.0, 16) for fast in (True, False) for loss, bias in LOSSES]


@pytest.mark.parametrize("fast, loss, bias, temperature, hot_rows", CASES)
def test_one_update_matches_numpy(fast, loss, bias, temperature, hot_rows):
    kernel, syn0, syn1, log_kq, b = make(fast=fast, loss=loss, temperature=temperature,
                                         bias=bias, hot_rows=hot_rows)
    b_before = None if b is None else b.copy()
    centre, contexts, negatives = 3, np.array([5, 7, 9, 5], dtype=np.uint32), [11, 3, 20, 30]
    expected0, expected1, expected_b = reference_update(
        syn0, syn1, centre, contexts, negatives, fast, loss, log_kq, temperature, b)
    kernel.update(centre, contexts, np.array(negatives, dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, expected0, atol=2e-6)
    assert np.allclose(syn1, expected1, atol=2e-6)
    assert not np.allclose(syn1[11], make()[2][11])  # something did change
    if bias:
        assert np.allclose(b, expected_b, atol=2e-6)
        moved = set(np.nonzero(b != b_before)[0].tolist())
        assert moved == {3, 11, 20, 30}  # the centre and the noise words, nothing else


@pytest.mark.parametrize("fast", [True, False])
def test_hard_negatives_keep_the_top_scoring_candidates(fast):
    kernel, syn0, syn1, _, _ = make(fast=fast, hard=12)
    before = syn1.copy()
    centre, contexts = 2, np.array([4, 6], dtype=np.uint32)
    candidates = np.arange(10, 22, dtype=np.uint32)
    query = syn0[contexts].sum(axis=0) if fast else syn0[4]
    top = set(candidates[np.argsort(-(syn1[candidates] @ query))[:K]].tolist())
    kernel.update(centre, contexts[:1] if not fast else contexts, candidates, ALPHA)
    changed = set(np.nonzero(np.any(syn1 != before, axis=1))[0].tolist())
    assert changed == top | {centre}


@pytest.mark.parametrize("loss, bias", LOSSES)
def test_hard_negatives_update_matches_numpy_after_selection(loss, bias):
    """The candidates are ranked by the bare score (NCE biases left out), then updated."""
    kernel, syn0, syn1, log_kq, b = make(fast=True, hard=12, loss=loss, bias=bias)
    centre, contexts = 2, np.array([4, 6, 8], dtype=np.uint32)
    candidates = np.arange(10, 22, dtype=np.uint32)
    query = syn0[contexts].sum(axis=0)
    chosen = candidates[np.argsort(-(syn1[candidates] @ query), kind="stable")[:K]]
    e0, e1, eb = reference_update(syn0, syn1, centre, contexts, sorted(chosen.tolist()), True,
                                  loss, log_kq, 0.0, b)
    kernel.update(centre, contexts, candidates, ALPHA)
    assert np.allclose(syn0, e0, atol=2e-6) and np.allclose(syn1, e1, atol=2e-6)
    if bias:
        assert np.allclose(b, eb, atol=2e-6)


def numeric_gradient(f, x, eps=1e-5):
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = eps
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def log_sigmoid(x):
    return -np.logaddexp(0, -x)


@pytest.mark.parametrize("loss, bias, temperature", [
    ("nce", False, 0.0), ("sgns", False, 1.0), ("sgns", False, 0.3), ("nce", False, 1.0),
    ("nce", True, 0.0), ("nce", True, 1.0)])
def test_gradients_agree_with_finite_differences(loss, bias, temperature):
    """One reference-loop pair: the update is -alpha * dL/d(weights) of the stated loss, and
    -alpha * dL/db for the NCE output biases."""
    kernel, syn0, syn1, log_kq, b = make(fast=False, loss=loss, temperature=temperature,
                                         bias=bias)
    centre, context, negatives = 3, 5, [11, 20, 30, 39]
    outputs = [centre] + negatives
    shift = log_kq[outputs].astype(np.float64) if loss == "nce" else np.zeros(len(outputs))
    b0 = b[outputs].astype(np.float64) if bias else np.zeros(len(outputs))
    scores0 = syn1[outputs].astype(np.float64) @ syn0[context]
    if temperature > 0:  # weights held constant at the current scores
        e = np.exp((scores0[1:] - scores0[1:].max()) / temperature)
        weights = len(negatives) * e / e.sum()
    else:
        weights = np.ones(len(negatives))

    def total_loss(x, rows, offsets=b0):
        s = rows @ x + offsets - shift
        return -log_sigmoid(s[0]) - np.sum(weights * log_sigmoid(-s[1:]))

    x0, rows0 = syn0[context].astype(np.float64), syn1[outputs].astype(np.float64)
    grad_x = numeric_gradient(lambda x: total_loss(x, rows0), x0)
    grad_rows = numeric_gradient(lambda r: total_loss(x0, r.reshape(rows0.shape)),
                                 rows0.ravel()).reshape(rows0.shape)
    grad_b = numeric_gradient(lambda o: total_loss(x0, rows0, o), b0)
    kernel.update(centre, np.array([context], dtype=np.uint32),
                  np.array(negatives, dtype=np.uint32), ALPHA)
    # The kernel's sigmoid is a table (steps of ~0.003): compare to 2% of the largest entry.
    delta_x = syn0[context] - x0
    delta_rows = syn1[outputs] - rows0
    assert np.allclose(delta_x, -ALPHA * grad_x, atol=0.02 * np.abs(ALPHA * grad_x).max())
    assert np.allclose(delta_rows, -ALPHA * grad_rows,
                       atol=0.02 * np.abs(ALPHA * grad_rows).max())
    if bias:
        delta_b = b[outputs] - b0
        assert np.allclose(delta_b, -ALPHA * grad_b, atol=0.02 * np.abs(ALPHA * grad_b).max())
        assert np.abs(delta_b).min() > 0


def group_bounds(m, group):
    """The fast loop's groups of a window of m contexts: ceil(m / group) groups whose sizes
    differ by one at most, in order."""
    n = -(-m // group)
    return [(g * m // n, (g + 1) * m // n) for g in range(n)]


def test_group_bounds_are_balanced():
    assert group_bounds(8, 3) == [(0, 2), (2, 5), (5, 8)]
    assert group_bounds(11, 10) == [(0, 5), (5, 11)]
    assert group_bounds(10, 10) == [(0, 10)]


@pytest.mark.parametrize("loss, bias", LOSSES)
@pytest.mark.parametrize("hot_rows", [0, 16])
@pytest.mark.parametrize("negatives", [[11, 3, 20, 30], [11, 20, 11, 30],
                                       [11, 3, 20, 30, 12, 13, 14, 15, 16, 17, 18, 19]])
def test_a_wide_window_is_updated_in_groups(loss, bias, hot_rows, negatives):
    """m contexts, at most ``group`` at a time, each group with its own batch of noise words
    (the kernel draws one per group; the test hook takes batch g of the candidates for group
    g, or the first when there are too few) and its steps, context by context, from the
    weights the groups before it left (numpy, group after group). The centre is skipped as a
    noise word; a noise word drawn twice is two targets on one row."""
    group, m = 3, 8
    kernel, syn0, syn1, log_kq, b = make(loss=loss, bias=bias, group=group, hot_rows=hot_rows)
    rng = np.random.default_rng(4)
    centre = 3
    contexts = rng.integers(4, V, m).astype(np.uint32)
    contexts[5] = contexts[1]  # a repeated item: its row gets both contexts' errors
    contexts[3] = contexts[2]  # ... also within one group
    before = (syn0.copy(), syn1.copy(), None if b is None else b.copy())
    e0, e1, eb = before
    batches = [negatives[g * K:(g + 1) * K] if len(negatives) >= (g + 1) * K
               else negatives[:K] for g in range(len(group_bounds(m, group)))]
    for (lo, hi), batch in zip(group_bounds(m, group), batches):
        e0, e1, eb = reference_update(e0, e1, centre, contexts[lo:hi], batch, True, loss,
                                      log_kq, 0.0, eb, sequential=True)
    kernel.update(centre, contexts, np.array(negatives, dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, e0, atol=2e-6) and np.allclose(syn1, e1, atol=2e-6)
    if bias:
        assert np.allclose(b, eb, atol=2e-6)
    # ... which is not what one summed update of each group would have done:
    summed = before
    for (lo, hi), batch in zip(group_bounds(m, group), batches):
        summed = reference_update(summed[0], summed[1], centre, contexts[lo:hi], batch,
                                  True, loss, log_kq, 0.0, summed[2])
    assert not np.allclose(syn0, summed[0], atol=1e-4)
    # ... nor one update of the whole window:
    whole = reference_update(before[0], before[1], centre, contexts, batches[0], True, loss,
                             log_kq, 0.0, before[2])
    assert not np.allclose(syn1, whole[1], atol=1e-4)


@pytest.mark.parametrize("dim", [1, 7, 8, 12, 24, 37, 64, 100])
@pytest.mark.parametrize("group, steps", [(3, "summed"), (0, "summed"), (0, "sequential")])
@pytest.mark.parametrize("negative", [1, 2, 4, 7])
def test_grouped_update_matches_numpy_at_any_dimension(dim, group, steps, negative,
                                                       monkeypatch):
    """The kernel's loops run four of the machine's vectors (16, 8 or 4 floats) at a time, then
    one, then 8 and 4 floats where narrower than the machine's, then one by one; the dot
    products take the centre and noise rows four at a time, then the 1-3 left: every path, for
    a window in groups (context by context) and in one (summed, or with --context-steps
    sequential context by context)."""
    monkeypatch.setattr(sys.modules[__name__], "DIM", dim)
    monkeypatch.setattr(sys.modules[__name__], "K", negative)
    noise = [11, 20, 30, 39, 2, 25, 33][:negative]
    kernel, syn0, syn1, log_kq, _ = make(group=group, steps=steps)
    contexts = np.array([5, 7, 9, 5, 11, 12, 13, 14], dtype=np.uint32)
    e0, e1 = syn0, syn1
    bounds = group_bounds(len(contexts), group) if group else [(0, len(contexts))]
    for lo, hi in bounds:
        e0, e1, _ = reference_update(e0, e1, 3, contexts[lo:hi], noise, True, "sgns", log_kq,
                                     0.0, sequential=group > 0 or steps == "sequential")
    kernel.update(3, contexts, np.array(noise, dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, e0, atol=2e-6) and np.allclose(syn1, e1, atol=2e-6)


def test_a_window_of_at_most_group_contexts_is_one_update():
    kernel, syn0, syn1, log_kq, _ = make(group=4)
    contexts = np.array([5, 7, 9, 6], dtype=np.uint32)
    e0, e1, _ = reference_update(syn0, syn1, 3, contexts, [11, 20, 30, 39], True, "sgns",
                                 log_kq, 0.0)
    kernel.update(3, contexts, np.array([11, 20, 30, 39], dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, e0, atol=2e-6) and np.allclose(syn1, e1, atol=2e-6)


@pytest.mark.parametrize("loss, bias", LOSSES)
@pytest.mark.parametrize("hot_rows", [0, 16])
@pytest.mark.parametrize("negatives", [[11, 20, 30, 39], [11, 20, 11, 39]])
def test_sequential_steps_take_a_short_window_context_by_context(loss, bias, hot_rows,
                                                                 negatives):
    """--context-steps sequential: a window of at most --context-group contexts keeps its one
    batch of noise words but steps the output rows context by context (numpy's sequential
    step), also with a repeated context and a noise word drawn twice; not the summed step."""
    kernel, syn0, syn1, log_kq, b = make(loss=loss, bias=bias, group=4, steps="sequential",
                                         hot_rows=hot_rows)
    contexts = np.array([5, 7, 5, 6], dtype=np.uint32)
    before = (syn0.copy(), syn1.copy(), None if b is None else b.copy())
    e0, e1, eb = reference_update(*before[:2], 3, contexts, negatives, True, loss, log_kq, 0.0,
                                  before[2], sequential=True)
    kernel.update(3, contexts, np.array(negatives, dtype=np.uint32), ALPHA)
    assert np.allclose(syn0, e0, atol=2e-6) and np.allclose(syn1, e1, atol=2e-6)
    if bias:
        assert np.allclose(b, eb, atol=2e-6)
    summed = reference_update(*before[:2], 3, contexts, negatives, True, loss, log_kq, 0.0,
                              before[2])
    assert not np.allclose(syn0, summed[0], atol=1e-4)


def test_context_steps_must_be_summed_or_sequential():
    with pytest.raises(ValueError, match="context_steps"):
        make(steps="interleaved")


def test_output_bias_is_checked_like_log_kq():
    kernel, syn0, syn1, log_kq, bias = make(loss="nce", bias=True)
    stream = np.array([0, 1, SENT], dtype=np.uint32)
    tables = (np.full(V, 0xFFFFFFFF, dtype=np.uint32), np.full(V, 0xFFFFFFFF, dtype=np.uint32),
              np.arange(V, dtype=np.uint32))

    with pytest.raises(ValueError, match="not an array of the sgns objective"):
        build(syn0, syn1, stream, tables, "sgns", log_kq, bias)
    with pytest.raises(ValueError, match="every word"):
        build(syn0, syn1, stream, tables, "nce", log_kq, bias[:-1])
    with pytest.raises(ValueError):  # float64: not the kernel's float32
        build(syn0, syn1, stream, tables, "nce", log_kq, bias.astype(np.float64))
    frozen = bias.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError):  # the kernel writes the biases
        build(syn0, syn1, stream, tables, "nce", log_kq, frozen)
    with pytest.raises(ValueError, match="needs the table 'log_kq'"):
        build(syn0, syn1, stream, tables, "nce", None, bias)
    build(syn0, syn1, stream, tables, "nce", log_kq, None)  # bare NCE


def test_nce_needs_log_kq_and_positive_negative_count():
    import w2vns

    with pytest.raises(ValueError, match="negative"):
        w2vns.train(["a b c"], loss="nce", negative=0, min_count=1)
    with pytest.raises(ValueError, match="hard_negatives"):
        w2vns.train(["a b c"], hard_negatives=3, negative=5, min_count=1)


@pytest.mark.parametrize("options", [
    {"loss": "nce"}, {"hard_negatives": 20}, {"adversarial_temperature": 1.0},
    {"noise_power": 0.0}, {"noise_power": 1.0}, {"noise_power": -0.5},
    {"kernel": "reference", "loss": "nce", "hard_negatives": 10,
     "adversarial_temperature": 0.5},
])
def test_every_variant_learns_the_planted_groups(options, corpus_lines):
    import w2vns
    from w2vns.corpus import synthetic

    model = w2vns.train(corpus_lines[:8000], dim=24, epochs=3, threads=2, seed=3, **options)
    owner = {w: g for g, ws in synthetic.planted_groups().items() for w in ws}
    probes = ["dog", "paris", "red", "monday", "january"]
    hits = sum(owner.get(n) == owner[w] for w in probes for n, _ in
               model.wv.most_similar(w, topn=5))
    assert hits >= 0.7 * 5 * len(probes), options
