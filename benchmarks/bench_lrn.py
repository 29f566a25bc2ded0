"""Local response normalisation: torch's module against the book's, and what it does to a C step.

The CIFAR-10 network C(X, Y, Z) of 001 (Table II, TensorFlow's CIFAR-10 tutorial) normalises
after each convolution block with an LRN over 9 channels. ``torch.nn.LocalResponseNorm`` computes
the channel window with ``avg_pool3d``, which on a CPU took about half of a C(64,32,64) training
step; ``topo_helpers.models.LocalResponseNorm`` sums the window as one banded matrix product on the
channels-last view. This script times, in one run, forward + backward of both modules on the
shapes C(64,32,64) feeds them (batch 128), and a whole training step of C(64,32,64) with each,
and prints the ratios (ours / torch's speed) and the largest difference of their outputs.

    python benchmarks/bench_lrn.py            # batch 128, 20 repeats
    python benchmarks/bench_lrn.py --quick    # batch 32, 5 repeats
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from topo_helpers.models import C, LocalResponseNorm


def _best(f, repeats: int) -> float:
    f()  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    p.add_argument("--quick", action="store_true", help="batch 32, 5 repeats")
    a = p.parse_args(argv)
    if a.quick:
        a.batch, a.repeats = 32, 5
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    ref = torch.nn.LocalResponseNorm(9, alpha=0.001, beta=0.75, k=1.0)
    ours = LocalResponseNorm(9, alpha=0.001, beta=0.75, k=1.0)
    out: dict[str, float] = {}
    print(f"batch {a.batch}, {torch.get_num_threads()} threads, best of {a.repeats}")
    for c in (64, 32):
        x0 = torch.randn(a.batch, c, 12, 12).relu().contiguous(memory_format=torch.channels_last)
        g = torch.randn_like(x0)
        diff = float((ref(x0) - ours(x0)).abs().max())
        times = {}
        for name, m in (("torch", ref), ("ours", ours)):
            x = x0.clone().requires_grad_()

            def step(m=m, x=x) -> None:
                x.grad = None
                (m(x) * g).sum().backward()

            times[name] = _best(step, a.repeats)
        out[f"lrn{c}"] = times["torch"] / times["ours"]
        print(f"  LRN on ({a.batch}, {c}, 12, 12) channels_last, forward + backward: torch {times['torch'] * 1e3:7.1f} ms,"
              f" ours {times['ours'] * 1e3:7.1f} ms  x{out[f'lrn{c}']:.2f}  (max |difference| {diff:.1e})")
    steps = {}
    for name, lrn in (("torch", ref), ("ours", ours)):
        torch.manual_seed(0)
        net = C(64, 32, 64).to(memory_format=torch.channels_last)
        net.lrn = lrn
        opt = torch.optim.SGD(net.parameters(), lr=0.1)
        x = torch.randn(a.batch, 1, 24, 24).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, 10, (a.batch,))

        def train_step(net=net, opt=opt, x=x, y=y) -> None:
            loss = F.cross_entropy(net(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        steps[name] = _best(train_step, a.repeats)
    out["step"] = steps["torch"] / steps["ours"]
    print(f"  C(64,32,64) training step, greyscale: torch's LRN {1 / steps['torch']:6.2f} it/s, ours "
          f"{1 / steps['ours']:6.2f} it/s  x{out['step']:.2f}")
    return out


if __name__ == "__main__":
    main()
