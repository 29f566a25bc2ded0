"""CIFAR-10 for the filter chapters: the paper's greyscale conversion, test subsets, shared runs.

Brüel Gabrielsson & Carlsson (001 §V-B) train ``C(X, Y, Z)`` on CIFAR-10 in colour and in
greyscale, the latter "using the weights (0.2989, 0.5870, 0.1140) for red, green, and blue".
The rest of their preprocessing (random 24x24 crop, random left-right flip, mean-centring and
normalising) is done per batch by :mod:`topo_helpers.train` (``augment="crop_flip"``,
``preprocess="standardize"``: TensorFlow's per-image standardisation).

This module adds what the chapters share:

* :func:`to_greyscale` / :func:`cifar10_grey` -- the paper's greyscale images (float32, not
  re-quantised to 8 bits: the per-image standardisation follows anyway);
* :func:`stratified_subset` -- a class-balanced, deterministic subset (the offline test split is
  grouped by class, so its first images are all aeroplanes);
* :func:`cifar_config` and :func:`train_cifar_cached` -- one configuration and one cached run,
  so that the greyscale chapters (05, 06) reuse the same trained networks;
* :func:`scaled_resolution`, :func:`circle_model_fit`, :func:`channel_cosines` and
  :func:`circle_model_sample` -- for the colour chapter (07): a Mapper resolution for a
  scaled-down cloud, the three-circle model fit, how alike the R, G and B filters of one unit
  are, and noisy idealised models as a control of what a small cloud can show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .patches import (  # noqa: F401  (re-exported: their home is topo_helpers.patches)
    circle_model_fit,
    circle_model_sample,
    diluted_model_sample,
)

__all__ = [
    "GREY_WEIGHTS",
    "CifarArrays",
    "to_greyscale",
    "cifar10_arrays",
    "stratified_subset",
    "cifar_config",
    "train_cifar_cached",
    "channel_filters",
    "scaled_resolution",
    "circle_model_fit",
    "channel_cosines",
    "circle_model_sample",
    "diluted_model_sample",
]

#: The paper's greyscale weights for R, G, B (001 §V-B-1; ITU-R BT.601 luma).
GREY_WEIGHTS = (0.2989, 0.5870, 0.1140)


@dataclass(frozen=True)
class CifarArrays:
    """CIFAR-10 images ready for :func:`topo_helpers.train.train_many`.

    Attributes
    ----------
    images : np.ndarray
        ``(N, 32, 32)`` float32 greyscale in [0, 255], or ``(N, 32, 32, 3)`` uint8 RGB.
    labels : np.ndarray
        ``(N,)`` int64.
    lossy : bool
        True for the offline JPEG copy (decoded pixels differ from the official ones).
    note : str
        The loader's caveat, to be printed by the chapter.
    """

    images: np.ndarray
    labels: np.ndarray
    lossy: bool
    note: str

    def __len__(self) -> int:
        return int(self.labels.shape[0])


def to_greyscale(images: np.ndarray, weights: Sequence[float] = GREY_WEIGHTS) -> np.ndarray:
    """Greyscale ``sum_c w_c * image[..., c]`` of channels-last RGB images.

    Parameters
    ----------
    images : array_like, shape (..., 3)
        RGB images (any numeric dtype; uint8 in [0, 255] for CIFAR-10).
    weights : sequence of 3 floats
        Weights of R, G, B; default the paper's (0.2989, 0.5870, 0.1140).

    Returns
    -------
    np.ndarray
        float32 array of shape ``images.shape[:-1]``.
    """
    X = np.asarray(images)
    if X.ndim < 1 or X.shape[-1] != 3:
        raise ValueError(f"images must be channels-last RGB (..., 3); got shape {X.shape}")
    w = np.asarray(weights, dtype=np.float32)
    if w.shape != (3,):
        raise ValueError(f"weights must be three numbers (R, G, B); got {weights!r}")
    return np.tensordot(X.astype(np.float32), w, axes=([-1], [0])).astype(np.float32)


def stratified_subset(labels: np.ndarray, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of a class-balanced subset: ``per_class`` images of each class, sorted.

    Parameters
    ----------
    labels : array_like of int, shape (N,)
    per_class : int
        Images drawn (without replacement) from each class; must not exceed the smallest class.
    seed : int
        Seed of the draw.

    Returns
    -------
    np.ndarray of int64
        Sorted indices.
    """
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    out = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if per_class > len(idx):
            raise ValueError(f"class {c} has only {len(idx)} images; per_class={per_class} is too many")
        out.append(rng.choice(idx, per_class, replace=False))
    return np.sort(np.concatenate(out)).astype(np.int64)


def cifar10_arrays(split: str = "train", colour: bool = False, per_class: int | None = None,
                   seed: int = 0) -> CifarArrays:
    """CIFAR-10 from :func:`topo_helpers.data.load_cifar10`, in colour or the paper's greyscale.

    Parameters
    ----------
    split : {"train", "test"}
    colour : bool
        False: greyscale with :data:`GREY_WEIGHTS` (float32 (N, 32, 32)); True: the RGB uint8 images.
    per_class : int, optional
        Keep a class-balanced subset of this many images per class (:func:`stratified_subset`).
    seed : int
        Seed of that subset.

    Returns
    -------
    CifarArrays
        With the loader's ``lossy`` flag and note (offline: the JPEG copy).
    """
    from . import data

    s = data.load_cifar10(split)
    images, labels = s.images, s.labels
    if per_class is not None:
        idx = stratified_subset(labels, per_class, seed)
        images, labels = images[idx], labels[idx]
    images = np.ascontiguousarray(images) if colour else to_greyscale(images)
    return CifarArrays(images, np.ascontiguousarray(labels), bool(s.lossy), s.note)


