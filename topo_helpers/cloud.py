"""One filter cloud, the papers' whole pipeline: rho(k, p) -> barcodes -> Mapper -> circle fit.

The filter chapters (CIFAR-10, VGG16) repeat the same steps on many point clouds (layers,
checkpoints, colour channels). :func:`analyse_cloud` runs them once and keeps the timings;
:func:`primary_circle_fit` measures how much of a cloud sits on the idealised primary circle
and whether it covers every edge orientation (a number to put beside a Mapper picture);
:func:`subsample` and :func:`scaled_k` implement the small profiles' scaled-down clouds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .patches import (  # noqa: F401  (re-exported: their home is topo_helpers.patches)
    ORIENTATION_NAMES,
    angle_coverage,
    describe_patch,
    klein_bottle_fit,
    patch_type_names,
    patch_types,
    primary_circle_fit,
)
from .shapes import CIRCLE_RULE, CircleTest, primary_circle_test  # noqa: F401  (re-exported: their home is topo_helpers.shapes)
from .validate import integer

__all__ = [
    "CIRCLE_RULE", "CircleTest", "primary_circle_test", "ideal_circle_control",
    "CloudAnalysis", "analyse_cloud", "core_barcodes", "klein_bottle_fit", "primary_circle_fit", "subsample", "scaled_k",
    "patch_types", "patch_type_names", "describe_patch", "angle_coverage",
]


def subsample(X: np.ndarray, max_points: int | None, seed: int = 0) -> np.ndarray:
    """At most ``max_points`` rows of ``X``, drawn without replacement (seeded); all if None or fewer.

    The kept rows stay in their original order.
    """
    X = np.asarray(X)
    if max_points is None or len(X) <= max_points:
        return X
    if max_points < 1:
        raise ValueError(f"max_points must be >= 1; got {max_points}")
    idx = np.sort(np.random.default_rng(seed).choice(len(X), int(max_points), replace=False))
    return X[idx]


def scaled_k(k: int, n_used: int, n_full: int, k_min: int = 10) -> int:
    """The paper's ``k`` for ``n_full`` points, scaled to the ``n_used`` points a chapter has.

    The book's one rule for every chapter (fewer networks, a subsample of a layer):
    ``round(k * n_used / n_full)`` keeps the k-th neighbour at about the same fraction of the cloud
    (the same radius on a uniform subsample); it is clipped to ``[min(k, k_min), n_used - 1]`` so
    that a small cloud still averages over a few neighbours (k of 1 or 2 is a noisy density
    estimate). Equal to ``k`` when nothing was dropped, never more.

    Raises
    ------
    ValueError
        For fewer than 2 points, or a non-positive ``k`` or ``n_full``.
    """
    k = integer(k, "k")
    n_used = integer(n_used, "n_used")
    n_full = integer(n_full, "n_full")
    if n_used < 2:
        raise ValueError(f"rho(k, p) needs at least 2 points; got {n_used}")
    if k < 1 or n_full < 1:
        raise ValueError(f"k and the paper's number of points must be positive; got k={k}, n_full={n_full}")
    if n_used >= n_full:
        return int(min(k, n_used - 1))
    s = int(round(k * n_used / n_full))
    return int(min(max(s, min(k, k_min)), n_used - 1))


def ideal_circle_control(X: np.ndarray, k: int | None = None, p: float | None = None, *, n_landmarks: int = 100,
                         nu: int = 2, noise: float = 0.1, seed: int = 0) -> CircleTest:
    """The idealised control of a measured cloud: could the pipeline see a circle in a cloud like this one?

    A cloud of ``X``'s size with ``X``'s measured share within 0.5 of the circle placed on an idealised
    primary circle (``noise`` per pixel), the rest uniform on the sphere of normalised filters
    (:func:`topo_helpers.cifar.diluted_model_sample`), then the same pipeline as ``X``: the density
    filtration rho(``k``, ``p``), lazy witness barcodes and :func:`primary_circle_test`. When the
    control fails the rule too, "no circle" in ``X`` says nothing (the test is blind at this size and
    composition) and the verdict is inconclusive; when it passes and ``X`` does not, the circle is
    really missing.

    Pass the cloud *before* its density filtration together with ``k`` and ``p``: the filtration is
    what removes the scattered filters, and an unfiltered sample with a third of its points spread
    over the 7-sphere shows no circle at any size (max-min landmarks pick the scattered points first).
    With ``k = p = None`` the control is unfiltered, for clouds a chapter analyses unfiltered.

    Raises
    ------
    ValueError
        As :func:`primary_circle_test`; also for a cloud of fewer than 3 points, or only one of
        ``k`` and ``p``.
    """
    from .cifar import diluted_model_sample

    A = np.asarray(X, dtype=np.float64)
    if A.ndim != 2 or A.shape[1] != 9 or len(A) < 3:
        raise ValueError(f"X must be (N, 9) normalised filters with N >= 3; got shape {A.shape}")
    if not np.isfinite(A).all():
        raise ValueError("the cloud holds NaN or inf; filter or normalise the filters first (filters.spatial_filters)")
    if (k is None) != (p is None):
        raise ValueError("give both k and p of the density filtration rho(k, p), or neither (no filtration)")
    share = primary_circle_fit(A)["frac_near"]
    S = diluted_model_sample(len(A), share, "primary", noise=noise, seed=seed)
    res = analyse_cloud(S, k, p, mapper=False, n_landmarks=n_landmarks, nu=nu, seed=seed)
    return res.circle_test()


@dataclass
class CloudAnalysis:
    """The result of :func:`analyse_cloud`.

    Attributes
    ----------
    n_points : int
        Size of the input cloud.
    k, p : int or None, float or None
        The density filtration used (None: none).
    core : np.ndarray
        The filtered cloud (the whole cloud without filtration).
    barcodes : topo_helpers.persistence.Barcodes or None
        Lazy witness barcodes of the core (None if not asked for).
    graph : topo_helpers.mapper.MapperGraph or None
        Mapper of the core (None if not asked for).
    circle : dict
        :func:`primary_circle_fit` of the core.
    timings : dict
        Seconds for ``density``, ``barcodes``, ``mapper``.
    """

    n_points: int
    k: int | None
    p: float | None
    core: np.ndarray
    barcodes: Any = None
    graph: Any = None
    circle: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    @property
    def h1_max(self) -> float:
        """Most persistent (finite) H1 lifetime of the core's witness barcodes (nan if none)."""
        return float("nan") if self.barcodes is None else float(self.barcodes.most_persistent(1))

    @property
    def n_h1(self) -> int:
        """Number of persistent H1 bars (``Barcodes.n_persistent(1)``; -1 without barcodes)."""
        return -1 if self.barcodes is None else int(self.barcodes.n_persistent(1))

    @property
    def loops(self) -> int:
        """Loops of the Mapper nerve (``MapperGraph.nerve_betti1()``; -1 without Mapper)."""
        return -1 if self.graph is None else int(self.graph.nerve_betti1())

    def has_primary_circle(self) -> bool:
        """The primary circle by the book's one rule (:data:`CIRCLE_RULE`, :func:`primary_circle_test`)."""
        return self.circle_test().present

    def circle_test(self) -> CircleTest:
        """:func:`primary_circle_test` of the core with its barcodes."""
        if self.barcodes is None:
            raise ValueError("no barcodes were computed")
        fit = self.circle or primary_circle_fit(self.core)  # analyse_cloud has made the fit already
        return CircleTest.from_fit(len(self.core), self.barcodes, fit)

    def node_patches(self) -> np.ndarray:
        """Mean filter of every Mapper node, ``(n_nodes, 3, 3)``."""
        if self.graph is None:
            raise ValueError("no Mapper graph was computed")
        return self.graph.node_means(self.core).reshape(-1, 3, 3)

    def summary(self) -> str:
        """One line: sizes, H1, Mapper loops, circle fit."""
        rho = "unfiltered" if self.k is None else f"rho({self.k},{self.p})"
        parts = [f"{self.n_points:,} points, {rho} -> {len(self.core):,}"]
        if self.barcodes is not None:
            parts.append(f"H1 max {self.h1_max:.3f} ({self.n_h1} persistent)")
        if self.graph is not None:
            parts.append(f"Mapper {self.graph.n_nodes} nodes, {self.loops} loop(s)")
        c = self.circle
        parts.append(f"near circle {c['frac_near']:.0%}, orientations {c['coverage']:.0%}")
        return "; ".join(parts)


