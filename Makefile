# Every target sets itself up: a fresh clone needs only python3 (>= 3.9) with venv, and a C compiler.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
BUILT  := $(VENV)/.built
EDITABLE := $(VENV)/.editable
SHARED ?= ../shared/data
BENCH_LINES ?= 12598
THREADS ?= 2
# pytest processes (pytest-xdist) for make test: one process keeps 1.3 of two cores busy, the
# rest is waiting on the subprocesses and Dask workers the tests start.
TEST_JOBS ?= 2

.PHONY: demo test bench build annotate clean distclean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Runtime, build and test dependencies (gensim is test-only: interop checks and benchmarks;
# dask is the optional extra for --dask, which the tests run on a LocalCluster).
$(STAMP): $(PY) pyproject.toml Makefile
	$(PY) -m pip install -q "setuptools>=64" wheel "Cython>=3.0" "numpy>=1.23" "click>=8.0" \
	    "tqdm>=4.60" "smart_open>=6.0" "pytest>=7" "pytest-xdist>=3" "gensim>=4.3" "hypothesis>=6" \
	    "matplotlib>=3.5" "backports.zstd>=1.0; python_version < '3.14'" \
	    "dask[distributed]>=2023.1"
	rm -f $(EDITABLE)
	touch $@

# The package installed in editable mode (for the `w2vns` console script) builds every
# extension in place; once it is installed, a change to the Cython sources rebuilds only what
# changed (build_ext). Both compile the extensions in parallel (setup.py).
$(BUILT): $(STAMP) setup.py $(wildcard cython_ext/*.pyx cython_ext/*.pxd cython_ext/*.h)
	if [ -f $(EDITABLE) ]; then $(PY) setup.py -q build_ext --inplace; \
	else $(PY) -m pip install -q --no-build-isolation --no-deps -e . && touch $(EDITABLE); fi
	touch $@

build: $(BUILT)

# Cython's annotated HTML (cython_ext/*.html): yellow lines touch Python objects.
annotate: $(STAMP)
	W2VNS_ANNOTATE=1 $(PY) setup.py -q build_ext --inplace --force

test: $(BUILT)
	$(PY) -m pytest -q -n $(TEST_JOBS) --dist loadgroup tests

demo: $(BUILT)
	$(VENV)/bin/w2vns train w2vns/data/demo.txt.gz -o demo-vectors.bin --threads $(THREADS)
	$(VENV)/bin/w2vns similar -m demo-vectors.bin -n 5 dog paris king monday

bench: $(BUILT)
	@test -f $(SHARED)/corpus-en.txt.gz || { echo "bench needs $(SHARED)/corpus-en.txt.gz"; exit 2; }
	mkdir -p .bench
	test -f .bench/corpus-$(BENCH_LINES).txt || \
	    (zcat $(SHARED)/corpus-en.txt.gz | head -n $(BENCH_LINES) > .bench/corpus-$(BENCH_LINES).txt)
	$(PY) scripts/bench.py .bench/corpus-$(BENCH_LINES).txt --threads $(THREADS) --json .bench/bench.json

clean:
	rm -rf build *.egg-info w2vns/*.so w2vns/*/*.so cython_ext/*.c cython_ext/*.html demo-vectors.bin $(BUILT) $(EDITABLE)

distclean: clean
	rm -rf $(VENV) .bench
