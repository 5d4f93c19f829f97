"""The Dask backend: the partitioned scheme's rounds as a graph of pure tasks over blocks.

State lives in Dask futures, never in a worker's memory alone: each block is the result of the
last cell that trained it (a task), each plan the result of a task over an encoded shard, each
encoded shard the result of a task that reads the shard. A worker that dies takes results with
it; Dask recomputes them from their inputs (back to the last checkpoint, whose blocks are read
from files, or to the start of the run). Every task is pure: cells copy their blocks before
training them, so a retried or recomputed task starts from the same inputs.

The client submits one round at a time (the plans it needs that are not made yet, then the K
sub-iterations' cells), keeping one round ahead so that the workers never wait for the client,
and no more. A slice's plan is made once an epoch, when the first block trains it, and each
block's part of it is dropped once that block's cells have it: as the blocks lag behind one
another (``schedule.slice_of``), parts of about L (K - 1) / 2K rounds' plans are held besides
the round's own, L being the rounds an epoch, or ``schedule.LAG_ROUNDS`` (8) if there are
more: 3.5 rounds' at K = 8. Cells of input block A are placed on the worker of A (loosely:
another worker takes them if it is gone), so that a plan's groups for A move once per round
and the input blocks stay put; the output blocks move (with K > 2 each by a task on the
worker that will train it next, once that worker's cell before has finished: ``_receive``).
"""
import collections
import dataclasses
import operator
import queue
import time

import numpy as np

from ..corpus.sampling import keep_thresholds
from ..training.weights import TrainingDiverged, all_finite
from .cells import (init_input_block, mix, moved, plan, redeal_join, redeal_split, train_cell,
                    zero_block)
from .errors import result
from .schedule import (LAG_ROUNDS, block_ids, block_rows, dealing_key, learning_rates,
                       output_block_ids, round_of, schedule, slice_of)
from .tables import output_noise_table

#: Rounds per epoch by default: at least ROUNDS_PER_EPOCH, and on a larger corpus enough that a
#: round trains at most TOKENS_PER_ROUND tokens, up to MAX_DEFAULT_ROUNDS (``rounds_for``).
#: Within a slot (one of a round's K sub-iterations) an input block is trained against one
#: output block only, so its rows drift towards that block's share of the objective, the more
#: tokens the slot trains; shorter slots keep them closer to one machine's, and each round
#: moves every output block K - 1 times. TOKENS_PER_ROUND lies between the round sizes
#: measured to match one machine (docs/distributed.md, "Rounds").
ROUNDS_PER_EPOCH = 8
TOKENS_PER_ROUND = 1_500_000
#: Beyond this (an epoch of 1.5 billion tokens), more rounds would mostly add tasks and
#: traffic: Dask's scheduler handles K^2 cells a round. Not measured: give --rounds.
MAX_DEFAULT_ROUNDS = 1000
#: The most rounds an epoch that may be asked for.
MAX_ROUNDS = 100000
#: The default, in words (the CLI's help).
DEFAULT_ROUNDS_TEXT = "%d, or one per %gM tokens of a larger corpus, at most %d" % (
    ROUNDS_PER_EPOCH, TOKENS_PER_ROUND / 1e6, MAX_DEFAULT_ROUNDS)

#: How many sub-iterations a worker may run ahead of every other one (see _submit_round).
DRIFT_STEPS = 2

#: Retries of a task that raises (a worker lost while running it is not counted: Dask
#: reschedules that on its own).
RETRIES = 3


@dataclasses.dataclass
class RunState:
    """Where a distributed run stands: the next round to train (epoch * rounds + round), the
    words trained so far (for progress and the report), the training seconds spent."""

    next_round: int = 0
    words: float = 0.0
    train_seconds: float = 0.0
    pairs: float = 0.0
    loss: float = 0.0
    cell_seconds: float = 0.0


