"""Your own network: the book's whole filter analysis for any torch model or state dict, in a few lines.

The chapters analyse networks the book trained (the zoo) or VGG16; this module runs the same
pipeline on any convolutional layer of any network::

    from topo_helpers import network
    res = network.analyse_network(model, "features.0")   # an nn.Module or a state dict, a layer name
    print(res.summary())
    res.plot()                                            # Mapper with the mean filter at each node

It takes the layer's spatial filters (one point per output and input channel, mean-centred and
normalised, 001 §V), the density filtration rho(k, p), lazy witness barcodes and Mapper
(:func:`topo_helpers.cloud.analyse_cloud`), and judges and fits them as the chapters do: the
book's primary-circle rule (:func:`topo_helpers.cloud.primary_circle_test`), the three-circle
model and the Klein bottle of natural-image patches (:mod:`topo_helpers.patches`), and the patch
types.

**Kernels other than 3x3** (AlexNet's 11x11, ResNet's 7x7, 5x5) follow one stated rule,
:data:`KERNEL_RULE`: the primary circle is measured in the kernel's own ``k x k`` space, against
the ``k x k`` analogue of the model (linear gradients ``cos(t) x + sin(t) y`` on the ``k x k``
grid, :func:`gradient_patches`); the topology and the 3x3 models (three circles, Klein bottle,
patch types) are computed on the kernels averaged down to 3x3 (adaptive average pooling, which
maps a linear gradient to a linear gradient of the same orientation). 1x1 kernels have no spatial
structure and are refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from . import cloud, filters, patches
from .validate import integer, number

__all__ = [
    "KERNEL_RULE",
    "conv_layers",
    "layer_weights",
    "to_3x3",
    "gradient_patches",
    "own_size_circle_fit",
    "NetworkAnalysis",
    "analyse_network",
]

#: How kernels of another size than 3x3 are analysed (the module docstring says why).
KERNEL_RULE = ("k x k kernels: primary circle measured in their own k x k space against k x k linear gradients; "
               "barcodes, Mapper, three circles, Klein bottle and patch types on the kernels averaged down to "
               "3 x 3 (adaptive average pooling)")


def _state(source: Any) -> Mapping[str, Any]:
    if isinstance(source, torch.nn.Module):
        return source.state_dict()
    if isinstance(source, Mapping):
        return source
    raise ValueError(f"source must be a torch nn.Module or a state dict (a mapping of names to tensors); "
                     f"got {type(source).__name__}")


def conv_layers(source: Any) -> dict[str, tuple[int, ...]]:
    """The convolutional layers of a model or state dict: name -> weight shape ``(out, in, h, w)``.

    Names are those of the state dict without ``.weight`` (``"conv1"``, ``"features.0"``; ``""`` for
    a bare ``nn.Conv2d``), in the model's order.
    """
    out = {}
    for key, w in _state(source).items():
        if (key == "weight" or key.endswith(".weight")) and hasattr(w, "shape") and len(w.shape) == 4:
            out[key[: -len("weight")].rstrip(".")] = tuple(int(s) for s in w.shape)
    return out


def layer_weights(source: Any, layer: str | None = None) -> tuple[str, np.ndarray]:
    """The weights ``(out, in, h, w)`` of one convolutional layer, as float64.

    Parameters
    ----------
    source : nn.Module or mapping
        A model or its state dict.
    layer : str, optional
        The layer's name as :func:`conv_layers` lists it (``"conv1"``; ``"conv1.weight"`` works
        too). Default: the first convolutional layer.

    Returns
    -------
    name, weights

    Raises
    ------
    ValueError
        If the model has no convolutional layer, the name is not one of them (the message lists
        them), or the weights hold NaN or inf.
    """
    layers = conv_layers(source)
    if not layers:
        raise ValueError("the model has no convolutional layer (no 4-D '.weight' in its state dict)")
    if layer is None:
        layer = next(iter(layers))
    name = layer[: -len("weight")].rstrip(".") if isinstance(layer, str) and layer.endswith("weight") else layer
    if name not in layers:
        raise ValueError(f"no convolutional layer {layer!r}; the model has: {', '.join(map(repr, layers))}")
    w = _state(source)[f"{name}.weight" if name else "weight"]
    W = (w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)).astype(np.float64)
    if not np.isfinite(W).all():
        raise ValueError(f"layer {name!r} holds NaN or inf weights (a diverged network?)")
    return name, W


def to_3x3(W: np.ndarray) -> np.ndarray:
    """Kernels ``(out, in, h, w)`` averaged down to 3x3 (adaptive average pooling); 3x3 unchanged.

    Raises
    ------
    ValueError
        For kernels that are not 4-D or smaller than 3x3 in either direction.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4:
        raise ValueError(f"kernels must be (out, in, h, w); got shape {W.shape}")
    if W.shape[2] < 3 or W.shape[3] < 3:
        raise ValueError(f"kernels of {W.shape[2]}x{W.shape[3]} are smaller than 3x3: they have too little "
                         f"spatial structure for the patch models (1x1 kernels have none)")
    if W.shape[2:] == (3, 3):
        return W
    return F.adaptive_avg_pool2d(torch.from_numpy(W), (3, 3)).numpy()


