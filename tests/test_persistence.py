"""Tests for topo_helpers.persistence: max-min landmarks, lazy witness complex, barcodes."""

from __future__ import annotations

import itertools

import matplotlib
import matplotlib.figure
import matplotlib.pyplot as plt  # headless: matplotlib falls back to Agg
import numpy as np
import pytest
from scipy.spatial.distance import cdist, pdist, squareform

import topo_helpers.persistence as P
from topo_helpers.persistence import (
    Barcodes,
    covering_radius,
    lazy_witness_filtration,
    maxmin_landmarks,
    most_persistent_lifetime,
    plot_barcodes,
    rips_barcodes,
    witness_barcodes,
)

# ---------------------------------------------------------------------------
# test clouds
# ---------------------------------------------------------------------------


def circle(n, rng, centre=(0.0, 0.0), r=1.0, noise=0.05):
    t = rng.uniform(0.0, 2.0 * np.pi, n)
    pts = np.c_[centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)]
    return pts + rng.normal(0.0, noise, pts.shape)


@pytest.fixture(scope="module")
def noisy_circle():
    return circle(300, np.random.default_rng(0))


@pytest.fixture(scope="module")
def two_circles():
    rng = np.random.default_rng(1)
    return np.vstack([circle(300, rng), circle(300, rng, centre=(3.5, 0.0))])


@pytest.fixture(scope="module")
def figure_eight():
    rng = np.random.default_rng(2)
    return np.vstack([circle(300, rng, centre=(-1.0, 0.0)), circle(300, rng, centre=(1.0, 0.0))])


@pytest.fixture(scope="module")
def sphere():
    rng = np.random.default_rng(3)
    S = rng.normal(size=(800, 3))
    S /= np.linalg.norm(S, axis=1, keepdims=True)
    return S + rng.normal(0.0, 0.02, S.shape)


def brute_force_witness(X, landmarks, nu):
    """Direct transcription of JavaPlex LazyWitnessStream.constructEdges/getWitnessAndDistance."""
    L = len(landmarks)
    D = np.array([[np.linalg.norm(X[w] - X[l]) for l in landmarks] for w in range(len(X))])
    m = np.zeros(len(X))
    for w in range(len(X)):
        m_temp = np.sort(np.concatenate([[0.0], D[w]]))
        m[w] = m_temp[nu]
    E = np.zeros((L, L))
    for i in range(L):
        for j in range(i + 1, L):
            e = np.inf
            for w in range(len(X)):
                d = max(D[w, i], D[w, j])
                d = 0.0 if d < m[w] else d - m[w]
                e = min(e, d)
            E[i, j] = E[j, i] = e
    return E


# ---------------------------------------------------------------------------
# max-min landmarks
# ---------------------------------------------------------------------------


def test_maxmin_known_answer_on_a_line():
    X = np.arange(11.0)[:, None]  # 0, 1, ..., 10
    # from 0: farthest is 10; then 5; then 2 (f = 2 at 2, 3, 7, 8: lowest index);
    # then 7 (f = 2 at 7, 8)
    np.testing.assert_array_equal(maxmin_landmarks(X, 5, first=0), [0, 10, 5, 2, 7])


def test_maxmin_deterministic_under_seed_and_distinct():
    X = np.random.default_rng(0).normal(size=(500, 3))
    a = maxmin_landmarks(X, 40, seed=7)
    b = maxmin_landmarks(X, 40, seed=7)
    np.testing.assert_array_equal(a, b)
    assert np.unique(a).size == 40
    assert a.dtype == np.int64
    starts = {int(maxmin_landmarks(X, 1, seed=s)[0]) for s in range(10)}
    assert len(starts) > 1  # the seed picks the first point


