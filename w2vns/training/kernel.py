"""The kernel's Python side: from parameters, weights and an encoded corpus to a ready
``_kernel.Kernel`` (its settings, the samplers' tables and the loss's own tables)."""
import dataclasses

from ..corpus.sampling import keep_thresholds, noise_table
from . import losses
from ._kernel import Kernel, vector_build

#: The vector extensions the kernel's loops can be compiled for, widest first, by the flag
#: /proc/cpuinfo lists for each (x86 "flags", ARM "Features").
CPU_VECTOR_FLAGS = (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"),
                    ("asimd", "NEON"), ("sse2", "SSE2"))


def cpu_vectors(cpuinfo="/proc/cpuinfo"):
    """The widest vector extension of this CPU that the kernel can be compiled for
    ("AVX-512", "AVX2", "AVX", "NEON", "SSE2"), from ``cpuinfo``'s first flags line; None
    where that file is missing or names none of them."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip().lower() in ("flags", "features"):
                    flags = set(value.split())
                    return next((name for flag, name in CPU_VECTOR_FLAGS if flag in flags),
                                None)
    except OSError:
        pass
    return None


def describe_build():
    """One line on how the compiled kernel runs its inner loops, e.g. "AVX2, 8 floats a step":
    its speed depends on it. Where the CPU has a wider extension than the build uses (a
    portable build), the line says so: "SSE2, 4 floats a step; the CPU has AVX2"."""
    extension, lanes = vector_build()
    text = "%s, %d floats a step" % (extension, lanes)
    cpu = cpu_vectors()
    names = [name for _, name in CPU_VECTOR_FLAGS]
    if cpu in names and extension in names and names.index(cpu) < names.index(extension):
        text += "; the CPU has %s" % cpu
    return text


@dataclasses.dataclass(frozen=True)
class KernelSettings:
    """The scalars a ``Kernel`` is configured with (see its docstring)."""

    objective: str
    window: int
    negative: int
    max_targets: int
    alpha: float
    min_alpha: float
    total_words: float
    threads: int
    seed: int
    fast: bool
    hard_negatives: int = 0
    adversarial_temperature: float = 0.0
    hot_rows: int = 0
    hot_sync: int = 64
    context_group: int = 0
    context_steps: str = "summed"
    context_side: str = "both"


def kernel_settings(params, vocab_size, total_words, threads, tables):
    """``KernelSettings`` for resolved ``TrainParams``, training ``total_words`` words (all
    epochs) on ``threads`` workers, with the loss's ``tables`` (``kernel_tables``)."""
    loss = losses.get(params.loss)
    return KernelSettings(
        objective=loss.objective, window=params.window, negative=params.negative,
        max_targets=loss.max_targets(vocab_size, params, tables), alpha=params.alpha,
        min_alpha=params.min_alpha, total_words=total_words, threads=threads, seed=params.seed,
        fast=params.kernel == "fast", hard_negatives=params.hard_negatives,
        adversarial_temperature=params.adversarial_temperature, hot_rows=params.hot_rows,
        hot_sync=params.hot_sync, context_group=params.context_group,
        context_steps=params.context_steps, context_side=params.context_side)


def kernel_tables(counts, params):
    """The per-word arrays the kernel reads: subsampling thresholds, the noise distribution's
    alias table, and the loss's own tables."""
    noise_prob, noise_alias = noise_table(counts, params.noise_power)
    tables = {"keep": keep_thresholds(counts, params.sample), "noise_prob": noise_prob,
              "noise_alias": noise_alias}
    tables.update(losses.get(params.loss).tables(counts, params))
    return tables


def build_kernel(weights, stream, counts, params, total_words, threads):
    """A ``Kernel`` that trains ``weights`` (in place) over ``stream``."""
    tables = kernel_tables(counts, params)
    return Kernel(weights, stream, tables,
                  kernel_settings(params, len(counts), total_words, threads, tables))
