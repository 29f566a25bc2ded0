"""Spatial filters and image patches as point clouds.

Conventions (Carlsson, Ishkhanov, de Silva & Zomorodian 2008; Brüel Gabrielsson & Carlsson 2019):

* A 3x3 patch is a 9-vector in **row-major** order (``patch.reshape(9)``); pixel ``(r, c)`` sits at
  ``x = c - 1`` (left to right) and ``y = 1 - r`` (bottom to top).
* The *D-norm* of a patch is ``sqrt(x^T D x)`` where ``D`` is the graph Laplacian of the 4-connected
  3x3 grid, i.e. the sum of squared differences of neighbouring pixels (the contrast of Lee, Pedersen
  & Mumford 2003).
* The eight DCT basis patches ``e_1..e_8`` are mutually orthogonal eigenvectors of ``D`` scaled to
  D-norm 1. A mean-centred patch ``x`` has DCT coordinates ``v = Lambda A^T x`` with ``A = [e_1..e_8]``
  and ``Lambda = diag(1 / ||e_i||^2)``, so that ``||v|| = ||x||_D``: contrast-normalised patches lie on
  the unit sphere S^7 of R^8 — the space M of the 2008 paper.
* Spatial filters of a CNN (the 2019 paper, section V) are mean-centred and divided by their
  **Euclidean** norm, so 3x3 filters lie on S^7 inside the mean-zero hyperplane of R^9.

The idealised models the CNN chapters compare against are the *primary circle* (linear gradients at
angle theta), the two *secondary circles* (quadratic profiles along the horizontal or the vertical
axis) and the *Klein bottle* ``c (a x + b y)^2 + d (a x + b y)`` with ``(a, b), (c, d)`` on circles.
"""

from __future__ import annotations

import numpy as np

from .validate import finite_array, integer

__all__ = [
    "dct_basis",
    "laplacian_3x3",
    "d_norm",
    "patches_to_dct",
    "dct_to_patches",
    "normalise_points",
    "spatial_filters",
    "zero_norm_count",
    "primary_circle_patches",
    "secondary_circle_patches",
    "klein_bottle_patches",
    "sample_patches",
    "high_contrast_dct",
    "plot_patches",
]

_GRID_X = np.tile(np.array([-1.0, 0.0, 1.0]), 3)  # column coordinate, row-major
_GRID_Y = np.repeat(np.array([1.0, 0.0, -1.0]), 3)  # row coordinate (top row is y = +1)


def laplacian_3x3() -> np.ndarray:
    """Graph Laplacian ``D`` (9 x 9) of the 4-connected 3x3 pixel grid, row-major pixel order."""
    D = np.zeros((9, 9))
    for r in range(3):
        for c in range(3):
            i = 3 * r + c
            for dr, dc in ((0, 1), (1, 0)):
                rr, cc = r + dr, c + dc
                if rr < 3 and cc < 3:
                    j = 3 * rr + cc
                    D[i, i] += 1
                    D[j, j] += 1
                    D[i, j] -= 1
                    D[j, i] -= 1
    return D


def dct_basis() -> np.ndarray:
    """The eight 3x3 DCT basis patches of Lee, Pedersen & Mumford (2003), D-norm 1.

    Returns
    -------
    np.ndarray
        Array ``A`` of shape (9, 8); column ``i`` is ``e_{i+1}`` flattened row-major. Order:
        ``e1`` horizontal gradient, ``e2`` vertical gradient, ``e3`` horizontal quadratic
        (vertical line), ``e4`` vertical quadratic (horizontal line), ``e5`` saddle ``xy``,
        ``e6`` = ``x (3y^2 - 2)``-type, ``e7`` = ``y (3x^2 - 2)``-type, ``e8`` product of quadratics.
    """
    u1 = np.array([1.0, 0.0, -1.0])  # linear profile
    u2 = np.array([1.0, -2.0, 1.0])  # quadratic profile
    one = np.ones(3)
    raw = [
        np.outer(one, u1),  # e1: varies along x
        np.outer(u1, one),  # e2: varies along y
        np.outer(one, u2),  # e3
        np.outer(u2, one),  # e4
        np.outer(u1, u1),  # e5
        np.outer(u2, u1),  # e6
        np.outer(u1, u2),  # e7
        np.outer(u2, u2),  # e8
    ]
    D = laplacian_3x3()
    cols = []
    for p in raw:
        v = p.reshape(9)
        cols.append(v / np.sqrt(v @ D @ v))
    return np.stack(cols, axis=1)


