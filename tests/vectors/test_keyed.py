"""Tests for w2vns.vectors.keyed.KeyedVectors: lookup, similarity queries, loading and saving."""
import numpy as np
import pytest

from w2vns.vectors.formats import FormatError
from w2vns.vectors.keyed import KeyedVectors


def unit(v):
    return v / np.linalg.norm(v)


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    keys = ["w%d" % i for i in range(200)]
    vectors = rng.standard_normal((200, 16)).astype(np.float32)
    # Plant a near-duplicate: w7's nearest neighbour is w42, by far.
    vectors[42] = vectors[7] * 3.0 + rng.standard_normal(16).astype(np.float32) * 0.01
    return KeyedVectors(keys, vectors, counts=np.arange(200, 0, -1))


def test_basic_access(kv):
    assert len(kv) == 200 and kv.vector_size == 16
    assert "w5" in kv and "nope" not in kv
    assert kv.index_to_key[5] == "w5" and kv.key_to_index["w5"] == 5 and kv.get_index("w5") == 5
    assert kv.vectors.dtype == np.float32 and kv.vectors.flags.c_contiguous
    assert np.shares_memory(kv["w5"], kv.vectors)
    assert np.array_equal(kv["w5"], kv.vectors[5])
    block = kv[["w3", "w1", "w3"]]
    assert block.shape == (3, 16) and np.array_equal(block, kv.vectors[[3, 1, 3]])
    assert list(kv)[:2] == ["w0", "w1"]
    assert kv.counts[0] == 200
    assert "200 keys" in repr(kv)


def test_unknown_key_raises_keyerror_naming_it(kv):
    for call in (lambda: kv["zebra"], lambda: kv[["w1", "zebra"]], lambda: kv.get_index("zebra"),
                 lambda: kv.most_similar("zebra"), lambda: kv.similarity("w1", "zebra"),
                 lambda: kv.most_similar(positive=["w1"], negative=["zebra"])):
        with pytest.raises(KeyError, match="zebra"):
            call()
    assert kv.get_index("zebra", -1) == -1
    with pytest.raises(TypeError):
        kv[3]


def test_no_copy_for_float32_input():
    vectors = np.ones((3, 2), dtype=np.float32)
    kv = KeyedVectors(["a", "b", "c"], vectors)
    assert kv.vectors is vectors
    kv64 = KeyedVectors(["a", "b", "c"], np.ones((3, 2)))
    assert kv64.vectors.dtype == np.float32


def test_constructor_validation():
    with pytest.raises(ValueError):
        KeyedVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError):
        KeyedVectors(["a"], np.zeros(2))
    with pytest.raises(ValueError):
        KeyedVectors(["a", "b"], np.zeros((2, 2)), counts=[1])


def test_duplicate_key_first_wins():
    kv = KeyedVectors(["a", "b", "a"], np.array([[1, 0], [0, 1], [5, 5]], dtype=np.float32))
    assert kv.get_index("a") == 0 and len(kv) == 3
    assert np.array_equal(kv["a"], [1, 0])


def test_normed_vectors(kv):
    vectors = kv.vectors.copy()
    vectors[3] = 0
    kv.vectors = vectors
    normed = kv.get_normed_vectors()
    assert normed.dtype == np.float32
    norms = np.linalg.norm(normed, axis=1)
    assert np.allclose(np.delete(norms, 3), 1, atol=1e-6)
    assert norms[3] == 0 and not np.isnan(normed).any()
    assert kv.get_normed_vectors() is normed  # cached
    kv.vectors = vectors * 2  # assigning resets the cache
    assert kv.get_normed_vectors() is not normed
    assert np.allclose(kv.get_normed_vectors(), normed, atol=1e-6)
    assert np.array_equal(kv.vectors, vectors * 2)  # the originals are untouched


def test_most_similar_planted_neighbour(kv):
    result = kv.most_similar("w7", topn=5)
    assert len(result) == 5
    assert result[0][0] == "w42" and result[0][1] > 0.999
    assert all(key != "w7" for key, _ in result)
    sims = [s for _, s in result]
    assert sims == sorted(sims, reverse=True)
    assert all(isinstance(k, str) and isinstance(s, float) for k, s in result)
    # The cosines are the true ones.
    normed = kv.get_normed_vectors()
    for key, sim in result:
        assert sim == pytest.approx(float(normed[kv.get_index(key)] @ normed[7]), abs=1e-6)
    # A single str and a one-element list mean the same.
    assert kv.most_similar(["w7"], topn=5) == result


