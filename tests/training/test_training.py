"""Training end to end through the library API."""
import threading

import numpy as np
import pytest

import w2vns
from w2vns.training import kernel as kernel_module
from w2vns.training import threads
from w2vns.training.blocks import TaskQueue, block_bounds
from w2vns.training.backend import TrainJob
from w2vns.training.params import TrainParams
from w2vns.training.progress import Progress
from w2vns.training.state import COUNTER_STRIDE, TrainState
from w2vns.training.weights import initial_weights
from w2vns.corpus import synthetic
from w2vns.corpus.encode import encode_corpus


def group_of():
    return {w: g for g, words in synthetic.planted_groups().items() for w in words}


@pytest.fixture(scope="module")
def model(corpus_file):
    return w2vns.train(str(corpus_file), dim=50, epochs=5, threads=2, seed=1)


def test_planted_groups_become_nearest_neighbours(model):
    owner = group_of()
    probes = ["dog", "paris", "red", "monday", "january", "doctor", "apple", "car"]
    hits = []
    for word in probes:
        neighbours = [w for w, _ in model.wv.most_similar(word, topn=5)]
        hits.append(sum(owner.get(n) == owner[word] for n in neighbours))
    # Nearly all of the top-5 neighbours come from the word's own planted group.
    assert sum(hits) >= 0.8 * 5 * len(probes), dict(zip(probes, hits))


@pytest.mark.parametrize("kernel", ["reference", "fast"])
def test_both_kernels_learn_the_planted_groups(kernel, corpus_file):
    model = w2vns.train(str(corpus_file), dim=30, epochs=3, threads=2, seed=2, kernel=kernel)
    owner = group_of()
    probes = ["dog", "paris", "red", "monday", "january", "doctor"]
    hits = sum(owner.get(n) == owner[w] for w in probes
               for n, _ in model.wv.most_similar(w, topn=5))
    assert hits >= 0.8 * 5 * len(probes)


def test_each_kernel_is_reproducible_and_they_differ(small_corpus_file):
    vectors = {}
    for kernel in ("reference", "fast", "fast"):
        model = w2vns.train(str(small_corpus_file), dim=12, epochs=1, threads=1, seed=4,
                            kernel=kernel)
        vectors.setdefault(kernel, []).append(model.wv.vectors.tobytes())
    assert vectors["fast"][0] == vectors["fast"][1]
    assert vectors["fast"][0] != vectors["reference"][0]


def test_report_counts_every_word_of_every_epoch(model):
    r = model.report
    assert r["words_done"] == r["retained_tokens"] * r["epochs"]
    assert r["vocab_size"] == len(model.wv.index_to_key) == model.wv.vectors.shape[0]
    assert r["tokens"] >= r["retained_tokens"] > 0
    assert r["words_per_sec"] > 0 and r["train_seconds"] > 0
    assert 0 < r["mean_loss"] < 4


def test_model_api_shapes(model):
    wv = model.wv
    assert wv.vectors.dtype == np.float32 and wv.vectors.shape[1] == 50
    assert wv.index_to_key[wv.key_to_index["dog"]] == "dog"
    assert np.array_equal(wv["dog"], wv.vectors[wv.key_to_index["dog"]])
    # Frequency order: the first key is the most frequent word.
    assert model.vocab.counts[0] == model.vocab.counts.max()


def test_one_thread_with_a_seed_is_bit_for_bit_reproducible(small_corpus_file):
    runs = [w2vns.train(str(small_corpus_file), dim=20, epochs=2, threads=1, seed=11)
            for _ in range(2)]
    assert runs[0].wv.vectors.tobytes() == runs[1].wv.vectors.tobytes()
    assert runs[0].syn1neg.tobytes() == runs[1].syn1neg.tobytes()
    other = w2vns.train(str(small_corpus_file), dim=20, epochs=2, threads=1, seed=12)
    assert other.wv.vectors.tobytes() != runs[0].wv.vectors.tobytes()


@pytest.mark.parametrize("kernel", ["reference", "fast"])
def test_private_hot_rows_change_nothing_but_rounding_with_one_thread(small_corpus_file, kernel):
    """Every row a private copy, merged every 7 updates: with one thread nobody else writes the
    shared rows, so the merged result is the direct one up to float rounding."""
    def run(hot_rows):
        return w2vns.train(str(small_corpus_file), dim=20, epochs=2, threads=1, seed=5,
                           kernel=kernel, hot_rows=hot_rows, hot_sync=7)
    direct, copied = run(0), run(65536)
    assert direct.wv.vectors.tobytes() != copied.wv.vectors.tobytes()  # the copies were used
    scale = np.abs(direct.wv.vectors).mean()
    assert np.abs(direct.wv.vectors - copied.wv.vectors).max() < 1e-2 * scale
    assert np.abs(direct.syn1neg - copied.syn1neg).max() < 1e-2 * np.abs(direct.syn1neg).mean()


