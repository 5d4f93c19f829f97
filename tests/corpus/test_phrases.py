"""Phrase detection: counts, scores, the left-to-right rewrite, pruning, passes, files."""
import io
import math
import random
from collections import Counter

import numpy as np
import pytest

from w2vns.corpus import synthetic
from w2vns.corpus._encode import Encoder
from w2vns.corpus._phrases import BigramCounter, PhraseRewriter, count_unigrams
from w2vns.corpus.phrases import Phrases, PhrasesError

SENT = 0xFFFFFFFF


def planted_lines(n=3000, seed=7):
    """Generated sentences with collocations planted among them: "new york" (and "new york
    city"), "los angeles", "machine learning"; "new" and "york" also occur apart."""
    rng = random.Random(seed)
    base = synthetic.generate_corpus(n, seed=seed)
    planted = ["i moved to new york last year", "the new york city marathon",
               "we flew from los angeles", "machine learning is fun",
               "a new car", "york is old", "new york city never sleeps"]
    return [line if rng.random() < 0.8 else planted[int(rng.random() * len(planted))]
            for line in base]


def reference_counts(lines):
    """Unigram and within-line bigram counts, directly in Python."""
    unigrams, bigrams = Counter(), Counter()
    for line in lines:
        tokens = line.split()
        unigrams.update(tokens)
        bigrams.update(zip(tokens, tokens[1:]))
    return unigrams, bigrams


def reference_rewrite(lines, phrases, delimiter="_"):
    """word2phrase's rewrite, written out: left to right, a joined pair's second word spent."""
    out = []
    for line in lines:
        tokens, result, i = line.split(), [], 0
        while i < len(tokens):
            if i + 1 < len(tokens) and (tokens[i], tokens[i + 1]) in phrases:
                result.append(tokens[i] + delimiter + tokens[i + 1])
                i += 2
            else:
                result.append(tokens[i])
                i += 1
        out.append(" ".join(result))
    return out


def phrased(phrases, lines):
    buffer = io.BytesIO()
    phrases.fit_transform(lines, buffer)
    return buffer.getvalue().decode().split("\n")[:-1]


# -- counting and scoring ------------------------------------------------------------------


def test_bigram_counts_equal_a_direct_count():
    lines = planted_lines(500)
    encoder = Encoder(1 << 40, 1000)
    text = ("\n".join(lines) + "\n").encode()
    out = np.empty(len(text) + 2, dtype=np.uint32)
    stream = out[:encoder.encode(text, out)]
    counter = BigramCounter(1 << 20)
    for piece in np.array_split(stream, 7):  # pieces of one stream pair up across the cuts
        counter.add(np.ascontiguousarray(piece))
    unigrams, bigrams = reference_counts(lines)
    words = encoder.words(np.arange(encoder.vocab_size, dtype=np.int64))
    ids = {w.decode(): i for i, w in enumerate(words)}
    a, b, c = counter.pairs(1)
    assert counter.size == len(bigrams) == len(a)
    assert {(words[x].decode(), words[y].decode()): n
            for x, y, n in zip(a.tolist(), b.tolist(), c.tolist())} == dict(bigrams)
    assert counter.count(ids["new"], ids["york"]) == bigrams["new", "york"] > 0
    counts = count_unigrams(stream, encoder.vocab_size)
    assert {words[i].decode(): n for i, n in enumerate(counts.tolist())} == dict(unigrams)


@pytest.mark.parametrize("scorer,threshold", [("word2vec", 20.0), ("npmi", 0.3)])
def test_scores_equal_a_direct_python_computation(scorer, threshold):
    lines = planted_lines()
    phrases = Phrases(min_count=5, threshold=threshold, scorer=scorer)
    phrases.fit(lines)
    unigrams, bigrams = reference_counts(lines)
    n = sum(unigrams.values())
    expected = {}
    for (a, b), c in bigrams.items():
        if c < 5:
            continue
        if scorer == "word2vec":
            score = (c - 5) / (unigrams[a] * unigrams[b]) * n
        else:
            score = math.log((c / n) / ((unigrams[a] / n) * (unigrams[b] / n))) / -math.log(c / n)
        if score > threshold:
            expected[a + "_" + b] = score
    found = phrases.export()
    assert len(expected) > 20 and "new_york" in expected and "los_angeles" in expected
    assert found.keys() == expected.keys()
    for phrase, score in expected.items():
        assert found[phrase] == pytest.approx(score, rel=1e-12)
    table = phrases.tables[0]
    assert all(table.counts[i] == bigrams[table.a[i].decode(), table.b[i].decode()]
               for i in range(len(table)))
    assert phrases.stats[0]["tokens"] == n


