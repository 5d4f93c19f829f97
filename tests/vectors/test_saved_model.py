"""A saved model or checkpoint folder reads as its input vectors wherever vectors are read."""
import numpy as np
import pytest

import w2vns
from w2vns import KeyedVectors
from w2vns.corpus import synthetic
from w2vns.training import checkpoint
from w2vns.vectors import saved_model
from w2vns.vectors.formats import FormatError


@pytest.fixture(scope="module")
def model():
    return w2vns.train(synthetic.generate_corpus(300, seed=8), dim=8, epochs=1, min_count=1,
                       threads=1, seed=2)


def test_layout_constants_agree_with_the_writer():
    assert (saved_model.MANIFEST, saved_model.FORMAT, saved_model.VERSION) == (
        checkpoint.MANIFEST, checkpoint.FORMAT, checkpoint.VERSION)


def test_load_gives_the_input_vectors_memory_mapped(model, tmp_path):
    model.save(tmp_path / "m")
    kv = KeyedVectors.load(tmp_path / "m")
    assert kv.index_to_key == model.wv.index_to_key
    assert np.array_equal(kv.vectors, model.wv.vectors)
    assert np.array_equal(kv.counts, model.vocab.counts)
    assert kv.source == {"path": str(tmp_path / "m"), "format": "w2vns-model",
                         "compression": None, "mmap": True, "complete": True}
    assert kv.most_similar("the", topn=3) == model.wv.most_similar("the", topn=3)
    assert len(KeyedVectors.load(tmp_path / "m", limit=5)) == 5


def test_damaged_saved_model_is_a_format_error_naming_the_folder(model, tmp_path):
    model.save(tmp_path / "m")
    state = next(p for p in (tmp_path / "m").iterdir() if p.name.startswith("state-"))
    (state / "syn0.npy").unlink()
    with pytest.raises(FormatError, match=r"m: damaged saved model: state-\d+/syn0\.npy is "
                                          r"missing"):
        KeyedVectors.load(tmp_path / "m")
    (tmp_path / "m" / "checkpoint.json").write_text("{not json")
    with pytest.raises(FormatError, match=r"m: damaged saved model: checkpoint\.json"):
        KeyedVectors.load(tmp_path / "m")
