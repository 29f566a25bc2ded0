"""Benchmark: one layer-2-sized filter cloud through the pipeline (rho(k, p), barcodes, Mapper).

The CIFAR-10 chapters filter up to 204,800 second-layer spatial filters of 100 networks
(001 §V-B). This script builds a cloud of that size in R^9 (noisy edges of every orientation plus
unstructured filters, mean-centred and normalised like real filters) and times, in one run:

* ``rho(k, p)`` with :func:`topo_helpers.density.density_filter` (k-d tree on the 8 intrinsic
  coordinates, only the k-th neighbour asked for) against the baseline scikit-learn
  ``NearestNeighbors`` (its default algorithm choice, full neighbour lists) -- the ratio is printed;
* witness barcodes of the core (:func:`topo_helpers.persistence.witness_barcodes`, 100 landmarks);
* Mapper of the core (:func:`topo_helpers.mapper.mapper_graph`): Fig 4's Mapper(30, 3) and Fig 5's
  Mapper(70, 2).

Examples
--------
::

    python benchmarks/bench_cloud.py --quick      # 50,000 points
    python benchmarks/bench_cloud.py              # 204,800 points (the paper's layer 2)
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from topo_helpers import density, filters, mapper, persistence  # noqa: E402


def make_cloud(n: int, seed: int = 0) -> np.ndarray:
    """``n`` normalised 3x3 filters: 40% noisy edges of random orientation, 60% random filters."""
    rng = np.random.default_rng(seed)
    n_edge = int(0.4 * n)
    t = rng.uniform(0, 2 * np.pi, n_edge)
    x = np.tile([-1.0, 0.0, 1.0], 3)
    y = np.repeat([-1.0, 0.0, 1.0], 3)
    E = np.cos(t)[:, None] * x + np.sin(t)[:, None] * y + rng.normal(0, 0.3, (n_edge, 9))
    R = rng.normal(size=(n - n_edge, 9))
    return filters.normalise_points(np.concatenate([E, R]))[0]


def baseline_density(X: np.ndarray, k: int, p: float) -> np.ndarray:
    """rho(k, p) with scikit-learn's NearestNeighbors: distances to all k neighbours, then the k-th."""
    from sklearn.neighbors import NearestNeighbors

    d, _ = NearestNeighbors(n_neighbors=k + 1, n_jobs=-1).fit(X).kneighbors(X)
    keep = np.argsort(d[:, k], kind="stable")[: density.n_kept(len(X), p)]
    return X[np.sort(keep)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=204800, help="points (default: the paper's 204,800)")
    ap.add_argument("-k", type=int, default=15, help="rho(k, p): k (Fig 4: 15)")
    ap.add_argument("-p", type=float, default=0.1, help="rho(k, p): p (Fig 4: 0.1)")
    ap.add_argument("--quick", action="store_true", help="50,000 points")
    ap.add_argument("--json", type=Path, help="also write the results here")
    a = ap.parse_args(argv)
    n = 50000 if a.quick else a.n
    X = make_cloud(n)
    out: dict = {"n": n, "k": a.k, "p": a.p, "machine": platform.machine(), "python": platform.python_version()}

    t0 = time.perf_counter()
    core = density.density_filter(X, k=a.k, p=a.p)
    out["density_ours_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    core_ref = baseline_density(X, a.k, a.p)
    out["density_sklearn_s"] = time.perf_counter() - t0
    # same points up to ties in the k-th distance
    out["same_core_fraction"] = float(len({r.tobytes() for r in core} & {r.tobytes() for r in core_ref}) / len(core))

    t0 = time.perf_counter()
    bc = persistence.witness_barcodes(core, n_landmarks=100, nu=2, maxdim=1, seed=0)
    out["barcodes_s"] = time.perf_counter() - t0
    for res, gain in [(30, 3), (70, 2)]:
        t0 = time.perf_counter()
        g = mapper.mapper_graph(core, resolution=res, gain=gain, min_cluster_size=3)
        out[f"mapper_{res}_{gain}_s"] = time.perf_counter() - t0
        out[f"mapper_{res}_{gain}_nodes"] = g.n_nodes

    print(f"{n:,} filters in R^9; rho({a.k},{a.p}) keeps {len(core):,}")
    print(f"rho(k,p): ours {out['density_ours_s']:.2f} s, scikit-learn NearestNeighbors "
          f"{out['density_sklearn_s']:.2f} s  -> ratio {out['density_sklearn_s'] / out['density_ours_s']:.1f}x "
          f"(same core: {out['same_core_fraction']:.1%})")
    print(f"witness barcodes of the core (100 landmarks): {out['barcodes_s']:.2f} s; "
          f"longest H1 {bc.most_persistent(1):.3f}")
    print(f"Mapper(30,3) of the core: {out['mapper_30_3_s']:.2f} s ({out['mapper_30_3_nodes']} nodes); "
          f"Mapper(70,2): {out['mapper_70_2_s']:.2f} s ({out['mapper_70_2_nodes']} nodes)")
    if a.json:
        a.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
