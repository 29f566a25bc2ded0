"""Tests of topo_helpers.entropy (SED/MBC distributions, filter entropy, category distance)."""

import numpy as np
import pytest

from topo_helpers import clique
from topo_helpers import entropy as ent


def test_entropy_bounds_and_base():
    assert ent.entropy(np.array([1.0, 0.0, 0.0])) == pytest.approx(0.0)
    assert ent.entropy(np.full(8, 1 / 8), base=2) == pytest.approx(3.0)
    assert ent.entropy(np.full(8, 1 / 8)) == pytest.approx(np.log(8))


def test_class_distributions_and_filter_entropy():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    sed = np.array([[5, 3], [5, 4], [5, 5], [5, 6], [2, 7], [3, 7], [2, 7], [3, 7]])
    P, sup = ent.class_distributions(sed, labels)
    assert P.shape == (2, 2, len(sup))
    np.testing.assert_allclose(P.sum(-1), 1.0)
    H = ent.filter_entropy(sed, labels, base=2)
    np.testing.assert_allclose(H, [[0.0, 1.0], [2.0, 0.0]])
    with pytest.raises(ValueError):
        ent.class_distributions(np.array([1, 2, 3]), np.array([0, 1, 1]), support=[1, 2])


def test_decrease_sign_effective_set_and_metric():
    H0 = np.array([[3.0, 2.0], [2.0, 2.0]])
    HT = np.array([[2.5, 2.5], [2.0, 1.0]])
    dH = ent.entropy_decrease(H0, HT)
    np.testing.assert_allclose(dH, [[0.5, -0.5], [0.0, 1.0]])
    np.testing.assert_array_equal(ent.effective_set(dH), [[True, False], [False, True]])
    np.testing.assert_allclose(ent.assessment_metric(dH), [0.5, 1.0])


def test_sed_counts_shift_scale_invariant_and_never():
    rng = np.random.default_rng(0)
    maps = rng.standard_normal((5, 12, 12))
    s = ent.sed_counts(maps)
    assert s.shape == (5,) and s.dtype == np.int64 and np.all(s >= 3)
    np.testing.assert_array_equal(ent.sed_counts(3.0 * maps + 7.0), s)
    assert ent.sed_counts(np.zeros((1, 6, 6)))[0] == ent.NEVER


