"""The option names that users of word2vec.c, gensim and fastText type, and what w2vns calls
them: one table, read by the command line when it cannot parse an option.

word2vec.c writes its options with one dash (``-size 100``), which click would read as a
cluster of one-letter options (``-s -i -z -e``; ``-hs`` would even print the help), so those
are looked for before parsing; names with two dashes (``--size``, gensim's ``--vector_size``)
only after click found no such option, since some are w2vns options of other commands
(``plot --size``).
"""

#: Normalised name (no dashes, lower case, "_" as "-") -> what to type instead.
FOREIGN_OPTIONS = {
    # word2vec.c (and its word2phrase / distance tools)
    "train": "give the corpus as an argument: w2vns train CORPUS",
    "output": "-o/--output",
    "size": "--dim",
    "window": "--window",
    "sample": "--sample",
    "negative": "--negative",
    "threads": "--threads",
    "iter": "--epochs",
    "min-count": "--min-count",
    "alpha": "--alpha",
    "binary": "--format binary or --format text (default: by the output's extension)",
    "save-vocab": "--vocab-out",
    "read-vocab": "nothing: w2vns counts the corpus itself (--min-count, --max-vocab)",
    "debug": "--progress or -q",
    "cbow": "nothing: w2vns trains skip-gram (word2vec's -cbow 0) and has no CBOW",
    "hs": "no hierarchical softmax switch: the loss is chosen with --loss (see w2vns train "
          "--help)",
    "classes": "nothing: w2vns does not cluster words",
    # gensim's Word2Vec(...) keywords
    "vector-size": "--dim",
    "workers": "--threads",
    "epochs": "--epochs",
    "max-vocab-size": "--max-vocab",
    "max-final-vocab": "--max-vocab",
    "ns-exponent": "--noise-power",
    "min-alpha": "--min-alpha",
    "sg": "nothing: w2vns trains skip-gram (sg=1) and has no CBOW",
    "cbow-mean": "nothing: w2vns trains skip-gram and has no CBOW",
    "corpus-file": "give the corpus as an argument: w2vns train CORPUS",
    "sentences": "give the corpus as an argument: w2vns train CORPUS",
    "compute-loss": "nothing: the progress bar shows the loss (--progress)",
    "restrict-vocab": "--restrict",
    # fastText
    "input": "give the corpus as an argument: w2vns train CORPUS",
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
    return "no such option: %s (w2vns: %s)" % (name, hint)
