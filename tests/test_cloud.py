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


# ---- patch_types, patch_type_names, describe_patch, angle_coverage, has_primary_circle -------------------------------------------------

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


def test_patch_type_names_join_kind_and_orientation():
    from topo_helpers import cloud

    P = _norm([[1, 1, 1, -2, -2, -2, 1, 1, 1], [0, 0, 0, 0, 1, 0, 0, 0, 0]])
    assert list(cloud.patch_type_names(P)) == ["horizontal line", "other"]


def test_angle_coverage_counts_bins_with_a_fair_share():
    from topo_helpers import cloud

    assert cloud.angle_coverage(np.arange(3600), 3600) == 1.0        # every angle once
    assert cloud.angle_coverage(np.arange(0, 900), 3600) == 0.25     # a quarter of the turn
    assert cloud.angle_coverage(np.array([], dtype=int), 3600) == 0.0
    # one bin with almost everything and one point elsewhere: that point is under 1/4 of a fair share
    idx = np.r_[np.zeros(400, dtype=int), [1800]]
    assert cloud.angle_coverage(idx, 3600) == 1 / 16


def test_has_primary_circle_needs_a_bar_and_all_orientations():
    from topo_helpers import cloud
    from topo_helpers.filters import primary_circle_patches

    rng = np.random.default_rng(0)
    circle = normalise_points(primary_circle_patches(400) + rng.normal(0, 0.05, (400, 9)))[0]
    full = cloud.analyse_cloud(circle, mapper=False, n_landmarks=50)
    assert full.has_primary_circle() and full.has_primary_circle(min_coverage=0.9, min_near=0.5)
    half = cloud.analyse_cloud(circle[:200], mapper=False, n_landmarks=50)   # an arc: half the turn
    assert not half.has_primary_circle()
    with pytest.raises(ValueError, match="no barcodes"):
        cloud.analyse_cloud(circle, mapper=False, barcodes=False).has_primary_circle()
