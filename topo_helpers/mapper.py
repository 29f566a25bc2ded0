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
``plot_mapper``       static matplotlib figure (nodes coloured by size)
``mapper_html``       self-contained, offline KeplerMapper HTML page
``mapper_iframe``     that page as an ``IPython.display.HTML`` iframe
"""

from __future__ import annotations

import base64
import html as _html
import io
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
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


# --------------------------------------------------------------------------
# Static figure
# --------------------------------------------------------------------------


def _stress_layout(D: np.ndarray, n_iter: int = 300) -> np.ndarray:
    """2-D stress-majorisation layout of a connected graph's distance matrix.

    Classical MDS start (eigenvector signs fixed), then Jacobi updates of
    Gansner-Koren-North (2004) stress majorisation with weights d^-2: the
    Kamada-Kawai energy, but vectorised and deterministic.
    """
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    vals, vecs = np.linalg.eigh(B)
    top = vecs[:, ::-1][:, :2] * np.sqrt(np.maximum(vals[::-1][:2], 1e-12))
    for k in range(2):
        j = int(np.argmax(np.abs(top[:, k])))
        if top[j, k] < 0:
            top[:, k] = -top[:, k]
    P = top + 1e-6 * np.arange(n)[:, None] / n  # break exact coincidences
    W = np.zeros_like(D)
    off = D > 0
    W[off] = D[off] ** -2.0
    wsum = W.sum(axis=1)[:, None]
    WD = W * D
    for _ in range(n_iter):
        sq = (P**2).sum(1)
        dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * P @ P.T, 0.0))
        R = np.where(off, WD / np.maximum(dist, 1e-9), 0.0)  # w_ij d_ij / |p_i - p_j|
        # x_i <- sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) / sum_j w_ij
        P = (W @ P + R.sum(1)[:, None] * P - R @ P) / wsum
    return P


def _layout(graph: MapperGraph, seed: int = 0) -> np.ndarray:
    """Deterministic layout: stress majorisation per component, components tiled.

    Components larger than 1,500 nodes fall back to networkx's spring layout
    with the given seed.
    """
    from scipy.sparse.csgraph import connected_components, shortest_path

    n = graph.n_nodes
    if n == 0:
        return np.zeros((0, 2))
    A = graph._adjacency()
    n_comp, lab = connected_components(A, directed=False)
    comps = [np.flatnonzero(lab == c) for c in range(n_comp)]
    comps.sort(key=lambda c: (-len(c), int(c[0])))
    biggest = len(comps[0])
    ncol = max(1, math.ceil(math.sqrt(len(comps))))
    pos = np.zeros((n, 2))
    for k, comp in enumerate(comps):
        m = len(comp)
        if m == 1:
            arr = np.zeros((1, 2))
        elif m <= 1500:
            D = shortest_path(A[comp][:, comp], directed=False, unweighted=True)
            arr = _stress_layout(D, n_iter=300 if m <= 400 else 100)
        else:
            import networkx as nx

            G = nx.Graph()
            G.add_nodes_from(range(m))
            sub = A[comp][:, comp].tocoo()
            G.add_edges_from(zip(sub.row.tolist(), sub.col.tolist()))
            p = nx.spring_layout(G, seed=seed, iterations=100)
            arr = np.array([p[i] for i in range(m)])
        arr = arr - arr.mean(axis=0)
        span = np.abs(arr).max() or 1.0
        scale = max(0.45 * math.sqrt(m / biggest), 0.06)
        offset = np.array([k % ncol, -(k // ncol)], dtype=float)
        pos[comp] = arr / span * scale + offset
    return pos


def _spread_choice(pos: np.ndarray, k: int, start: int) -> list:
    """Farthest-point sample of k node indices in the layout, from ``start``."""
    n = len(pos)
    k = min(k, n)
    if k <= 0:
        return []
    chosen = [start]
    d = np.linalg.norm(pos - pos[start], axis=1)
    while len(chosen) < k:
        i = int(np.argmax(d))
        if d[i] <= 0:
            break
        chosen.append(i)
        d = np.minimum(d, np.linalg.norm(pos - pos[i], axis=1))
    return chosen


def plot_mapper(
    graph: MapperGraph,
    ax=None,
    node_patches: np.ndarray | None = None,
    n_thumbnails: int = 12,
    seed: int = 0,
    title: str | None = None,
):
    """Draw a Mapper graph; nodes coloured by size (blue small -> red large).

    Layout: Kamada-Kawai per connected component (<= 400 nodes) or a seeded
    spring layout, so the picture is deterministic.  If ``node_patches``
    (``(n_nodes, h, w)``, e.g. ``graph.node_means(X).reshape(-1, 3, 3)``) is
    given, the mean patch of about ``n_thumbnails`` nodes spread around the
    graph (farthest-point sampling in the layout, starting at the largest
    node) is drawn as a small grey thumbnail (mid-grey = 0) next to the node.
    Returns the figure; never calls ``plt.show()``.
    """
    import matplotlib.pyplot as plt
    from matplotlib import cm, colors
    from matplotlib.collections import LineCollection
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 6))
    else:
        fig = ax.figure
    pos = _layout(graph, seed=seed)
    sizes = graph.sizes
    if graph.n_edges:
        e = np.asarray(graph.edges)
        ax.add_collection(
            LineCollection(pos[e], colors="0.55", linewidths=0.8, zorder=1)
        )
    if graph.n_nodes:
        norm = colors.Normalize(vmin=sizes.min(), vmax=max(sizes.max(), sizes.min() + 1))
        cmap = plt.get_cmap(SIZE_CMAP)
        marker = 12 + 60 * np.sqrt(sizes / sizes.max())
        ax.scatter(
            pos[:, 0], pos[:, 1], s=marker, c=sizes, cmap=cmap, norm=norm,
            edgecolors="k", linewidths=0.4, zorder=2,
        )
        sm = cm.ScalarMappable(norm=norm, cmap=cmap)
        sm.set_array([])
        fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.02, shrink=0.7, label="points per node")

    if node_patches is not None and graph.n_nodes:
        P = np.asarray(node_patches, dtype=float)
        if P.shape[0] != graph.n_nodes:
            raise ValueError(
                f"node_patches has {P.shape[0]} entries, graph has {graph.n_nodes} nodes"
            )
        if P.ndim == 2:  # flattened square patches
            side = round(math.sqrt(P.shape[1]))
            if side * side != P.shape[1]:
                raise ValueError("flattened node_patches must have a square number of columns")
            P = P.reshape(-1, side, side)
        span = np.ptp(pos, axis=0).max() if graph.n_nodes > 1 else 1.0
        centre = pos.mean(axis=0)
        chosen = _spread_choice(pos, n_thumbnails, int(np.argmax(sizes)))
        for i in chosen:
            patch = P[i]
            vmax = np.abs(patch).max() or 1.0
            img = OffsetImage(
                patch, cmap="gray", norm=colors.Normalize(vmin=-vmax, vmax=vmax), zoom=max(2.0, 18.0 / patch.shape[0]),
                interpolation="nearest",
            )
            direction = pos[i] - centre
            nd = np.linalg.norm(direction)
            direction = direction / nd if nd > 0 else np.array([0.0, 1.0])
            ab = AnnotationBbox(
                img, pos[i], xybox=tuple(pos[i] + 0.09 * span * direction),
                xycoords="data", boxcoords="data", frameon=True, pad=0.1,
                bboxprops={"edgecolor": "0.3", "linewidth": 0.5},
                arrowprops={"arrowstyle": "-", "color": "0.3", "linewidth": 0.5},
                zorder=3,
            )
            ax.add_artist(ab)
    if graph.n_nodes:
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        pad = 0.15 * max((hi - lo).max(), 1e-9)
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title if title is not None else graph.summary())
    return fig


# --------------------------------------------------------------------------
# Interactive HTML (KeplerMapper, made offline)
# --------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("topo_helpers").joinpath("assets", name).read_text(encoding="utf-8")


def _size_colorscale(n: int = 11) -> list:
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap(SIZE_CMAP)
    out = []
    for t in np.linspace(0, 1, n):
        r, g, b, _ = cmap(t)
        out.append([round(float(t), 3), f"rgb({round(255 * r)}, {round(255 * g)}, {round(255 * b)})"])
    return out


def _node_name(i: int, cover: tuple) -> str:
    return f"node{i}_cube{'-'.join(str(c) for c in cover)}"


_MAX_TOOLTIP_MEMBERS = 12


def graph_dict(graph: MapperGraph) -> dict:
    """The ``{"nodes", "links", "simplices", "meta_data"}`` dict KeplerMapper expects."""
    names = [_node_name(i, c) for i, c in enumerate(graph.node_cover)]
    nodes = {names[i]: [int(v) for v in m] for i, m in enumerate(graph.nodes)}
    links: dict[str, list] = {}
    for i, j in graph.edges:
        links.setdefault(names[i], []).append(names[j])
    simplices = [[n] for n in names] + [[names[i], names[j]] for i, j in graph.edges]
    p = graph.params
    meta = {
        "projection": ", ".join(p.get("lens_name", [])),
        "n_cubes": p.get("resolution"),
        "perc_overlap": p.get("overlap"),
        "clusterer": f"single linkage, SMC-2007 gap heuristic (n_bins={p.get('n_bins')}, "
        f"span={p.get('gap_span')})",
        "scaler": "VNE (divide by standard deviation)" if p.get("metric") == "vne" else p.get("metric"),
    }
    return {"nodes": nodes, "links": links, "simplices": simplices, "meta_data": meta}


def _png_data_uri(patch: np.ndarray, scale: int = 12) -> str:
    """Tiny grey PNG of a patch (mid-grey = 0), nearest-neighbour upscaled."""
    from PIL import Image

    p = np.asarray(patch, dtype=float)
    vmax = np.abs(p).max() or 1.0
    g = np.clip(np.round(127.5 + 127.5 * p / vmax), 0, 255).astype(np.uint8)
    g = np.kron(g, np.ones((scale, scale), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(g, mode="L").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _js_json(obj) -> str:
    """JSON safe to put inside <script> (as Jinja's ``tojson`` escapes it)."""
    s = json.dumps(obj, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    return (
        s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
    )


_CDN_D3 = re.compile(r'<script\s+src="https?://[^"]*d3[^"]*"\s*>\s*</script>')
_CDN_SAVER = re.compile(r'<script\s+src="https?://[^"]*[Ff]ile-?[Ss]aver[^"]*"\s*>\s*</script>')
_FAVICON = re.compile(r"<link\s+rel=\"icon\"[^>]*>\s*")
_FONTS = re.compile(r"<link\s+href=['\"]https?://fonts\.googleapis\.com[^>]*>\s*")
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _inline_script(code: str) -> str:
    if re.search(r"</script", code, re.IGNORECASE):
        raise RuntimeError("vendored script contains '</script': cannot inline it safely")
    return "<script>" + code + "</script>"


# KeplerMapper's force layout (charge -1200) spreads large graphs far outside the view; once the
# layout has settled (and twice before, for impatient readers), zoom so the whole graph fits.
_FIT_SCRIPT = """<script>
window.addEventListener('load', function () {
  function fit() {
    try {
      var box = g.node().getBBox();
      if (!box.width || !box.height) return;
      var W = +svg.attr('width') || window.innerWidth, H = +svg.attr('height') || window.innerHeight;
      var s = Math.min(max_zoom, 0.9 * Math.min(W / box.width, H / box.height));
      zoom.scaleExtent([Math.min(min_zoom, s), max_zoom]);
      svg.call(zoom.transform, d3.zoomIdentity
        .translate(W / 2 - s * (box.x + box.width / 2), H / 2 - s * (box.y + box.height / 2)).scale(s));
    } catch (e) { /* KeplerMapper internals changed: leave the view as it is */ }
  }
  if (typeof simulation !== 'undefined') simulation.on('end.fit', fit);
  setTimeout(fit, 1200);
  setTimeout(fit, 3500);
});
</script>"""


def _make_offline(html: str) -> str:
    """Inline vendored d3 6.1.1 and FileSaver, drop favicon and web font."""
    html, n_d3 = _CDN_D3.subn(lambda m: _inline_script(_asset("d3.min.js")), html, count=1)
    html, n_fs = _CDN_SAVER.subn(lambda m: _inline_script(_asset("FileSaver.min.js")), html, count=1)
    if n_d3 != 1 or n_fs != 1:
        raise RuntimeError(
            "KeplerMapper's template changed: could not find its d3 / FileSaver CDN <script> tags "
            f"(found d3: {n_d3}, FileSaver: {n_fs})"
        )
    html = _FAVICON.sub("", html)
    html = _FONTS.sub("", html)
    if "</body>" not in html:
        raise RuntimeError("KeplerMapper's template changed: no </body> to attach the fit-to-view script")
    html = html.replace("</body>", _FIT_SCRIPT + "\n</body>", 1)
    # check tags only: the inlined JavaScript holds URL strings (namespaces, comments)
    tags_only = re.sub(r"<script>.*?</script>", "<script></script>", html, flags=re.DOTALL)
    bad = _EXTERNAL.findall(tags_only)
    if bad:
        raise RuntimeError(f"HTML still loads external resources ({len(bad)}): template changed?")
    return html


def _replace_const(html: str, name: str, value) -> str:
    pat = re.compile(r"^(\s*const " + re.escape(name) + r" = )(.*);\s*$", re.MULTILINE)
    out, n = pat.subn(lambda m: m.group(1) + _js_json(value) + ";", html, count=1)
    if n != 1:
        raise RuntimeError(f"KeplerMapper's template changed: no 'const {name} = ...;' line")
    return out


def _read_const(html: str, name: str):
    m = re.search(r"^\s*const " + re.escape(name) + r" = (.*);\s*$", html, re.MULTILINE)
    if m is None:
        raise RuntimeError(f"KeplerMapper's template changed: no 'const {name} = ...;' line")
    return json.loads(m.group(1))


def mapper_html(
    graph: MapperGraph,
    X: np.ndarray | None = None,
    title: str = "",
    node_patches: np.ndarray | None = None,
    path: str | None = None,
    lens_colours: bool = False,
) -> str:
    """Self-contained, offline KeplerMapper page of ``graph``; returns the HTML.

    Nodes are coloured by size (number of points; blue small -> red large);
    with ``lens_colours`` the colour menu also offers the mean of each lens
    (a larger page).  Tooltips list the first few member ids of a node.  ``X`` (N x D) adds
    KeplerMapper's per-node feature statistics.  ``node_patches``
    (``(n_nodes, h, w)``) adds the node's mean patch as a tiny base64 PNG at
    the top of its member list.  d3 6.1.1 and FileSaver.js are inlined from
    ``topo_helpers/assets`` and the favicon and web-font links are dropped, so
    the page needs no network; a ``RuntimeError`` is raised if any external
    ``src=``/``href=`` remains (KeplerMapper's template changed).  If ``path``
    is given the page is also written there.
    """
    import warnings

    import kmapper

    if graph.n_nodes == 0:
        raise ValueError("graph has no nodes: nothing to draw")
    N = int(graph.params.get("n_points", graph.lens.shape[0]))
    if X is not None:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.shape[0] != N:
            raise ValueError(f"X has {X.shape[0]} rows, graph was built on {N} points")
    sizes = graph.sizes
    smin, smax = int(sizes.min()), int(sizes.max())
    size01 = (sizes - smin) / max(smax - smin, 1)
    # per-point value for KeplerMapper's member histograms: largest node holding the point
    point_size = np.zeros(N)
    for m, v in zip(graph.nodes, size01):
        point_size[m] = np.maximum(point_size[m], v)
    L = np.asarray(graph.lens, dtype=float)
    lens_names = list(graph.params.get("lens_name", [f"lens {j + 1}" for j in range(L.shape[1])]))
    color_values, color_names = point_size[:, None], ["Points per node"]
    if lens_colours:  # each colour function adds a histogram per node: ~1 kB a node
        color_values = np.column_stack([point_size, L])
        color_names += [f"{n} (mean)" for n in lens_names]
    colorscale = _size_colorscale()
    gd = graph_dict(graph)
    p = graph.params
    custom_meta = {
        "Mapper": f"{graph.name}: resolution {p.get('resolution')}, gain {p.get('gain'):g} "
        f"(overlap {p.get('overlap'):.3f})",
        "Lens": ", ".join(lens_names),
        "Metric": "VNE (coordinates divided by their standard deviation)"
        if p.get("metric") == "vne" else str(p.get("metric")),
        "Clustering": f"single linkage, SMC-2007 gap heuristic ({p.get('n_bins')} bins, "
        f"span {p.get('gap_span')}); "
        "stands in for Ayasdi's unpublished heuristic",
        "Graph": graph.summary(),
        "Node colour": f"points per node, {smin} (blue) to {smax} (red)",
    }
    km = kmapper.KeplerMapper(verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = km.visualize(
            gd,
            color_values=color_values,
            color_function_name=color_names,
            node_color_function="mean",
            colorscale=colorscale,
            custom_tooltips=np.arange(N),
            custom_meta=custom_meta,
            save_file=False,
            title=_html.escape(title or graph.summary()),
            X=X,
            X_names=None if X is None else [f"x{j}" for j in range(X.shape[1])],
            lens=L,
            lens_names=lens_names,
        )

    # colour nodes by their own size (KeplerMapper can only average point values)
    data = _read_const(html, "graph")
    if len(data["nodes"]) != graph.n_nodes:
        raise RuntimeError("KeplerMapper returned a different number of nodes")
    patches = None
    if node_patches is not None:
        patches = np.asarray(node_patches, dtype=float)
        if patches.shape[0] != graph.n_nodes:
            raise ValueError(f"node_patches has {patches.shape[0]} entries, graph has {graph.n_nodes} nodes")
        if patches.ndim == 2:
            side = round(math.sqrt(patches.shape[1]))
            patches = patches.reshape(-1, side, side)
    name_to_i = {_node_name(i, c): i for i, c in enumerate(graph.node_cover)}
    for node in data["nodes"]:
        i = name_to_i[node["name"]]
        node["color"][0][0] = float(size01[i])
        tt = node["tooltip"]
        members = tt["custom_tooltips"]  # member ids: list a few, so large graphs stay light
        tt["custom_tooltips"] = [f"#{v}" for v in members[:_MAX_TOOLTIP_MEMBERS]]
        if len(members) > _MAX_TOOLTIP_MEMBERS:
            tt["custom_tooltips"].append(f"... and {len(members) - _MAX_TOOLTIP_MEMBERS} more")
        head = f"<b>{sizes[i]} points</b>"
        if patches is not None:
            head = (
                f"<img src=\"{_png_data_uri(patches[i])}\" width=\"36\" height=\"36\" "
                f"style=\"image-rendering:pixelated;vertical-align:middle\" "
                f"alt=\"mean patch\"> mean patch, " + head
            )
        tt["custom_tooltips"].insert(0, head)
    html = _replace_const(html, "graph", data)

    from kmapper.visuals import _build_histogram  # same bars/colours as KeplerMapper's

    hist = _read_const(html, "summary_histogram")
    hist[0][0] = _build_histogram(size01, colorscale=colorscale)
    html = _replace_const(html, "summary_histogram", hist)

    html = _make_offline(html)
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(html)
    return html


def mapper_iframe(html: str, height: int = 600):
    """``IPython.display.HTML`` holding ``<iframe srcdoc=...>`` of a page.

    The page is HTML-escaped into the ``srcdoc`` attribute, so a notebook (and
    the Jupyter Book built from it) shows it with no network and without its
    scripts leaking into the host page.
    """
    from IPython.display import HTML

    doc = _html.escape(html, quote=True)
    return HTML(
        f'<div class="topo-mapper"><iframe srcdoc="{doc}" style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        f'sandbox="allow-scripts allow-downloads" loading="lazy"></iframe></div>'
    )
