#!/usr/bin/env python3
"""Carry a corpus to a machine that takes less than its gzip: pack it as word ids, unpack it
there as text.

    python scripts/pack_corpus.py pack CORPUS OUT [--min-count 5]    # OUT.ids.xz, OUT.vocab.tsv.xz
    python scripts/pack_corpus.py unpack OUT OUT.txt [--lines N]     # the text (first N lines)

The packed form is the encoded stream of ``w2vns.corpus.encode.encode_corpus`` (words below
``--min-count`` dropped, as training drops them before it windows a sentence), as varints (id
+ 1; 0 ends a line), compressed with xz: 8.7 bits a token on corpus-en, against 15 for its
gzip. The unpacked text holds only the kept words; trained with the same ``--min-count`` it
gives the same vocabulary and counts, subsampling and windows as the original (the
``tokens`` of a run's report, and so its words/s, count the kept words only).
"""
import argparse
import lzma
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from w2vns.corpus.encode import SENTENCE_END, encode_corpus  # noqa: E402
from w2vns.corpus.vocab import Vocabulary  # noqa: E402


def varints(values):
    """uint8 LEB128 encoding of non-negative integers below 2**21."""
    values = np.asarray(values, dtype=np.uint64)
    if values.size and values.max() >= 1 << 21:
        raise ValueError("ids of 2**21 and more are not packed")
    lengths = 1 + (values >= 128).astype(np.int64) + (values >= 1 << 14).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = np.zeros(int(lengths.sum()), dtype=np.uint8)
    for k in range(3):
        has = lengths > k
        chunk = (values[has] >> np.uint64(7 * k)) & np.uint64(127)
        more = (lengths[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[offsets[has] + k] = (chunk | more).astype(np.uint8)
    return out


def from_varints(data):
    """The integers of a LEB128 byte string (``varints``'s inverse)."""
    data = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(data < 128)
    starts = np.concatenate([[0], ends[:-1] + 1])
    token = np.repeat(np.arange(len(ends)), ends - starts + 1)
    shift = (np.arange(len(data)) - starts[token]) * 7
    payload = (data & 127).astype(np.uint64) << shift.astype(np.uint64)
    return np.add.reduceat(payload, starts)


def pack(corpus, out, min_count):
    encoded = encode_corpus(corpus, min_count)
    stream = np.asarray(encoded.stream)
    values = np.where(stream == SENTENCE_END, 0, stream.astype(np.uint64) + 1)
    with open(out + ".ids.xz", "wb") as f:
        f.write(lzma.compress(varints(values).tobytes(), preset=9 | lzma.PRESET_EXTREME))
    with tempfile.TemporaryDirectory() as folder:
        tsv = os.path.join(folder, "vocab.tsv")
        encoded.vocab.save_tsv(tsv)
        with open(tsv, "rb") as f, open(out + ".vocab.tsv.xz", "wb") as compressed:
            compressed.write(lzma.compress(f.read(), preset=9))
    print("%s: %d tokens, %d lines, %d words" % (out, encoded.tokens, encoded.sentences,
                                                 len(encoded.vocab)))


def unpack(packed, text, lines=None):
    with open(packed + ".ids.xz", "rb") as f:
        values = from_varints(lzma.decompress(f.read()))
    with tempfile.TemporaryDirectory() as folder:  # the packed files' folder may be read-only
        tsv = os.path.join(folder, "vocab.tsv")
        with open(tsv, "wb") as f, open(packed + ".vocab.tsv.xz", "rb") as compressed:
            f.write(lzma.decompress(compressed.read()))
        words = np.array(Vocabulary.load_tsv(tsv).words + [b""], dtype=object)
    ends = np.flatnonzero(values == 0)
    if lines is not None:
        ends = ends[:lines]
    ids = values.astype(np.int64) - 1  # the line ends become -1: the b"" at the end
    tokens = words[ids[:ends[-1] + 1 if len(ends) else 0]]
    tmp = text + ".tmp"
    with open(tmp, "wb") as f:
        start = 0
        for end in ends.tolist():
            f.write(b" ".join(tokens[start:end]) + b"\n")
            start = end + 1
    os.replace(tmp, text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack")
    p.add_argument("corpus")
    p.add_argument("out")
    p.add_argument("--min-count", type=int, default=5)
    u = sub.add_parser("unpack")
    u.add_argument("packed")
    u.add_argument("text")
    u.add_argument("--lines", type=int, default=None)
    args = parser.parse_args(argv)
    if args.command == "pack":
        pack(args.corpus, args.out, args.min_count)
    else:
        unpack(args.packed, args.text, args.lines)


if __name__ == "__main__":
    main()
