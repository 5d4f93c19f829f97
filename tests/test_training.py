"""Training end to end through the library API."""
import numpy as np
import pytest

import w2vns
from w2vns import synthetic


def group_of():
    return {w: g for g, words in synthetic.planted_groups().items() for w in words}


@pytest.fixture(scope="module")
def model(corpus_file):
    return w2vns.train(str(corpus_file), dim=50, epochs=5, threads=2, seed=1)


def test_planted_groups_become_nearest_neighbours(model):
    owner = group_of()
    probes = ["dog", "paris", "red", "monday", "january", "doctor", "apple", "car"]
    hits = []
    for word in probes:
        neighbours = [w for w, _ in model.wv.most_similar(word, topn=5)]
        hits.append(sum(owner.get(n) == owner[word] for n in neighbours))
    # Nearly all of the top-5 neighbours come from the word's own planted group.
    assert sum(hits) >= 0.8 * 5 * len(probes), dict(zip(probes, hits))


@pytest.mark.parametrize("kernel", ["reference", "fast"])
def test_both_kernels_learn_the_planted_groups(kernel, corpus_file):
    model = w2vns.train(str(corpus_file), dim=30, epochs=3, threads=2, seed=2, kernel=kernel)
    owner = group_of()
    probes = ["dog", "paris", "red", "monday", "january", "doctor"]
    hits = sum(owner.get(n) == owner[w] for w in probes
               for n, _ in model.wv.most_similar(w, topn=5))
    assert hits >= 0.8 * 5 * len(probes)


def test_each_kernel_is_reproducible_and_they_differ(small_corpus_file):
    vectors = {}
    for kernel in ("reference", "fast", "fast"):
        model = w2vns.train(str(small_corpus_file), dim=12, epochs=1, threads=1, seed=4,
                            kernel=kernel)
        vectors.setdefault(kernel, []).append(model.wv.vectors.tobytes())
    assert vectors["fast"][0] == vectors["fast"][1]
    assert vectors["fast"][0] != vectors["reference"][0]


def test_report_counts_every_word_of_every_epoch(model):
    r = model.report
    assert r["words_done"] == r["retained_tokens"] * r["epochs"]
    assert r["vocab_size"] == len(model.wv.index_to_key) == model.wv.vectors.shape[0]
    assert r["tokens"] >= r["retained_tokens"] > 0
    assert r["words_per_sec"] > 0 and r["train_seconds"] > 0
    assert 0 < r["mean_loss"] < 4


def test_model_api_shapes(model):
    wv = model.wv
    assert wv.vectors.dtype == np.float32 and wv.vectors.shape[1] == 50
    assert wv.index_to_key[wv.key_to_index["dog"]] == "dog"
    assert np.array_equal(wv["dog"], wv.vectors[wv.key_to_index["dog"]])
    # Frequency order: the first key is the most frequent word.
    assert model.vocab.counts[0] == model.vocab.counts.max()


def test_one_thread_with_a_seed_is_bit_for_bit_reproducible(small_corpus_file):
    runs = [w2vns.train(str(small_corpus_file), dim=20, epochs=2, threads=1, seed=11)
            for _ in range(2)]
    assert runs[0].wv.vectors.tobytes() == runs[1].wv.vectors.tobytes()
    assert runs[0].syn1neg.tobytes() == runs[1].syn1neg.tobytes()
    other = w2vns.train(str(small_corpus_file), dim=20, epochs=2, threads=1, seed=12)
    assert other.wv.vectors.tobytes() != runs[0].wv.vectors.tobytes()


def test_sentences_from_python_iterables():
    lines = synthetic.generate_corpus(500, seed=2)
    from_str = w2vns.train(lines, dim=10, epochs=1, threads=1, min_count=1)
    from_tokens = w2vns.train([l.split() for l in lines], dim=10, epochs=1, threads=1,
                              min_count=1)
    assert from_str.wv.vectors.tobytes() == from_tokens.wv.vectors.tobytes()


def test_many_threads_on_a_small_corpus(small_corpus_file):
    model = w2vns.train(str(small_corpus_file), dim=10, epochs=3, threads=8)
    assert model.report["threads"] == 8
    assert model.report["words_done"] == model.report["retained_tokens"] * 3
    assert np.isfinite(model.wv.vectors).all()


@pytest.mark.parametrize("bad", [
    {"dim": 0}, {"window": -1}, {"negative": -1}, {"sample": 1.5}, {"min_count": 0},
    {"epochs": 0}, {"alpha": 0}, {"threads": 0}, {"max_vocab": 0}, {"dim": 2.5},
    {"min_alpha": 1.0}, {"kernel": "turbo"}, {"nce_bias": "yes"},
])
def test_bad_parameters_raise_value_error_before_any_work(bad):
    with pytest.raises(ValueError, match=list(bad)[0]):
        w2vns.train("/nonexistent/corpus.txt", **bad)


def test_unknown_parameter_is_a_type_error():
    with pytest.raises(TypeError, match="dimension"):
        w2vns.train(["a b c"], dimension=3)


def test_save_word2vec_format_round_trip(model, tmp_path):
    path = tmp_path / "v.bin"
    model.save_word2vec_format(path)
    again = w2vns.KeyedVectors.load(str(path))
    assert again.index_to_key == model.wv.index_to_key
    assert np.array_equal(again.vectors, model.wv.vectors)
