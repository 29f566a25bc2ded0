"""Training many networks at once: vectorised over the network dimension.

The filter chapters need 48-100 independently trained copies of one
architecture. :func:`train_many` trains ``N`` of them *together*:

* network ``i`` is initialised under ``torch.manual_seed(seed + i)`` and the
  ``N`` copies are stacked with :func:`torch.func.stack_module_state`;
* the forward pass is :func:`torch.func.functional_call` under
  ``torch.vmap(..., randomness="different")`` (independent dropout masks);
* every network has its *own* data order: epoch ``e`` of network ``i`` is a
  permutation drawn from ``numpy.random.default_rng([seed + i, e, ...])``; the
  ``N`` batches are gathered as one ``(N, B, C, H, W)`` tensor;
* the loss is the SUM over networks of each network's mean cross-entropy, so
  the gradient of network ``i``'s parameters is exactly its solo gradient, and
  a standard optimiser over the stacked tensors is exactly per-network Adam /
  SGD (both update elementwise; ``tests/test_train.py`` checks it against
  :func:`train_one_by_one`, the plain loop over networks).

Network ``i``'s initialisation, data order and augmentation depend only on
``seed + i`` (not on ``N``); only its dropout masks come from a shared stream.

On the CPU, ``vmap``'s grouped convolutions are about 2x *slower* than
separate convolutions, so ``strategy="auto"`` (the default) runs the stacked
training's forward passes as a loop of ``functional_call`` over the stacked
parameters there (same parameters, summed loss and optimiser step; speed of
one-by-one training), and ``vmap`` on CUDA.

Results (conv weights of layers 1 and 2 at chosen iterations, as float16, test
accuracies, the final stacked state, a loss log) are stored in a run folder;
:func:`train_many_cached` keys that folder by a hash of the configuration so
that chapters share networks (``$TOPO_CACHE_DIR``, default
``~/.cache/topo_helpers``). An interrupted run continues from its last saved
state when called again with the same configuration.

Defaults (the book's reading of 001 and 003): M: Adam, rate 1e-4 (TensorFlow's deep-MNIST rate, a
guess), inputs scaled to [0, 1]. C: SGD, rate 0.1, L2 weight decay 0.004 on the
hidden FC weights only (TensorFlow's CIFAR-10 tutorial; its readout has no
decay), random crop to 24x24 + left-right flip for training, centre crop for
testing, per-image standardisation. LeNet: Caffe's solver without its
learning-rate schedule (SGD 0.01, momentum 0.9, decay 5e-4 on all
parameters). Batch 128 throughout (the paper's explicit MNIST figure; its
"124" is flagged in the book).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, stack_module_state
from torch.nn import functional as F

from .models import build_model, conv_layer_names

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train_many",
    "train_many_cached",
    "train_one_by_one",
    "prep_input",
    "load_result",
    "config_key",
    "default_cache_dir",
    "resolve_device",
    "resolve_strategy",
    "make_synthetic",
]

_STATE_FILE = "state.pt"
_RESULT_FILE = "result.json"
_CKPT_FILE = "checkpoints.npz"
_FINAL_FILE = "final_state.npz"
_CONFIG_FILE = "config.json"


# --------------------------------------------------------------------------- config


@dataclass
class TrainConfig:
    """What to train. Every field enters the cache key (:func:`config_key`).

    Parameters
    ----------
    arch
        ``"M"``, ``"C"`` or ``"LeNet"``.
    arch_kwargs
        Keyword arguments of the architecture, e.g. ``{"X": 64, "Y": 32, "Z": 64}``
        (``colour``, ``pool1``, ``init``, ``in_channels`` ...).
    n_networks
        Number ``N`` of independently initialised networks.
    iterations
        Optimiser steps (batch iterations) per network.
    batch_size
        Batch size per network (128).
    optimizer
        ``"adam"`` or ``"sgd"``; ``None``: Adam for M, SGD for C and LeNet.
    lr
        Learning rate; ``None``: 1e-4 (M), 0.1 (C), 0.01 (LeNet).
    momentum
        SGD momentum; ``None``: 0.9 for LeNet, else 0.
    weight_decay
        L2 weight decay; ``None``: 0 (M), 0.004 (C), 5e-4 (LeNet).
    decay_on
        Parameter-name patterns (``fnmatch``) that get the decay; ``None``:
        ``("fc.weight",)`` for C, ``("*",)`` otherwise.
    seed
        Network ``i`` uses seed ``seed + i`` (>= 0).
    dataset
        Name of the training data (part of the cache key: name your data
        uniquely, e.g. ``"mnist"``, ``"cifar10-grey"``).
    checkpoints
        Iterations (0 = initialisation) at which to store the conv weights of
        layers 1 and 2 of all networks (and the test accuracy).
    dropout
        ``False`` removes dropout (the dropout-free mode used to compare the
        vectorised and one-by-one training exactly).
    preprocess
        ``"scale"`` (integer pixels / 255), ``"standardize"`` (TensorFlow's
        per-image standardisation) or ``"none"``; ``None``: ``"scale"`` for M
        and LeNet, ``"standardize"`` for C.
    augment
        ``"crop_flip"`` (random ``crop`` x ``crop`` crop + left-right flip for
        training, centre crop for testing) or ``"none"``; ``None``:
        ``"crop_flip"`` for C.
    crop
        Crop size (``None``: 24 for C).
    fixed
        Parameters fixed (set for every network, or per network with a leading
        ``N`` axis) and *not trained*, e.g. ``{"conv1.weight": circle}``.
    append_filters
        ``(K, C, h, w)`` fixed filters whose responses (same padding) are
        appended to the input as ``K`` extra channels (001 §VI, Fig 13); the
        network's ``in_channels`` is set to ``C + K``.
    dtype
        ``"float32"`` or ``"float64"``.
    """

    arch: str = "M"
    arch_kwargs: dict[str, Any] = field(default_factory=dict)
    n_networks: int = 1
    iterations: int = 1000
    batch_size: int = 128
    optimizer: str | None = None
    lr: float | None = None
    momentum: float | None = None
    weight_decay: float | None = None
    decay_on: tuple[str, ...] | None = None
    seed: int = 0
    dataset: str = "unnamed"
    checkpoints: tuple[int, ...] = ()
    dropout: bool = True
    preprocess: str | None = None
    augment: str | None = None
    crop: int | None = None
    fixed: dict[str, Any] | None = None
    append_filters: Any = None
    dtype: str = "float32"

    def resolved(self) -> TrainConfig:
        """A copy with every ``None`` default filled in (what the key hashes)."""
        a = self.arch
        lenet = a.lower() == "lenet"
        if a not in ("M", "C") and not lenet:
            raise ValueError(f"unknown architecture {a!r}")
        opt = self.optimizer or ("adam" if a == "M" else "sgd")
        if opt not in ("adam", "sgd"):
            raise ValueError(f"unknown optimizer {opt!r}")
        lr = self.lr if self.lr is not None else {"M": 1e-4, "C": 0.1}.get(a, 0.01)
        mom = self.momentum if self.momentum is not None else (0.9 if lenet else 0.0)
        wd = self.weight_decay
        if wd is None:
            wd = {"M": 0.0, "C": 0.004}.get(a, 5e-4)
        decay_on = self.decay_on
        if decay_on is None:
            decay_on = ("fc.weight",) if a == "C" else ("*",)
        prep = self.preprocess or ("standardize" if a == "C" else "scale")
        if prep not in ("scale", "standardize", "none"):
            raise ValueError(f"unknown preprocess {prep!r}")
        aug = self.augment or ("crop_flip" if a == "C" else "none")
        if aug not in ("crop_flip", "none"):
            raise ValueError(f"unknown augment {aug!r}")
        crop = self.crop
        if aug == "crop_flip" and crop is None:
            crop = int(self.arch_kwargs.get("image_size", 24))
        if aug == "none":
            crop = None
        kw = dict(self.arch_kwargs)
        if a == "M" and not self.dropout:
            kw["dropout"] = 0.0
        cps = tuple(sorted({int(t) for t in self.checkpoints}))
        if self.iterations < 0 or any(t < 0 or t > self.iterations for t in cps):
            raise ValueError(f"checkpoints {cps} outside [0, {self.iterations}]")
        if self.n_networks < 1 or self.batch_size < 1 or self.seed < 0:
            raise ValueError("n_networks and batch_size must be >= 1, seed >= 0")
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"unsupported dtype {self.dtype!r}")
        return dataclasses.replace(
            self,
            arch="LeNet" if lenet else a,
            arch_kwargs=kw,
            optimizer=opt,
            lr=float(lr),
            momentum=float(mom),
            weight_decay=float(wd),
            decay_on=tuple(decay_on),
            preprocess=prep,
            augment=aug,
            crop=crop,
            checkpoints=cps,
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-able form; arrays are replaced by their shape and SHA-256."""
        c = self.resolved()
        d = dataclasses.asdict(c)
        d["fixed"] = None if c.fixed is None else {k: _digest(v) for k, v in sorted(c.fixed.items())}
        d["append_filters"] = None if c.append_filters is None else _digest(c.append_filters)
        d["checkpoints"] = list(c.checkpoints)
        d["decay_on"] = list(c.decay_on or ())
        return d


