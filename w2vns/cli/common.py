"""What every command shares: exit codes, one-line errors, model paths, query input and
result output."""
import json
import math
import os
import re
import sys
import warnings

import click

from ..corpus.encode import CorpusError, check_text
from ..io.errors import InputError
from ..io.files import StdoutClosed, open_input, stdout_buffer
from ..io.lines import line_batches
from ..vectors.formats import FormatError
from ..vectors.keyed import KeyedVectors

EXIT_UNANSWERED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
#: stdout's reader left (`w2vns ... | head`): what a shell reports for cat, killed by SIGPIPE.
EXIT_PIPE = 141
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


def reader_left():
    """stdout's reader went away (``w2vns convert v.bin - | head``): end quietly with
    EXIT_PIPE, as cat does. stdout is pointed at /dev/null first, so that the interpreter's
    last flush of what is still buffered does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    sys.exit(EXIT_PIPE)


def error_text(err, name=None):
    """One line for an OSError or an input error, naming the file once: 'NAME: reason'.

    A closed pipe is not an error of ours: BrokenPipeError is raised again for main() to end
    quietly (see reader_left), and StdoutClosed for main() to say so once."""
    if isinstance(err, (BrokenPipeError, StdoutClosed)):
        raise err
    if isinstance(err, OSError) and err.strerror:
        filename = err.filename if err.filename is not None else name
        return "%s: %s" % (filename, err.strerror) if filename else err.strerror
    text = str(err) or type(err).__name__
    if name and not text.startswith(str(name)):
        text = "%s: %s" % (name, text)
    return text


def one_stdout(**outputs):
    """Fail (usage) when more than one of the named outputs is '-' (stdout): their contents
    would be mixed. Keys are option names (vocab_out -> --vocab-out)."""
    dashes = ["--" + name.replace("_", "-") if len(name) > 1 else "-" + name
              for name, path in outputs.items() if path == "-"]
    if len(dashes) > 1:
        fail("only one output can go to stdout ('-'), but %s and %s both say '-'"
             % (", ".join(dashes[:-1]), dashes[-1]))


def log(ctx_quiet, message):
    if not ctx_quiet:
        click.echo(message, err=True)


class ModelPath(str):
    """A model path that remembers where it came from (-m, $W2VNS_MODEL or the default), so
    that an error about it can say so."""

    origin = None

    def where(self):
        """What to add to an error about this path: that it came from $W2VNS_MODEL, if so."""
        return " (the model path comes from $W2VNS_MODEL)" if self.origin == "env" else ""


def resolve_model(path):
    """-m, else $W2VNS_MODEL, else ./vectors.bin; a missing file is a one-line error."""
    origin = "option" if path else "env" if os.environ.get("W2VNS_MODEL") else "default"
    path = ModelPath(path or os.environ.get("W2VNS_MODEL") or DEFAULT_MODEL)
    path.origin = origin
    if path != "-" and "://" not in path and not os.path.exists(path):
        if origin == "env":
            fail("no model at %s, the path in $W2VNS_MODEL: change or unset it, or give -m "
                 "FILE" % path)
        fail("no model at %s: train one with 'w2vns train CORPUS -o %s', or point to one "
             "with -m FILE or $W2VNS_MODEL" % (path, path))
    return path


def load_vectors(path, warn=False, no_header=None):
    """Load vectors (a file, '-', a URL, a .w2vns folder or a saved model) for the commands
    that read them: errors become one line that names the path once.

    Warnings (words that are not UTF-8, kept anyway) are printed one line each with
    ``warn=True`` (info, convert), and not repeated by every query.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            kv = KeyedVectors.load(path, no_header=no_header)
    except (FormatError, OSError, ValueError) as err:
        name = "<stdin>" if path == "-" else path
        fail(error_text(err, name) + (path.where() if isinstance(path, ModelPath) else ""))
    show_warnings(caught, not warn)
    return kv


def show_warnings(caught, quiet):
    """Print caught warnings (words that are not UTF-8, ...) as one stderr line each."""
    if not quiet:
        for warning in caught:
            click.echo("w2vns: warning: %s" % warning.message, err=True)


def plural(n, noun):
    """plural(1, "word") -> '1 word'; plural(3, "word") -> '3 words'."""
    return "%d %s%s" % (n, noun, "" if n == 1 else "s")