def test_maxmin_landmarks_are_spread():
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(3000, 2))
    lm = maxmin_landmarks(X, 50, seed=0)
    r_maxmin = covering_radius(X, lm)
    r_random = [covering_radius(X, rng.choice(len(X), 50, replace=False)) for _ in range(10)]
    assert r_maxmin < min(r_random)
    # greedy max-min property: the covering radius is at most the smallest
    # distance between two landmarks
    assert r_maxmin <= pdist(X[lm]).min() + 1e-12


def test_maxmin_handles_duplicates_and_all_points():
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    lm = maxmin_landmarks(X, 4, first=0)
    assert sorted(lm.tolist()) == [0, 1, 2, 3]
    assert lm[1] == 2  # the far point comes before the duplicate


def test_covering_radius_known_answer():
    X = np.array([[0.0], [1.0], [4.0]])
    assert covering_radius(X, np.array([0])) == 4.0
    assert covering_radius(X, np.array([0, 2])) == 1.0


# ---------------------------------------------------------------------------
# lazy witness filtration
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [0, 1, 2, 3])
def test_witness_matrix_equals_brute_force(nu):
    rng = np.random.default_rng(nu)
    X = rng.normal(size=(40, 3))
    lm = maxmin_landmarks(X, 7, seed=nu)
    E = lazy_witness_filtration(X, lm, nu=nu)
    np.testing.assert_allclose(E, brute_force_witness(X, lm, nu), rtol=0, atol=1e-12)


def test_witness_matrix_in_many_chunks(monkeypatch):
    X = np.random.default_rng(9).normal(size=(61, 4))
    lm = maxmin_landmarks(X, 6)
    full = lazy_witness_filtration(X, lm)
    monkeypatch.setattr(P, "_CHUNK_ENTRIES", 100)  # 100 // 36 = 2 witnesses per chunk
    np.testing.assert_array_equal(lazy_witness_filtration(X, lm), full)


def test_witness_matrix_symmetric_zero_diagonal_nonnegative():
    X = np.random.default_rng(1).normal(size=(500, 5))
    lm = maxmin_landmarks(X, 30)
    for nu in (0, 1, 2):
        E = lazy_witness_filtration(X, lm, nu=nu)
        assert E.shape == (30, 30) and E.dtype == np.float64
        np.testing.assert_array_equal(E, E.T)
        np.testing.assert_array_equal(np.diag(E), 0.0)
        assert np.all(E >= 0) and np.all(np.isfinite(E))


def test_witness_nu2_edges_at_zero_are_the_nearest_landmark_pairs():
    # with nu = 2, E[a, b] = 0 exactly when a and b are the two nearest
    # landmarks of some witness (generic data: no ties)
    X = np.random.default_rng(2).normal(size=(400, 3))
    lm = maxmin_landmarks(X, 20)
    E = lazy_witness_filtration(X, lm, nu=2)
    two = np.argsort(cdist(X, X[lm]), axis=1)[:, :2]
    expected = np.zeros((20, 20), dtype=bool)
    expected[two[:, 0], two[:, 1]] = expected[two[:, 1], two[:, 0]] = True
    off = ~np.eye(20, dtype=bool)
    np.testing.assert_array_equal((E == 0)[off], expected[off])


def test_witness_nu0_all_points_as_landmarks_known_answers():
    # points 0, 1, 3 on a line, every point a landmark and a witness, nu = 0:
    # E[a, b] = min_w max(|w - a|, |w - b|)
    X = np.array([[0.0], [1.0], [3.0]])
    E = lazy_witness_filtration(X, np.arange(3), nu=0)
    np.testing.assert_array_equal(E, [[0, 1, 2], [1, 0, 2], [2, 2, 0]])
    # nu = 1 gives the same: each witness is its own nearest landmark (m_w = 0)
    np.testing.assert_array_equal(lazy_witness_filtration(X, np.arange(3), nu=1), E)


