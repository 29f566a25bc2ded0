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
    assert cloud.scaled_k(200, 512, 6400, k_min=5) == 16   # chapter 02's rho(200, 0.3) for 8 networks
    assert cloud.scaled_k(10, 1000, 204800, k_min=5) == 5  # its layer 2: the floor
    assert cloud.scaled_k(3, 100, 6400, k_min=5) == 3      # a paper k below the floor is not raised
    assert cloud.scaled_k(200, 50, 60) == 49
    for bad in [(200, 1, 6400), (0, 100, 6400), (200, 100, 0)]:
        with pytest.raises(ValueError):
            cloud.scaled_k(*bad)


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
    assert full.has_primary_circle() and full.circle_test().present
    half = cloud.analyse_cloud(circle[:200], mapper=False, n_landmarks=50)   # an arc: half the turn
    assert not half.has_primary_circle()
    with pytest.raises(ValueError, match="no barcodes"):
        cloud.analyse_cloud(circle, mapper=False, barcodes=False).has_primary_circle()


def _bars(n_h1):
    """Barcodes with n_h1 persistent H1 bars by Barcodes.n_persistent (long bars over short noise)."""
    from topo_helpers.persistence import Barcodes

    h1 = [(0.0, 1.0)] * n_h1 + [(0.0, 0.01)] * 20 if n_h1 else []
    return Barcodes(dgms=[np.array([(0.0, np.inf)]), np.array(h1).reshape(-1, 2)], method="test")


def test_the_one_circle_rule_on_idealised_samples():
    from topo_helpers import cloud, persistence
    from topo_helpers.cifar import diluted_model_sample
    from topo_helpers.filters import primary_circle_patches

    rng = np.random.default_rng(1)
    circle = normalise_points(primary_circle_patches(300) + rng.normal(0, 0.05, (300, 9)))[0]
    noise = normalise_points(rng.normal(size=(300, 9)))[0]
    bc = lambda X: persistence.witness_barcodes(X, n_landmarks=60, nu=2, seed=0)  # noqa: E731
    t_circle = cloud.primary_circle_test(circle, bc(circle))
    assert t_circle.present and t_circle.n_h1 >= 1 and t_circle.frac_near > 0.9 and t_circle.coverage == 1.0
    assert t_circle.why().startswith("the rule holds") and t_circle.short().startswith("yes (")
    t_half = cloud.primary_circle_test(circle[:150], bc(circle[:150]))       # an arc: half the orientations
    assert not t_half.present and "of orientations <" in t_half.why()
    t_noise = cloud.primary_circle_test(noise, bc(noise))                    # random filters
    assert not t_noise.present and "near the circle <" in t_noise.why()
    # edges of four orientations only (clusters), with a bar: still no circle
    four = circle[np.isin(np.arange(300) // 15, [0, 5, 10, 15])]
    t_four = cloud.primary_circle_test(four, _bars(1))
    assert t_four.n_h1 == 1 and t_four.frac_near > 0.9 and not t_four.present
    # a whole circle without a persistent bar is not enough either
    assert not cloud.primary_circle_test(circle, _bars(0)).present
    assert cloud.primary_circle_test(circle, _bars(1)).present
    # the rule is stated once and the verdict follows its thresholds exactly
    assert cloud.CIRCLE_RULE == {"min_h1": 1, "min_near": 0.5, "min_coverage": 0.75}
    edge = cloud.CircleTest(n_points=10, n_h1=1, frac_near=0.5, coverage=0.75)
    assert edge.present and not cloud.CircleTest(10, 1, 0.49, 0.75).present
    # idealised control: of a real circle's size it sees the circle; of 12 points with a 10% share it cannot
    assert cloud.ideal_circle_control(circle, n_landmarks=60).present
    assert not cloud.ideal_circle_control(diluted_model_sample(12, 0.1, seed=3), n_landmarks=12).present
    # a cloud with 28% on the circle: through the density filtration the control sees it, unfiltered
    # (a third of the points scattered over the sphere) it does not
    mixed = diluted_model_sample(512, 0.28, seed=2)
    assert cloud.ideal_circle_control(mixed, 16, 0.3).present
    assert not cloud.ideal_circle_control(mixed).present


def test_circle_rule_errors_say_what_to_do():
    from topo_helpers import cloud

    bad = np.full((5, 9), np.nan)
    with pytest.raises(ValueError, match="NaN or inf"):
        cloud.primary_circle_test(bad, _bars(1))
    with pytest.raises(ValueError, match=r"\(N, 9\)"):
        cloud.primary_circle_test(np.zeros((5, 4)), _bars(1))
    with pytest.raises(ValueError, match="Barcodes"):
        cloud.primary_circle_test(np.eye(9)[:3], [1, 2])
    with pytest.raises(ValueError, match="N >= 3"):
        cloud.ideal_circle_control(np.eye(9)[:2])
    with pytest.raises(ValueError, match="NaN or inf"):
        cloud.ideal_circle_control(bad)
    with pytest.raises(ValueError, match="both k and p"):
        cloud.ideal_circle_control(np.eye(9), 5)


def test_core_barcodes_is_the_one_pipeline_without_mapper():
    from topo_helpers import patches

    X = patches.circle_model_sample(120, "primary", noise=0.1, seed=1)
    core, bc = cloud.core_barcodes(X, 10, 0.5, n_landmarks=30, seed=0)
    res = cloud.analyse_cloud(X, 10, 0.5, mapper=False, n_landmarks=30, seed=0)
    np.testing.assert_array_equal(core, res.core)
    np.testing.assert_array_equal(bc.lifetimes(1), res.barcodes.lifetimes(1))
    small, _ = cloud.core_barcodes(X[:6], 10, 0.5, n_landmarks=30)   # k clipped to N - 1 = 5
    assert len(small) == 3
    with pytest.raises(ValueError):
        cloud.core_barcodes(X[0], 5, 0.5)
