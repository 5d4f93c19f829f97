#!/bin/bash
# The GPU checks, as one command for a borrowed GPU machine (docs/gpu.md): build, the GPU tests,
# launch shapes, GPU against all the CPU cores on corpus-en (55M tokens) and its 10M prefix, and
# Dask's words/s against workers on that machine's cores, and Dask's memory per worker with a
# core per worker (on 2 cores the workers drift apart and hold blocks in transit).
#
#   bash scripts/gpu_check.sh PACKED OUT
#
# PACKED: corpus-en packed by scripts/pack_corpus.py (PACKED.ids.xz, PACKED.vocab.tsv.xz).
# OUT: where the log and the JSON files go. Wheels in .whl/ (dask, distributed and what they
# need, where the machine has no Dask) are installed first into /tmp/site.
set -u -o pipefail
packed=$1
out=$2
mkdir -p "$out"
export PYTHONUNBUFFERED=1
exec > >(tee -a "$out/log.txt") 2>&1
date
if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site:$PWD
else
    export PYTHONPATH=$PWD
fi
nproc
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 setup.py -q build_ext --inplace -j "$(nproc)" > "$out/build.log" 2>&1 \
    || { tail -30 "$out/build.log"; exit 1; }
time python3 -m pytest -q -x tests/gpu 2>&1 | tail -30 || exit 1
time python3 scripts/pack_corpus.py unpack "$packed" /tmp/c55m.txt || exit 1
head -n 12598 /tmp/c55m.txt > /tmp/c10m.txt
time timeout 120 python3 scripts/bench_gpu.py --shapes /tmp/c10m.txt
time timeout 300 python3 scripts/bench_gpu.py /tmp/c55m.txt --repeats 2 --json "$out/gpu55m.json"
time timeout 90 python3 scripts/bench_gpu.py /tmp/c10m.txt --plain --json "$out/gpu10m.json"
time timeout 200 python3 scripts/bench_dask_cores.py /tmp/c10m.txt --json "$out/dask16.json" \
    | grep -v '^\['
time timeout 200 python3 scripts/bench_dask.py memory --workers 1,2,4,8 --json "$out/mem16.json" \
    | grep -v '^\['
date
