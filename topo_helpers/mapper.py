"""Mapper graphs as the papers use them: ``Mapper(resolution, gain)``.

This module reproduces the Mapper construction of Gabrielsson & Carlsson
(paper 001, section III) with the choices the papers leave open fixed once
for every filter chapter (read from 001 and 003):

* **Lenses**: PCA 1 and PCA 2 of the point cloud (scikit-learn ``PCA`` with a
  fixed sign convention, so results are deterministic), or any (N, d) array of
  1-3 lens values given by the caller.
* **Cover**: ``resolution`` closed intervals of equal length per lens over the
  lens range, with overlap fraction ``o = 1 - 1/gain`` (Ayasdi's rule: gain 3
  -> 2/3 overlap, gain 2 -> 1/2).  The cover of R^d is the product cover.
  See :func:`cover_intervals` for the interval arithmetic.
* **Metric**: "VNE", variance-normalised Euclidean distance.
* **Clustering**: single linkage inside each cover element, cut with the
  Singh-Memoli-Carlsson (2007) histogram-gap heuristic (:func:`gap_cut`;
  histogram over ``[0, diameter]`` of the element, as Python Mapper does).
  The papers used Ayasdi's threshold heuristic (patent ref. [12]), which is
  unpublished; ours is a stand-in for it.
* **Graph**: one node per cluster; an edge between two nodes whose clusters
  share at least one point.

Public API
----------
``mapper_graph``      build a :class:`MapperGraph`
``MapperGraph``       nodes, edges, cover labels, lens, parameters, summaries
``cover_intervals``   the interval arithmetic of one lens
``vne_scale``         the VNE rescaling of a point cloud
``pca_lens``          deterministic PCA lenses
``gap_cut``           the single-linkage gap heuristic on one point set
``plot_mapper``, ``graph_dict``, ``mapper_html``, ``mapper_iframe``
                      drawing: they live in :mod:`topo_helpers.mapper_draw` (the last stage) and are
                      importable from here
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage

from .validate import finite_array, integer, number

__all__ = [
    "SIZE_CMAP",
    "GapCut",
    "MapperGraph",
    "cover_intervals",
    "gap_cut",
    "graph_dict",
    "mapper_graph",
    "mapper_html",
    "mapper_iframe",
    "pca_lens",
    "plot_mapper",
    "vne_scale",
]

#: Colour map for node sizes: blue = fewest points, red = most (papers' figures).
SIZE_CMAP = "jet"

_EPS = 1e-9  # relative tolerance for interval membership


# --------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------


def _overlap(gain: float) -> float:
    return 1.0 - 1.0 / float(gain)


def cover_intervals(lo: float, hi: float, resolution: int, gain: float) -> np.ndarray:
    """The ``resolution`` closed intervals covering ``[lo, hi]`` for one lens.

    With ``n = resolution`` intervals of equal length ``L`` whose consecutive
    members overlap by the fraction ``o = 1 - 1/gain`` of their length
    (Ayasdi's "percent overlap = 1 - 1/gain"), the left ends advance by the
    step ``s = L (1 - o) = L / gain``.  The last interval must end at ``hi``::

        lo + (n - 1) s + L = hi
        =>  L = (hi - lo) / (n - (n - 1) o),     s = L (1 - o).

    Interval ``k`` (0-based) is ``[lo + k s, lo + k s + L]``.  Examples, with
    ``R = hi - lo``: Mapper(30, 3) has ``o = 2/3``, ``L = 3R/32``,
    ``s = R/32``; Mapper(70, 2) has ``o = 1/2``, ``L = 2R/71``, ``s = R/71``.
    Since ``L / s = gain``, a point lies in about ``gain`` consecutive
    intervals (``ceil(gain)`` at most away from the ends, one more when it sits
    exactly on an end point).

    Note that this is not KeplerMapper's ``Cover`` (which pads the range and
    uses another overlap convention); only the arithmetic above is used here.

    Returns an ``(n, 2)`` array of ``[left, right]`` ends.
    """
    _check_cover_params(resolution, gain)
    lo = number(lo, "lo")
    hi = number(hi, "hi")
    if hi < lo:
        raise ValueError(f"the lens range needs lo <= hi; got lo={lo}, hi={hi} (swap them)")
    n = int(resolution)
    o = _overlap(gain)
    length = (hi - lo) / (n - (n - 1) * o)
    step = length * (1.0 - o)
    left = lo + step * np.arange(n)
    return np.column_stack([left, left + length])


def _check_cover_params(resolution: Any, gain: Any) -> None:
    if isinstance(resolution, (float, np.floating)):
        raise ValueError(f"resolution must be an integer (intervals per lens), got {resolution!r}")
    integer(resolution, "resolution", minimum=1)
    try:
        number(gain, "gain", minimum=1, open_min=True)
    except ValueError as err:
        raise ValueError(f"{err}; gain is a finite number > 1 (overlap = 1 - 1/gain), e.g. gain=3") from None


def vne_scale(X: np.ndarray) -> np.ndarray:
    """Rescale ``X`` so that Euclidean distance on the result is the VNE metric.

    Each coordinate (column) is divided by its standard deviation over the
    *whole* point cloud (population standard deviation, ``ddof=0``).  Paper
    001 says "dividing by its variance"; the book reads that as the
    standard deviation, which makes the metric invariant to rescaling a
    coordinate (dividing by the variance would not be).  Columns with zero
    standard deviation are left unscaled (they contribute nothing to any
    distance either way).
    """
    X = np.asarray(X, dtype=float)
    sd = X.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return X / sd


def pca_lens(X: np.ndarray, n_components: int = 2) -> np.ndarray:
    """PCA 1..n_components of ``X`` (scikit-learn, exact SVD) with a fixed sign.

    Each principal axis is oriented so that its loading of largest absolute
    value is positive (ties: the first such coordinate), so the lens does not
    depend on the SVD backend's sign choice.
    """
    from sklearn.decomposition import PCA

    X = finite_array(X, "X", ndim=2, min_rows=1)
    n_components = integer(n_components, "n_components", minimum=1)
    k = min(n_components, X.shape[1], X.shape[0])
    pca = PCA(n_components=k, svd_solver="full")
    pca.fit(X)
    comps = pca.components_.copy()
    for i in range(comps.shape[0]):
        j = int(np.argmax(np.abs(comps[i])))
        if comps[i, j] < 0:
            comps[i] = -comps[i]
    return (X - pca.mean_) @ comps.T


def gap_cut(Y: np.ndarray, n_bins: int = 10, span: str = "diameter") -> np.ndarray:
    """Single-linkage clusters of the rows of ``Y`` cut by the histogram-gap heuristic.

    Singh, Memoli & Carlsson (2007), section 3.1: histogram the single-linkage
    merge heights into ``n_bins`` equal bins and cut the dendrogram at the
    first empty bin: merges below the gap are kept, merges above it are
    undone.  No empty bin: one cluster.  Distances are Euclidean on ``Y``
    (pass VNE-scaled points).  The papers (001) used Ayasdi's own threshold
    heuristic, which is unpublished; this one stands in for it.

    ``span`` fixes the histogram's range, which SMC 2007 leave open:

    * ``"diameter"`` (default): ``[0, diam]`` with ``diam`` the largest
      distance among the points, and the last bin never counts as a gap --
      the rule of Muellner's Python Mapper (``cutoff.histogram``) and
      TDAmapper's ``cutoff_first_bin``.  A gap must then be at least
      ``diam / n_bins`` wide, and it must lie *between* merge heights:
      empty bins below the lowest height do not count (TDAmapper likewise
      starts its bins at the lowest height), so a blob in high dimension,
      whose nearest neighbours are all far from 0, stays one cluster.  Two points always form two clusters (their one
      merge height is the diameter), so sparse cover elements fragment.
    * ``"heights"``: ``[min, max]`` of the merge heights.  Scale-free, so it
      also "finds" gaps in small or evenly-noisy samples (with fewer heights
      than bins some bin is always empty): it over-splits arcs of a noisy
      circle.  Fewer than three points or equal heights: one cluster.

    Returns integer labels 0..c-1, numbered by first appearance.
    """
    from scipy.spatial.distance import pdist

    Y = finite_array(Y, "Y", ndim=2)
    m = Y.shape[0]
    n_bins = integer(n_bins, "n_bins", minimum=2)
    if span not in ("diameter", "heights"):
        raise ValueError(f"span must be 'diameter' or 'heights', got {span!r}")
    if m < 2:
        return np.zeros(m, dtype=int)
    D = pdist(Y)
    diam = float(D.max())
    if not diam > 0:  # all points coincide
        return np.zeros(m, dtype=int)
    Z = linkage(D, method="single")
    h = Z[:, 2]
    if span == "diameter":
        edges = np.linspace(0.0, max(diam, float(h.max())), n_bins + 1)
        counts, _ = np.histogram(h, bins=edges)
        empty = np.flatnonzero(counts[:-1] == 0)
        # a gap separates merge heights: empty bins below the lowest height are not gaps
        # (in high dimensions even a tight blob has no merge near 0; cutting there would
        # shatter it into singletons, which min_cluster_size then silently drops)
        empty = empty[empty > np.flatnonzero(counts)[0]]
    else:
        if m < 3:  # one merge height: no histogram gap is possible
            return np.zeros(m, dtype=int)
        hmin, hmax = float(h.min()), float(h.max())
        if not hmax - hmin > 1e-9 * hmax:  # equal heights (up to rounding): no gap
            return np.zeros(m, dtype=int)
        edges = np.linspace(hmin, hmax, n_bins + 1)
        counts, _ = np.histogram(h, bins=edges)
        empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return np.zeros(m, dtype=int)
    # no height lies in the empty bin, so each is < threshold or >= its right edge
    threshold = edges[empty[0]]
    raw = fcluster(Z, t=threshold, criterion="distance")
    # renumber by first appearance (deterministic, independent of fcluster's order)
    _, first = np.unique(raw, return_index=True)
    rank = np.empty(len(first), dtype=int)
    rank[np.argsort(first)] = np.arange(len(first))
    _, inv = np.unique(raw, return_inverse=True)
    return rank[inv]


class GapCut:
    """The histogram-gap cut of :func:`gap_cut` as a scikit-learn style clusterer.

    Pass it wherever a clusterer with ``fit`` / ``fit_predict`` is expected -- kmapper's
    ``KeplerMapper.map(lens, X, clusterer=GapCut())``, giotto-tda's ``make_mapper_pipeline``, or
    ``sklearn.base.clone`` -- the way giotto-tda's ``FirstHistogramGap`` is used. Parameters are
    checked when ``fit`` is called (scikit-learn's convention), with a ``ValueError`` that says what
    is allowed.

    Parameters
    ----------
    n_bins : int, default 10
        Bins of the histogram of single-linkage merge heights (at least 2).
    span : {"diameter", "heights"}, default "diameter"
        The histogram's range; see :func:`gap_cut`.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
        Cluster labels ``0 .. c - 1``, numbered by first appearance.

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1]])
    >>> GapCut(n_bins=5).fit_predict(X).tolist()
    [0, 0, 0, 1, 1]
    """

    def __init__(self, n_bins: int = 10, span: str = "diameter") -> None:
        self.n_bins = n_bins
        self.span = span

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's parameters (for ``sklearn.base.clone`` and grid searches)."""
        return {"n_bins": self.n_bins, "span": self.span}

    def set_params(self, **params: Any) -> GapCut:
        """Set constructor parameters; unknown names raise ``ValueError``."""
        for key, value in params.items():
            if key not in ("n_bins", "span"):
                raise ValueError(f"GapCut has no parameter {key!r}; it has n_bins and span")
            setattr(self, key, value)
        return self

    def fit(self, X: np.ndarray, y: Any = None, sample_weight: Any = None) -> GapCut:
        """Cluster the rows of ``X`` (Euclidean distances; VNE-scale them first for the papers' metric)."""
        self.labels_ = gap_cut(X, n_bins=self.n_bins, span=self.span)
        return self

    def fit_predict(self, X: np.ndarray, y: Any = None, sample_weight: Any = None) -> np.ndarray:
        """``fit(X).labels_``."""
        return self.fit(X).labels_

    def __repr__(self) -> str:
        return f"GapCut(n_bins={self.n_bins!r}, span={self.span!r})"


