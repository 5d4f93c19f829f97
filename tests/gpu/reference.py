"""A numpy reference of the GPU kernels (w2vns/gpu/sgns.cu) as one warp runs them: the same
subsampling (keep_flags) and kept-word layout (w2vns.gpu.layout), the tasks in order, each
centre's window in groups, the same draws (w2vns.gpu.draws) and the same update order. One
warp on the GPU must give these weights up to float rounding (the butterfly sums a dot product
in another order than numpy)."""
import numpy as np

from w2vns.gpu import draws
from w2vns.gpu.layout import EpochLayout, sentence_index
from w2vns.training.kernel import kernel_tables

END = 0xFFFFFFFF
MAX_EXP = np.float32(6.0)


def gradient(score, label, alpha):
    """(label - sigmoid(score)) * alpha, saturated beyond +-MAX_EXP as word2vec does."""
    if score > MAX_EXP:
        return np.float32((label - 1) * alpha)
    if score < -MAX_EXP:
        return np.float32(label * alpha)
    sig = np.float32(1) / (np.float32(1) + np.exp(-np.float32(score)))
    return np.float32((np.float32(label) - sig) * alpha)


def train_group(sentence, positions, centre, ckey, salt0, syn0, syn1, prob, alias, negative,
                key, alpha, log_kq=None, bias=None):
    """Contexts ``positions`` of a window against the centre and this group's noise words.
    NCE: ``log_kq`` (log(k q(w)) per word), and ``bias`` (learned output biases) or None."""
    noise = draws.noise_words(key, [ckey], draws.SALT_NOISE + salt0 + np.arange(negative),
                              prob, alias)[0]
    targets = [centre] + [int(w) for w in noise]
    used = [True] + [int(w) != centre for w in noise]
    out = syn1[targets].copy()
    steps = np.zeros_like(out)
    shift = np.zeros(len(targets), dtype=np.float32)  # NCE's logit - score
    if log_kq is not None:
        shift = -np.asarray(log_kq, dtype=np.float32)[targets]
        if bias is not None:
            shift = shift + bias[targets]
    bias_steps = np.zeros(len(targets), dtype=np.float32)
    loss = 0.0
    for p in positions:
        context = sentence[p]
        row = syn0[context].copy()
        g = np.zeros(len(targets), dtype=np.float32)
        for t in range(len(targets)):
            if used[t]:
                score = np.float32(np.dot(row, out[t])) + shift[t]
                label = 1.0 if t == 0 else 0.0
                g[t] = gradient(score, label, alpha)
                z = np.clip(score if label else -score, -MAX_EXP, MAX_EXP)
                loss += float(np.log1p(np.exp(-z)))
        syn0[context] += g @ out
        steps += g[:, None] * row[None, :]
        bias_steps += g
    for t in range(len(targets)):
        if used[t]:
            syn1[targets[t]] += steps[t]
            if bias is not None:
                bias[targets[t]] += bias_steps[t]
    return loss


def kept_flags(stream, keep, key):
    """keep_flags: 1 where the word at that stream position is kept (0 at sentence ends)."""
    stream = np.asarray(stream)
    flags = np.zeros(len(stream), dtype=np.uint8)
    words = np.flatnonzero(stream != END)
    flags[words] = draws.kept(key, words, stream[words], keep)
    return flags


def train_epoch(layout, tables, syn0, syn1, window, negative, group, key, alpha0, min_alpha,
                total_words, words_done, max_sentence=10000, bias=None):
    """One epoch (a ``w2vns.gpu.layout.EpochLayout``) as one warp trains it: the tasks in
    order. Updates syn0, syn1 (and NCE's ``bias``) in place; returns (words done after it,
    loss, pairs). NCE when ``tables`` has its ``log_kq``."""
    prob, alias = tables["noise_prob"], tables["noise_alias"]
    ids = [int(w) for w in layout.ids]
    loss = pairs = 0
    for task in range(layout.tasks):
        before = words_done
        words_done += int(layout.words_start[task + 1] - layout.words_start[task])
        alpha = np.float32(alpha0) * np.float32(1.0 - before / total_words)
        alpha = max(alpha, np.float32(min_alpha))
        k0 = task * layout.task_size
        for k in range(k0, min(k0 + layout.task_size, layout.kept)):
            s = int(layout.sentence[k])
            first, last = int(layout.sent_first[s]), int(layout.sent_first[s + 1])
            piece = first + (k - first) // max_sentence * max_sentence
            sentence = ids[piece:min(last, piece + max_sentence)]
            i, slen, ckey = k - piece, len(sentence), int(layout.positions[k])
            b = int(draws.shrinks(key, [ckey], window)[0])
            lo, hi = max(0, i - window + b), min(slen - 1, i + window - b)
            contexts = [q for q in range(lo, hi + 1) if q != i]
            m = len(contexts)
            groups = -(-m // group)
            c0 = 0
            for g in range(groups):
                c1 = (g + 1) * m // groups
                loss += train_group(sentence, contexts[c0:c1], sentence[i], ckey, g * negative,
                                    syn0, syn1, prob, alias, negative, key, alpha,
                                    tables.get("log_kq"), bias)
                c0 = c1
            pairs += m
    return words_done, loss, pairs


def train_run(encoded, params, syn0, syn1, max_sentence=10000, bias=None):
    """Every epoch of a run (resolved ``TrainParams``) over an ``EncodedCorpus`` as one warp
    trains it, from ``syn0``, ``syn1`` (and NCE's ``bias``; updated in place); returns (words
    done, pairs)."""
    stream = np.asarray(encoded.stream)
    sentence_of = sentence_index(np, stream, END)
    tables = kernel_tables(encoded.vocab.counts, params)
    total = float(encoded.tokens) * params.epochs
    done = pairs = 0
    for epoch in range(params.epochs):
        key = draws.epoch_key(params.seed, epoch)
        layout = EpochLayout(np, stream, kept_flags(stream, tables["keep"], key), sentence_of,
                             encoded.sentences, encoded.tokens)
        done, _, n = train_epoch(layout, tables, syn0, syn1, params.window, params.negative,
                                 params.context_group, key, params.alpha, params.min_alpha,
                                 total, done, max_sentence, bias)
        pairs += n
    return done, pairs