@dataclasses.dataclass
class Dealt:
    """An output block between two dealings: ``parts``, the futures of what each old block
    (dealt by key ``old``) cut for it in dealing ``new`` (``cells.redeal_cut``). The cell
    that trains the block first joins them; ``DaskBackend.whole_blocks`` joins them for a
    checkpoint."""

    parts: list
    old: object
    new: object


def finished(cell):
    """None, once ``cell`` has finished: what later cells wait on (``DRIFT_STEPS``)."""
    return None


def finished_in_turn(futures, poll_seconds):
    """Yield each of ``futures`` as it finishes (done, erred or cancelled), and ``None``
    whenever ``poll_seconds`` pass with none finishing.

    Waits on a queue that the futures' done-callbacks fill rather than on
    ``distributed.wait`` with a timeout: the TimeoutError that one raises is kept in a
    reference cycle with the futures waited on, which would hold the run's last blocks in the
    cluster's memory after it has returned, until Python's garbage collector ran."""
    arrived = queue.SimpleQueue()
    for f in futures:
        f.add_done_callback(arrived.put)
    for _ in range(len(futures)):
        while True:
            try:
                yield arrived.get(timeout=poll_seconds)
                break
            except queue.Empty:
                yield None


def keep_of(vocab, sample):
    return keep_thresholds(vocab.counts, sample)


def noise_of(vocab, power, nblocks, block, dealing):
    return output_noise_table(vocab.counts, power, nblocks, block, dealing)


def stream_length(stream):
    return len(stream), int(np.count_nonzero(stream == 0xFFFFFFFF))


def worker_figures(dask_worker=None, reset_peak=False):
    """What a worker has sent to other workers (bytes, since it started) and its memory
    (resident and peak resident MB, from /proc): run on every worker by ``cluster_figures``.
    With ``reset_peak``, the peak then starts again from the resident memory (Linux's
    clear_refs; "peak_reset" says whether it did), so that a later call's peak is that of
    what ran in between."""
    figures = {"sent": 0, "rss_mb": None, "peak_rss_mb": None, "peak_reset": False}
    if dask_worker is not None:
        figures["sent"] = int(getattr(dask_worker, "transfer_outgoing_bytes_total", 0))
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    key = "rss_mb" if line.startswith("VmRSS") else "peak_rss_mb"
                    figures[key] = int(line.split()[1]) / 1024
    except OSError:  # not Linux: no memory figures
        pass
    if reset_peak:
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # 5: reset the peak resident set size, nothing else
            figures["peak_reset"] = True
        except OSError:
            pass
    return figures


def cluster_figures(client, reset_peak=False):
    """``worker_figures`` of every worker, by address."""
    return client.run(worker_figures, reset_peak=reset_peak)