def test_rank_correlation():
    r, p = ent.rank_correlation([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert r == pytest.approx(1.0)


def test_category_names_still_resolve_from_entropy():
    from topo_helpers import category

    for name in ("mbc_values", "js_divergence", "cd_matrix", "distinguishable_degree"):
        assert getattr(ent, name) is getattr(category, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ent.nope  # noqa: B018


# --- the second reading (the authors' code): birth steps, birth-point entropy, ineffectiveness ---

def _gf2_rank(M):
    M = M.copy() % 2
    r = 0
    for c in range(M.shape[1]):
        piv = np.flatnonzero(M[r:, c])
        if len(piv) == 0:
            continue
        M[[r, r + piv[0]]] = M[[r + piv[0], r]]
        rows = np.flatnonzero(M[:, c])
        rows = rows[rows != r]
        M[rows] ^= M[r]
        r += 1
        if r == M.shape[0]:
            break
    return r


def _beta1(n, edges):
    """beta_1 over Z/2 of the clique complex of a graph: (E - V + components) - rank of the triangles' boundary."""
    from itertools import combinations

    E = sorted(edges)
    idx = {e: i for i, e in enumerate(E)}
    parent = list(range(n))

    def find(a):
        while parent[a] != a:
            a = parent[a]
        return a

    for a, b in E:
        parent[find(a)] = find(b)
    comps = len({find(a) for a in range(n)})
    tris = [t for t in combinations(range(n), 3) if all(e in idx for e in combinations(t, 2))]
    D = np.zeros((len(E), len(tris)), np.uint8)
    for j, t in enumerate(tris):
        for e in combinations(t, 2):
            D[idx[e], j] = 1
    return (len(E) - n + comps) - (_gf2_rank(D) if tris else 0)


def _brute_birth_step(F, max_step=50):
    """The birth step by brute force: beta_1 after each distinct value (largest first) enters."""
    A = clique.symmetrize_max(np.asarray(F, np.float64)[None])[0]
    n = len(A)
    iu = np.triu_indices(n, 1)
    for step, v in enumerate(np.unique(A[iu])[::-1]):
        edges = {(int(a), int(b)) for a, b in zip(*iu) if A[a, b] >= v}
        if _beta1(n, edges) > 0:
            return step if 0 < step <= max_step else 0
    return 0


def test_birth_steps_match_brute_force_with_and_without_ties():
    rng = np.random.default_rng(3)
    maps = rng.normal(size=(6, 2, 9, 9))
    maps[:, 1] = np.round(maps[:, 1], 1)               # heavy ties: entries share steps
    got = ent.birth_steps(maps)
    assert got.shape == (6, 2) and got.dtype == np.int64
    want = np.array([[_brute_birth_step(maps[i, j]) for j in range(2)] for i in range(6)])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ent.birth_steps(maps, ent.sed_counts(maps)), got)
    # with ties, fewer steps than edges: the step never exceeds the edge count
    m = ent.sed_counts(maps)
    assert np.all(got <= np.maximum(m - 1, 0))


def test_birth_steps_limit_and_density_cap():
    rng = np.random.default_rng(4)
    maps = rng.normal(size=(20, 12, 12))
    full = ent.birth_steps(maps, max_step=10_000, max_density=1.0)
    assert np.all(ent.birth_steps(maps, max_step=5)[full > 5] == 0)
    np.testing.assert_array_equal(ent.birth_steps(maps, max_step=5)[full <= 5], full[full <= 5])
    N = 12 * 11 // 2
    cap = ent.birth_steps(maps, max_step=10_000, max_density=0.1)
    assert np.all(cap[full > np.ceil(0.1 * N)] == 0)


def test_birth_point_entropy_known_values_and_classes():
    steps = np.array([[0, 3], [2, 3], [2, 3], [5, 0]])
    r = ent.birth_point_entropy(steps, base=2)
    np.testing.assert_allclose(r.selective_rate, [0.25, 0.25])
    np.testing.assert_allclose(r.entropy, [0.9182958, 0.0], atol=1e-6)     # zeros left out
    np.testing.assert_allclose(r.ineffectiveness, [0.9182958 / 0.75, 0.0], atol=1e-6)
    by = ent.birth_point_entropy(steps, labels=np.array([0, 0, 1, 1]), n_classes=2)
    assert by.entropy.shape == (2, 2)
    np.testing.assert_allclose(by.selective_rate[0], [0.5, 0.0])    # filter 0: class 0 has (0, 2), class 1 (2, 5)
    np.testing.assert_allclose(by.entropy[0], [0.0, np.log(2)])
    allzero = ent.birth_point_entropy(np.zeros((3, 1), np.int64))
    assert allzero.selective_rate[0] == 1 and allzero.ineffectiveness[0] == 0


def test_ineffectiveness_order_puts_degenerate_units_last_in_importance():
    assert ent.ineffectiveness_order(np.array([2.0, 0.05, 3.0, 1.0])) == [1, 2, 0, 3]
    assert ent.ineffectiveness_order(np.array([1.0, 1.0, 0.0])) == [2, 0, 1]


@pytest.mark.parametrize("call", [
    lambda: ent.birth_steps(np.zeros((3, 4))),
    lambda: ent.birth_steps(np.full((4, 4), np.nan)),
    lambda: ent.birth_steps(np.zeros((2, 4, 4)), counts=np.zeros(3, np.int64)),
    lambda: ent.birth_steps(np.zeros((4, 4)), counts=np.array(99)),
    lambda: ent.birth_steps(np.zeros((4, 4)), max_step=0),
    lambda: ent.birth_steps(np.zeros((4, 4)), max_density=1.5),
    lambda: ent.birth_point_entropy(np.array([[1, -2]])),
    lambda: ent.birth_point_entropy(np.array([1.5, 2.0])),
    lambda: ent.birth_point_entropy(np.array([[1], [2]]), labels=np.array([0])),
    lambda: ent.ineffectiveness_order(np.array([[1.0]])),
    lambda: ent.ineffectiveness_order(np.array([np.nan])),
])
def test_second_reading_bad_input_is_a_value_error(call):
    with pytest.raises(ValueError):
        call()
