"""SED distributions and filter entropy (Zhao & Zhang, paper 000); class distributions of any statistic.

The clique-topology numbers come from :mod:`topo_helpers.clique`; this module turns them into the
paper's statistics:

* **SED distribution** (Eq 4): per filter and class, the distribution of the starting edge density
  ``S_1`` of the first-layer feature maps ``max(F, F^T)`` (Eq 14). The random variable is the
  *edge count* ``m = S_1 * N`` (an integer, as Eq 4's ``{0, 1, 2, ...}``; ``N = n(n-1)/2``), and a
  map whose ``beta_1`` never becomes non-zero is its own outcome (:data:`NEVER`, ``-1``), so that
  every image of the class is counted (``N_i`` in Eq 4).
* **Filter entropy** (Eq 5) ``H_i = -sum_j P_ij log P_ij``: plug-in estimate; the base is a
  parameter (the book uses the natural logarithm; the paper does not say).
* **Entropy decrease** (Eq 6, the book's reading) ``dH = H(0) - H(T)``: positive = a decrease =
  the filter is *effective* for that class; the **effective set** (Eq 7) is the classes with
  ``dH > 0`` and the **assessment metric** (Eq 8) ``E = sum of dH over the effective set``.

The category distance (MBC distributions, Jensen-Shannon divergence, CD matrix, distinguishable
degree; Eqs 9-13) lives in :mod:`topo_helpers.category`; its names are also importable from here,
where the chapters first found them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import clique
from .validate import class_labels, distribution, finite_array, same_length

__all__ = [
    "NEVER",
    "sed_counts",
    "class_distributions",
    "entropy",
    "filter_entropy",
    "entropy_decrease",
    "effective_set",
    "assessment_metric",
    "rank_correlation",
]

NEVER = -1
"""Outcome used for a map whose ``beta_1`` never becomes non-zero (``S_1`` undefined)."""


def sed_counts(maps: np.ndarray) -> np.ndarray:
    """Starting edge density of feature maps as an integer edge count (Eqs 3, 14).

    Parameters
    ----------
    maps : ndarray, shape (..., n, n)
        Feature maps before any ReLU (any leading shape, e.g. ``(images, filters, 24, 24)``).

    Returns
    -------
    ndarray of int64, shape (...)
        ``m = S_1 * N``: the number of edges (ties entering together) at which ``beta_1`` of the
        order complex of ``max(F, F^T)`` first becomes non-zero; :data:`NEVER` (-1) where it never
        does.

    Raises
    ------
    ValueError
        If the maps are not square in their last two axes, or hold NaN or inf.
    """
    maps = finite_array(maps, "maps")
    if maps.ndim < 2 or maps.shape[-1] != maps.shape[-2] or maps.shape[-1] < 2:
        raise ValueError(f"maps must be square feature maps of shape (..., n, n) with n >= 2; got {maps.shape}")
    lead, n = maps.shape[:-2], maps.shape[-1]
    stack = clique.symmetrize_max(maps.reshape(-1, n, n))
    s = clique.starting_density_batch(np.ascontiguousarray(stack), 1)
    N = n * (n - 1) // 2
    out = np.full(s.shape, NEVER, dtype=np.int64)
    ok = ~np.isnan(s)
    out[ok] = np.rint(s[ok] * N).astype(np.int64)
    return out.reshape(lead)


def class_distributions(
    values: np.ndarray,
    labels: np.ndarray,
    n_classes: int | None = None,
    support: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Empirical distributions of an integer statistic per class (Eqs 4 and 10).

    Parameters
    ----------
    values : ndarray of int, shape (B,) or (B, K)
        One value per image (``M_1``), or one per image and filter (SED counts).
    labels : ndarray of int, shape (B,)
        Class of each image, ``0 .. n_classes - 1``.
    n_classes : int, optional
        Number of classes (default ``labels.max() + 1``).
    support : sequence of int, optional
        The outcomes, in order (default: every value that occurs, sorted). Values outside the
        support raise.

    Returns
    -------
    P : ndarray, shape (n_classes, S) or (K, n_classes, S)
        ``P[..., i, j]`` = fraction of the images of class ``i`` whose value is ``support[j]``.
    support : ndarray of int, shape (S,)
    """
    values = np.asarray(values)
    labels, n_classes = class_labels(labels, "labels", n_classes)
    if values.shape[0] != labels.shape[0]:
        raise ValueError(f"{values.shape[0]} values but {labels.shape[0]} labels")
    sup = np.unique(values) if support is None else np.asarray(support)
    idx = np.searchsorted(sup, values)
    idx = np.clip(idx, 0, len(sup) - 1)
    if np.any(sup[idx] != values):
        raise ValueError("some values are not in the support")
    squeeze = values.ndim == 1
    if squeeze:
        idx = idx[:, None]
    K = idx.shape[1]
    P = np.zeros((K, n_classes, len(sup)))
    for c in range(n_classes):
        sel = idx[labels == c]
        if len(sel) == 0:
            raise ValueError(f"class {c} has no images")
        for k in range(K):
            P[k, c] = np.bincount(sel[:, k], minlength=len(sup)) / len(sel)
    return (P[0] if squeeze else P), sup


