"""Shared fixtures: small generated corpora (tests never read ../shared)."""
import gzip

import pytest

from w2vns.apps import evaluation
from w2vns.corpus import synthetic


def write_analogy_subset(path, step):
    """Every ``step``-th question of each bundled analogy section, written to ``path`` (the
    gensim comparisons answer them one at a time, so the full set would be slow)."""
    with open(path, "w", encoding="utf-8") as out:
        for name, questions in evaluation.read_analogies():
            out.write(": %s\n" % name)
            for q in questions[::step]:
                out.write(" ".join(q) + "\n")
    return path


@pytest.fixture(scope="session")
def corpus_lines():
    """20,000 generated sentences (~350k tokens) with planted word groups."""
    return synthetic.generate_corpus(20000, seed=3)


@pytest.fixture(scope="session")
def corpus_file(tmp_path_factory, corpus_lines):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(corpus_lines) + "\n")
    return path


@pytest.fixture(scope="session")
def corpus_gz(tmp_path_factory, corpus_lines):
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt.gz"
    with gzip.open(path, "wt") as out:
        out.write("\n".join(corpus_lines) + "\n")
    return path


@pytest.fixture(scope="session")
def small_corpus_file(tmp_path_factory):
    """2,000 sentences: enough for the CLI plumbing tests, quick to train."""
    path = tmp_path_factory.mktemp("corpus") / "small.txt"
    path.write_text("\n".join(synthetic.generate_corpus(2000, seed=5)) + "\n")
    return path