@pytest.mark.parametrize("hot_rows", [0, 3, 64])
def test_hot_rows_learn_the_planted_groups_with_threads(hot_rows, corpus_file):
    model = w2vns.train(str(corpus_file), dim=30, epochs=3, threads=3, seed=2,
                        hot_rows=hot_rows, hot_sync=16)
    assert model.params.hot_rows == hot_rows
    owner = group_of()
    probes = ["dog", "paris", "red", "monday", "january", "doctor"]
    hits = sum(owner.get(n) == owner[w] for w in probes
               for n, _ in model.wv.most_similar(w, topn=5))
    assert hits >= 0.8 * 5 * len(probes)


def test_hot_rows_are_on_by_default_only_from_hot_rows_from_threads():
    from w2vns.training.params import HOT_ROWS, HOT_ROWS_FROM_THREADS, TrainParams

    assert TrainParams(threads=1).resolved().hot_rows == 0
    assert TrainParams(threads=HOT_ROWS_FROM_THREADS - 1).resolved().hot_rows == 0
    assert TrainParams(threads=HOT_ROWS_FROM_THREADS).resolved().hot_rows == HOT_ROWS
    assert TrainParams(threads=4, hot_rows=0).resolved().hot_rows == 0


def test_sentences_from_python_iterables():
    lines = synthetic.generate_corpus(500, seed=2)
    from_str = w2vns.train(lines, dim=10, epochs=1, threads=1, min_count=1)
    from_tokens = w2vns.train([l.split() for l in lines], dim=10, epochs=1, threads=1,
                              min_count=1)
    assert from_str.wv.vectors.tobytes() == from_tokens.wv.vectors.tobytes()


def test_many_threads_on_a_small_corpus(small_corpus_file):
    model = w2vns.train(str(small_corpus_file), dim=10, epochs=3, threads=8)
    assert model.report["threads"] == 8
    assert model.report["words_done"] == model.report["retained_tokens"] * 3
    assert np.isfinite(model.wv.vectors).all()


@pytest.mark.parametrize("bad", [
    {"dim": 0}, {"window": -1}, {"negative": -1}, {"negative": 0}, {"sample": 1.5},
    {"min_count": 0},
    {"epochs": 0}, {"alpha": 0}, {"threads": 0}, {"max_vocab": 0}, {"dim": 2.5},
    {"min_alpha": 1.0}, {"kernel": "turbo"}, {"hot_rows": -1}, {"hot_sync": 0},
    {"nce_bias": "yes"}, {"alpha": float("nan")}, {"sample": float("nan")},
    {"noise_power": float("inf")}, {"phrase_threshold": float("nan")},
])
def test_bad_parameters_raise_value_error_before_any_work(bad):
    with pytest.raises(ValueError, match=list(bad)[0]):
        w2vns.train("/nonexistent/corpus.txt", **bad)


def test_unknown_parameter_is_a_type_error():
    with pytest.raises(TypeError, match="dimension"):
        w2vns.train(["a b c"], dimension=3)


def test_save_word2vec_format_round_trip(model, tmp_path):
    path = tmp_path / "v.bin"
    model.save_word2vec_format(path)
    again = w2vns.KeyedVectors.load(str(path))
    assert again.index_to_key == model.wv.index_to_key
    assert np.array_equal(again.vectors, model.wv.vectors)


# -- the shared task queue -----------------------------------------------------------------------


def _recording_kernel(monkeypatch):
    """Make the trainer's kernel record every call as (thread, start, end)."""
    calls, lock = [], threading.Lock()

    class Recording(kernel_module.Kernel):
        def train(self, thread, start, end):
            with lock:
                calls.append((thread, start, end))
            return super().train(thread, start, end)

    monkeypatch.setattr(kernel_module, "Kernel", Recording)
    return calls


def test_three_threads_train_every_block_of_every_epoch_exactly_once(small_corpus_file,
                                                                     monkeypatch):
    monkeypatch.setattr(threads, "BLOCK_ENTRIES", 1024)  # many blocks from a small corpus
    calls = _recording_kernel(monkeypatch)
    taken, real_take = [], TaskQueue.take

    def take(self, worker):
        task = real_take(self, worker)
        if task is not None:
            taken.append(task)
        return task

    monkeypatch.setattr(TaskQueue, "take", take)
    epochs = 4
    model = w2vns.train(str(small_corpus_file), dim=8, epochs=epochs, threads=3)
    report = model.report
    assert report["words_done"] == report["retained_tokens"] * epochs
    assert len(taken) == len(set(taken))  # no (epoch, block) twice
    blocks = sorted((start, end) for epoch, start, end in taken if epoch == 0)
    assert len(blocks) > 20 and blocks[0][0] == 0
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))  # they tile the stream
    assert sorted(taken) == [(e, a, b) for e in range(epochs) for a, b in blocks]
    assert sorted((a, b) for _, a, b in calls) == sorted((a, b) for _, a, b in taken)
    assert {t for t, _, _ in calls} <= {0, 1, 2}
    seconds = report["worker_seconds"]
    assert len(seconds) == 3 and 0 <= min(seconds) and max(seconds) <= report["train_seconds"]
    assert report["kernel"].endswith(" floats a step")  # which vector instructions ran


