"""A 2-D map of word vectors: PCA of chosen words and their nearest neighbours, drawn with labels.

matplotlib is an optional dependency (``pip install w2vns[plot]``); it is imported only when a
map is drawn, and its absence raises :class:`MissingMatplotlib` with the install command.
"""
import os
import warnings

import numpy as np

from ..io.files import open_output

__all__ = ["MissingMatplotlib", "require_matplotlib", "image_format", "principal_components",
           "pca_2d", "map_words", "place_labels", "draw_map", "plot_words"]


class MissingMatplotlib(ImportError):
    """matplotlib is needed to draw a map and is not installed."""


def require_matplotlib():
    """Import matplotlib (non-interactive Agg backend) or raise :class:`MissingMatplotlib`."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
        from matplotlib.figure import Figure  # noqa: F401
    except ImportError as err:
        raise MissingMatplotlib(
            "plotting needs matplotlib, which is not installed (%s): pip install 'w2vns[plot]'"
            % err) from None
    return matplotlib


def image_format(path):
    """The image format for ``path`` by its extension (``"png"`` when it has none).

    Raises :class:`MissingMatplotlib` without matplotlib, ValueError for an extension that
    matplotlib cannot write.
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fmt = os.path.splitext(os.fspath(path))[1].lower().lstrip(".") or "png"
    supported = FigureCanvasAgg.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError("cannot write .%s images; use one of: %s"
                         % (fmt, ", ".join("." + e for e in sorted(supported))))
    return fmt