class DaskBackend:
    """Trains K input blocks x K output blocks over encoded shards on a Dask cluster.

    ``client``: a ``distributed.Client``; ``params``: resolved ``TrainParams`` (threads: per
    cell, 0 for the worker's own); ``progress``: a ``Progress``.
    """

    #: Seconds between progress reports while waiting for the cluster.
    POLL_SECONDS = 0.2

    def __init__(self, client, params, nblocks, progress):
        self.client = client
        self.params = params
        self.nblocks = nblocks
        self.progress = progress
        workers = sorted(client.scheduler_info()["workers"])
        if not workers:
            raise ValueError("the Dask cluster has no workers")
        self.workers = workers
        self.lag_rounds = LAG_ROUNDS  # a resumed run keeps the lag it was checkpointed with
        # The key of the dealing of the output blocks as the rounds submitted leave them (None:
        # boustrophedon, as fresh blocks and the checkpoints of an earlier w2vns have them).
        self.dealt = None

    def _submit(self, func, *args, block=None, **kwargs):
        """Submit a task; with ``block``, placed on that input block's worker if it can be.

        Only tasks that take other tasks' results are placed: Dask leaves a placed task with
        no inputs waiting for ever once every worker has died at the same time (its
        replacements have new addresses, and the scheduler asks only the old ones); the first
        cell of a block moves the block to its place anyway."""
        if block is not None:
            kwargs.update(workers=[self.workers[block % len(self.workers)]],
                          allow_other_workers=True)
        return self.client.submit(func, *args, retries=RETRIES, **kwargs)

    def prepare_tables(self, vocab_future):
        """The subsampler's keep thresholds as a future; the noise tables are made each round
        for its dealing (``_submit_round``)."""
        self.vocab_future = vocab_future
        self.keep = self._submit(keep_of, vocab_future, self.params.sample)

    def initial_blocks(self):
        """Fresh blocks: word2vec's init for the input rows, zeros for the output rows."""
        p, k = self.params, self.nblocks
        syn0 = [self._submit(init_input_block, block_rows(self.vocab_size, k, a), p.dim,
                             p.seed, a) for a in range(k)]
        syn1 = [self._submit(zero_block, block_rows(self.vocab_size, k, b), p.dim)
                for b in range(k)]
        return syn0, syn1

    def _submit_plan(self, epoch, slice_):
        """Submit the plans of slice ``slice_`` of epoch ``epoch`` (one per group of shards);
        returns, per input block A, the futures of A's parts, moved to A's worker."""
        p, k = self.params, self.nblocks
        # Each input block trains the slice in a round of its own (``slice_of``): its groups
        # go to the output blocks of that round's dealing.
        dealings = [dealing_key(p.seed, epoch * self.rounds +
                                round_of(a, slice_, self.rounds, k, self.lag_rounds))
                    if k > 1 else 0 for a in range(k)]
        views = [[] for _ in range(k)]
        for shards in self.groups:
            planned = self._submit(plan, [self.streams[i] for i in shards],
                                   [mix(p.seed, epoch, slice_, i) for i in shards], self.keep,
                                   k, p.window, self.rounds, slice_, dealings,
                                   self.vocab_size)
            for a in range(k):
                # Moved to A's worker as soon as the plan is done (a task of its own there),
                # not when A's first cell is ready to start: the move overlaps the cells
                # before instead of holding up A's first.
                views[a].append(self._submit(moved, self._submit(operator.getitem, planned, a),
                                             block=a))
        return views

    def _views(self, epoch, slice_, block):
        """Block ``block``'s parts of the plans of slice ``slice_`` of epoch ``epoch``, handed
        out once: the plans are submitted on the first call for the slice, and forgotten
        once every block has had its parts."""
        key = (epoch, slice_)
        if key not in self._plans:
            self._plans[key] = self._submit_plan(epoch, slice_)
        parts = self._plans[key]
        views, parts[block] = parts[block], None
        if all(v is None for v in parts):
            del self._plans[key]
        return views

    def _round_views(self, g):
        """Each input block's parts of the plans it trains in round ``g``."""
        epoch, r = divmod(g, self.rounds)
        for key in [key for key in self._plans if key[0] < epoch]:
            # Parts that no block will ask for: those of slices some blocks trained before
            # the checkpoint this run resumed from.
            del self._plans[key]
        k = self.nblocks
        return [self._views(epoch, slice_of(a, r, self.rounds, k, self.lag_rounds), a)
                for a in range(k)]

    def _submit_round(self, g, syn0, syn1):
        """Submit round ``g`` (epoch g // rounds): its noise tables, the plans it needs, then
        the K sub-iterations' cells; returns the cells' stats futures and advances
        ``syn0``/``syn1`` (lists of block futures, ``Dealt`` for output blocks between
        dealings) in place.

        Why a new dealing every round: a group's noise words come from the output block that
        holds its centre, so that each group is trained in one cell; in one dealing a word's
        noise would come mostly from the blocks of the words it is seen with, round after
        round. Dealt anew, every other word shares a block with a given centre in 1/K of the
        rounds, and the noise for a word averages to count^power over the run
        (docs/distributed.md, "Noise"). The round's last cells cut their blocks for the next
        round's dealing and its first cells join them (``train_cell``); the last round of
        the run leaves them whole."""
        p, k, rounds = self.params, self.nblocks, self.rounds
        slots = p.epochs * rounds * k
        steps = schedule(k, g)
        first = {b: a for a, b in steps[0]}  # the input block each output block meets first
        key = dealing_key(p.seed, g) if k > 1 else None  # one block: nothing to deal
        if self.dealt != key:  # whole blocks in another dealing (a resumed checkpoint's)
            syn1[:] = self._cut(syn1, self.dealt, key)
            self.dealt = key
        last = k > 1 and g + 1 < p.epochs * rounds
        next_key = dealing_key(p.seed, g + 1) if last else None
        noise = [self._submit(noise_of, self.vocab_future, p.noise_power, k, b, key,
                              block=first[b]) for b in range(k)]
        views = self._round_views(g)
        stats = []
        for s, cells in enumerate(steps):
            # Each cell also waits for every cell DRIFT_STEPS sub-iterations back: around the
            # ring of workers one could otherwise run up to K - 1 sub-iterations ahead of the
            # worker that reads its output blocks, which would wait in its memory meanwhile
            # (with K <= 2 the blocks' own dependencies bound it already). It waits on marks
            # of its own, not on the stats, which an interrupted run cancels.
            after = self._recent[0] if len(self._recent) == DRIFT_STEPS else []
            marks = []
            slot = g * k + s
            a0, a1 = learning_rates(p.alpha, p.min_alpha, slot, slots)
            settings = {"window": p.window, "negative": p.negative, "threads": self.threads,
                        "context_group": p.context_group,
                        "context_steps": p.context_steps, "seed": p.seed, "slot": slot,
                        "dealing": key, "vocab_size": self.vocab_size,
                        "alpha_start": a0, "alpha_end": a1, "fault": self.fault}
            for a, b in cells:
                here, output = settings, syn1[b]
                if isinstance(output, Dealt):
                    here, output = dict(here, redeal_from=output.old), output.parts
                if k > 2:  # see _receive
                    output = ([self._receive(part, syn0[a], a) for part in output]
                              if isinstance(output, list) else
                              self._receive(output, syn0[a], a))
                if last and s == k - 1:
                    here = dict(here, redeal_to=next_key)
                cell = self._submit(train_cell, syn0[a], output, views[a], noise[b],
                                    k, a, b, here, after, block=a)
                syn0[a] = self._submit(operator.getitem, cell, 0, block=a)
                stats.append(self._submit(operator.getitem, cell, 1, block=a))
                if k > 2:
                    marks.append(self._submit(finished, cell, block=a))
                if "redeal_to" in here:
                    syn1[b] = [self._submit(operator.getitem, cell, 2 + t, block=a)
                               for t in range(k)]
                else:
                    syn1[b] = self._submit(operator.getitem, cell, 2, block=a)
            self._recent.append(marks)
        if last:  # syn1[b]: old block b's parts; new block t joins part t of each
            syn1[:] = [Dealt([syn1[s][t] for s in range(k)], key, next_key) for t in range(k)]
            self.dealt = next_key
        return stats

    def _receive(self, block, ready, a):
        """Output block (or part) ``block`` moved to input block ``a``'s worker by a task of
        its own, once ``a``'s input block ``ready`` is (the cell before on that worker has
        finished); the cell of ``a`` then reads it there. Dask keeps a result on the worker
        that made it until every task that reads it has finished: read by the cell, a block
        would wait on the worker that trained it until the next worker's cell was done;
        read by this task, it is dropped there once it has arrived. And it arrives only once
        the receiving worker's cell before has finished, not while that cell holds its own
        two blocks and their copies. Only with K > 2: two workers keep pace with each other,
        so that a block waits little either way (K = 2 measured the same), and the task
        adds a step between a cell and the next, which costs time where cells are short."""
        return self._submit(moved, block, ready, block=a)

    def _cut(self, syn1, old, new):
        """Whole output blocks ``syn1`` (dealt by key ``old``) cut for dealing ``new``, each
        where it is: ``Dealt`` blocks that the cells joining them place."""
        k, v = self.nblocks, self.vocab_size
        parts = [self._submit(redeal_split, syn1[b], k, b, old, new, v) for b in range(k)]
        return [Dealt([self._submit(operator.getitem, parts[s], t) for s in range(k)], old, new)
                for t in range(k)]

    def whole_blocks(self, syn1):
        """Futures of the output blocks ``syn1`` whole: a ``Dealt`` block joined from its
        parts, on the worker of the input block of the same number."""
        k, v, dim = self.nblocks, self.vocab_size, self.params.dim
        return [self._submit(redeal_join, f.parts, k, t, f.old, f.new, v, dim, block=t)
                if isinstance(f, Dealt) else f for t, f in enumerate(syn1)]

    def group_shards(self):
        """Plan the shards in groups, one per worker that holds some (by where their encoded
        streams are now): one plan task per group and round, however many shards."""
        holders = self.client.who_has(self.streams)
        groups = {}
        for i, f in enumerate(self.streams):
            where = sorted(holders.get(f.key, ())) or [""]
            groups.setdefault(where[0], []).append(i)
        self.groups = [groups[w] for w in sorted(groups)]

    #: Kernel threads per cell (0: the worker's threads); a test hook that makes cells fail
    #: (see ``cells.inject_fault``).
    threads = 0
    fault = None

    def run(self, syn0, syn1, state, total_words, checkpointer=None):
        """Train rounds ``state.next_round`` .. end over blocks ``syn0``/``syn1`` (lists of
        futures, advanced in place), saving through ``checkpointer`` (a ``DaskCheckpointer``)
        when it is due, at the end, and on an interruption (the last round done). Returns
        ``state``."""
        p = self.params
        total_rounds = p.epochs * self.rounds
        keep_ends = checkpointer is not None
        self._plans = {}  # (epoch, slice): per input block, its parts not handed out yet
        self._recent = collections.deque(maxlen=DRIFT_STEPS)  # the last sub-iterations' marks
        self.progress.training_start(total_words)
        start = time.perf_counter() - state.train_seconds
        inflight = []          # (stats, blocks at its end) of the rounds submitted, in order
        # The blocks and the state at the end of the last round done (saved on an interruption;
        # only with a checkpointer: a future held keeps its block in the cluster's memory).
        done_blocks = (list(syn0), list(syn1), self.dealt) if keep_ends else None
        done_state = dataclasses.replace(state)
        g = n = state.next_round  # next round to finish, next round to submit
        words_per_round = total_words / max(1, total_rounds)
        try:
            while g < total_rounds:
                # One round ahead, never past a checkpoint that is due before it.
                while n < total_rounds and n <= g + 1 and not (
                        checkpointer is not None and n > g and
                        checkpointer.due(n, state.words + (n - g) * words_per_round)):
                    stats = self._submit_round(n, syn0, syn1)
                    inflight.append((stats, (list(syn0), list(syn1), self.dealt)
                                     if keep_ends else None))
                    n += 1
                stats, ends = inflight[0]
                before = state.words
                round_words = 0.0
                for f in finished_in_turn(stats, self.POLL_SECONDS):
                    if f is not None:  # None: nothing finished yet, report progress anyway
                        cell = result(f)
                        state.pairs += cell["pairs"]
                        state.loss += cell["loss"]
                        state.cell_seconds += cell["seconds"]
                        state.words += cell["words"]
                        round_words += cell["words"]
                    self.progress.training(int(state.words), self._alpha(g), self._loss(state))
                inflight.pop(0)
                if ends is not None:
                    done_blocks = ends
                g += 1
                state.next_round = g
                state.words = before + round(round_words)  # the words read, a whole number
                state.train_seconds = time.perf_counter() - start
                done_state = dataclasses.replace(state)
                self.progress.training(int(state.words), self._alpha(g), self._loss(state))
                if checkpointer is not None and n == g and (
                        g == total_rounds or checkpointer.due(g, state.words)):
                    syn0[:], syn1[:] = checkpointer.save(syn0, syn1, self.dealt, state)
                    done_blocks = (list(syn0), list(syn1), self.dealt)
                    start += checkpointer.last_seconds
        except BaseException:
            for stats, _ in inflight:
                self.client.cancel(stats)
            if checkpointer is not None and g < total_rounds:
                done_state.train_seconds = time.perf_counter() - start
                checkpointer.save(*done_blocks, done_state)
            # The exception keeps this frame and its callers' (an interactive session keeps
            # the last one): what they refer to must not hold the run in the cluster.
            syn0.clear()
            syn1.clear()
            inflight.clear()
            done_blocks = stats = ends = f = None
            self.release()
            raise
        finally:
            self.progress.close()
        state.train_seconds = time.perf_counter() - start
        return state

    def release(self):
        """Let go of every future the backend holds (the encoded shards, the tables, the
        plans), so that the cluster can forget them; the backend cannot train after this."""
        self.streams = []
        self.keep = self.vocab_future = None
        self._plans = {}
        self._recent = collections.deque()

    def _alpha(self, g):
        p = self.params
        return learning_rates(p.alpha, p.min_alpha, g * self.nblocks,
                              p.epochs * self.rounds * self.nblocks)[0]

    @staticmethod
    def _loss(state):
        return state.loss / state.pairs if state.pairs else None

    def gather(self, syn0, syn1):
        """The full matrices in global id order (on the client), from the block futures (the
        output blocks dealt as the last round left them)."""
        k, dim, v = self.nblocks, self.params.dim, self.vocab_size
        full0 = np.empty((v, dim), dtype=np.float32)
        full1 = np.empty((v, dim), dtype=np.float32)
        syn1 = self.whole_blocks(syn1)
        for b in range(k):  # one block at a time: the client holds one more block at most
            full0[block_ids(v, k, b)] = result(syn0[b])
            full1[output_block_ids(v, k, b, self.dealt)] = result(syn1[b])
        if not (all_finite(full0) and all_finite(full1)):
            raise TrainingDiverged("training diverged: the weights hold NaN or infinite values "
                                   "(a lower --alpha avoids it)")
        return full0, full1


