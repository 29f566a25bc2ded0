"""Helpers for the MNIST chapters: shared run configurations, idealised filter banks,
cross-domain evaluation, learning-curve speed-ups and distances to the model spaces.

The three MNIST chapters (filters, training dynamics, generalisation) share trained
networks through :func:`topo_helpers.train.train_many_cached`; :func:`mnist_config`
builds the one configuration they all use, so equal parameters give equal cache keys.

Choices (001 §VI leaves them open; the book states them):

* **Idealised and random banks** (:func:`filter_bank`): 64 primary-circle gradients at
  equally spaced angles; 64 Klein-bottle patches on an 8 x 8 grid of its two angles; 64
  gaussian filters (i.i.d. N(0, 1) entries). All three are mean-centred and scaled to
  unit Euclidean norm, so that they differ only in *shape*, not in scale.
* **Fixed layer 1**: only ``conv1.weight`` is frozen; its bias trains.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from .cloud import core_barcodes  # noqa: F401  (re-exported: its home is topo_helpers.cloud)
from .patches import (  # noqa: F401  (re-exported: their home is topo_helpers.patches)
    distance_to_patches,
    filter_bank,
    gradient_angles,
)
from .train import TrainConfig, TrainResult, prep_input

__all__ = [
    "filter_bank",
    "mnist_config",
    "first_images",
    "evaluate_networks",
    "iterations_to_accuracy",
    "speedup",
    "distance_to_patches",
    "core_barcodes",
    "gradient_angles",
]


def mnist_config(
    X: int = 64,
    Y: int = 32,
    Z: int = 64,
    *,
    n_networks: int,
    iterations: int,
    lr: float,
    seed: int = 0,
    checkpoints: Sequence[int] = (),
    batch_size: int = 128,
    fixed_conv1: np.ndarray | None = None,
    append_filters: np.ndarray | None = None,
) -> TrainConfig:
    """The configuration of ``M(X, Y, Z)`` trained on MNIST (Adam, dataset name ``"mnist"``).

    Every MNIST chapter builds its runs through this function, so the same parameters give the
    same :func:`topo_helpers.train.config_key` and the chapters share the trained networks.

    Parameters
    ----------
    X, Y, Z
        The architecture ``M(X, Y, Z)`` (Table I of 001).
    n_networks, iterations, lr, seed, checkpoints, batch_size
        As in :class:`topo_helpers.train.TrainConfig`.
    fixed_conv1
        ``(X, 1, 3, 3)`` weights for layer 1, frozen during training (001 §VI).
    append_filters
        ``(K, 1, 3, 3)`` fixed filters whose responses are appended to the input (Fig 13).
    """
    fixed = None if fixed_conv1 is None else {"conv1.weight": np.asarray(fixed_conv1, dtype=np.float32)}
    return TrainConfig(
        arch="M",
        arch_kwargs={"X": X, "Y": Y, "Z": Z},
        n_networks=n_networks,
        iterations=iterations,
        batch_size=batch_size,
        optimizer="adam",
        lr=lr,
        seed=seed,
        dataset="mnist",
        checkpoints=tuple(sorted({int(c) for c in checkpoints if 0 <= c <= iterations})),
        fixed=fixed,
        append_filters=None if append_filters is None else np.asarray(append_filters, dtype=np.float32),
    )


def first_images(dataset: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` images and labels of an image set (a fixed, deterministic test subset)."""
    images, labels = np.asarray(dataset.images), np.asarray(dataset.labels)
    if not 1 <= n <= len(images):
        raise ValueError(f"n must lie in [1, {len(images)}]; got {n}")
    return images[:n], labels[:n]


@torch.no_grad()
def evaluate_networks(
    result: TrainResult,
    images: np.ndarray,
    labels: np.ndarray,
    networks: Sequence[int] | None = None,
    batch: int = 2000,
    append_filters: np.ndarray | None = None,
) -> np.ndarray:
    """Accuracy of the final networks of ``result`` on another data set.

    Images are preprocessed as in training (``uint8 / 255`` for M) and, when the run appended
    fixed filter responses, those are appended here too.

    Parameters
    ----------
    result
        A finished run: a :class:`topo_helpers.train.TrainResult`, or a :class:`topo_helpers.zoo.ZooRun`
        that keeps every network's final weights (``final_states``).
    images, labels
        ``(n, 28, 28)`` (or ``(n, C, 28, 28)``) images and ``(n,)`` labels.
    networks
        Which networks (default: all).
    append_filters
        The ``(K, 1, 3, 3)`` bank the run appended to its input (required for such runs).

    Returns
    -------
    np.ndarray
        ``(len(networks),)`` accuracies in [0, 1].
    """
    cfg = result.config
    x_all = torch.from_numpy(np.array(images, copy=True, order="C"))  # a copy: the input may be read-only
    if x_all.ndim == 3:
        x_all = x_all[:, None]
    y_all = torch.from_numpy(np.array(labels, copy=True)).long()
    append = None
    if cfg.get("append_filters") is not None:
        if append_filters is None:
            raise ValueError("this run appended filter responses to its input: pass append_filters")
        append = torch.as_tensor(np.asarray(append_filters), dtype=torch.float32)
    ids = range(result.n_networks) if networks is None else networks
    out = []
    for i in ids:
        m = result.model(i)
        correct = 0
        for s in range(0, len(x_all), batch):
            x = prep_input(x_all[s : s + batch], cfg["preprocess"], torch.float32, append)
            correct += int((m(x).argmax(-1) == y_all[s : s + batch]).sum())
        out.append(correct / len(x_all))
    return np.asarray(out)


def iterations_to_accuracy(iterations: Sequence[int], accuracy: Sequence[float], target: float) -> float:
    """First iteration at which a learning curve reaches ``target`` (linear interpolation).

    Returns ``nan`` if the curve never reaches it. ``iterations`` must increase.
    """
    it = np.asarray(iterations, dtype=float)
    acc = np.asarray(accuracy, dtype=float)
    if it.shape != acc.shape or it.ndim != 1:
        raise ValueError("iterations and accuracy must be 1-D arrays of equal length")
    if np.any(np.diff(it) <= 0):
        raise ValueError("iterations must increase")
    hit = np.nonzero(acc >= target)[0]
    if hit.size == 0:
        return float("nan")
    j = int(hit[0])
    if j == 0:
        return float(it[0])
    a0, a1 = acc[j - 1], acc[j]
    return float(it[j - 1] + (target - a0) / (a1 - a0) * (it[j] - it[j - 1]))


def speedup(iterations: Sequence[int], baseline: Sequence[float], other: Sequence[float], target: float) -> float:
    """Speed-up of ``other`` over ``baseline``: the ratio of iterations each needs to reach ``target``.

    ``> 1`` means ``other`` reaches the target accuracy sooner; ``nan`` if either never does.
    """
    a = iterations_to_accuracy(iterations, baseline, target)
    b = iterations_to_accuracy(iterations, other, target)
    if not (np.isfinite(a) and np.isfinite(b)) or b <= 0:
        return float("nan")
    return a / b


