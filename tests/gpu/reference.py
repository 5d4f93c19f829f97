"""A numpy reference of the GPU kernel (w2vns/gpu/sgns.cu) as one warp runs it: the tasks in
order, each sentence read and subsampled, each centre's window in groups, the same draws
(w2vns.gpu.draws) and the same update order. One warp on the GPU must give these weights up to
float rounding (the butterfly sums a dot product in another order than numpy)."""
import numpy as np

from w2vns.gpu import draws

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


def read_pieces(stream, start, end, keep, key, max_sentence):
    """The kernel's sentences of stream[start:end]: (first position, kept ids, ids read) per
    piece; a sentence of more than ``max_sentence`` kept ids goes in several pieces."""
    pos = start
    while pos < end:
        first, sentence, raw = pos, [], 0
        while pos < end and len(sentence) < max_sentence:
            w = int(stream[pos])
            if w == END:
                pos += 1
                break
            raw += 1
            if draws.kept(key, [pos], [w], keep)[0]:
                sentence.append(w)
            pos += 1
        yield first, sentence, raw


def train_group(sentence, positions, centre, ckey, salt0, syn0, syn1, prob, alias, negative,
                key, alpha):
    """Contexts ``positions`` of a window against the centre and this group's noise words."""
    noise = draws.noise_words(key, [ckey], draws.SALT_NOISE + salt0 + np.arange(negative),
                              prob, alias)[0]
    targets = [centre] + [int(w) for w in noise]
    used = [True] + [int(w) != centre for w in noise]
    out = syn1[targets].copy()
    steps = np.zeros_like(out)
    loss = 0.0
    for p in positions:
        context = sentence[p]
        row = syn0[context].copy()
        g = np.zeros(len(targets), dtype=np.float32)
        for t in range(len(targets)):
            if used[t]:
                score = np.float32(np.dot(row, out[t]))
                label = 1.0 if t == 0 else 0.0
                g[t] = gradient(score, label, alpha)
                z = np.clip(score if label else -score, -MAX_EXP, MAX_EXP)
                loss += float(np.log1p(np.exp(-z)))
        syn0[context] += g @ out
        steps += g[:, None] * row[None, :]
    for t in range(len(targets)):
        if used[t]:
            syn1[targets[t]] += steps[t]
    return loss


def train_epoch(stream, bounds, tables, syn0, syn1, window, negative, group, key, alpha0,
                min_alpha, total_words, words_done, max_sentence=10000):
    """One epoch of tasks ``bounds`` as one warp trains them; updates syn0, syn1 in place and
    returns (words done after it, loss, pairs)."""
    keep, prob, alias = tables["keep"], tables["noise_prob"], tables["noise_alias"]
    loss = pairs = 0
    for task in range(len(bounds) - 1):
        for first, sentence, raw in read_pieces(stream, int(bounds[task]), int(bounds[task + 1]),
                                                keep, key, max_sentence):
            before = words_done
            words_done += raw
            alpha = np.float32(alpha0) * np.float32(1.0 - before / total_words)
            alpha = max(alpha, np.float32(min_alpha))
            slen = len(sentence)
            shrink = draws.shrinks(key, first + np.arange(slen), window)
            for i in range(slen):
                b = int(shrink[i])
                lo, hi = max(0, i - window + b), min(slen - 1, i + window - b)
                contexts = [p for p in range(lo, hi + 1) if p != i]
                m = len(contexts)
                groups = -(-m // group)
                c0 = 0
                for g in range(groups):
                    c1 = (g + 1) * m // groups
                    loss += train_group(sentence, contexts[c0:c1], sentence[i], first + i,
                                        g * negative, syn0, syn1, prob, alias, negative, key,
                                        alpha)
                    c0 = c1
                pairs += m
    return words_done, loss, pairs