def _validate_X(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array (points x features), got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("X contains NaN or infinite values")
    if X.shape[0] < 2:
        raise ValueError(f"Mapper needs at least 2 points, got {X.shape[0]}")
    return X


# --------------------------------------------------------------------------
# The graph
# --------------------------------------------------------------------------


@dataclass
class MapperGraph:
    """A Mapper graph.

    Attributes
    ----------
    nodes : list of int arrays
        Member point indices of each node (sorted).
    edges : list of (i, j), i < j
        Node pairs whose clusters share at least one point (sorted).
    node_cover : list of tuples
        For each node, the interval indices (one per lens) of its cover element.
    lens : (N, d) array
        The lens values used for the cover.
    params : dict
        ``resolution``, ``gain``, ``overlap``, ``metric``, ``n_bins``,
        ``gap_span``, ``min_cluster_size``, ``n_points``, ``lens_name``, ``intervals`` (one
        ``(resolution, 2)`` array per lens).
    """

    nodes: list
    edges: list
    node_cover: list
    lens: np.ndarray
    params: dict = field(default_factory=dict)

    # ---- counts -----------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @property
    def sizes(self) -> np.ndarray:
        """Number of points in each node."""
        return np.array([len(m) for m in self.nodes], dtype=int)

    def _adjacency(self) -> sparse.csr_matrix:
        n = self.n_nodes
        if not self.edges:
            return sparse.csr_matrix((n, n))
        e = np.asarray(self.edges)
        A = sparse.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
        return (A + A.T).tocsr()

    @property
    def n_components(self) -> int:
        """Connected components of the graph."""
        if self.n_nodes == 0:
            return 0
        from scipy.sparse.csgraph import connected_components

        return int(connected_components(self._adjacency(), directed=False)[0])

    @property
    def betti1(self) -> int:
        """First Betti number of the graph: its cycle rank ``E - V + C``.

        This counts *every* independent cycle of the 1-skeleton, triangles
        included.  With gain > 2 (consecutive intervals and the next-but-one
        overlap) or with 2-D lenses, three clusters often share a point and
        form a triangle, so a thick circle gives many graph cycles; then
        :meth:`nerve_betti1`, which fills those triangles, is the count that
        matches the loops one sees.
        """
        return self.n_edges - self.n_nodes + self.n_components

    # ---- nerve --------------------------------------------------------------
    def _incidence(self) -> sparse.csr_matrix:
        """(n_nodes, n_points) 0/1 membership matrix."""
        n_points = int(self.params.get("n_points", 0)) or (
            1 + max((int(m.max()) for m in self.nodes if len(m)), default=-1)
        )
        rows = np.repeat(np.arange(self.n_nodes), self.sizes)
        cols = np.concatenate(self.nodes) if self.nodes else np.array([], dtype=int)
        return sparse.csr_matrix(
            (np.ones(len(cols), dtype=np.int32), (rows, cols)), shape=(self.n_nodes, n_points)
        )

    def triangles(self) -> np.ndarray:
        """(T, 3) node triples (sorted) whose clusters share at least one point."""
        M = self._incidence().T.tocsr()  # points x nodes
        seen = set()
        tri = set()
        for p in range(M.shape[0]):
            nodes = M.indices[M.indptr[p] : M.indptr[p + 1]]
            if len(nodes) < 3:
                continue
            key = tuple(sorted(nodes.tolist()))
            if key in seen:
                continue
            seen.add(key)
            tri.update(combinations(key, 3))
        if not tri:
            return np.zeros((0, 3), dtype=int)
        return np.array(sorted(tri), dtype=int)

    def nerve_betti1(self) -> int:
        """First Betti number (over GF(2)) of the 2-skeleton of the nerve.

        Vertices are nodes, edges are the graph's edges, and a triangle is
        filled in whenever three clusters share a point.  Equals
        ``betti1 - rank(boundary_2)``.  (*Extension*: the papers read loops
        off the drawn graph; this is the count that is robust to the
        triangles a gain-3 cover creates.)
        """
        tri = self.triangles()
        if len(tri) == 0:
            return self.betti1
        n = self.n_nodes
        e = np.asarray(self.edges, dtype=np.int64)
        keys = e[:, 0] * n + e[:, 1]
        order = np.argsort(keys)
        skeys = keys[order]

        def eid(a, b):
            return order[np.searchsorted(skeys, a * n + b)]

        ab = eid(tri[:, 0], tri[:, 1])
        ac = eid(tri[:, 0], tri[:, 2])
        bc = eid(tri[:, 1], tri[:, 2])
        pivots: dict[int, int] = {}
        for x, y, z in zip(ab.tolist(), ac.tolist(), bc.tolist()):
            col = (1 << x) | (1 << y) | (1 << z)
            while col:
                p = col.bit_length() - 1
                other = pivots.get(p)
                if other is None:
                    pivots[p] = col
                    break
                col ^= other
        return self.betti1 - len(pivots)

    # ---- exports --------------------------------------------------------------
    def to_networkx(self):
        """``networkx.Graph`` with node attributes ``size``, ``members``, ``cover``."""
        import networkx as nx

        G = nx.Graph()
        for i, (m, c) in enumerate(zip(self.nodes, self.node_cover)):
            G.add_node(i, size=len(m), members=m, cover=c)
        G.add_edges_from(self.edges)
        return G

    def node_means(self, X: np.ndarray) -> np.ndarray:
        """(n_nodes, ...) mean of ``X`` over each node's members (e.g. mean patch)."""
        X = np.asarray(X)
        if X.shape[0] != self.params.get("n_points", X.shape[0]):
            raise ValueError(
                f"X has {X.shape[0]} rows but the graph was built on {self.params['n_points']} points"
            )
        return np.stack([X[m].mean(axis=0) for m in self.nodes]) if self.nodes else X[:0]

    @property
    def name(self) -> str:
        g = self.params.get("gain", float("nan"))
        gs = f"{g:g}"
        return f"Mapper({self.params.get('resolution', '?')},{gs})"

    def summary(self, nerve: bool = True) -> str:
        """One line, e.g. ``"Mapper(30,3): 87 nodes, 95 edges, 1 component, 1 cycle (nerve b1 = 1)"``.

        "cycles" is the graph's cycle rank :attr:`betti1`; with ``nerve=True``
        (default) the nerve's first Betti number (:meth:`nerve_betti1`) is
        appended, since a gain-3 or 2-D cover makes the graph cycle rank count
        every triangle.
        """

        def plural(k, word):
            return f"{k} {word}" + ("" if k == 1 else "s")

        s = (
            f"{self.name}: {plural(self.n_nodes, 'node')}, {plural(self.n_edges, 'edge')}, "
            f"{plural(self.n_components, 'component')}, {plural(self.betti1, 'cycle')}"
        )
        if nerve:
            s += f" (nerve b1 = {self.nerve_betti1()})"
        return s

    def __repr__(self) -> str:  # keep notebooks readable: no member dumps
        return f"<MapperGraph {self.summary(nerve=False)}>"


# --------------------------------------------------------------------------
# Construction
# --------------------------------------------------------------------------


def _cover_memberships(lens: np.ndarray, resolution: int, gain: float):
    """For each lens dimension: (intervals, list of (point_idx, interval_idx) pairs)."""
    N, d = lens.shape
    per_dim = []
    all_intervals = []
    for j in range(d):
        x = lens[:, j]
        lo, hi = float(x.min()), float(x.max())
        R = hi - lo
        if not R > 0:
            # constant lens: a single cover element holding every point
            intervals = np.array([[lo, hi]])
            per_dim.append((np.arange(N), np.zeros(N, dtype=int)))
            all_intervals.append(intervals)
            continue
        intervals = cover_intervals(lo, hi, resolution, gain)
        length = intervals[0, 1] - intervals[0, 0]
        step = length * (1.0 - _overlap(gain))
        t = (x - lo) / step
        tol = _EPS * max(1.0, float(resolution))
        k_hi = np.minimum(np.floor(t + tol), resolution - 1).astype(int)
        k_lo = np.maximum(np.ceil(t - length / step - tol), 0).astype(int)
        counts = k_hi - k_lo + 1
        pts = np.repeat(np.arange(N), counts)
        offs = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        ks = np.repeat(k_lo, counts) + offs
        # exact check (guards the tolerance): keep pairs with x inside [a - tol*L, b + tol*L]
        a, b = intervals[ks, 0], intervals[ks, 1]
        ok = (x[pts] >= a - tol * length) & (x[pts] <= b + tol * length)
        per_dim.append((pts[ok], ks[ok]))
        all_intervals.append(intervals)
    return per_dim, all_intervals


def _cover_elements(lens: np.ndarray, resolution: int, gain: float):
    """Yield (cover_tuple, point_indices) for every non-empty product cover element."""
    per_dim, intervals = _cover_memberships(lens, resolution, gain)
    N = lens.shape[0]
    # combine dimensions: list of (point, code) pairs; code = mixed-radix cover index
    pts, code = per_dim[0][0], per_dim[0][1].astype(np.int64)
    radices = [len(iv) for iv in intervals]
    for j in range(1, len(per_dim)):
        p2, k2 = per_dim[j]
        # for each point, cross its current codes with its intervals in dim j
        order1 = np.argsort(pts, kind="stable")
        pts, code = pts[order1], code[order1]
        order2 = np.argsort(p2, kind="stable")
        p2, k2 = p2[order2], k2[order2]
        c1 = np.bincount(pts, minlength=N)
        c2 = np.bincount(p2, minlength=N)
        s1 = np.concatenate([[0], np.cumsum(c1)])
        s2 = np.concatenate([[0], np.cumsum(c2)])
        # vectorised cross product per point via repeat tricks
        reps = c1 * c2
        P = np.repeat(np.arange(N), reps)
        # index within each point's block
        within = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        c2r = np.repeat(c2, reps)
        i1 = np.repeat(s1[:-1], reps) + within // np.maximum(c2r, 1)
        i2 = np.repeat(s2[:-1], reps) + within % np.maximum(c2r, 1)
        new_pts = P
        new_code = code[i1] * radices[j] + k2[i2]
        pts, code = new_pts, new_code
    order = np.lexsort((pts, code))
    pts, code = pts[order], code[order]
    if len(code) == 0:
        return intervals, []
    cut = np.flatnonzero(np.diff(code)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [len(code)]])
    elements = []
    for s, e in zip(starts, ends):
        c = int(code[s])
        tup = []
        for r in reversed(radices):
            tup.append(c % r)
            c //= r
        elements.append((tuple(reversed(tup)), pts[s:e]))
    return intervals, elements