def _as_patch_matrix(patches: np.ndarray, name: str = "patches") -> np.ndarray:
    P = np.asarray(patches, dtype=np.float64)
    if P.ndim == 3 and P.shape[1:] == (3, 3):
        P = P.reshape(len(P), 9)
    if P.ndim == 1 and P.shape[0] == 9:
        P = P[None, :]
    if P.ndim != 2 or P.shape[1] != 9:
        raise ValueError(
            f"{name} must have shape (n, 9) or (n, 3, 3) (3x3 patches, row-major); got {np.shape(patches)}"
        )
    if not np.all(np.isfinite(P)):
        raise ValueError(f"{name} contains NaN or infinite values; remove or impute them first")
    return P


def d_norm(patches: np.ndarray) -> np.ndarray:
    """D-norm (contrast) of each 3x3 patch: ``sqrt(x^T D x)``, shape (n,)."""
    P = _as_patch_matrix(patches)
    return np.sqrt(np.einsum("ni,ij,nj->n", P, laplacian_3x3(), P).clip(min=0.0))


def patches_to_dct(patches: np.ndarray, normalise: bool = True) -> np.ndarray:
    """DCT coordinates (n, 8) of 3x3 patches.

    Parameters
    ----------
    patches
        (n, 9) or (n, 3, 3) patches (any intensity offset: they are mean-centred here).
    normalise
        If True, divide each patch by its D-norm first, so the result lies on S^7.
        Zero-contrast patches cannot be normalised: a ValueError says how many there are.
    """
    P = _as_patch_matrix(patches)
    P = P - P.mean(axis=1, keepdims=True)
    if normalise:
        n = d_norm(P)
        if np.any(n <= 1e-12):
            raise ValueError(
                f"{int(np.sum(n <= 1e-12))} patches have zero contrast (constant patches) and cannot be "
                "D-normalised; drop them first (e.g. keep d_norm(p) > 0)"
            )
        P = P / n[:, None]
    A = dct_basis()
    lam = 1.0 / np.sum(A * A, axis=0)
    return (P @ A) * lam


def dct_to_patches(coords: np.ndarray) -> np.ndarray:
    """Inverse of :func:`patches_to_dct` (without the normalisation): (n, 8) -> (n, 3, 3) mean-zero patches."""
    V = np.asarray(coords, dtype=np.float64)
    if V.ndim == 1:
        V = V[None, :]
    if V.ndim != 2 or V.shape[1] != 8:
        raise ValueError(f"DCT coordinates must have shape (n, 8); got {np.shape(coords)}")
    return (V @ dct_basis().T).reshape(-1, 3, 3)


