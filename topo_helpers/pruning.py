"""First-epoch training with per-batch checkpoints, and first-layer filter pruning (paper 000).

* :func:`train_first_epoch` trains Caffe's LeNet (:class:`topo_helpers.models.LeNet`) for its first
  epoch and keeps, every ``checkpoint_every`` batches, the first-layer weights, the accuracy and the
  confusion matrix on an evaluation set (and optionally the whole state) — what Figs 3 and 4B need.
* Pruning a first-layer filter = zeroing its weights and bias (its feature map becomes 0, and so
  does everything it feeds): :func:`remove_filters`. Criteria: the assessment metric ``E`` of
  :mod:`topo_helpers.entropy`; the Taylor criterion of Molchanov et al. (2017) (:func:`taylor_scores`);
  and an oracle (:func:`greedy_oracle_order`: each step removes the filter whose removal hurts the
  measured accuracy least). :func:`pruning_curve` measures accuracy as filters are removed in order
  (no fine-tuning).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .models import LeNet

__all__ = [
    "FirstEpochRun",
    "train_first_epoch",
    "to_tensor",
    "evaluate",
    "confusion_matrix",
    "feature_maps",
    "remove_filters",
    "taylor_scores",
    "greedy_oracle_order",
    "single_removal_order",
    "pruning_curve",
]


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 images ``(B, 28, 28)`` -> float tensor ``(B, 1, 28, 28)`` in ``[0, 1]`` (Caffe: x/256)."""
    return torch.as_tensor(np.asarray(images, dtype=np.float32) / 255.0)[:, None]


@torch.no_grad()
def _predict(model: nn.Module, x: torch.Tensor, chunk: int = 2000) -> np.ndarray:
    model.eval()
    return np.concatenate([model(x[i:i + chunk]).argmax(1).numpy() for i in range(0, len(x), chunk)])


def evaluate(model: nn.Module, x: torch.Tensor, y: np.ndarray) -> float:
    """Accuracy of ``model`` on ``(x, y)``."""
    return float(np.mean(_predict(model, x) == np.asarray(y)))


