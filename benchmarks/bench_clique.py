"""Benchmark of the clique-topology engine (topo_helpers.clique) against ripser and gudhi.

Times ours and the peers *in the same run* (the machine is shared: compare
ratios, not absolute numbers) and prints

1. many small matrices (n = 28, as MNIST images and 28x28 feature maps):
   S_1 and M_1 per second, batched (numba prange, all cores) and one-by-one,
   against a per-matrix ripser loop and a gudhi loop;
2. a table of time vs n for random and geometric (negative distances of
   random points in R^3) matrices, full Betti-1 curve over the whole density
   range, with the peers where they finish in reasonable time, and whether
   the curves agree.

Usage::

    python benchmarks/bench_clique.py --quick --out results.json
    python benchmarks/bench_clique.py --out results.csv        # full (minutes)

Results are written as JSON (a list of records) or CSV, by the extension.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from topo_helpers import clique as C  # noqa: E402


def random_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random symmetric matrix (i.i.d. uniform upper triangle)."""
    A = rng.random((n, n))
    return np.triu(A, 1) + np.triu(A, 1).T


def geometric_matrix(rng: np.random.Generator, n: int, d: int = 3) -> np.ndarray:
    """Negative Euclidean distances of n uniform points in [0, 1]^d."""
    X = rng.random((n, d))
    G = X @ X.T
    sq = np.diag(G)
    return -np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * G, 0.0))


def feature_maps(rng: np.random.Generator, B: int, n: int = 28) -> np.ndarray:
    """symmetrize_max of smooth random 'feature maps' (no ties)."""
    F = rng.normal(size=(B, n + 4, n + 4))
    k = np.ones(5) / 5
    F = np.apply_along_axis(lambda v: np.convolve(v, k, "valid"), 1, F)
    F = np.apply_along_axis(lambda v: np.convolve(v, k, "valid"), 2, F)
    return C.symmetrize_max(F[:, :n, :n])


def mnist_like(rng: np.random.Generator, B: int, n: int = 28) -> np.ndarray:
    """symmetrize_sum of synthetic uint8 strokes on a zero background (tie-heavy)."""
    I = np.zeros((B, n, n), np.uint8)
    for b in range(B):
        for _ in range(3):
            r0, c0 = rng.integers(4, n - 4, 2)
            dr, dc = rng.normal(size=2)
            for t in np.linspace(-8, 8, 40):
                r, c = int(r0 + t * dr), int(c0 + t * dc)
                if 0 <= r < n - 1 and 0 <= c < n - 1:
                    I[b, r:r + 2, c:c + 2] = np.maximum(I[b, r:r + 2, c:c + 2], rng.integers(128, 256))
    return C.symmetrize_sum(I)


def ripser_s1_m1(A: np.ndarray) -> tuple[float, int]:
    """The lean per-matrix baseline: ripser on the order filtration, S_1 and M_1 from its H1 bars."""
    from ripser import ripser

    n = A.shape[0]
    N = n * (n - 1) // 2
    D = C.order_filtration(A)
    dg = ripser(D, distance_matrix=True, maxdim=1)["dgms"][1]
    b, d = dg[:, 0], np.where(np.isfinite(dg[:, 1]), dg[:, 1], N + 1)
    keep = d > b
    if not keep.any():
        return np.nan, 0
    ev = np.concatenate([np.stack([b[keep], np.ones(keep.sum())], 1), np.stack([d[keep], -np.ones(keep.sum())], 1)])
    ev = ev[np.lexsort((ev[:, 1], ev[:, 0]))]  # deaths before births at equal values
    return float(b[keep].min() / N), int(np.cumsum(ev[:, 1]).max())