def counted(n, noun):
    """counted(1, "word") -> '1 word'; counted(1234567, "word") -> '1.23M words'."""
    return "%s %s%s" % (human(n), noun, "" if n == 1 else "s")


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
    query, a larger arity needs exactly that many words (``usage`` says so if not), and
    ``arity=None`` makes all the words one query.
    """
    if "-" in words and len(words) > 1:
        fail("'-' (read queries from stdin) cannot be mixed with words")
    if words != ("-",) and arity is not None and arity > 1 and len(words) != arity:
        fail(usage)

    def from_stdin():
        for number, raw in enumerate(stdin_lines("queries are text, one per line"), 1):
            fields = raw.split()
            if fields:
                yield number, [f.decode("utf-8", "surrogateescape") for f in fields]

    if words == ("-",):
        return from_stdin()
    if arity == 1:
        return ((None, [word]) for word in words)
    return iter([(None, list(words))])


def stdin_lines(what):
    """stdin's lines (bytes), through open_input as every reader (so compressed too), each
    yielded as it arrives; binary data (a NUL byte) ends the command with one line."""
    offset = 0
    try:
        with open_input("-") as lines:  # closed stdin, damaged compressed data: one line
            for raw in lines:
                check_text("<stdin>", raw, offset, what=what)
                offset += len(raw)
                yield raw
    except (CorpusError, InputError) as err:
        fail(str(err))
    except OSError as err:
        fail(error_text(err, "<stdin>"))


def stdin_batches(what, max_lines):
    """stdin's lines (bytes) as :func:`stdin_lines` reads them, in lists of what one read
    brought (:func:`w2vns.io.lines.line_batches`): one line at a time from someone typing, up
    to ``max_lines`` at once from a file."""
    offset = 0
    try:
        with open_input("-") as source:
            for batch in line_batches(source.stream, max_lines):
                for raw in batch:
                    check_text("<stdin>", raw, offset, what=what)
                    offset += len(raw) + 1
                yield batch
    except (CorpusError, InputError) as err:
        fail(str(err))
    except OSError as err:
        fail(error_text(err, "<stdin>"))


def answerable(kv, query, arity, line, unknown):
    """Whether ``query`` has ``arity`` words (any number from 1 with ``arity=None``), all known;
    if not, say why in one stderr line (one per unknown word) and collect the unknown words.

    Returns (ok, problem): ``problem`` is the stdin line's error ("expected 3 words, found 2")
    or None.
    """
    if arity is not None and len(query) != arity:
        problem = "expected %s, found %d" % (plural(arity, "word"), len(query))
        click.echo("w2vns: stdin line %d: %s" % (line, problem), err=True)
        return False, problem
    missing = [word for word in query if word not in kv]
    report_unknown(missing, kv)
    unknown.extend(missing)
    return not missing, None


def report_unknown(words, kv=None):
    """One stderr line per word or item that is not in the vocabulary (with a hint when ``kv``
    has it in another case)."""
    for word in words:
        click.echo("w2vns: %s" % (not_in_vocabulary(kv, word) if kv is not None else
                                  "%r is not in the vocabulary" % word), err=True)


def not_in_vocabulary(kv, word):
    """"'paris' is not in the vocabulary (did you mean 'Paris'?)": the hint when the word is
    there in another case."""
    other = kv.other_case(word)
    return "%r is not in the vocabulary%s" % (
        word, " (did you mean %r?)" % other if other is not None else "")


SURROGATES = re.compile("[\udc80-\udcff]")


def emit_lines(lines):
    """Write lines to stdout and flush (answers to stdin queries go out as they are found).

    Words that are not UTF-8 are written as the bytes they have in the vectors file.
    """
    out = stdout_buffer()
    for line in lines:
        out.write(line.encode("utf-8", "surrogateescape") + b"\n")
    out.flush()


def json_line(document):
    """``document`` as one line of JSON.  Bytes that were not UTF-8 (lone surrogates in the
    str) become \\udcXX escapes, so that the line stays valid UTF-8 and json.loads gives back
    w2vns's own str for the word."""
    text = json.dumps(json_safe(document), ensure_ascii=False)
    return SURROGATES.sub(lambda m: "\\u%04x" % ord(m.group()), text)


class Answers:
    """Where a query command's answers go, by output style.

    ``add(record, lines)`` gives one query's answer: ``record`` (a dict) for --json, ``lines``
    (text lines) for plain and --tsv output.  With --json, a command that reads its queries
    from stdin writes JSON Lines, one object per query as it is answered (a pipeline sees each
    answer at once); with words on the command line it writes one document at the end
    (``finish``), ``{"results": [...], ..., "unknown": [...]}``.
    """

    def __init__(self, style, streaming):
        self.style, self.streaming = style, streaming
        self.results = []

    def add(self, record, lines=()):
        if self.style != "json":
            emit_lines(lines)
        elif self.streaming:
            emit_lines([json_line(record)])
        else:
            self.results.append(record)

    def finish(self, unknown, unanswered, **extra):
        """Write the document (--json with words on the command line); exit 1 if some word
        was not in the vocabulary or some query could not be answered."""
        if self.style == "json" and not self.streaming:
            emit_lines([json_line(dict(extra, results=self.results, unknown=unknown))])
        if unknown or unanswered:
            sys.exit(EXIT_UNANSWERED)


def finish(style, document, unanswered):
    """Write the --json document if asked for; exit 1 if some query was not answered."""
    if style == "json":
        emit_lines([json_line(document)])
    if unanswered:
        sys.exit(EXIT_UNANSWERED)