def _digest(a: Any) -> dict[str, Any]:
    a = np.ascontiguousarray(_to_numpy(a))
    return {
        "shape": list(a.shape),
        "dtype": str(a.dtype),
        "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
    }


def _to_numpy(a: Any) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


# --------------------------------------------------------------------------- data


def _split(data: Any) -> tuple[Any, Any]:
    if hasattr(data, "images") and hasattr(data, "labels"):
        return data.images, data.labels
    if isinstance(data, Mapping):
        return data["images"], data["labels"]
    images, labels = data
    return images, labels


def _writable(a: Any) -> np.ndarray:
    """A C-contiguous, writable view or copy of ``a`` (torch warns on read-only arrays, e.g. memory maps)."""
    arr = np.ascontiguousarray(a)
    return arr if arr.flags.writeable else arr.copy()


def _as_tensors(data: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images (n, C, H, W), labels (n,) int64)`` on the CPU.

    Accepts an object with ``.images`` / ``.labels``, a mapping, or a pair.
    Images may be ``(n, H, W)``, ``(n, C, H, W)`` or channels-last
    ``(n, H, W, 3)``; integer images stay integers (scaled per batch).
    """
    images, labels = _split(data)
    x = images if isinstance(images, torch.Tensor) else torch.from_numpy(_writable(images))
    y = labels if isinstance(labels, torch.Tensor) else torch.from_numpy(_writable(labels))
    if x.ndim == 3:
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1] not in (1, 3) and x.shape[-1] in (1, 3):
        x = x.permute(0, 3, 1, 2)
    if x.ndim != 4:
        raise ValueError(f"images must be (n, H, W) or (n, C, H, W), got {tuple(x.shape)}")
    if len(y) != len(x):
        raise ValueError("images and labels differ in length")
    return x.contiguous(), y.long()


def _fingerprint(x: torch.Tensor | None) -> list[int] | None:
    return None if x is None else list(x.shape)


def _preprocess(x: torch.Tensor, how: str, dtype: torch.dtype) -> torch.Tensor:
    """Per-batch preprocessing of ``(..., C, H, W)`` images."""
    integer = not torch.is_floating_point(x)
    x = x.to(dtype)
    if how == "scale":
        return x / 255.0 if integer else x
    if how == "standardize":
        dims = (-3, -2, -1)
        n = x.shape[-3] * x.shape[-2] * x.shape[-1]
        mean = x.mean(dim=dims, keepdim=True)
        std = x.std(dim=dims, keepdim=True, unbiased=False)
        return (x - mean) / torch.clamp(std, min=1.0 / math.sqrt(n))
    return x


def _crop_flip(x: torch.Tensor, aug: torch.Tensor, c: int) -> torch.Tensor:
    """Crop ``(M, C, H, W)`` to ``c x c`` at ``aug[:, :2]`` and flip where ``aug[:, 2]``."""
    m, ch, h, w = x.shape
    ar = torch.arange(c, device=x.device)
    rows = aug[:, 0:1] + ar  # (M, c)
    cols = aug[:, 1:2] + torch.where(aug[:, 2:3].bool(), c - 1 - ar, ar)
    x = x.gather(2, rows[:, None, :, None].expand(m, ch, c, w))
    return x.gather(3, cols[:, None, None, :].expand(m, ch, c, c))


def _centre_crop(x: torch.Tensor, c: int | None) -> torch.Tensor:
    if c is None:
        return x
    h, w = x.shape[-2:]
    t, l = (h - c) // 2, (w - c) // 2
    return x[..., t : t + c, l : l + c]


def _epoch_plan(
    seed_i: int, epoch: int, n: int, per_epoch: int, hw: tuple[int, int], crop: int | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Data order (and crop/flip draws) of one network for one epoch.

    Depends only on ``(seed_i, epoch)``: the vectorised and the one-by-one
    training, and a resumed run, see the same batches.
    """
    rng = np.random.default_rng([seed_i, epoch, 0x7D47A])
    idx = rng.permutation(n)[:per_epoch]
    if crop is None:
        return idx, None
    aug = np.stack(
        [
            rng.integers(0, hw[0] - crop + 1, per_epoch),
            rng.integers(0, hw[1] - crop + 1, per_epoch),
            rng.integers(0, 2, per_epoch),
        ],
        axis=1,
    )
    return idx, aug


