"""Reading lines in batches of what has arrived: large batches from a file, one line at a time
from a person typing or a slow pipe."""

#: Bytes asked for per read: a file gives this much at once (thousands of lines, so that the
#: caller's batches are full).
READ_BYTES = 1 << 20


def line_batches(stream, max_lines, read_bytes=READ_BYTES):
    """Yield lists of the complete lines (bytes, without the newline) of the binary ``stream``,
    at most ``max_lines`` a list.

    A list holds the lines that one read brought (``read1``: what is there, waiting only when
    nothing is), so a caller that answers a list before asking for the next answers each line
    of an interactive input as soon as it is typed, and still gets its input from a file in
    large batches.  A last line without a newline is yielded too.
    """
    read = stream.read1 if hasattr(stream, "read1") else stream.read
    parts = []  # the line still being read (a long one comes in many reads: joined once)
    while True:
        chunk = read(read_bytes)
        if not chunk:
            if parts:
                yield [b"".join(parts)]
            return
        parts.append(chunk)
        if b"\n" not in chunk:
            continue
        lines = b"".join(parts).split(b"\n")
        tail = lines.pop()
        parts = [tail] if tail else []
        for start in range(0, len(lines), max_lines):
            yield lines[start:start + max_lines]
