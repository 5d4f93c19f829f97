"""The CUDA backend: ``train(..., device="cuda")`` trains on one NVIDIA GPU.

The encoded corpus goes to the GPU once (uint32 ids), with the samplers' tables and the
weights. Each epoch: a kernel draws subsampling's coins for every word (keep_flags), the kept
words are packed into one array (layout.py), and the training kernel's launches train slices
of it, one task of ``layout.TASK_SIZE`` centre words per warp at a time; between launches the
host reports progress. Windows and noise words are drawn on the GPU too, with counter-based
random numbers (w2vns/gpu/sgns.cu, and draws.py for the same draws on the host). The kernels
are compiled at run time by NVRTC through CuPy, for the run's dimension and number of noise
words; CuPy caches what it compiles.

CuPy is imported only here, and only when a run asks for the GPU.
"""
import dataclasses
import os
import time

import numpy as np

from ..corpus.encode import MAX_SENTENCE_LENGTH, SENTENCE_END
from ..training.backend import Backend
from ..training.kernel import kernel_tables
from ..training.params import TrainParams
from .draws import epoch_key
from .layout import EpochLayout, sentence_index

#: The kernel's CUDA C source, shipped with the package.
KERNEL_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sgns.cu")
#: Warps per thread block, and blocks per multiprocessor of the training launches.
WARPS_PER_BLOCK = 8
BLOCKS_PER_SM = 2
#: Threads per block of the subsampling launch (one word per thread).
FLAG_THREADS = 256
#: Launches per epoch, at most: progress is reported between them. Fewer where a launch would
#: give a warp fewer than TASKS_PER_WARP tasks: with a task or two per warp, the launch lasts as
#: long as its slowest warp's tasks while the others wait.
SLICES_PER_EPOCH = 8
TASKS_PER_WARP = 16
#: Limits of the kernel: a lane holds dim/32 elements of k + 1 output rows in registers.
MAX_DIM = 1024
MAX_NEGATIVE = 31
#: The losses the kernel trains.
LOSSES = ("sgns", "nce")


class GpuUnavailable(RuntimeError):
    """No GPU training here: CuPy is not installed, or it finds no CUDA GPU."""


def require_gpu():
    """Import CuPy and check that it sees a CUDA GPU; return the module, or raise
    ``GpuUnavailable`` saying what is missing."""
    try:
        import cupy  # only for --device cuda: large, and it needs a CUDA driver
    except ImportError:
        raise GpuUnavailable("--device cuda needs CuPy: pip install 'w2vns[gpu]' (CuPy for "
                             "CUDA 12; for another CUDA, the matching cupy-cudaXXx)") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # CUDARuntimeError: no driver, no device
        raise GpuUnavailable("--device cuda: no CUDA GPU is usable here (%s)"
                             % str(err).strip().splitlines()[0]) from None
    if count < 1:
        raise GpuUnavailable("--device cuda: no CUDA GPU found")
    return cupy


def check_supported(params):
    """ValueError for training parameters the GPU kernel does not train (it trains skip-gram
    with negative sampling or NCE, and the fast kernel's shared noise words per window)."""
    unsupported = [
        (params.loss not in LOSSES, "--loss %s" % params.loss),
        (params.kernel != "fast", "--kernel %s" % params.kernel),
        (params.hard_negatives, "--hard-negatives"),
        (params.adversarial_temperature, "--adversarial-temperature"),
        (params.window == 0, "--window 0"),
        (params.context_side != "both", "--context-side %s" % params.context_side),
        (params.context_steps != "summed", "--context-steps %s" % params.context_steps),
    ]
    for bad, what in unsupported:
        if bad:
            raise ValueError("%s is not available with --device cuda (it trains %s with the "
                             "fast kernel's summed steps and windows of 1 or more on both "
                             "sides)"
                             % (what, " and ".join(LOSSES)))
    if params.dim > MAX_DIM:
        raise ValueError("--device cuda trains dim up to %d (got %d)" % (MAX_DIM, params.dim))
    if params.negative > MAX_NEGATIVE:
        raise ValueError("--device cuda trains up to %d noise words (got %d)"
                         % (MAX_NEGATIVE, params.negative))


def backend_for_run(params, checkpoint=None):
    """A ``CudaBackend`` for ``train(..., device="cuda")`` with these keyword ``params``: a
    checkpoint, what the kernel cannot train and a missing GPU are errors before the corpus is
    read. (Names that are not training parameters are left to ``train``: it names the
    unknown ones, and init and cache_dir are its own.)"""
    if checkpoint is not None:
        raise ValueError("--device cuda does not save checkpoints (--checkpoint)")
    fields = {f.name for f in dataclasses.fields(TrainParams)}
    check_supported(TrainParams(**{k: v for k, v in params.items() if k in fields}).validate())
    require_gpu()
    return CudaBackend()


