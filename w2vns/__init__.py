"""w2vns: word2vec with negative sampling — skip-gram, NCE, hard and adversarial negatives.

    >>> import w2vns
    >>> model = w2vns.train("corpus.txt", dim=100, epochs=5)
    >>> model.wv.most_similar("dog")
    >>> model.save_word2vec_format("vectors.bin")
"""
import importlib

__version__ = "0.1.0"

__all__ = ["train", "resume", "TrainParams", "KeyedVectors", "Word2VecModel", "evaluate",
           "Recommender", "plot_words", "Phrases", "__version__"]

# Imported on first use, so that `import w2vns.vectors` (or a query command) does not pay for
# the training machinery, and the reverse.
_LAZY = {"train": "distributed.api", "resume": "distributed.api", "TrainParams": "training.params",
         "KeyedVectors": "vectors.keyed", "Word2VecModel": "training.model",
         "evaluate": "apps.evaluation", "Recommender": "apps.recommend",
         "plot_words": "apps.plot", "Phrases": "corpus.phrases"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module("." + _LAZY[name], __name__), name)
    raise AttributeError("module 'w2vns' has no attribute %r" % name)
