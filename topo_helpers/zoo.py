"""The zoo: trained networks as data, committed with their provenance.

The filter chapters need many trained copies of one architecture (001 §V: 100 x M(64,32,64) on
MNIST). Training them inside a notebook ties every table to the machine that ran it; here a
*run* is trained once, by the command line below, and stored in ``zoo/<run>/``:

``manifest.json``
    the full training configuration and its cache key, how it was made (code commit, torch
    version, device, threads, precision, wall-clock and CPU-hours, dates, the shards), the test
    accuracy of every network at every checkpoint, and the sha256 of each archive;
``conv1.npz``
    float16 layer-1 kernels ``(N, out, in, 3, 3)`` at every checkpoint (keys ``it<t>``);
``conv2.npz``
    float16 layer-2 kernels at the run's ``conv2_checkpoints``;
``reference.npz``
    the float32 final state of network 0, so that a test can re-evaluate it.

Command line::

    python -m topo_helpers.zoo list
    python -m topo_helpers.zoo train mnist --networks 0:25 [--device cuda] [--threads 1]
    python -m topo_helpers.zoo merge mnist
    python -m topo_helpers.zoo launch mnist --shards 8 [--scheduler tcp://host:8786]   # Dask
    python -m topo_helpers.zoo verify

Training is sharded by network index. Network ``i`` depends only on the configuration and ``i``
(its initialisation, data order, dropout masks and optimiser are its own), so shards are
independent processes, a killed shard resumes where it stopped (finished networks are kept in
``$TOPO_CACHE_DIR/zoo-work/``, the network in progress saves its state every minute), and the
merged archives are byte-identical to those of a one-process run (the archives are written with
fixed zip timestamps; ``tests/test_zoo.py`` checks it on a tiny run). A finished shard is a folder
``zoo/<run>/parts/<a>-<b>/``; ``merge`` joins the parts once they cover every network.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from . import train as _train
from .filters import zero_norm_count
from .train import TrainConfig

__all__ = [
    "RunSpec",
    "RUNS",
    "ZooError",
    "ZooRun",
    "zoo_dir",
    "load",
    "trained_networks",
    "describe",
    "train_shard",
    "merge",
    "launch_dask",
    "verify",
    "write_npz",
    "main",
]

_PKG_ROOT = Path(__file__).resolve().parent.parent
ZOO_ENV = "TOPO_ZOO_DIR"
_MANIFEST = "manifest.json"
_SHARD = "shard.json"
_ARCHIVES = ("conv1.npz", "conv2.npz", "reference.npz")


class ZooError(ValueError):
    """A zoo run is missing, incomplete or corrupt; the message says how to rebuild it."""


# --------------------------------------------------------------------------- the runs


@dataclass(frozen=True)
class RunSpec:
    """One run of the zoo: what to train and what to keep.

    Parameters
    ----------
    name
        The run's name (its folder in ``zoo/``).
    config
        The training configuration (:class:`topo_helpers.train.TrainConfig`); ``n_networks`` is
        the run's size, ``checkpoints`` the iterations whose layer-1 kernels are kept.
    dataset
        ``"mnist"`` (official MNIST, 60,000 training and all 10,000 test images) or
        ``"synthetic"`` (:func:`topo_helpers.train.make_synthetic`; for tests only).
    conv2_checkpoints
        Iterations whose layer-2 kernels are kept (a subset of ``config.checkpoints``).
    description
        One line for ``list`` and the manifest.
    target_accuracy
        Mean test accuracy the run aims at (reported, not enforced).
    channels_last
        Train with ``torch.channels_last`` memory format (faster convolutions on the CPU).
    precision
        ``"float32"``, or ``"bf16"`` (bfloat16 autocast, float32 master weights; only worth it on
        CPUs with native bfloat16 instructions, see ``benchmarks/bench_train.py``).
    final_states
        Also keep every network's final weights (float16, ``final.npz``), for runs whose networks a
        chapter evaluates on other data (001 §VI). Not part of the key, like ``conv2_checkpoints``.
    """

    name: str
    config: TrainConfig
    dataset: str
    conv2_checkpoints: tuple[int, ...] = ()
    description: str = ""
    target_accuracy: float | None = None
    channels_last: bool = True
    precision: str = "float32"
    final_states: bool = False

    def __post_init__(self) -> None:
        if self.dataset not in _DATASETS:
            raise ValueError(f"run {self.name!r}: unknown dataset {self.dataset!r}; choose one of {sorted(_DATASETS)}")
        if self.precision not in ("float32", "bf16"):
            raise ValueError(f"run {self.name!r}: precision must be 'float32' or 'bf16', got {self.precision!r}")
        cps = set(self.config.resolved().checkpoints)
        missing = sorted(set(self.conv2_checkpoints) - cps)
        if missing:
            raise ValueError(f"run {self.name!r}: conv2 checkpoints {missing} are not checkpoints of the configuration")

    @property
    def n_networks(self) -> int:
        return int(self.config.n_networks)

    def to_json(self) -> dict[str, Any]:
        """The specification as the manifest records it (configuration resolved, with its key)."""
        return {
            "name": self.name,
            "dataset": self.dataset,
            "description": self.description,
            "config": self.config.to_json(),
            "key": self.key,
            "conv2_checkpoints": sorted(self.conv2_checkpoints),
            "target_accuracy": self.target_accuracy,
            "channels_last": self.channels_last,
            "precision": self.precision,
            "final_states": self.final_states,
        }

    @property
    def key(self) -> str:
        """Hash of everything that determines the weights (configuration, data, precision)."""
        payload = {"config": self.config.to_json(), "dataset": self.dataset, "channels_last": self.channels_last,
                   "precision": self.precision, "trainer": "zoo-1"}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _mnist() -> tuple[Any, Any]:
    from .data import load_mnist

    return load_mnist("train"), load_mnist("test")


def _synthetic() -> tuple[Any, Any]:
    return _train.make_synthetic(2048, seed=0), _train.make_synthetic(512, seed=5)


def _cifar(colour: bool) -> Callable[[], tuple[Any, Any]]:
    def load_() -> tuple[Any, Any]:
        from .cifar import cifar10_arrays

        tr, te = cifar10_arrays("train", colour=colour), cifar10_arrays("test", colour=colour)
        if not tr.lossy:
            raise ZooError("the zoo's CIFAR-10 runs are defined on the book's offline JPEG copy of CIFAR-10 "
                           "(their configuration names 'cifar10-...-jpeg'), but the loader found the official files; "
                           "set TOPO_DATA_DIR to that copy (../shared/data) to rebuild these runs, or add a run on "
                           "the official files under its own name")
        return (tr.images, tr.labels), (te.images, te.labels)

    return load_


_DATASETS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "mnist": _mnist, "synthetic": _synthetic, "cifar10-grey": _cifar(False), "cifar10-colour": _cifar(True),
}

# Dense checkpoints over the first 2,000 iterations (Fig 5's range), then sparser to the end.
_MNIST_CKPTS = (0, 10, 20, 30, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000)


def _m_run(name: str, xyz: tuple[int, int, int], n: int, description: str, conv2: tuple[int, ...]) -> RunSpec:
    cfg = TrainConfig("M", dict(zip("XYZ", xyz)), n_networks=n, iterations=4000, lr=1e-3, seed=0,
                      dataset="mnist", checkpoints=_MNIST_CKPTS)
    return RunSpec(name, cfg, "mnist", conv2, description, target_accuracy=0.988)


def _c_run(name: str, xyz: tuple[int, int, int], n: int, iterations: int, checkpoints: tuple[int, ...], *,
           colour: bool, description: str, conv2: tuple[int, ...], pool1: bool = True,
           target: float | None = None) -> RunSpec:
    from .cifar import cifar_config

    cfg = cifar_config(*xyz, colour=colour, n_networks=n, iterations=iterations, checkpoints=checkpoints,
                       pool1=pool1, seed=0, lossy=True)
    return RunSpec(name, cfg, "cifar10-colour" if colour else "cifar10-grey", conv2, description,
                   target_accuracy=target)


def _m_general(name: str, description: str, *, fixed: str | None = None, append: str | None = None,
               n: int = 3) -> RunSpec:
    """001 §VI: M(64,32,64) as the run ``mnist``, with layer 1 frozen to a filter bank or a bank's responses appended."""
    from .generalisation import filter_bank, mnist_config

    cfg = mnist_config(64, 32, 64, n_networks=n, iterations=4000, lr=1e-3, seed=0, checkpoints=_MNIST_CKPTS,
                       fixed_conv1=None if fixed is None else filter_bank(fixed, 64, seed=0),
                       append_filters=None if append is None else filter_bank(append, 64, seed=0))
    return RunSpec(name, cfg, "mnist", (), description, target_accuracy=0.988, final_states=True)


