"""w2vns.plot: the PCA projection, the choice of points, and matplotlib being optional."""
import sys

import numpy as np
import pytest

from w2vns.apps import plot
from w2vns.vectors.keyed import KeyedVectors


def test_pca_2d_recovers_the_main_directions():
    rng = np.random.default_rng(0)
    t = rng.standard_normal((50, 2)) * [10.0, 3.0]
    basis = np.linalg.qr(rng.standard_normal((8, 2)))[0]  # 8-D orthonormal pair
    x = t @ basis.T + 5.0 + 1e-3 * rng.standard_normal((50, 8))
    coords = plot.pca_2d(x)
    assert coords.shape == (50, 2)
    assert np.allclose(coords.mean(axis=0), 0, atol=1e-9)
    # the data lie (nearly) in a plane, so the map keeps every distance between points
    def distances(points):
        return np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)

    assert np.allclose(distances(coords), distances(x), atol=1e-2)
    assert coords[:, 0].var() > coords[:, 1].var()  # the first component is the wider one


def test_pca_2d_is_deterministic_in_sign_and_handles_degenerate_input():
    x = np.random.default_rng(1).standard_normal((10, 5))
    assert np.array_equal(plot.pca_2d(x), plot.pca_2d(x.copy()))
    # signs follow the loadings, not the SVD routine's whim: -x gives the mirror image
    assert np.allclose(plot.pca_2d(-x), -plot.pca_2d(x))
    assert np.array_equal(plot.pca_2d(np.ones((3, 4))), np.zeros((3, 2)))
    assert np.array_equal(plot.pca_2d(np.ones((1, 4))), np.zeros((1, 2)))
    line = plot.pca_2d([[0, 0, 0], [1, 1, 1], [2, 2, 2]])
    assert np.array_equal(line[:, 1], np.zeros(3)) and line[0, 0] != line[2, 0]
    assert plot.pca_2d(np.zeros((0, 4))).shape == (0, 2)


def test_map_words_groups_neighbours_once_and_reports_unknown_words():
    vectors = np.array([[1, 0], [0.9, 0.1], [0.8, 0.3], [0, 1], [0.1, 0.9], [-1, 0]], float)
    kv = KeyedVectors(["a", "a1", "a2", "b", "b1", "c"], vectors)
    points, unknown = plot.map_words(kv, ["a", "zz", "b", "a"], neighbours=2)
    assert unknown == ["zz"]
    assert points[:2] == [("a", 0, True), ("b", 1, True)]
    assert sorted(points[2:]) == [("a1", 0, False), ("a2", 0, False), ("b1", 1, False)]
    # a2 is among the nearest of both a and b: it stays in a's group, once
    assert plot.map_words(kv, ["b"], neighbours=0) == ([("b", 0, True)], [])


def test_missing_matplotlib_raises_with_the_install_command(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    with pytest.raises(plot.MissingMatplotlib, match=r"pip install 'w2vns\[plot\]'"):
        plot.require_matplotlib()
    kv = KeyedVectors(["a", "b"], np.eye(2))
    with pytest.raises(ImportError):
        plot.plot_words(kv, ["a"], "map.png")


def test_plot_words_writes_the_requested_size(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(2)
    kv = KeyedVectors(["w%d" % i for i in range(30)], rng.standard_normal((30, 6)))
    out = tmp_path / "m.png"
    points, unknown = plot.plot_words(kv, ["w1", "w2", "nope"], out, neighbours=3,
                                      size=(300, 200))
    assert unknown == ["nope"] and [p[0] for p in points[:2]] == ["w1", "w2"]
    assert 2 + 3 <= len(points) <= 2 + 6  # neighbours shared by w1 and w2 appear once
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (300, 200)
    with pytest.raises(ValueError, match="none of the words"):
        plot.plot_words(kv, ["nope"], tmp_path / "n.png")
    with pytest.raises(ValueError, match="cannot write"):
        plot.plot_words(kv, ["w1"], tmp_path / "m.xyz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.png"]


# -- labels that do not overlap -----------------------------------------------------------------


def _disjoint(a, b):
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_place_labels_never_overlaps_and_leaves_out_what_does_not_fit():
    rng = np.random.default_rng(3)
    # three tight clusters and a sparse background: some labels cannot fit
    anchors = np.vstack([rng.normal(c, 12, size=(25, 2)) for c in ((200, 200), (600, 400),
                                                                  (300, 600))]
                        + [rng.uniform(50, 750, size=(25, 2))])
    sizes = [(rng.uniform(20, 70), 10.0) for _ in anchors]
    bounds = (0.0, 0.0, 800.0, 800.0)
    legend = (650.0, 650.0, 800.0, 800.0)
    required = {0, 25, 50}
    placed = plot.place_labels(anchors, sizes, bounds, required=required, obstacles=[legend],
                               markers=3.0)
    boxes = [(i, p[2]) for i, p in enumerate(placed) if p is not None]
    assert required <= {i for i, _ in boxes}
    assert 0 < len(boxes) < len(anchors)  # crowded: some are left out, most are not
    for n, (i, a) in enumerate(boxes):
        assert bounds[0] <= a[0] and a[2] <= bounds[2] and bounds[1] <= a[1] and a[3] <= bounds[3]
        assert _disjoint(a, legend)
        for j, b in boxes[n + 1:]:
            assert _disjoint(a, b), (i, j)
        for j, (x, y) in enumerate(anchors):
            if j != i:
                assert _disjoint(a, (x - 3, y - 3, x + 3, y + 3)), (i, j)


def _kv_with_groups():
    rng = np.random.default_rng(4)
    centres = rng.standard_normal((4, 16)) * 3
    keys, vectors = [], []
    for g, centre in enumerate(centres):
        for i in range(12):
            keys.append("group%d_word%d" % (g, i))
            vectors.append(centre + 0.3 * rng.standard_normal(16))
    return KeyedVectors(keys, np.array(vectors, dtype=np.float32))


def test_draw_map_labels_do_not_overlap_and_legend_and_title_say_what_is_shown():
    pytest.importorskip("matplotlib")
    kv = _kv_with_groups()
    given = ["group0_word0", "group1_word0", "group2_word0", "group3_word0"]
    fig, points, _unknown = plot.draw_map(kv, given, neighbours=8, size=(700, 500),
                                          model_name="items.bin")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts]
    from matplotlib.text import Text

    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the text, not its line
    for n, a in enumerate(boxes):
        for b in boxes[n + 1:]:
            assert not a.overlaps(b), (a, b)
    notes = [t.get_text() for t in fig.texts]
    left_out = int(notes[0].split()[0]) if notes else 0
    assert len(labels) + left_out == len(points) == 4 + 4 * 8
    assert {t.get_text() for t in labels} >= set(given)  # the given words always labelled
    assert ax.get_title() == "items.bin: PCA projection of 36 words (16 dimensions)"
    assert "of the variance" in ax.get_xlabel() and "of the variance" in ax.get_ylabel()
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == given
    assert "8" in legend.get_title().get_text()
    alone, _p, _u = plot.draw_map(kv, given, neighbours=0, size=(400, 300))
    assert alone.axes[0].get_legend() is None  # one colour, nothing to explain
