"""Benchmark: N networks trained together (stacked) vs one by one.

Trains the same configuration with :func:`topo_helpers.train.train_many`
(strategies ``vmap`` and ``loop``: stacked parameters, one summed loss, one
optimiser) and with :func:`topo_helpers.train.train_one_by_one` (a plain loop
over networks) in one process, and prints networks x iterations per second of
pure training time (no evaluation) for each, and the ratios to one-by-one.
Repeats are interleaved and the best of each is kept (the machine may be
shared).

Examples
--------
::

    python benchmarks/bench_train.py --quick
    python benchmarks/bench_train.py -n 16 --iterations 300 --repeats 2
    python benchmarks/bench_train.py --data topo_helpers.data:load_mnist   # real MNIST
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from topo_helpers.train import TrainConfig, make_synthetic, resolve_device, train_many, train_one_by_one  # noqa: E402


def _load(spec: str) -> Any:
    mod, _, fn = spec.partition(":")
    return getattr(importlib.import_module(mod), fn or "load_mnist")("train")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="M", choices=["M", "C", "LeNet"])
    p.add_argument("--xyz", type=int, nargs=3, default=[64, 32, 64], metavar=("X", "Y", "Z"))
    p.add_argument("-n", "--networks", type=int, default=8)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--train-size", type=int, default=4096, help="synthetic training images")
    p.add_argument("--data", default=None, help="module:function returning the training set (e.g. topo_helpers.data:load_mnist)")
    p.add_argument("--device", default=None, help="cpu / cuda (default: cuda if available)")
    p.add_argument("--strategies", nargs="+", default=["vmap", "loop"], choices=["vmap", "loop"])
    p.add_argument("--no-one-by-one", action="store_true")
    p.add_argument("--zoo", nargs="*", default=["zoo/fp32", "zoo/fp32+cl", "zoo/bf16+cl"],
                   help="the zoo's per-network trainer: fp32, fp32 + channels_last, bf16 autocast + channels_last")
    p.add_argument("--repeats", type=int, default=3, help="interleaved repeats (order rotated); best kept")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--warmup", type=int, default=3, help="iterations of a discarded warm-up run")
    p.add_argument("--quick", action="store_true", help="4 networks, 10 iterations, batch 64")
    p.add_argument("--json", default=None, help="write the numbers here")
    a = p.parse_args(argv)
    if a.quick:
        a.networks, a.iterations, a.batch, a.train_size = 4, 10, 64, 1024
    if a.threads:
        torch.set_num_threads(a.threads)

    dev = resolve_device(a.device)
    if a.data:
        data = _load(a.data)
        name = a.data
    else:
        size = 24 if a.arch == "C" else 28
        data = make_synthetic(max(a.train_size, a.batch), image_size=size, seed=0)
        name = "synthetic"
    kw = {} if a.arch == "LeNet" else dict(zip("XYZ", a.xyz))
    cfg = TrainConfig(a.arch, kw, n_networks=a.networks, iterations=a.iterations, batch_size=a.batch, dataset=name)
    print(f"device {dev} ({torch.cuda.get_device_name(dev) if dev.type == 'cuda' else platform.processor() or 'cpu'}), "
          f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"{a.arch}{tuple(kw.values()) if kw else ''} x {a.networks} networks, {a.iterations} iterations, batch {a.batch}, data {name}")

    methods: dict[str, Any] = {}
    for s in a.strategies:
        methods[f"stacked/{s}"] = lambda c, s=s: train_many(c, data, device=dev, progress=False, strategy=s)
    if not a.no_one_by_one:
        methods["one-by-one"] = lambda c: train_one_by_one(c, data, device=dev, progress=False)
    for label, cl, prec in (("zoo/fp32", False, "float32"), ("zoo/fp32+cl", True, "float32"), ("zoo/bf16+cl", True, "bf16")):
        if label in a.zoo:
            methods[label] = lambda c, cl=cl, prec=prec: _zoo_train(c, data, dev, cl, prec)

    warm = TrainConfig(**{**cfg.__dict__, "iterations": a.warmup})
    for f in methods.values():
        f(warm)
    best: dict[str, float] = {}
    names = list(methods)
    for rep in range(a.repeats):
        for k in names[rep % len(names) :] + names[: rep % len(names)]:
            f = methods[k]
            t = time.perf_counter()
            r = f(cfg)
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            wall = time.perf_counter() - t
            rate = a.networks * a.iterations / r.timings["train_s"]
            best[k] = max(best.get(k, 0.0), rate)
            print(f"  {k:<14s} {rate:9.2f} net-it/s   (train {r.timings['train_s']:.1f} s, wall {wall:.1f} s)")
    ref = best.get("one-by-one")
    today = best.get("stacked/loop") or best.get("stacked/vmap")  # train_many as the chapters call it
    print("best of", a.repeats)
    for k, v in best.items():
        ratio = f"  x{v / ref:.2f} vs one-by-one" if ref else ""
        if today:
            ratio += f"  x{v / today:.2f} vs today's trainer (train_many)"
        print(f"  {k:<14s} {v:9.2f} net-it/s{ratio}")
    print(f"cpu capability {torch.backends.cpu.get_cpu_capability()} (bf16 pays only with native bf16 instructions, AVX512-BF16/AMX)")
    out = {"device": str(dev), "threads": torch.get_num_threads(), "config": {**cfg.__dict__}, "net_iterations_per_s": best}
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1, default=str))
    return out


class _Timed:
    def __init__(self, train_s: float) -> None:
        self.timings = {"train_s": train_s}


def _zoo_train(cfg: TrainConfig, data: Any, dev: torch.device, channels_last: bool, precision: str) -> _Timed:
    """The zoo's trainer (one network at a time, its own seeds) over the same configuration."""
    from topo_helpers.zoo import RunSpec, train_network

    spec = RunSpec("bench", cfg, "synthetic", channels_last=channels_last, precision=precision)
    return _Timed(sum(train_network(spec, i, data, None, device=dev)["train_s"] for i in range(cfg.n_networks)))


if __name__ == "__main__":
    main()
