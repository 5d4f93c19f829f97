"""A LocalCluster of worker processes for the distributed tests, started once per session."""
import logging
import pathlib

import pytest

from w2vns.corpus import synthetic

HERE = pathlib.Path(__file__).parent


def pytest_collection_modifyitems(items):
    """With pytest-xdist (``make test``: ``-n 2 --dist loadgroup``), every distributed test runs
    in the same pytest process, so one cluster serves them all instead of one a process."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("dask"))


@pytest.fixture(scope="session")
def client():
    """Two worker processes with one thread each (as ``--dask local:2`` on two cores)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=logging.ERROR) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="session")
def shards(tmp_path_factory):
    """The planted-structure corpus (12,000 generated sentences, ~210k tokens) in 4 shards,
    and the same text as one file."""
    folder = tmp_path_factory.mktemp("shards")
    lines = synthetic.generate_corpus(12000, seed=3)
    n = len(lines)
    for i in range(4):
        (folder / ("part-%d.txt" % i)).write_text("\n".join(lines[i * n // 4:(i + 1) * n // 4])
                                                  + "\n")
    (folder / "all.txt").write_text("\n".join(lines) + "\n")
    return folder
