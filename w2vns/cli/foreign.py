"""The option names that users of word2vec.c, gensim and fastText type, and what w2vns calls
them: one table, read by the command line when it cannot parse an option.

word2vec.c writes its options with one dash (``-size 100``), which click would read as a
cluster of one-letter options (``-s -i -z -e``; ``-hs`` would even print the help), so those
are looked for before parsing; names with two dashes (``--size``, gensim's ``--vector_size``)
only after click found no such option, since some are w2vns options of other commands
(``plot --size``).
"""

#: Normalised name (no dashes, lower case, "_" as "-") -> the w2vns option to type instead, or a
#: sentence saying what w2vns does instead.
FOREIGN_OPTIONS = {
    # word2vec.c (and its word2phrase / distance tools)
    "train": "w2vns takes the corpus as an argument: w2vns train CORPUS",
    "output": "-o/--output",
    "size": "--dim",
    "window": "--window",
    "sample": "--sample",
    "negative": "--negative",
    "threads": "--threads",
    "iter": "--epochs",
    "min-count": "--min-count",
    "alpha": "--alpha",
    "binary": "w2vns writes --format binary or --format text, by default by the output's "
              "extension",
    "save-vocab": "--vocab-out",
    "read-vocab": "w2vns counts the corpus itself (--min-count, --max-vocab)",
    "debug": "w2vns has --progress and -q",
    "cbow": "w2vns trains skip-gram (word2vec's -cbow 0) and has no CBOW",
    "hs": "w2vns chooses the loss with --loss (w2vns train --help lists them)",
    "classes": "w2vns does not cluster words",
    # gensim's Word2Vec(...) keywords
    "vector-size": "--dim",
    "workers": "--threads",
    "epochs": "--epochs",
    "max-vocab-size": "--max-vocab",
    "max-final-vocab": "--max-vocab",
    "ns-exponent": "--noise-power",
    "min-alpha": "--min-alpha",
    "sg": "w2vns trains skip-gram (sg=1) and has no CBOW",
    "cbow-mean": "w2vns trains skip-gram and has no CBOW",
    "corpus-file": "w2vns takes the corpus as an argument: w2vns train CORPUS",
    "sentences": "w2vns takes the corpus as an argument: w2vns train CORPUS",
    "compute-loss": "w2vns shows the loss in its progress (--progress)",
    "restrict-vocab": "--restrict",
    # fastText
    "input": "w2vns takes the corpus as an argument: w2vns train CORPUS",
    "dim": "--dim",
    "epoch": "--epochs",
    "mincount": "--min-count",
    "neg": "--negative",
    "ws": "--window",
    "lr": "--alpha",
    "thread": "--threads",
    "t": "--sample",
    "loss": "--loss",
    "seed": "--seed",
}


def normalise(token):
    """'--vector_size=100' -> 'vector-size'."""
    return token.split("=", 1)[0].lstrip("-").lower().replace("_", "-")


def suggestion(token):
    """What w2vns calls the foreign option ``token`` (None if it is not a known one)."""
    return FOREIGN_OPTIONS.get(normalise(token))


def single_dash_option(args):
    """The first word2vec.c-style option (one dash, a known name of two letters or more) in
    ``args`` before a ``--``, or None."""
    for token in args:
        if token == "--":
            return None
        if (token.startswith("-") and not token.startswith("--")
                and len(normalise(token)) > 1 and suggestion(token)):
            return token
    return None


def message(token):
    """The error line for a foreign option: 'no such option -size: w2vns calls it --dim'."""
    hint = suggestion(token)
    name = token.split("=", 1)[0]
    if hint.startswith("-") and " " not in hint:
        return "no such option: %s (did you mean %s?)" % (name, hint)
    return "no such option: %s (%s)" % (name, hint)
