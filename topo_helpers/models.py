"""The papers' convolutional networks: ``M(X, Y, Z)``, ``C(X, Y, Z)`` and ``LeNet``.

``M`` is Table I of Gabrielsson & Carlsson (001), ``C`` is Table II, ``LeNet`` is
Caffe's LeNet (the best fit for the clique-topology paper 000). Every network
names its layers the same way, so that training code and the filter chapters
can address them by name:

``conv1``, ``conv2``
    the convolutional layers (``None`` when removed by a zero in ``X`` / ``Y``);
``fc``
    the hidden fully connected layer (``None`` when ``Z = 0``);
``readout``
    the 10-way linear readout (softmax / cross-entropy is in the loss).

Choices (the papers leave these out; the book states them):

* **Initialisation.** ``init="tf"`` (default for M and C) follows the
  TensorFlow tutorials the networks come from: M as the "deep MNIST" tutorial
  (truncated normal, std 0.1, biases 0.1); C as the CIFAR-10 tutorial (conv
  std 5e-2, conv1 bias 0, conv2 bias 0.1, FC std 0.04 bias 0.1, readout std
  1/192 bias 0). ``init="torch"`` keeps PyTorch's defaults. LeNet uses Caffe's
  ``xavier`` filler (uniform, scale sqrt(3 / fan_in)) and zero biases.
* **Pooling in C.** TensorFlow's ``'SAME'`` padding for the 3x3 stride-2 pool
  on a 24x24 map gives 12x12 with one extra row/column of padding at the
  bottom/right only; ``MaxPool2d(3, 2, ceil_mode=True)`` computes exactly the
  same windows (tested). The 2x2 stride-1 ``'SAME'`` pool pads one row/column
  at the bottom/right with ``-inf`` and keeps the map size.
* **LRN.** ``LocalResponseNorm(size=9, alpha=0.001, beta=0.75, k=1.0)``: TF's
  depth radius 4, bias 1, alpha 0.001/9 (torch divides alpha by ``size``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .validate import integer

__all__ = [
    "MNet",
    "CNet",
    "LeNet",
    "M",
    "C",
    "build_model",
    "conv_weights",
    "first_layer_maps",
    "conv_layer_names",
]


def _trunc_normal_(t: torch.Tensor, std: float) -> None:
    """TensorFlow's ``truncated_normal``: normal(0, std) cut at two std."""
    nn.init.trunc_normal_(t, mean=0.0, std=std, a=-2.0 * std, b=2.0 * std)


def _widths(X: Any, Y: Any, Z: Any) -> tuple[int, int, int]:
    """The channel counts ``(X, Y, Z)`` of M or C as integers >= 0 (0 removes that layer)."""
    return tuple(integer(v, name, minimum=0) for v, name in zip((X, Y, Z), "XYZ"))