def test_the_rewrite_equals_the_reference_rule_on_a_corpus():
    lines = planted_lines()
    phrases = Phrases(min_count=5, threshold=20)
    out = phrased(phrases, lines)
    table = {tuple(k.split("_")) for k in phrases.export()}
    assert out == reference_rewrite(lines, table)
    assert any("new_york" in line for line in out)


# -- the rewrite rule ------------------------------------------------------------------------


def rewriter_for(encoder, pairs):
    """A PhraseRewriter joining word pairs (str) of ``encoder``, and a helper to run it."""
    text = " ".join(w for pair in pairs for w in pair) + "\n"
    out = np.empty(len(text) + 2, dtype=np.uint32)
    ids = out[:encoder.encode(text.encode(), out)]
    ids = ids[ids != SENT]
    joined = "\n".join("_".join(pair) for pair in pairs) + "\n"
    jout = np.empty(len(joined) + 2, dtype=np.uint32)
    jids = jout[:encoder.encode(joined.encode(), jout)]
    return PhraseRewriter(ids[0::2].copy(), ids[1::2].copy(), jids[jids != SENT].copy())


def rewrite_text(text, pairs, piece=None):
    """Encode ``text``, rewrite it with ``pairs`` (in pieces of ``piece`` ids), decode."""
    encoder = Encoder(1 << 40, 1000, True)
    rewriter = rewriter_for(encoder, pairs)
    data = text.encode()
    out = np.empty(len(data) + 2, dtype=np.uint32)
    k = encoder.encode(data, out)
    k += encoder.finish(out[k:])
    stream = out[:k]
    if piece is None:
        k = rewriter.rewrite_range(stream, 0, len(stream), 0, True)
        result = stream[:k]
    else:
        parts = []
        for begin in range(0, len(stream), piece):
            src = stream[begin:begin + piece]
            dst = np.empty(len(src) + 1, dtype=np.uint32)
            parts.append(dst[:rewriter.rewrite(src, dst, begin + piece >= len(stream))])
        result = np.concatenate(parts)
    buffer = np.empty(1 << 16, dtype=np.uint8)
    _, size, _ = encoder.decode(np.ascontiguousarray(result), buffer)
    return bytes(buffer[:size]).decode()


@pytest.mark.parametrize("piece", [None, 1, 2, 3])
def test_overlapping_candidates_join_left_to_right(piece):
    pairs = [("a", "b"), ("b", "c"), ("c", "d")]
    assert rewrite_text("a b c\n", pairs, piece) == "a_b c\n"
    assert rewrite_text("a b c d\n", pairs, piece) == "a_b c_d\n"
    assert rewrite_text("x b c d\n", pairs, piece) == "x b_c d\n"
    assert rewrite_text("a a b b c\n", pairs, piece) == "a a_b b_c\n"


@pytest.mark.parametrize("piece", [None, 1, 2, 5])
def test_nothing_joins_across_a_line_end(piece):
    pairs = [("new", "york")]
    text = "i love new\nyork is big\nnew york\n\nnew\nyork new york"
    expected = "i love new\nyork is big\nnew_york\n\nnew\nyork new_york\n"
    assert rewrite_text(text, pairs, piece) == expected


def test_line_ends_and_empty_lines_are_kept():
    lines = planted_lines(400)
    lines[10:10] = ["", "   ", "new york"]
    out = phrased(Phrases(min_count=5, threshold=20), lines)
    assert len(out) == len(lines)
    assert out[10] == out[11] == "" and out[12] == "new_york"