def gradient_patches(size: int, n: int = 3600) -> np.ndarray:
    """The ``size x size`` primary circle: linear gradients ``cos(t) x + sin(t) y``, mean-centred, unit norm.

    For ``size = 3`` these are :func:`topo_helpers.filters.primary_circle_patches`.

    Returns
    -------
    np.ndarray, shape (n, size * size), row-major, the top row at ``y = +1``.
    """
    size = integer(size, "size", minimum=2)
    n = integer(n, "n", minimum=1)
    c = np.linspace(-1.0, 1.0, size)
    x = np.tile(c, size)
    y = np.repeat(c[::-1], size)
    t = 2 * np.pi * np.arange(n) / n
    P = np.cos(t)[:, None] * x[None] + np.sin(t)[:, None] * y[None]
    P -= P.mean(axis=1, keepdims=True)
    return P / np.linalg.norm(P, axis=1, keepdims=True)


def own_size_circle_fit(W: np.ndarray, near: float = 0.5, n_bins: int = 16) -> dict[str, float]:
    """:func:`topo_helpers.patches.primary_circle_fit` in the kernels' own ``k x k`` space.

    Parameters
    ----------
    W : ndarray, shape (out, in, k, k)
        Square kernels.
    near, n_bins
        As :func:`topo_helpers.patches.primary_circle_fit`.

    Returns
    -------
    dict
        ``median_distance``, ``frac_near``, ``coverage``, ``n_near`` over the non-constant filters.
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4 or W.shape[2] != W.shape[3]:
        raise ValueError(f"kernels must be square (out, in, k, k); got shape {W.shape}")
    X = filters.spatial_filters(W)
    if len(X) == 0:
        raise ValueError("every filter of the layer is constant (zero after mean-centring): nothing to fit")
    return patches.circle_fit(X, gradient_patches(W.shape[2]), near, n_bins)


@dataclass
class NetworkAnalysis:
    """The result of :func:`analyse_network`.

    Attributes
    ----------
    layer : str
        The layer analysed.
    n_networks : int
        Networks whose filters were pooled.
    kernel_size : tuple of int
        ``(h, w)`` of its kernels.
    n_filters : int
        Spatial filters analysed (out x in, constant ones dropped).
    n_zero_norm : int
        Constant (e.g. dead) filters dropped before the analysis.
    cloud : topo_helpers.cloud.CloudAnalysis
        rho(k, p) core, barcodes, Mapper and the 3x3 primary-circle fit.
    circle : topo_helpers.cloud.CircleTest
        The book's primary-circle rule on the core.
    own_size_circle : dict or None
        :func:`own_size_circle_fit` of all filters for kernels other than 3x3 (None for 3x3).
    three_circles : dict
        :func:`topo_helpers.patches.circle_model_fit` of the core (shares on each circle, coverage).
    klein : dict
        :func:`topo_helpers.patches.klein_bottle_fit` of the core.
    types : collections.Counter
        Patch types of the core (:func:`topo_helpers.patches.patch_type_names`).
    """

    layer: str
    n_networks: int
    kernel_size: tuple[int, int]
    n_filters: int
    n_zero_norm: int
    cloud: cloud.CloudAnalysis
    circle: cloud.CircleTest
    own_size_circle: dict | None
    three_circles: dict
    klein: dict
    types: Counter

    def summary(self) -> str:
        """A few lines: the layer, the core, the barcodes, Mapper, and each model's fit."""
        c = self.cloud
        kh, kw = self.kernel_size
        pooled = f" of {self.n_networks} networks" if self.n_networks > 1 else ""
        lines = [f"layer {self.layer!r}{pooled}: {kh}x{kw} kernels, {self.n_filters:,} spatial filters "
                 f"({self.n_zero_norm} constant ones dropped)"]
        if self.own_size_circle is not None:
            o = self.own_size_circle
            lines.append(f"  in their own {kh}x{kw} space: {o['frac_near']:.0%} within 0.5 of the {kh}x{kw} primary "
                         f"circle, {o['coverage']:.0%} of orientations; the rest on their 3x3 averages (network.KERNEL_RULE)")
        lines.append(f"  rho({c.k},{c.p}) -> {len(c.core):,} points; persistent bars H0 "
                     f"{c.barcodes.n_persistent(0)}, H1 {c.n_h1} (longest H1 {c.h1_max:.2f})")
        if c.graph is not None:
            lines.append(f"  Mapper: {c.graph.summary()}, loops {c.loops}")
        lines.append(f"  primary circle (the book's rule): {self.circle.why()}")
        f = self.three_circles["frac"]
        lines.append(f"  three-circle model: primary {f['primary']:.0%}, secondary {f['secondary x']:.0%} + "
                     f"{f['secondary y']:.0%}, off {f['off']:.0%}; on a secondary circle's line half "
                     f"{self.three_circles['line_frac']:.0%}")
        lines.append(f"  Klein bottle: {1 - self.klein['frac_far']:.0%} within 0.5 of it")
        top = ", ".join(f"{name} {n / max(1, len(c.core)):.0%}" for name, n in self.types.most_common(4))
        lines.append(f"  patch types: {top}")
        return "\n".join(lines)

    def plot(self, ax: Any = None, n_thumbnails: int = 14, seed: int = 0) -> Any:
        """Mapper of the core with the mean 3x3 filter of some nodes drawn beside them; returns the axes."""
        from . import mapper

        if self.cloud.graph is None:
            raise ValueError("this analysis has no Mapper graph: run analyse_network(..., mapper=True)")
        g = self.cloud.graph
        return mapper.plot_mapper(g, ax=ax, node_patches=g.node_means(self.cloud.core).reshape(-1, 3, 3),
                                  n_thumbnails=n_thumbnails, seed=seed,
                                  title=f"{self.layer}: Mapper of rho({self.cloud.k},{self.cloud.p})")