def test_most_similar_excludes_all_query_words_and_handles_analogies():
    rng = np.random.default_rng(1)
    keys = ["king", "man", "woman", "queen"] + ["x%d" % i for i in range(100)]
    vectors = rng.standard_normal((104, 20)).astype(np.float32)
    target = unit(vectors[0]) - unit(vectors[1]) + unit(vectors[2])
    vectors[3] = 7.0 * target  # cosine 1 with the analogy query
    kv = KeyedVectors(keys, vectors)
    result = kv.most_similar(positive=["king", "woman"], negative=["man"], topn=10)
    assert result[0][0] == "queen" and result[0][1] == pytest.approx(1.0, abs=1e-5)
    assert not {"king", "man", "woman"} & {k for k, _ in result}
    # Query words are excluded even when they would rank first.
    close = kv.most_similar(positive=["queen", "king"], topn=3)
    assert not {"queen", "king"} & {k for k, _ in close}


def test_most_similar_options(kv):
    assert len(kv.most_similar("w7", topn=500)) == 199  # everything except the query word
    assert kv.most_similar("w7", topn=0) == []
    restricted = kv.most_similar("w7", topn=10, restrict_vocab=20)
    assert all(kv.get_index(k) < 20 for k, _ in restricted) and len(restricted) == 10
    assert "w42" not in {k for k, _ in restricted}
    sims = kv.most_similar("w7", topn=None)
    assert sims.shape == (200,) and sims[42] == max(np.delete(sims, 7))
    # A raw vector as the query: nothing is excluded.
    by_vector = kv.most_similar(positive=[kv["w7"]], topn=2)
    assert [k for k, _ in by_vector] == ["w7", "w42"]
    with pytest.raises(ValueError):
        kv.most_similar()


def test_most_similar_agrees_with_gensim(kv):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(vector_size=16)
    theirs.add_vectors(kv.index_to_key, kv.vectors)
    for query in (dict(positive="w7"), dict(positive=["w1", "w2"], negative=["w3"]),
                  dict(positive=["w10"], restrict_vocab=50)):
        ours = kv.most_similar(topn=8, **query)
        ref = theirs.most_similar(topn=8, **query)
        assert [k for k, _ in ours] == [k for k, _ in ref]
        assert np.allclose([s for _, s in ours], [s for _, s in ref], atol=1e-5)


def test_gensim_names_agree_with_gensim(kv):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(vector_size=16)
    theirs.add_vectors(kv.index_to_key, kv.vectors)
    for norm in (False, True):
        ours = kv.get_vector("w5", norm=norm)
        assert np.allclose(ours, theirs.get_vector("w5", norm=norm), atol=1e-6)
        assert not ours.flags.writeable
    assert kv.vectors.flags.writeable  # only the returned view is read-only
    query = kv["w7"] * 0.5 + kv["w3"]
    for name, args in (("similar_by_vector", (query,)), ("similar_by_word", ("w7",)),
                       ("similar_by_key", ("w9",))):
        for restrict in (None, 60):
            ours = getattr(kv, name)(*args, topn=6, restrict_vocab=restrict)
            ref = getattr(theirs, name)(*args, topn=6, restrict_vocab=restrict)
            assert [k for k, _ in ours] == [k for k, _ in ref], name
            assert np.allclose([v for _, v in ours], [v for _, v in ref], atol=1e-5)
    for ws1, ws2 in ((["w1", "w2"], ["w3"]), (["w7"], ["w42", "w8", "w9"]), ("w4", "w5")):
        assert kv.n_similarity(ws1, ws2) == pytest.approx(float(theirs.n_similarity(
            [ws1] if isinstance(ws1, str) else ws1, [ws2] if isinstance(ws2, str) else ws2)),
            abs=1e-6)
    assert kv.distance("w1", "w2") == pytest.approx(float(theirs.distance("w1", "w2")),
                                                    abs=1e-6)
    for words in (["w1", "w2", "w3", "w4"], ["w7", "w42", "w100"]):
        assert kv.doesnt_match(words) == theirs.doesnt_match(words)
    ours = kv.most_similar(positive=["w1", "w5"], negative=["w9", "w11"], topn=5)
    ref = theirs.most_similar(positive=["w1", "w5"], negative=["w9", "w11"], topn=5)
    assert [k for k, _ in ours] == [k for k, _ in ref]
    assert kv.most_similar(positive=None, negative=["w3"], topn=3) == kv.most_similar(
        negative=["w3"], topn=3)
    with pytest.raises(KeyError, match="zebra"):
        kv.n_similarity(["w1", "zebra"], ["w2"])
    with pytest.raises(ValueError):
        kv.n_similarity([], ["w2"])