def _time(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def bench_small(records: list, B: int, B_peer: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for kind, stack in (("feature_maps", feature_maps(rng, B)), ("mnist_like", mnist_like(rng, B))):
        # warm-up (numba compilation is cached on disk, but not loaded yet)
        C.starting_density_batch(stack[:4])
        C.betti_max_batch(stack[:4])
        t_s1, s1 = _time(C.starting_density_batch, stack)
        t_m1, m1 = _time(C.betti_max_batch, stack)
        sub = stack[:B_peer]
        t_s1_loop, s1_loop = _time(lambda: np.array([C.starting_density(a) for a in sub]))
        t_m1_loop, m1_loop = _time(lambda: np.array([C.betti_max(a) for a in sub]))
        t_rip, rip = _time(lambda: [ripser_s1_m1(a) for a in sub])
        n_gud = max(1, B_peer // 4)
        t_gud, gud = _time(lambda: [C.betti_curves_gudhi(a) for a in sub[:n_gud]])
        agree = bool(
            np.array_equal(s1[:B_peer], [r[0] for r in rip], equal_nan=True)
            and np.array_equal(m1[:B_peer], [r[1] for r in rip])
            and np.array_equal(s1_loop, s1[:B_peer], equal_nan=True)
            and np.array_equal(m1_loop, m1[:B_peer])
        )
        rates = {
            "ours S1 batch": B / t_s1,
            "ours M1 batch": B / t_m1,
            "ours S1 loop": B_peer / t_s1_loop,
            "ours M1 loop": B_peer / t_m1_loop,
            "ripser loop (S1+M1)": B_peer / t_rip,
            "gudhi loop (S1+M1)": n_gud / t_gud,
        }
        rip_rate = rates["ripser loop (S1+M1)"]
        print(f"\n[n = 28, {kind}: {B} matrices batched, {B_peer} in loops; agree with ripser: {agree}]")
        print(f"  {'engine':24s} {'matrices/s':>12s} {'x ripser':>9s}  {'70k images (s)':>14s}")
        for name, rate in rates.items():
            print(f"  {name:24s} {rate:12.0f} {rate / rip_rate:9.1f}  {70000 / rate:14.1f}")
            records.append(dict(section="small", kind=kind, n=28, engine=name, count=B if "batch" in name else B_peer,
                                seconds=(B if "batch" in name else B_peer) / rate, per_second=rate,
                                ratio_vs_ripser=rate / rip_rate, agree=agree))


def bench_sizes(records: list, sizes: dict, peer_max: dict, seed: int) -> None:
    print(f"\n[full Betti-0/1 curves, whole density range; time in seconds]")
    print(f"  {'kind':10s} {'n':>6s} {'ours':>9s} {'ripser':>9s} {'gudhi':>9s} {'ripser/ours':>11s} "
          f"{'gudhi/ours':>10s} {'M1':>6s} {'agree':>6s}")
    C.betti_curves(random_matrix(np.random.default_rng(0), 20))  # load the compiled kernels
    for kind, make in (("random", random_matrix), ("geometric", geometric_matrix)):
        for n in sizes[kind]:
            rng = np.random.default_rng(seed + n)
            A = make(rng, n)
            t_ours, ours = _time(C.betti_curves, A)
            t_rip = t_gud = np.nan
            agree = None
            if n <= peer_max[(kind, "ripser")]:
                t_rip, rip = _time(C.betti_curves_ripser, A)
                agree = bool(np.array_equal(rip.betti, ours.betti))
            if n <= peer_max[(kind, "gudhi")]:
                t_gud, gud = _time(C.betti_curves_gudhi, A)
                agree = bool(np.array_equal(gud.betti, ours.betti)) and agree is not False
            m1 = ours.maximum(1)
            print(f"  {kind:10s} {n:6d} {t_ours:9.3f} {t_rip:9.3f} {t_gud:9.3f} {t_rip / t_ours:11.1f} "
                  f"{t_gud / t_ours:10.1f} {m1:6d} {str(agree):>6s}", flush=True)
            for eng, t in (("ours", t_ours), ("ripser", t_rip), ("gudhi", t_gud)):
                if np.isfinite(t):
                    records.append(dict(section="sizes", kind=kind, n=n, engine=eng, count=1, seconds=t,
                                        per_second=1 / t, ratio_vs_ripser=(t_rip / t) if np.isfinite(t_rip) else None,
                                        agree=agree, betti1_max=m1))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small run (< 2 minutes)")
    p.add_argument("--out", type=Path, default=None, help="write records to this .json or .csv path")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=None, help="number of 28x28 matrices batched")
    p.add_argument("--random-sizes", type=int, nargs="*", default=None)
    p.add_argument("--geometric-sizes", type=int, nargs="*", default=None)
    a = p.parse_args(argv)

    if a.quick:
        B, B_peer = a.batch or 5000, 300
        sizes = {"random": a.random_sizes or [50, 100, 150, 300, 500],
                 "geometric": a.geometric_sizes or [100, 300, 1000]}
        peer_max = {("random", "ripser"): 150, ("random", "gudhi"): 100,
                    ("geometric", "ripser"): 300, ("geometric", "gudhi"): 100}
    else:
        B, B_peer = a.batch or 70000, 2000
        sizes = {"random": a.random_sizes or [50, 100, 150, 200, 250, 300, 400, 500, 700, 1000],
                 "geometric": a.geometric_sizes or [100, 300, 1000, 2000, 3000, 5000]}
        peer_max = {("random", "ripser"): 250, ("random", "gudhi"): 200,
                    ("geometric", "ripser"): 1000, ("geometric", "gudhi"): 300}

    print(f"clique benchmark: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"numba threads = {__import__('numba').get_num_threads()}, quick = {a.quick}")
    records: list[dict] = []
    t0 = time.perf_counter()
    bench_small(records, B, B_peer, a.seed)
    bench_sizes(records, sizes, peer_max, a.seed)
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        if a.out.suffix == ".csv":
            keys = sorted({k for r in records for k in r})
            with open(a.out, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=keys)
                w.writeheader()
                w.writerows(records)
        else:
            a.out.write_text(json.dumps(records, indent=1))
        print(f"wrote {len(records)} records to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
