"""Bad input gets a ``ValueError`` that says what to do; properties hold over random valid input.

The first block is the list of mistakes a careful user made (issue: "Modules by idea"), one test
each; the second block checks the shared validators; the third uses hypothesis to search for
inputs that break the documented bounds.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from topo_helpers import category, clique, cloud, density, entropy, filters, mapper, models, patches, validate

# --- the mistakes, each now a ValueError ---------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: entropy.entropy([2, 2]), "sum to 1"),
        (lambda: entropy.entropy([0.5, np.nan]), "NaN"),
        (lambda: entropy.entropy([1.5, -0.5]), "negative"),
        (lambda: category.js_divergence([2, 0], [0, 2]), "sum to 1"),
        (lambda: category.js_divergence([0.5, np.nan], [0.5, 0.5]), "NaN"),
        (lambda: entropy.class_distributions([0, 1, 1], [0, 1, 2], n_classes=2), "outside 0..1"),
        (lambda: entropy.class_distributions([0, 1], [0, 0.5]), "integer"),
        (lambda: entropy.class_distributions([0, 1], [0, -1]), "from 0"),
        (lambda: mapper.gap_cut(np.array([[0.0, 0], [np.nan, 1], [2, 2]])), "NaN"),
        (lambda: mapper.cover_intervals(1, 0, 3, 2), "lo <= hi"),
        (lambda: clique.betti_curves(np.ones((4, 4)) - np.eye(4), grid=0), "at least 1"),
        (lambda: clique.betti_curves(np.ones((4, 4)) - np.eye(4), grid=[]), "non-empty"),
        (lambda: clique.starting_density(np.ones((4, 4)), k=True), "integer"),
        (lambda: clique.betti_max(np.ones((4, 4)), k=1.5), "integer"),
        (lambda: filters.primary_circle_patches(2.5), "integer"),
        (lambda: filters.secondary_circle_patches(0), "at least 1"),
        (lambda: filters.klein_bottle_patches(0, 4), "at least 1"),
        (lambda: cloud.scaled_k(10, 0, 100), "at least 2 points"),
        (lambda: cloud.scaled_k(10.5, 50, 100), "integer"),
        (lambda: mapper.pca_lens(np.arange(5.0)), "2-D"),
        (lambda: entropy.sed_counts(np.ones((3, 4))), "square"),
        (lambda: entropy.sed_counts(np.full((3, 3), np.inf)), "NaN or infinite"),
        (lambda: mapper.mapper_graph(np.random.default_rng(0).normal(size=(20, 3)), gain="3"), "gain"),
        (lambda: mapper.mapper_graph(np.random.default_rng(0).normal(size=(20, 3)), resolution=2.5),
         "resolution"),
        (lambda: entropy.rank_correlation([1, 2, 3], [1, 2]), "same length"),
        (lambda: cloud.primary_circle_fit(np.full((3, 9), np.nan)), "NaN"),
        (lambda: cloud.primary_circle_fit(filters.primary_circle_patches(8), near=0), "above 0"),
        (lambda: filters.sample_patches([], 4), "at least one image"),
        (lambda: filters.sample_patches([np.ones((5, 5))], 0), "at least 1"),
        (lambda: filters.sample_patches([np.full((5, 5), np.inf)], 2), "NaN or infinite"),
        (lambda: models.MNet(2.5, 32, 64), "X must be an integer"),
        (lambda: patches.klein_bottle_fit(np.full((2, 9), np.nan)), "NaN"),
        (lambda: patches.circle_model_fit(np.full((2, 9), np.inf)), "NaN or infinite"),
        (lambda: patches.gradient_angles(np.ones((2, 8))), r"\(N, 9\)"),
        (lambda: mapper.gap_cut(np.zeros((3, 2)), n_bins=2.5), "n_bins must be an integer"),
        (lambda: models.CNet(64, -1, 64), "Y must be at least 0"),
    ],
)
def test_bad_input_is_a_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_infinite_entries_of_a_symmetric_matrix_are_symmetric():
    """inf - inf is NaN, which used to make any matrix with an infinite pair 'not symmetric'."""
    A = np.array([[0, 1, np.inf, 2], [1, 0, 3, 4], [np.inf, 3, 0, 5], [2, 4, 5, 0]], float)
    A[0, 0] = np.inf  # the diagonal is ignored
    curves = clique.betti_curves(A, maxdim=1)
    assert curves.betti[0][0] == 4
    B = A.copy()
    B[1, 2] = 3.5
    with pytest.raises(ValueError, match="not symmetric"):
        clique.betti_curves(B)


def test_density_filter_ties_keep_their_original_order():
    """The 510 non-constant binary 3x3 patches: 252 share the smallest 1-NN distance."""
    P = np.array([b for b in itertools.product([0, 1], repeat=9) if 0 < sum(b) < 9], float)
    P -= P.mean(1, keepdims=True)
    P /= np.linalg.norm(P, axis=1, keepdims=True)
    _, idx = density.density_filter(P, 1, 1.0, return_index=True)
    r = np.round(density.knn_distance(P, 1), 9)
    assert np.all(np.diff(r[idx]) >= 0)
    for value in np.unique(r):  # inside each tie group: increasing index
        group = idx[r[idx] == value]
        assert np.all(np.diff(group) > 0)
    assert (r == r.min()).sum() == 252


# --- the shared validators ------------------------------------------------------------------------


def test_integer_accepts_integral_values_and_refuses_the_rest():
    assert validate.integer(3, "n") == 3
    assert validate.integer(np.int64(3), "n") == 3
    assert validate.integer(3.0, "n") == 3
    for bad in (True, np.bool_(False), 2.5, "3", None, np.nan):
        with pytest.raises(ValueError, match="n must be an integer"):
            validate.integer(bad, "n")
    with pytest.raises(ValueError, match="at least 1"):
        validate.integer(0, "n", minimum=1)


def test_number_range_and_type():
    assert validate.number(0.5, "p", 0, 1) == 0.5
    with pytest.raises(ValueError, match="above 0"):
        validate.number(0, "p", 0, open_min=True)
    with pytest.raises(ValueError, match="at most 1"):
        validate.number(1.5, "p", 0, 1)
    for bad in (np.inf, np.nan, "0.5", False):
        with pytest.raises(ValueError, match="p must be"):
            validate.number(bad, "p")


def test_finite_array_shape_rows_and_hint():
    a = validate.finite_array([[1, 2]], "X", ndim=2, min_rows=1)
    assert a.dtype == np.float64 and a.shape == (1, 2)
    with pytest.raises(ValueError, match=r"x\[None, :\]"):
        validate.finite_array([1, 2], "X", ndim=2)
    with pytest.raises(ValueError, match="at least 3 rows"):
        validate.finite_array(np.zeros((2, 2)), "X", min_rows=3)
    with pytest.raises(ValueError, match="numeric"):
        validate.finite_array(["a", "b"], "X")
    with pytest.raises(ValueError, match="2 NaN or infinite"):
        validate.finite_array([np.nan, np.inf, 1], "X")


def test_distribution_axis_and_messages():
    P = validate.distribution([[0.25, 0.75], [1, 0]], "P")
    assert P.shape == (2, 2)
    validate.distribution([[0.5, 0.5], [0.5, 0.5]], "P", axis=0)
    with pytest.raises(ValueError, match="axis 0"):
        validate.distribution([[0.25, 0.75], [0.25, 0.75]], "P", axis=0)
    with pytest.raises(ValueError, match="scalar"):
        validate.distribution(1.0, "P")


def test_class_labels():
    y, n = validate.class_labels([0, 2, 1], "y")
    assert n == 3 and y.dtype == np.int64
    y, n = validate.class_labels(np.array([0.0, 1.0]), "y", 4)
    assert n == 4 and list(y) == [0, 1]
    for bad in ([[0, 1]], [True, False], ["a"]):
        with pytest.raises(ValueError, match="y must be"):
            validate.class_labels(bad, "y")


# --- properties (hypothesis) ----------------------------------------------------------------------

weights = arrays(np.float64, st.integers(1, 12), elements=st.floats(0, 1e6, allow_subnormal=False))


def _normalised(w):
    w = np.asarray(w, float)
    if w.sum() <= 0:
        w = np.ones_like(w)
    return w / w.sum()


@settings(max_examples=200, deadline=None)
@given(weights)
def test_entropy_lies_between_zero_and_log_support(w):
    P = _normalised(w)
    h = float(entropy.entropy(P))
    assert -1e-12 <= h <= np.log(len(P)) + 1e-9


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10).flatmap(
    lambda n: st.tuples(*(arrays(np.float64, n, elements=st.floats(0, 1e3, allow_subnormal=False))
                          for _ in range(2)))))
def test_js_divergence_is_a_symmetric_number_in_unit_interval(pq):
    P, Q = (_normalised(w) for w in pq)
    d = category.js_divergence(P, Q)
    assert -1e-12 <= d <= 1 + 1e-12
    assert d == pytest.approx(category.js_divergence(Q, P), abs=1e-12)
    assert category.js_divergence(P, P) == pytest.approx(0, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(0, 1e3), st.integers(1, 40), st.floats(1.01, 10))
def test_cover_intervals_are_ordered_and_cover_the_range(lo, width, n, gain):
    hi = lo + width
    iv = mapper.cover_intervals(lo, hi, n, gain)
    assert iv.shape == (n, 2)
    assert np.all(iv[:, 0] <= iv[:, 1])
    assert np.all(np.diff(iv[:, 0]) >= 0)
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    assert iv[0, 0] <= lo + tol and iv[-1, 1] >= hi - tol
    assert np.all(iv[1:, 0] <= iv[:-1, 1] + tol)  # consecutive intervals overlap or touch: no gap


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (6, 6), elements=st.floats(-5, 5, allow_subnormal=False)),
       st.floats(0.1, 10), st.floats(-10, 10))
def test_betti_curves_depend_only_on_the_order_of_the_entries(M, a, b):
    A = M + M.T
    c1 = clique.betti_curves(A, maxdim=1)
    B = a * A + b
    c2 = clique.betti_curves(B, maxdim=1)
    iu = np.triu_indices(6, 1)
    order_kept = np.array_equal(np.argsort(A[iu], kind="stable"), np.argsort(B[iu], kind="stable"))
    if np.unique(A[iu]).size == np.unique(B[iu]).size == 15 and order_kept:
        # same strict order of the entries (round-off can merge values: 1e-175 + 1 == 0 + 1)
        np.testing.assert_array_equal(c1.betti, c2.betti)
    assert np.all(c1.betti[0] >= 1)