def test_similarity(kv):
    expected = float(unit(kv["w1"].astype(np.float64)) @ unit(kv["w2"].astype(np.float64)))
    assert kv.similarity("w1", "w2") == pytest.approx(expected, abs=1e-6)
    assert kv.similarity("w2", "w1") == pytest.approx(kv.similarity("w1", "w2"))
    assert kv.similarity("w7", "w7") == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name,binary", [("v.bin", True), ("v.txt", False), ("v.txt.gz", False),
                                         ("v.bin.bz2", True)])
def test_save_and_load(tmp_path, kv, name, binary):
    path = tmp_path / name
    kv.save_word2vec_format(path, binary=binary)
    for loaded in (KeyedVectors.load(path), KeyedVectors.load_word2vec_format(str(path)),
                   KeyedVectors.load_word2vec_format(path, binary=binary)):
        assert loaded.index_to_key == kv.index_to_key
        assert np.array_equal(loaded.vectors.view(np.uint32), kv.vectors.view(np.uint32))
    first = KeyedVectors.load_word2vec_format(path, limit=10)
    assert first.index_to_key == kv.index_to_key[:10]


def test_load_malformed_raises_format_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"not a header\n")
    with pytest.raises(FormatError, match="line 1"):
        KeyedVectors.load(path)


# -- lazy lookups, norms, summaries ------------------------------------------------------------


def test_lookups_before_and_after_the_dict_is_built(kv):
    assert kv._key_to_index is None  # not built by the constructor
    for _ in range(20):  # the first lookups scan, later ones build and use the dict
        assert kv.get_index("w150") == 150 and "nope" not in kv
    assert kv._key_to_index is not None and kv.key_to_index["w150"] == 150
    assert [] not in kv  # unhashable: simply not a key


def test_norms_computed_once_in_blocks(kv, monkeypatch):
    from w2vns.vectors import native

    monkeypatch.setattr(native.np.linalg, "norm", np.linalg.norm)
    norms = kv.norms
    assert norms.dtype == np.float32 and norms is kv.norms
    assert np.array_equal(norms, np.linalg.norm(kv.vectors, axis=1))
    assert np.array_equal(native.row_norms(kv.vectors, block=7), norms)


def test_describe(kv):
    vectors = kv.vectors.copy()
    vectors[4] = 0
    kv.vectors = vectors
    summary = kv.describe(top=3)
    assert summary["vocab_size"] == 200 and summary["dim"] == 16
    norms = np.linalg.norm(vectors, axis=1)
    assert summary["norms"]["zero"] == 1
    assert summary["norms"]["min"] == 0 and summary["norms"]["max"] == pytest.approx(norms.max())
    assert summary["norms"]["median"] == pytest.approx(np.median(norms))
    assert summary["most_frequent"] == [{"word": "w0", "count": 200}, {"word": "w1", "count": 199},
                                        {"word": "w2", "count": 198}]
    assert summary["source"] is None
    assert KeyedVectors(["a"], np.ones((1, 2))).describe()["most_frequent"] == [{"word": "a"}]


def test_load_records_the_source(tmp_path, kv):
    path = tmp_path / "v.txt.gz"
    kv.save_word2vec_format(path, binary=False)
    assert KeyedVectors.load(path).source == {"path": str(path), "format": "word2vec-text",
                                              "compression": "gz", "mmap": False}


# -- analogies and odd-one-out ---------------------------------------------------------------


@pytest.fixture
def analogy_kv():
    """king - man + woman points exactly at queen, under both 3CosAdd and 3CosMul."""
    rng = np.random.default_rng(1)
    keys = ["king", "man", "woman", "queen", "apple", "pear", "plum", "car"] + [
        "x%d" % i for i in range(200)]
    vectors = rng.standard_normal((len(keys), 20)).astype(np.float32)
    vectors[3] = 4.0 * (unit(vectors[0]) - unit(vectors[1]) + unit(vectors[2]))
    fruit = rng.standard_normal(20).astype(np.float32)
    for i in (4, 5, 6):
        vectors[i] = fruit + 0.1 * rng.standard_normal(20).astype(np.float32)
    return KeyedVectors(keys, vectors)


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_answers_and_leaves_out_the_question_words(analogy_kv, method):
    answers = analogy_kv.analogy("man", "king", "woman", topn=5, method=method)
    assert answers[0][0] == "queen" and len(answers) == 5
    assert not {"man", "king", "woman"} & {k for k, _ in answers}
    scores = [s for _, s in answers]
    assert scores == sorted(scores, reverse=True)
    assert analogy_kv.analogy("man", "king", "woman", method=method)[0][0] == "queen"  # topn=1
    with pytest.raises(KeyError, match="zebra"):
        analogy_kv.analogy("man", "zebra", "woman", method=method)


