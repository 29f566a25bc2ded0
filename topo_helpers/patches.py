"""The spaces of 3x3 patches and every fit and namer on them (Carlsson et al. 2008; 001 §II, 003).

Idealised points live in :mod:`topo_helpers.filters` (primary circle, secondary circles, Klein
bottle); this module measures a cloud of normalised 3x3 filters against them:

* :func:`primary_circle_fit`, :func:`angle_coverage` -- how much of a cloud lies near the primary
  circle, and how many of its orientations are present;
* :func:`circle_model_fit` -- the three-circle model (001 Fig 5), and samples of it
  (:func:`circle_model_sample`, :func:`diluted_model_sample`) as controls;
* :func:`klein_bottle_fit`, :func:`patch_types`, :func:`patch_type_names`, :func:`describe_patch`
  -- the nearest Klein-bottle patch: edge, line or other, and its orientation;
* :func:`filter_bank`, :func:`distance_to_patches`, :func:`gradient_angles` -- idealised filter banks
  (001 §VI) and distances and angles on them.

The modules where the chapters first found these names (``cloud``, ``cifar``, ``generalisation``)
still provide them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import filters as _filters
from .validate import finite_array, number

__all__ = [
    "ORIENTATION_NAMES",
    "primary_circle_fit",
    "circle_fit",
    "angle_coverage",
    "klein_bottle_fit",
    "patch_types",
    "patch_type_names",
    "describe_patch",
    "circle_model_fit",
    "circle_model_sample",
    "diluted_model_sample",
    "filter_bank",
    "distance_to_patches",
    "gradient_angles",
]

_FINE_CIRCLE = 3600  # angles of the idealised circles the fits measure against
def _filters_9(X: object, name: str = "X", min_rows: int = 1) -> np.ndarray:
    """``X`` as a finite float64 ``(N, 9)`` array of 3x3 filters (at least ``min_rows`` of them)."""
    A = finite_array(X, name)
    if A.ndim != 2 or A.shape[1] != 9 or len(A) < min_rows:
        need = "a non-empty " if min_rows else "an "
        raise ValueError(f"{name} must be {need}(N, 9) array of normalised 3x3 filters; got shape {A.shape}")
    return A


#: Names of the four orientation bins of :func:`patch_types` (0, 45, 90, 135 degrees).
ORIENTATION_NAMES = ("horizontal", "diagonal /", "vertical", "diagonal \\")


def primary_circle_fit(X: np.ndarray, near: float = 0.5, n_bins: int = 16,
                       min_share: float = 0.25) -> dict[str, float]:
    """How well a cloud of mean-centred, unit-norm 3x3 filters follows the primary circle.

    Each point is matched to the nearest of 3,600 idealised primary-circle filters
    (linear gradients, :func:`topo_helpers.filters.primary_circle_patches`), Euclidean in R^9.

    Parameters
    ----------
    X : array_like, shape (N, 9)
        Normalised filters (rows of unit norm, mean zero).
    near : float
        A point is *near* the circle when its distance is below this (0.5 is about 29 degrees
        on the unit sphere; two random unit vectors in the 8-dimensional mean-zero space are
        typically ~1.4 apart).
    n_bins : int
        Orientation bins over the circle's full turn (16: 22.5 degrees each).
    min_share : float
        A bin is *covered* when it holds at least ``min_share / n_bins`` of the near points
        (a quarter of its fair share).

    Returns
    -------
    dict
        ``median_distance``; ``frac_near`` (fraction of points near the circle); ``coverage``
        (fraction of orientation bins covered by the near points; 1.0 = every edge orientation,
        the signature of a full circle rather than a few edge clusters); ``n_near``.
    """
    from .filters import primary_circle_patches

    return circle_fit(_filters_9(X), primary_circle_patches(_FINE_CIRCLE), near, n_bins, min_share)


def circle_fit(X: np.ndarray, circle: np.ndarray, near: float = 0.5, n_bins: int = 16,
               min_share: float = 0.25) -> dict[str, float]:
    """:func:`primary_circle_fit` against any idealised circle: ``circle`` holds its points in angle order.

    Used for 3x3 filters (the fine primary circle) and, by :mod:`topo_helpers.network`, for k x k
    kernels against the k x k linear gradients; ``X`` and ``circle`` share their dimension.
    """
    from scipy.spatial import cKDTree

    A, C = finite_array(X, "X"), finite_array(circle, "circle")
    if A.ndim != 2 or C.ndim != 2 or A.shape[1] != C.shape[1] or not len(A):
        raise ValueError(f"X (N, d) and circle (M, d) must share d; got shapes {A.shape} and {C.shape}")
    near = number(near, "near", 0, open_min=True)
    d, j = cKDTree(C).query(A)
    is_near = d < near
    return {"median_distance": float(np.median(d)), "frac_near": float(is_near.mean()),
            "coverage": angle_coverage(j[is_near], len(C), n_bins, min_share), "n_near": int(is_near.sum())}


def angle_coverage(index: np.ndarray, n_angles: int, n_bins: int = 16, min_share: float = 0.25) -> float:
    """Share of ``n_bins`` angle bins covered by points matched to a circle of ``n_angles`` samples.

    ``index`` holds, for every point near the circle, the index (0 .. ``n_angles - 1``) of its
    nearest sample. A bin is covered when it holds at least ``min_share / n_bins`` of those points
    (a quarter of its fair share by default). 0.0 when ``index`` is empty.
    """
    index = np.asarray(index, dtype=np.int64)
    if index.size == 0:
        return 0.0
    bins = np.bincount((index * n_bins) // n_angles, minlength=n_bins)
    return float(np.mean(bins >= min_share * index.size / n_bins))


def klein_bottle_fit(X: np.ndarray, far: float = 0.5, grid: int = 120) -> dict[str, float]:
    """How much of a cloud of normalised 3x3 filters lies *off* the idealised Klein bottle.

    Each point is matched to the nearest of ``grid x grid`` Klein-bottle filters
    (:func:`topo_helpers.filters.klein_bottle_patches`), Euclidean in R^9.

    Returns
    -------
    dict
        ``median_distance`` and ``frac_far`` (fraction of points farther than ``far``: patch types
        with no counterpart in the Klein-bottle model, 001 §V-C).
    """
    from scipy.spatial import cKDTree

    from .filters import klein_bottle_patches

    A = _filters_9(X)
    d, _ = cKDTree(klein_bottle_patches(grid, grid)).query(A)
    return {"median_distance": float(np.median(d)), "frac_far": float(np.mean(d > far))}


def patch_types(P: np.ndarray, far: float = 0.5, grid: int = 180) -> dict[str, np.ndarray]:
    """Name each normalised 3x3 patch after its nearest point of the idealised Klein bottle.

    The Klein bottle of Carlsson et al. (2008) holds the patches ``c s^2 + d s`` with
    ``s = cos(theta) x + sin(theta) y`` and ``(c, d) = (sin phi, cos phi)``: ``phi = 0`` is the
    linear *edge* of gradient direction ``theta`` (the primary circle), ``phi = pi/2`` the
    quadratic *line* (a bright or dark stripe). A patch is called

    * ``"edge"`` when its nearest Klein-bottle patch is closer to linear (``|cos phi| >= |sin phi|``),
    * ``"line"`` otherwise,
    * ``"other"`` when it is farther than ``far`` from the Klein bottle.

    The orientation is that of the stripe or edge itself (perpendicular to ``theta``), in degrees
    in [0, 180): 0 = horizontal, 90 = vertical; ``orientation_bin`` rounds it to the nearest of
    :data:`ORIENTATION_NAMES` (0, 45, 90, 135 degrees).

    Parameters
    ----------
    P : array_like, shape (N, 9)
        Mean-centred, unit-norm patches (row-major 3x3; y grows downwards).
    far : float
        Distance beyond which a patch is ``"other"``.
    grid : int
        Resolution of the Klein bottle (``grid`` angles theta times ``grid`` angles phi).

    Returns
    -------
    dict
        ``kind`` (str array), ``orientation`` (degrees), ``orientation_bin`` (0..3), ``distance``.
    """
    from scipy.spatial import cKDTree

    from .filters import klein_bottle_patches

    A = _filters_9(P, "P")
    if grid < 4:
        raise ValueError(f"grid must be at least 4; got {grid}")
    d, j = cKDTree(klein_bottle_patches(grid, grid)).query(A)
    theta = np.pi * (j // grid) / grid
    phi = 2 * np.pi * (j % grid) / grid
    kind = np.where(np.abs(np.cos(phi)) >= np.abs(np.sin(phi)), "edge", "line").astype(object)
    kind[d > far] = "other"
    orientation = (np.degrees(theta) + 90.0) % 180.0
    obin = np.round(orientation / 45.0).astype(int) % 4
    return {"kind": kind.astype(str), "orientation": orientation, "orientation_bin": obin, "distance": d}


def patch_type_names(P: np.ndarray, far: float = 0.5) -> np.ndarray:
    """Short names of normalised 3x3 patches, e.g. ``"vertical line"``, ``"diagonal / edge"``, ``"other"``.

    The kind and orientation bin of :func:`patch_types`, joined.
    """
    t = patch_types(P, far=far)
    return np.array([k if k == "other" else f"{ORIENTATION_NAMES[b]} {k}"
                     for k, b in zip(t["kind"], t["orientation_bin"])])


def describe_patch(P: np.ndarray, far: float = 0.5) -> str:
    """The :func:`patch_type_names` name of one normalised 3x3 patch."""
    return str(patch_type_names(np.asarray(P, dtype=np.float64).reshape(1, 9), far=far)[0])


def circle_model_fit(X: np.ndarray, near: float = 0.5, n_bins: int = 16,
                     min_share: float = 0.25) -> dict[str, Any]:
    """Place each normalised 3x3 filter on the three-circle model of Carlsson et al. (2008).

    The model is the primary circle (linear gradients, all orientations) and the two secondary
    circles ``cos(t) u + sin(t) (3 u^2 - 2)`` with ``u = x`` (vertical structures) or ``u = y``
    (horizontal ones); each secondary circle meets the primary one in two points (``t = 0, pi``,
    the pure gradients along ``u``) and passes through the light and dark *lines* (``t = pi/2,
    3 pi/2``). Every point is matched to the nearest of 3,600 idealised filters on each circle
    (Euclidean in R^9) and assigned to the nearest circle, or to ``"off"`` when all three are
    farther than ``near``.

    Parameters
    ----------
    X : array_like, shape (N, 9)
        Mean-centred, unit-norm filters.
    near : float
        Distance below which a point is on a circle (0.5 as :func:`primary_circle_fit`).
    n_bins : int
        Angle bins per circle for the coverage.
    min_share : float
        A bin is covered when it holds at least ``min_share / n_bins`` of the points near that circle.

    Returns
    -------
    dict
        ``assigned``: (N,) array of ``"primary"``, ``"secondary x"``, ``"secondary y"`` or ``"off"``;
        ``frac``: fraction of points assigned to each of those four; ``coverage``: for each circle,
        the fraction of its angle bins covered by the points within ``near`` of it (whichever
        circle they were assigned to); ``line_frac``: fraction of all points within ``near`` of a
        secondary circle's *line* half (``|sin t| > cos(pi/4)``), i.e. on a secondary circle and
        away from the primary one -- the part of the model beyond the primary circle.
    """
    from scipy.spatial import cKDTree

    from .filters import primary_circle_patches, secondary_circle_patches

    A = _filters_9(X)
    if near <= 0 or n_bins < 1:
        raise ValueError(f"near must be positive and n_bins >= 1; got {near}, {n_bins}")
    names = ("primary", "secondary x", "secondary y")
    circles = (primary_circle_patches(_FINE_CIRCLE), secondary_circle_patches(_FINE_CIRCLE, "x"),
               secondary_circle_patches(_FINE_CIRCLE, "y"))
    D, J = [], []
    for C in circles:
        d, j = cKDTree(C).query(A)
        D.append(d)
        J.append(j)
    D, J = np.stack(D), np.stack(J)
    best = np.argmin(D, axis=0)
    assigned = np.array([names[b] for b in best], dtype=object)
    assigned[D.min(axis=0) >= near] = "off"
    assigned = assigned.astype(str)
    frac = {n: float(np.mean(assigned == n)) for n in (*names, "off")}
    coverage = {n: angle_coverage(J[i][D[i] < near], _FINE_CIRCLE, n_bins, min_share) for i, n in enumerate(names)}
    t = 2 * np.pi * J[1:] / _FINE_CIRCLE
    on_line = (D[1:] < near) & (np.abs(np.sin(t)) > np.cos(np.pi / 4))
    return {"assigned": assigned, "frac": frac, "coverage": coverage,
            "line_frac": float(np.mean(on_line.any(axis=0)))}


def circle_model_sample(n: int, model: str = "three", noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """Noisy points on an idealised circle model of 3x3 filters: a control for small clouds.

    Parameters
    ----------
    n : int
        Number of points, split as evenly as possible over the model's circles.
    model : {"primary", "two", "three"}
        ``"primary"``: the primary circle (one loop); ``"two"``: the primary circle and the
        secondary circle of vertical structures (``u = x``), which meet in two points -- three
        independent loops, the topology of the paper's two-circle model (Fig 7); ``"three"``: the
        primary and both secondary circles (five loops, the three-circle model of Fig 8).
    noise : float
        Standard deviation of gaussian noise added to every pixel before mean-centring and
        renormalising (0.1 moves a unit-norm filter by about 0.28).
    seed : int
        Seed of the angles and the noise.

    Returns
    -------
    np.ndarray
        ``(n, 9)`` mean-centred, unit-norm filters, circle by circle.
    """
    from .filters import normalise_points, primary_circle_patches, secondary_circle_patches

    circles = {"primary": ("primary",), "two": ("primary", "x"), "three": ("primary", "x", "y")}
    if model not in circles:
        raise ValueError(f"model must be one of {sorted(circles)}; got {model!r}")
    if n < len(circles[model]) or noise < 0:
        raise ValueError(f"need n >= {len(circles[model])} and noise >= 0; got n={n}, noise={noise}")
    rng = np.random.default_rng(seed)
    parts = []
    for i, c in enumerate(circles[model]):
        m = n // len(circles[model]) + (1 if i < n % len(circles[model]) else 0)
        C = primary_circle_patches(_FINE_CIRCLE) if c == "primary" else secondary_circle_patches(_FINE_CIRCLE, c)
        parts.append(C[rng.integers(0, _FINE_CIRCLE, m)])
    P = np.vstack(parts) + rng.normal(0.0, noise, (n, 9))
    return normalise_points(P)[0]


def diluted_model_sample(n: int, share: float, model: str = "primary", noise: float = 0.1,
                         seed: int = 0) -> np.ndarray:
    """A control of a measured cloud: ``share`` of ``n`` points on a circle model, the rest anywhere.

    A network's cloud is never all on the circle: the circle fit measures what share of it lies
    near the primary circle. This sample has the same size and that share on the idealised model
    (:func:`circle_model_sample`, with ``noise``), the rest drawn uniformly from the sphere of
    mean-centred, unit-norm 3x3 filters. If the book's rule does not see the circle here either,
    a cloud of this size and composition cannot show it, and "no circle" is inconclusive.

    Parameters
    ----------
    n : int
        Points in all (the measured cloud's size).
    share : float
        Fraction in [0, 1] of the points on the model (rounded to a whole number of points).
    model, noise, seed
        As :func:`circle_model_sample`.

    Returns
    -------
    np.ndarray
        ``(n, 9)`` mean-centred, unit-norm filters: the model's points first, then the others.
    """
    from .filters import normalise_points

    if not 0.0 <= share <= 1.0 or not np.isfinite(share):
        raise ValueError(f"share must be a fraction in [0, 1]; got {share!r}")
    if n < 1:
        raise ValueError(f"n must be a positive number of points; got {n}")
    m = int(round(share * n))
    rng = np.random.default_rng([seed, 1])
    parts = [circle_model_sample(m, model, noise=noise, seed=seed)] if m else []
    if n - m:
        parts.append(normalise_points(rng.normal(size=(n - m, 9)))[0])
    return np.vstack(parts)


def filter_bank(kind: str, n: int = 64, seed: int = 0) -> np.ndarray:
    """A bank of ``n`` 3x3 filters in torch layout ``(n, 1, 3, 3)``, each mean-zero and unit-norm.

    Parameters
    ----------
    kind
        ``"circle"`` (primary circle, ``n`` equally spaced angles), ``"klein"`` (Klein bottle on a
        ``sqrt(n) x sqrt(n)`` grid of its angles; ``n`` must be a square) or ``"gaussian"``
        (i.i.d. standard normal entries, then mean-centred and normalised).
    n
        Number of filters.
    seed
        Seed of the gaussian bank (ignored otherwise).

    Returns
    -------
    np.ndarray
        ``(n, 1, 3, 3)`` float32.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    if kind == "circle":
        P = _filters.primary_circle_patches(n)
    elif kind == "klein":
        s = int(round(np.sqrt(n)))
        if s * s != n:
            raise ValueError(f"the Klein bank needs a square number of filters; got {n}")
        P = _filters.klein_bottle_patches(s, s)
    elif kind == "gaussian":
        G = np.random.default_rng(seed).standard_normal((n, 9))
        P, keep = _filters.normalise_points(G)
        assert keep.all()
    else:
        raise ValueError(f"unknown bank {kind!r}: use 'circle', 'klein' or 'gaussian'")
    return np.ascontiguousarray(P.reshape(n, 1, 3, 3), dtype=np.float32)


def distance_to_patches(X: np.ndarray, model: np.ndarray) -> np.ndarray:
    """Euclidean distance of every point of ``X`` (n, 9) to the nearest row of ``model`` (m, 9).

    Both are expected mean-centred and unit-norm (points on S^7), e.g. ``spatial_filters(W)`` and
    ``primary_circle_patches(3600)``; a filter and its negative are different points.
    """
    from scipy.spatial import cKDTree

    X = np.asarray(X, dtype=np.float64)
    model = np.asarray(model, dtype=np.float64)
    if X.ndim != 2 or model.ndim != 2 or X.shape[1] != model.shape[1]:
        raise ValueError(f"shapes {X.shape} and {model.shape} do not match")
    return cKDTree(model).query(X)[0]


def gradient_angles(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orientation of 3x3 filters in the plane of the linear gradients.

    Projects each row of ``X`` (n, 9), row-major pixels, on the unit horizontal and vertical
    gradient patches (``x`` and ``y`` of the primary circle). Returns ``(angle, r)``: the angle
    ``atan2(<f, y>, <f, x>)`` in ``[-pi, pi)`` and the length ``r`` of the projection (1 for a
    unit-norm filter *on* the primary circle, 0 for one orthogonal to it).
    """
    X = _filters_9(X, min_rows=0)
    gx, gy = _filters.primary_circle_patches(4)[[0, 1]]
    a, b = X @ gx, X @ gy
    return np.arctan2(b, a), np.hypot(a, b)