#: Fig 5's checkpoints (001 §V-B-1: 100, 200, 300, 400, 500, 1,000, 1,500, 2,000), and 0.
_CIFAR_GREY_CKPTS = (0, 100, 200, 300, 400, 500, 1000, 1500, 2000)
#: Fig 9's checkpoints (001 §V-B-2: 100 to 1,500 iterations), and 0.
_CIFAR_COLOUR_CKPTS = (0, 100, 200, 300, 400, 500, 750, 1000, 1250, 1500)

#: The zoo's runs. 001 §V-A trains 100 x M(64,32,64) for 40,000 iterations; the paper gives no
#: Adam rate. These runs use Adam 1e-3 for 4,000 iterations (batch 128), the shortest schedule we
#: measured near the paper's ~99% test accuracy; each manifest records the accuracy reached.
RUNS: dict[str, RunSpec] = {
    r.name: r
    for r in (
        _m_run("mnist", (64, 32, 64), 100, "001 §V-A: 100 x M(64,32,64) on MNIST (Fig 2, layer 2, dynamics)",
               (0, 200, 500, 1000, 2000, 4000)),
        _m_run("mnist-arch-64-0-64", (64, 0, 64), 25, "001 §V-A: M(64,0,64), layer 1 without a second conv layer", ()),
        _m_run("mnist-arch-64-8-512", (64, 8, 512), 25, "001 §V-A: M(64,8,512)", (4000,)),
        _m_run("mnist-arch-64-16-512", (64, 16, 512), 25, "001 §V-A: M(64,16,512)", (4000,)),
        _m_run("mnist-arch-256-32-512", (256, 32, 512), 25, "001 §V-A: M(256,32,512)", (4000,)),
        _c_run("cifar-grey", (64, 32, 64), 100, 2000, _CIFAR_GREY_CKPTS, colour=False, conv2=_CIFAR_GREY_CKPTS,
               description="001 §V-B-1 Fig 5: 100 x C(64,32,64) on greyscale CIFAR-10, 0-2,000 iterations"),
        _c_run("cifar-grey-64-0-64", (64, 0, 64), 48, 2000, (0, 500, 1000, 2000), colour=False, conv2=(),
               description="001 §V-B-1: 48 x C(64,0,64) on greyscale CIFAR-10 (the paper: 70,000 it.; here 2,000)"),
        _c_run("cifar-colour", (64, 32, 64), 60, 1500, _CIFAR_COLOUR_CKPTS, colour=True, conv2=_CIFAR_COLOUR_CKPTS,
               description="001 §V-B-2 Fig 9: 60 x C(64,32,64) on colour CIFAR-10, 0-1,500 iterations"),
        _c_run("cifar-nopool", (48, 0, 64), 82, 2000, (0, 500, 1000, 2000), colour=True, conv2=(), pool1=False,
               description="001 §V-B-2 Figs 7-8: 82 x C(48,0,64) without max-pooling, colour (the paper: 30,000 it.; here 2,000)"),
        _m_general("mnist-trained", "001 §VI: the trained condition, the mnist recipe with every network's weights kept"),
        _m_general("mnist-fixed-circle", "001 §VI: layer 1 frozen to 64 primary-circle filters (generalisation to SVHN)",
                   fixed="circle"),
        _m_general("mnist-fixed-gaussian", "001 §VI: layer 1 frozen to 64 gaussian filters (the control)", fixed="gaussian"),
        _m_general("mnist-append-circle", "001 §VI Fig 13: responses to 64 primary-circle filters appended to the input",
                   append="circle"),
        _m_general("mnist-append-klein", "001 §VI Fig 13: responses to 64 Klein-bottle filters appended", append="klein"),
        _m_general("mnist-append-gaussian", "001 §VI Fig 13: responses to 64 gaussian filters appended", append="gaussian"),
        RunSpec(
            "tiny",
            TrainConfig("M", {"X": 4, "Y": 2, "Z": 8}, n_networks=4, iterations=12, lr=1e-3, seed=0,
                        dataset="synthetic", checkpoints=(0, 5, 12)),
            "synthetic", (12,), "a tiny run on synthetic data, for the tests of sharding and merging",
        ),
    )
}


