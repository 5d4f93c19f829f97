"""line_batches: what one read brought, in lists of whole lines."""
from w2vns.io.lines import line_batches


class Chunks:
    """A stream whose reads return the given chunks, as a pipe fed by someone typing."""

    def __init__(self, *chunks):
        self.chunks = list(chunks)

    def read1(self, size):
        return self.chunks.pop(0) if self.chunks else b""


def test_each_read_gives_the_lines_it_completed():
    batches = list(line_batches(Chunks(b"a b\n", b"c\nd", b"e\nf\n", b"last"), 100))
    assert batches == [[b"a b"], [b"c"], [b"de", b"f"], [b"last"]]


def test_a_large_read_is_cut_into_batches_of_max_lines():
    data = b"".join(b"%d\n" % i for i in range(10))
    assert [len(b) for b in line_batches(Chunks(data), 4)] == [4, 4, 2]


def test_a_line_longer_than_many_reads_and_empty_lines_are_kept():
    batches = list(line_batches(Chunks(b"x" * 5, b"y" * 5, b"z\n\n", b"\n"), 100))
    assert batches == [[b"xxxxxyyyyyz", b""], [b""]]
