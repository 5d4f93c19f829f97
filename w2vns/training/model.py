"""A trained model: vocabulary, the weights, the settings and the run's report."""
import dataclasses

from ..vectors.keyed import KeyedVectors
from . import checkpoint
from .weights import Weights


class Word2VecModel:
    """What ``w2vns.train`` returns.

    ``wv`` holds the input vectors (the embeddings) keyed by word; ``syn1neg`` the output
    vectors; ``extras`` the loss's own learned arrays by name (w2vns/training/losses.py), e.g.
    ``output_bias``, the NCE model's per-word output biases (float32, one per word: the
    model's score of word w in context c is ``wv[c] . syn1neg[w] + output_bias[w]``; None for
    SGNS and bare-score NCE); ``vocab`` the words with counts; ``params`` the resolved
    ``TrainParams``; ``report`` the run's figures (vocab_size, tokens, seconds, words_per_sec,
    ...).
    """

    def __init__(self, vocab, syn0, syn1neg, params, report, extras=None):
        self.vocab = vocab
        self.wv = KeyedVectors(vocab.keys(), syn0, counts=vocab.counts)
        self.syn1neg = syn1neg
        self.extras = dict(extras or {})
        self.params = params
        self.report = report

    @property
    def output_bias(self):
        """NCE's per-word output biases, or None."""
        return self.extras.get("output_bias")

    @property
    def weights(self):
        """The model's ``Weights`` (the same arrays, not a copy)."""
        return Weights(self.wv.vectors, self.syn1neg, self.extras)

    def save_word2vec_format(self, path, binary=True):
        """Write the input vectors in word2vec binary (default) or text format (atomically)."""
        self.wv.save_word2vec_format(path, binary=binary)

    def save(self, folder):
        """Save the vocabulary, the weights (with the loss's extras), the parameters and the
        corpus files it was trained on in ``folder`` (the checkpoint layout, see
        ``w2vns.training.checkpoint``): ``w2vns train --init FOLDER`` continues from it."""
        files = self.report.get("corpus_files")
        checkpoint.save(folder, self.vocab, self.weights, dataclasses.asdict(self.params),
                        corpus={"files": files} if files else None)
