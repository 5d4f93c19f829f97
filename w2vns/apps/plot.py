"""A 2-D map of word vectors: PCA of chosen words and their nearest neighbours, drawn with labels.

matplotlib is an optional dependency (``pip install w2vns[plot]``); it is imported only when a
map is drawn, and its absence raises :class:`MissingMatplotlib` with the install command.
"""
import os
import warnings

import numpy as np

from ..io.files import open_output

__all__ = ["MissingMatplotlib", "require_matplotlib", "image_format", "pca_2d", "map_words",
           "plot_words"]

# One colour per given word (matplotlib's "tab10"); its neighbours get the same hue, lightened.
_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"]
_LIGHTEN = 0.55  # share of white mixed into a neighbour's colour


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


def pca_2d(vectors):
    """Project the rows of ``vectors`` (n x d) on their first two principal components.

    Rows are centred on their mean; the components come from an SVD, with each one's sign fixed
    so that its largest loading is positive (the same input always gives the same picture).
    Returns an n x 2 float64 array; with fewer than two independent directions the missing
    coordinates are 0.
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError("vectors must be a 2-D array, got shape %r" % (x.shape,))
    coords = np.zeros((x.shape[0], 2))
    if x.shape[0] == 0:
        return coords
    x = x - x.mean(axis=0)
    _u, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, int((s > s[0] * 1e-10).sum()) if s.size and s[0] > 0 else 0)
    for i in range(k):
        component = vt[i]
        if component[np.argmax(np.abs(component))] < 0:
            component = -component
        coords[:, i] = x @ component
    return coords


def map_words(kv, words, neighbours=0, restrict_vocab=None):
    """Choose the points of a map: the given ``words`` and each one's ``neighbours`` nearest
    neighbours by cosine similarity (optionally among the first ``restrict_vocab`` words).

    Returns ``(points, unknown)``: ``points`` a list of ``(word, group, is_given)`` with group
    the index of the given word it belongs to (a word listed twice, or a neighbour of several
    given words, appears once, in its first group; given words come first), ``unknown`` the
    words that are not in the vocabulary, in order.
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
        for group, word in enumerate(given):
            for other, _sim in kv.most_similar(word, topn=neighbours,
                                               restrict_vocab=restrict_vocab):
                if other not in seen:
                    seen.add(other)
                    points.append((other, group, False))
    return points, unknown


def _lighten(colour, share):
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return tuple(rgb + (1.0 - rgb) * share)


def plot_words(kv, words, path, neighbours=0, size=(1000, 800), dpi=100, title=None,
               restrict_vocab=None):
    """Draw a labelled 2-D PCA map of ``words`` and their nearest neighbours into ``path``.

    The map is the PCA (:func:`pca_2d`) of the unit vectors of the points chosen by
    :func:`map_words`, so that distances on it follow cosine similarity as far as two dimensions
    allow.  Each given word has its own colour and a bold label; its neighbours are drawn in a
    lighter shade of that colour.  ``size`` is the image size in pixels (width, height) at
    ``dpi``; the format follows the file extension (``.png``, ``.svg``, ``.pdf``, ...; PNG when
    there is none).  The file is written under a temporary name and renamed when complete.

    Returns ``(points, unknown)`` as :func:`map_words`.  Raises :class:`MissingMatplotlib`
    without matplotlib, ValueError when no given word is in the vocabulary (nothing is written)
    or for an unknown file format.
    """
    fmt = image_format(path)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    points, unknown = map_words(kv, words, neighbours, restrict_vocab)
    if not points:
        raise ValueError("none of the words is in the vocabulary")
    normed = kv.get_normed_vectors()
    coords = pca_2d(normed[[kv.get_index(word) for word, _g, _given in points]])

    width, height = size
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    # neighbours first, so that the given words are drawn on top of them
    order = sorted(range(len(points)), key=lambda i: points[i][2])
    for i in order:
        word, group, is_given = points[i]
        colour = _COLOURS[group % len(_COLOURS)]
        if not is_given:
            colour = _lighten(colour, _LIGHTEN)
        x, y = coords[i]
        ax.scatter([x], [y], s=40 if is_given else 18, color=colour, zorder=3 if is_given else 2)
        ax.annotate(word, (x, y), xytext=(4, 3), textcoords="offset points",
                    fontsize=11 if is_given else 8, color=colour,
                    fontweight="bold" if is_given else "normal", zorder=4 if is_given else 2,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7)
                    if is_given else None)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.margins(0.12)
    if title:
        ax.set_title(title)
    with warnings.catch_warnings():  # a tiny --size cannot fit the margins: draw it anyway
        warnings.simplefilter("ignore", UserWarning)
        fig.tight_layout()

    with open_output(path) as handle:  # atomically; '-' is stdout
        fig.savefig(handle, format=fmt, dpi=dpi)
    return points, unknown
