#!/usr/bin/env python3
"""Benchmark phrase detection: `w2vns phrases` against word2phrase and gensim, same settings.

    python scripts/bench_phrases.py CORPUS.txt [--min-count 5] [--threshold 100] [--passes 1]
        [--repeats 1] [--word2phrase PATH] [--no-gensim] [--json out.json] [--workdir DIR] [--keep]

Each tool phrases CORPUS (plain text, one sentence per line) into a file, as a whole child
process timed from start to exit (wall time by perf_counter, peak RSS from os.wait4); the tools
alternate within each repeat (w2vns, word2phrase, gensim, w2vns, ...), so a slow patch of a
shared machine hits them alike:

* w2vns: ``python -m w2vns phrases CORPUS -o OUT --min-count M --threshold T --passes P``;
* word2phrase (tmikolov/word2vec 20c129a): ``word2phrase -train CORPUS -output OUT -min-count M
  -threshold T -debug 0``, run P times on its own output for P passes;
* gensim: an inline script, ``Phrases(LineSentence(CORPUS), min_count=M, threshold=T)`` with its
  default scorer (which uses the vocabulary size where word2phrase uses the token count, so its
  phrases differ), frozen (``FrozenPhrases``, the "phraser"), then the corpus rewritten with it
  to OUT; P passes as P such rounds.

Then the phrased outputs are compared token by token, line by line, with word2phrase's as the
reference: the number of lines and tokens that differ, with examples. To say why they differ,
w2vns's library also phrases the corpus counting bigrams across line ends as word2phrase does
(``Phrases(pairs_across_lines=True)``: word2phrase's counting loop never resets its previous
word at a newline) and that output is compared too; neither tool prunes its bigram table on a
corpus of this size (w2vns reports its prunes; word2phrase prunes beyond 350M entries). To show
what pruning changes, a last untimed run also bounds w2vns's table to ``--pruned-max`` bigrams
(with word2phrase's counting, so that pruning is the only difference left).

Ratios: peer wall / w2vns wall (> 1: w2vns is faster). Medians over the repeats.
"""
import argparse
import difflib
import json
import os
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORD2PHRASE = os.path.join(os.path.dirname(REPO), "peers", "w2v-20c129a", "word2phrase")
TOOLS = ("w2vns", "word2phrase", "gensim")

GENSIM_SCRIPT = r"""
import json, sys
a = json.loads(sys.argv[1])
from gensim.models.phrases import FrozenPhrases, Phrases
from gensim.models.word2vec import LineSentence
source = a["corpus"]
for number in range(a["passes"]):
    target = a["output"] if number == a["passes"] - 1 else "%s.pass%d" % (a["output"], number + 1)
    phrases = Phrases(LineSentence(source), min_count=a["min_count"], threshold=a["threshold"])
    phraser = FrozenPhrases(phrases)
    with open(target, "w", encoding="utf-8") as out:
        for sentence in phraser[LineSentence(source)]:
            out.write(" ".join(sentence) + "\n")
    source = target
"""


def commands(tool, args, output):
    """The command lines (one per process) that make ``output`` with ``tool``."""
    if tool == "w2vns":
        return [[sys.executable, "-m", "w2vns", "phrases", args.corpus, "-o", output,
                 "--min-count", str(args.min_count), "--threshold", repr(args.threshold),
                 "--passes", str(args.passes)]]
    if tool == "word2phrase":
        cmds, source = [], args.corpus
        for number in range(args.passes):
            target = output if number == args.passes - 1 else "%s.pass%d" % (output, number + 1)
            cmds.append([args.word2phrase, "-train", source, "-output", target,
                         "-min-count", str(args.min_count), "-threshold", repr(args.threshold),
                         "-debug", "0"])
            source = target
        return cmds
    payload = dict(corpus=args.corpus, output=output, min_count=args.min_count,
                   threshold=args.threshold, passes=args.passes)
    return [[sys.executable, "-c", GENSIM_SCRIPT, json.dumps(payload)]]


def run_tool(tool, rep, args, workdir):
    output = os.path.join(workdir, "%s-%d.txt" % (tool, rep))
    wall = rss = 0.0
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for n, cmd in enumerate(commands(tool, args, output)):
        shown = cmd if tool != "gensim" else [cmd[0], "-c", "<gensim script>", cmd[3]]
        bench._log("[%s] run %d: %s" % (tool, rep + 1, " ".join(shown)))
        log = os.path.join(workdir, "%s-%d-%d" % (tool, rep, n))
        code, seconds, peak = bench.run_child(cmd, log + ".stdout", log + ".stderr", env=env,
                                              cwd=REPO if tool == "w2vns" else workdir)
        if code != 0:
            why = bench._tail(log + ".stderr") or bench._tail(log + ".stdout") or "no output"
            return {"tool": tool, "error": "exit %s: %s" % (code, why)}
        wall += seconds
        rss = max(rss, peak)
    bench._log("[%s] run %d: wall %.2f s, peak RSS %.0f MB" % (tool, rep + 1, wall, rss))
    return {"tool": tool, "repeat": rep, "wall_seconds": wall, "peak_rss_mb": rss,
            "output": output, "commands": [c if tool != "gensim" else c[:3] for c in
                                           commands(tool, args, output)]}