def normalise_points(X: np.ndarray, eps: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Mean-centre each point (row) and divide it by its Euclidean norm (2019 paper, section V).

    Returns
    -------
    points, keep
        ``points`` holds the normalised rows whose centred norm exceeds ``eps``; ``keep`` is the
        boolean mask of those rows in ``X`` (zero-norm points, e.g. dead filters, are dropped and
        can be counted as ``(~keep).sum()``).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] < 2:
        raise ValueError(f"points must be a 2-D array (n_points, dim >= 2); got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ValueError("points contain NaN or infinite values (a diverged network?); check the weights")
    Xc = X - X.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(Xc, axis=1)
    keep = norms > eps
    return Xc[keep] / norms[keep, None], keep


def spatial_filters(weights, normalise: bool = True) -> np.ndarray:
    """Spatial filters of conv layers as a point cloud: one point per (output, input) channel pair.

    Parameters
    ----------
    weights
        Conv kernels in torch layout ``(out, in, h, w)``, or a stack over networks
        ``(n_networks, out, in, h, w)``; numpy array or torch tensor.
    normalise
        Mean-centre and Euclidean-normalise every point (the papers' convention); zero-norm filters
        are dropped.

    Returns
    -------
    np.ndarray
        ``(n_networks * out * in, h * w)`` points (fewer if zero-norm filters were dropped).
    """
    W = weights.detach().cpu().numpy() if hasattr(weights, "detach") else np.asarray(weights)
    if W.ndim not in (4, 5):
        raise ValueError(
            f"weights must have shape (out, in, h, w) or (n_networks, out, in, h, w); got {W.shape}"
        )
    h, w = W.shape[-2:]
    X = W.reshape(-1, h * w).astype(np.float64)
    if not normalise:
        return X
    return normalise_points(X)[0]


def zero_norm_count(weights) -> int:
    """How many spatial filters :func:`spatial_filters` drops: constant (e.g. dead, all-zero) filters.

    A filter whose mean-centred norm is 0 has no direction and cannot be normalised (001 §V's
    convention); the analyses drop it, and the chapters report how many they dropped.

    Parameters
    ----------
    weights
        Conv kernels ``(out, in, h, w)`` or ``(n_networks, out, in, h, w)``, as :func:`spatial_filters`.

    Returns
    -------
    int
        The number of (output, input) channel pairs whose mean-centred filter has norm 0 (below 1e-12).

    Examples
    --------
    >>> W = np.zeros((2, 1, 3, 3)); W[0, 0, 0, 0] = 1.0
    >>> zero_norm_count(W)
    1
    """
    X = spatial_filters(weights, normalise=False)
    return int((~normalise_points(X)[1]).sum())


def _profile_patches(values: np.ndarray) -> np.ndarray:
    P = values - values.mean(axis=1, keepdims=True)
    return P / np.linalg.norm(P, axis=1, keepdims=True)


def primary_circle_patches(n: int = 64, phase: float = 0.0) -> np.ndarray:
    """Idealised primary circle: linear gradients ``cos(t) x + sin(t) y`` at ``n`` equally spaced angles.

    Returns (n, 9) mean-centred, unit-Euclidean-norm patches (row-major 3x3).
    """
    n = integer(n, "n (number of angles)", minimum=1)
    t = phase + 2 * np.pi * np.arange(n) / n
    return _profile_patches(np.cos(t)[:, None] * _GRID_X + np.sin(t)[:, None] * _GRID_Y)


def secondary_circle_patches(n: int = 64, axis: str = "x") -> np.ndarray:
    """Idealised secondary circle: ``cos(t) u + sin(t) (3 u^2 - 2)`` with ``u`` = x or y.

    These are the patches that depend on one coordinate only (lines and edges along one axis);
    returns (n, 9) mean-centred, unit-norm patches.
    """
    if axis not in ("x", "y"):
        raise ValueError("axis must be 'x' (vertical structures) or 'y' (horizontal structures)")
    n = integer(n, "n (number of angles)", minimum=1)
    u = _GRID_X if axis == "x" else _GRID_Y
    t = 2 * np.pi * np.arange(n) / n
    return _profile_patches(np.cos(t)[:, None] * u + np.sin(t)[:, None] * (3 * u**2 - 2))


def klein_bottle_patches(n_theta: int = 8, n_phi: int = 8) -> np.ndarray:
    """Idealised Klein bottle of Carlsson et al. (2008): ``c (a x + b y)^2 + d (a x + b y)``.

    ``(a, b) = (cos theta, sin theta)``, ``(c, d) = (sin phi, cos phi)`` on an ``n_theta x n_phi`` grid
    (theta in [0, pi), phi in [0, 2 pi)). The patch at ``(theta + pi, phi)`` equals the one at
    ``(theta, pi - phi)``: this twisted identification makes the torus of parameters a Klein bottle.
    phi = 0 gives the primary circle; theta = 0 or pi/2 the two secondary circles.
    Returns (n_theta * n_phi, 9) mean-centred, unit-norm patches.
    """
    n_theta = integer(n_theta, "n_theta", minimum=1)
    n_phi = integer(n_phi, "n_phi", minimum=1)
    th = np.pi * np.arange(n_theta) / n_theta
    ph = 2 * np.pi * np.arange(n_phi) / n_phi
    T, Ph = np.meshgrid(th, ph, indexing="ij")
    T, Ph = T.reshape(-1, 1), Ph.reshape(-1, 1)
    s = np.cos(T) * _GRID_X + np.sin(T) * _GRID_Y
    return _profile_patches(np.sin(Ph) * s**2 + np.cos(Ph) * s)


def sample_patches(images, n_per_image: int, size: int = 3, seed: int = 0) -> np.ndarray:
    """Sample ``n_per_image`` random ``size x size`` patches from each greyscale image.

    Returns (n_images * n_per_image, size * size) patches (row-major), reproducible under ``seed``.
    """
    n_per_image = integer(n_per_image, "n_per_image", minimum=1)
    size = integer(size, "size", minimum=1)
    if len(images) == 0:
        raise ValueError("sample_patches needs at least one image; got none")
    rng = np.random.default_rng(seed)
    out = []
    for k, img in enumerate(images):
        img = finite_array(img, f"image {k}")
        if img.ndim != 2 or min(img.shape) < size:
            raise ValueError(f"image {k} must be a 2-D greyscale array of at least {size}x{size}; got {img.shape}")
        r = rng.integers(0, img.shape[0] - size + 1, n_per_image)
        c = rng.integers(0, img.shape[1] - size + 1, n_per_image)
        dr, dc = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        out.append(img[r[:, None, None] + dr, c[:, None, None] + dc].reshape(n_per_image, size * size))
    return np.concatenate(out, axis=0)


def high_contrast_dct(
    patches: np.ndarray, top: float = 0.2, log_intensity: bool = True
) -> np.ndarray:
    """The 2008 pipeline from raw patches to points of M: log intensity, top ``top`` fraction by D-norm,
    mean-centre, D-normalise, DCT coordinates.

    Parameters
    ----------
    patches
        (n, 9) raw patches with intensities in [0, 1] (as :func:`sample_patches` returns from
        images scaled to [0, 1]).
    top
        Fraction of highest-contrast patches kept (the 2008 paper keeps the top 20%).
    log_intensity
        Apply ``log(1 + 255 I)`` first (8-bit photographs; van Hateren's data were log-transformed).
    """
    if not 0 < top <= 1:
        raise ValueError(f"top must be a fraction in (0, 1]; got {top}")
    P = _as_patch_matrix(patches)
    if log_intensity:
        if np.any(P < 0):
            raise ValueError("log intensity needs non-negative intensities (scale images to [0, 1])")
        P = np.log1p(255.0 * P)
    P = P - P.mean(axis=1, keepdims=True)
    contrast = d_norm(P)
    n_keep = int(np.floor(top * len(P)))
    order = np.argsort(-contrast, kind="stable")[:n_keep]
    order = order[contrast[order] > 1e-12]
    return patches_to_dct(P[order], normalise=True)


def plot_patches(patches: np.ndarray, ncols: int = 8, axes=None, titles=None, cmap: str = "gray"):
    """Draw 3x3 (or h x w) patches as small greyscale thumbnails; returns the figure.

    ``patches`` is (n, 9), (n, 3, 3) or (n, h, w). Each thumbnail uses its own symmetric grey scale
    (mid-grey = 0), so the orientation of an edge is what one sees.
    """
    import matplotlib.pyplot as plt

    P = np.asarray(patches, dtype=np.float64)
    if P.ndim == 2:
        side = int(round(np.sqrt(P.shape[1])))
        if side * side != P.shape[1]:
            raise ValueError(f"cannot draw patches of dimension {P.shape[1]} as squares")
        P = P.reshape(len(P), side, side)
    n = len(P)
    if axes is None:
        nrows = int(np.ceil(n / ncols))
        fig, axes = plt.subplots(nrows, ncols, figsize=(0.9 * ncols, 0.9 * nrows + 0.2), squeeze=False)
    else:
        fig = np.ravel(axes)[0].figure
    flat = np.ravel(axes)
    for i, ax in enumerate(flat):
        ax.set_axis_off()
        if i < n:
            m = np.abs(P[i]).max() or 1.0
            ax.imshow(P[i], cmap=cmap, vmin=-m, vmax=m, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=7)
    return fig