class LocalResponseNorm(nn.Module):
    """TensorFlow's ``tf.nn.lrn`` over channels, as ``torch.nn.LocalResponseNorm`` but faster on the CPU.

    ``y_c = x_c / (k + alpha / size * sum_{|d - c| <= size // 2} x_d^2) ** beta`` (zero-padded at
    the ends; the CIFAR-10 tutorial's ``depth_radius=4, bias=1, alpha=0.001/9, beta=0.75`` is
    ``size=9, alpha=0.001, beta=0.75, k=1``). The channel window is summed as one matrix product
    with a banded 0/1 matrix on the channels-last view, and ``beta = 0.75`` as ``rsqrt(d) *
    sqrt(rsqrt(d))``: the same values as torch's module (within 1e-6 relative), 4-8x faster
    forward and backward on a 2-core CPU (``benchmarks/bench_lrn.py``), where torch's
    ``avg_pool3d`` formulation took half of a C(64,32,64) training step.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        if size < 1:
            raise ValueError(f"size must be a positive window of channels, got {size}")
        self.size, self.alpha, self.beta, self.k = int(size), float(alpha), float(beta), float(k)
        self._band: dict[tuple[int, torch.dtype, torch.device], torch.Tensor] = {}

    def _matrix(self, c: int, like: torch.Tensor) -> torch.Tensor:
        key = (c, like.dtype, like.device)
        if key not in self._band:
            i = torch.arange(c, device=like.device)
            self._band[key] = ((i[:, None] - i[None, :]).abs() <= self.size // 2).to(like.dtype)
        return self._band[key]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"LocalResponseNorm expects (B, C, H, W), got shape {tuple(x.shape)}")
        xc = x.permute(0, 2, 3, 1)  # a view when x is channels_last
        c = xc.shape[-1]
        sq = (xc * xc).reshape(-1, c)
        d = torch.addmm(torch.full((), self.k, dtype=x.dtype, device=x.device), sq, self._matrix(c, x),
                        alpha=self.alpha / self.size).reshape(xc.shape)
        if self.beta == 0.75:
            r = d.rsqrt()
            y = xc * (r * r.sqrt())
        else:
            y = xc / d.pow(self.beta)
        return y.permute(0, 3, 1, 2)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class MNet(nn.Module):
    """``M(X, Y, Z)`` of Table I (001): the MNIST network.

    Parameters
    ----------
    X, Y, Z
        Depth of conv layer 1, depth of conv layer 2, width of the hidden FC
        layer. A zero removes that whole block (conv + ReLU + pool, or FC + ReLU).
    in_channels
        Input channels (1 for MNIST; 65 for the appended-filter experiment).
    dropout
        Dropout probability before the readout (0.5 in Table I; 0 gives a
        dropout-free network: an ``nn.Identity``, no random numbers drawn).
    init
        ``"tf"`` (TensorFlow deep-MNIST tutorial) or ``"torch"``.
    image_size
        Side of the square input (28 for MNIST).

    Notes
    -----
    Shapes for an input ``(B, in_channels, 28, 28)``:

    ========================  =====================================  ===============
    network                   after the conv blocks                  FC input
    ========================  =====================================  ===============
    ``M(X, Y, Z)``            conv1 (B,X,28,28) -> pool (B,X,14,14);  ``Y * 49``
                              conv2 (B,Y,14,14) -> pool (B,Y,7,7)
    ``M(X, 0, Z)``            (B, X, 14, 14)                          ``X * 196``
    ``M(0, Y, Z)``            conv2 on the input: (B, Y, 14, 14)      ``Y * 196``
    ``M(0, 0, Z)``            the input itself                        ``in * 784``
    ========================  =====================================  ===============

    ``Z = 0`` feeds the flattened features (through dropout) to the readout.
    Convolutions are 3x3 with padding 1 ("same"); pools are 2x2 stride 2.
    Output: logits ``(B, 10)``.
    """

    def __init__(
        self,
        X: int,
        Y: int,
        Z: int,
        *,
        in_channels: int = 1,
        dropout: float = 0.5,
        init: str = "tf",
        image_size: int = 28,
        n_classes: int = 10,
    ) -> None:
        super().__init__()
        self.arch = X, Y, Z = _widths(X, Y, Z)
        c, s = in_channels, image_size
        self.conv1 = nn.Conv2d(c, X, 3, padding=1) if X else None
        if X:
            c, s = X, s // 2
        self.conv2 = nn.Conv2d(c, Y, 3, padding=1) if Y else None
        if Y:
            c, s = Y, s // 2
        self.feature_size = c * s * s
        self.fc = nn.Linear(self.feature_size, Z) if Z else None
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.readout = nn.Linear(Z if Z else self.feature_size, n_classes)
        if init == "tf":
            for m in self.modules():
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    _trunc_normal_(m.weight, 0.1)
                    nn.init.constant_(m.bias, 0.1)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.conv1 is not None:
            x = F.max_pool2d(F.relu(self.conv1(x)), 2, 2)
        if self.conv2 is not None:
            x = F.max_pool2d(F.relu(self.conv2(x)), 2, 2)
        x = x.flatten(-3)
        if self.fc is not None:
            x = F.relu(self.fc(x))
        return self.readout(self.dropout(x))


class CNet(nn.Module):
    """``C(X, Y, Z)`` of Table II (001): the CIFAR-10 network.

    Parameters
    ----------
    X, Y, Z
        Depths of conv layers 1 and 2 and width of the hidden FC layer; a
        zero removes that block.
    colour
        Three input channels (colour) instead of one (greyscale).
    pool1
        ``False`` removes the first max-pool (Fig 7's C(48, 0, 64)
        "without max-pooling"; the LRN is kept).
    init
        ``"tf"`` (TensorFlow CIFAR-10 tutorial) or ``"torch"``.
    image_size
        Side of the square input (24: the crop).

    Notes
    -----
    Block 1: conv 3x3 same -> ReLU -> max-pool 3x3 stride 2 ('SAME') -> LRN.
    Block 2: conv 3x3 same -> ReLU -> max-pool 2x2 stride 1 ('SAME') -> LRN.
    Then FC Z + ReLU and the readout (no dropout). Shapes for ``(B, c, 24, 24)``:

    ==========================  =========================  ===========
    network                     after the conv blocks      FC input
    ==========================  =========================  ===========
    ``C(X, Y, Z)``              (B, Y, 12, 12)             ``Y * 144``
    ``C(X, 0, Z)``              (B, X, 12, 12)             ``X * 144``
    ``C(X, Y, Z, pool1=False)`` (B, Y, 24, 24)             ``Y * 576``
    ``C(X, 0, Z, pool1=False)`` (B, X, 24, 24)             ``X * 576``
    ==========================  =========================  ===========
    """

    def __init__(
        self,
        X: int,
        Y: int,
        Z: int,
        *,
        colour: bool = False,
        pool1: bool = True,
        in_channels: int | None = None,
        init: str = "tf",
        image_size: int = 24,
        n_classes: int = 10,
    ) -> None:
        super().__init__()
        self.arch = X, Y, Z = _widths(X, Y, Z)
        self.pool1 = bool(pool1)
        c = in_channels if in_channels is not None else (3 if colour else 1)
        s = image_size
        self.conv1 = nn.Conv2d(c, X, 3, padding=1) if X else None
        if X:
            c = X
            if pool1:
                s = math.ceil(s / 2)
        self.conv2 = nn.Conv2d(c, Y, 3, padding=1) if Y else None
        if Y:
            c = Y  # 2x2 stride-1 'SAME' pool keeps the size
        self.lrn = LocalResponseNorm(size=9, alpha=0.001, beta=0.75, k=1.0)
        self.feature_size = c * s * s
        self.fc = nn.Linear(self.feature_size, Z) if Z else None
        self.readout = nn.Linear(Z if Z else self.feature_size, n_classes)
        if init == "tf":
            for name, std, bias in (
                ("conv1", 5e-2, 0.0),
                ("conv2", 5e-2, 0.1),
                ("fc", 0.04, 0.1),
                ("readout", 1.0 / 192.0, 0.0),
            ):
                m = getattr(self, name)
                if m is not None:
                    _trunc_normal_(m.weight, std)
                    nn.init.constant_(m.bias, bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.conv1 is not None:
            x = F.relu(self.conv1(x))
            if self.pool1:
                # == TF 'SAME' 3x3/2 pool: pad one row/col at bottom/right only
                x = F.max_pool2d(x, 3, 2, ceil_mode=True)
            x = self.lrn(x)
        if self.conv2 is not None:
            x = F.relu(self.conv2(x))
            x = F.pad(x, (0, 1, 0, 1), value=float("-inf"))  # TF 'SAME', stride 1
            x = self.lrn(F.max_pool2d(x, 2, 1))
        x = x.flatten(-3)
        if self.fc is not None:
            x = F.relu(self.fc(x))
        return self.readout(x)


class LeNet(nn.Module):
    """Caffe's LeNet (``examples/mnist/lenet_train_test.prototxt``).

    conv1 20 x 5x5 (no padding; 28 -> 24x24 maps) -> max-pool 2x2/2 (12x12)
    -> conv2 50 x 5x5 (8x8) -> max-pool 2x2/2 (4x4) -> FC 500 -> ReLU -> FC 10.
    Caffe's LeNet has no ReLU after the convolutions, so the first-layer
    feature maps of Eq 1 (before any ReLU) are simply ``conv1(x)``:
    :meth:`feature_maps`.

    Parameters
    ----------
    in_channels
        Input channels (1).
    init
        ``"caffe"`` (xavier weights, zero biases; default) or ``"torch"``.
    """

    def __init__(self, *, in_channels: int = 1, init: str = "caffe", n_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.feature_size = 50 * 4 * 4
        self.fc = nn.Linear(self.feature_size, 500)
        self.readout = nn.Linear(500, n_classes)
        if init == "caffe":
            for m in (self.conv1, self.conv2, self.fc, self.readout):
                fan_in = m.weight[0].numel()
                a = math.sqrt(3.0 / fan_in)
                nn.init.uniform_(m.weight, -a, a)
                nn.init.zeros_(m.bias)
        elif init != "torch":
            raise ValueError(f"unknown init {init!r}")

    def feature_maps(self, x: torch.Tensor) -> torch.Tensor:
        """First-layer feature maps ``F = I * W`` (Eq 1, with bias), before any ReLU.

        Parameters
        ----------
        x
            Images ``(B, 1, 28, 28)``.

        Returns
        -------
        torch.Tensor
            ``(B, 20, 24, 24)``.
        """
        return self.conv1(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.conv1(x), 2, 2)
        x = F.max_pool2d(self.conv2(x), 2, 2)
        x = F.relu(self.fc(x.flatten(-3)))
        return self.readout(x)


def M(X: int, Y: int, Z: int, **kwargs: Any) -> MNet:
    """Build ``M(X, Y, Z)`` (Table I). See :class:`MNet` for the keyword arguments."""
    return MNet(X, Y, Z, **kwargs)


def C(X: int, Y: int, Z: int, colour: bool = False, pool1: bool = True, **kwargs: Any) -> CNet:
    """Build ``C(X, Y, Z)`` (Table II). See :class:`CNet` for the keyword arguments."""
    return CNet(X, Y, Z, colour=colour, pool1=pool1, **kwargs)


def build_model(arch: str, **kwargs: Any) -> nn.Module:
    """Build a network by name: ``"M"``, ``"C"`` or ``"LeNet"``.

    Parameters
    ----------
    arch
        Architecture name.
    **kwargs
        Passed to :func:`M`, :func:`C` or :class:`LeNet` (``X``, ``Y``, ``Z`` ...).

    Returns
    -------
    torch.nn.Module
    """
    if arch == "M":
        return M(**kwargs)
    if arch == "C":
        return C(**kwargs)
    if arch.lower() == "lenet":
        return LeNet(**kwargs)
    raise ValueError(f"unknown architecture {arch!r}")


def conv_layer_names(model: nn.Module) -> list[str]:
    """Names (``"conv1"``, ``"conv2"``) of the convolutional layers a network has."""
    return [n for n in ("conv1", "conv2") if getattr(model, n, None) is not None]


def _layer_key(layer: int | str) -> str:
    if isinstance(layer, (int, np.integer)):
        return f"conv{int(layer)}.weight"
    return layer if layer.endswith(".weight") else f"{layer}.weight"


def conv_weights(model_or_state: Any, layer: int | str = 1) -> np.ndarray:
    """Convolution kernels of one layer as a float numpy array.

    Parameters
    ----------
    model_or_state
        An ``nn.Module``, a state dict (tensors or arrays), or any object with
        a ``state`` attribute holding one (e.g. a training result, whose state
        is stacked over networks).
    layer
        ``1`` / ``2`` or ``"conv1"`` / ``"conv2"`` (or a full parameter name).

    Returns
    -------
    numpy.ndarray
        ``(out, in, h, w)`` for one network; ``(N, out, in, h, w)`` for a state
        stacked over ``N`` networks.

    Raises
    ------
    KeyError
        If the layer does not exist (e.g. ``conv2`` of ``M(64, 0, 64)``).
    """
    key = _layer_key(layer)
    if isinstance(model_or_state, nn.Module):
        state: Mapping[str, Any] = dict(model_or_state.named_parameters())
    elif hasattr(model_or_state, "state") and not isinstance(model_or_state, Mapping):
        state = model_or_state.state
    else:
        state = model_or_state
    if key not in state:
        raise KeyError(f"no layer {key!r}; have {sorted(state)}")
    w = state[key]
    if isinstance(w, torch.Tensor):
        w = w.detach().cpu().numpy()
    w = np.asarray(w)
    if w.ndim not in (4, 5):
        raise ValueError(f"{key} has shape {w.shape}: not a convolution")
    return w


def first_layer_maps(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """First-layer feature maps before the ReLU (Eq 1 of 000): ``conv1(x)``.

    Parameters
    ----------
    model
        Any of the book's networks (with a ``conv1``).
    x
        Images ``(B, C, H, W)``.

    Returns
    -------
    torch.Tensor
        ``(B, out_channels, H', W')``.
    """
    if getattr(model, "conv1", None) is None:
        raise ValueError("network has no conv1")
    return model.conv1(x)