def compare(path, reference, examples=5):
    """Lines and tokens of ``path`` that differ from ``reference`` (whitespace-split)."""
    lines = tokens = 0
    shown = []
    with open(path, "rb") as mine, open(reference, "rb") as theirs:
        for number, (x, y) in enumerate(zip(_lines(mine), _lines(theirs)), 1):
            a, b = x.split(), y.split()
            if a == b:
                continue
            lines += 1
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
            for op, i1, i2, j1, j2 in matcher.get_opcodes():
                if op != "equal":
                    tokens += max(i2 - i1, j2 - j1)
                    if len(shown) < examples:
                        shown.append("line %d: %s | %s" % (
                            number, b" ".join(a[max(0, i1 - 1):i2 + 1]).decode("utf-8", "replace"),
                            b" ".join(b[max(0, j1 - 1):j2 + 1]).decode("utf-8", "replace")))
    return {"lines": lines, "tokens": tokens, "examples": shown}


def _lines(handle):
    for line in handle:
        yield line.rstrip(b"\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("corpus")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--threshold", type=float, default=100.0)
    p.add_argument("--passes", type=int, default=1)
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--word2phrase", default=WORD2PHRASE)
    p.add_argument("--no-gensim", action="store_true", help="skip gensim (slow)")
    p.add_argument("--pruned-max", type=int, default=1000000,
                   help="bigram bound of the pruning comparison (0: skip it)")
    p.add_argument("--json", dest="json_out", default=None)
    p.add_argument("--workdir", default=None)
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args()
    args.corpus = os.path.abspath(args.corpus)
    tools = [t for t in TOOLS if not (t == "gensim" and args.no_gensim)]
    workdir = args.workdir or tempfile.mkdtemp(prefix="bench-phrases-")
    os.makedirs(workdir, exist_ok=True)
    machine = bench.machine_info()
    bench._log("machine: %s; corpus %s (%s bytes)" % (
        bench.machine_line(machine), args.corpus, "{:,}".format(os.path.getsize(args.corpus))))
    runs = []
    try:
        for rep in range(args.repeats):
            for tool in tools:
                runs.append(run_tool(tool, rep, args, workdir))
        summary = {"corpus": args.corpus, "min_count": args.min_count,
                   "pruned_max": args.pruned_max,
                   "threshold": args.threshold, "passes": args.passes, "runs": runs, "tools": {}}
        for tool in tools:
            ok = [r for r in runs if r["tool"] == tool and "error" not in r]
            if ok:
                summary["tools"][tool] = {
                    "wall_seconds": statistics.median(r["wall_seconds"] for r in ok),
                    "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in ok)}
        ours = summary["tools"].get("w2vns")
        for tool, figures in summary["tools"].items():
            if ours and tool != "w2vns":
                figures["wall_ratio"] = figures["wall_seconds"] / ours["wall_seconds"]
        outputs = {r["tool"]: r["output"] for r in runs if "error" not in r}
        if "w2vns" in outputs and "word2phrase" in outputs:
            summary["diff"] = compare(outputs["w2vns"], outputs["word2phrase"])
            path, summary["across_lines_stats"] = _phrase_across_lines(args, workdir)
            summary["diff_across_lines"] = compare(path, outputs["word2phrase"])
            if args.pruned_max:
                path, summary["pruned_stats"] = _phrase_across_lines(args, workdir,
                                                                     args.pruned_max)
                summary["diff_pruned"] = compare(path, outputs["word2phrase"])
        report(summary, runs)
        if args.json_out:
            with open(args.json_out, "w") as f:
                json.dump(summary, f, indent=1)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


def _phrase_across_lines(args, workdir, max_bigrams=None):
    """w2vns's phrasing with word2phrase's counting (pairs across line ends), untimed; with
    ``max_bigrams``, a bound on the bigram table. Returns (output path, stats per pass)."""
    sys.path.insert(0, REPO)
    from w2vns.corpus.phrases import Phrases

    output = os.path.join(workdir, "w2vns-across-lines-%s.txt" % (max_bigrams or "unbounded"))
    phrases = Phrases(min_count=args.min_count, threshold=args.threshold, passes=args.passes,
                      pairs_across_lines=True, max_bigrams=max_bigrams or 40_000_000)
    phrases.fit_transform(args.corpus, output)
    bench._log("[w2vns] pairs across lines, max_bigrams %s: %s" % (max_bigrams, phrases.stats))
    return output, phrases.stats


def report(summary, runs):
    for r in runs:
        if "error" in r:
            print("%s: FAILED: %s" % (r["tool"], r["error"]))
    print("%-12s %10s %10s %12s" % ("tool", "wall s", "peak MB", "wall ratio"))
    for tool, f in summary["tools"].items():
        print("%-12s %10.2f %10.0f %12s" % (tool, f["wall_seconds"], f["peak_rss_mb"],
                                            "%.1fx" % f["wall_ratio"] if "wall_ratio" in f
                                            else "1.0x"))
    prunes = "+".join(str(s["prunes"]) for s in summary.get("pruned_stats", []))
    for key, what in (("diff", "w2vns phrases vs word2phrase"),
                      ("diff_across_lines", "w2vns counting pairs across lines vs word2phrase"),
                      ("diff_pruned", "the same with at most {:,} bigrams ({} prunes) vs "
                       "word2phrase".format(summary["pruned_max"], prunes))):
        if key in summary:
            d = summary[key]
            print("%s: %d lines, %d tokens differ" % (what, d["lines"], d["tokens"]))
            for example in d["examples"]:
                print("    %s" % example)
    print("wall ratio = peer wall / w2vns wall (> 1: w2vns is faster); whole processes.")


if __name__ == "__main__":
    main()