def test_witness_nu0_all_landmarks_bounds_and_regular_simplex():
    X = np.random.default_rng(3).normal(size=(60, 3))
    idx = np.arange(60)
    E = lazy_witness_filtration(X, idx, nu=0)
    d = squareform(pdist(X))
    # w = a gives E <= d(a, b); the triangle inequality gives E >= d(a, b) / 2
    assert np.all(E <= d + 1e-12)
    assert np.all(E >= d / 2 - 1e-12)
    # no witness lies in the lens of two vertices of a regular simplex: E = d
    S = np.eye(5)
    np.testing.assert_allclose(lazy_witness_filtration(S, np.arange(5), nu=0), squareform(pdist(S)))


def test_witness_nu0_all_landmarks_has_the_rips_H0_barcode():
    # a pair enters at max(d(w,a), d(w,b)) only if a-w-b is a path of Rips edges
    # of at most that length, and E <= d: the connectivity at every scale is
    # that of Rips, so the H0 bars coincide
    X = np.random.default_rng(4).normal(size=(80, 2))
    wit = witness_barcodes(X, nu=0, landmarks=np.arange(80), maxdim=0)
    rips = rips_barcodes(X, maxdim=0)
    np.testing.assert_allclose(np.sort(wit.dgms[0][:, 1]), np.sort(rips.dgms[0][:, 1]), rtol=1e-6)


# ---------------------------------------------------------------------------
# barcodes: known topology
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["witness", "rips"])
def test_noisy_circle_has_one_long_H1_bar(noisy_circle, method):
    bc = witness_barcodes(noisy_circle) if method == "witness" else rips_barcodes(noisy_circle)
    life = bc.lifetimes(1)
    assert bc.n_persistent(1) == 1
    assert life[0] > 10 * life[1]
    assert bc.n_persistent(0) == 1  # one connected component
    assert np.isinf(bc.lifetimes(0)[0]) and bc.count_long(0, np.inf) == 1


@pytest.mark.parametrize("method", ["witness", "rips"])
def test_two_disjoint_circles_have_two_long_H1_bars(two_circles, method):
    if method == "witness":
        bc = witness_barcodes(two_circles)
    else:
        bc = rips_barcodes(two_circles, n_perm=250)
    assert bc.n_persistent(1) == 2
    life = bc.lifetimes(1)
    assert life[1] > 10 * life[2]
    assert bc.n_persistent(0) == 2  # two components


@pytest.mark.parametrize("method", ["witness", "rips"])
def test_figure_eight_has_two_long_H1_bars(figure_eight, method):
    if method == "witness":
        bc = witness_barcodes(figure_eight)
    else:
        bc = rips_barcodes(figure_eight, n_perm=250)
    assert bc.n_persistent(1) == 2
    assert bc.n_persistent(0) == 1  # connected
    life = bc.lifetimes(1)
    assert life[1] > 10 * life[2]


def test_sphere_has_one_H2_bar_and_no_long_H1(sphere):
    bc = witness_barcodes(sphere, maxdim=2)
    assert len(bc.dgms) == 3
    assert bc.n_persistent(2) == 1
    assert bc.n_persistent(1) == 0
    life2 = bc.lifetimes(2)
    assert life2.size == 1 or life2[0] > 5 * life2[1]
    assert bc.most_persistent(2) > 5 * bc.most_persistent(1)
    rips = rips_barcodes(sphere, maxdim=2, n_perm=120)
    assert rips.n_persistent(2) == 1
    assert rips.landmarks is not None and rips.landmarks.shape == (120,)


def test_blob_has_no_persistent_loop():
    X = np.random.default_rng(5).normal(size=(400, 2))
    assert rips_barcodes(X).n_persistent(1) == 0
    assert witness_barcodes(X).n_persistent(1) == 0


