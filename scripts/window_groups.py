#!/usr/bin/env python3
"""How the distributed backend cuts windows: contexts per group at K input blocks, and what
replicating the input rows of the R most frequent words on every cell would change.

    python scripts/window_groups.py CORPUS [--blocks 2,4,8] [--replicated 0,32,128,512,2048]
        [--window 5] [--sample 1e-3] [--min-count 5] [--seed 1]

On one machine a window's contexts take one summed step against the centre and the noise
words; a cell of the Dask backend can only sum the contexts of its own input block, so a
window is trained as one group per input block it touches (docs/distributed.md). For each K
this prints the contexts per group of the backend's own plan (``plan_range`` over the whole
corpus as one range), then an estimate made here in numpy with the same rules (word2vec's
subsampling and reduced window, words dealt to blocks as ``block_of`` deals them) that can
also leave the R most frequent words' contexts out of the cut: a replicated row could join
any group of its window. For each R: the share of context steps that would fall on
replicated rows (steps a replica scheme must merge across cells) and the groups a window and
contexts a group left.
The estimate draws its own random numbers, so at R = 0 it agrees with the plan to the second
decimal, not exactly.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_items import int_list  # noqa: E402

from w2vns.corpus.encode import SENTENCE_END, encode_corpus  # noqa: E402
from w2vns.corpus.sampling import keep_probabilities, keep_thresholds  # noqa: E402
from w2vns.distributed._plan import plan_range  # noqa: E402
from w2vns.distributed.schedule import block_of  # noqa: E402


def plan_contexts_per_group(stream, keep, window, nblocks, seed):
    """Contexts per group in the backend's plan of the whole stream. A group is
    [centre, m, x_1 .. x_m], so the plan's length is 2 per group plus its pairs."""
    dealings = np.zeros(nblocks, dtype=np.uint64)  # which output block: no matter here
    pieces, _words, pairs = plan_range(stream, 0, len(stream), keep, window, nblocks, seed,
                                       dealings, len(keep), 1 << 30)
    length = sum(len(piece) for block_pieces in pieces for cell in block_pieces
                 for piece in cell)
    return pairs.sum() / ((length - pairs.sum()) // 2)


def kept_tokens(stream, probabilities, seed):
    """Word ids and sentence numbers of the tokens that subsampling keeps (one draw)."""
    ends = stream == SENTENCE_END
    sentence = np.cumsum(ends)[~ends]
    ids = stream[~ends].astype(np.int64)
    kept = np.random.default_rng(seed).random(len(ids)) < probabilities[ids]
    return ids[kept], sentence[kept]


def neighbours(sentence, window, seed):
    """Each kept token's contexts under word2vec's reduced window (one draw of its size): a
    list, one entry per offset, of (positions, in window) arrays, and the contexts a token."""
    n = len(sentence)
    reach = window - np.random.default_rng(seed + 1).integers(0, window, n)
    here = np.arange(n)
    offsets = []
    contexts = np.zeros(n, dtype=np.int64)
    for distance in range(1, window + 1):
        for other in (here - distance, here + distance):
            inside = (other >= 0) & (other < n)
            other = np.clip(other, 0, n - 1)
            inside &= (sentence[other] == sentence) & (distance <= reach)
            offsets.append((other, inside))
            contexts += inside
    return offsets, contexts


def estimate(ids, offsets, contexts, nblocks, replicated):
    """(share of contexts on replicated rows, groups a window, contexts a group) over the
    windows that have a context."""
    block = block_of(ids, nblocks)
    touched = np.zeros(len(ids), dtype=np.int64)  # bit b: a context in block b (nblocks <= 63)
    free = np.zeros(len(ids), dtype=np.int64)
    for other, inside in offsets:
        on_replica = inside & (ids[other] < replicated)
        free += on_replica
        touched |= np.where(inside & ~on_replica, np.left_shift(1, block[other]), 0)
    groups = np.zeros(len(ids), dtype=np.int64)
    for b in range(nblocks):
        groups += (touched >> b) & 1
    has = contexts > 0
    groups = np.maximum(groups[has], 1)
    return (free[has].sum() / contexts[has].sum(), groups.mean(),
            contexts[has].sum() / groups.sum())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus")
    ap.add_argument("--blocks", type=int_list, default=[2, 4, 8])
    ap.add_argument("--replicated", type=int_list, default=[0, 32, 128, 512, 2048])
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if max(args.blocks) > 63 or min(args.blocks) < 1:
        ap.error("--blocks must be in 1..63")
    try:
        corpus = encode_corpus(args.corpus, min_count=args.min_count)
    except (OSError, ValueError) as error:  # a missing or unreadable corpus, no word kept
        ap.error("cannot read %s: %s" % (args.corpus, error))
    counts = corpus.vocab.counts
    stream = np.ascontiguousarray(corpus.stream)
    ids, sentence = kept_tokens(stream, keep_probabilities(counts, args.sample), args.seed)
    offsets, contexts = neighbours(sentence, args.window, args.seed)
    keep = keep_thresholds(counts, args.sample)
    print("%s: %d tokens, %d kept by subsampling, vocabulary %d, window %d"
          % (args.corpus, corpus.tokens, len(ids), len(counts), args.window))
    print("\n| K | plan: contexts / group | replicated rows R | contexts on replicas "
          "| groups / window | contexts / group |\n| ---: | ---: | ---: | ---: | ---: | ---: |")
    for nblocks in args.blocks:
        planned = plan_contexts_per_group(stream, keep, args.window, nblocks, args.seed)
        for replicated in args.replicated:
            share, groups, per_group = estimate(ids, offsets, contexts, nblocks, replicated)
            print("| %d | %.2f | %d | %.3f | %.2f | %.2f |"
                  % (nblocks, planned, replicated, share, groups, per_group))
    print("\ncontexts a window (with one or more): %.2f" % contexts[contexts > 0].mean())


if __name__ == "__main__":
    main()
