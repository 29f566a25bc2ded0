"""Category distance (Zhao & Zhang, paper 000, Eqs 9-13): how far apart two classes of images are.

* **MBC** (Eq 9): the maximum ``M_1`` of the Betti-1 curve of an image's order complex ``I + I^T``
  (:mod:`topo_helpers.clique`, ties together).
* **MBC distribution** (Eq 10): per class, the distribution of those maxima
  (:func:`topo_helpers.entropy.class_distributions`).
* **Category distance** (Eq 11): the Jensen-Shannon divergence of two MBC distributions (base 2
  bounds it by 1), the **CD matrix** (Eq 12) and the **distinguishable degree** (Eq 13)
  ``dd_i = sum_j C_ij`` (large = most distinguishable).
"""

from __future__ import annotations

import numpy as np

from . import clique
from .entropy import entropy
from .validate import distribution

__all__ = ["mbc_values", "js_divergence", "cd_matrix", "distinguishable_degree"]


def mbc_values(images: np.ndarray, max_density: float = 1.0) -> np.ndarray:
    """Maximum of the Betti-1 curve of each image, ``M_1(I + I^T)`` (Eq 9, ties together).

    Parameters
    ----------
    images : ndarray, shape (B, n, n)
        Square images (uint8 or float).
    max_density : float
        Density range of the maximum (default 1.0, the whole range).

    Returns
    -------
    ndarray of int64, shape (B,)
    """
    stack = clique.symmetrize_sum(np.asarray(images))
    return clique.betti_max_batch(np.ascontiguousarray(stack, dtype=np.float64), 1,
                                  max_density=max_density)


def js_divergence(P: np.ndarray, Q: np.ndarray, base: float = 2.0) -> float:
    """Jensen-Shannon divergence, the category distance of Eq 11.

    ``cd = KL(P || R) / 2 + KL(Q || R) / 2`` with ``R = (P + Q) / 2``.

    Parameters
    ----------
    P, Q : ndarray, shape (S,)
        Distributions on a common support.
    base : float
        2 (default: bounded by 1) or ``np.e`` (bounded by ``log 2``).

    Returns
    -------
    float
        Between 0 and 1 in base 2.

    Raises
    ------
    ValueError
        If ``P`` or ``Q`` is not a distribution (NaN, inf, negative, not summing to 1) or their
        supports differ.
    """
    P = distribution(P, "P")
    Q = distribution(Q, "Q")
    if P.shape != Q.shape:
        raise ValueError(f"P and Q need the same support, got {P.shape} and {Q.shape}")
    R = 0.5 * (P + Q)
    return float(entropy(R, base) - 0.5 * entropy(P, base) - 0.5 * entropy(Q, base))


def cd_matrix(P: np.ndarray, base: float = 2.0) -> np.ndarray:
    """CD matrix (Eq 12): pairwise category distances of the rows of ``P``.

    Parameters
    ----------
    P : ndarray, shape (n_classes, S)
        MBC distributions (:func:`topo_helpers.entropy.class_distributions`).
    base : float
        Logarithm base of the Jensen-Shannon divergence.

    Returns
    -------
    ndarray, shape (n_classes, n_classes)
        Symmetric, zero diagonal.
    """
    P = np.asarray(P, dtype=np.float64)
    n = P.shape[0]
    C = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            C[i, j] = C[j, i] = js_divergence(P[i], P[j], base)
    return C


def distinguishable_degree(C: np.ndarray) -> np.ndarray:
    """Distinguishable degree (Eq 13): the column sums of the CD matrix (large = distinct)."""
    return np.asarray(C, dtype=np.float64).sum(axis=0)