def analyse_cloud(
    X: np.ndarray,
    k: int | None = None,
    p: float | None = None,
    *,
    barcodes: bool = True,
    mapper: bool = True,
    resolution: int = 30,
    gain: float = 3.0,
    min_cluster_size: int = 5,
    n_landmarks: int = 100,
    nu: int = 2,
    seed: int = 0,
    maxdim: int = 1,
) -> CloudAnalysis:
    """rho(k, p) of a normalised filter cloud, then witness barcodes, Mapper and the circle fit.

    Parameters
    ----------
    X : array_like, shape (N, 9)
        Mean-centred, normalised filters (:func:`topo_helpers.filters.spatial_filters`).
    k, p : int and float, optional
        Density filtration rho(k, p); both None: no filtration (the papers' "unfiltered").
    barcodes, mapper : bool
        Compute the lazy witness barcodes (``n_landmarks`` max-min landmarks, ``nu``; capped at
        the core size) and Mapper(``resolution``, ``gain``) with ``min_cluster_size``.
    seed : int
        Seed of the max-min start point.
    maxdim : int
        Top homology degree of the barcodes.

    Returns
    -------
    CloudAnalysis
    """
    from . import density, persistence
    from . import mapper as _mapper

    A = np.asarray(X, dtype=np.float64)
    if (k is None) != (p is None):
        raise ValueError("give both k and p for rho(k, p), or neither for no filtration")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    core = A if k is None else density.density_filter(A, k=int(k), p=float(p))
    timings["density"] = time.perf_counter() - t0
    bc = g = None
    if barcodes:
        t0 = time.perf_counter()
        bc = persistence.witness_barcodes(core, n_landmarks=min(n_landmarks, len(core)), nu=nu,
                                          maxdim=maxdim, seed=seed)
        timings["barcodes"] = time.perf_counter() - t0
    if mapper:
        t0 = time.perf_counter()
        g = _mapper.mapper_graph(core, resolution=resolution, gain=gain, min_cluster_size=min_cluster_size)
        timings["mapper"] = time.perf_counter() - t0
    return CloudAnalysis(len(A), k, p, core, bc, g, primary_circle_fit(core), timings)


def core_barcodes(X: np.ndarray, k: int, p: float, n_landmarks: int = 100, nu: int = 2, maxdim: int = 1,
                  seed: int = 0) -> tuple[np.ndarray, Any]:
    """The core and barcodes of :func:`analyse_cloud` without Mapper: ``(core, barcodes)``.

    A shortcut of the one pipeline for the chapters that need only those two; ``k`` is clipped to
    ``N - 1`` (a cloud smaller than the scaled ``k``, e.g. one small network at the small profile).

    Returns
    -------
    core : np.ndarray
        The ``floor(p N)`` kept points.
    barcodes : topo_helpers.persistence.Barcodes
        Their lazy witness barcodes (landmarks capped at the core size).
    """
    A = np.asarray(X, dtype=np.float64)
    if A.ndim != 2 or len(A) < 2:
        raise ValueError(f"X must be a cloud (N, d) of at least 2 points; got shape {A.shape}")
    res = analyse_cloud(A, int(min(k, len(A) - 1)), p, mapper=False, n_landmarks=n_landmarks, nu=nu, seed=seed,
                        maxdim=maxdim)
    return res.core, res.barcodes