def test_python_phrase_method_follows_the_same_rule():
    lines = planted_lines()
    phrases = Phrases(min_count=5, threshold=20).fit(lines)
    out = phrased(phrases, lines)
    assert [" ".join(phrases.phrase(line.split())) for line in lines] == out
    assert phrases.phrase([b"new", b"york"]) == [b"new_york"]
    assert phrases.phrase([]) == []


# -- pruning -----------------------------------------------------------------------------------


def test_pruning_keeps_the_bigram_table_bounded():
    rng = random.Random(3)
    vocabulary = ["w%d" % i for i in range(3000)]
    # ~150k distinct random bigrams, and one planted frequent pair
    lines = [" ".join(vocabulary[int(rng.random() * len(vocabulary))] for _ in range(20))
             + (" alpha beta" if i % 4 == 0 else "") for i in range(8000)]
    encoder = Encoder(1 << 40, 1000)
    text = ("\n".join(lines) + "\n").encode()
    out = np.empty(len(text) + 2, dtype=np.uint32)
    stream = out[:encoder.encode(text, out)]
    counter = BigramCounter(2000)
    largest = 0
    for begin in range(0, len(stream), 997):
        counter.add(stream[begin:begin + 997])
        assert counter.size <= 2000
        largest = max(largest, counter.table_bytes)
    assert counter.prunes > 0 and counter.min_reduce == counter.prunes + 1
    assert largest <= counter.max_table_bytes <= 2000 * 16 * 8 // 3
    ids = {w.decode(): i for i, w in
           enumerate(encoder.words(np.arange(encoder.vocab_size, dtype=np.int64)))}
    # the frequent pair survives every prune, with most of its count
    assert counter.count(ids["alpha"], ids["beta"]) > 1500

    phrases = Phrases(min_count=5, threshold=10, max_bigrams=2000).fit(lines)
    assert phrases.stats[0]["prunes"] > 0
    assert "alpha_beta" in phrases.export()


def test_pairs_across_lines_counts_the_line_boundary_pair():
    lines = ["a b", "c d", "", "e"]
    default = Phrases(min_count=1, threshold=-1e9).fit(lines)
    across = Phrases(min_count=1, threshold=-1e9, pairs_across_lines=True).fit(lines)
    assert set(default.export()) == {"a_b", "c_d"}
    assert set(across.export()) == {"a_b", "b_c", "c_d", "d_e"}


# -- passes, files ------------------------------------------------------------------------------


def test_two_passes_make_trigrams():
    lines = planted_lines()
    one = phrased(Phrases(min_count=5, threshold=20), lines)
    two = Phrases(min_count=5, threshold=20, passes=2)
    out = phrased(two, lines)
    assert not any("new_york_city" in line for line in one)
    assert any("new_york_city" in line for line in out)
    assert len(two.tables) == 2 and len(two.stats) == 2
    # the second pass is the first run again on its own output
    again = phrased(Phrases(min_count=5, threshold=20), one)
    assert out == again


def test_save_load_round_trip(tmp_path):
    lines = planted_lines()
    phrases = Phrases(min_count=5, threshold=20, passes=2, delimiter="+")
    out = phrased(phrases, lines)
    path = tmp_path / "phrases.tsv"
    phrases.save(path)
    loaded = Phrases.load(path)
    assert (loaded.scorer, loaded.min_count, loaded.threshold, loaded.passes,
            loaded.delimiter) == ("word2vec", 5, 20.0, 2, b"+")
    for mine, theirs in zip(phrases.tables, loaded.tables):
        assert mine.a == theirs.a and mine.b == theirs.b
        assert np.array_equal(mine.scores, theirs.scores)
        assert np.array_equal(mine.counts, theirs.counts)
    buffer = io.BytesIO()
    loaded.transform(lines, buffer)
    assert buffer.getvalue().decode().split("\n")[:-1] == out
    assert any("new+york+city" in line for line in out)