def check_supported(params):
    """ValueError for settings the partitioned scheme does not train (they need the whole
    output matrix at once: hard negatives rank candidates from every block, self-adversarial
    weights normalise over a window's noise words, NCE's per-word biases are not dealt to
    blocks yet; the reference kernel's per-pair noise is the fast kernel's groups of one)."""
    if params.loss != "sgns":
        raise ValueError("a distributed run trains --loss sgns only (got %s)" % params.loss)
    if params.hard_negatives:
        raise ValueError("a distributed run does not do --hard-negatives")
    if params.adversarial_temperature:
        raise ValueError("a distributed run does not do --adversarial-temperature")
    if params.negative > 64:
        raise ValueError("a distributed run draws at most 64 noise words per pair (--negative)")
    if params.kernel != "fast":
        raise ValueError("a distributed run trains with the fast kernel (shared noise words "
                         "per window) only")
    if params.context_side != "both":
        raise ValueError("a distributed run takes the contexts on both sides of a word only "
                         "(--context-side both)")


def check_blocks(nblocks):
    if not isinstance(nblocks, int) or isinstance(nblocks, bool) or not 1 <= nblocks <= 256:
        raise ValueError("blocks must be an integer in 1..256 (got %r)" % (nblocks,))


def rounds_for(rounds, tokens=0):
    """The rounds an epoch: ``rounds`` if given (checked), else as many as keep each round at
    or under TOKENS_PER_ROUND of the corpus's ``tokens`` (those an epoch trains on), from
    ROUNDS_PER_EPOCH to MAX_DEFAULT_ROUNDS."""
    if rounds is None:
        return min(MAX_DEFAULT_ROUNDS, max(ROUNDS_PER_EPOCH, -(-int(tokens) // TOKENS_PER_ROUND)))
    if not isinstance(rounds, int) or isinstance(rounds, bool) or not 1 <= rounds <= MAX_ROUNDS:
        raise ValueError("rounds must be an integer in 1..%d (got %r)" % (MAX_ROUNDS, rounds))
    return rounds