def cifar_config(X: int, Y: int, Z: int, *, colour: bool, n_networks: int, iterations: int,
                 checkpoints: Sequence[int] = (), pool1: bool = True, seed: int = 0,
                 lossy: bool = True) -> Any:
    """The :class:`topo_helpers.train.TrainConfig` of a CIFAR-10 run of ``C(X, Y, Z)``.

    Everything not given here takes the trainer's C defaults (TensorFlow's CIFAR-10 tutorial where 001 is silent): SGD at rate 0.1,
    L2 decay 0.004 on the hidden FC weights, batch 128, random 24x24 crop and flip, per-image
    standardisation, TensorFlow tutorial initialisation. The data set name records colour and
    fidelity (``"cifar10-grey-jpeg"`` ...), so runs on other data never share a cache entry.
    """
    from .train import TrainConfig

    kw: dict[str, Any] = {"X": X, "Y": Y, "Z": Z}
    if colour:
        kw["colour"] = True
    if not pool1:
        kw["pool1"] = False
    name = f"cifar10-{'colour' if colour else 'grey'}-{'jpeg' if lossy else 'official'}"
    return TrainConfig(arch="C", arch_kwargs=kw, n_networks=n_networks, iterations=iterations,
                       seed=seed, dataset=name, checkpoints=tuple(checkpoints))


def train_cifar_cached(config: Any, train: CifarArrays, test: CifarArrays | None = None,
                       **kwargs: Any) -> Any:
    """:func:`topo_helpers.train.train_many_cached` on :class:`CifarArrays` (shared between chapters)."""
    from .train import train_many_cached

    kwargs.setdefault("progress", False)
    return train_many_cached(config, (train.images, train.labels),
                             test_data=None if test is None else (test.images, test.labels), **kwargs)


def channel_filters(weights: np.ndarray, channel: int, normalise: bool = True) -> np.ndarray:
    """First-layer spatial filters of one input channel (R = 0, G = 1, B = 2) as a point cloud.

    Parameters
    ----------
    weights : array_like
        Kernels ``(out, in, h, w)`` or stacked over networks ``(n, out, in, h, w)``.
    channel : int
        Input channel to keep.
    normalise : bool
        Mean-centre and normalise each filter (zero-norm filters dropped).

    Returns
    -------
    np.ndarray
        ``(n * out, h * w)`` points.
    """
    from .filters import spatial_filters

    W = np.asarray(weights)
    if W.ndim not in (4, 5):
        raise ValueError(f"weights must be (out, in, h, w) or (n, out, in, h, w); got {W.shape}")
    if not 0 <= channel < W.shape[-3]:
        raise ValueError(f"channel {channel} out of range for {W.shape[-3]} input channels")
    return spatial_filters(W[..., channel : channel + 1, :, :], normalise=normalise)


# --------------------------------------------------------------------------- colour chapter helpers


def scaled_resolution(resolution: int, n_used: int, n_full: int, minimum: int = 3) -> int:
    """A Mapper resolution for a cloud of ``n_used`` points, scaled from the paper's ``n_full``.

    With two lenses a ``resolution x resolution`` cover holds about ``n / resolution**2`` points per
    cell; ``round(resolution * sqrt(n_used / n_full))`` keeps that number as in the paper's figure,
    so a small cloud is not cut into cover elements smaller than the minimum cluster size.

    Parameters
    ----------
    resolution : int
        The paper's resolution (Mapper(30, 3): 30).
    n_used, n_full : int
        Points of our density core and of the paper's.
    minimum : int
        Smallest resolution returned.

    Returns
    -------
    int
        ``resolution`` itself when ``n_used >= n_full``.
    """
    if resolution < 1 or n_used < 1 or n_full < 1 or minimum < 1:
        raise ValueError(f"resolution, n_used, n_full and minimum must be positive; got "
                         f"{resolution}, {n_used}, {n_full}, {minimum}")
    if n_used >= n_full:
        return int(resolution)
    r = int(round(resolution * np.sqrt(n_used / n_full)))
    return int(min(resolution, max(r, minimum)))


def channel_cosines(weights: np.ndarray) -> np.ndarray:
    """Cosine between the R, G and B spatial filters of each first-layer unit (mean-centred).

    A colour filter of the first layer is three spatial filters, one per input channel. A cosine
    near +1 means the unit sees the same pattern in both channels (a luminance filter); near -1,
    opposite patterns (colour-opponent); near 0, unrelated ones.

    Parameters
    ----------
    weights : array_like
        Kernels ``(out, 3, h, w)`` or ``(n, out, 3, h, w)``.

    Returns
    -------
    np.ndarray
        ``(units, 3)``: the cosines R-G, R-B, G-B of every unit (``units = n * out``); NaN where a
        channel's filter is constant.
    """
    W = np.asarray(weights, dtype=np.float64)
    if W.ndim == 4:
        W = W[None]
    if W.ndim != 5 or W.shape[2] != 3:
        raise ValueError(f"weights must be (out, 3, h, w) or (n, out, 3, h, w); got {np.asarray(weights).shape}")
    V = W.reshape(W.shape[0] * W.shape[1], 3, -1)
    V = V - V.mean(axis=2, keepdims=True)
    nrm = np.linalg.norm(V, axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        U = V / np.where(nrm > 1e-12, nrm, np.nan)[..., None]
    return np.stack([np.sum(U[:, a] * U[:, b], axis=1) for a, b in ((0, 1), (0, 2), (1, 2))], axis=1)


