"""The numpy reference of the GPU kernel (reference.py), checked on the CPU: one group's
update is a gradient step on its pairs' loss (finite differences), and sentences are read,
subsampled and cut as the CPU kernels read them."""
import numpy as np

from w2vns.corpus.sampling import keep_thresholds, noise_table
from w2vns.gpu import draws

from . import reference

END = reference.END


def pair_losses(syn0, syn1, contexts, targets, used):
    """The group's loss, with the output rows as they are: sum over contexts j and used
    targets t of -log sigmoid(+-x_j . y_t) (+ for the centre, t = 0)."""
    total = 0.0
    for c in contexts:
        for t, w in enumerate(targets):
            if used[t]:
                s = float(np.dot(syn0[c], syn1[w]))
                total += np.log1p(np.exp(-s if t == 0 else s))
    return total


def test_a_group_step_is_a_gradient_step_on_its_pairs():
    """Distinct contexts: each input row moves by -alpha dL/dx (outputs as at the start), each
    output row by -alpha dL/dy (inputs as at the start); central differences in float64."""
    rng = np.random.default_rng(0)
    vocab, dim, negative, alpha = 12, 8, 3, 0.05
    syn0 = (rng.random((vocab, dim), dtype=np.float32) - 0.5)
    syn1 = (rng.random((vocab, dim), dtype=np.float32) - 0.5)
    prob, alias = noise_table(np.arange(vocab, 0, -1) * 10.0, 0.75)
    key = draws.epoch_key(5, 0)
    sentence = [0, 1, 2, 3, 4, 5]
    centre, positions, ckey = 2, [0, 1, 3, 4], 17
    noise = draws.noise_words(key, [ckey], draws.SALT_NOISE + np.arange(negative), prob, alias)[0]
    targets = [centre] + [int(w) for w in noise]
    used = [True] + [int(w) != centre for w in noise]
    assert len(set(targets)) == len(targets)  # distinct rows: the check below is exact then
    contexts = [sentence[p] for p in positions]
    x0, y0 = syn0.astype(np.float64), syn1.astype(np.float64)
    new0, new1 = syn0.copy(), syn1.copy()
    reference.train_group(sentence, positions, centre, ckey, 0, new0, new1, prob, alias,
                          negative, key, np.float32(alpha))
    h = 1e-6
    for c in contexts:
        for k in range(dim):
            plus, minus = x0.copy(), x0.copy()
            plus[c, k] += h
            minus[c, k] -= h
            grad = (pair_losses(plus, y0, contexts, targets, used)
                    - pair_losses(minus, y0, contexts, targets, used)) / (2 * h)
            assert abs((new0[c, k] - syn0[c, k]) + alpha * grad) < 1e-5
    for t, w in enumerate(targets):
        for k in range(dim):
            plus, minus = y0.copy(), y0.copy()
            plus[w, k] += h
            minus[w, k] -= h
            grad = (pair_losses(x0, plus, contexts, targets, used)
                    - pair_losses(x0, minus, contexts, targets, used)) / (2 * h)
            assert abs((new1[w, k] - syn1[w, k]) + alpha * grad) < 1e-5
    untouched = [w for w in range(vocab) if w not in contexts]
    assert (new0[untouched] == syn0[untouched]).all()


def test_sentences_are_subsampled_and_cut_as_the_cpu_kernels_cut_them():
    """Every id is read once; kept ids keep their order; a sentence of more kept ids than the
    limit goes on in a new piece, which starts where the last one stopped."""
    rng = np.random.default_rng(1)
    counts = np.array([500, 200, 80, 30, 10], dtype=np.int64)
    keep = keep_thresholds(counts, 1e-2)
    stream = []
    for length in (3, 40, 0, 17, 9):
        stream += list(rng.integers(0, 5, length)) + [END]
    stream = np.array(stream, dtype=np.uint64)
    key = draws.epoch_key(1, 0)
    pieces = list(reference.read_pieces(stream, 0, len(stream), keep, key, max_sentence=6))
    assert sum(raw for _, _, raw in pieces) == int((stream != END).sum())
    tokens = np.flatnonzero(stream != END)
    expected = [int(stream[p]) for p in tokens
                if draws.kept(key, [p], [int(stream[p])], keep)[0]]
    assert [w for _, s, _ in pieces for w in s] == expected
    assert max(len(s) for _, s, _ in pieces) == 6
    firsts = [first for first, _, _ in pieces]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(firsts)
