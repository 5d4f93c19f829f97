"""What every command shares: exit codes, one-line errors, model paths, query input and
result output."""
import json
import math
import os
import re
import sys
import warnings

import click

from ..vectors.formats import FormatError
from ..vectors.keyed import KeyedVectors

EXIT_UNANSWERED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
DEFAULT_MODEL = "vectors.bin"


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM so that it unwinds like Ctrl-C."""


def on_sigterm(signum, frame):
    raise Terminated()


def fail(message, code=EXIT_BAD_INPUT):
    """Print one line on stderr and exit with ``code``."""
    click.echo("w2vns: error: %s" % message, err=True)
    sys.exit(code)


def log(ctx_quiet, message):
    if not ctx_quiet:
        click.echo(message, err=True)


def resolve_model(path):
    """-m, else $W2VNS_MODEL, else ./vectors.bin; a missing file is a one-line error."""
    path = path or os.environ.get("W2VNS_MODEL") or DEFAULT_MODEL
    if path != "-" and not os.path.exists(path):
        fail("no model at %s: train one with 'w2vns train CORPUS -o %s', or point to one "
             "with -m FILE or $W2VNS_MODEL" % (path, path))
    return path


def load_vectors(path, warn=False):
    """Load a vectors file or folder for the query commands: format errors become one line.

    Warnings (words that are not UTF-8, kept anyway) are printed one line each with
    ``warn=True`` (info, convert), and not repeated by every query.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kv = KeyedVectors.load(path)
    except (FormatError, OSError, ValueError) as err:
        fail("cannot read %s: %s" % (path, err))
    show_warnings(caught, not warn)
    return kv


def show_warnings(caught, quiet):
    """Print caught warnings (words that are not UTF-8, ...) as one stderr line each."""
    if not quiet:
        for warning in caught:
            click.echo("w2vns: warning: %s" % warning.message, err=True)


def output_is_text(path, fmt):
    """--format wins; otherwise .txt/.vec (optionally compressed) mean text, else binary."""
    if fmt:
        return fmt == "text"
    if path == "-":
        return True
    name = path.lower()
    for suffix in (".gz", ".bz2"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name.endswith((".txt", ".vec"))


def plural(n, noun):
    """plural(1, "word") -> '1 word'; plural(3, "word") -> '3 words'."""
    return "%d %s%s" % (n, noun, "" if n == 1 else "s")


def human(n):
    """1234567 -> '1.23M' for summary lines."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return "%.3g%s" % (n / scale, unit)
    return "%d" % n


def json_safe(value):
    """NaN and infinities (e.g. the correlation of a constant list) become null: strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def absolute_path(path):
    return path if path in (None, "-") or "://" in path else os.path.abspath(path)


def output_style(as_json, as_tsv):
    """'json', 'tsv' or 'plain' from the two flags, which exclude each other."""
    if as_json and as_tsv:
        fail("--json and --tsv cannot be used together")
    return "json" if as_json else "tsv" if as_tsv else "plain"


def read_queries(words, arity, usage):
    """The queries as (stdin line number or None, [words]), checked before the model loads.

    With ``words == ('-',)``, one query per non-empty stdin line, its fields separated by
    whitespace, read as the lines come (decoded UTF-8 with surrogateescape, as words in vectors
    files are, so that any word can be asked for).  Otherwise ``arity == 1`` makes each word a
    query, and a larger arity needs exactly that many words (``usage`` says so if not).
    """
    if "-" in words and len(words) > 1:
        fail("'-' (read queries from stdin) cannot be mixed with words")
    if words != ("-",) and arity > 1 and len(words) != arity:
        fail(usage)

    def from_stdin():
        for number, raw in enumerate(sys.stdin.buffer, 1):
            fields = raw.split()
            if fields:
                yield number, [f.decode("utf-8", "surrogateescape") for f in fields]

    if words == ("-",):
        return from_stdin()
    if arity == 1:
        return ((None, [word]) for word in words)
    return iter([(None, list(words))])


def answerable(kv, query, arity, line, unknown):
    """Whether ``query`` has ``arity`` words, all known; if not, say why in one stderr line
    (one per unknown word) and collect the unknown words for --json."""
    if len(query) != arity:
        click.echo("w2vns: stdin line %d: expected %d word%s, found %d"
                   % (line, arity, "" if arity == 1 else "s", len(query)), err=True)
        return False
    missing = [word for word in query if word not in kv]
    for word in missing:
        click.echo("w2vns: %r is not in the vocabulary" % word, err=True)
    unknown.extend(missing)
    return not missing


SURROGATES = re.compile("[\udc80-\udcff]")


def emit_lines(lines):
    """Write lines to stdout and flush (answers to stdin queries go out as they are found).

    Words that are not UTF-8 are written as the bytes they have in the vectors file.
    """
    out = sys.stdout.buffer
    for line in lines:
        out.write(line.encode("utf-8", "surrogateescape") + b"\n")
    out.flush()


def finish(style, document, unanswered):
    """Write the --json document if asked for; exit 1 if some query was not answered."""
    if style == "json":
        text = json.dumps(document, ensure_ascii=False)
        # Bytes that were not UTF-8 (lone surrogates in the str) become \udcXX escapes, so the
        # document stays valid UTF-8 and json.loads gives back w2vns's own str for the word.
        emit_lines([SURROGATES.sub(lambda m: "\\u%04x" % ord(m.group()), text)])
    if unanswered:
        sys.exit(EXIT_UNANSWERED)
