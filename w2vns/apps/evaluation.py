"""Word-analogy and word-similarity benchmarks for word vectors.

Both functions take any "vectors" object with the attributes

* ``index_to_key`` -- list of words, most frequent first,
* ``key_to_index`` -- dict word -> row (only used to be tolerant of odd objects; rows are taken
  from the position in ``index_to_key``),
* ``vectors``      -- ``V x d`` float array, one row per word,

so they work on :class:`w2vns.vectors.KeyedVectors` and on gensim's ``KeyedVectors`` alike.

:func:`evaluate_analogies` gives exactly the figures of gensim 4's
``KeyedVectors.evaluate_word_analogies(path, restrict_vocab=..., case_insensitive=...)`` for
3CosAdd, but solves all questions as batched matrix products over the unit-normalised
restricted matrix instead of one ``most_similar`` call per question (two orders of magnitude
faster).  Questions whose best and second-best candidates are closer than float32 rounding can
tell apart, and questions where the model has several case variants of a question word, are
re-solved one by one with gensim's exact arithmetic and tie rules, so the counts are identical.

:func:`evaluate_similarity` gives gensim's ``evaluate_word_pairs`` figures (Spearman with
average ranks for ties, Pearson, OOV) without needing scipy.

With ``path=None`` the bundled copies of the standard sets are used (see ``w2vns/data``):
``questions-words.txt`` (Mikolov et al. 2013, 19,544 questions) and ``wordsim353.tsv``
(Finkelstein et al. 2002, 353 pairs).  ``PHRASE_ANALOGIES_PATH`` is the phrase-analogy set of
Mikolov et al. (2013b), ``questions-phrases.txt`` (3,218 questions such as ``New_York
New_York_Times Baltimore Baltimore_Sun``), in the same layout: it is for vectors trained on
text phrased with the ``_`` delimiter (``w2vns phrases``, ``train --phrases``), and every one of
its sections is semantic.
"""
import contextlib
import io
import logging
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import numpy as np

from ..io.files import open_input

logger = logging.getLogger(__name__)

__all__ = [
    "ANALOGIES_PATH",
    "PHRASE_ANALOGIES_PATH",
    "WORDSIM_PATH",
    "bundled_path",
    "read_analogies",
    "read_similarity_pairs",
    "evaluate_analogies",
    "evaluate_similarity",
    "evaluate",
    "rankdata",
    "pearson",
    "spearman",
]

_DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")


def bundled_path(name):
    """Path of a file bundled in ``w2vns/data`` (e.g. ``"questions-words.txt"``)."""
    try:
        ref = resources.files("w2vns").joinpath("data", name)
        if isinstance(ref, os.PathLike):
            return os.fspath(ref)
    except Exception:  # pragma: no cover - odd loaders
        pass
    return os.path.join(_DATA_DIR, name)


ANALOGIES_PATH = bundled_path("questions-words.txt")
PHRASE_ANALOGIES_PATH = bundled_path("questions-phrases.txt")
WORDSIM_PATH = bundled_path("wordsim353.tsv")

# Slack, in cosine units, below which two candidates count as tied for the batched solver and
# the question is re-solved with gensim's exact arithmetic (float32 rounding of a d=300 cosine
# is a few 1e-7; this is ample and still rare: ~0.1 % of questions on trained vectors).
_TIE_SLACK = 2e-5
# Elements of one block of cosines between the distinct question words and vocabulary columns
# (float32): 2**24 = 64 MiB; columns per block at most; elements of one block of questions'
# scores, small enough (1 MiB) to stay in cache while it is combined and reduced.
_BLOCK_ELEMENTS = 1 << 24
_MAX_WIDTH = 16384
_CHUNK_ELEMENTS = 1 << 18
_COSMUL_EPS = 1e-3


# ---------------------------------------------------------------------------------------------
# reading the test sets


@contextlib.contextmanager
def _open_text(path):
    """Open ``path`` (a path, '-' or a URL) as UTF-8 text with universal newlines; gzip,
    bzip2, xz and zstd data are decompressed, whatever the name (w2vns.io.files)."""
    with open_input(path) as source:
        text = io.TextIOWrapper(source.stream, encoding="utf-8", errors="strict", newline=None)
        try:
            yield text
        finally:
            text.detach()  # the input closes its own streams (and never stdin)


