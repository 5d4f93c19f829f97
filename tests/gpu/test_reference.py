"""The numpy reference of the GPU kernel (reference.py) and the kept-word layout, checked on
the CPU: one group's update is a gradient step on its pairs' loss (finite differences; SGNS
and NCE), and the layout holds what subsampling kept, with its sentences and the tasks'
words."""
import numpy as np
import pytest

from w2vns.corpus.sampling import keep_thresholds, noise_table
from w2vns.gpu import draws
from w2vns.gpu.layout import EpochLayout, sentence_index

from . import reference

END = reference.END


def pair_losses(x, y, contexts, targets, used, shift):
    """The group's loss, with the output rows as they are: sum over contexts j and used
    targets t of -log sigmoid(+-(x_j . y_t + shift_t)) (+ for the centre, t = 0)."""
    total = 0.0
    for c in contexts:
        for t, w in enumerate(targets):
            if used[t]:
                s = float(np.dot(x[c], y[w])) + shift[w]
                total += np.log1p(np.exp(-s if t == 0 else s))
    return total


def numerical_gradient(loss, x, y, matrix, row, k, h=1e-6):
    """Central difference of ``loss(x, y)`` in element (row, k) of x (matrix 0) or y (1)."""
    moved = []
    for sign in (1, -1):
        pair = [x.copy(), y.copy()]
        pair[matrix][row, k] += sign * h
        moved.append(loss(*pair))
    return (moved[0] - moved[1]) / (2 * h)


@pytest.mark.parametrize("loss", ["sgns", "nce"])
def test_a_group_step_is_a_gradient_step_on_its_pairs(loss):
    """Distinct contexts: each input row moves by -alpha dL/dx (outputs as at the start), each
    output row by -alpha dL/dy (inputs as at the start), and NCE's biases by -alpha dL/db
    (NCE's logit x.y + b - log(k q) is [x, 1] . [y, b] - log(k q): the biases are one more
    column of the output rows); central differences in float64."""
    rng = np.random.default_rng(0)
    vocab, dim, negative, alpha = 12, 8, 3, 0.05
    syn0 = (rng.random((vocab, dim), dtype=np.float32) - 0.5)
    syn1 = (rng.random((vocab, dim), dtype=np.float32) - 0.5)
    nce = loss == "nce"
    log_kq = rng.normal(size=vocab).astype(np.float32) if nce else None
    bias = (0.3 * rng.normal(size=vocab)).astype(np.float32) if nce else None
    shift = -log_kq.astype(np.float64) if nce else np.zeros(vocab)
    prob, alias = noise_table(np.arange(vocab, 0, -1) * 10.0, 0.75)
    key = draws.epoch_key(5, 0)
    sentence = [0, 1, 2, 3, 4, 5]
    centre, positions, ckey = 2, [0, 1, 3, 4], 17
    noise = draws.noise_words(key, [ckey], draws.SALT_NOISE + np.arange(negative), prob, alias)[0]
    targets = [centre] + [int(w) for w in noise]
    used = [True] + [int(w) != centre for w in noise]
    assert len(set(targets)) == len(targets)  # distinct rows: the check below is exact then
    contexts = [sentence[p] for p in positions]
    x0 = np.hstack([syn0, np.ones((vocab, 1))]).astype(np.float64)
    y0 = np.hstack([syn1, (bias if nce else np.zeros(vocab))[:, None]]).astype(np.float64)
    new0, new1 = syn0.copy(), syn1.copy()
    new_bias = bias.copy() if nce else None
    reference.train_group(sentence, positions, centre, ckey, 0, new0, new1, prob, alias,
                          negative, key, np.float32(alpha), log_kq, new_bias)
    moved1 = np.hstack([new1, (new_bias if nce else np.zeros(vocab))[:, None]])
    old1 = y0.astype(np.float32)
    for matrix, new, old, rows, columns in ((0, new0, syn0, contexts, dim),
                                            (1, moved1, old1, targets, dim + nce)):
        for row in rows:
            for k in range(columns):
                grad = numerical_gradient(
                    lambda x, y: pair_losses(x, y, contexts, targets, used, shift), x0, y0,
                    matrix, row, k)
                assert abs((new[row, k] - old[row, k]) + alpha * grad) < 1e-5
    untouched = [w for w in range(vocab) if w not in contexts]
    assert (new0[untouched] == syn0[untouched]).all()


def test_the_layout_packs_the_kept_words_with_their_sentences_and_words():
    """Kept ids in stream order with their positions and sentences; each sentence's kept words
    found from sent_first; tasks' words that add up to the epoch's tokens, each task counting
    the ids from its first centre to the next task's."""
    rng = np.random.default_rng(1)
    counts = np.array([500, 200, 80, 30, 10], dtype=np.int64)
    keep = keep_thresholds(counts, 1e-2)
    stream = []
    for length in (3, 40, 0, 17, 9, 1):
        stream += list(rng.integers(0, 5, length)) + [END]
    stream = np.array(stream, dtype=np.uint32)
    tokens, sentences = int((stream != END).sum()), int((stream == END).sum())
    key = draws.epoch_key(1, 0)
    flags = reference.kept_flags(stream, keep, key)
    assert 0 < flags.sum() < tokens  # subsampling dropped some, kept some
    sentence_of = sentence_index(np, stream, END)
    layout = EpochLayout(np, stream, flags, sentence_of, sentences, tokens, task_size=4)
    words = np.flatnonzero(stream != END)
    kept = words[draws.kept(key, words, stream[words], keep)]
    assert (layout.positions == kept).all() and (layout.ids == stream[kept]).all()
    ends = np.flatnonzero(stream == END)
    for s in range(sentences):
        start = ends[s - 1] + 1 if s else 0
        inside = (kept >= start) & (kept < ends[s])
        assert (layout.sentence[inside] == s).all()
        members = np.flatnonzero(inside)
        if len(members):
            assert layout.sent_first[s] == members[0] and layout.sent_first[s + 1] == (
                members[-1] + 1)
    assert layout.sent_first[-1] == layout.kept
    assert layout.tasks == -(-layout.kept // 4)
    assert layout.words_start[0] == 0 and layout.words_start[-1] == tokens
    assert (np.diff(layout.words_start) >= 0).all()
    for t in range(1, layout.tasks):
        first = kept[4 * t]
        assert layout.words_start[t] == int((stream[:first] != END).sum())