def mapper_graph(
    X: np.ndarray,
    resolution: int = 30,
    gain: float = 3.0,
    lens: np.ndarray | None = None,
    metric: str = "vne",
    n_bins: int = 10,
    min_cluster_size: int = 1,
    *,
    gap_span: str = "diameter",
    clusterer: Any = None,
) -> MapperGraph:
    """Build ``Mapper(resolution, gain)`` of the point cloud ``X`` (N x D).

    Parameters
    ----------
    X : (N, D) array
        The points (for filter chapters: mean-centred, unit-norm 3x3 filters).
    resolution : int
        Number of intervals per lens (Ayasdi's "resolution"); the cover of a
        2-D lens is ``resolution x resolution``.
    gain : float > 1
        Ayasdi's gain: consecutive intervals overlap by the fraction
        ``o = 1 - 1/gain`` of their length (gain 3 -> 2/3, gain 2 -> 1/2).
        Interval length ``L = range / (n - (n - 1) o)`` and step
        ``s = L (1 - o)`` for ``n = resolution`` intervals spanning the lens
        range exactly (see :func:`cover_intervals`).
    lens : (N,) or (N, d) array, d in 1..3, optional
        Lens values.  Default: PCA 1 and PCA 2 of ``X`` (:func:`pca_lens`, sign
        fixed so the largest loading of each axis is positive).
    metric : "vne" or "euclidean"
        "vne" (the papers'): Euclidean distance after dividing each coordinate
        by its standard deviation over the *whole* point cloud (:func:`vne_scale`;
        the paper says "variance", the book takes the standard deviation).
    n_bins : int
        Histogram bins of the gap heuristic (:func:`gap_cut`).  Single linkage
        with the Singh-Memoli-Carlsson 2007 histogram-gap cut stands in for
        Ayasdi's unpublished threshold heuristic (paper 001 ref. [12]).
    min_cluster_size : int
        Clusters with fewer points are dropped (default 1 keeps all).
    gap_span : "diameter" or "heights"
        Range of the gap histogram (:func:`gap_cut`): ``[0, diameter]`` of the
        cover element (Python Mapper's rule, default) or ``[min, max]`` of the
        merge heights.
    clusterer : object with ``fit_predict(Y)``, optional
        The clustering stage, swappable as in kmapper's ``map(..., clusterer=...)``: any
        scikit-learn style clusterer, run on each cover element's points (after the metric's
        scaling). Negative labels (DBSCAN's noise) are dropped. Default:
        ``GapCut(n_bins, gap_span)``, the papers' stand-in (:class:`GapCut`).

    Returns
    -------
    MapperGraph
        Nodes are the clusters (ordered by cover element, then cluster);
        an edge joins two nodes that share at least one point.
    """
    X = _validate_X(X)
    N = X.shape[0]
    _check_cover_params(resolution, gain)
    n_bins = integer(n_bins, "n_bins", minimum=2)
    if int(min_cluster_size) < 1:
        raise ValueError(f"min_cluster_size must be >= 1, got {min_cluster_size}")
    if gap_span not in ("diameter", "heights"):
        raise ValueError(f"gap_span must be 'diameter' or 'heights', got {gap_span!r}")
    if metric == "vne":
        Y = vne_scale(X)
    elif metric == "euclidean":
        Y = X
    else:
        raise ValueError(f"metric must be 'vne' or 'euclidean', got {metric!r}")

    if lens is None:
        if X.shape[1] < 2:
            raise ValueError("default PCA 1-2 lens needs at least 2 features; pass lens=")
        L = pca_lens(X, 2)
        lens_name = ["PCA 1", "PCA 2"]
    else:
        L = np.asarray(lens, dtype=float)
        if L.ndim == 1:
            L = L[:, None]
        if L.ndim != 2 or L.shape[0] != N:
            raise ValueError(f"lens must have shape (N,) or (N, d) with N = {N}, got {L.shape}")
        if not 1 <= L.shape[1] <= 3:
            raise ValueError(f"lens must have 1 to 3 columns, got {L.shape[1]}")
        if not np.all(np.isfinite(L)):
            raise ValueError("lens contains NaN or infinite values")
        lens_name = [f"lens {j + 1}" for j in range(L.shape[1])]

    intervals, elements = _cover_elements(L, int(resolution), float(gain))

    custom = clusterer is not None
    if not custom:
        clusterer = GapCut(n_bins=n_bins, span=gap_span)
    elif not callable(getattr(clusterer, "fit_predict", None)):
        raise ValueError(f"clusterer must have a fit_predict(X) method (a scikit-learn clusterer); got {clusterer!r}")
    nodes, node_cover = [], []
    for cov, idx in elements:
        labels = np.asarray(clusterer.fit_predict(Y[idx]))
        if labels.shape != (len(idx),):
            raise ValueError(f"clusterer {clusterer!r} returned {labels.shape} labels for {len(idx)} points")
        for c in np.unique(labels[labels >= 0]):
            members = np.sort(idx[labels == c])
            if len(members) >= min_cluster_size:
                nodes.append(members)
                node_cover.append(cov)

    edges = _shared_point_edges(nodes, N)
    params = {
        "resolution": int(resolution),
        "gain": float(gain),
        "overlap": _overlap(gain),
        "metric": metric,
        "n_bins": n_bins,
        "gap_span": gap_span,
        "min_cluster_size": int(min_cluster_size),
        "n_points": N,
        "lens_name": lens_name,
        "intervals": intervals,
    }
    if custom:
        params["clusterer"] = repr(clusterer)
    return MapperGraph(nodes=nodes, edges=edges, node_cover=node_cover, lens=L, params=params)


def _shared_point_edges(nodes: list, n_points: int) -> list:
    if len(nodes) < 2:
        return []
    sizes = np.array([len(m) for m in nodes])
    rows = np.repeat(np.arange(len(nodes)), sizes)
    cols = np.concatenate(nodes)
    M = sparse.csr_matrix(
        (np.ones(len(cols), dtype=np.int32), (rows, cols)), shape=(len(nodes), n_points)
    )
    C = sparse.triu(M @ M.T, k=1).tocoo()
    keep = C.data > 0
    pairs = sorted(zip(C.row[keep].tolist(), C.col[keep].tolist()))
    return [(int(i), int(j)) for i, j in pairs]


# the drawing stage lives in its own module; its names stay importable from here
from .mapper_draw import graph_dict, mapper_html, mapper_iframe, plot_mapper  # noqa: E402