def test_transform_streams_files_in_small_pieces(tmp_path, monkeypatch):
    import w2vns.corpus.phrases as module

    lines = planted_lines()
    phrases = Phrases(min_count=5, threshold=20, passes=2)
    expected = phrased(phrases, lines)
    source = tmp_path / "in.txt.gz"
    import gzip
    with gzip.open(source, "wt") as f:
        f.write("\n".join(lines))  # no final newline
    monkeypatch.setattr(module, "CHUNK_BYTES", 4099)  # pieces cut lines and words
    phrases.transform(str(source), tmp_path / "out.txt.gz")
    with gzip.open(tmp_path / "out.txt.gz", "rt") as f:
        assert f.read().split("\n")[:-1] == expected


def test_load_refuses_bad_files(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("hello\n")
    with pytest.raises(PhrasesError, match="not a w2vns phrase table"):
        Phrases.load(bad)
    bad.write_text("# w2vns-phrases 1 scorer=word2vec min_count=5 threshold=100.0 passes=1 "
                   "delimiter=_\n1\tnew\tyork\n")
    with pytest.raises(PhrasesError, match=":2: expected 5"):
        Phrases.load(bad)
    bad.write_text("# w2vns-phrases 1 scorer=word2vec min_count=5 threshold=100.0 passes=1 "
                   "delimiter=_\n2\tnew\tyork\t1.0\t3\n")
    with pytest.raises(PhrasesError, match="pass 2 is not in 1..1"):
        Phrases.load(bad)


@pytest.mark.parametrize("kwargs", [dict(min_count=0), dict(scorer="pmi"), dict(passes=0),
                                    dict(scorer="npmi", threshold=2), dict(delimiter=" "),
                                    dict(threshold=float("nan")), dict(max_bigrams=0)])
def test_bad_settings_raise(kwargs):
    with pytest.raises(ValueError):
        Phrases(**kwargs)


def test_an_empty_corpus_is_an_error():
    from w2vns.corpus.encode import CorpusError

    with pytest.raises(CorpusError, match="empty"):
        Phrases().fit(["", "  "])


def test_the_package_exports_phrases():
    import w2vns

    assert w2vns.Phrases is Phrases and "Phrases" in w2vns.__all__


def test_encode_corpus_rewrite_hook_phrases_the_encoded_corpus():
    """What train(phrases=N) does: the encoded stream is phrased before the vocabulary is
    chosen, and equals encoding the phrased text."""
    from w2vns.corpus.encode import encode_corpus

    lines = planted_lines()
    phrases = Phrases(min_count=5, threshold=20, passes=2)
    encoded = encode_corpus(lines, min_count=1, rewrite=phrases.learn_encoded)
    direct = encode_corpus(phrased(Phrases(min_count=5, threshold=20, passes=2), lines),
                           min_count=1)
    assert dict(zip(encoded.vocab.words, encoded.vocab.counts.tolist())) == dict(
        zip(direct.vocab.words, direct.vocab.counts.tolist()))
    words = np.array(encoded.vocab.words + [b"\n"], dtype=object)
    ids = np.where(encoded.stream == SENT, len(encoded.vocab), encoded.stream)
    assert b" ".join(words[ids]).replace(b" \n ", b"\n").split(b"\n")[:3] == [
        line.encode() for line in phrased(phrases, lines)[:3]]
    assert encoded.tokens == direct.tokens and encoded.sentences == direct.sentences


def test_progress_follows_the_bytes_of_all_inputs(tmp_path, monkeypatch):
    import w2vns.corpus.phrases as module

    monkeypatch.setattr(module, "CHUNK_BYTES", 1000)
    paths = []
    for i in range(2):
        paths.append(tmp_path / ("part%d.txt" % i))
        paths[-1].write_text("\n".join(planted_lines(100, seed=i)) + "\n")
    calls = []
    Phrases(min_count=2, threshold=1).fit([str(p) for p in paths],
                                          progress=lambda *a: calls.append(a))
    sizes = [p.stat().st_size for p in paths]
    done = [c[0] for c in calls]
    assert done == sorted(done) and done[-1] == sum(sizes)
    assert calls[0][1] == sizes[0] and calls[-1][1] == sum(sizes)
