"""Tests of topo_helpers.cloud: subsampling, k scaling, the primary-circle fit and the pipeline."""

from __future__ import annotations

import numpy as np
import pytest

from topo_helpers import cloud
from topo_helpers.filters import klein_bottle_patches, normalise_points, primary_circle_patches


def test_subsample_is_seeded_ordered_and_bounded():
    X = np.arange(100)[:, None] * np.ones((1, 3))
    a = cloud.subsample(X, 10, seed=1)
    assert len(a) == 10 and np.all(np.diff(a[:, 0]) > 0)
    assert np.array_equal(a, cloud.subsample(X, 10, seed=1))
    assert not np.array_equal(a, cloud.subsample(X, 10, seed=2))
    assert cloud.subsample(X, None) is not None and len(cloud.subsample(X, 500)) == 100


def test_scaled_k_keeps_k_when_nothing_dropped_and_scales_otherwise():
    assert cloud.scaled_k(200, 6400, 6400) == 200
    assert cloud.scaled_k(200, 640, 6400) == 20
    assert cloud.scaled_k(200, 64, 6400) == 10  # clipped at k_min
    assert cloud.scaled_k(200, 8, 6400) == 7  # never more than n - 1


def test_primary_circle_fit_separates_circle_from_noise_and_clusters():
    rng = np.random.default_rng(0)
    circle = normalise_points(primary_circle_patches(500) + 0.02 * rng.standard_normal((500, 9)))[0]
    noise = normalise_points(rng.standard_normal((500, 9)))[0]
    four_edges = np.repeat(primary_circle_patches(4), 100, axis=0)
    fc, fn, fe = (cloud.primary_circle_fit(Z) for Z in (circle, noise, four_edges))
    assert fc["frac_near"] > 0.95 and fc["coverage"] == 1.0
    assert fn["median_distance"] > 2 * fc["median_distance"]
    assert fe["frac_near"] == 1.0 and fe["coverage"] < 0.5  # on the circle, but only four orientations
    with pytest.raises(ValueError, match="9"):
        cloud.primary_circle_fit(np.zeros((3, 8)))


def test_analyse_cloud_finds_the_circle():
    rng = np.random.default_rng(1)
    X = normalise_points(primary_circle_patches(800) + 0.05 * rng.standard_normal((800, 9)))[0]
    res = cloud.analyse_cloud(X, k=20, p=0.5, resolution=10, gain=3, seed=0)
    assert len(res.core) == 400
    assert res.n_h1 == 1
    assert res.loops == 1
    assert set(res.timings) == {"density", "barcodes", "mapper"}


def test_klein_bottle_fit_is_closer_for_klein_patches():
    rng = np.random.default_rng(2)
    K = normalise_points(klein_bottle_patches(12, 12))[0]
    N = normalise_points(rng.standard_normal((144, 9)))[0]
    fk, fn = cloud.klein_bottle_fit(K), cloud.klein_bottle_fit(N)
    key = next(k for k in fk if "median" in k)
    assert fk[key] < 0.5 * fn[key]


# ---- patch_types, describe_patch, mapper_clusters -------------------------------------------------

def _norm(v):
    v = np.asarray(v, dtype=float).reshape(-1, 9)
    v = v - v.mean(1, keepdims=True)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_patch_types_names_lines_edges_and_others():
    from topo_helpers import cloud

    P = _norm([
        [1, -2, 1, 1, -2, 1, 1, -2, 1],      # vertical stripe (dark middle column)
        [1, 1, 1, -2, -2, -2, 1, 1, 1],      # horizontal stripe
        [-1, 0, 1, -1, 0, 1, -1, 0, 1],      # vertical edge (gradient along x)
        [-1, -1, -1, 0, 0, 0, 1, 1, 1],      # horizontal edge
        [0, 0, 0, 0, 1, 0, 0, 0, 0],         # centre spot: not on the Klein bottle
        [1, -1, 1, -1, 1, -1, 1, -1, 1],     # checkerboard: not on the Klein bottle
    ])
    t = cloud.patch_types(P)
    assert list(t["kind"]) == ["line", "line", "edge", "edge", "other", "other"]
    names = [cloud.describe_patch(p) for p in P[:4]]
    assert names == ["vertical line", "horizontal line", "vertical edge", "horizontal edge"]
    assert np.all(t["distance"][:4] < 0.05)


def test_patch_types_orientation_follows_rotation():
    from topo_helpers import cloud, filters

    circle = filters.primary_circle_patches(8)          # gradients at 0, 45, ..., 315 degrees
    t = cloud.patch_types(circle)
    assert set(t["kind"]) == {"edge"}
    # gradient direction t -> edge orientation t + 90 (mod 180); opposite gradients share it
    assert np.allclose(t["orientation"][:4], t["orientation"][4:], atol=2)
    assert sorted(set(t["orientation_bin"])) == [0, 1, 2, 3]


def test_patch_types_rejects_bad_input():
    from topo_helpers import cloud

    with pytest.raises(ValueError, match="N, 9"):
        cloud.patch_types(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        cloud.patch_types(np.full((2, 9), np.nan))


def test_mapper_clusters_recovers_separated_blobs():
    from topo_helpers import cloud, mapper

    rng = np.random.default_rng(0)
    centres = np.eye(9)[:3] * 10
    X = np.concatenate([c + rng.normal(0, 0.1, (n, 9)) for c, n in zip(centres, (60, 40, 20))])
    g = mapper.mapper_graph(X, resolution=4, gain=3, min_cluster_size=3)
    cl = cloud.mapper_clusters(g)
    assert [len(c) for c in cl][:3] == [60, 40, 20]
    big = cloud.mapper_clusters(g, min_size=30)
    assert len(big) == 2 and all(np.array_equal(a, b) for a, b in zip(big, cl[:2]))