def analyse_network(source: Any, layer: str | None = None, *, k: int | None = None, p: float = 0.3,
                    mapper: bool = True, resolution: int | None = None, gain: float = 3.0, min_cluster_size: int = 5,
                    n_landmarks: int = 100, nu: int = 2, seed: int = 0) -> NetworkAnalysis:
    """The book's analysis of one convolutional layer of any network.

    Parameters
    ----------
    source : nn.Module or mapping, or a list of them
        The network, or its state dict; a list pools the layer's filters of several networks of
        one architecture, as the papers pool 100 trained networks.
    layer : str, optional
        Layer name (:func:`conv_layers`); default the first convolutional layer.
    k, p : int, float
        Density filtration rho(k, p). Default ``k``: 001 Fig 2's rho(200, 0.3) for 6,400 filters,
        ``k`` scaled to this layer's number of filters (:func:`topo_helpers.cloud.scaled_k`, at
        least 5); ``p = 0.3``.
    mapper, resolution, gain, min_cluster_size
        Mapper of the core (:func:`topo_helpers.mapper.mapper_graph`). Default resolution: Fig 2's
        Mapper(30, 3) on 1,920 points, scaled to keep its points per cover cell
        (:func:`topo_helpers.cifar.scaled_resolution`, at least 5).
    n_landmarks, nu, seed
        Lazy witness barcodes (:func:`topo_helpers.persistence.witness_barcodes`).

    Returns
    -------
    NetworkAnalysis
        ``.summary()`` prints it, ``.plot()`` draws Mapper with mean filters.

    Raises
    ------
    ValueError
        For an unknown layer (the message lists the layers), kernels smaller than 3x3, NaN weights,
        pooled networks whose layers differ in shape, or fewer than 10 non-constant spatial filters
        (too few for any shape).
    """
    sources = list(source) if isinstance(source, (list, tuple)) else [source]
    if not sources:
        raise ValueError("give a network, a state dict, or a non-empty list of them")
    named = [layer_weights(s, layer) for s in sources]
    name = named[0][0]
    if len({w.shape[1:] for _, w in named}) > 1:
        raise ValueError(f"the pooled networks' layers {name!r} differ in shape: "
                         f"{sorted({tuple(w.shape) for _, w in named})}; pool networks of one architecture")
    W = np.concatenate([w for _, w in named])
    X, kept = filters.normalise_points(filters.spatial_filters(to_3x3(W), normalise=False))
    n_zero = int((~kept).sum())   # as filters.zero_norm_count, without normalising twice
    if len(X) < 10:
        raise ValueError(f"layer {name!r} has {len(X)} non-constant spatial filters; at least 10 are needed "
                         f"(analyse a layer with more channels, or pool the filters of several networks)")
    k = cloud.scaled_k(200, len(X), 6400, k_min=5) if k is None else integer(k, "k", minimum=1)
    k = min(k, len(X) - 1)
    p = number(p, "p", 0, 1, open_min=True)
    if resolution is None:
        from .cifar import scaled_resolution

        resolution = scaled_resolution(30, max(1, int(p * len(X))), 1920, minimum=5)
    res = cloud.analyse_cloud(X, k, p, mapper=mapper, resolution=resolution, gain=gain,
                              min_cluster_size=min_cluster_size, n_landmarks=n_landmarks, nu=nu, seed=seed)
    own = None if W.shape[2:] == (3, 3) else own_size_circle_fit(W) if W.shape[2] == W.shape[3] else None
    return NetworkAnalysis(
        layer=name, n_networks=len(sources), kernel_size=(int(W.shape[2]), int(W.shape[3])), n_filters=len(X), n_zero_norm=n_zero,
        cloud=res, circle=res.circle_test(), own_size_circle=own, three_circles=patches.circle_model_fit(res.core),
        klein=patches.klein_bottle_fit(res.core), types=Counter(patches.patch_type_names(res.core).tolist()))