def read_analogies(path=None):
    """Read an analogy file in the ``questions-words.txt`` layout.

    Lines starting with ``:`` open a section (``": capital-common-countries"``); the other
    lines hold four whitespace-separated words ``A B C D`` (A is to B as C is to D).  Blank lines
    and lines that do not have exactly four words are skipped (as gensim does); CRLF is fine.
    Questions before the first section header go to a section named ``""`` (gensim refuses such
    files).

    Returns ``[(section_name, [(a, b, c, d), ...]), ...]`` in file order, words as written.
    """
    path = ANALOGIES_PATH if path is None else path
    sections = []
    current = None
    invalid = 0
    with _open_text(path) as fin:
        for line in fin:
            if line.startswith(":"):
                current = (line.lstrip(": ").strip(), [])
                sections.append(current)
                continue
            words = line.split()
            if not words:
                continue
            if len(words) != 4:
                invalid += 1
                continue
            if current is None:
                current = ("", [])
                sections.append(current)
            current[1].append(tuple(words))
    if invalid:
        logger.info("skipped %d lines of %s that are not 4 words", invalid, path)
    return sections


def _parse_float(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_similarity_pairs(path=None):
    """Read a word-similarity file: ``word1 word2 score`` per line.

    Fields are separated by tabs when the line has a tab, else by runs of spaces; further
    fields after the score are ignored.  ``#`` comment lines and blank lines are skipped, and so
    is any line whose third field is not a number (a header such as ``Word 1<TAB>Word 2<TAB>
    Human (mean)``).  CRLF line ends are fine.

    Returns ``[(word1, word2, score), ...]``.
    """
    path = WORDSIM_PATH if path is None else path
    pairs = []
    invalid = 0
    with _open_text(path) as fin:
        for line in fin:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if "\t" in stripped:
                fields = [f.strip() for f in stripped.split("\t")]
            else:
                fields = stripped.split()
            score = _parse_float(fields[2]) if len(fields) >= 3 else None
            if score is None or not fields[0] or not fields[1]:
                invalid += 1
                continue
            pairs.append((fields[0], fields[1], score))
    if invalid:
        logger.info("skipped %d header or invalid lines of %s", invalid, path)
    return pairs


# ---------------------------------------------------------------------------------------------
# statistics (scipy-compatible, numpy only)


def rankdata(values):
    """Ranks 1..n, ties given the average of the ranks they span (scipy's ``method='average'``)."""
    a = np.asarray(values, dtype=np.float64).ravel()
    n = a.size
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    # boundaries of runs of equal values
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(sorted_a[1:], sorted_a[:-1], out=new_run[1:])
    run_id = np.cumsum(new_run) - 1
    starts = np.flatnonzero(new_run)
    ends = np.append(starts[1:], n)  # exclusive
    avg = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = avg[run_id]
    return ranks


def pearson(x, y):
    """Pearson correlation coefficient of two sequences (NaN if either is constant)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.size != y.size:
        raise ValueError("x and y must have the same length")
    if x.size < 2:
        return float("nan")
    xm = x - x.mean()
    ym = y - y.mean()
    nx = np.linalg.norm(xm)
    ny = np.linalg.norm(ym)
    if nx == 0.0 or ny == 0.0 or (x == x[0]).all() or (y == y[0]).all():
        return float("nan")
    r = float(np.dot(xm / nx, ym / ny))
    return max(-1.0, min(1.0, r))


def spearman(x, y):
    """Spearman rank correlation: Pearson of average ranks (as ``scipy.stats.spearmanr``)."""
    return pearson(rankdata(x), rankdata(y))


# ---------------------------------------------------------------------------------------------
# vocabulary helpers


def _restricted(kv, restrict_vocab, case_insensitive):
    """(keys, norm_keys, r, ok_vocab, canon, matrix) of the first ``restrict_vocab`` words.

    ``ok_vocab`` maps the (upper-cased) word to the row of its first, i.e. most frequent,
    variant, exactly like gensim; ``canon[i]`` is that row for row ``i``.
    """
    keys = list(kv.index_to_key)
    matrix = np.asarray(kv.vectors)
    if matrix.ndim != 2 or matrix.shape[0] < len(keys):
        raise ValueError("vectors must be a 2-D array with one row per word")
    r = len(keys) if restrict_vocab is None else max(0, min(int(restrict_vocab), len(keys)))
    keys = keys[:r]
    norm_keys = [k.upper() for k in keys] if case_insensitive else keys
    ok_vocab = {}
    for i, k in enumerate(norm_keys):
        ok_vocab.setdefault(k, i)
    canon = np.fromiter((ok_vocab[k] for k in norm_keys), dtype=np.int64, count=r)
    return keys, norm_keys, r, ok_vocab, canon, matrix[:r]


def _unit_rows(matrix):
    """float32 unit rows and their norms (zero rows stay zero)."""
    m = np.asarray(matrix)
    if m.dtype != np.float32 and m.dtype != np.float64:
        m = m.astype(np.float32)
    norms = np.linalg.norm(m, axis=1)
    safe = np.where(norms > 0, norms, np.ones((), dtype=norms.dtype))
    unit = m / safe[:, None]
    return np.ascontiguousarray(unit, dtype=np.float32), norms


def _unitvec_rows(m):
    """Rows scaled to unit length the way gensim's ``matutils.unitvec`` does (float64 math)."""
    m64 = m.astype(np.float64)
    lengths = np.linalg.norm(m64, axis=1)
    scale = np.where(lengths > 0.0, 1.0 / np.where(lengths > 0.0, lengths, 1.0), 1.0)
    return (m64 * scale[:, None]).astype(m.dtype)


def _summary(correct, scored, skipped, questions):
    return {
        "correct": int(correct),
        "scored": int(scored),
        "skipped": int(skipped),
        "questions": int(questions),
        "accuracy": (correct / scored) if scored else 0.0,
    }


# ---------------------------------------------------------------------------------------------
# analogies


class _GensimExact:
    """Solve one 3CosAdd question with gensim's exact arithmetic and tie/exclusion rules."""

    def __init__(self, matrix, norms, norm_keys, ok_vocab):
        self.matrix = matrix
        self.norms = norms
        self.norm_keys = norm_keys
        self.ok_vocab = ok_vocab

    def solve(self, ia, ib, ic, ignore):
        m = self.matrix
        # KeyedVectors.get_mean_vector(pre_normalize=True, post_normalize=True) with weights
        # float64 [1, 1, -1] into a zero vector of the model's dtype
        weights = np.concatenate((np.ones(2), -1.0 * np.ones(1)))
        mean = np.zeros(m.shape[1], m.dtype)
        total_weight = 0
        for w, idx in zip(weights, (ib, ic, ia)):
            mean += w * (m[idx] / self.norms[idx])
            total_weight += abs(w)
        mean = mean / total_weight
        veclen = float(np.linalg.norm(mean))
        if veclen > 0.0:
            mean = (mean * (1.0 / veclen)).astype(mean.dtype)
        mean = mean.astype(np.float32)
        dists = np.dot(m, mean) / self.norms
        all_keys = [ia, ib, ic]
        topn = 5 + len(all_keys)
        x = -dists
        if topn >= x.size:
            best = np.argsort(x)[:topn]
        else:
            most_extreme = np.argpartition(x, topn)[:topn]
            best = most_extreme.take(np.argsort(x.take(most_extreme)))
        sims = [int(s) for s in best if int(s) not in all_keys][:5]
        predicted = None
        for s in sims:
            predicted = self.norm_keys[s]
            if predicted in self.ok_vocab and predicted not in ignore:
                break
        return predicted


def _variant_columns(q_rows, variant_groups, c0, c1):
    """Columns in [c0, c1) (shifted by c0) that are case variants of a question's words."""
    extra = []
    for idx in q_rows:
        extra.extend(v - c0 for v in variant_groups.get(int(idx), ()) if c0 <= v < c1)
    return extra


def _eval_threads():
    """Worker threads for the analogy solver: the usable cores, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _solve(unit, q, method, variant_groups, chunk_size, threads=None):
    """Best candidate of every question, with its score and the runner-up's, for 3CosAdd or
    3CosMul over the rows of ``unit`` (unit vectors), the question words excluded.

    The expensive part is shared: the cosines of the few distinct question words (905 in
    questions-words) with a block of vocabulary columns are one matrix product ``S``, and a
    question's scores over the block are combined from three rows of it, ``S[b] + S[c] - S[a]``
    for add (``cos(x, b - a + c)`` times ``|b - a + c|``) or ``(1+S[b])(1+S[c]) / (1+S[a]+2e-3)``
    for mul (twice the 3CosMul score).  That is ~20 times fewer multiply-adds than one product
    per question.  The questions are split among ``threads`` (numpy releases the GIL), each
    combining a few of them at a time in cache-sized score blocks; the best and second-best per
    question are carried from column block to column block (first index wins ties, as argmax).
    Case variants of the question words are excluded for mul only: the add caller re-solves
    those questions exactly.

    Returns (best row, best score, second-best score) per question.
    """
    n, r = q.shape[0], unit.shape[0]
    uniq, inv = np.unique(q[:, :3], return_inverse=True)
    inv = inv.reshape(n, 3)
    query_unit = unit[uniq]
    width = max(1, min(r, _MAX_WIDTH, _BLOCK_ELEMENTS // len(uniq)))
    step = max(1, min(int(chunk_size), _CHUNK_ELEMENTS // width))
    threads = _eval_threads() if threads is None else max(1, int(threads))
    threads = max(1, min(threads, n // step))
    best_val = np.full(n, -np.inf, dtype=np.float32)
    best_idx = np.zeros(n, dtype=np.int64)
    second_val = np.full(n, -np.inf, dtype=np.float32)
    shift = np.float32(2.0 * _COSMUL_EPS)
    all_rows = np.arange(step)
    buffers = [(np.empty(step * width, dtype=np.float32), np.empty(step * width, dtype=np.float32))
               for _ in range(threads)]

    def combine(block, c0, c1, lo, hi, worker):
        w = c1 - c0
        buf, buf2 = buffers[worker]
        for start in range(lo, hi, step):
            stop = min(hi, start + step)
            m = stop - start
            rows = all_rows[:m]
            scores = buf[: m * w].reshape(m, w)
            tmp = buf2[: m * w].reshape(m, w)
            np.take(block, inv[start:stop, 1], axis=0, out=scores)
            if method == "add":
                np.take(block, inv[start:stop, 2], axis=0, out=tmp)
                scores += tmp
                np.take(block, inv[start:stop, 0], axis=0, out=tmp)
                scores -= tmp
            else:
                np.take(block, inv[start:stop, 2], axis=0, out=tmp)
                scores *= tmp
                np.take(block, inv[start:stop, 0], axis=0, out=tmp)
                tmp += shift
                scores /= tmp
            for k in range(3):
                cols = q[start:stop, k]
                inside = (cols >= c0) & (cols < c1)
                scores[rows[inside], cols[inside] - c0] = -np.inf
            if method == "mul" and variant_groups:
                for j in range(m):
                    extra = _variant_columns(q[start + j, :3], variant_groups, c0, c1)
                    if extra:
                        scores[j, extra] = -np.inf
            blk = scores.argmax(axis=1)
            top = scores[rows, blk]  # a copy (advanced indexing)
            scores[rows, blk] = -np.inf
            runner_up = scores.max(axis=1)
            best = best_val[start:stop]
            second = second_val[start:stop]
            better = top > best
            second[...] = np.where(better, np.maximum(best, runner_up), np.maximum(second, top))
            best_idx[start:stop][better] = blk[better] + c0
            best[better] = top[better]

    bounds = [(n * t // threads, n * (t + 1) // threads) for t in range(threads)]
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    try:
        for c0 in range(0, r, width):
            c1 = min(r, c0 + width)
            block = query_unit @ unit[c0:c1].T
            if method == "mul":
                block += 1.0
            if pool is None:
                combine(block, c0, c1, 0, n, 0)
            else:
                jobs = [pool.submit(combine, block, c0, c1, lo, hi, t)
                        for t, (lo, hi) in enumerate(bounds)]
                for job in jobs:
                    job.result()
    finally:
        if pool is not None:
            pool.shutdown()
    return best_idx, best_val, second_val


def evaluate_analogies(
    kv,
    path=None,
    restrict_vocab=30000,
    method="add",
    case_insensitive=True,
    chunk_size=1000,
):
    """Accuracy on a word-analogy test set (``questions-words.txt`` layout).

    For each question ``A B C D`` the answer is the word of the restricted vocabulary (the first
    ``restrict_vocab`` words; ``None`` = all) that best completes ``A:B = C:?``, the three
    question words excluded, and the question counts as correct when that word is ``D``.
    Questions with a word outside the restricted vocabulary are skipped (not scored).

    ``method``: ``"add"`` (3CosAdd, ``cos(x, B - A + C)`` of unit vectors; gensim's figures
    exactly) or ``"mul"`` (3CosMul, Levy & Goldberg 2014:
    ``cos'(x,B) * cos'(x,C) / (cos'(x,A) + 1e-3)`` with ``cos' = (1 + cos) / 2``).

    ``case_insensitive``: words are upper-cased for matching (gensim's rule) and a word that has
    several case variants in the model takes the vector of the most frequent one.

    Returns a dict::

        {"path", "method", "restrict_vocab", "case_insensitive", "seconds",
         "accuracy", "correct", "scored", "skipped", "questions",
         "sections": [{"section", "accuracy", "correct", "scored", "skipped", "questions"}, ...],
         "semantic": {...}, "syntactic": {...}}

    ``accuracy`` is ``correct / scored`` (0.0 when nothing was scored); sections whose name
    starts with ``gram`` are syntactic, the others semantic.
    """
    if method not in ("add", "mul"):
        raise ValueError("method must be 'add' or 'mul', not %r" % (method,))
    t0 = time.perf_counter()
    path = ANALOGIES_PATH if path is None else path
    sections = read_analogies(path)
    keys, norm_keys, r, ok_vocab, canon, matrix = _restricted(kv, restrict_vocab, case_insensitive)

    # map questions to rows; collect the in-vocabulary ones
    q_rows = []  # (ia, ib, ic, id) canonical rows
    q_section = []
    q_ignore = []
    section_counts = []  # questions, skipped per section
    for s_no, (_name, questions) in enumerate(sections):
        skipped = 0
        for words in questions:
            if case_insensitive:
                words = tuple(w.upper() for w in words)
            try:
                rows = tuple(ok_vocab[w] for w in words)
            except KeyError:
                skipped += 1
                continue
            q_rows.append(rows)
            q_section.append(s_no)
            q_ignore.append(words[:3])
        section_counts.append((len(questions), skipped))

    n = len(q_rows)
    correct = np.zeros(n, dtype=bool)
    if n and r:
        q = np.asarray(q_rows, dtype=np.int64).reshape(n, 4)
        unit, norms = _unit_rows(matrix)
        # rows that share their (upper-cased) word with another row: case variants
        group_sizes = np.bincount(canon, minlength=r)
        variant_groups = {}
        if (group_sizes > 1).any():
            for i in np.flatnonzero(group_sizes[canon] > 1):
                variant_groups.setdefault(int(canon[i]), []).append(int(i))
        predicted, top, second = _solve(unit, q, method, variant_groups, chunk_size)
        exact = np.zeros(n, dtype=bool)
        if method == "add":
            # scores are cos * |b - a + c|: near ties (in cosine units) and questions with case
            # variants (gensim's top-5 exclusion rule) are re-solved exactly below
            length = np.linalg.norm(unit[q[:, 1]] + unit[q[:, 2]] - unit[q[:, 0]], axis=1)
            length[length == 0] = 1
            exact = ~((top - second) / length >= _TIE_SLACK)  # NaN too
            if variant_groups:
                exact |= np.isin(q[:, :3], np.fromiter(variant_groups, dtype=np.int64)).any(1)
        correct = canon[predicted] == q[:, 3]
        n_exact = int(exact.sum())
        if n_exact:
            solver = _GensimExact(matrix, norms, norm_keys, ok_vocab)
            for i in np.flatnonzero(exact):
                ia, ib, ic, _ = (int(v) for v in q[i])
                ignore = set(q_ignore[i])
                word = solver.solve(ia, ib, ic, ignore)
                expected = norm_keys[int(q[i, 3])]
                correct[i] = word == expected
            logger.debug("re-solved %d near-tied or case-variant questions exactly", n_exact)

    # tally
    sec_correct = np.bincount(np.asarray(q_section, dtype=np.int64), weights=correct,
                              minlength=len(sections)) if n else np.zeros(len(sections))
    sec_scored = np.bincount(np.asarray(q_section, dtype=np.int64),
                             minlength=len(sections)) if n else np.zeros(len(sections))
    out_sections = []
    groups = {"semantic": [0, 0, 0, 0], "syntactic": [0, 0, 0, 0]}
    for s_no, (name, _questions) in enumerate(sections):
        total_q, skipped = section_counts[s_no]
        c, sc = int(sec_correct[s_no]), int(sec_scored[s_no])
        item = {"section": name}
        item.update(_summary(c, sc, skipped, total_q))
        out_sections.append(item)
        g = groups["syntactic" if name.startswith("gram") else "semantic"]
        g[0] += c
        g[1] += sc
        g[2] += skipped
        g[3] += total_q
        logger.info("%s: %.1f%% (%d/%d)", name, 100.0 * item["accuracy"], c, sc)
    total_correct = int(correct.sum())
    total_questions = sum(cnt for cnt, _ in section_counts)
    result = {
        "path": os.fspath(path),
        "method": method,
        "restrict_vocab": r,
        "case_insensitive": bool(case_insensitive),
    }
    result.update(_summary(total_correct, n, total_questions - n, total_questions))
    result["sections"] = out_sections
    result["semantic"] = _summary(*groups["semantic"])
    result["syntactic"] = _summary(*groups["syntactic"])
    result["seconds"] = time.perf_counter() - t0
    logger.info(
        "analogies (%s, top %d words): %.2f%% (%d/%d), %d of %d questions skipped",
        method, r, 100.0 * result["accuracy"], total_correct, n, result["skipped"], total_questions,
    )
    return result


# ---------------------------------------------------------------------------------------------
# word similarity


def evaluate_similarity(kv, path=None, case_insensitive=True, restrict_vocab=300000,
                        allow_empty=False):
    """Correlation of cosine similarity with human judgements (WordSim-353 by default).

    Pairs with a word outside the first ``restrict_vocab`` words (gensim's default 300,000;
    ``None`` = all) are out of vocabulary and left out.  With ``case_insensitive`` words are
    matched upper-cased, the most frequent case variant giving the vector (gensim's rule).

    Returns ``{"path", "spearman", "pearson", "pairs", "oov", "oov_ratio", "case_insensitive",
    "restrict_vocab"}``: ``pairs`` scored, ``oov`` pairs left out, ``oov_ratio`` in percent of
    all pairs (gensim's third figure).  Raises ValueError if no pair could be scored, unless
    ``allow_empty``: then ``pairs`` is 0 and both correlations are NaN.
    """
    path = WORDSIM_PATH if path is None else path
    pairs = read_similarity_pairs(path)
    keys, norm_keys, r, ok_vocab, canon, matrix = _restricted(kv, restrict_vocab, case_insensitive)
    gold, rows_a, rows_b = [], [], []
    oov = 0
    for a, b, score in pairs:
        if case_insensitive:
            a, b = a.upper(), b.upper()
        ia, ib = ok_vocab.get(a), ok_vocab.get(b)
        if ia is None or ib is None:
            oov += 1
            continue
        gold.append(score)
        rows_a.append(ia)
        rows_b.append(ib)
    if not gold and allow_empty:
        nan = float("nan")
        return {"path": os.fspath(path), "spearman": nan, "pearson": nan, "pairs": 0,
                "oov": int(oov), "oov_ratio": 100.0 if oov else 0.0,
                "case_insensitive": bool(case_insensitive), "restrict_vocab": r}
    if not gold:
        raise ValueError("no pair of %s is in the vocabulary" % (os.fspath(path),))
    # gensim: dot(unitvec(v1), unitvec(v2)); unitvec scales in float64 (dnrm2/dscal) and casts
    # back to the model's dtype, and the dot is then taken in that dtype
    va = np.asarray(matrix[rows_a])
    vb = np.asarray(matrix[rows_b])
    if va.dtype not in (np.float32, np.float64):
        va, vb = va.astype(np.float32), vb.astype(np.float32)
    ua, ub = _unitvec_rows(va), _unitvec_rows(vb)
    model = np.array([np.dot(ua[i], ub[i]) for i in range(len(gold))], dtype=np.float64)
    gold = np.asarray(gold, dtype=np.float64)
    result = {
        "path": os.fspath(path),
        "spearman": spearman(gold, model),
        "pearson": pearson(gold, model),
        "pairs": int(gold.size),
        "oov": int(oov),
        "oov_ratio": 100.0 * oov / (gold.size + oov),
        "case_insensitive": bool(case_insensitive),
        "restrict_vocab": r,
    }
    logger.info(
        "word similarity %s: spearman %.4f, pearson %.4f, %d pairs, %d OOV",
        os.path.basename(result["path"]), result["spearman"], result["pearson"], result["pairs"],
        oov,
    )
    return result


# ---------------------------------------------------------------------------------------------
# both kinds of benchmark at once


def evaluate(kv, analogy_paths=None, similarity_paths=None, restrict_vocab=30000, method="add",
             case_insensitive=True):
    """Run analogy and word-similarity test sets on ``kv``: what ``w2vns evaluate`` and
    ``w2vns train --eval`` report.

    ``analogy_paths`` / ``similarity_paths``: lists of files; ``None`` runs the bundled set
    (questions-words / WordSim-353), an empty list runs none of that kind.  ``restrict_vocab``
    and ``method`` apply to the analogies (see :func:`evaluate_analogies`); similarity uses
    gensim's defaults (see :func:`evaluate_similarity`), and a set none of whose pairs is in the
    vocabulary gives ``pairs`` 0 and NaN correlations instead of an error.

    Returns ``{"vocab_size", "dim", "analogies": [result, ...], "similarity": [result, ...],
    "seconds"}`` with one :func:`evaluate_analogies` / :func:`evaluate_similarity` result per
    file, in the order given.  Raises ValueError for a file without a single analogy question
    or word pair (an empty or wrong file), OSError for an unreadable one.
    """
    t0 = time.perf_counter()
    analogy_paths = [ANALOGIES_PATH] if analogy_paths is None else list(analogy_paths)
    similarity_paths = [WORDSIM_PATH] if similarity_paths is None else list(similarity_paths)
    matrix = np.asarray(kv.vectors)
    result = {"vocab_size": int(matrix.shape[0]), "dim": int(matrix.shape[1]),
              "analogies": [], "similarity": []}
    for path in analogy_paths:
        try:
            res = evaluate_analogies(kv, path, restrict_vocab=restrict_vocab, method=method,
                                     case_insensitive=case_insensitive)
        except UnicodeDecodeError as err:
            raise ValueError("%s: not UTF-8 text (%s)" % (os.fspath(path), err)) from None
        if not res["questions"]:
            raise ValueError("%s: no analogy questions (lines of four words)" % os.fspath(path))
        result["analogies"].append(res)
    for path in similarity_paths:
        try:
            has_pairs = bool(read_similarity_pairs(path))
        except UnicodeDecodeError as err:
            raise ValueError("%s: not UTF-8 text (%s)" % (os.fspath(path), err)) from None
        if not has_pairs:
            raise ValueError("%s: no word pairs (lines 'word1 word2 score')" % os.fspath(path))
        result["similarity"].append(
            evaluate_similarity(kv, path, case_insensitive=case_insensitive, allow_empty=True))
    result["seconds"] = time.perf_counter() - t0
    return result