def principal_components(vectors):
    """Project the rows of ``vectors`` (n x d) on their first two principal components.

    Rows are centred on their mean; the components come from an SVD, with each one's sign fixed
    so that its largest loading is positive (the same input always gives the same picture).
    Returns ``(coords, explained)``: an n x 2 float64 array (with fewer than two independent
    directions the missing coordinates are 0) and each component's share of the variance.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("vectors must be a 2-D array, got shape %r" % (x.shape,))
    coords, explained = np.zeros((x.shape[0], 2)), np.zeros(2)
    if x.shape[0] == 0:
        return coords, explained
    x = x - x.mean(axis=0)
    _u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, int((s > s[0] * 1e-10).sum()) if s.size and s[0] > 0 else 0)
    total = float((s ** 2).sum())
    for i in range(k):
        component = vt[i]
        if component[np.argmax(np.abs(component))] < 0:
            component = -component
        coords[:, i] = x @ component
        explained[i] = s[i] ** 2 / total
    return coords, explained


def pca_2d(vectors):
    """The first two principal coordinates of the rows of ``vectors``: see
    :func:`principal_components`."""
    return principal_components(vectors)[0]


def map_words(kv, words, neighbours=0, restrict_vocab=None):
    """Choose the points of a map: the given ``words`` and each one's ``neighbours`` nearest
    neighbours by cosine similarity (optionally among the first ``restrict_vocab`` words).

    Returns ``(points, unknown)``: ``points`` a list of ``(word, group, is_given)`` with group
    the index of the given word it belongs to (a word listed twice, or a neighbour of several
    given words, appears once, in its first group; given words come first, then the neighbours
    nearest first), ``unknown`` the words that are not in the vocabulary, in order.
    """
    given, unknown = [], []
    for word in words:
        if word not in kv:
            unknown.append(word)
        elif word not in given:
            given.append(word)
    points = [(word, group, True) for group, word in enumerate(given)]
    seen = set(given)
    if neighbours > 0:
        found = [kv.most_similar(word, topn=neighbours, restrict_vocab=restrict_vocab)
                 for word in given]
        for rank in range(neighbours):  # every group's nearest first, so labels go to them
            for group, answers in enumerate(found):
                if rank < len(answers) and answers[rank][0] not in seen:
                    seen.add(answers[rank][0])
                    points.append((answers[rank][0], group, False))
    return points, unknown


# --------------------------------------------------------------------------------------------
# Labels that do not overlap.

#: Where a label may go around its point: (x, y) direction and the label's alignment there,
#: right of the point first (the way one reads), then left, above, below, the diagonals.
_SIDES = [((1, 0), "left", "center"), ((-1, 0), "right", "center"),
          ((0, 1), "center", "bottom"), ((0, -1), "center", "top"),
          ((1, 1), "left", "bottom"), ((-1, 1), "right", "bottom"),
          ((1, -1), "left", "top"), ((-1, -1), "right", "top")]
#: Distances from the point's edge tried, in pixels; beyond the first a thin line joins the
#: label to its point.
_DISTANCES = (2, 12, 24, 38)


def _box(anchor, size, side, distance):
    """The (x0, y0, x1, y1) pixel box of a label of ``size`` placed on ``side`` of ``anchor``."""
    (dx, dy), ha, va = side
    norm = (dx * dx + dy * dy) ** 0.5
    x, y = anchor[0] + distance * dx / norm, anchor[1] + distance * dy / norm
    width, height = size
    x0 = x if ha == "left" else x - width if ha == "right" else x - width / 2
    y0 = y if va == "bottom" else y - height if va == "top" else y - height / 2
    return (x0, y0, x0 + width, y0 + height)


def _overlap(a, b):
    """The area two boxes share."""
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def place_labels(anchors, sizes, bounds, required=(), obstacles=(), markers=3.0, pad=1.0):
    """Choose where each label goes so that no two labels overlap, no label covers a point,
    and every label stays inside ``bounds``; a label that finds no free place is left out.

    ``anchors``: the points (pixels, n x 2), in the order labels are placed (most important
    first); ``sizes``: each label's (width, height) in pixels; ``bounds``: (x0, y0, x1, y1);
    ``required``: labels that are always placed (at the place overlapping least) rather than
    left out; ``obstacles``: boxes to keep clear (a legend); ``markers``: each point's radius
    (or one for all), kept clear and added to the label's distance; ``pad``: space kept
    between labels.  Returns, per label, ``(side, distance, box)`` (distance from the point,
    in pixels) or None (left out), ``side`` one of :data:`_SIDES`.
    """
    markers = np.broadcast_to(np.asarray(markers, dtype=float), (len(anchors),))
    points = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(anchors, markers)]
    placed, result = [tuple(box) for box in obstacles], []
    for i, (anchor, size) in enumerate(zip(anchors, sizes)):
        best, best_cost = None, None
        for distance in markers[i] + np.array(_DISTANCES):
            for side in _SIDES:
                box = _box(anchor, size, side, distance)
                padded = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
                outside = (box[2] - box[0]) * (box[3] - box[1]) - _overlap(box, bounds)
                cost = outside + sum(_overlap(padded, other) for other in placed) + sum(
                    _overlap(box, p) for j, p in enumerate(points) if j != i)
                if best_cost is None or cost < best_cost:
                    best, best_cost = (side, distance, box), cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        if best_cost == 0 or i in required:
            placed.append(best[2])
            result.append(best)
        else:
            result.append(None)
    return result


# --------------------------------------------------------------------------------------------
# Drawing.

# One colour per given word (matplotlib's "tab10", readable on white); its neighbours' points
# are a lighter shade of it, their labels a darker one (small text needs the contrast).
_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"]


#: Marker areas (points**2) of the given words and of their neighbours.
_GIVEN_AREA, _NEIGHBOUR_AREA = 60, 22


def _mix(colour, other, share):
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return tuple(rgb + (np.asarray(other, dtype=float) - rgb) * share)


def plot_words(kv, words, path, neighbours=0, size=(1000, 800), dpi=100, title=None,
               restrict_vocab=None, model_name=None):
    """Draw a labelled 2-D PCA map of ``words`` and their nearest neighbours into ``path``
    (:func:`draw_map` says what it shows).  The format follows the file extension (``.png``,
    ``.svg``, ``.pdf``, ...; PNG when there is none); the file is written under a temporary
    name and renamed when complete.

    Returns ``(points, unknown)`` as :func:`map_words`.  Raises :class:`MissingMatplotlib`
    without matplotlib, ValueError when no given word is in the vocabulary (nothing is written)
    or for an unknown file format.
    """
    fmt = image_format(path)
    fig, points, unknown = draw_map(kv, words, neighbours, size, dpi, title, restrict_vocab,
                                    model_name)
    with open_output(path) as handle:  # atomically; '-' is stdout
        fig.savefig(handle, format=fmt, dpi=dpi)
    return points, unknown


def draw_map(kv, words, neighbours=0, size=(1000, 800), dpi=100, title=None,
             restrict_vocab=None, model_name=None):
    """A matplotlib Figure: the labelled 2-D PCA map of ``words`` and their nearest neighbours.

    The map is the PCA (:func:`principal_components`) of the unit vectors of the points chosen
    by :func:`map_words`, so that distances on it follow cosine similarity as far as two
    dimensions allow; each axis says its share of the variance.  With ``neighbours``, each
    given word and its neighbours share a colour, which the legend names; labels never
    overlap (:func:`place_labels`): a neighbour whose label finds no free place is drawn
    without one, and a note says how many.  ``title``: default "MODEL_NAME: PCA projection of
    N words (D dimensions)".  ``size`` is the image size in pixels (width, height) at ``dpi``.

    Returns ``(figure, points, unknown)``, the last two as :func:`map_words`.  Raises
    ValueError when no given word is in the vocabulary.
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.lines import Line2D

    points, unknown = map_words(kv, words, neighbours, restrict_vocab)
    if not points:
        raise ValueError("none of the words is in the vocabulary")
    normed = kv.get_normed_vectors()
    coords, explained = principal_components(
        normed[[kv.get_index(word) for word, _g, _given in points]])
    groups = neighbours > 0 and len(points) > sum(given for _w, _g, given in points)

    width, height = size
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colours = []
    for word, group, is_given in points:
        hue = _COLOURS[group % len(_COLOURS)] if groups else _COLOURS[0]
        colours.append((hue, _mix(hue, (1, 1, 1), 0.45), _mix(hue, (0, 0, 0), 0.35)))
    given = np.array([is_given for _w, _g, is_given in points])
    for mask, area, zorder in ((~given, _NEIGHBOUR_AREA, 2), (given, _GIVEN_AREA, 3)):
        rows = np.flatnonzero(mask)
        if len(rows):
            ax.scatter(coords[rows, 0], coords[rows, 1], s=area, zorder=zorder, linewidths=0.6,
                       c=[colours[i][0] if given[i] else colours[i][1] for i in rows],
                       edgecolors=[colours[i][0] for i in rows])
    ax.set_xlabel("PC 1 (%.0f%% of the variance)" % (100 * explained[0]))
    ax.set_ylabel("PC 2 (%.0f%% of the variance)" % (100 * explained[1]))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.margins(0.08)
    if title is None:
        title = "%sPCA projection of %d words (%d dimensions)" % (
            "%s: " % model_name if model_name else "", len(points), kv.vector_size)
    ax.set_title(title)
    if groups:
        shown = min(len(_COLOURS), int(given.sum()))
        handles = [Line2D([], [], marker="o", linestyle="", markersize=7,
                          color=_COLOURS[g], label=word)
                   for word, g, is_given in points[:shown] if is_given]
        legend = ax.legend(handles=handles, loc="best", fontsize=9, framealpha=0.85,
                           title="word (bold) and its %d\nnearest neighbours%s" % (
                               neighbours, "" if given.sum() <= len(_COLOURS) else
                               "\n(colours repeat after %d)" % len(_COLOURS)),
                           title_fontsize=9)
        legend.set_zorder(5)
    with warnings.catch_warnings():  # a tiny --size cannot fit the margins: draw it anyway
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()

    # Labels, placed in pixels once the axes are fixed: given words first, then neighbours.
    renderer = canvas.get_renderer()
    anchors = ax.transData.transform(coords)
    fonts = [FontProperties(size=11 if is_given else 8, weight="bold" if is_given else "normal")
             for _w, _g, is_given in points]
    sizes = []
    for (word, _g, _given), font in zip(points, fonts):
        w, h, _d = renderer.get_text_width_height_descent(word, font, ismath=False)
        sizes.append((w + 2, h + 2))
    box = ax.get_window_extent(renderer)
    bounds = (box.x0, box.y0, box.x1, box.y1)
    obstacles = []
    if groups:
        lbox = legend.get_window_extent(renderer)
        obstacles = [(lbox.x0, lbox.y0, lbox.x1, lbox.y1)]
    radii = [(_GIVEN_AREA if is_given else _NEIGHBOUR_AREA) ** 0.5 / 2 * dpi / 72.0
             for _w, _g, is_given in points]
    placements = place_labels(anchors, sizes, bounds, required=set(np.flatnonzero(given)),
                              obstacles=obstacles, markers=radii)
    left_out = 0
    to_points = 72.0 / dpi
    for i, placement in enumerate(placements):
        if placement is None:
            left_out += 1
            continue
        (dx, dy), ha, va = placement[0]
        distance = placement[1]
        norm = (dx * dx + dy * dy) ** 0.5
        offset = (distance * dx / norm * to_points, distance * dy / norm * to_points)
        word, _g, is_given = points[i]
        hue, _light, dark = colours[i]
        ax.annotate(word, coords[i], xytext=offset, textcoords="offset points", ha=ha, va=va,
                    fontproperties=fonts[i], color=hue if is_given else dark,
                    zorder=4 if is_given else 3,
                    arrowprops=dict(arrowstyle="-", color=hue, lw=0.6, shrinkA=0, shrinkB=2)
                    if distance > radii[i] + _DISTANCES[0] else None)
    if left_out:
        fig.text(0.01, 0.005, "%d crowded neighbour label%s left out" % (
            left_out, "" if left_out == 1 else "s"), fontsize=8, color="#555555",
            ha="left", va="bottom")

    return fig, points, unknown
