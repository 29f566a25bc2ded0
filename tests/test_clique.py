"""Correctness tests for topo_helpers.clique (no timings here: see benchmarks/bench_clique.py)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from topo_helpers import clique as C


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _from_edges(n: int, weights: dict[tuple[int, int], float], rest: float = 0.0) -> np.ndarray:
    A = np.full((n, n), rest, dtype=float)
    for (i, j), w in weights.items():
        A[i, j] = A[j, i] = w
    np.fill_diagonal(A, 0.0)
    return A


def _gf2_rank(M: np.ndarray) -> int:
    M = (M.copy() % 2).astype(np.uint8)
    rank = 0
    rows, cols = M.shape
    for c in range(cols):
        piv = np.flatnonzero(M[rank:, c])
        if piv.size == 0:
            continue
        p = rank + piv[0]
        M[[rank, p]] = M[[p, rank]]
        for r in np.flatnonzero(M[:, c]):
            if r != rank:
                M[r] ^= M[rank]
        rank += 1
        if rank == rows:
            break
    return rank


def _brute_betti1(A: np.ndarray) -> np.ndarray:
    """beta_1 at m = 0..N by explicit boundary ranks of each flag complex (ties together)."""
    n = A.shape[0]
    pairs = list(itertools.combinations(range(n), 2))
    vals = np.array([A[i, j] for i, j in pairs])
    N = len(pairs)
    out = np.zeros(N + 1, dtype=int)
    for m in range(N + 1):
        if m == 0:
            continue
        # edges with f(e) = #{e': A[e'] >= A[e]} <= m
        f = np.array([(vals >= v).sum() for v in vals])
        E = [pairs[q] for q in range(N) if f[q] <= m]
        eidx = {e: q for q, e in enumerate(E)}
        tris = [t for t in itertools.combinations(range(n), 3)
                if all(p in eidx for p in itertools.combinations(t, 2))]
        d1 = np.zeros((n, len(E)), dtype=np.uint8)
        for q, (i, j) in enumerate(E):
            d1[i, q] = d1[j, q] = 1
        d2 = np.zeros((len(E), len(tris)), dtype=np.uint8)
        for q, t in enumerate(tris):
            for p in itertools.combinations(t, 2):
                d2[eidx[p], q] = 1
        r1 = _gf2_rank(d1) if E else 0
        r2 = _gf2_rank(d2) if tris else 0
        out[m] = len(E) - r1 - r2
    return out


def _random_sym(rng, n):
    A = rng.random((n, n))
    return A + A.T


def _geometric(rng, n, d=3):
    X = rng.random((n, d))
    return -np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))


def _integer(rng, n, k=4):
    A = rng.integers(0, k, (n, n)).astype(float)
    return A + A.T


def _bipartite_first(rng, n):
    """All edges between two halves enter first (no triangle: beta_1 ~ n^2 / 4), then the rest."""
    A = rng.random((n, n))
    h = np.arange(n) < n // 2
    A = A + (h[:, None] != h[None])
    return np.triu(A, 1) + np.triu(A, 1).T


# ---------------------------------------------------------------------------
# hand-computed cases
# ---------------------------------------------------------------------------
def test_four_cycle_then_diagonal():
    A = _from_edges(4, {(0, 1): 10, (1, 2): 9, (2, 3): 8, (0, 3): 7, (0, 2): 2, (1, 3): 1})
    c = C.betti_curves(A)
    np.testing.assert_allclose(c.densities, np.arange(7) / 6)
    np.testing.assert_array_equal(c[1], [0, 0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(c[0], [4, 3, 2, 1, 1, 1, 1])
    assert C.starting_density(A) == pytest.approx(4 / 6)
    assert C.betti_max(A) == 1


def test_filled_triangle_has_no_cycle():
    A = _from_edges(3, {(0, 1): 3, (1, 2): 2, (0, 2): 1})
    c = C.betti_curves(A)
    assert c[1].max() == 0
    assert np.isnan(C.starting_density(A))
    assert C.starting_density(A, fill=1.0) == 1.0
    assert C.betti_max(A) == 0


def test_ties_enter_together():
    # 4-cycle and one diagonal all tied: the cycle is filled the moment it appears
    A = _from_edges(4, {(0, 1): 5, (1, 2): 5, (2, 3): 5, (0, 3): 5, (0, 2): 5, (1, 3): 1})
    c = C.betti_curves(A)
    np.testing.assert_array_equal(c[1], np.zeros(7, int))
    np.testing.assert_array_equal(c[0], [4, 4, 4, 4, 4, 1, 1])  # nothing enters before the group ends
    assert np.isnan(C.starting_density(A))
    # break the tie (diagonal last): the 4-cycle lives for one step
    B = A.copy()
    B[0, 2] = B[2, 0] = 4.9
    assert C.starting_density(B) == pytest.approx(4 / 6)
    np.testing.assert_array_equal(C.betti_curves(B)[1], [0, 0, 0, 0, 1, 0, 0])


def test_tie_group_kills_the_first_cycle_later_one_survives():
    # refined order would give beta_1 > 0 inside the first tie group; the tied curve does not
    rng = np.random.default_rng(7)
    for trial in range(20):
        A = _integer(rng, 9, k=3)
        c = C.betti_curves(A)
        if trial < 3:
            np.testing.assert_array_equal(c[1], _brute_betti1(A))
        s = C.starting_density(A)
        s_curve = c.starting_density(1)
        assert (np.isnan(s) and np.isnan(s_curve)) or s == s_curve


def test_no_cycle_points_on_a_line():
    # Rips complexes of points on a line are contractible: beta_1 never > 0
    rng = np.random.default_rng(0)
    x = rng.random(25)
    A = -np.abs(x[:, None] - x[None])
    assert np.isnan(C.starting_density(A))
    assert C.betti_max(A) == 0
    assert C.betti_curves(A)[0][-1] == 1


def test_brute_force_small():
    rng = np.random.default_rng(1)
    for n in (4, 5, 6, 7):
        for make in (_random_sym, _geometric, _integer):
            A = make(rng, n)
            np.testing.assert_array_equal(C.betti_curves(A)[1], _brute_betti1(A))


# ---------------------------------------------------------------------------
# invariance, engines, batch
# ---------------------------------------------------------------------------
def test_shift_scale_invariance():
    rng = np.random.default_rng(2)
    for _ in range(10):
        F = rng.normal(size=(24, 24))
        A = C.symmetrize_max(F)
        s = C.starting_density(A)
        for a, b in ((2.5, 0.0), (1.0, -7.0), (0.01, 100.0)):
            assert C.starting_density(a * A + b) == s
            assert C.starting_density(C.symmetrize_max(a * F + b)) == s
        # negative control: reversing the order is not an invariance of the curve
        assert not np.array_equal(C.betti_curves(-A)[1], C.betti_curves(A)[1])


@pytest.mark.parametrize("make", [_random_sym, _geometric, _integer, _bipartite_first],
                         ids=["random", "geometric", "ties", "bipartite"])
def test_agrees_with_ripser_and_gudhi(make):
    rng = np.random.default_rng(3)
    for n in (10, 17, 25, 40):
        A = make(rng, n)
        ours = C.betti_curves(A)
        rip = C.betti_curves_ripser(A)
        np.testing.assert_array_equal(ours.betti, rip.betti)
        if n <= 25:
            gud = C.betti_curves_gudhi(A)
            np.testing.assert_array_equal(ours.betti, gud.betti)
        part = C.betti_curves(A, max_density=0.6)
        np.testing.assert_array_equal(part.betti, C.betti_curves_ripser(A, max_density=0.6).betti)
        assert part.edges[-1] <= int(0.6 * n * (n - 1) / 2)


def test_maxdim2_ripser_vs_gudhi():
    rng = np.random.default_rng(4)
    A = _random_sym(rng, 14)
    r = C.betti_curves(A, maxdim=2)
    g = C.betti_curves(A, maxdim=2, engine="gudhi")
    np.testing.assert_array_equal(r.betti, g.betti)
    np.testing.assert_array_equal(r.betti[:2], C.betti_curves(A).betti)
    assert r.maxdim == 2 and r[2].max() > 0


def test_grid():
    rng = np.random.default_rng(5)
    A = _random_sym(rng, 20)
    full = C.betti_curves(A)
    g = C.betti_curves(A, grid=11)
    np.testing.assert_allclose(g.densities, np.linspace(0, 1, 11))
    np.testing.assert_array_equal(g.betti, full.betti[:, np.floor(g.densities * 190 + 1e-9).astype(int)])
    g2 = C.betti_curves(A, grid=[0.1, 0.25])
    np.testing.assert_array_equal(g2[1], full[1][[19, 47]])


def test_batch_equals_loop():
    rng = np.random.default_rng(6)
    stack = np.concatenate([
        C.symmetrize_max(rng.normal(size=(30, 28, 28))),
        C.symmetrize_sum(np.where(rng.random((30, 28, 28)) < 0.6, 0, rng.integers(0, 256, (30, 28, 28)))),
        np.stack([_geometric(rng, 28) for _ in range(10)]),
    ])
    s = C.starting_density_batch(stack)
    m = C.betti_max_batch(stack)
    np.testing.assert_array_equal(s, [C.starting_density(a) for a in stack])
    np.testing.assert_array_equal(m, [C.betti_max(a) for a in stack])
    np.testing.assert_array_equal(m, [C.betti_curves_ripser(a).maximum(1) for a in stack])
    s_rip = np.array([C.betti_curves_ripser(a).starting_density(1) for a in stack])
    np.testing.assert_array_equal(s, s_rip)
    np.testing.assert_array_equal(C.starting_density_batch(stack, max_density=0.6),
                                  [C.starting_density(a, max_density=0.6) for a in stack])


def test_random_beats_geometric():
    rng = np.random.default_rng(8)
    for n in (30, 60):
        assert C.betti_max(_random_sym(rng, n)) > C.betti_max(_geometric(rng, n))


# ---------------------------------------------------------------------------
# symmetrisation and errors
# ---------------------------------------------------------------------------
def test_symmetrize():
    F = np.array([[1, 5], [2, 3]])
    np.testing.assert_array_equal(C.symmetrize_max(F), [[1, 5], [5, 3]])
    I = np.array([[200, 100], [250, 0]], dtype=np.uint8)
    np.testing.assert_array_equal(C.symmetrize_sum(I), [[400, 350], [350, 0]])
    stack = np.arange(18).reshape(2, 3, 3)
    out = C.symmetrize_max(stack)
    np.testing.assert_array_equal(out, np.swapaxes(out, 1, 2))


def test_errors():
    with pytest.raises(ValueError, match="square"):
        C.betti_curves(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="symmetrize_max"):
        C.starting_density(np.arange(9.0).reshape(3, 3))
    A = np.ones((4, 4))
    A[0, 1] = A[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        C.betti_max(A)
    with pytest.raises(ValueError, match="stack"):
        C.starting_density_batch(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="symmetrize_max"):
        C.betti_max_batch(np.arange(18.0).reshape(2, 3, 3))
    with pytest.raises(ValueError, match="max_density"):
        C.betti_curves(np.ones((4, 4)), max_density=0.0)
    # check_symmetric=False uses the upper triangle
    B = np.triu(np.random.default_rng(0).random((6, 6)), 1)
    np.testing.assert_array_equal(C.betti_curves(B, check_symmetric=False).betti,
                                  C.betti_curves(B + B.T).betti)


def test_truncated_range_is_exact_random_60():
    # the H1 reduction runs on a prefix of the edges and a forward pass finds the later deaths;
    # a random matrix of this size splits inside its beta_1 hump and the curve must still be exact
    A = _random_sym(np.random.default_rng(9), 60)
    R, ei, ej, F = C._ranks_kernel(A)
    _, _, _, last, t1 = C._forward(ei, ej, 60, len(ei))
    assert 0 < t1 < last  # the automatic split point is inside the range of the births
    ours = C.betti_curves(A)
    np.testing.assert_array_equal(ours.betti, C.betti_curves_ripser(A).betti)
    nz = np.flatnonzero(ours[1])
    assert nz.size and nz[-1] < 0.5 * ours.n_pairs  # beta_1 vanishes long before density 1


# ---------------------------------------------------------------------------
# the two phases of the H1 engine (internals): reduced prefix, then forward tail
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("make", [_random_sym, _geometric, _integer, _bipartite_first],
                         ids=["random", "geometric", "ties", "bipartite"])
def test_split_point_does_not_change_the_pairs(make):
    # any prefix length gives the same (elder-rule) pairs as reducing the whole range
    rng = np.random.default_rng(10)
    for n in (12, 30, 70):
        A = make(rng, n)
        R, ei, ej, F = C._ranks_kernel(A)
        N = len(ei)
        for T in (N, N // 5):  # the whole range, and a cap inside the beta_1 hump
            _, _, first, last, t1 = C._forward(ei, ej, n, T)
            mst_ref, ref = C._h1_deaths(R, ei, ej, n, T, T)  # reduction only
            splits = {0, 1, first, first + 1, last // 2, last, last + 1, t1, T - 1}
            for s in sorted(x for x in splits if x >= 0):
                mst, death = C._h1_deaths(R, ei, ej, n, T, s)
                np.testing.assert_array_equal(mst, mst_ref)
                np.testing.assert_array_equal(death, ref, err_msg=f"{make.__name__} n={n} T={T} t1={s}")
            # no memory for the tail: the prefix grows past the last birth instead
            np.testing.assert_array_equal(C._h1_deaths(R, ei, ej, n, T, -1, 0)[1], ref)
            # a log buffer too short for the tail: the reduction reruns with the size it reported
            np.testing.assert_array_equal(C._h1_deaths(R, ei, ej, n, T, -1, 1 << 40, 1)[1], ref)
            np.testing.assert_array_equal(C._h1_deaths(R, ei, ej, n, T)[1], ref)


def test_heap_and_bitset_reductions_agree_with_their_logs():
    # the heap reduction (very large prefixes) and the bitset one return the same deaths and logs;
    # a log buffer that is too small leaves the deaths intact and reports the size needed
    rng = np.random.default_rng(11)
    for make in (_random_sym, _integer, _bipartite_first):
        n = 50
        A = make(rng, n)
        R, ei, ej, F = C._ranks_kernel(A)
        T = len(ei)
        mst, app_k, first, last, t1 = C._forward(ei, ej, n, T)
        for Tp in (max(t1, 1), last + 1, T):
            b1 = np.empty(64 * Tp + 1024, np.int64)
            b2 = np.empty(64 * Tp + 1024, np.int64)
            d1, s1, l1, z1 = C._reduce_bits(R, ei, ej, n, Tp, mst, app_k, b1)
            d2, s2, l2, z2 = C._reduce(R, ei, ej, n, Tp, mst, app_k, b2)
            np.testing.assert_array_equal(d1, d2)
            np.testing.assert_array_equal(l1, l2)
            assert z1 == z2 == l1.sum() and z1 <= b1.size
            keep = l1 > 0
            np.testing.assert_array_equal(s1[keep], s2[keep])
            np.testing.assert_array_equal(b1[:z1], b2[:z2])
            d3, _, l3, z3 = C._reduce_bits(R, ei, ej, n, Tp, mst, app_k, np.empty(2, np.int64))
            np.testing.assert_array_equal(d3, d1)
            assert z3 == z1
        assert z1 > 2  # the last case did add columns (so the short buffer overflowed)


def test_random_large_split_agrees_with_ripser():
    # n = 120: the automatic split point is inside the hump (about 240 live classes), so the
    # tail keeps several 64-bit words per edge and refills freed bits across words
    A = _random_sym(np.random.default_rng(12), 120)
    ours = C.betti_curves(A)
    assert ours[1].max() > 128
    np.testing.assert_array_equal(ours.betti, C.betti_curves_ripser(A).betti)


# ---------------------------------------------------------------------------
# higher dimensions: beta_2 and beta_3 (numba engine vs brute force, ripser, gudhi)
# ---------------------------------------------------------------------------
def _brute_betti(A: np.ndarray, maxdim: int) -> np.ndarray:
    """beta_0..beta_maxdim at m = 0..N from explicit Z/2 boundary ranks of each flag complex (ties together)."""
    n = A.shape[0]
    pairs = list(itertools.combinations(range(n), 2))
    vals = np.array([A[i, j] for i, j in pairs])
    N = len(pairs)
    f = np.array([(vals >= v).sum() for v in vals])
    out = np.zeros((maxdim + 1, N + 1), dtype=int)
    for m in range(N + 1):
        present = {pairs[q] for q in range(N) if f[q] <= m}
        simp = [[(v,) for v in range(n)]]
        for k in range(1, maxdim + 2):  # k-simplices: all of their edges present
            simp.append([s for s in itertools.combinations(range(n), k + 1)
                         if all(p in present for p in itertools.combinations(s, 2))])
        ranks = [0]  # rank of d_k : C_k -> C_{k-1}, d_0 = 0
        for k in range(1, maxdim + 2):
            if not simp[k]:
                ranks.append(0)
                continue
            idx = {s: q for q, s in enumerate(simp[k - 1])}
            D = np.zeros((len(simp[k - 1]), len(simp[k])), dtype=np.uint8)
            for q, s in enumerate(simp[k]):
                for face in itertools.combinations(s, k):
                    D[idx[face], q] = 1
            ranks.append(_gf2_rank(D))
        for k in range(maxdim + 1):
            out[k, m] = len(simp[k]) - ranks[k] - ranks[k + 1]
    return out


def _cross_polytope(d: int) -> np.ndarray:
    """1-skeleton of the d-dimensional cross-polytope (2d vertices, all edges but the d antipodal pairs)."""
    n = 2 * d
    A = np.ones((n, n))
    for v in range(d):
        A[v, v + d] = A[v + d, v] = 0.0
    np.fill_diagonal(A, 0.0)
    return A


def test_octahedron_has_one_void():
    # the 1-skeleton of the octahedron enters first (tied), then the 3 diagonals
    A = _cross_polytope(3)
    c = C.betti_curves(A, maxdim=2)
    assert c.n_pairs == 15
    # the octahedral sphere lives until the tied diagonals (one of them suffices to fill it) enter
    np.testing.assert_array_equal(c[2], [0] * 12 + [1, 1, 1, 0])
    np.testing.assert_array_equal(c[1], np.zeros(16, int))
    np.testing.assert_array_equal(c[0][12:], [1, 1, 1, 1])
    assert C.betti_max(A, 2) == 1
    assert C.starting_density(A, 2) == pytest.approx(12 / 15)
    # break the ties of the skeleton: same final count, intermediate curves by brute force
    B = A + 0.01 * np.random.default_rng(0).random((6, 6))
    B = np.triu(B, 1) + np.triu(B, 1).T
    np.testing.assert_array_equal(C.betti_curves(B, maxdim=3).betti, _brute_betti(B, 3))
    assert C.betti_curves(B, maxdim=2)[2][12] == 1


def test_filled_tetrahedron_has_no_void():
    A = _from_edges(4, {(0, 1): 6, (0, 2): 5, (1, 2): 4, (0, 3): 3, (1, 3): 2, (2, 3): 1})
    c = C.betti_curves(A, maxdim=3)
    np.testing.assert_array_equal(c[2], np.zeros(7, int))
    np.testing.assert_array_equal(c[3], np.zeros(7, int))
    np.testing.assert_array_equal(c[0][-1], 1)
    # all tied: K_4 enters at once, contractible
    c = C.betti_curves(np.ones((4, 4)), maxdim=3)
    np.testing.assert_array_equal(c.betti[:, -1], [1, 0, 0, 0])


def test_hollow_4_cross_polytope_has_beta3():
    A = _cross_polytope(4)  # 8 vertices, 24 edges tied first, then the 4 diagonals (28 pairs)
    c = C.betti_curves(A, maxdim=3)
    np.testing.assert_array_equal(c[3], [0] * 24 + [1, 1, 1, 1, 0])
    np.testing.assert_array_equal(c[2], np.zeros(29, int))
    np.testing.assert_array_equal(c[1], np.zeros(29, int))
    np.testing.assert_array_equal(c.betti, C.betti_curves_ripser(A, maxdim=3).betti)
    np.testing.assert_array_equal(c.betti, C.betti_curves_gudhi(A, maxdim=3).betti)
    assert C.betti_max(A, 3) == 1 and C.starting_density(A, 3) == pytest.approx(24 / 28)


@pytest.mark.parametrize("make", [_random_sym, _geometric, _integer],
                         ids=["random", "geometric", "ties"])
def test_higher_brute_force_small(make):
    rng = np.random.default_rng(21)
    for n in (5, 6, 7, 8):
        A = make(rng, n)
        c = C.betti_curves(A, maxdim=3)
        np.testing.assert_array_equal(c.betti, _brute_betti(A, 3), err_msg=f"{make.__name__} n={n}")
        np.testing.assert_array_equal(C.betti_curves(A, maxdim=2).betti, c.betti[:3])
        np.testing.assert_array_equal(C.betti_curves(A).betti, c.betti[:2])


def _two_spheres_then_noise(rng, n=16):
    """Two octahedra (tied) with a random rest: beta_2 = 2 early, then whatever."""
    A = rng.random((n, n)) * 0.5
    for off in (0, 6):
        for i in range(6):
            for j in range(6):
                if i != j and abs(i - j) != 3:
                    A[off + i, off + j] = 1.0
    return np.triu(A, 1) + np.triu(A, 1).T


@pytest.mark.parametrize("make", [_random_sym, _geometric, _integer, _bipartite_first, _two_spheres_then_noise],
                         ids=["random", "geometric", "ties", "bipartite", "spheres"])
def test_higher_agrees_with_ripser_and_gudhi(make):
    rng = np.random.default_rng(22)
    for n, maxdim in ((12, 3), (16, 3), (22, 3), (30, 2), (45, 2)):
        A = make(rng, n) if make is not _two_spheres_then_noise else make(rng, max(n, 12))
        ours = C.betti_curves(A, maxdim=maxdim)
        assert ours.engine == "numba" and ours.maxdim == maxdim
        np.testing.assert_array_equal(ours.betti, C.betti_curves_ripser(A, maxdim=maxdim).betti,
                                      err_msg=f"{make.__name__} n={n} maxdim={maxdim}")
        if n <= 22:
            np.testing.assert_array_equal(ours.betti, C.betti_curves_gudhi(A, maxdim=maxdim).betti)
            np.testing.assert_array_equal(ours.betti, C.betti_curves(A, maxdim=maxdim, engine="giotto").betti)
        for md in (0.3, 0.6):
            part = C.betti_curves(A, maxdim=maxdim, max_density=md)
            np.testing.assert_array_equal(part.betti, C.betti_curves_ripser(A, maxdim=maxdim, max_density=md).betti)
        g = C.betti_curves(A, maxdim=maxdim, grid=9)
        np.testing.assert_array_equal(g.betti, ours.betti[:, g.edges])


def test_higher_random_40_has_voids_and_matches_ripser():
    A = _random_sym(np.random.default_rng(23), 40)
    ours = C.betti_curves(A, maxdim=3)
    assert ours[2].max() > 0 and ours[3].max() > 0
    np.testing.assert_array_equal(ours.betti, C.betti_curves_ripser(A, maxdim=3).betti)
    assert C.betti_max(A, 2) == ours.maximum(2)
    assert C.starting_density(A, 3) == ours.starting_density(3)


def test_giotto_engine_matches_on_ties_and_partial_range():
    rng = np.random.default_rng(5)
    A = _integer(rng, 18)
    for md in (1.0, 0.4):
        ours = C.betti_curves(A, maxdim=2, max_density=md)
        gio = C.betti_curves_giotto(A, maxdim=2, max_density=md)
        assert gio.engine == "giotto"
        np.testing.assert_array_equal(ours.betti, gio.betti)
    with pytest.raises(ValueError, match="unknown engine"):
        C.betti_curves(A, engine="perseus")


def test_higher_errors():
    with pytest.raises(ValueError, match="square"):
        C.betti_curves(np.zeros((3, 4)), maxdim=2)
    with pytest.raises(ValueError, match="symmetrize_max"):
        C.betti_curves(np.arange(9.0).reshape(3, 3), maxdim=3)
    A = np.ones((4, 4))
    A[0, 1] = A[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        C.betti_curves(A, maxdim=2)
    for bad in (4, -1, 2.5, True, "2"):
        with pytest.raises(ValueError, match="maxdim"):
            C.betti_curves(np.ones((4, 4)), maxdim=bad)
    with pytest.raises(ValueError, match="k must"):
        C.betti_max(np.ones((4, 4)), 4)
