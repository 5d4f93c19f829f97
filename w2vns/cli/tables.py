"""Results as aligned text tables and summary lines."""
import math
import os

from .common import human


def format_evaluation(result):
    """The result of :func:`w2vns.apps.evaluation.evaluate` as aligned text tables."""
    lines = []
    for res in result["analogies"]:
        if lines:
            lines.append("")
        lines.append("analogies %s (%s, %d most frequent words, %.2f s)" % (
            os.path.basename(res["path"]), "3CosMul" if res["method"] == "mul" else "3CosAdd",
            res["restrict_vocab"], res["seconds"]))
        lines.append("%-28s %9s %8s %8s %8s" % ("section", "accuracy", "correct", "scored",
                                               "skipped"))
        rows = [(s["section"] or "(no section)", s) for s in res["sections"]]
        # a group no section belongs to (phrase analogies have no syntactic one) is left out
        rows += [(group, res[group]) for group in ("semantic", "syntactic")
                 if res[group]["questions"]] + [("total", res)]
        for name, s in rows:
            # Nothing scored is no accuracy at all, not 0 %.
            accuracy = "%8.2f%%" % (100 * s["accuracy"]) if s["scored"] else "%9s" % "-"
            lines.append("%-28s %s %8d %8d %8d" % (name, accuracy, s["correct"], s["scored"],
                                                   s["skipped"]))
    if result["similarity"]:
        if lines:
            lines.append("")
        lines.append("%-28s %9s %8s %8s %8s" % ("similarity", "spearman", "pearson", "pairs",
                                               "oov"))
        for res in result["similarity"]:
            lines.append("%-28s %9s %8s %8d %8d" % (
                os.path.basename(res["path"]), _figure(res["spearman"]),
                _figure(res["pearson"]), res["pairs"], res["oov"]))
    return "\n".join(lines)


def format_heldout(result):
    """A ``HeldoutResult.as_dict()`` (with its "path") as a small table."""
    partition = result["mean_log_partition"]
    return "\n".join([
        "held-out %s: %d pairs from %d lines, %d-word vocabulary (%.2f s)" % (
            os.path.basename(result["path"]), result["pairs"], result["lines"],
            result["vocab_size"], result["seconds"]),
        "%-28s %12s" % ("cross-entropy (nats/pair)", "%.4f" % result["cross_entropy"]),
        "%-28s %12s" % ("cross-entropy (bits/pair)", "%.4f" % result["bits"]),
        "%-28s %12s" % ("perplexity", "%.2f" % result["perplexity"]),
        "%-28s %12s" % ("mean log Z", "normalised" if partition is None
                        else "%.4f" % partition)])


def _figure(value):
    """A correlation to 4 places, or '-' when there is none (fewer than two pairs, or a
    constant list)."""
    return "%.4f" % value if math.isfinite(value) else "-"


def evaluation_summary(result):
    """A few words for a summary line: first analogy set's accuracy, first similarity set's
    Spearman correlation; or that nothing could be scored (item data, another language)."""
    parts, empty = [], []
    if result["analogies"]:
        res = result["analogies"][0]
        if res["scored"]:
            parts.append("analogies %.1f%% of %d scored" % (100 * res["accuracy"],
                                                            res["scored"]))
        else:
            empty.append("analogy question")
    if result["similarity"]:
        res = result["similarity"][0]
        if math.isfinite(res["spearman"]):
            parts.append("%s spearman %.3f" % (
                os.path.splitext(os.path.basename(res["path"]))[0], res["spearman"]))
        else:
            empty.append("word pair")
    if empty:
        parts.append("nothing to evaluate: no %s has its words in the vocabulary"
                     % " or ".join(empty))
    return ", ".join(parts)


def format_tune(result, metric_name, rule):
    """The trials of :func:`w2vns.apps.tune.tune` as a table, then the choice and the rule."""
    halving = result.budget_minutes is not None
    header = "%8s %11s " % ("negative", "noise_power")
    if halving:
        header += "%5s %9s " % ("round", "lines")
    header += "%20s %9s %8s" % (metric_name, "words/s", "seconds")
    lines = [header]
    for t in result.trials:
        row = "%8d %11g " % (t.negative, t.noise_power)
        if halving:
            row += "%5d %9d " % (t.rung, t.lines)
        row += "%20.4f %9s %8.2f" % (t.score, human(t.words_per_sec), t.train_seconds)
        if t is result.best:
            row += "  <- chosen"
        lines.append(row)
    best = result.best
    lines.append("")
    basis = best.detail.get("scored", best.detail.get("pairs"))
    lines.append("chosen: negative %d, noise power %g (%s %.4f over %d %s)"
                 % (best.negative, best.noise_power, metric_name, best.score, basis,
                    "questions" if result.metric == "analogy" else "pairs"))
    lines.append("rule: %s" % rule)
    if result.metric == "heldout":
        lines.append("held out: %d of %d lines" % (result.heldout_lines,
                                                    result.heldout_lines + result.lines))
    if halving:
        lines.append("successive halving stopped (%s) after %.1f s of %g min; the choice "
                     "trained on %d of %d lines"
                     % (result.stopped, result.seconds, result.budget_minutes, best.lines,
                        result.lines))
    return "\n".join(lines)
