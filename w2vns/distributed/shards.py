"""The corpus as shards that the workers read themselves: paths, globs and URLs, expanded on a
worker (so that paths mean what they mean on the cluster), in a fixed order."""
import glob
import os

from ..corpus.encode import CorpusError

_GLOB = set("*?[")


def expand(patterns):
    """The shards that ``patterns`` (paths, globs, URLs with globs) name, in order: each
    pattern's matches sorted, the patterns in their order. Runs on a worker."""
    shards = []
    for pattern in patterns:
        if not _GLOB & set(pattern):
            shards.append(pattern)
            continue
        if "://" in pattern:
            import fsspec  # comes with dask; imported only for URL globs

            fs, _, paths = fsspec.get_fs_token_paths(pattern)
            matches = sorted(fs.unstrip_protocol(p) for p in paths)
        else:
            matches = sorted(p for p in glob.glob(pattern) if not os.path.isdir(p))
        if not matches:
            raise CorpusError("%s: no file matches" % pattern)
        shards.extend(matches)
    return shards


def check_corpus(corpus):
    """The corpus as a list of path/URL patterns; ValueError for what workers cannot read."""
    if isinstance(corpus, (str, os.PathLike)):
        corpus = [corpus]
    if not isinstance(corpus, (list, tuple)) or not corpus or not all(
            isinstance(c, (str, os.PathLike)) for c in corpus):
        raise ValueError("a distributed run reads files or URLs that the workers can open "
                         "(not Python sentences)")
    corpus = [os.fspath(c) for c in corpus]
    if "-" in corpus:
        raise ValueError("a distributed run cannot read stdin: the workers read the corpus; "
                         "give files or URLs")
    return corpus