def test_witness_barcodes_record_landmarks_and_parameters(noisy_circle):
    bc = witness_barcodes(noisy_circle, n_landmarks=50, seed=3)
    np.testing.assert_array_equal(bc.landmarks, maxmin_landmarks(noisy_circle, 50, seed=3))
    assert bc.method == "lazy_witness"
    assert bc.info["nu"] == 2 and bc.info["n_landmarks"] == 50
    E = lazy_witness_filtration(noisy_circle, bc.landmarks)
    assert bc.max_filtration == pytest.approx(E.max())
    # every bar lies in [0, max_filtration]
    for d in bc.dgms:
        fin = d[np.isfinite(d[:, 1])]
        assert np.all(fin >= 0) and np.all(fin <= bc.max_filtration * (1 + 1e-6))
    assert witness_barcodes(noisy_circle, n_landmarks=50, seed=3).dgms[1].tolist() == bc.dgms[1].tolist()
    assert most_persistent_lifetime(noisy_circle, n_landmarks=50, seed=3) == bc.most_persistent(1)


def test_max_filtration_and_javaplex_divisions(noisy_circle):
    full = witness_barcodes(noisy_circle)
    d1 = full.dgms[1]
    birth, death = d1[np.argmax(d1[:, 1] - d1[:, 0])]
    # stop the filtration in the middle of the circle's life: it becomes infinite
    cut = witness_barcodes(noisy_circle, max_filtration=(birth + death) / 2)
    assert np.isinf(cut.lifetimes(1)[0]) and cut.max_filtration == (birth + death) / 2
    assert cut.n_persistent(1) == 1
    # JavaPlex's grid: all values are multiples of max_filtration / num_divisions,
    # rounded down, so each endpoint moves by less than one step
    T, n = 1.5, 1000
    grid = witness_barcodes(noisy_circle, max_filtration=T, num_divisions=n)
    vals = np.concatenate([d[np.isfinite(d)] for d in grid.dgms])
    # (ripser stores filtration values in float32: compare at that precision)
    np.testing.assert_allclose(vals / (T / n), np.round(vals / (T / n)), atol=1e-3)
    assert abs(grid.most_persistent(1) - full.most_persistent(1)) < 2 * T / n


def test_rips_max_filtration_and_n_perm(noisy_circle):
    bc = rips_barcodes(noisy_circle, max_filtration=0.5)
    assert bc.max_filtration == 0.5
    assert np.isinf(bc.lifetimes(1)[0])  # the circle is still open at 0.5
    sub = rips_barcodes(noisy_circle, n_perm=100)
    assert sub.landmarks.shape == (100,) and sub.info["r_cover"] > 0
    assert sub.n_persistent(1) == 1


# ---------------------------------------------------------------------------
# Barcodes methods on a hand-made diagram
# ---------------------------------------------------------------------------


@pytest.fixture
def hand():
    dgm0 = np.array([[0.0, 1.0], [0.0, 0.5], [0.0, np.inf]])
    dgm1 = np.array([[0.2, 1.2], [0.3, 0.4], [0.5, 0.55], [0.6, 2.0]])
    return Barcodes(dgms=[dgm0, dgm1], method="test", max_filtration=2.0)


def test_lifetimes_sorted_descending_with_inf(hand):
    np.testing.assert_allclose(hand.lifetimes(0), [np.inf, 1.0, 0.5])
    np.testing.assert_allclose(hand.lifetimes(1), [1.4, 1.0, 0.1, 0.05])
    np.testing.assert_allclose(hand.finite_lifetimes(0), [1.0, 0.5])


def test_most_persistent_ignores_infinite_bar(hand):
    assert hand.most_persistent(0) == 1.0
    assert hand.most_persistent(1) == pytest.approx(1.4)
    empty = Barcodes(dgms=[np.array([[0.0, np.inf]]), np.zeros((0, 2))], method="test", max_filtration=1.0)
    assert empty.most_persistent(0) == 0.0 and empty.most_persistent(1) == 0.0
    assert empty.n_persistent(1) == 0 and empty.n_persistent(0) == 1