def test_a_remainder_stopped_mid_block_is_trained_first_then_the_queue_in_order(
        small_corpus_file, monkeypatch):
    """One thread: the pending rest of block 1 of epoch 0, then epoch 0 from block 2 on, then
    epoch 1, each block once; the words add up to exactly what was left."""
    monkeypatch.setattr(threads, "BLOCK_ENTRIES", 1024)
    calls = _recording_kernel(monkeypatch)
    encoded = encode_corpus(str(small_corpus_file), min_count=5)
    stream = np.asarray(encoded.stream)
    bounds = block_bounds(stream, 0, len(stream), step=1024)
    ends = np.flatnonzero(stream == encoded.SENTENCE_END)
    cut = int(ends[np.searchsorted(ends, bounds[1] + 300)]) + 1  # a sentence start in block 1
    assert bounds[1] < cut < bounds[2]
    stride = COUNTER_STRIDE
    state = TrainState(
        next_task=2, nblocks=len(bounds) - 1,
        pending=np.array([[0, cut, bounds[2]]], dtype=np.int64),
        words_done=np.zeros(stride, dtype=np.int64), loss=np.zeros(stride),
        rng_state=np.full(stride, 12345, dtype=np.uint64))
    assert not state.finished(2)
    params = TrainParams(dim=8, epochs=2, threads=1, min_count=5).resolved()
    job = TrainJob(params, encoded, initial_weights(encoded.vocab.counts, params), Progress())
    stats = threads.ThreadBackend().run(job, state=state)
    expected = [(cut, bounds[2])] + list(zip(bounds[2:-1], bounds[3:]))
    expected += list(zip(bounds[:-1], bounds[1:]))
    assert [(a, b) for _, a, b in calls] == expected
    left = int((stream[cut:] != encoded.SENTENCE_END).sum())
    assert stats["words_done"] == left + encoded.tokens


def test_pages_are_released_only_behind_every_range_still_to_read():
    released = []
    tasks = TaskQueue([0, 10, 20, 30], epochs=2,
                            release=lambda a, b, behind=False: released.append((a, b)))
    first, second, third = tasks.take(0), tasks.take(1), tasks.take(2)
    assert (first, second, third) == ((0, 0, 10), (0, 10, 20), (0, 20, 30))
    tasks.done(1, second)  # the first block is still being read: nothing to release
    assert released == []
    tasks.done(0, first)  # now everything before the third block
    assert released == [(0, 20)]
    assert tasks.take(0) == (1, 0, 10)  # epoch 1 begins while epoch 0's last block is read
    tasks.done(2, third, stopped_at=25)  # stopped: 25..30 goes back to the queue, first
    assert released[-1] == (20, 25)
    assert tasks.take(2) == (0, 25, 30)
    tasks.done(2, (0, 25, 30))
    assert released[-1] == (25, 30)
    tasks.done(0, (1, 0, 10))
    assert released[-1] == (0, 10)
    next_task, pending = tasks.snapshot()
    assert next_task == 4 and pending.shape == (0, 3)


@pytest.mark.parametrize("kernel, loss", [("fast", "sgns"), ("reference", "sgns"), ("fast", "nce")])
def test_a_run_that_diverges_raises_instead_of_crashing(kernel, loss):
    """alpha = 10 drives the weights to NaN within an epoch. The kernel must not index its
    sigmoid table with a NaN score (it once crashed the process), and training must say so
    rather than hand back NaN vectors."""
    from w2vns.training.weights import TrainingDiverged

    lines = synthetic.generate_corpus(2000, seed=3)
    with pytest.raises(TrainingDiverged, match="training diverged"):
        w2vns.train(lines, dim=10, epochs=2, threads=1, alpha=10.0, kernel=kernel, loss=loss)


def test_hot_copies_are_merged_before_they_overshoot():
    """Each thread's copy of a frequent word's row moves from the same stale start, and the
    merges add the moves up: with a merge only every million updates, 16 threads once blew the
    weights up ~100x (NaN on a real corpus). A copy is now merged after HOT_MAX_USES updates
    of its own, so a huge --hot-sync trains like the default."""
    lines = synthetic.generate_corpus(20000, seed=3)

    def largest(hot_sync):
        model = w2vns.train(lines, dim=20, epochs=5, threads=16, hot_rows=64,
                            hot_sync=hot_sync, seed=1, min_count=1)
        return max(np.abs(model.wv.vectors).max(), np.abs(model.syn1neg).max())

    default = largest(64)
    assert default < 10
    assert largest(1_000_000) < 2 * default
