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

    python benchmarks/bench_clique.py --quick
    python benchmarks/bench_clique.py --out benchmarks/results/clique.json   # full (~15 min)
    python benchmarks/bench_clique.py --higher --quick --cap 20   # beta_2 / beta_3 vs peers, goals

``--higher`` replaces sections 1-2 by a third: beta_0..beta_2 curves of random
n = 100 and n = 140 matrices and beta_0..beta_3 of random n = 50, ours vs
ripser and gudhi (ratios; gudhi is skipped at n = 140 in quick mode), and the
goals "random n=300 beta_2 whole density range < 60 s and 8 GB", "random
n=100 beta_3 < 60 s", "geometric n=1000 beta_2 < 60 s", each reported met /
NOT met; a goal over the time budget reports the largest ``max_density``
reached within it.

Every run of the size table is a fresh process with a time cap (``--cap``,
default 90 s); an engine that exceeds it is recorded as over the cap and not
run at larger n. Results are written as JSON (machine description, date and a
list of records; plot them with ``benchmarks/plot_clique.py``) or as CSV
records, by the extension.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import os
import platform
import subprocess
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


def _child(engine: str, kind: str, n: int, seed: int) -> None:
    """Run one engine on one matrix and print a JSON line (used in a capped subprocess)."""
    make = random_matrix if kind == "random" else geometric_matrix
    A = make(np.random.default_rng(seed + n), n)
    fn = {"ours": C.betti_curves, "ripser": C.betti_curves_ripser, "gudhi": C.betti_curves_gudhi}[engine]
    fn(random_matrix(np.random.default_rng(0), 12))  # warm-up: imports, compiled kernels
    t, out = _time(fn, A)
    b = np.ascontiguousarray(out.betti, dtype=np.int64)
    print(json.dumps(dict(seconds=t, betti1_max=int(b[1].max()), digest=hashlib.sha1(b.tobytes()).hexdigest())))


def _run_capped(engine: str, kind: str, n: int, seed: int, cap: float) -> dict | None:
    """Time one engine in a fresh process; None if it ran past ``cap`` seconds (or failed)."""
    cmd = [sys.executable, __file__, "--child", engine, kind, str(n), "--seed", str(seed)]
    return _run_child(cmd, f"{engine} {kind} n={n}", cap)