def entropy(P: np.ndarray, base: float = np.e, axis: int = -1) -> np.ndarray:
    """Shannon entropy ``-sum P log P`` along ``axis`` (Eq 5), ``0 log 0 = 0``.

    Parameters
    ----------
    P : ndarray
        Probabilities (each slice along ``axis`` sums to 1).
    base : float
        Logarithm base (``np.e``: nats, default; 2: bits).
    axis : int

    Returns
    -------
    ndarray
        Entropy; between 0 (a single outcome) and ``log(S)`` (uniform over S outcomes) — the
        paper's stated maximum ``N log N`` is a slip for ``log N``.

    Raises
    ------
    ValueError
        If ``P`` holds NaN, inf or negative entries, or a slice does not sum to 1 (counts are not
        normalised silently: divide by their sum first).

    Examples
    --------
    >>> round(float(entropy([0.5, 0.5], base=2)), 6)
    1.0
    """
    P = distribution(P, "P", axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(P > 0, P * np.log(P), 0.0)
    return -t.sum(axis=axis) / np.log(base)


def filter_entropy(
    sed: np.ndarray, labels: np.ndarray, n_classes: int | None = None, base: float = np.e
) -> np.ndarray:
    """Filter entropy per filter and class (Eqs 4-5).

    Parameters
    ----------
    sed : ndarray of int, shape (B, K)
        SED counts of ``B`` images through ``K`` filters (:func:`sed_counts`).
    labels : ndarray of int, shape (B,)
    n_classes : int, optional
    base : float
        Logarithm base.

    Returns
    -------
    ndarray, shape (K, n_classes)
        ``H[k, i]``: entropy of the SED distribution of filter ``k`` on class ``i``.
    """
    sed = np.asarray(sed)
    if sed.ndim != 2:
        raise ValueError(f"expected sed of shape (images, filters), got {sed.shape}")
    P, _ = class_distributions(sed, labels, n_classes)
    return entropy(P, base=base)


def entropy_decrease(H0: np.ndarray, HT: np.ndarray) -> np.ndarray:
    """Entropy decrease ``dH = H(0) - H(T)`` (Eq 6; the book's sign: positive = decrease).

    Parameters
    ----------
    H0, HT : ndarray, same shape
        Filter entropies at initialisation and at the end of training.

    Returns
    -------
    ndarray
        ``H0 - HT``; a positive entry means the filter became *effective* for that class.
    """
    return np.asarray(H0, dtype=np.float64) - np.asarray(HT, dtype=np.float64)


def effective_set(dH: np.ndarray) -> np.ndarray:
    """Effective set (Eq 7) as a boolean mask: the classes whose filter entropy decreased.

    Parameters
    ----------
    dH : ndarray, shape (..., n_classes)
        Entropy decreases (:func:`entropy_decrease`).

    Returns
    -------
    ndarray of bool, same shape: ``dH > 0``.
    """
    return np.asarray(dH) > 0


def assessment_metric(dH: np.ndarray) -> np.ndarray:
    """Filter assessment metric ``E`` (Eq 8): the sum of the decreases over the effective set.

    Parameters
    ----------
    dH : ndarray, shape (K, n_classes)
        Entropy decrease of each filter on each class.

    Returns
    -------
    ndarray, shape (K,)
        ``E[k] = sum_i max(dH[k, i], 0)`` (>= 0; larger = more effective filter).
    """
    dH = np.asarray(dH, dtype=np.float64)
    return np.where(dH > 0, dH, 0.0).sum(axis=-1)


def rank_correlation(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rank correlation and its two-sided p-value (scipy), NaN pairs dropped."""
    from scipy.stats import spearmanr

    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    same_length(x, y, "x and y")
    ok = ~(np.isnan(x) | np.isnan(y))
    r = spearmanr(x[ok], y[ok])
    return float(r.statistic), float(r.pvalue)


_CATEGORY = ("mbc_values", "js_divergence", "cd_matrix", "distinguishable_degree")


def __getattr__(name: str):
    """``entropy.cd_matrix`` and the other category-distance names, from :mod:`topo_helpers.category`."""
    if name in _CATEGORY:
        from . import category

        return getattr(category, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