def _spec(name: str) -> RunSpec:
    if name not in RUNS:
        raise ZooError(f"unknown zoo run {name!r}; the runs are {sorted(RUNS)} (python -m topo_helpers.zoo list)")
    return RUNS[name]


def zoo_dir() -> Path:
    """Where the runs live: ``$TOPO_ZOO_DIR``, else the repository's ``zoo/`` folder."""
    value = os.environ.get(ZOO_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else _PKG_ROOT / "zoo"


def _rebuild(name: str) -> str:
    n = _spec(name).n_networks if name in RUNS else "N"
    return (f"python -m topo_helpers.zoo train {name} --networks 0:{n} && python -m topo_helpers.zoo merge {name} "
            f"(or restore zoo/{name}/ from git: git checkout -- zoo/{name})")


# --------------------------------------------------------------------------- archives


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> str:
    """Write a deterministic ``.npz`` (sorted keys, fixed zip timestamps) and return its sha256.

    ``numpy.savez`` stamps each member with the current time, so the same arrays give different
    bytes; here the same arrays always give the same file.
    """
    path = Path(path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[k]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{k}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, member.getvalue())
    data = buf.getvalue()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


# --------------------------------------------------------------------------- training one network


#: The files whose code decides a zoo network's weights (a "+dirty" commit names changes to these).
_TRAINING_CODE = ("topo_helpers/zoo.py", "topo_helpers/train.py", "topo_helpers/models.py", "topo_helpers/data.py")


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(_PKG_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(_PKG_ROOT), "status", "--porcelain", *_TRAINING_CODE],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+dirty" if dirty else "") if out.returncode == 0 else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


@torch.no_grad()
def _accuracy(model: torch.nn.Module, test: tuple[torch.Tensor, torch.Tensor], cfg: TrainConfig,
              append: torch.Tensor | None, batch: int = 1000) -> float:
    """Test accuracy in float32, eval mode (no dropout), over every test image."""
    was = model.training
    model.eval()
    correct = 0
    for s in range(0, len(test[0]), batch):
        x = _train.prep_input(test[0][s : s + batch], cfg.preprocess, torch.float32, append)
        correct += int((model(x).argmax(-1) == test[1][s : s + batch]).sum())
    model.train(was)
    return correct / len(test[0])


def train_network(spec: RunSpec, i: int, data: Any, test_data: Any, *, state_path: Path | None = None,
                  device: str | torch.device | None = "cpu", save_interval_s: float = 60.0,
                  progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Train network ``i`` of a run; resumable from ``state_path``.

    Network ``i`` is initialised under ``seed + i``, reads its own data order
    (:class:`topo_helpers.train._Batcher` with seed ``seed + i``) and draws its dropout masks from
    its own seed: the result depends on the run and ``i`` only, never on which other networks the
    process trains.

    Returns
    -------
    dict
        ``conv1`` / ``conv2``: iteration -> float16 kernels; ``accuracy``: iteration -> test
        accuracy; ``state``: the float32 final state; ``train_s``: seconds of training.
    """
    dev = _train.resolve_device(device)
    cfg, dtype, images, labels, kw, append, test = _train._prepare(spec.config, data, test_data, dev)
    seed_i = cfg.seed + i
    mf = torch.channels_last if spec.channels_last else torch.contiguous_format
    bf16 = spec.precision == "bf16"
    cps = set(cfg.checkpoints)
    conv2_cps = set(spec.conv2_checkpoints)
    cuda = dev.type == "cuda"
    with torch.random.fork_rng(devices=[dev] if cuda else []):
        model = _train._init_network(cfg, kw, seed_i, i, dtype).to(dev).to(memory_format=mf).train()
        frozen = set(cfg.fixed or ())
        for name, p in model.named_parameters():
            p.requires_grad_(name not in frozen)
        opt = _train._make_optimizer(cfg, {k: p for k, p in model.named_parameters() if k not in frozen})
        torch.manual_seed(_train._dropout_seed(seed_i))
        batcher = _train._Batcher(images, labels, [seed_i], cfg, dtype, append)
        out: dict[str, Any] = {"conv1": {}, "conv2": {}, "accuracy": {}, "train_s": 0.0, "cpu_s": 0.0}
        t0 = 0
        if state_path is not None and state_path.exists():
            st = torch.load(state_path, map_location="cpu", weights_only=False)
            if st.get("key") != spec.key or st.get("i") != i:
                raise ZooError(f"{state_path} belongs to another run or network; delete it to start network {i} afresh")
            model.load_state_dict(st["model"])
            opt.load_state_dict(st["optim"])
            torch.set_rng_state(st["rng"])
            out = st["out"]
            t0 = int(st["iteration"])

        def checkpoint(t: int) -> None:
            out["conv1"][t] = model.conv1.weight.detach().cpu().numpy().astype(np.float16)
            if t in conv2_cps and model.conv2 is not None:
                out["conv2"][t] = model.conv2.weight.detach().cpu().numpy().astype(np.float16)
            if test is not None:
                out["accuracy"][t] = _accuracy(model, test, cfg, append)

        def save(t: int) -> None:
            if state_path is None:
                return
            st = {"key": spec.key, "i": i, "iteration": t, "model": model.state_dict(), "optim": opt.state_dict(),
                  "rng": torch.get_rng_state(), "out": out}
            tmp = state_path.with_name(state_path.name + ".tmp")
            torch.save(st, tmp)
            os.replace(tmp, state_path)

        if t0 == 0 and 0 in cps:
            checkpoint(0)
        last, cpu0 = time.perf_counter(), time.process_time()
        out.setdefault("cpu_s", 0.0)
        for t in range(t0 + 1, cfg.iterations + 1):
            ts = time.perf_counter()
            x, y = batcher(t - 1)
            x = x[0].contiguous(memory_format=mf)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=bf16):
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y[0])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            out["train_s"] += time.perf_counter() - ts
            if t in cps:
                checkpoint(t)
                if progress is not None:
                    acc = out["accuracy"].get(t)
                    progress(f"network {i}: iteration {t}/{cfg.iterations}" + ("" if acc is None else f", accuracy {acc:.4f}"))
            if t < cfg.iterations and time.perf_counter() - last > save_interval_s:
                out["cpu_s"] += time.process_time() - cpu0  # CPU time survives a resume
                cpu0 = time.process_time()
                save(t)
                last = time.perf_counter()
        out["cpu_s"] += time.process_time() - cpu0
        out["state"] = {k: v.detach().cpu().float().contiguous().numpy() for k, v in model.state_dict().items()}
    return out


# --------------------------------------------------------------------------- shards


def _parse_range(text: str, n: int) -> tuple[int, int]:
    try:
        a_s, b_s = text.split(":")
        a, b = int(a_s or 0), int(b_s or n)
    except ValueError:
        raise ValueError(f"--networks must look like a:b (e.g. 0:25), got {text!r}") from None
    if not 0 <= a < b <= n:
        raise ValueError(f"--networks {text!r} must satisfy 0 <= a < b <= {n} (the run has {n} networks)")
    return a, b


def _part_name(a: int, b: int) -> str:
    return f"{a:05d}-{b:05d}"


def _work_dir(name: str) -> Path:
    from .data import cache_dir

    return cache_dir() / "zoo-work" / name / RUNS[name].key if name in RUNS else cache_dir() / "zoo-work" / name


def train_shard(name: str, networks: tuple[int, int] | None = None, *, device: str | None = "cpu",
                threads: int | None = None, root: Path | None = None, verbose: bool = True) -> Path:
    """Train networks ``a:b`` of run ``name`` and write the part ``zoo/<name>/parts/<a>-<b>/``.

    Finished networks are kept in the work folder (``$TOPO_CACHE_DIR/zoo-work/``) as they finish;
    calling again after a kill resumes. Returns the part's folder.
    """
    spec = _spec(name)
    a, b = networks if networks is not None else (0, spec.n_networks)
    _parse_range(f"{a}:{b}", spec.n_networks)
    if threads:
        torch.set_num_threads(int(threads))
    root = root or zoo_dir()
    part = root / name / "parts" / _part_name(a, b)
    if (part / _SHARD).exists():
        if verbose:
            print(f"[zoo] {name} networks {a}:{b} already trained ({part})", flush=True)
        return part
    work = _work_dir(name)
    work.mkdir(parents=True, exist_ok=True)
    data, test = _DATASETS[spec.dataset]()
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    commit = _git_commit()  # the code this call starts with
    t_wall, c0 = time.perf_counter(), time.process_time()
    say = (lambda m: print(f"[zoo] {name} {m}", flush=True)) if verbose else None
    for i in range(a, b):
        done = work / f"net-{i:05d}.pt"
        if done.exists():
            continue
        res = train_network(spec, i, data, test, state_path=work / f"net-{i:05d}.state.pt", device=device, progress=say)
        tmp = done.with_name(done.name + ".tmp")
        torch.save(res, tmp)
        os.replace(tmp, done)
        (work / f"net-{i:05d}.state.pt").unlink(missing_ok=True)
    nets = [torch.load(work / f"net-{i:05d}.pt", map_location="cpu", weights_only=False) for i in range(a, b)]
    part.mkdir(parents=True, exist_ok=True)
    shas = _write_archives(part, spec, nets, reference=nets[0]["state"] if a == 0 else None)
    dev = _train.resolve_device(device)
    meta = {
        "run": name, "key": spec.key, "networks": [a, b], "data": _data_digest(data, test),
        "accuracy": {str(t): [float(n["accuracy"][t]) for n in nets] for t in sorted(nets[0]["accuracy"])},
        "sha256": shas,
        "provenance": {
            "code_commit": commit, "torch": torch.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "device": str(dev) if dev.type != "cuda" else torch.cuda.get_device_name(dev),
            "cpu": _cpu_name(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(),
            "precision": spec.precision, "channels_last": spec.channels_last,
            "started": started, "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "train_s": float(sum(n["train_s"] for n in nets)),
            # CPU-hours of training and evaluation summed over each network's calls (resumes included)
            "cpu_hours": float(sum(n.get("cpu_s", n["train_s"]) for n in nets)) / 3600.0,
            "wall_s_this_call": time.perf_counter() - t_wall,
            "cpu_hours_this_call": (time.process_time() - c0) / 3600.0,
        },
    }
    (part / _SHARD).write_text(json.dumps(meta, indent=1) + "\n")
    if say:
        say(f"networks {a}:{b} written to {part}")
    return part


def _write_archives(folder: Path, spec: RunSpec, nets: list[dict[str, Any]], reference: dict | None) -> dict[str, str]:
    shas = {
        "conv1.npz": write_npz(folder / "conv1.npz", {f"it{t}": np.stack([n["conv1"][t] for n in nets]) for t in sorted(nets[0]["conv1"])}),
        "conv2.npz": write_npz(folder / "conv2.npz", {f"it{t}": np.stack([n["conv2"][t] for n in nets]) for t in sorted(nets[0]["conv2"])}),
    }
    if reference is not None:
        shas["reference.npz"] = write_npz(folder / "reference.npz", reference)
    if spec.final_states:
        shas["final.npz"] = write_npz(folder / "final.npz", {k: np.stack([n["state"][k] for n in nets]).astype(np.float16)
                                                            for k in sorted(nets[0]["state"])})
    return shas


def _data_digest(data: Any, test: Any) -> dict[str, Any]:
    """sha256 of the training and test images and labels a shard read (parts of one run must agree)."""
    out = {}
    for split, d in (("train", data), ("test", test)):
        images, labels = _train._split(d)
        out[split] = {"images": _train._digest(images)["sha256"], "labels": _train._digest(labels)["sha256"],
                      "n": int(len(labels))}
    return out


def _parts(name: str, root: Path) -> list[tuple[int, int, Path]]:
    folder = root / name / "parts"
    out = []
    for p in sorted(folder.glob("*-*")) if folder.is_dir() else []:
        if (p / _SHARD).exists():
            a, b = (int(s) for s in p.name.split("-"))
            out.append((a, b, p))
    return out


def _leading_parts(parts: list[tuple[int, int, Path]]) -> list[tuple[int, int, Path]]:
    """The parts that follow each other from network 0 without a gap (``_parts`` is sorted)."""
    out: list[tuple[int, int, Path]] = []
    for a, b, p in parts:
        if a != (out[-1][1] if out else 0):
            break
        out.append((a, b, p))
    return out


def _check_part(name: str, p: Path) -> dict[str, Any]:
    meta = json.loads((p / _SHARD).read_text())
    for fname, sha in meta["sha256"].items():
        if not (p / fname).exists() or _sha256(p / fname) != sha:
            raise ZooError(f"zoo run {name!r}: part {p.name} file {fname} is missing or corrupt (sha256 mismatch); "
                           f"rebuild it: python -m topo_helpers.zoo train {name} --networks {p.name.replace('-', ':')}")
    return meta


def merge(name: str, root: Path | None = None, *, keep_parts: bool = False) -> Path:
    """Join the parts of run ``name`` (they must cover networks ``0:N`` exactly) into its archives and manifest."""
    spec = _spec(name)
    root = root or zoo_dir()
    parts = _parts(name, root)
    metas = [(a, b, p, _check_part(name, p)) for a, b, p in _leading_parts(parts)]
    covered = metas[-1][1] if metas else 0
    if covered != spec.n_networks:
        have = ", ".join(f"{a}:{b}" for a, b, _ in parts) or "none"
        raise ZooError(f"zoo run {name!r}: the parts ({have}) do not cover networks 0:{spec.n_networks} one after the "
                       f"other; train the rest (python -m topo_helpers.zoo train {name} --networks {covered}:{spec.n_networks})")
    for _, _, p, m in metas:
        if m["key"] != spec.key:
            raise ZooError(f"zoo run {name!r}: part {p.name} was trained with another configuration (key {m['key']}, "
                           f"now {spec.key}); retrain it")
    digests = {json.dumps(m["data"], sort_keys=True) for *_, m in metas if "data" in m}
    if len(digests) > 1:
        raise ZooError(f"zoo run {name!r}: its parts were trained on different data (the images' sha256 differ "
                       f"between parts); retrain the odd parts with the same TOPO_DATA_DIR")
    folder = root / name
    conv = {}
    for layer in ("conv1", "conv2") + (("final",) if spec.final_states else ()):
        loaded = [_read_npz(p / f"{layer}.npz") for _, _, p, _ in metas]
        conv[layer] = {k: np.concatenate([d[k] for d in loaded]) for k in loaded[0]}
    shas = {f"{layer}.npz": write_npz(folder / f"{layer}.npz", arrays) for layer, arrays in conv.items()}
    shutil.copyfile(metas[0][2] / "reference.npz", folder / "reference.npz")
    shas["reference.npz"] = _sha256(folder / "reference.npz")
    its = sorted(int(t) for t in metas[0][3]["accuracy"])
    acc = {str(t): [x for *_, m in metas for x in m["accuracy"][str(t)]] for t in its}
    prov = [m["provenance"] | {"networks": m["networks"]} for *_, m in metas]
    manifest = {
        **spec.to_json(),
        "data": json.loads(digests.pop()) if digests else None,
        "n_networks": spec.n_networks,
        "checkpoints": its,
        "accuracy": acc,
        "mean_accuracy_final": float(np.mean(acc[str(its[-1])])) if its else None,
        "sha256": shas,
        "made": {
            "cpu_hours": sum(p.get("cpu_hours", p["train_s"] / 3600.0) for p in prov),
            "train_s": sum(p["train_s"] for p in prov),
            "wall_s": sum(p["wall_s_this_call"] for p in prov),
            "shards": prov,
            "merged": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        },
        "rebuild": _rebuild(name),
    }
    (folder / _MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    if not keep_parts:
        shutil.rmtree(folder / "parts")
    return folder


# --------------------------------------------------------------------------- a cluster engine


def _shard_ranges(a: int, b: int, shards: int) -> list[tuple[int, int]]:
    shards = max(1, min(int(shards), b - a))
    edges = np.linspace(a, b, shards + 1).round().astype(int)
    return [(int(x), int(y)) for x, y in zip(edges[:-1], edges[1:])]


def _shard_task(name: str, a: int, b: int, threads: int, root: str, env: dict[str, str]) -> str:
    os.environ.update(env)  # the data and cache folders of the submitting machine's set-up
    return str(train_shard(name, (a, b), threads=threads, root=Path(root), verbose=False))


def launch_dask(name: str, shards: int, *, networks: tuple[int, int] | None = None, scheduler: str | None = None,
                n_workers: int | None = None, threads: int = 1, root: Path | None = None,
                merge_after: bool = True) -> list[Path]:
    """Train a run as ``shards`` tasks of a Dask ``distributed`` cluster (each task one shard), then merge.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``: ``dask scheduler`` / ``dask worker``
        on a real cluster, or dask-jobqueue on SLURM/PBS); ``None``: a ``LocalCluster`` of worker
        processes on this machine.
    n_workers
        Workers of the local cluster (default: ``min(shards, cpu count)``).
    threads
        Torch threads per task; keep it equal across shards (the bytes of a network's weights may
        depend on it).
    root
        The zoo folder; every worker must see it (a shared file system on a real cluster).

    Returns
    -------
    list of Path
        The parts written (the merged run's folder is ``root / name``).
    """
    from dask.distributed import Client, LocalCluster

    spec = _spec(name)
    a, b = networks if networks is not None else (0, spec.n_networks)
    _parse_range(f"{a}:{b}", spec.n_networks)
    root = Path(root) if root is not None else zoo_dir()
    env = {k: v for k, v in os.environ.items() if k.startswith("TOPO_")}
    ranges = _shard_ranges(a, b, shards)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers or min(len(ranges), os.cpu_count() or 1), threads_per_worker=1,
                               processes=True, dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            futures = [client.submit(_shard_task, name, x, y, threads, str(root), env, pure=False) for x, y in ranges]
            parts = [Path(p) for p in client.gather(futures)]
    finally:
        if cluster is not None:
            cluster.close()
    if merge_after and (a, b) == (0, spec.n_networks):
        merge(name, root)
    return parts


# --------------------------------------------------------------------------- loading


@dataclass
class ZooRun:
    """A stored run: its manifest and its archives (checksums verified on load)."""

    name: str
    manifest: dict[str, Any]
    conv1: dict[int, np.ndarray]
    conv2: dict[int, np.ndarray]
    reference: dict[str, np.ndarray]
    folder: Path
    partial: bool = False
    final: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_networks(self) -> int:
        return int(next(iter(self.conv1.values())).shape[0])

    @property
    def checkpoint_iterations(self) -> list[int]:
        return sorted(self.conv1)

    @property
    def accuracies(self) -> dict[int, np.ndarray]:
        return {int(t): np.asarray(v, dtype=np.float64) for t, v in self.manifest["accuracy"].items()}

    def conv(self, layer: int = 1, iteration: int | None = None) -> np.ndarray:
        """Kernels ``(N, out, in, h, w)`` (float32) of layer 1 or 2 at a stored iteration (``None``: the last)."""
        store = {1: self.conv1, 2: self.conv2}.get(int(layer))
        if store is None:
            raise ValueError(f"layer must be 1 or 2, got {layer!r}")
        if not store:
            raise ValueError(f"run {self.name!r} keeps no layer-{layer} kernels")
        t = max(store) if iteration is None else int(iteration)
        if t not in store:
            raise ValueError(f"run {self.name!r} keeps layer-{layer} kernels at iterations {sorted(store)}, not {t}")
        return store[t].astype(np.float32)

    @property
    def config(self) -> dict[str, Any]:
        """The training configuration as the manifest records it (arrays as shape and sha256)."""
        return self.manifest["config"]

    def _skeleton(self) -> torch.nn.Module:
        from .models import build_model

        cfg = self.manifest["config"]
        kw = dict(cfg["arch_kwargs"])
        if cfg.get("append_filters"):  # the appended responses are extra input channels
            kw["in_channels"] = kw.get("in_channels") or 1
            kw["in_channels"] += int(cfg["append_filters"]["shape"][0])
        return build_model(cfg["arch"], **kw)

    def model(self, i: int) -> torch.nn.Module:
        """Network ``i`` with its final weights (float16 as stored, cast to float32), in eval mode.

        Only runs trained with ``final_states`` keep every network's weights (:data:`RUNS` says
        which); others keep network 0's (:meth:`reference_model`).
        """
        if not self.final:
            raise ValueError(f"run {self.name!r} keeps no final weights per network (only network 0's: "
                             f"reference_model()); runs with final_states=True do")
        if isinstance(i, bool) or not 0 <= int(i) < self.n_networks:
            raise ValueError(f"network {i!r} is not among the {self.n_networks} loaded networks of run {self.name!r}")
        m = self._skeleton()
        m.load_state_dict({k: torch.from_numpy(v[int(i)].astype(np.float32)) for k, v in self.final.items()})
        return m.eval()

    def reference_model(self) -> torch.nn.Module:
        """Network 0 with its float32 final weights, in eval mode."""
        m = self._skeleton()
        m.load_state_dict({k: torch.from_numpy(v) for k, v in self.reference.items()})
        return m.eval()


def _int_keys(d: dict[str, np.ndarray]) -> dict[int, np.ndarray]:
    return {int(k[2:]): v for k, v in d.items()}


def load(name: str, root: Path | None = None, *, allow_partial: bool = False, networks: int | None = None) -> ZooRun:
    """Load run ``name``, verifying every archive's sha256 against its manifest.

    Parameters
    ----------
    allow_partial
        Also accept a run still being trained: its finished parts from network 0 on, one after the
        other (``partial=True``; the manifest then holds their accuracies only).
    networks
        Keep networks ``0:networks`` only (a chapter's small profile). They may come from the
        merged run or from finished parts (then ``allow_partial`` is implied for them), so that a
        chapter's result does not change when more networks of the run are trained; fewer trained
        networks than asked is an error that names the command to train them.

    Raises
    ------
    ZooError
        The run is unknown, not trained (or only in part, without ``allow_partial``), or an archive
        is missing or corrupt; the message names the command that rebuilds it.
    """
    _spec(name)
    if networks is not None:
        return _first_networks(name, root, int(networks))
    root = root or zoo_dir()
    folder = root / name
    mpath = folder / _MANIFEST
    if mpath.exists():
        manifest = json.loads(mpath.read_text())
        for fname, sha in manifest["sha256"].items():
            f = folder / fname
            if not f.exists():
                raise ZooError(f"zoo run {name!r}: {f} is missing; rebuild it: {_rebuild(name)}")
            if _sha256(f) != sha:
                raise ZooError(f"zoo run {name!r}: {f} is corrupt (sha256 differs from its manifest); rebuild it: {_rebuild(name)}")
        final = _read_npz(folder / "final.npz") if "final.npz" in manifest["sha256"] else {}
        return ZooRun(name, manifest, _int_keys(_read_npz(folder / "conv1.npz")), _int_keys(_read_npz(folder / "conv2.npz")),
                      _read_npz(folder / "reference.npz"), folder, final=final)
    parts = _parts(name, root)
    if not parts:
        raise ZooError(f"zoo run {name!r} is not in {root}; build it: {_rebuild(name)}")
    n = _spec(name).n_networks if name in RUNS else None
    if not allow_partial:
        have = ", ".join(f"{a}:{b}" for a, b, _ in parts)
        raise ZooError(f"zoo run {name!r} is incomplete (networks {have} of {n} trained); train the rest and merge: "
                       f"{_rebuild(name)}; or load(name, allow_partial=True)")
    leading = _leading_parts(parts)
    metas = [(p, _check_part(name, p)) for _, _, p in leading]
    covered = leading[-1][1] if leading else 0
    if not metas:
        raise ZooError(f"zoo run {name!r}: no part starts at network 0; train it: "
                       f"python -m topo_helpers.zoo train {name} --networks 0:{parts[0][0]}")
    conv = {}
    for layer in ("conv1", "conv2"):
        loaded = [_read_npz(p / f"{layer}.npz") for p, _ in metas]
        conv[layer] = _int_keys({k: np.concatenate([d[k] for d in loaded]) for k in loaded[0]})
    final = {}
    if all("final.npz" in m["sha256"] for _, m in metas):
        loaded = [_read_npz(p / "final.npz") for p, _ in metas]
        final = {k: np.concatenate([d[k] for d in loaded]) for k in loaded[0]}
    its = sorted(metas[0][1]["accuracy"], key=int)
    manifest = {**(_spec(name).to_json() if name in RUNS else {}), "partial": True, "n_networks_trained": covered,
                "accuracy": {t: [x for _, m in metas for x in m["accuracy"][t]] for t in its},
                "made": {"shards": [m["provenance"] | {"networks": m["networks"]} for _, m in metas]}}
    return ZooRun(name, manifest, conv["conv1"], conv["conv2"], _read_npz(metas[0][0] / "reference.npz"), folder,
                  partial=True, final=final)


def trained_networks(name: str, root: Path | None = None) -> int:
    """How many networks of run ``name`` are stored, counting from network 0 without a gap.

    The merged run counts all its networks; otherwise the finished parts that follow each other
    from network 0 (a part that starts later does not count). ``0`` when nothing is stored. Nothing
    is read but the folder names and the manifest, so a chapter can ask before it loads; loading
    still verifies every checksum.

    Raises
    ------
    ZooError
        For an unknown run.
    """
    spec = _spec(name)
    root = root or zoo_dir()
    if (root / name / _MANIFEST).exists():
        return spec.n_networks
    leading = _leading_parts(_parts(name, root))
    return leading[-1][1] if leading else 0


def _first_networks(name: str, root: Path | None, n: int) -> ZooRun:
    total = _spec(name).n_networks
    if not 1 <= n <= total:
        raise ValueError(f"networks must be between 1 and {total} (run {name!r} has {total}), got {n}")
    try:
        run = load(name, root)
    except ZooError:
        run = load(name, root, allow_partial=True)
    if run.n_networks < n:
        raise ZooError(f"zoo run {name!r} has {run.n_networks} of the {n} networks asked for trained; train them: "
                       f"python -m topo_helpers.zoo train {name} --networks {run.n_networks}:{n}")
    m = dict(run.manifest)
    m["accuracy"] = {t: list(v)[:n] for t, v in m["accuracy"].items()}
    m["networks_used"] = n
    # provenance of the networks used only, so that what a chapter prints does not change as more
    # networks of the run are trained
    made = dict(m.get("made", {}))
    made["shards"] = [sh for sh in made.get("shards", []) if int(sh["networks"][0]) < n]
    m["made"] = made
    return dataclasses.replace(run, manifest=m, conv1={t: w[:n] for t, w in run.conv1.items()},
                               conv2={t: w[:n] for t, w in run.conv2.items()}, partial=n < total,
                               final={k: w[:n] for k, w in run.final.items()})


def describe(run: ZooRun) -> str:
    """Two lines a chapter prints under a run it analyses: what was trained, how far, and how well."""
    m = run.manifest
    cfg = m["config"]
    arch = cfg["arch"] + "(" + ",".join(str(cfg["arch_kwargs"][k]) for k in "XYZ") + ")"
    extra = [k for k, v in cfg["arch_kwargs"].items() if k not in "XYZ" and v is not None]
    if extra:
        arch += " [" + ", ".join(f"{k}={cfg['arch_kwargs'][k]}" for k in extra) + "]"
    its = sorted(int(t) for t in m["accuracy"])
    last = its[-1]
    acc = np.asarray(m["accuracy"][str(last)], dtype=float)
    shards = m.get("made", {}).get("shards", [])
    cpu_h = sum(sh.get("cpu_hours", sh.get("train_s", 0.0) / 3600.0) for sh in shards)
    zero = []
    for layer, store in ((1, run.conv1), (2, run.conv2)):
        if store:
            W = run.conv(layer)
            zero.append(f"layer {layer} {zero_norm_count(W)} of {int(np.prod(W.shape[:3])):,}")
    return (f"zoo run {run.name!r}: networks 0-{run.n_networks - 1} of {_spec(run.name).n_networks}, {arch}, "
            f"{cfg['iterations']:,} iterations on {cfg['dataset']}, checkpoints {its[0]}-{last:,}\n"
            f"  test accuracy at {last:,}: mean {acc.mean():.1%} (min {acc.min():.1%}, max {acc.max():.1%}, "
            f"all test images); the run so far took {cpu_h:.1f} CPU-hours to train "
            f"(python -m topo_helpers.zoo verify {run.name})\n"
            f"  zero-norm spatial filters at {last:,} (dropped before the analysis): {', '.join(zero)}")


def verify(root: Path | None = None, names: list[str] | None = None) -> list[str]:
    """Check every stored run (merged or parts); return one line per run. Raises :class:`ZooError` on damage."""
    root = root or zoo_dir()
    names = names or sorted(RUNS)
    lines = []
    for name in names:
        folder = root / name
        if (folder / _MANIFEST).exists():
            r = load(name, root)
            lines.append(f"{name}: ok, {r.n_networks} networks, checkpoints {r.checkpoint_iterations[0]}-"
                         f"{r.checkpoint_iterations[-1]}, final mean accuracy {r.manifest['mean_accuracy_final']:.4f}")
        elif _parts(name, root):
            for _, _, p in _parts(name, root):
                _check_part(name, p)
            have = ", ".join(f"{a}:{b}" for a, b, _ in _parts(name, root))
            lines.append(f"{name}: ok so far, networks {have} of {_spec(name).n_networks} trained (not merged)")
        else:
            lines.append(f"{name}: not trained (python -m topo_helpers.zoo train {name})")
    return lines


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m topo_helpers.zoo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zoo-dir", default=None, help=f"zoo folder (default ${ZOO_ENV} or the repository's zoo/)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="the runs and their state")
    t = sub.add_parser("train", help="train networks a:b of a run (resumable)")
    t.add_argument("name")
    t.add_argument("--networks", default=None, help="a:b (default: all)")
    t.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    t.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    m = sub.add_parser("merge", help="join a run's parts into its archives and manifest")
    m.add_argument("name")
    m.add_argument("--keep-parts", action="store_true")
    la = sub.add_parser("launch", help="train a run as shards on a Dask cluster (local by default), then merge")
    la.add_argument("name")
    la.add_argument("--shards", type=int, required=True)
    la.add_argument("--networks", default=None, help="a:b (default: all)")
    la.add_argument("--scheduler", default=None, help="address of a running Dask scheduler (default: a local cluster)")
    la.add_argument("--workers", type=int, default=None, help="local cluster's worker processes")
    la.add_argument("--threads", type=int, default=1, help="torch threads per shard")
    v = sub.add_parser("verify", help="check every stored run's checksums")
    v.add_argument("names", nargs="*")
    a = p.parse_args(argv)
    from .data import absolute_env_paths

    absolute_env_paths()
    root = Path(a.zoo_dir).resolve() if a.zoo_dir else None
    try:
        if a.cmd == "list":
            status = dict(zip(sorted(RUNS), verify(root)))
            for name in sorted(RUNS):
                s = RUNS[name]
                c = s.config.resolved()
                print(f"{name:24s} {s.n_networks:4d} x {c.arch}{tuple(c.arch_kwargs.values())} {c.iterations} it  {s.description}")
                print(f"{'':24s} {status[name].split(': ', 1)[1]}")
        elif a.cmd == "train":
            spec = _spec(a.name)
            rng = _parse_range(a.networks, spec.n_networks) if a.networks else None
            train_shard(a.name, rng, device=a.device, threads=a.threads, root=root)
        elif a.cmd == "launch":
            spec = _spec(a.name)
            rng = _parse_range(a.networks, spec.n_networks) if a.networks else None
            parts = launch_dask(a.name, a.shards, networks=rng, scheduler=a.scheduler, n_workers=a.workers,
                                threads=a.threads, root=root)
            print(f"[zoo] {a.name}: {len(parts)} shards done")
        elif a.cmd == "merge":
            print(f"[zoo] merged into {merge(a.name, root, keep_parts=a.keep_parts)}")
        elif a.cmd == "verify":
            for line in verify(root, a.names or None):
                print(line)
    except (ZooError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