def test_betti_at_and_count_long(hand):
    assert [hand.betti_at(t, 0) for t in (0.0, 0.49, 0.5, 0.99, 1.0, 5.0)] == [3, 3, 2, 2, 1, 1]
    assert [hand.betti_at(t, 1) for t in (0.1, 0.2, 0.35, 0.52, 1.3, 2.0)] == [0, 1, 2, 2, 1, 0]
    assert hand.count_long(1, 1.0) == 2
    assert hand.count_long(1, 0.06) == 3
    assert hand.count_long(0, 0.75) == 2  # the infinite bar counts


def test_n_persistent_rule():
    def bc(lifetimes, T=10.0):
        d = np.c_[np.zeros(len(lifetimes)), lifetimes]
        return Barcodes(dgms=[np.array([[0.0, np.inf]]), d], method="test", max_filtration=T)

    assert bc([3.0, 0.2, 0.1, 0.1]).n_persistent(1) == 1
    assert bc([3.0, 2.5, 0.2, 0.1]).n_persistent(1) == 2
    assert bc([3.0, 1.0, 0.2]).n_persistent(1) == 1  # gaps 2.0 > 0.8
    assert bc([1.0, 0.9, 0.8, 0.7, 0.6]).n_persistent(1) == 5  # five alike bars and nothing shorter
    assert bc(np.linspace(1.0, 0.02, 50)).n_persistent(1) == 0  # smooth decay into noise: no clear gap
    assert bc([1.0, 0.9, 0.8, 0.7, 0.6, 0.05, 0.04]).n_persistent(1) == 5
    assert bc([0.3, 0.1]).n_persistent(1) == 0  # clear gap but below 5% of T = 10
    assert bc([0.3, 0.1]).n_persistent(1, min_fraction=0.01) == 1
    assert bc([1.0, 0.6, 0.4, 0.3, 0.2, 0.1]).n_persistent(1) == 0  # largest gap first, ratio 1.67 < 2
    assert bc([1.0, 0.6, 0.4, 0.3, 0.2, 0.1]).n_persistent(1, min_ratio=1.5) == 1
    assert bc([1.0, 0.6]).n_persistent(1) == 2  # two long bars, nothing else
    assert bc([1.0]).n_persistent(1) == 1  # a single bar: long enough
    assert bc([0.1]).n_persistent(1) == 0  # a single bar below 5% of T
    assert bc([]).n_persistent(1) == 0
    assert bc([1.0, 0.9]).n_persistent(0) == 1  # the infinite H0 bar
    with pytest.raises(ValueError, match="min_ratio"):
        bc([1.0]).n_persistent(1, min_ratio=0.5)


def test_dim_not_computed_raises(hand):
    with pytest.raises(ValueError, match="maxdim >= 2"):
        hand.lifetimes(2)
    with pytest.raises(ValueError, match="integer"):
        hand.betti_at(0.5, 1.0)


def test_summary_and_repr(hand):
    assert "H1: 4 bars" in hand.summary()
    assert "H0:3" in repr(hand)


# ---------------------------------------------------------------------------
# plotting
# ---------------------------------------------------------------------------


def test_plot_barcodes_returns_figure_with_panels(noisy_circle):
    bc = witness_barcodes(noisy_circle)
    fig = plot_barcodes(bc, title="circle")
    try:
        assert isinstance(fig, matplotlib.figure.Figure)
        assert len(fig.axes) == 2
        assert fig._suptitle.get_text() == "circle"
        # H0: one infinite bar drawn to max_filtration and marked with an arrow
        ax0 = fig.axes[0]
        segs = ax0.collections[0].get_segments()
        assert len(segs) == len(bc.dgms[0])
        ends = np.array([seg[1][0] for seg in segs])
        assert np.count_nonzero(np.isclose(ends, bc.max_filtration)) == 1
        assert any(line.get_marker() == ">" for line in ax0.lines)
        # H1: all bars (fewer than max_bars), the long one reaching its death
        segs1 = fig.axes[1].collections[0].get_segments()
        assert len(segs1) == len(bc.dgms[1])
        assert max(s[1][0] - s[0][0] for s in segs1) == pytest.approx(bc.most_persistent(1))
    finally:
        plt.close(fig)