def _run_child(cmd: list[str], label: str, cap: float) -> dict | None:
    """Run a timing child process; its last stdout line is a JSON record. None past ``cap`` s or on failure."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=cap + 15)
    except subprocess.TimeoutExpired:
        return None
    if p.returncode != 0:
        print(f"    ({label} failed: {p.stderr.strip().splitlines()[-1:]})")
        return None
    rec = json.loads(p.stdout.strip().splitlines()[-1])
    return rec if rec["seconds"] <= cap else None


def bench_sizes(records: list, sizes: dict, seed: int, cap: float, engines=("ours", "ripser", "gudhi")) -> None:
    """Full Betti-0/1 curves (whole density range) vs n, each run in its own process with a time cap.

    Once an engine exceeds the cap at some n it is not run at larger n of that
    kind (recorded as ``seconds = None, over_cap = True``).
    """
    print(f"\n[full Betti-0/1 curves, whole density range; seconds; cap {cap:g} s per run]")
    print(f"  {'kind':10s} {'n':>6s} " + " ".join(f"{e:>9s}" for e in engines) + f" {'M1':>6s} {'agree':>6s}")
    for kind in ("random", "geometric"):
        dead = set()
        for n in sizes[kind]:
            res = {}
            for eng in engines:
                res[eng] = None if eng in dead else _run_capped(eng, kind, n, seed, cap)
                if res[eng] is None:
                    dead.add(eng)
            digests = {r["digest"] for r in res.values() if r is not None}
            ran = [r for r in res.values() if r is not None]
            agree = (len(digests) == 1) if len(ran) > 1 else None
            m1 = ran[0]["betti1_max"] if ran else None
            cells = " ".join(f"{res[e]['seconds']:9.3f}" if res[e] else f"{'>' + format(cap, 'g'):>9s}" for e in engines)
            print(f"  {kind:10s} {n:6d} {cells} {str(m1):>6s} {str(agree):>6s}", flush=True)
            t_ours = res["ours"]["seconds"] if res.get("ours") else None
            if kind == "random" and n == 1000 and "ours" in engines:
                goal = "met" if t_ours is not None and t_ours < 60 else "NOT met"
                print(f"  (goal: random n = 1000 in under 60 s: {goal})", flush=True)
            for eng in engines:
                r = res[eng]
                records.append(dict(section="sizes", kind=kind, n=n, engine=eng,
                                    seconds=r["seconds"] if r else None, over_cap=r is None, cap=cap,
                                    speedup_of_ours=(r["seconds"] / t_ours) if (r and t_ours and eng != "ours") else None,
                                    agree=agree, betti1_max=m1))


def _child_higher(engine: str, kind: str, n: int, maxdim: int, max_density: float, seed: int) -> None:
    """Run one engine for Betti curves up to ``maxdim`` on one matrix; print a JSON line (capped subprocess)."""
    import resource

    make = random_matrix if kind == "random" else geometric_matrix
    A = make(np.random.default_rng(seed + n), n)
    fn = {"ours": C.betti_curves, "ripser": C.betti_curves_ripser, "gudhi": C.betti_curves_gudhi}[engine]
    fn(random_matrix(np.random.default_rng(0), 12), maxdim=maxdim)  # warm-up: imports, compiled kernels
    t, out = _time(fn, A, maxdim=maxdim, max_density=max_density)
    b = np.ascontiguousarray(out.betti, dtype=np.int64)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # GiB (ru_maxrss is in KiB on Linux)
    print(json.dumps(dict(seconds=t, peak_gib=rss, top_max=int(b[maxdim].max()),
                          digest=hashlib.sha1(b.tobytes()).hexdigest())))


def _run_higher(engine: str, kind: str, n: int, maxdim: int, cap: float, seed: int,
                max_density: float = 1.0) -> dict | None:
    """Time one engine (fresh process, time cap); None if it ran past ``cap`` seconds or failed."""
    cmd = [sys.executable, __file__, "--child-higher", engine, kind, str(n), str(maxdim), str(max_density),
           "--seed", str(seed)]
    return _run_child(cmd, f"{engine} {kind} n={n} maxdim={maxdim}", cap)


def bench_higher(records: list, seed: int, cap: float, quick: bool) -> None:
    """beta_0..beta_2 / beta_3 curves (whole density range) against ripser and gudhi, then the goals.

    Each run is a fresh process capped at ``cap`` seconds; a ratio against a peer that
    ran over the cap is a lower bound (printed with ``>``).
    """
    print(f"\n[higher Betti curves, whole density range; seconds; cap {cap:g} s per run]")
    print(f"  {'case':26s} {'ours':>9s} {'ripser':>9s} {'gudhi':>9s} {'x ripser':>9s} {'x gudhi':>9s} "
          f"{'max':>5s} {'agree':>6s} {'GiB':>6s}")
    cases = [("random", 100, 2), ("random", 140, 2), ("random", 50, 3)]
    for kind, n, maxdim in cases:
        res = {}
        for eng in ("ours", "ripser", "gudhi"):
            if eng == "gudhi" and maxdim == 2 and n > 100 and quick:
                res[eng] = None  # gudhi stores every tetrahedron: minutes and GBs at n = 140
                continue
            res[eng] = _run_higher(eng, kind, n, maxdim, cap, seed)
        ran = [r for r in res.values() if r is not None]
        agree = (len({r["digest"] for r in ran}) == 1) if len(ran) > 1 else None
        t = res["ours"]["seconds"] if res["ours"] else None

        def ratio(eng):
            if t is None:
                return "-"
            if res[eng] is None:
                return f">{cap / t:.1f}" if not (eng == "gudhi" and n > 100 and quick) else "skip"
            return f"{res[eng]['seconds'] / t:.1f}"

        skipped = {"gudhi"} if (maxdim == 2 and n > 100 and quick) else set()
        cells = " ".join(f"{res[e]['seconds']:9.3f}" if res[e] else
                         (f"{'skip':>9s}" if e in skipped else f"{'>' + format(cap, 'g'):>9s}")
                         for e in ("ours", "ripser", "gudhi"))
        top = res["ours"]["top_max"] if res["ours"] else None
        gib = f"{res['ours']['peak_gib']:.2f}" if res["ours"] else "-"
        print(f"  {kind + f' n={n} beta_{maxdim}':26s} {cells} {ratio('ripser'):>9s} {ratio('gudhi'):>9s} "
              f"{str(top):>5s} {str(agree):>6s} {gib:>6s}", flush=True)
        for eng in ("ours", "ripser", "gudhi"):
            r = res[eng]
            records.append(dict(section="higher", kind=kind, n=n, maxdim=maxdim, engine=eng,
                                seconds=r["seconds"] if r else None, over_cap=r is None, cap=cap,
                                peak_gib=r["peak_gib"] if r else None, agree=agree))
    # goals: whole density range (or, when over the budget, the largest density reached in it)
    budget = min(cap, 60.0)
    goals = [("random n=300 beta_2 whole density range < 60 s and 8 GB", "random", 300, 2),
             ("random n=100 beta_3 < 60 s", "random", 100, 3),
             ("geometric n=1000 beta_2 < 60 s", "geometric", 1000, 2)]
    print(f"\n[goals; each run capped at {budget:g} s]")
    for text, kind, n, maxdim in goals:
        r = _run_higher("ours", kind, n, maxdim, budget, seed)
        if r is not None:
            met = r["seconds"] < 60 and r["peak_gib"] < 8
            print(f"  {text}: {'met' if met else 'NOT met'} ({r['seconds']:.2f} s, {r['peak_gib']:.2f} GiB)",
                  flush=True)
            records.append(dict(section="goal", goal=text, met=met, seconds=r["seconds"], peak_gib=r["peak_gib"],
                                density_reached=1.0))
            continue
        # over the budget: the largest max_density (coarse steps) that finishes in it
        reached, info = 0.0, None
        for md in ((0.02, 0.1, 0.3, 0.6) if quick else (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)):
            rr = _run_higher("ours", kind, n, maxdim, budget, seed, max_density=md)
            if rr is None:
                break
            reached, info = md, rr
        extra = (f"; max_density {reached:g} done in {info['seconds']:.1f} s, {info['peak_gib']:.2f} GiB"
                 if info else "; not even max_density 0.05")
        why = "" if budget >= 60 else f" within this run's {budget:g} s budget (rerun with --cap 60 to decide)"
        print(f"  {text}: NOT met{why} (whole range over {budget:g} s{extra})", flush=True)
        records.append(dict(section="goal", goal=text, met=False, seconds=None, density_reached=reached))


def machine() -> dict:
    """Description of the machine the benchmark ran on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import numba

    vers = {}
    for mod in ("numba", "numpy", "ripser", "gudhi"):
        try:
            vers[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            vers[mod] = None
    return dict(cpu=cpu, cores=os.cpu_count(), numba_threads=numba.get_num_threads(), python=platform.python_version(),
                system=platform.platform(), load_average=os.getloadavg(), versions=vers,
                date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small run (a few minutes)")
    p.add_argument("--out", type=Path, default=None, help="write the results to this .json (or records to .csv)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=None, help="number of 28x28 matrices batched")
    p.add_argument("--loop", type=int, default=None, help="number of 28x28 matrices in the per-matrix loops")
    p.add_argument("--cap", type=float, default=90.0, help="time cap per run of the size table, seconds")
    p.add_argument("--random-sizes", type=int, nargs="*", default=None)
    p.add_argument("--geometric-sizes", type=int, nargs="*", default=None)
    p.add_argument("--higher", action="store_true",
                   help="only the beta_2 / beta_3 section (vs ripser and gudhi) and its goals")
    p.add_argument("--child", nargs=3, default=None, help=argparse.SUPPRESS)
    p.add_argument("--child-higher", nargs=5, default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        _child(a.child[0], a.child[1], int(a.child[2]), a.seed)
        return 0
    if a.child_higher:
        e, k, n, md, dens = a.child_higher
        _child_higher(e, k, int(n), int(md), float(dens), a.seed)
        return 0

    if a.quick:
        B, B_peer, cap = a.batch or 5000, a.loop or 300, min(a.cap, 20.0)
        sizes = {"random": a.random_sizes or [50, 100, 200, 300, 1000],
                 "geometric": a.geometric_sizes or [100, 300, 1000]}
    else:
        B, B_peer, cap = a.batch or 20000, a.loop or 1000, a.cap
        sizes = {"random": a.random_sizes or [100, 200, 300, 400, 500, 700, 850, 1000, 1500, 2000],
                 "geometric": a.geometric_sizes or [100, 300, 1000, 2000, 5000]}

    info = machine()
    print(f"clique benchmark: {info['cpu']}, {info['cores']} cores, numba threads = {info['numba_threads']}, "
          f"load average {info['load_average']}, {info['date']}, quick = {a.quick}")
    records: list[dict] = []
    t0 = time.perf_counter()
    if a.higher:
        bench_higher(records, a.seed, cap, a.quick)
    else:
        bench_small(records, B, B_peer, a.seed)
        bench_sizes(records, sizes, a.seed, cap)
    info["load_average_end"] = os.getloadavg()
    info["total_seconds"] = time.perf_counter() - t0
    print(f"\ntotal {info['total_seconds']:.1f} s")
    if a.out is not None:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        if a.out.suffix == ".csv":
            keys = sorted({k for r in records for k in r})
            with open(a.out, "w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=keys)
                w.writeheader()
                w.writerows(records)
        else:
            a.out.write_text(json.dumps(dict(machine=info, quick=a.quick, cap_seconds=cap, batch=B, loop=B_peer,
                                             records=records), indent=1))
        print(f"wrote {len(records)} records to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