def confusion_matrix(model: nn.Module, x: torch.Tensor, y: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """Row-normalised confusion matrix: ``C[i, j]`` = fraction of class ``i`` predicted as ``j``."""
    y = np.asarray(y)
    p = _predict(model, x)
    C = np.zeros((n_classes, n_classes))
    np.add.at(C, (y, p), 1)
    return C / np.maximum(C.sum(1, keepdims=True), 1)


@dataclass
class FirstEpochRun:
    """Checkpoints of a first-epoch training run.

    Attributes
    ----------
    iterations : ndarray, shape (T,)
        Batches done at each checkpoint (0 = initialisation).
    conv1_weight : ndarray, shape (T, 20, 1, 5, 5)
    conv1_bias : ndarray, shape (T, 20)
    accuracy : ndarray, shape (T,)
        Accuracy on the evaluation set.
    confusion : ndarray, shape (T, n_classes, n_classes)
        Row-normalised confusion matrices on the evaluation set.
    states : dict
        ``iteration -> state_dict`` of the whole network, for the checkpoints kept
        (``keep_state_every``).
    seconds : float
        Wall time of the run.
    """

    iterations: np.ndarray
    conv1_weight: np.ndarray
    conv1_bias: np.ndarray
    accuracy: np.ndarray
    confusion: np.ndarray
    states: dict = field(default_factory=dict)
    seconds: float = 0.0

    def model(self, iteration: int) -> LeNet:
        """The network at a kept checkpoint (``iteration`` in :attr:`states`)."""
        net = LeNet()
        net.load_state_dict(self.states[iteration])
        net.eval()
        return net


def train_first_epoch(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_eval: np.ndarray,
    y_eval: np.ndarray,
    *,
    batch_size: int = 256,
    n_batches: int | None = None,
    lr: float = 0.01,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    checkpoint_every: int = 1,
    keep_state_every: int | None = None,
    seed: int = 0,
    n_classes: int = 10,
) -> FirstEpochRun:
    """Train a fresh LeNet for (part of) one epoch, keeping checkpoints.

    Caffe's ``lenet_solver`` (SGD, rate 0.01, momentum 0.9, weight decay 5e-4, inputs / 255;
    the rate's ``inv`` decay is negligible in one epoch and left out) with a shuffled epoch.

    Parameters
    ----------
    x_train, y_train : ndarray
        uint8 images ``(B, 28, 28)`` and labels.
    x_eval, y_eval : ndarray
        Evaluation images and labels (accuracy and confusion at each checkpoint).
    batch_size : int
        256 (the paper's Fig 4B).
    n_batches : int, optional
        Stop after this many batches (default: the whole epoch, ``len(x_train) // batch_size``).
    lr, momentum, weight_decay : float
        SGD settings.
    checkpoint_every : int
        Keep a checkpoint every this many batches (1 = every batch, as the paper), and always the
        initialisation and the last batch.
    keep_state_every : int, optional
        Also keep the whole ``state_dict`` every this many batches (and at 0 and the end).
    seed : int
        Seeds the initialisation and the shuffling.
    n_classes : int

    Returns
    -------
    FirstEpochRun
    """
    t0 = time.perf_counter()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = LeNet()
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
    order = rng.permutation(len(x_train))
    total = len(x_train) // batch_size if n_batches is None else int(n_batches)
    if total * batch_size > len(x_train):
        raise ValueError(f"{total} batches of {batch_size} need more than {len(x_train)} images")
    xe = to_tensor(x_eval)
    ye = np.asarray(y_eval)
    its, W, b, acc, conf, states = [], [], [], [], [], {}

    def record(t: int) -> None:
        its.append(t)
        W.append(net.conv1.weight.detach().numpy().copy())
        b.append(net.conv1.bias.detach().numpy().copy())
        C = confusion_matrix(net, xe, ye, n_classes)
        conf.append(C)
        counts = np.bincount(ye, minlength=n_classes)
        acc.append(float((np.diag(C) * counts).sum() / counts.sum()))

    def keep(t: int) -> None:
        if keep_state_every and (t % keep_state_every == 0 or t == total):
            states[t] = copy.deepcopy(net.state_dict())

    record(0)
    keep(0)
    for t in range(1, total + 1):
        idx = order[(t - 1) * batch_size:t * batch_size]
        net.train()
        opt.zero_grad()
        loss = F.cross_entropy(net(to_tensor(x_train[idx])), torch.as_tensor(np.array(y_train)[idx]))
        loss.backward()
        opt.step()
        if t % checkpoint_every == 0 or t == total:
            record(t)
        keep(t)
    return FirstEpochRun(np.array(its), np.array(W), np.array(b), np.array(acc), np.array(conf),
                         states, time.perf_counter() - t0)


def feature_maps(weight: np.ndarray, bias: np.ndarray, images: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """First-layer feature maps ``F = I * W + b`` (Eq 1, before ReLU) for given conv1 parameters.

    Parameters
    ----------
    weight : ndarray, shape (K, 1, 5, 5)
    bias : ndarray, shape (K,)
    images : ndarray, shape (B, 28, 28), uint8

    Returns
    -------
    ndarray, shape (B, K, 24, 24), float32
    """
    w = torch.as_tensor(weight, dtype=torch.float32)
    bb = torch.as_tensor(bias, dtype=torch.float32)
    out = []
    with torch.no_grad():
        for i in range(0, len(images), chunk):
            out.append(F.conv2d(to_tensor(images[i:i + chunk]), w, bb).numpy())
    return np.concatenate(out)


def remove_filters(model: nn.Module, filters: Sequence[int]) -> nn.Module:
    """A copy of ``model`` with the given first-layer filters removed (weights and bias zeroed)."""
    m = copy.deepcopy(model)
    idx = list(int(i) for i in filters)
    with torch.no_grad():
        m.conv1.weight[idx] = 0.0
        m.conv1.bias[idx] = 0.0
    m.eval()
    return m


def taylor_scores(model: nn.Module, x: torch.Tensor, y: np.ndarray, chunk: int = 500) -> np.ndarray:
    """Taylor criterion of Molchanov et al. (2017) for the first-layer filters.

    ``Theta(z_k) = | mean over positions of (z_k * dL/dz_k) |`` averaged over the images, for the
    first-layer feature map ``z_k``, followed by Molchanov's layer-wise L2 normalisation.
    Small = the loss changes little when the map is zeroed (first-order estimate).

    Returns
    -------
    ndarray, shape (K,)
    """
    model = copy.deepcopy(model)
    model.eval()
    y = torch.as_tensor(np.array(y))
    store: dict[str, torch.Tensor] = {}

    def hook(_m, _i, out):
        out.retain_grad()
        store["z"] = out

    h = model.conv1.register_forward_hook(hook)
    total = None
    try:
        for i in range(0, len(x), chunk):
            model.zero_grad()
            loss = F.cross_entropy(model(x[i:i + chunk]), y[i:i + chunk], reduction="sum")
            loss.backward()
            z = store["z"]
            s = (z * z.grad).mean(dim=(2, 3)).abs().sum(0).detach().numpy()
            total = s if total is None else total + s
    finally:
        h.remove()
    total = total / len(x)
    return total / np.linalg.norm(total)


def greedy_oracle_order(model: nn.Module, x: torch.Tensor, y: np.ndarray, n_remove: int | None = None) -> list[int]:
    """Oracle pruning order: greedily remove the filter whose removal keeps the accuracy highest.

    Parameters
    ----------
    model : nn.Module
        A LeNet.
    x, y
        Images (tensor) and labels on which the accuracy is measured.
    n_remove : int, optional
        How many filters to order (default all).

    Returns
    -------
    list of int
        Filter indices in removal order (ties: the smaller index first).
    """
    K = model.conv1.weight.shape[0]
    n_remove = K if n_remove is None else n_remove
    removed: list[int] = []
    for _ in range(n_remove):
        best, best_acc = -1, -1.0
        for k in range(K):
            if k in removed:
                continue
            a = evaluate(remove_filters(model, removed + [k]), x, y)
            if a > best_acc:
                best, best_acc = k, a
        removed.append(best)
    return removed


def single_removal_order(model: nn.Module, x: torch.Tensor, y: np.ndarray) -> list[int]:
    """Oracle pruning order from single removals: each filter removed alone, the least harmful first.

    Molchanov et al. (2017)'s oracle ranking: the change when one unit alone is removed, here the
    accuracy on ``x, y``; unlike :func:`greedy_oracle_order` the ranking is computed once, on the
    whole network, and never looks at filters removed together.

    Parameters
    ----------
    model : nn.Module
        A LeNet.
    x, y
        Images (tensor) and labels on which the accuracy is measured (keep them apart from the
        images the pruning curve is measured on).

    Returns
    -------
    list of int
        Filter indices, the one whose removal alone keeps the accuracy highest first (ties: the
        smaller index first).
    """
    K = model.conv1.weight.shape[0]
    after = np.array([evaluate(remove_filters(model, [k]), x, y) for k in range(K)])
    return [int(k) for k in np.argsort(-after, kind="stable")]


def pruning_curve(model: nn.Module, order: Sequence[int], x: torch.Tensor, y: np.ndarray) -> np.ndarray:
    """Accuracy after removing the first ``r`` filters of ``order``, for ``r = 0 .. len(order)``."""
    return np.array([evaluate(remove_filters(model, list(order[:r])), x, y) for r in range(len(order) + 1)])