def test_analogy_add_is_most_similar(analogy_kv):
    assert analogy_kv.analogy("man", "king", "woman", topn=4) == analogy_kv.most_similar(
        positive=["king", "woman"], negative=["man"], topn=4)
    with pytest.raises(ValueError, match="method"):
        analogy_kv.analogy("man", "king", "woman", method="sub")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim's own init_sims call
def test_cosmul_and_doesnt_match_agree_with_gensim(analogy_kv):
    gensim_models = pytest.importorskip("gensim.models")
    theirs = gensim_models.KeyedVectors(vector_size=20)
    theirs.add_vectors(analogy_kv.index_to_key, analogy_kv.vectors)
    for query in (dict(positive=["king", "woman"], negative=["man"]),
                  dict(positive=["apple", "x3"], negative=["car", "x4"]),
                  dict(positive=["x10"]), dict(positive=["x1", "x2"])):
        ours = analogy_kv.most_similar_cosmul(topn=6, **query)
        ref = theirs.most_similar_cosmul(topn=6, **query)
        assert [k for k, _ in ours] == [k for k, _ in ref]
        assert np.allclose([s for _, s in ours], [s for _, s in ref], rtol=1e-5)
    for words in (["apple", "pear", "car", "plum"], ["x1", "x2", "x3"], ["king", "apple", "pear"]):
        assert analogy_kv.doesnt_match(words) == theirs.doesnt_match(words)
    assert analogy_kv.doesnt_match(["apple", "pear", "car", "plum"]) == "car"
    with pytest.raises(KeyError):
        analogy_kv.doesnt_match(["apple", "zebra"])
    with pytest.raises(ValueError):
        analogy_kv.doesnt_match([])


def test_cosmul_restrict_vocab_and_topn_none(analogy_kv):
    # (gensim 4.4's most_similar_cosmul ignores restrict_vocab; ours applies it.)
    scores = analogy_kv.most_similar_cosmul(positive=["king"], topn=None)
    first = analogy_kv.most_similar_cosmul(positive=["king"], topn=None, restrict_vocab=10)
    assert first.shape == (10,) and np.array_equal(first, scores[:10])
    best = analogy_kv.most_similar_cosmul(positive=["x1", "x2"], topn=3, restrict_vocab=50)
    assert all(analogy_kv.get_index(k) < 50 for k, _ in best) and len(best) == 3


def test_zero_vectors_give_zero_similarity_not_nan():
    kv = KeyedVectors(["a", "b", "c"], np.array([[0, 0], [1, 0], [1, 1]], dtype=np.float32))
    assert kv.similarity("a", "b") == 0.0
    result = dict(kv.most_similar("b", topn=2))
    assert result["a"] == 0.0 and result["c"] == pytest.approx(0.5 ** 0.5)


# -- gensim round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("name, binary", [("v.bin", True), ("v.txt", False), ("v.bin.gz", True),
                                          ("v.vec", False)])
def test_ours_to_gensim_to_ours_identical(tmp_path, kv, name, binary):
    gensim_models = pytest.importorskip("gensim.models")
    ours = tmp_path / ("ours-" + name)
    kv.save_word2vec_format(ours, binary=binary)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert theirs.index_to_key == kv.index_to_key
    assert np.array_equal(theirs.vectors.view(np.uint32), kv.vectors.view(np.uint32))
    back = tmp_path / ("gensim-" + name)
    theirs.save_word2vec_format(str(back), binary=binary)
    again = KeyedVectors.load(back)
    assert again.index_to_key == kv.index_to_key
    assert np.array_equal(again.vectors.view(np.uint32), kv.vectors.view(np.uint32))
    ours, gensims = again.most_similar("w7", topn=5), theirs.most_similar("w7", topn=5)
    assert [w for w, _ in ours] == [w for w, _ in gensims]
    assert [s for _, s in ours] == pytest.approx([s for _, s in gensims])