def test_plot_barcodes_max_bars_keeps_the_longest(hand):
    fig, axes = plt.subplots(1, 2)
    try:
        out = plot_barcodes(hand, axes=axes, max_bars=2, sort="length", title="t")
        assert out is fig
        segs = axes[1].collections[0].get_segments()
        lengths = sorted(s[1][0] - s[0][0] for s in segs)
        assert lengths == pytest.approx([1.0, 1.4])
        assert any("2 longest of 4" in t.get_text() for t in axes[1].texts)
        assert axes[0].get_title() == "t"
    finally:
        plt.close(fig)


def test_plot_barcodes_errors(hand):
    with pytest.raises(ValueError, match="maxdim"):
        plot_barcodes(hand, dims=(0, 2))
    with pytest.raises(ValueError, match="one Axes per entry"):
        fig, ax = plt.subplots()
        try:
            plot_barcodes(hand, axes=ax, dims=(0, 1))
        finally:
            plt.close(fig)
    with pytest.raises(ValueError, match="sort"):
        plot_barcodes(hand, sort="death")
    with pytest.raises(ValueError, match="Barcodes"):
        plot_barcodes([np.zeros((1, 2))])
    plt.close("all")


# ---------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------


def test_landmark_and_parameter_errors():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="at most as many landmarks"):
        maxmin_landmarks(X, 21)
    with pytest.raises(ValueError, match="n_landmarks"):
        maxmin_landmarks(X, 0)
    with pytest.raises(ValueError, match="fewer landmarks"):
        witness_barcodes(X, n_landmarks=100)
    with pytest.raises(ValueError, match="integer indices"):
        lazy_witness_filtration(X, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="repeated"):
        lazy_witness_filtration(X, np.array([0, 1, 1]))
    with pytest.raises(ValueError, match=r"\[0, 19\]"):
        lazy_witness_filtration(X, np.array([0, 20]))
    with pytest.raises(ValueError, match="at least 2 landmarks"):
        lazy_witness_filtration(X, np.array([3]))
    with pytest.raises(ValueError, match="nu"):
        lazy_witness_filtration(X, np.array([0, 1]), nu=-1)
    with pytest.raises(ValueError, match="nu"):
        lazy_witness_filtration(X, np.array([0, 1]), nu=3)
    with pytest.raises(ValueError, match="prime"):
        witness_barcodes(X, n_landmarks=5, coeff=4)
    with pytest.raises(ValueError, match="maxdim"):
        rips_barcodes(X, maxdim=-1)
    with pytest.raises(ValueError, match="needs max_filtration"):
        witness_barcodes(X, n_landmarks=5, num_divisions=1000)
    with pytest.raises(ValueError, match="max_filtration"):
        witness_barcodes(X, n_landmarks=5, max_filtration=-1.0)
    with pytest.raises(ValueError, match="n_perm"):
        rips_barcodes(X, n_perm=50)
    with pytest.raises(ValueError, match="method"):
        most_persistent_lifetime(X, method="cech")


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]]), "NaN"),
        (np.arange(10.0), "2-D"),
        (np.zeros((0, 2)), "empty"),
    ],
)
def test_bad_point_clouds_raise(bad, match):
    for fn in (
        lambda: maxmin_landmarks(bad, 2),
        lambda: witness_barcodes(bad, n_landmarks=2),
        lambda: rips_barcodes(bad),
        lambda: lazy_witness_filtration(bad, np.array([0, 1])),
    ):
        with pytest.raises(ValueError, match=match):
            fn()


def test_brute_force_reference_is_itself_sane():
    # guard the reference: on 2 landmarks with the witnesses exactly at them and
    # nu = 0, the edge time is the distance between them
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert brute_force_witness(X, [0, 1], 0)[0, 1] == 5.0
    assert list(itertools.chain(*brute_force_witness(X, [0, 1], 1))) == [0.0, 5.0, 5.0, 0.0]
