"""One epoch's kept words, as the GPU kernel reads them: subsampling's survivors packed into
one array, with what each centre word needs to find its window and its draws.

Written for an array module ``xp`` (numpy on the host, CuPy on the GPU: the same functions),
so that the tests check on the CPU what the backend does on the GPU.
"""
#: Centre words per task: a warp trains one task at a time. Small, so that every warp of a
#: GPU has work in each launch whatever the sentences' lengths (a corpus line can be a whole
#: article); large enough that taking a task (one atomic) is rare next to its windows.
TASK_SIZE = 128


def sentence_index(xp, stream, end_marker):
    """For each stream position, the number of sentence ends before it (int32): the sentence a
    word is in. Computed once per run."""
    ends = (stream == end_marker).astype(xp.int32)
    return xp.cumsum(ends, dtype=xp.int32) - ends


class EpochLayout:
    """The kept words of one epoch (``flags``: 1 where the keep draw kept the word at that
    stream position), for ``sgns_train``:

    ``ids``, ``positions`` (int64 stream positions) and ``sentence`` (uint32) per kept word,
    in stream order; ``sent_first``: per sentence, the index of its first kept word (int64,
    sentences + 1 entries, the last = the number of kept words); ``words_start``: per task of
    ``task_size`` centres, the corpus words before it (int64, tasks + 1 entries: 0, ...,
    ``tokens``), so that the tasks' words add up to the epoch's.
    """

    def __init__(self, xp, stream, flags, sentence_of, sentences, tokens, task_size=TASK_SIZE):
        self.positions = xp.flatnonzero(flags)
        self.ids = stream[self.positions]
        self.sentence = sentence_of[self.positions].astype(xp.uint32)
        self.sent_first = xp.searchsorted(
            self.sentence, xp.arange(sentences + 1, dtype=xp.uint32)).astype(xp.int64)
        self.task_size = task_size
        starts = self.positions[::task_size]
        # The words before a task: its first centre's position less the sentence ends before
        # it. The first task counts from the epoch's start.
        words = starts - sentence_of[starts].astype(xp.int64)
        if len(words):
            words[0] = 0
        self.words_start = xp.concatenate([words, xp.asarray([tokens], dtype=xp.int64)])

    @property
    def kept(self):
        return len(self.ids)

    @property
    def tasks(self):
        return len(self.words_start) - 1