def compile_options(dim, negative, group, atomic=True, vector=None, loss="sgns",
                    nce_bias=True):
    """The NVRTC options that specialise sgns.cu for a run. ``vector``: rows moved as float4s
    (16-byte loads and vector atomic adds, Hopper and later); default: where the row's
    elements per lane allow it (a multiple of 4: dim above 96). ``loss``: sgns or nce (with
    learned output biases, ``nce_bias``)."""
    regs = row_regs(dim)
    if vector is None:
        vector = regs % 4 == 0
    nce = loss == "nce"
    return ("-DW2V_ROW_REGS=%d" % regs, "-DW2V_NEGATIVE=%d" % negative,
            "-DW2V_GROUP=%d" % group, "-DW2V_MAX_SENTENCE=%d" % MAX_SENTENCE_LENGTH,
            "-DW2V_ATOMIC=%d" % int(bool(atomic)), "-DW2V_VEC4=%d" % int(bool(vector)),
            "-DW2V_NCE=%d" % int(nce), "-DW2V_NCE_BIAS=%d" % int(nce and bool(nce_bias)))


def row_regs(dim):
    """Row elements per lane: a warp's 32 lanes hold a row of ``dim`` floats."""
    return -(-dim // 32)


def slices_for(ntasks, warps):
    """Launches for an epoch of ``ntasks`` tasks on ``warps`` warps (see TASKS_PER_WARP)."""
    return max(1, min(SLICES_PER_EPOCH, ntasks // (TASKS_PER_WARP * warps)))


def launch_slices(ntasks, slices=SLICES_PER_EPOCH):
    """(first, last) task of each launch of an epoch: ``slices`` about equal runs."""
    cuts = np.unique(np.linspace(0, ntasks, slices + 1).astype(np.int64))
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist()))


class CudaBackend(Backend):
    """Trains a job on one CUDA GPU (see the module docstring).

    ``atomic``: steps are added to the weights with atomic adds (default), so that concurrent
    steps to a frequent word's row add up; False: plain read-add-write, as CPU threads do.
    ``vector``: rows moved as float4s (see ``compile_options``; None: where they can be).
    ``blocks`` / ``warps_per_block``: the launch's grid (default: ``BLOCKS_PER_SM`` per
    multiprocessor, ``WARPS_PER_BLOCK``); one block of one warp trains the tasks in order,
    which the tests compare with a numpy reference. ``device``: the CUDA device number.

    Checkpoints and resuming are not supported: a run goes from start to end.
    """

    def __init__(self, atomic=True, blocks=None, warps_per_block=WARPS_PER_BLOCK, device=0,
                 vector=None):
        self.atomic = atomic
        self.vector = vector
        self.blocks = blocks
        self.warps_per_block = warps_per_block
        self.device = device

    def run(self, job, state=None, checkpointer=None):
        """Train ``job.weights`` in place on the GPU; return the run's figures: those of every
        backend, and ``gpu``: the device's name, the bytes the run took on it, and the
        seconds of the transfers and of compiling before the first update."""
        if state is not None or checkpointer is not None:
            raise ValueError("--device cuda does not save or resume checkpoints")
        cp = require_gpu()
        check_supported(job.params)
        try:
            return self._train(cp, job)
        except cp.cuda.memory.OutOfMemoryError as err:
            raise GpuUnavailable("--device cuda: the GPU's memory is too small for this run "
                                 "(%s); the CPU trains it (--device cpu)"
                                 % str(err).strip().splitlines()[0]) from None

    def _train(self, cp, job):
        """``run``'s work, with CuPy ``cp``."""
        p, encoded, weights, progress = job.params, job.encoded, job.weights, job.progress
        began = time.perf_counter()
        with cp.cuda.Device(self.device) as device:
            pool = cp.get_default_memory_pool()
            counts = encoded.vocab.counts
            tables = kernel_tables(counts, p)
            vocab_size, dim = len(counts), p.dim
            stride = row_regs(dim) * 32
            stream = cp.asarray(np.asarray(encoded.stream))
            sentence_of = sentence_index(cp, stream, SENTENCE_END)
            keep = cp.asarray(tables["keep"])
            prob = cp.asarray(tables["noise_prob"])
            alias = cp.asarray(tables["noise_alias"])
            syn0 = _padded_on_gpu(cp, weights.syn0, stride)
            syn1 = _padded_on_gpu(cp, weights.syn1neg, stride)
            # NCE's log(k q(w)) and output biases; one unread float each for SGNS.
            log_kq = cp.asarray(tables.get("log_kq", np.zeros(1, np.float32)))
            bias = cp.asarray(weights.extras.get("output_bias", np.zeros(1, np.float32)))
            flags = cp.empty(len(stream), dtype=np.uint8)
            transfer_seconds = time.perf_counter() - began
            compiled = time.perf_counter()
            keep_flags, sgns_train = self._kernels(cp, p)
            blocks = self.blocks or BLOCKS_PER_SM * device.attributes["MultiProcessorCount"]
            threads = 32 * self.warps_per_block
            flag_blocks = min(-(-len(stream) // FLAG_THREADS),
                              32 * device.attributes["MultiProcessorCount"])
            counter = cp.zeros(1, np.uint32)
            words_done = cp.zeros(1, np.uint64)
            totals = cp.zeros(2, np.float64)
            device.synchronize()
            compile_seconds = time.perf_counter() - compiled
            first_update_seconds = time.perf_counter() - began

            tokens = encoded.tokens
            total_words = float(tokens) * p.epochs
            progress.training_start(total_words, epochs=p.epochs,
                                    corpus_words=float(encoded.vocab.total_tokens) * p.epochs)
            start_time = time.perf_counter()
            try:
                for epoch in range(p.epochs):
                    key = np.uint64(epoch_key(p.seed, epoch))
                    keep_flags((flag_blocks,), (FLAG_THREADS,), (
                        stream, np.int64(len(stream)), keep, key, flags))
                    layout = EpochLayout(cp, stream, flags, sentence_of, encoded.sentences,
                                         tokens)
                    if layout.tasks == 0:  # subsampling kept no word: the epoch is read
                        words_done += np.uint64(tokens)
                    for first, last in launch_slices(
                            layout.tasks, slices_for(layout.tasks, blocks * self.warps_per_block)):
                        counter.fill(0)
                        sgns_train((blocks,), (threads,), (
                            layout.ids, layout.positions, layout.sentence, layout.sent_first,
                            np.int64(layout.kept), np.int32(layout.task_size), np.uint32(first),
                            np.uint32(last - first), counter, layout.words_start, prob, alias,
                            np.uint32(vocab_size), log_kq, bias, syn0, syn1, np.int64(stride),
                            np.int32(p.window), key, np.float32(p.alpha),
                            np.float32(p.min_alpha), np.float64(total_words), words_done,
                            totals))
                        done = int(words_done.get()[0])  # waits for the launch
                        loss, pairs = totals.get()
                        progress.training(done, _alpha(p, done, total_words),
                                          loss / pairs if pairs else None)
                    del layout
            finally:
                progress.close()
            seconds = time.perf_counter() - start_time
            weights.syn0[:] = cp.asnumpy(syn0[:, :dim])
            weights.syn1neg[:] = cp.asnumpy(syn1[:, :dim])
            if "output_bias" in weights.extras:
                weights.extras["output_bias"][:] = cp.asnumpy(bias)
            memory = pool.total_bytes()
            name = cp.cuda.runtime.getDeviceProperties(self.device)["name"]
        loss, pairs = totals.get()
        return {
            "train_seconds": seconds,
            "threads": 1,
            "words_done": int(words_done.get()[0]),
            "pairs": int(pairs),
            "mean_loss": loss / pairs if pairs else None,
            "gpu": {
                "name": name.decode() if isinstance(name, bytes) else str(name),
                "memory_bytes": int(memory),
                "transfer_seconds": transfer_seconds,
                "compile_seconds": compile_seconds,
                "first_update_seconds": first_update_seconds,
                "blocks": blocks,
                "warps": blocks * self.warps_per_block,
                "atomic": self.atomic,
            },
        }

    def _kernels(self, cp, params):
        """The compiled ``keep_flags`` and ``sgns_train`` for these training parameters (CuPy
        caches the binary on disk)."""
        with open(KERNEL_SOURCE, encoding="utf-8") as f:
            source = f.read()
        options = compile_options(params.dim, params.negative, params.context_group, self.atomic,
                                  self.vector, params.loss, params.nce_bias)
        module = cp.RawModule(code=source, options=options)
        return module.get_function("keep_flags"), module.get_function("sgns_train")

def _padded_on_gpu(cp, matrix, stride):
    """A (rows, stride) float32 copy of ``matrix`` on the GPU, zero beyond its columns: a row
    is whole 128-byte lines, and the padding takes zero steps (it is zero in every row)."""
    rows, dim = matrix.shape
    padded = np.zeros((rows, stride), dtype=np.float32)
    padded[:, :dim] = matrix
    return cp.asarray(padded)


def _alpha(params, done, total_words):
    """The learning rate at ``done`` words, as the kernel computes it."""
    return max(params.alpha * (1.0 - done / total_words), params.min_alpha)
