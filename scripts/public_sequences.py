#!/usr/bin/env python3
"""Seven public data sets of real users' histories in time order, as one line per user (items
separated by spaces): the input of ``w2vns evaluate-rec`` and scripts/bench_items.py.

    python scripts/public_sequences.py OUTDIR [--from DIR]

Writes OUTDIR/{Beauty,Sports,Toys,Yelp,LastFM,Video,MovieLens}.txt, and
OUTDIR/MovieLens-top1682.txt: MovieLens cut to its 1,682 most-rated films (ML-100k's catalogue
size; ties in order of first appearance), lines of 20 or more of them.  The raw files are those that
sequential-recommendation papers share, at pinned commits:

* Beauty, Sports_and_Outdoors, Toys_and_Games (Amazon reviews, 5-core), Yelp (reviews) and
  LastFM (hetrec-2011 tag assignments) from RUCAIBox/CIKM2020-S3Rec, data/NAME.txt: one user
  a line, ``user item item ...`` in time order;
* Video (Amazon Video Games reviews, 5-core) from kang205/SASRec, data/Video.txt: one
  ``user item`` pair a line, each user's pairs in time order;
* MovieLens (ml-latest-small of 2018-09-26, GroupLens: 610 users' movie ratings, each user
  with at least 20; research use only, see its README) from a copy in
  Muellersen/Recommender-Systems, ml-latest-small/ratings.csv (its header renamed, the
  100,836 ratings as GroupLens ships them): one
  ``userId,movieId,rating,timestamp`` rating a line, ordered here by timestamp within each
  user (ties in the file's order).  The same kind of data as the hidden set of issue 17
  (movie ratings in time order, a median of 70 items a line), but not that set.

They are downloaded from raw.githubusercontent.com, or read from ``--from DIR`` where a
machine has no network (DIR holds the raw files under their names above).  The user ids are
dropped; the item ids are the files' own.
"""
import argparse
import os
import sys
import urllib.request
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from w2vns.io.atomic import atomic_output  # noqa: E402

S3REC = ("https://raw.githubusercontent.com/RUCAIBox/CIKM2020-S3Rec/"
         "2a81540ae18615d88ef88227b0c066e5b74781e5/data/")
MOVIELENS = ("https://raw.githubusercontent.com/Muellersen/Recommender-Systems/"
             "928dcbd0c8047827d60f2ae4d1a2e2741d4132d0/ml-latest-small/")
SASREC = ("https://raw.githubusercontent.com/kang205/SASRec/"
          "e3738967fddab206d6eeb4fda433e7a7034dd8b1/data/")

#: output name -> (raw file name, base URL, layout: "lines", "pairs" or "ratings").
SOURCES = {
    "Beauty": ("Beauty.txt", S3REC, "lines"),
    "Sports": ("Sports_and_Outdoors.txt", S3REC, "lines"),
    "Toys": ("Toys_and_Games.txt", S3REC, "lines"),
    "Yelp": ("Yelp.txt", S3REC, "lines"),
    "LastFM": ("LastFM.txt", S3REC, "lines"),
    "Video": ("Video.txt", SASREC, "pairs"),
    "MovieLens": ("ratings.csv", MOVIELENS, "ratings"),
}


def histories(text, layout):
    """The item lists, one per user in order of first appearance, of a raw file's text."""
    if layout == "lines":
        return [items for _, *items in map(str.split, text.splitlines()) if items]
    if layout == "ratings":
        return ratings_histories(text)
    users = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 2:
            users.setdefault(fields[0], []).append(fields[1])
    return list(users.values())


def ratings_histories(text):
    """The item lists of a ``user,item,rating,timestamp`` CSV with a header line: each user's
    items ordered by timestamp, ties kept in the file's order."""
    users = {}
    for line in text.splitlines()[1:]:
        fields = line.split(",")
        if len(fields) == 4:
            users.setdefault(fields[0], []).append((int(fields[3]), fields[1]))
    return [[item for _, item in sorted(rated, key=lambda pair: pair[0])]
            for rated in users.values()]


def top_items_cut(lines, items, min_length):
    """``lines`` with only their ``items`` most frequent items (ties: the first seen first),
    and only the lines that keep ``min_length`` or more."""
    kept = {item for item, _ in Counter(item for line in lines for item in line).most_common(items)}
    cut = ([item for item in line if item in kept] for line in lines)
    return [line for line in cut if len(line) >= min_length]


def write_lines(path, lines):
    """Writes ``lines`` (item lists) to ``path``, one a line, and says so."""
    with atomic_output(path, "w") as handle:
        handle.writelines(" ".join(items) + "\n" for items in lines)
    print("%s: %d users, %d items in all" % (path, len(lines), sum(map(len, lines))))


def raw_text(name, base, source_dir):
    """The raw file ``name``: from ``source_dir`` when given, else downloaded from ``base``."""
    if source_dir:
        with open(os.path.join(source_dir, name), encoding="ascii") as handle:
            return handle.read()
    with urllib.request.urlopen(base + name, timeout=60) as response:
        return response.read().decode("ascii")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--from", dest="source_dir", help="read the raw files from this folder")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    for out, (name, base, layout) in SOURCES.items():
        try:
            lines = histories(raw_text(name, base, args.source_dir), layout)
        except OSError as err:
            sys.exit("public_sequences: error: %s: %s" % (name, err))
        write_lines(os.path.join(args.outdir, out + ".txt"), lines)
        if out == "MovieLens":
            write_lines(os.path.join(args.outdir, "MovieLens-top1682.txt"),
                        top_items_cut(lines, 1682, 20))


if __name__ == "__main__":
    main()
