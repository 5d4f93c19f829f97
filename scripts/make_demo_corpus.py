#!/usr/bin/env python3
"""Write the demo corpus, w2vns/data/demo.txt.gz, with w2vns.corpus.synthetic.

The corpus is generated text (templates over planted word groups; see w2vns/corpus/synthetic.py), so
it has no licence issues and can be rebuilt at any time.  The output is byte-identical for the
same arguments (gzip with a zero timestamp), so rerunning this script after an unrelated change
leaves the committed file untouched; a change to the generator shows up as a changed file.

    python3 scripts/make_demo_corpus.py                  # the shipped corpus
    python3 scripts/make_demo_corpus.py -n 5000 -o /tmp/small.txt
"""
import argparse
import gzip
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Run from a checkout without installing: make the package importable from the repo root.
sys.path.insert(0, ROOT)

from w2vns.corpus import synthetic  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_output = os.path.join(ROOT, "w2vns", "data", "demo.txt.gz")
    parser.add_argument("-o", "--output", default=default_output,
                        help="output path; .gz means gzip (default: %(default)s)")
    parser.add_argument("-n", "--sentences", type=int, default=synthetic.DEMO_N_SENTENCES,
                        help="number of sentences (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=synthetic.DEMO_SEED,
                        help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)

    synthetic.check_tables()
    folder = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(folder, exist_ok=True)
    n_tokens = synthetic.write_corpus(args.output, args.sentences, seed=args.seed)

    size = os.path.getsize(args.output)
    if args.output.endswith(".gz"):
        with gzip.open(args.output, "rb") as f:
            text_bytes = sum(len(line) for line in f)
    else:
        text_bytes = size
    print(f"{args.output}: {args.sentences} sentences, {n_tokens} tokens, "
          f"{text_bytes / 1e6:.2f} MB of text, {size / 1e6:.2f} MB on disk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