def _dropout_seed(seed: int) -> int:
    return int(np.random.SeedSequence([seed, 0xD0]).generate_state(1)[0])


class _Batcher:
    """Per-network batches ``(N, B, C, h, w)`` for iteration ``t`` (0-based)."""

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        seeds: Sequence[int],
        cfg: TrainConfig,
        dtype: torch.dtype,
        append: torch.Tensor | None,
    ) -> None:
        self.images, self.labels = images, labels
        self.seeds = list(seeds)
        self.B = cfg.batch_size
        n = len(images)
        if n < self.B:
            raise ValueError(f"{n} training images < batch size {self.B}")
        self.n = n
        self.per_epoch_batches = n // self.B  # drop the last partial batch
        self.crop = cfg.crop
        self.prep = cfg.preprocess
        self.dtype = dtype
        self.append = append
        self.hw = tuple(images.shape[-2:])
        self._epoch = -1
        self._idx: torch.Tensor | None = None
        self._aug: torch.Tensor | None = None

    def _load_epoch(self, e: int) -> None:
        per = self.per_epoch_batches * self.B
        plans = [_epoch_plan(s, e, self.n, per, self.hw, self.crop) for s in self.seeds]
        dev = self.images.device
        self._idx = torch.from_numpy(np.stack([p[0] for p in plans])).to(dev)
        self._aug = None if self.crop is None else torch.from_numpy(np.stack([p[1] for p in plans])).to(dev)
        self._epoch = e

    def __call__(self, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        e, r = divmod(t, self.per_epoch_batches)
        if e != self._epoch:
            self._load_epoch(e)
        sl = slice(r * self.B, (r + 1) * self.B)
        idx = self._idx[:, sl]  # (N, B)
        N, B = idx.shape
        x = self.images[idx.reshape(-1)]  # (N*B, C, H, W)
        if self.crop is not None:
            x = _crop_flip(x, self._aug[:, sl].reshape(N * B, 3), self.crop)
        x = prep_input(x, self.prep, self.dtype, self.append)
        return x.reshape(N, B, *x.shape[1:]), self.labels[idx]


def prep_input(x: torch.Tensor, prep: str, dtype: torch.dtype, append: torch.Tensor | None) -> torch.Tensor:
    """Images as a network's input: the run's preprocessing (``TrainConfig.preprocess``) in ``dtype``,
    then, for Fig 13's appended filter banks, the fixed filters' responses as extra channels.

    Every evaluator (training checkpoints, generalisation, the zoo's accuracy check) goes through
    this one function, so a stored network is evaluated on exactly the input it was trained on.
    """
    x = _preprocess(x, prep, dtype)
    if append is not None:
        x = torch.cat([x, F.conv2d(x, append, padding="same")], dim=1)
    return x


def make_synthetic(
    n: int,
    *,
    image_size: int = 28,
    channels: int = 1,
    n_classes: int = 10,
    noise: float = 40.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic, MNIST-shaped, learnable data set (for tests and benchmarks).

    Class ``c`` is a fixed random smooth template (drawn from ``seed``) plus
    pixel noise, clipped to ``uint8``. Not MNIST: say so wherever it is used.

    Parameters
    ----------
    n
        Number of images.
    image_size, channels, n_classes
        Shape ``(n, H, W)`` (``channels == 1``) or ``(n, C, H, W)``; classes.
    noise
        Standard deviation of the pixel noise (0-255 scale).
    seed
        Seeds the templates; the images use ``seed + 1``.

    Returns
    -------
    images, labels
        ``uint8`` images and ``int64`` labels.
    """
    rng = np.random.default_rng(seed)
    s = image_size
    coarse = rng.random((n_classes, channels, 7, 7))
    reps = -(-s // 7)
    templates = np.kron(coarse, np.ones((1, 1, reps, reps)))[..., :s, :s] * 255.0
    rng = np.random.default_rng(seed + 1)
    labels = rng.integers(0, n_classes, n)
    x = templates[labels] + rng.normal(0.0, noise, (n, channels, s, s))
    x = np.clip(x, 0, 255).astype(np.uint8)
    return (x[:, 0] if channels == 1 else x), labels.astype(np.int64)


# --------------------------------------------------------------------------- result


@dataclass
class TrainResult:
    """Outcome of training ``N`` networks.

    Attributes
    ----------
    config
        The resolved configuration (JSON form; arrays as digests).
    state
        Final parameters stacked over networks: name -> ``(N, ...)`` float32.
    checkpoints
        ``"conv1_it{t}"`` / ``"conv2_it{t}"`` -> ``(N, out, in, h, w)`` float16.
    accuracies
        Iteration -> ``(N,)`` test accuracy (empty without a test set).
    loss_iterations, losses
        ``(K,)`` iterations and ``(K, N)`` mean training loss over the
        preceding logging window.
    timings
        Seconds: ``train_s`` (optimiser steps), ``eval_s``, ``total_s``; and
        ``net_iterations_per_s`` (networks x iterations per second of
        ``train_s``; of the last call when resumed).
    run_dir, key
        Where the run is stored, and its cache key (``None`` if not stored).
    """

    config: dict[str, Any]
    state: dict[str, np.ndarray]
    checkpoints: dict[str, np.ndarray]
    accuracies: dict[int, np.ndarray]
    loss_iterations: np.ndarray
    losses: np.ndarray
    timings: dict[str, Any]
    run_dir: Path | None = None
    key: str | None = None

    @property
    def n_networks(self) -> int:
        return int(self.config["n_networks"])

    @property
    def checkpoint_iterations(self) -> list[int]:
        """Iterations with stored conv weights."""
        return sorted({int(k.rsplit("_it", 1)[1]) for k in self.checkpoints})

    def conv(self, layer: int | str = 1, iteration: int | None = None) -> np.ndarray:
        """Conv kernels ``(N, out, in, h, w)`` (float32) of all networks.

        Parameters
        ----------
        layer
            ``1``, ``2``, ``"conv1"`` or ``"conv2"``.
        iteration
            A checkpoint iteration; ``None``: the final weights.
        """
        name = f"conv{layer}" if isinstance(layer, (int, np.integer)) else layer
        if iteration is None:
            return np.asarray(self.state[f"{name}.weight"], dtype=np.float32)
        key = f"{name}_it{int(iteration)}"
        if key not in self.checkpoints:
            raise KeyError(f"no checkpoint {key!r}; have {sorted(self.checkpoints)}")
        return self.checkpoints[key].astype(np.float32)

    def network_state(self, i: int) -> dict[str, torch.Tensor]:
        """State dict of network ``i`` (its final weights)."""
        return {k: torch.from_numpy(np.array(v[i])) for k, v in self.state.items()}

    def model(self, i: int = 0) -> nn.Module:
        """Network ``i`` as an ``nn.Module`` (final weights, eval mode)."""
        m = _build(self.config)
        m.load_state_dict(self.network_state(i))
        return m.eval()


def _build(cfg: Mapping[str, Any], dtype: torch.dtype = torch.float32) -> nn.Module:
    return build_model(cfg["arch"], **cfg["arch_kwargs"]).to(dtype)


# --------------------------------------------------------------------------- helpers


def resolve_device(device: str | torch.device | None) -> torch.device:
    """``None`` -> CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def default_cache_dir() -> Path:
    """``$TOPO_CACHE_DIR`` or ``~/.cache/topo_helpers`` (the same folder as :func:`topo_helpers.data.cache_dir`)."""
    from .data import cache_dir

    return cache_dir()


#: Version of the code that decides the weights, per architecture (part of every cache key).
_CODE_VERSION = {"C": 2}


def config_key(config: TrainConfig, data: Any = None, test_data: Any = None) -> str:
    """Hash (16 hex digits) of the resolved configuration and the data shapes.

    The data enter only through the configuration's ``dataset`` name and the
    shapes of the training and test images (not their contents).
    """
    payload = {
        "config": config.to_json(),
        "train_shape": None if data is None else _fingerprint(_as_tensors(data)[0]),
        "test_shape": None if test_data is None else _fingerprint(_as_tensors(test_data)[0]),
        # 2 for C: its LRN is now topo_helpers.models.LocalResponseNorm (same values within 1e-6,
        # other float rounding), so runs cached with torch's module are not reused for it
        "version": _CODE_VERSION.get(config.arch, 1),
    }
    s = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(s.encode()).hexdigest()[:16]


def _arch_kwargs_for(cfg: TrainConfig, in_channels: int) -> dict[str, Any]:
    kw = dict(cfg.arch_kwargs)
    if cfg.append_filters is not None:
        kw["in_channels"] = in_channels + int(np.shape(cfg.append_filters)[0])
    elif in_channels != 1 and "in_channels" not in kw and not kw.get("colour", False):
        kw["in_channels"] = in_channels
    return kw


def _init_network(cfg: TrainConfig, kw: dict[str, Any], seed_i: int, i: int, dtype: torch.dtype) -> nn.Module:
    torch.manual_seed(seed_i)
    m = build_model(cfg.arch, **kw).to(dtype)
    if cfg.fixed:
        sd = dict(m.named_parameters())
        with torch.no_grad():
            for name, v in cfg.fixed.items():
                v = torch.as_tensor(_to_numpy(v), dtype=dtype)
                if v.shape != sd[name].shape:
                    v = v[i]  # per-network values (N, ...)
                sd[name].copy_(v)
    return m


def _decayed(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def _make_optimizer(cfg: TrainConfig, params: Mapping[str, torch.Tensor]) -> torch.optim.Optimizer:
    dec = [p for k, p in params.items() if cfg.weight_decay and _decayed(k, cfg.decay_on)]
    rest = [p for k, p in params.items() if not (cfg.weight_decay and _decayed(k, cfg.decay_on))]
    groups = [g for g in ({"params": dec, "weight_decay": cfg.weight_decay}, {"params": rest, "weight_decay": 0.0}) if g["params"]]
    if cfg.optimizer == "adam":
        return torch.optim.Adam(groups, lr=cfg.lr)
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum)


def _dtype(cfg: TrainConfig) -> torch.dtype:
    return torch.float64 if cfg.dtype == "float64" else torch.float32


def _prepare(cfg: TrainConfig, data: Any, test_data: Any, device: torch.device):
    cfg = cfg.resolved()
    dtype = _dtype(cfg)
    images, labels = _as_tensors(data)
    kw = _arch_kwargs_for(cfg, images.shape[1])
    append = None
    if cfg.append_filters is not None:
        append = torch.as_tensor(_to_numpy(cfg.append_filters), dtype=dtype, device=device)
    test = None
    if test_data is not None:
        tx, ty = _as_tensors(test_data)
        test = (_centre_crop(tx, cfg.crop).contiguous().to(device), ty.to(device))
    return cfg, dtype, images.to(device), labels.to(device), kw, append, test


# --------------------------------------------------------------------------- vectorised


def _vmapped(base: nn.Module, shared_input: bool = False) -> Callable:
    def f(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        return functional_call(base, params, (x,))

    return torch.vmap(f, in_dims=(0, None if shared_input else 0), randomness="different")


def _looped(base: nn.Module, shared_input: bool = False) -> Callable:
    """Same contract as :func:`_vmapped`, as a Python loop over the networks.

    The stacked tensors are split with ``unbind`` (whose backward is one
    ``stack``), so the gradients still land in the stacked parameters.
    """

    def f(params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
        views = {k: v.unbind(0) for k, v in params.items()}
        n = len(next(iter(views.values())))
        return torch.stack(
            [functional_call(base, {k: v[i] for k, v in views.items()}, (x if shared_input else x[i],)) for i in range(n)]
        )

    return f


def _stacked_forward(base: nn.Module, strategy: str, shared_input: bool = False) -> Callable:
    return (_vmapped if strategy == "vmap" else _looped)(base, shared_input)


def resolve_strategy(strategy: str | None, device: torch.device) -> str:
    """``"auto"``/``None`` -> ``"vmap"`` on CUDA, ``"loop"`` on the CPU.

    On the CPU, ``vmap``'s grouped convolutions are slower than separate
    ones (benchmarks/bench_train.py), so the stacked training runs its
    forward passes as a loop there; the stacked parameters, the summed loss
    and the single optimiser are the same.
    """
    if strategy in (None, "auto"):
        return "vmap" if device.type == "cuda" else "loop"
    if strategy not in ("vmap", "loop"):
        raise ValueError(f"unknown strategy {strategy!r}")
    return strategy


@torch.no_grad()
def _evaluate_stacked(
    base: nn.Module,
    params: Mapping[str, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    cfg: TrainConfig,
    dtype: torch.dtype,
    append: torch.Tensor | None,
    n_networks: int,
    eval_images: int,
    strategy: str = "vmap",
) -> np.ndarray:
    """Test accuracy ``(N,)`` of the stacked networks, in chunks of test images."""
    tx, ty = test
    was = base.training
    base.eval()
    f = _stacked_forward(base, strategy, shared_input=True)
    chunk = max(1, eval_images // n_networks) if strategy == "vmap" else max(1, min(1000, eval_images))
    correct = torch.zeros(n_networks, dtype=torch.long, device=tx.device)
    for s in range(0, len(tx), chunk):
        x = prep_input(tx[s : s + chunk], cfg.preprocess, dtype, append)
        logits = f(dict(params), x)  # (N, b, 10)
        correct += (logits.argmax(-1) == ty[s : s + chunk]).sum(1)
    base.train(was)
    return (correct.double() / len(tx)).cpu().numpy().astype(np.float32)


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _write_result(run_dir: Path, res: TrainResult) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    ck = dict(res.checkpoints)
    for t, a in res.accuracies.items():
        ck[f"acc_it{t}"] = a
    ck["loss_iterations"] = res.loss_iterations
    ck["losses"] = res.losses
    for name, payload in ((_CKPT_FILE, ck), (_FINAL_FILE, res.state)):
        tmp = run_dir / (name + ".tmp.npz")
        np.savez(tmp, **payload)
        os.replace(tmp, run_dir / name)
    meta = {"key": res.key, "timings": res.timings, "config": res.config}
    (run_dir / (_RESULT_FILE + ".tmp")).write_text(json.dumps(meta, indent=1, default=str))
    os.replace(run_dir / (_RESULT_FILE + ".tmp"), run_dir / _RESULT_FILE)


def load_result(run_dir: str | Path) -> TrainResult:
    """Load a finished run from its folder.

    Parameters
    ----------
    run_dir
        Folder written by :func:`train_many` (contains ``result.json``).

    Returns
    -------
    TrainResult
    """
    run_dir = Path(run_dir)
    meta = json.loads((run_dir / _RESULT_FILE).read_text())
    with np.load(run_dir / _CKPT_FILE) as z:
        ck = {k: z[k] for k in z.files}
    with np.load(run_dir / _FINAL_FILE) as z:
        state = {k: z[k] for k in z.files}
    acc = {int(k[len("acc_it") :]): ck.pop(k) for k in list(ck) if k.startswith("acc_it")}
    li, lo = ck.pop("loss_iterations"), ck.pop("losses")
    return TrainResult(meta["config"], state, ck, dict(sorted(acc.items())), li, lo, meta["timings"], run_dir, meta["key"])


def train_many(
    config: TrainConfig,
    data: Any,
    test_data: Any = None,
    *,
    run_dir: str | Path | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
    log_every: int = 100,
    save_every: int | None = None,
    save_interval_s: float = 300.0,
    eval_images: int = 20_000,
    strategy: str | None = "auto",
    callback: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train ``config.n_networks`` networks at once (vectorised with ``torch.vmap``).

    Parameters
    ----------
    config
        What to train (:class:`TrainConfig`).
    data
        Training set: an object with ``.images`` / ``.labels`` (e.g.
        ``load_mnist("train")``), a mapping with those keys, or a pair
        ``(images, labels)`` of arrays or tensors.
    test_data
        Optional test set (same forms): accuracy at every checkpoint.
    run_dir
        Folder for the run. With it, the state is saved periodically and an
        interrupted run continues when called again; a finished run is loaded.
        ``None``: nothing is written.
    device
        ``None``: CUDA when available, else CPU.
    progress
        Show a tqdm progress bar.
    log_every
        Iterations per entry of the loss log.
    save_every, save_interval_s
        Save the resumable state every ``save_every`` iterations and/or when
        ``save_interval_s`` seconds have passed since the last save.
    eval_images
        Networks x test images evaluated per chunk (memory bound).
    strategy
        ``"vmap"`` (``torch.vmap`` over ``functional_call``), ``"loop"`` (a
        loop of ``functional_call`` over the stacked parameters) or
        ``"auto"``: see :func:`resolve_strategy`. Both train the same stacked
        parameters with one summed loss and one optimiser step.
    callback
        Called as ``callback(t)`` after optimiser step ``t`` (1-based).

    Returns
    -------
    TrainResult

    Notes
    -----
    The caller's global torch RNG state is left untouched
    (``torch.random.fork_rng``).
    """
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    dev = resolve_device(device)
    strategy = resolve_strategy(strategy, dev)
    cfg, dtype, images, labels, kw, append, test = _prepare(config, data, test_data, dev)
    key = config_key(config, data, test_data)
    cfg_json = config.to_json()
    cfg_json["arch_kwargs"] = kw
    run_dir = None if run_dir is None else Path(run_dir)
    if run_dir is not None:
        if (run_dir / _RESULT_FILE).exists():
            res = load_result(run_dir)
            if res.key != key:
                raise ValueError(f"{run_dir} holds run {res.key}, not {key}")
            return res
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / _CONFIG_FILE).write_text(json.dumps({"key": key, "config": cfg_json}, indent=1, default=str))

    N, T = cfg.n_networks, cfg.iterations
    seeds = [cfg.seed + i for i in range(N)]
    cuda = dev.type == "cuda"
    with torch.random.fork_rng(devices=[dev] if cuda else []):
        models = [_init_network(cfg, kw, s, i, dtype).to(dev) for i, s in enumerate(seeds)]
        params, buffers = stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta")
        base.train()
        del models
        frozen = set(cfg.fixed or ())
        trainable = {k: v for k, v in params.items() if k not in frozen}
        fixed_p = {k: v.detach().requires_grad_(False) for k, v in params.items() if k in frozen}
        opt = _make_optimizer(cfg, trainable)
        torch.manual_seed(_dropout_seed(cfg.seed))

        ck: dict[str, np.ndarray] = {}
        acc: dict[int, np.ndarray] = {}
        loss_it: list[int] = []
        loss_log: list[np.ndarray] = []
        t0, prev_train_s = 0, 0.0
        state_path = None if run_dir is None else run_dir / _STATE_FILE
        if state_path is not None and state_path.exists():
            st = torch.load(state_path, map_location="cpu", weights_only=True)
            if st["key"] != key:
                raise ValueError(f"{state_path} belongs to run {st['key']}, not {key}")
            with torch.no_grad():
                for k, v in trainable.items():
                    v.copy_(st["params"][k])
            opt.load_state_dict(st["optim"])
            torch.set_rng_state(st["rng_cpu"])
            if cuda and st.get("rng_cuda") is not None:
                torch.cuda.set_rng_state(st["rng_cuda"].cpu(), dev)
            ck = {k: v.numpy() for k, v in st["checkpoints"].items()}
            acc = {int(k): v.numpy() for k, v in st["accuracies"].items()}
            loss_it = list(st["loss_iterations"])
            loss_log = [v.numpy() for v in st["losses"]]
            t0 = int(st["iteration"])
            prev_train_s = float(st.get("train_s", 0.0))
            resumed_window = (st["loss_acc"], int(st["n_acc"]))
        else:
            resumed_window = None

        def all_params() -> dict[str, torch.Tensor]:
            return {**trainable, **fixed_p, **buffers}

        conv_names = conv_layer_names(base)
        eval_s = 0.0

        def checkpoint(t: int) -> None:
            nonlocal eval_s
            for name in conv_names:
                ck[f"{name}_it{t}"] = all_params()[f"{name}.weight"].detach().cpu().numpy().astype(np.float16)
            if test is not None:
                te = time.perf_counter()
                acc[t] = _evaluate_stacked(base, all_params(), test, cfg, dtype, append, N, eval_images, strategy)
                eval_s += time.perf_counter() - te

        def save_state(t: int, train_s: float) -> None:
            if state_path is None:
                return
            st = {
                "key": key,
                "iteration": t,
                "params": {k: v.detach().cpu() for k, v in trainable.items()},
                "optim": opt.state_dict(),
                "rng_cpu": torch.get_rng_state(),
                "rng_cuda": torch.cuda.get_rng_state(dev) if cuda else None,
                "checkpoints": {k: torch.from_numpy(v) for k, v in ck.items()},
                "accuracies": {str(k): torch.from_numpy(v) for k, v in acc.items()},
                "loss_iterations": list(loss_it),
                "losses": [torch.from_numpy(v) for v in loss_log],
                "train_s": train_s,
                "loss_acc": loss_acc.detach().cpu(),
                "n_acc": n_acc,
            }
            _atomic_save(st, state_path)

        cps = set(cfg.checkpoints)
        if 0 in cps and t0 == 0:
            checkpoint(0)
        batcher = _Batcher(images, labels, seeds, cfg, dtype, append)
        fwd = _stacked_forward(base, strategy)
        loss_acc = torch.zeros(N, dtype=torch.float64, device=dev)
        n_acc = 0
        if resumed_window is not None:  # the loss-log window in progress
            loss_acc.copy_(resumed_window[0])
            n_acc = resumed_window[1]
        last_save = time.perf_counter()
        train_s = 0.0
        desc = f"{cfg.arch}{tuple(kw.get(k) for k in 'XYZ' if k in kw)} x{N}"
        bar = tqdm(total=T, initial=t0, disable=not progress, desc=desc, leave=False)
        try:
            for t in range(t0 + 1, T + 1):
                ts = time.perf_counter()
                x, y = batcher(t - 1)
                logits = fwd(all_params(), x)  # (N, B, 10)
                losses = F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none").view(N, -1).mean(1)
                opt.zero_grad(set_to_none=True)
                losses.sum().backward()
                opt.step()
                loss_acc += losses.detach()
                n_acc += 1
                train_s += time.perf_counter() - ts
                if t % log_every == 0 or t == T:
                    if n_acc:
                        loss_it.append(t)
                        loss_log.append((loss_acc / n_acc).float().cpu().numpy())
                        bar.set_postfix(loss=f"{float(loss_log[-1].mean()):.3f}")
                    loss_acc.zero_()
                    n_acc = 0
                if t in cps:
                    checkpoint(t)
                bar.update(1)
                if callback is not None:
                    callback(t)
                now = time.perf_counter()
                if t < T and ((save_every and t % save_every == 0) or now - last_save > save_interval_s):
                    save_state(t, prev_train_s + train_s)
                    last_save = time.perf_counter()
        finally:
            bar.close()

        state = {k: v.detach().cpu().numpy() for k, v in all_params().items()}
    done = T - t0
    timings = {
        "train_s": prev_train_s + train_s,
        "eval_s": eval_s,
        "total_s": time.perf_counter() - t_start,
        "net_iterations_per_s": N * done / train_s if train_s > 0 else float("nan"),
        "strategy": strategy,
    }
    res = TrainResult(
        cfg_json,
        state,
        ck,
        dict(sorted(acc.items())),
        np.asarray(loss_it, dtype=np.int64),
        np.stack(loss_log).astype(np.float32) if loss_log else np.zeros((0, N), np.float32),
        timings,
        run_dir,
        key,
    )
    if run_dir is not None:
        _write_result(run_dir, res)
        if state_path is not None and state_path.exists():
            state_path.unlink()
    return res


def train_many_cached(
    config: TrainConfig,
    data: Any,
    cache_dir: str | Path | None = None,
    *,
    test_data: Any = None,
    **kwargs: Any,
) -> TrainResult:
    """:func:`train_many` behind a cache keyed by :func:`config_key`.

    Parameters
    ----------
    config, data, test_data
        As for :func:`train_many`.
    cache_dir
        Cache root; ``None``: :func:`default_cache_dir` (``$TOPO_CACHE_DIR``).
    **kwargs
        Passed to :func:`train_many` (``device``, ``progress`` ...).

    Returns
    -------
    TrainResult
        Loaded from ``<cache_dir>/<arch>-<key>/`` when that run is finished
        (no training); otherwise trained (or resumed) and stored there.
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = config_key(config, data, test_data)
    run_dir = root / f"{config.resolved().arch}-{key}"
    if (run_dir / _RESULT_FILE).exists():
        return load_result(run_dir)
    return train_many(config, data, test_data, run_dir=run_dir, **kwargs)


# --------------------------------------------------------------------------- baseline


def train_one_by_one(
    config: TrainConfig,
    data: Any,
    test_data: Any = None,
    *,
    device: str | torch.device | None = None,
    progress: bool = True,
    log_every: int = 100,
    eval_batch: int = 1000,
) -> TrainResult:
    """The same training as :func:`train_many`, one network after the other.

    The baseline for the benchmark and the reference for the equivalence
    tests: network ``i`` gets the same initialisation, data order,
    augmentation and optimiser as in :func:`train_many` (dropout masks differ:
    use ``dropout=False`` to compare). Nothing is stored on disk.

    Parameters
    ----------
    config, data, test_data, device, progress, log_every
        As for :func:`train_many`.
    eval_batch
        Test images per forward pass.

    Returns
    -------
    TrainResult
    """
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    dev = resolve_device(device)
    cfg, dtype, images, labels, kw, append, test = _prepare(config, data, test_data, dev)
    cfg_json = config.to_json()
    cfg_json["arch_kwargs"] = kw
    N, T = cfg.n_networks, cfg.iterations
    cps = set(cfg.checkpoints)
    frozen = set(cfg.fixed or ())
    finals: list[dict[str, np.ndarray]] = []
    cks: list[dict[str, np.ndarray]] = []
    accs: dict[int, list[float]] = {t: [] for t in sorted(cps)} if test is not None else {}
    loss_it: list[int] = []
    loss_cols: list[list[float]] = []
    train_s = eval_s = 0.0
    cuda = dev.type == "cuda"
    bar = tqdm(total=N * T, disable=not progress, desc="one by one", leave=False)
    for i in range(N):
        seed_i = cfg.seed + i
        with torch.random.fork_rng(devices=[dev] if cuda else []):
            model = _init_network(cfg, kw, seed_i, i, dtype).to(dev).train()
            for name, p in model.named_parameters():
                p.requires_grad_(name not in frozen)
            trainable = {k: p for k, p in model.named_parameters() if k not in frozen}
            opt = _make_optimizer(cfg, trainable)
            torch.manual_seed(_dropout_seed(seed_i))
            batcher = _Batcher(images, labels, [seed_i], cfg, dtype, append)
            ck_i: dict[str, np.ndarray] = {}
            col: list[float] = []

            def checkpoint(t: int, model: torch.nn.Module = model, ck_i: dict = ck_i) -> None:
                nonlocal eval_s
                for name in conv_layer_names(model):
                    ck_i[f"{name}_it{t}"] = getattr(model, name).weight.detach().cpu().numpy().astype(np.float16)
                if test is not None:
                    te = time.perf_counter()
                    model.eval()
                    correct = 0
                    with torch.no_grad():
                        for s in range(0, len(test[0]), eval_batch):
                            x = prep_input(test[0][s : s + eval_batch], cfg.preprocess, dtype, append)
                            correct += int((model(x).argmax(-1) == test[1][s : s + eval_batch]).sum())
                    model.train()
                    accs[t].append(correct / len(test[0]))
                    eval_s += time.perf_counter() - te

            if 0 in cps:
                checkpoint(0)
            acc_loss, n_acc = 0.0, 0
            for t in range(1, T + 1):
                ts = time.perf_counter()
                x, y = batcher(t - 1)
                loss = F.cross_entropy(model(x[0]), y[0])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                acc_loss += float(loss.detach())
                n_acc += 1
                train_s += time.perf_counter() - ts
                if t % log_every == 0 or t == T:
                    col.append(acc_loss / n_acc)
                    if i == 0:
                        loss_it.append(t)
                    acc_loss, n_acc = 0.0, 0
                if t in cps:
                    checkpoint(t)
                bar.update(1)
            finals.append({k: v.detach().cpu().numpy() for k, v in model.named_parameters()})
            cks.append(ck_i)
            loss_cols.append(col)
    bar.close()
    state = {k: np.stack([f[k] for f in finals]) for k in finals[0]}
    ck = {k: np.stack([c[k] for c in cks]) for k in cks[0]}
    timings = {
        "train_s": train_s,
        "eval_s": eval_s,
        "total_s": time.perf_counter() - t_start,
        "net_iterations_per_s": N * T / train_s if train_s > 0 else float("nan"),
        "strategy": "one_by_one",
    }
    return TrainResult(
        cfg_json,
        state,
        ck,
        {t: np.asarray(v, dtype=np.float32) for t, v in accs.items()},
        np.asarray(loss_it, dtype=np.int64),
        np.asarray(loss_cols, dtype=np.float32).T.reshape(len(loss_it), N),
        timings,
    )
