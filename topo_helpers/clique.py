"""Clique topology: Betti curves of the order complex of a symmetric matrix.

This module implements the clique topology of Giusti, Pastalkova, Curto and
Itskov (PNAS 2015) as used by Zhao & Zhang (paper 000 of the book: starting
edge density ``S_k``, Eq 3, and maximum of the Betti curve ``M_k``, Eq 9).

Definitions (the book's conventions, after Giusti et al. 2015 and 000)
---------------------------------------------------------------------------
Let ``A`` be a symmetric ``n x n`` matrix and ``N = n (n - 1) / 2`` the number
of its off-diagonal entries (the diagonal is ignored).

* **Order complex.** The off-diagonal entries enter as edges in *decreasing*
  order of value (for a distance matrix pass its negative). After ``m`` edges
  the complex ``K_m`` is the flag (clique) complex of the graph of those edges
  and the **edge density** is ``rho = m / N``.
* **Ties enter together.** Entries with equal value form one group that enters
  at once: ``K_m`` contains every edge whose group has *completely* entered by
  step ``m``. Concretely each edge gets the filtration value
  ``f(e) = #{e' : A[e'] >= A[e]}`` (the number of edges present once its group
  is in) and ``K_m`` is the flag complex of ``{e : f(e) <= m}``. Inside a tie
  group the Betti numbers are therefore constant (equal to their value before
  the group), and they jump when the group is complete. This matters for
  images (MNIST is full of zeros and saturated pixels).
* **Betti curve.** ``beta_k(m) = dim H_k(K_m; Z/2)`` for ``m = 0 .. N``.
  It is read off the persistence barcode of the filtration ``m -> K_m``:
  ``beta_k(m)`` is the number of bars ``[b, d)`` with ``b <= m < d``.
* **Starting edge density** (Eq 3) ``S_k = min{m / N : beta_k(m) > 0}``.
  When ``beta_k`` never becomes non-zero in the range computed, ``S_k`` is
  **``np.nan``** (the infimum of the empty set is undefined as a density; a
  sentinel like ``1.0`` would silently enter means and histograms, whereas
  NaN is dropped explicitly, e.g. with ``np.isnan``). The ``fill`` argument
  changes this value.
* **Maximum of the Betti curve** (Eq 9) ``M_k = max_m beta_k(m)`` over the
  **whole** density range by default (``max_density=1.0``; CliqueTop's
  default stops at 0.6). ``M_k = 0`` when the curve is identically zero.

Engines
-------
``beta_0`` comes from a union-find pass (Kruskal) over the edges in order.
``beta_1`` comes from two phases written with numba, both exact:

1. a persistent *cohomology* reduction (after Bauer's Ripser) of a prefix of
   the edges: edges are processed from the last to the first, edges that
   merge components are cleared, *apparent pairs* (an edge ``e`` with a
   common neighbour ``k`` such that both ``ik`` and ``jk`` entered before
   ``e``; the class created by ``e`` dies at once) cost one scan, and the
   remaining columns are reduced in a bitset (or a binary heap) over
   triangles encoded canonically as ``(rank of their last edge) * n +
   (opposite vertex)``. Bars that end inside the prefix are exact.
2. a forward pass over the remaining edges (:func:`_tail`) that keeps an
   explicit basis of the cocycles of the live classes as bit rows (one per
   edge), rebuilt from the reduction's log: each triangle beyond the
   apparent one of its last edge either vanishes on every live cocycle or
   kills the youngest class it sees (elder rule).

The reduction is cheap until the long-lived classes of a random matrix start
to die and then turns very expensive (its reduced columns grow to thousands
of triangles), while the forward pass costs about (deaths) x (live classes)
x (edges) / 64 word operations; the prefix ends where the triangles that can
kill a class start to outnumber the births (about half-way to the last
birth for random matrices). Ties are broken by a stable order for the
computation (a refinement of the filtration, which has the same barcode once
zero-length bars are dropped) and mapped back to the tied values ``f`` when
the curve is built.

``beta_2`` and ``beta_3`` (``maxdim=2, 3``) come from :func:`_hq_pairs`, a
persistent-cohomology reduction of the flag filtration in the style of
Ripser (columns: the q-simplices from the last to the first, entries: their
cofaces, pivot: the smallest), also written with numba and exact over Z/2:

* a q-simplex is keyed by ``(rank of its last edge) * n**(q-1) + (its other
  vertices as base-n digits)``, a total order compatible with the filtration;
* *clearing*: the triangles that kill an H1 class (the pivots of the H1
  reduction, :func:`_reduce_bits_piv`) are not reduced in dimension 2, nor
  the tetrahedra that kill an H2 class in dimension 3, so the columns that
  reduce to zero are exactly the essential classes;
* *apparent pairs* (a simplex whose smallest coface has it as largest facet,
  both of the same value) are recognised from the matrix of ranks without
  reducing anything, and their coboundaries are recomputed when needed
  instead of stored;
* the working column is a two-level bitset over all coface keys when they
  fit in 512 MiB (else a binary heap), and the reduced columns of the other
  pairs are stored for later additions.

Its cost grows like the number of q-simplices times ``n`` plus the fill-in
of the reduction: random ``n = 100`` beta_2 takes about 2 s here, ``n = 140``
about 30 s (ripser: about 9 s and 65 s). The reference engines ripser and
gudhi remain available (``engine=``) and the tests check exact agreement.

Public API
----------
:func:`betti_curves`, :class:`BettiCurves`, :func:`order_filtration`,
:func:`starting_density`, :func:`betti_max`, :func:`starting_density_batch`,
:func:`betti_max_batch`, :func:`symmetrize_max`, :func:`symmetrize_sum`,
:func:`betti_curves_ripser`, :func:`betti_curves_gudhi`, :func:`betti_curves_giotto`
(reference engines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numba import njit, prange, types
from numba.typed import Dict

from .validate import integer

__all__ = [
    "BettiCurves",
    "betti_curves",
    "betti_curves_giotto",
    "betti_curves_gudhi",
    "betti_curves_ripser",
    "betti_max",
    "betti_max_batch",
    "order_filtration",
    "starting_density",
    "starting_density_batch",
    "symmetrize_max",
    "symmetrize_sum",
]

Engine = Literal["auto", "numba", "ripser", "gudhi", "giotto"]


# ---------------------------------------------------------------------------
# symmetrisation (Eq 14 and the I + I^T of the MBC section)
# ---------------------------------------------------------------------------
def symmetrize_max(F: np.ndarray) -> np.ndarray:
    """Symmetrise a square array (or a stack of them) by ``max(F, F^T)`` (Eq 14).

    Parameters
    ----------
    F : ndarray, shape (..., n, n)
        Feature map(s); the last two axes are transposed.

    Returns
    -------
    ndarray, shape (..., n, n)
        ``np.maximum(F, F^T)``: the larger of the two entries is kept.
    """
    F = np.asarray(F)
    _check_square(F)
    return np.maximum(F, np.swapaxes(F, -1, -2))


def symmetrize_sum(I: np.ndarray) -> np.ndarray:
    """Symmetrise a square array (or a stack of them) by ``I + I^T``.

    Parameters
    ----------
    I : ndarray, shape (..., n, n)
        Image(s); the last two axes are transposed.

    Returns
    -------
    ndarray, shape (..., n, n)
        ``I + I^T`` (computed in at least ``float64`` for integer input so
        that ``uint8`` images do not overflow).
    """
    I = np.asarray(I)
    _check_square(I)
    if I.dtype.kind in "biu":
        I = I.astype(np.float64)
    return I + np.swapaxes(I, -1, -2)


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------
def _check_square(A: np.ndarray) -> None:
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"expected square matrices (..., n, n), got shape {A.shape}")


def _validate(A: np.ndarray, check_symmetric: bool, batch: bool = False) -> np.ndarray:
    A = np.asarray(A)
    if A.dtype.kind not in "biuf":
        raise TypeError(f"expected a real numeric array, got dtype {A.dtype}")
    A = A.astype(np.float64, copy=False)
    want = 3 if batch else 2
    if A.ndim != want:
        raise ValueError(
            f"expected a {'stack (B, n, n)' if batch else 'square matrix (n, n)'}, got shape {A.shape}"
        )
    _check_square(A)
    if A.shape[-1] < 2:
        raise ValueError(f"need n >= 2 vertices, got shape {A.shape}")
    if np.isnan(A).any():
        raise ValueError("the matrix contains NaN: the order of its entries is undefined")
    if check_symmetric:
        At = np.swapaxes(A, -1, -2)
        same = A == At  # exact, and inf == inf (an infinite pair is symmetric)
        same |= np.eye(A.shape[-1], dtype=bool)  # the diagonal is ignored
        if not np.all(same):
            with np.errstate(invalid="ignore"):
                diff = np.where(same, 0.0, np.abs(A - At))
            raise ValueError(
                "the matrix is not symmetric (max |A - A^T| = "
                f"{np.nanmax(diff) if np.isfinite(diff).any() else np.inf:g}); clique topology needs a "
                "symmetric matrix: symmetrise it first, e.g. with symmetrize_max(A) (Eq 14, "
                "feature maps) or symmetrize_sum(A) (images), or pass check_symmetric=False "
                "to use the upper triangle"
            )
    return A


def _check_maxdim(maxdim: int) -> None:
    if isinstance(maxdim, bool) or not isinstance(maxdim, (int, np.integer)) or not 0 <= maxdim <= 3:
        raise ValueError(f"maxdim must be an integer 1, 2 or 3 (0 gives beta_0 alone), got {maxdim!r}")


def _edge_cap(N: int, max_density: float) -> int:
    if not (0.0 < max_density <= 1.0):
        raise ValueError(f"max_density must lie in (0, 1], got {max_density}")
    return int(np.floor(max_density * N + 1e-9))


# ---------------------------------------------------------------------------
# order filtration
# ---------------------------------------------------------------------------
@njit(cache=True)
def _ranks_kernel(A: np.ndarray):
    """Refined ranks of the upper-triangle entries, in decreasing value order.

    Returns ``R`` (n, n) int64 with ``R[i, j]`` the position (0-based) of edge
    ij in a stable decreasing order (diagonal -1), the edge endpoints
    ``ei, ej`` by position, and ``F`` the tied filtration value of each
    position (1-based count of edges present once its tie group is in).
    """
    n = A.shape[0]
    N = n * (n - 1) // 2
    vals = np.empty(N, np.float64)
    ii = np.empty(N, np.int64)
    jj = np.empty(N, np.int64)
    p = 0
    for i in range(n):
        for j in range(i + 1, n):
            vals[p] = -A[i, j]
            ii[p] = i
            jj[p] = j
            p += 1
    order = np.argsort(vals, kind="mergesort")
    R = np.full((n, n), -1, np.int32)
    ei = np.empty(N, np.int64)
    ej = np.empty(N, np.int64)
    F = np.empty(N, np.int64)
    for r in range(N):
        q = order[r]
        ei[r] = ii[q]
        ej[r] = jj[q]
        R[ii[q], jj[q]] = r
        R[jj[q], ii[q]] = r
    # group ends, scanning backwards
    if N > 0:
        F[N - 1] = N
        for r in range(N - 2, -1, -1):
            if vals[order[r]] == vals[order[r + 1]]:
                F[r] = F[r + 1]
            else:
                F[r] = r + 1
    return R, ei, ej, F


def order_filtration(A: np.ndarray, *, check_symmetric: bool = True) -> np.ndarray:
    """Filtration values of the order complex as a symmetric "distance" matrix.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        Symmetric matrix.
    check_symmetric : bool
        Raise if ``A`` is not exactly symmetric (default).

    Returns
    -------
    D : ndarray, shape (n, n), float64
        ``D[i, j] = f(ij) = #{edges e' : A[e'] >= A[i, j]}`` (ties share the
        value of the end of their group), zero diagonal. The Vietoris-Rips
        (flag) filtration of ``D`` is the order complex: its complex at value
        ``m`` is ``K_m``. Feed it to ripser / gudhi with ``thresh = m``.
    """
    A = _validate(A, check_symmetric)
    R, ei, ej, F = _ranks_kernel(A)
    D = np.zeros(A.shape, np.float64)
    D[ei, ej] = F
    D[ej, ei] = F
    return D


# ---------------------------------------------------------------------------
# numba kernels: union-find, bitsets, heap, H1 cohomology reduction
# ---------------------------------------------------------------------------
def _debruijn_table() -> np.ndarray:
    tab = np.zeros(64, np.int64)
    for i in range(64):
        tab[((1 << i) * 0x03F79D71B4CB0A89 % (1 << 64)) >> 58] = i
    return tab


_DEBRUIJN = _debruijn_table()
_DB_MAGIC = np.uint64(0x03F79D71B4CB0A89)


@njit(cache=True, inline="always")
def _ctz(low: np.uint64) -> int:
    """Index of the single set bit of ``low`` (a power of two)."""
    return _DEBRUIJN[(low * _DB_MAGIC) >> np.uint64(58)]


@njit(cache=True)
def _doubled(a, top):
    """A zero-filled int64 array twice ``a``'s length whose first ``top`` entries are ``a``'s."""
    out = np.zeros(2 * a.shape[0], np.int64)
    out[:top] = a[:top]
    return out


@njit(cache=True)
def _store_column(heap, size, cdata, ctop, cancel):
    """Append a reduced column's keys to ``cdata[ctop:]`` (grown as needed); return ``(cdata, count)``.

    ``cancel``: the keys are a min-heap ``heap[:size]`` whose equal pairs cancel (Z/2); otherwise
    ``heap[:size]`` already holds them increasing and unique. The heap is consumed.
    """
    if ctop + size > cdata.shape[0]:
        tmp = np.empty(2 * (ctop + size), np.int64)
        tmp[:ctop] = cdata[:ctop]
        cdata = tmp
    if not cancel:
        cdata[ctop : ctop + size] = heap[:size]
        return cdata, size
    cnt = 0
    while size > 0:
        top = heap[0]
        size = _heap_pop(heap, size)
        if size > 0 and heap[0] == top:
            size = _heap_pop(heap, size)
            continue
        cdata[ctop + cnt] = top
        cnt += 1
    return cdata, cnt


@njit(cache=True)
def _drain_bits(L0, L1, span, keep, out, top):
    """Clear a two-level bitset column (``L1`` marks the non-zero words of ``L0`` in ``span``).

    When ``keep``, its keys are appended to ``out[top:]`` in increasing order (``out`` doubles as
    needed); returns ``(out, top)``.
    """
    one = np.uint64(1)
    for s in range(span[0], span[1] + 1):
        y = L1[s]
        while y != 0:
            low = y & (~y + one)
            y ^= low
            w = s * 64 + _ctz(low)
            x = L0[w]
            if keep:
                while x != 0:
                    lb = x & (~x + one)
                    x ^= lb
                    if top == out.shape[0]:
                        tmp = np.empty(max(2 * top, 16), np.int64)
                        tmp[:top] = out[:top]
                        out = tmp
                    out[top] = w * 64 + _ctz(lb)
                    top += 1
            L0[w] = 0
        L1[s] = 0
    return out, top


@njit(cache=True, inline="always")
def _find(parent: np.ndarray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True, inline="always")
def _popcount(x: np.uint64) -> int:
    """Number of set bits of a 64-bit word (SWAR)."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


# The reduced prefix ends at the first edge where the triangles that can kill a class outnumber
# _HEAD_RATIO times the births so far (plus n): see _forward and _h1_deaths.
_HEAD_RATIO = 0.35
# Memory allowed to the bit matrices of the tail (bytes); past it the reduced prefix grows instead.
_TAIL_BYTES = 1 << 31


@njit(cache=True)
def _adjacency_bits(ei: np.ndarray, ej: np.ndarray, n: int, T: int) -> np.ndarray:
    """Bit rows of the graph of the first ``T`` edges: bit ``j`` of row ``i`` set iff edge ij is in."""
    one = np.uint64(1)
    adj = np.zeros((n, (n + 63) // 64), np.uint64)
    for r in range(T):
        i = ei[r]
        j = ej[r]
        adj[i, j >> 6] |= one << np.uint64(j & 63)
        adj[j, i >> 6] |= one << np.uint64(i & 63)
    return adj


@njit(cache=True)
def _forward(ei: np.ndarray, ej: np.ndarray, n: int, T: int):
    """One pass over the first T edges in order (union-find + adjacency bitsets).

    Returns ``mst`` (1 for edges joining two components: H0 deaths),
    ``app_k`` (for a cycle-closing edge ij: the smallest common neighbour k
    with ik and jk already present, else -1; the H1 class born at such an
    edge dies at once), the first and last cycle-closing edges without
    such a k (-1 if none), and ``t1``, the suggested length of the prefix
    reduced by :func:`_reduce_bits` before :func:`_tail` takes over: the
    first edge where the *relations* so far (triangles beyond the first one
    of their last edge: the only places where a class can die) exceed
    ``_HEAD_RATIO`` times the births so far plus ``n``; ``-1`` if that never
    happens. Random matrices cross it a little before their deaths begin
    in earnest, which is where the reduction turns expensive.
    """
    W = (n + 63) // 64
    adj = np.zeros((n, W), np.uint64)
    parent = np.arange(n)
    mst = np.zeros(T, np.uint8)
    app_k = np.full(T, -1, np.int64)
    first = -1
    last = -1
    t1 = -1
    births = 0
    rels = 0
    one = np.uint64(1)
    for r in range(T):
        i = ei[r]
        j = ej[r]
        a = _find(parent, i)
        b = _find(parent, j)
        if a != b:
            parent[a] = b
            mst[r] = 1
        else:
            k = -1
            cnt = 0
            for w in range(W):
                x = adj[i, w] & adj[j, w]
                if x != 0:
                    if k < 0:
                        k = w * 64 + _ctz(x & (~x + one))
                        if t1 >= 0:
                            break
                    cnt += _popcount(x)
            if k >= 0:
                app_k[r] = k
            else:
                if first < 0:
                    first = r
                last = r
            if t1 < 0:
                if cnt == 0:
                    births += 1
                else:
                    rels += cnt - 1
                    if rels > _HEAD_RATIO * births + n:
                        t1 = r
        adj[i, j >> 6] |= one << np.uint64(j & 63)
        adj[j, i >> 6] |= one << np.uint64(i & 63)
    return mst, app_k, first, last, t1


@njit(cache=True)
def _heap_push(heap: np.ndarray, size: int, key: int):
    if size == heap.shape[0]:
        new = np.empty(2 * heap.shape[0], np.int64)
        new[:size] = heap[:size]
        heap = new
    pos = size
    while pos > 0:
        par = (pos - 1) >> 1
        if heap[par] > key:
            heap[pos] = heap[par]
            pos = par
        else:
            break
    heap[pos] = key
    return heap, size + 1


@njit(cache=True, inline="always")
def _heap_pop(heap: np.ndarray, size: int) -> int:
    """Remove the minimum (assumes size > 0); returns the new size."""
    size -= 1
    last = heap[size]
    pos = 0
    while True:
        c = 2 * pos + 1
        if c >= size:
            break
        if c + 1 < size and heap[c + 1] < heap[c]:
            c += 1
        if heap[c] < last:
            heap[pos] = heap[c]
            pos = c
        else:
            break
    if size > 0:
        heap[pos] = last
    return size


@njit(cache=True)
def _push_coboundary(heap, size, adj, R, i, j, r, n, W):
    """Push the triangles {i, j, k} of edge ij (position r) present in the bitsets.

    A triangle is keyed ``(position of its last edge) * n + (opposite vertex)``:
    unique, and ordered like the (refined) filtration.
    """
    one = np.uint64(1)
    Ri = R[i]
    Rj = R[j]
    for w in range(W):
        x = adj[i, w] & adj[j, w]
        while x != 0:
            low = x & (~x + one)
            x ^= low
            k = w * 64 + _ctz(low)
            a = Ri[k]
            b = Rj[k]
            if a > r or b > r:
                if a > b:
                    key = a * n + j
                else:
                    key = b * n + i
            else:
                key = r * n + k
            heap, size = _heap_push(heap, size, key)
    return heap, size


@njit(cache=True)
def _get_pivot(heap, size):
    """Cancel pairs (Z/2) at the top; return (pivot or -1, heap, size); the pivot stays."""
    while size > 0:
        top = heap[0]
        size = _heap_pop(heap, size)
        if size > 0 and heap[0] == top:
            size = _heap_pop(heap, size)
            continue
        heap, size = _heap_push(heap, size, top)
        return top, heap, size
    return -1, heap, size


@njit(cache=True)
def _reduce(R, ei, ej, n, Tp, mst, app_k, lg):
    """Persistent H1 cohomology of the flag filtration of the first Tp edges.

    Columns are the edges from the last to the first; H0 deaths are cleared
    and apparent pairs (``app_k >= 0``) are recorded without work. Returns
    ``(death, lg_start, lg_len, size)``: ``death`` (length Tp) is, for a
    cycle-closing edge r, the position of the last edge of the triangle
    killing its class, ``Tp`` if it survives the range, -1 for H0 deaths;
    the *reduction log* of column r is ``lg[lg_start[r] : lg_start[r] +
    lg_len[r]]``: the columns added to it, ``o >= 0`` for the stored reduced
    column of edge ``o`` and ``-1 - d`` for the coboundary of the apparent
    edge ``d``. The cochain of column r is ``e_r`` plus those (expanded
    recursively): :func:`_tail` rebuilds the surviving cocycles from it.
    ``lg`` is a buffer supplied by the caller and ``size`` the length the
    whole log needs: when it exceeds ``len(lg)`` the log is incomplete (the
    results are not) and the caller reruns with a larger buffer if it needs
    the log. (A buffer grown inside the loop slows the reduction by 2-3x.)
    """
    W = (n + 63) // 64
    adj = _adjacency_bits(ei, ej, n, Tp)
    death = np.full(Tp, -1, np.int64)
    dense = Tp * n <= (1 << 24)
    own_dense = np.full(Tp * n if dense else 1, -1, np.int32)
    own_dict = Dict.empty(key_type=types.int64, value_type=types.int64)
    c_start = np.zeros(Tp, np.int64)
    c_len = np.zeros(Tp, np.int64)
    cdata = np.empty(max(64, 4 * n), np.int64)
    ctop = 0
    heap = np.empty(max(64, 4 * n), np.int64)
    lg_start = np.zeros(Tp, np.int64)
    lg_len = np.zeros(Tp, np.int64)
    ltop = 0
    for r in range(Tp - 1, -1, -1):
        if mst[r]:
            continue
        if app_k[r] >= 0:
            death[r] = r
            continue
        lg_start[r] = ltop
        size = 0
        heap, size = _push_coboundary(heap, size, adj, R, ei[r], ej[r], r, n, W)
        piv, heap, size = _get_pivot(heap, size)
        while piv >= 0:
            d = piv // n
            opp = piv - d * n
            if app_k[d] == opp:
                heap, size = _push_coboundary(heap, size, adj, R, ei[d], ej[d], d, n, W)
                if ltop < lg.shape[0]:
                    lg[ltop] = -1 - d
                ltop += 1
            else:
                if dense:
                    owner = own_dense[piv]
                elif piv in own_dict:
                    owner = own_dict[piv]
                else:
                    owner = -1
                if owner < 0:
                    break
                if ltop < lg.shape[0]:
                    lg[ltop] = owner
                ltop += 1
                s0 = c_start[owner]
                for q in range(c_len[owner]):
                    heap, size = _heap_push(heap, size, cdata[s0 + q])
            piv, heap, size = _get_pivot(heap, size)
        lg_len[r] = ltop - lg_start[r]
        if piv < 0:
            death[r] = Tp
            continue
        death[r] = piv // n
        if dense:
            own_dense[piv] = r
        else:
            own_dict[piv] = r
        # store the reduced column (sorted, pairs cancelled) for later additions
        c_start[r] = ctop
        cdata, cnt = _store_column(heap, size, cdata, ctop, True)
        c_len[r] = cnt
        ctop += cnt
    return death, lg_start, lg_len, ltop


@njit(cache=True, inline="always")
def _toggle(L0, L1, x, span):
    """Flip key x in the two-level bitset (L1 marks words that may be non-zero)."""
    one = np.uint64(1)
    w = x >> 6
    L0[w] ^= one << np.uint64(x & 63)
    s = w >> 6
    L1[s] |= one << np.uint64(w & 63)
    if s < span[0]:
        span[0] = s
    if s > span[1]:
        span[1] = s


@njit(cache=True)
def _xor_coboundary(L0, L1, span, adj, R, i, j, r, n, W):
    """Add the coboundary of edge ij (position r) to the bitset column (Z/2)."""
    one = np.uint64(1)
    Ri = R[i]
    Rj = R[j]
    for w in range(W):
        x = adj[i, w] & adj[j, w]
        while x != 0:
            low = x & (~x + one)
            x ^= low
            k = w * 64 + _ctz(low)
            a = Ri[k]
            b = Rj[k]
            if a > r or b > r:
                if a > b:
                    key = a * n + j
                else:
                    key = b * n + i
            else:
                key = r * n + k
            _toggle(L0, L1, key, span)


@njit(cache=True)
def _first_key(L0, L1, start):
    """Smallest set key >= start (word granularity), or -1; prunes stale L1 bits."""
    one = np.uint64(1)
    w0 = start >> 6
    s = w0 >> 6
    mask = ~((one << np.uint64(w0 & 63)) - one)
    nS = L1.shape[0]
    while s < nS:
        y = L1[s] & mask
        while y != 0:
            low = y & (~y + one)
            y ^= low
            w = s * 64 + _ctz(low)
            x = L0[w]
            if x != 0:
                return w * 64 + _ctz(x & (~x + one))
            L1[s] &= ~low
        mask = ~np.uint64(0)
        s += 1
    return -1


@njit(cache=True)
def _reduce_bits(R, ei, ej, n, Tp, mst, app_k, lg):
    """As :func:`_reduce` (same results), with the working column a two-level bitset over all keys."""
    return _reduce_bits_piv(R, ei, ej, n, Tp, mst, app_k, lg, np.empty(0, np.int64))


@njit(cache=True)
def _reduce_bits_piv(R, ei, ej, n, Tp, mst, app_k, lg, pv):
    """:func:`_reduce_bits`, also writing the pivot triangle key of column r to ``pv[r]``.

    ``pv`` has length ``Tp`` (or 0: not written); entries of columns without a reduced pivot
    (H0 deaths, apparent pairs, essential classes) are left untouched. The pivots are the
    triangles that kill an H1 class (other than apparent ones): the clearing list of the
    dimension-2 reduction (:func:`_hq_pairs`).
    """
    W = (n + 63) // 64
    adj = _adjacency_bits(ei, ej, n, Tp)
    K = Tp * n
    n0 = (K + 63) // 64
    L0 = np.zeros(n0, np.uint64)
    L1 = np.zeros((n0 + 63) // 64, np.uint64)
    span = np.zeros(2, np.int64)
    death = np.full(Tp, -1, np.int64)
    dense = K <= (1 << 26)
    own_dense = np.full(K if dense else 1, -1, np.int32)
    own_dict = Dict.empty(key_type=types.int64, value_type=types.int64)
    c_start = np.zeros(Tp, np.int64)
    c_len = np.zeros(Tp, np.int64)
    cdata = np.empty(max(64, 4 * n), np.int64)
    ctop = 0
    lg_start = np.zeros(Tp, np.int64)
    lg_len = np.zeros(Tp, np.int64)
    ltop = 0
    for r in range(Tp - 1, -1, -1):
        if mst[r]:
            continue
        if app_k[r] >= 0:
            death[r] = r
            continue
        lg_start[r] = ltop
        span[0] = L1.shape[0]
        span[1] = -1
        _xor_coboundary(L0, L1, span, adj, R, ei[r], ej[r], r, n, W)
        piv = _first_key(L0, L1, r * n)
        while piv >= 0:
            d = piv // n
            opp = piv - d * n
            if app_k[d] == opp:
                _xor_coboundary(L0, L1, span, adj, R, ei[d], ej[d], d, n, W)
                if ltop < lg.shape[0]:
                    lg[ltop] = -1 - d
                ltop += 1
            else:
                if dense:
                    owner = own_dense[piv]
                elif piv in own_dict:
                    owner = own_dict[piv]
                else:
                    owner = -1
                if owner < 0:
                    break
                if ltop < lg.shape[0]:
                    lg[ltop] = owner
                ltop += 1
                s0 = c_start[owner]
                for q in range(c_len[owner]):
                    _toggle(L0, L1, cdata[s0 + q], span)
            piv = _first_key(L0, L1, piv)
        lg_len[r] = ltop - lg_start[r]
        if piv < 0:
            death[r] = Tp
        else:
            death[r] = piv // n
            if pv.shape[0] > 0:
                pv[r] = piv
            if dense:
                own_dense[piv] = r
            else:
                own_dict[piv] = r
            c_start[r] = ctop
        # extract (if paired) and clear the column
        cdata, ctop = _drain_bits(L0, L1, span, piv >= 0, cdata, ctop)
        if piv >= 0:
            c_len[r] = ctop - c_start[r]
    return death, lg_start, lg_len, ltop


@njit(cache=True)
def _tail(R: np.ndarray, ei: np.ndarray, ej: np.ndarray, n: int, T: int, T1: int, last: int,
          mst: np.ndarray, app_k: np.ndarray, dhead: np.ndarray, lg_start: np.ndarray,
          lg_len: np.ndarray, lg: np.ndarray, death: np.ndarray) -> None:
    """Deaths of the classes alive at ``T1`` and of the later births, edge by edge (forward).

    A basis of ``H^1(K_T1)`` is given by the cocycles of the columns that
    the truncated reduction left essential (``dhead[r] >= T1``); their values
    on every edge are rebuilt from the reduction log (column ``r``'s cochain
    is ``e_r`` plus the logged apparent edges and the cochains of the logged
    columns) and kept as bit rows ``val[f]`` (bit ``a`` = value of basis
    cocycle ``a`` on edge ``f``). Then the edges ``m = T1, T1 + 1, ...``
    enter one at a time, with the triangles whose last edge they are:

    * an edge joining two components gets the value 0;
    * an edge without a common neighbour below it is a birth: a new basis
      cocycle, its indicator;
    * otherwise the edge ``ij`` takes the value of ``ik0 + k0j`` for its
      apparent neighbour ``k0`` (the apparent triangle; its class dies at
      once) and every other triangle ``ijk`` imposes ``val[ij] + val[ik] +
      val[jk] = 0``: a non-zero left side ``v`` is a class of ``H_1`` that
      becomes a boundary. By the elder rule the youngest class ``b`` in
      ``v`` dies at ``m``, and the basis becomes ``phi_a + v_a phi_b``
      (``a != b``), which vanishes on the new boundary, stays dual to the
      other classes and compatible with the birth order (``phi_b`` is younger
      than every ``phi_a`` it is added to); bit ``b`` is then refilled by the
      last bit so that the rows stay ``ceil(s / 64)`` words long.

    A column index (``col[a]``: bitset of the rows whose bit ``a`` is set)
    lets an update touch only the rows with bit ``b`` and the columns in
    ``v`` (for random matrices a few per cent of the rows and of the live
    classes) instead of sweeping every row. The loop stops once no class is
    alive after the last birth (``last``). ``death`` (length ``T``) receives
    the deaths of those classes (``T`` if they survive every edge); it is
    written in place. Memory: two bit matrices of (edges) x (live classes).
    """
    one = np.uint64(1)
    s = 0
    for r in range(T1):
        if dhead[r] >= T1:
            s += 1
    nb = 0
    for r in range(T1, min(T, last + 1)):
        if mst[r] == 0 and app_k[r] < 0:
            nb += 1
    S = max(1, (s + nb + 63) // 64)
    rows = min(T, max(T1, last + 1) + (last + 1) // 4 + n)  # grown below if the tail runs longer
    val = np.zeros((rows, S), np.uint64)
    label = np.empty(max(1, s + nb), np.int64)
    a = 0
    for r in range(T1):
        if dhead[r] >= T1:
            label[a] = r
            death[r] = T
            val[r, a >> 6] |= one << np.uint64(a & 63)
            a += 1
    # expand the reduction log (owners have larger positions: one increasing pass)
    for r in range(T1):
        if mst[r] or app_k[r] >= 0:
            continue
        nz = False
        for w in range(S):
            if val[r, w] != 0:
                nz = True
                break
        if not nz:
            continue
        for q in range(lg_start[r], lg_start[r] + lg_len[r]):
            x = lg[q]
            f = x if x >= 0 else -1 - x
            for w in range(S):
                val[f, w] ^= val[r, w]
    W = (n + 63) // 64
    adj = _adjacency_bits(ei, ej, n, T1)
    # column index: col[a] = bitset of the rows (edges) whose bit a is set
    RW = (rows + 63) // 64
    col = np.zeros((64 * S, RW), np.uint64)
    for f in range(T1):
        for w in range(S):
            y = val[f, w]
            while y != 0:
                lb = y & (~y + one)
                y ^= lb
                col[w * 64 + _ctz(lb), f >> 6] |= one << np.uint64(f & 63)
    v = np.zeros(S, np.uint64)
    Sc = (s + 63) // 64
    for m in range(T1, T):
        if s == 0 and m > last:
            break
        if m == val.shape[0]:
            rows = min(T, m + m // 2 + 1)
            tmp = np.zeros((rows, S), np.uint64)
            tmp[:m] = val[:m]
            val = tmp
            tmc = np.zeros((64 * S, (rows + 63) // 64), np.uint64)
            tmc[:, :RW] = col
            col = tmc
            RW = (rows + 63) // 64
        i = ei[m]
        j = ej[m]
        mw = m >> 6
        mm = one << np.uint64(m & 63)
        if mst[m] == 0:
            k0 = app_k[m]
            if k0 < 0:  # birth
                label[s] = m
                death[m] = T
                val[m, s >> 6] |= one << np.uint64(s & 63)
                col[s, mw] |= mm
                s += 1
                Sc = (s + 63) // 64
            elif s > 0:
                p0 = R[i, k0]
                q0 = R[j, k0]
                for w in range(Sc):
                    y = val[p0, w] ^ val[q0, w]
                    val[m, w] = y
                    while y != 0:
                        lb = y & (~y + one)
                        y ^= lb
                        col[w * 64 + _ctz(lb), mw] |= mm
                nwr = mw + 1  # words of the row bitsets in use
                for w0 in range(W):
                    x = adj[i, w0] & adj[j, w0]
                    while x != 0 and s > 0:
                        low = x & (~x + one)
                        x ^= low
                        k = w0 * 64 + _ctz(low)
                        if k == k0:
                            continue
                        p = R[i, k]
                        q = R[j, k]
                        nz = False
                        for w in range(Sc):
                            y = val[m, w] ^ val[p, w] ^ val[q, w]
                            v[w] = y
                            if y != 0:
                                nz = True
                        if not nz:
                            continue
                        # the youngest class in v dies at m
                        bb = -1
                        best = -1
                        for w in range(Sc):
                            y = v[w]
                            while y != 0:
                                lb = y & (~y + one)
                                y ^= lb
                                bit = w * 64 + _ctz(lb)
                                if label[bit] > best:
                                    best = label[bit]
                                    bb = bit
                        death[best] = m
                        # phi_a += phi_b for a in v: rows with bit bb get v; columns a get col[bb]
                        for u in range(nwr):
                            y = col[bb, u]
                            while y != 0:
                                lb = y & (~y + one)
                                y ^= lb
                                f = u * 64 + _ctz(lb)
                                for w in range(Sc):
                                    val[f, w] ^= v[w]
                        for w in range(Sc):
                            y = v[w]
                            while y != 0:
                                lb = y & (~y + one)
                                y ^= lb
                                a = w * 64 + _ctz(lb)
                                if a != bb:
                                    for u in range(nwr):
                                        col[a, u] ^= col[bb, u]
                        for u in range(nwr):
                            col[bb, u] = 0
                        # refill bit bb with the last bit
                        top = s - 1
                        if top != bb:
                            wb = bb >> 6
                            mb = one << np.uint64(bb & 63)
                            wt = top >> 6
                            mt = one << np.uint64(top & 63)
                            for u in range(nwr):
                                y = col[top, u]
                                col[bb, u] = y
                                col[top, u] = 0
                                while y != 0:
                                    lb = y & (~y + one)
                                    y ^= lb
                                    f = u * 64 + _ctz(lb)
                                    val[f, wt] ^= mt
                                    val[f, wb] |= mb
                            label[bb] = label[top]
                        s -= 1
                        Sc = (s + 63) // 64
        adj[i, j >> 6] |= one << np.uint64(j & 63)
        adj[j, i >> 6] |= one << np.uint64(i & 63)


@njit(cache=True)
def _h1_deaths(R: np.ndarray, ei: np.ndarray, ej: np.ndarray, n: int, T: int, t1: int = -1,
               tail_bytes: int = _TAIL_BYTES, log_size: int = -1):
    """Persistent H0/H1 of the flag filtration of the first T edges (refined order).

    Returns ``(mst, death)``: ``mst[r] = 1`` for edges that kill an H0 class;
    for the other edges ``death[r]`` is the position of the last edge of the
    triangle that kills the H1 class born at ``r`` (``== r``: dies at once),
    or ``T`` if it survives to the end of the range (elder-rule pairs).

    Two phases. (1) The cohomology reduction (:func:`_reduce_bits`) runs on
    the truncated range of the first ``T1`` edges: bars that end before
    ``T1`` are exact there (the barcode of a prefix of a filtration is the
    restriction of the barcode). (2) :func:`_tail` finds the deaths of the
    classes alive at ``T1`` and of the later births by a forward pass over
    the edges with an explicit cocycle basis. The reduction is cheap while
    few classes die and turns very expensive where the long-lived classes
    of a random matrix die (its reduced columns grow to thousands of
    triangles and are added hundreds of times each); the tail costs about
    (deaths) x (live classes) x (edges) / 64 word operations and is cheap
    there. ``T1`` is where the relations start to outnumber the births
    (``t1`` of :func:`_forward`; random matrices: about half-way to the last
    birth, where beta_1 is near its maximum), else just after the last
    birth.

    Parameters
    ----------
    R, ei, ej : ndarray
        Refined ranks and edge endpoints from :func:`_ranks_kernel`.
    n, T : int
        Number of vertices and of edges in the range.
    t1 : int
        Length of the reduced prefix; ``-1`` (default) chooses it as above.
        Any value gives the same pairs (the tests use that); it only moves
        work between the two phases.
    tail_bytes : int
        Memory allowed to the two bit matrices of the tail; when the live
        classes need more, the prefix grows (by a quarter past the last
        birth, then by quarters) and the reduction reruns.
    log_size : int
        Initial length of the reduction-log buffer (``-1``: ``16 T1 + 1024``);
        a reduction whose log does not fit reruns once with the exact size.

    Returns
    -------
    mst : ndarray, shape (T,), uint8
    death : ndarray, shape (T,), int64
    """
    mst, app_k, first, last, t1_auto = _forward(ei, ej, n, T)
    death = np.full(T, -1, np.int64)
    for r in range(T):
        if app_k[r] >= 0:
            death[r] = r
    if last < 0:
        return mst, death
    if t1 >= 0:
        T1 = t1
    elif t1_auto >= 0:
        T1 = min(t1_auto, last + 1)
    else:
        T1 = last + 1
    T1 = min(max(T1, 1), T)
    lg = np.empty(16 * T1 + 1024 if log_size < 0 else log_size, np.int64)
    while True:
        if T1 * n <= (1 << 32):  # bitset column: at most 512 MiB
            d, lg_start, lg_len, size = _reduce_bits(R, ei, ej, n, T1, mst, app_k, lg)
        else:
            d, lg_start, lg_len, size = _reduce(R, ei, ej, n, T1, mst, app_k, lg)
        if T1 >= T:
            break
        # the tail keeps two bit matrices of (edges) x (live classes): grow the prefix if too big
        live = 0
        for r in range(T1):
            if d[r] >= T1:
                live += 1
        for r in range(T1, min(T, last + 1)):
            if mst[r] == 0 and app_k[r] < 0:
                live += 1
        rows = min(T, max(T1, last + 1) + (last + 1) // 4 + n)
        if 16 * rows * ((live + 63) // 64) <= tail_bytes:
            if size <= lg.shape[0] or (live == 0 and T1 > last):
                break
            lg = np.empty(size, np.int64)  # the tail needs the whole log: rerun with room for it
            continue
        T1 = min(T, last + 1 + (last + 1) // 4 + n if T1 <= last else T1 + T1 // 4)
        lg = np.empty(16 * T1 + 1024, np.int64)
    alive = False
    for r in range(T1):
        if d[r] >= 0:
            death[r] = d[r]
            if d[r] >= T1:
                alive = True
    if T1 < T and (alive or T1 <= last):
        _tail(R, ei, ej, n, T, T1, last, mst, app_k, d, lg_start, lg_len, lg, death)
    else:
        for r in range(T1):
            if d[r] >= T1:
                death[r] = T
    return mst, death


@njit(cache=True)
def _curves_from_pairs(mst, death, F, n, M, T):
    """beta_0 and beta_1 at m = 0..M from the refined pairs, mapped to tied values F."""
    b0 = np.zeros(M + 2, np.int64)
    b1 = np.zeros(M + 2, np.int64)
    b0[0] += n
    for r in range(T):
        if mst[r]:
            b0[F[r]] -= 1
        else:
            d = death[r]
            fb = F[r]
            fd = M + 1 if d >= T else F[d]
            if fd > fb:
                b1[fb] += 1
                b1[fd] -= 1
    return np.cumsum(b0)[: M + 1], np.cumsum(b1)[: M + 1]


@njit(cache=True)
def _s1_from_pairs(mst, death, F, T):
    """Smallest tied birth of an H1 bar of positive (tied) length, or -1."""
    for r in range(T):  # F is non-decreasing in r: the first hit is the minimum
        if mst[r]:
            continue
        d = death[r]
        if d >= T or F[d] > F[r]:
            return F[r]
    return -1


@njit(cache=True)
def _one_matrix(A, cap, want_s1, want_m1):
    """(S_1 as an edge count or -1, M_1) of one matrix; cap = largest edge count.

    S_1 alone uses a forward scan: before the first cycle-closing edge r*
    without a triangle below it, beta_1 = 0 at every step (a cycle-closing
    edge with a common neighbour below is homologous to the two-edge path
    through it); r* makes beta_1 > 0 right after it. If r* ends its tie group
    that is exact; otherwise later edges of the group might kill the class
    and the persistence computation decides.
    """
    n = A.shape[0]
    R, ei, ej, F = _ranks_kernel(A)
    N = ei.shape[0]
    T = 0
    while T < N and F[T] <= cap:
        T += 1
    s1 = -1
    m1 = 0
    if want_s1 and not want_m1:
        mst, app_k, first, last, t1_auto = _forward(ei, ej, n, T)
        if first < 0:
            return -1, 0
        if F[first] == first + 1:
            return F[first], 0
    mst, death = _h1_deaths(R, ei, ej, n, T)
    if want_s1:
        s1 = _s1_from_pairs(mst, death, F, T)
    if want_m1:
        b0, b1 = _curves_from_pairs(mst, death, F, n, cap, T)
        m1 = b1.max()
    return s1, m1


@njit(cache=True, parallel=True)
def _batch_kernel(stack, cap, want_s1, want_m1):
    B = stack.shape[0]
    s = np.empty(B, np.int64)
    m = np.empty(B, np.int64)
    for b in prange(B):
        s1, m1 = _one_matrix(stack[b], cap, want_s1, want_m1)
        s[b] = s1
        m[b] = m1
    return s, m


# ---------------------------------------------------------------------------
# higher dimensions: persistent H_2 / H_3 cohomology of the flag complex (numba)
# ---------------------------------------------------------------------------
# A q-simplex (q >= 1) is stored by its vertices ``vs``: ``vs[0], vs[1]`` the endpoints of its
# last edge (the one of largest refined rank r, i.e. its filtration value) and ``vs[2:q+1]`` the
# other vertices ("remainder") in increasing order. Its key is ``r * n**(q-1) + code`` with
# ``code`` the remainder read as q-1 digits in base n: keys are unique and ordered by
# (filtration value, remainder lexicographically), a total order compatible with the filtration
# inside each dimension (for a triangle this is the key of the beta_1 engine, ``r * n + k``).


@njit(cache=True)
def _decode(key: int, q: int, n: int, npq: int, ei: np.ndarray, ej: np.ndarray, vs: np.ndarray) -> int:
    """Vertices of the q-simplex ``key`` into ``vs`` (``npq = n**(q-1)``); returns its last edge."""
    r = key // npq
    c = key - r * npq
    vs[0] = ei[r]
    vs[1] = ej[r]
    for t in range(q, 1, -1):
        vs[t] = c % n
        c //= n
    return r


@njit(cache=True)
def _negative_apparent(vs: np.ndarray, q: int, r: int, R: np.ndarray) -> bool:
    """Whether the q-simplex ``vs`` (q >= 2, last edge r) is the coface of an apparent pair.

    Its largest facet of the same value is ``s = vs minus vs[2]`` (dropping the smallest
    remainder vertex gives the lexicographically largest remainder); the pair ``(s, vs)`` is
    apparent iff ``vs`` is the smallest coface of ``s``: no vertex ``v < vs[2]`` outside
    ``vs`` is joined to every vertex of ``s`` by edges entering before r. Apparent pairs are
    persistence pairs (Bauer, Ripser, 2021), of length zero.
    """
    c1 = vs[2]
    for v in range(c1):
        inside = False
        for t in range(q + 1):
            if vs[t] == v:
                inside = True
                break
        if inside:
            continue
        ok = True
        for t in range(q + 1):
            if t == 2:
                continue
            if R[vs[t], v] >= r:
                ok = False
                break
        if ok:
            return False
    return True


@njit(cache=True)
def _positive_apparent(vs: np.ndarray, q: int, r: int, R: np.ndarray) -> bool:
    """Whether the q-simplex ``vs`` (last edge r) is the face of an apparent pair.

    Its smallest coface is ``vs + v`` for the smallest vertex ``v`` joined to all of ``vs``
    by edges entering before r (same value, smallest remainder); the pair is apparent iff
    ``vs`` is the largest facet of that coface, i.e. ``v < vs[2]``.
    """
    for v in range(vs[2]):
        ok = True
        for t in range(q + 1):
            e = R[vs[t], v]
            if e < 0 or e >= r:  # e < 0: v is a vertex of vs (diagonal)
                ok = False
                break
        if ok:
            return True
    return False


@njit(cache=True)
def _push_cob_q(heap, size, adj, R, vs, q, r, n, W, npq1, tmp, buf):
    """Push the keys of the cofaces of the q-simplex ``vs`` (last edge r) onto the heap."""
    cnt = _cob_keys_q(adj, R, vs, q, r, n, W, npq1, tmp, buf)
    for z in range(cnt):
        heap, size = _heap_push(heap, size, buf[z])
    return heap, size


@njit(cache=True)
def _xor_cob_q(L0, L1, span, adj, R, vs, q, r, n, W, npq1, tmp, buf):
    """Add the coboundary of the q-simplex ``vs`` to the bitset column (Z/2)."""
    cnt = _cob_keys_q(adj, R, vs, q, r, n, W, npq1, tmp, buf)
    for z in range(cnt):
        _toggle(L0, L1, buf[z], span)


@njit(cache=True)
def _cob_keys_q(adj, R, vs, q, r, n, W, npq1, tmp, buf):
    """Keys of the (q+1)-cofaces of the q-simplex ``vs`` (last edge r) into ``buf``; returns their number.

    ``npq1 = n**q``. The cofaces are ``vs + v`` for the common neighbours ``v`` of all of
    ``vs`` (bitsets ``adj`` of the edges in range); the last edge of ``vs + v`` is ``r``
    when every ``R[u, v] < r``, else the edge ``(u, v)`` of largest rank.
    """
    one = np.uint64(1)
    cnt = 0
    for w in range(W):
        x = adj[vs[0], w]
        for t in range(1, q + 1):
            x &= adj[vs[t], w]
        while x != 0:
            low = x & (~x + one)
            x ^= low
            v = w * 64 + _ctz(low)
            m = -1
            us = -1
            for t in range(q + 1):
                e = R[vs[t], v]
                if e > m:
                    m = e
                    us = t
            code = 0
            if m < r:  # same last edge: remainder + v
                placed = False
                for t in range(2, q + 1):
                    c = vs[t]
                    if not placed and v < c:
                        code = code * n + v
                        placed = True
                    code = code * n + c
                if not placed:
                    code = code * n + v
                key = r * npq1 + code
            else:  # new last edge (vs[us], v): remainder = vs minus vs[us], sorted
                p = 0
                for t in range(q + 1):
                    if t != us:
                        c = vs[t]
                        z = p
                        while z > 0 and tmp[z - 1] > c:
                            tmp[z] = tmp[z - 1]
                            z -= 1
                        tmp[z] = c
                        p += 1
                for t in range(q):
                    code = code * n + tmp[t]
                key = m * npq1 + code
            buf[cnt] = key
            cnt += 1
    return cnt


@njit(cache=True)
def _hq_pairs(R: np.ndarray, ei: np.ndarray, ej: np.ndarray, n: int, T: int, q: int,
              cleared: np.ndarray, use_bits: bool = False):
    """Persistent cohomology in dimension q (2 or 3) of the flag filtration of the first T edges.

    Standard persistent-cohomology reduction with a twist (Ripser's scheme): the
    q-simplices are the columns, taken in decreasing key order; a column's entries are the
    keys of its (q+1)-cofaces and its pivot is the smallest one; a column is reduced by
    adding the stored reduced column owning its pivot until the pivot is new or the column
    is zero (Z/2). Shortcuts, none of which changes the pairs:

    * columns listed in ``cleared`` (sorted decreasingly: the pivots of the dimension q-1
      reduction, i.e. q-simplices that kill a (q-1)-class) are skipped (clearing);
    * columns that are the coface of an apparent pair (:func:`_negative_apparent`) are
      skipped, and columns that are the face of one (:func:`_positive_apparent`) are a
      zero-length pair: nothing to reduce. Their coboundary, when another column's pivot
      is such a coface, is recomputed instead of stored.

    Returns ``(birth, death, pivots, zero)``: ``birth[p], death[p]`` the last edges of the
    q-simplex and of the (q+1)-simplex of each pair found by reduction (apparent pairs, of
    length zero, are not listed), ``pivots`` their (q+1)-simplex keys (the clearing list of
    dimension q+1, unsorted), ``zero[r]`` the number of columns with last edge r that
    reduced to zero: essential q-classes when ``cleared`` lists every non-apparent
    q-simplex that kills a (q-1)-class (otherwise those reduce to zero as well).

    The working column is a binary heap of keys (pairs cancel when popped), or with
    ``use_bits`` a two-level bitset over all ``T * n**q`` coface keys (faster; ``T n**q / 8``
    bytes). Both give the same pairs.
    """
    W = (n + 63) // 64
    adj = _adjacency_bits(ei, ej, n, T)
    npq = n ** (q - 1)
    npq1 = npq * n
    vs = np.empty(q + 2, np.int64)
    vs2 = np.empty(q + 2, np.int64)
    tmp = np.empty(q + 2, np.int64)
    cand = np.empty(n, np.int64)
    heap = np.empty(max(64, 4 * n), np.int64)
    own = Dict.empty(key_type=types.int64, value_type=types.int64)
    c_start = np.zeros(64, np.int64)
    c_len = np.zeros(64, np.int64)
    cdata = np.empty(max(64, 4 * n), np.int64)
    ctop = 0
    npairs = 0
    birth = np.empty(64, np.int64)
    death = np.empty(64, np.int64)
    pivots = np.empty(64, np.int64)
    zero = np.zeros(T, np.int64)
    buf = np.empty(n, np.int64)
    K = T * npq1 if use_bits else 64
    n0 = (K + 63) // 64
    L0 = np.zeros(n0, np.uint64)
    L1 = np.zeros((n0 + 63) // 64, np.uint64)
    span = np.zeros(2, np.int64)
    cp = 0  # pointer into cleared (decreasing keys, as the columns)
    ncl = cleared.shape[0]
    for r in range(T - 1, -1, -1):
        i = ei[r]
        j = ej[r]
        nc = 0
        for c in range(n):
            a = R[i, c]
            b = R[j, c]
            if a >= 0 and b >= 0 and a < r and b < r:
                cand[nc] = c
                nc += 1
        if nc < q - 1:
            continue
        # the q-simplices with last edge r: (i, j) + q-1 candidates pairwise joined before r,
        # enumerated in decreasing lexicographic order of the remainder
        idx = np.empty(q - 1, np.int64)
        for t in range(q - 1):
            idx[t] = nc - (q - 1) + t
        while True:
            good = True
            for t in range(q - 1):
                for u in range(t + 1, q - 1):
                    if R[cand[idx[t]], cand[idx[u]]] >= r:
                        good = False
            if good:
                vs[0] = i
                vs[1] = j
                code = 0
                for t in range(q - 1):
                    vs[2 + t] = cand[idx[t]]
                    code = code * n + cand[idx[t]]
                key = r * npq + code
                skip = False
                while cp < ncl and cleared[cp] > key:
                    cp += 1
                if cp < ncl and cleared[cp] == key:
                    skip = True
                elif _negative_apparent(vs, q, r, R) or _positive_apparent(vs, q, r, R):
                    skip = True
                if not skip:
                    size = 0
                    if use_bits:
                        span[0] = L1.shape[0]
                        span[1] = -1
                        _xor_cob_q(L0, L1, span, adj, R, vs, q, r, n, W, npq1, tmp, buf)
                        piv = _first_key(L0, L1, r * npq1)
                    else:
                        heap, size = _push_cob_q(heap, size, adj, R, vs, q, r, n, W, npq1, tmp, buf)
                        piv, heap, size = _get_pivot(heap, size)
                    while piv >= 0:
                        if piv in own:
                            o = own[piv]
                            s0 = c_start[o]
                            if use_bits:
                                for z in range(c_len[o]):
                                    _toggle(L0, L1, cdata[s0 + z], span)
                            else:
                                for z in range(c_len[o]):
                                    heap, size = _heap_push(heap, size, cdata[s0 + z])
                        else:
                            d = _decode(piv, q + 1, n, npq1, ei, ej, vs2)
                            if _negative_apparent(vs2, q + 1, d, R):
                                # add the coboundary of its apparent face: vs2 minus vs2[2]
                                for t in range(2, q + 1):
                                    vs2[t] = vs2[t + 1]
                                if use_bits:
                                    _xor_cob_q(L0, L1, span, adj, R, vs2, q, d, n, W, npq1, tmp, buf)
                                else:
                                    heap, size = _push_cob_q(heap, size, adj, R, vs2, q, d, n, W, npq1, tmp, buf)
                            else:
                                break
                        if use_bits:
                            piv = _first_key(L0, L1, piv)
                        else:
                            piv, heap, size = _get_pivot(heap, size)
                    if use_bits:  # extract (if paired) and clear the column
                        heap, size = _drain_bits(L0, L1, span, piv >= 0, heap, 0)
                    if piv < 0:
                        zero[r] += 1
                    else:
                        if npairs == birth.shape[0]:
                            birth = _doubled(birth, npairs)
                            death = _doubled(death, npairs)
                            pivots = _doubled(pivots, npairs)
                            c_start = _doubled(c_start, npairs)
                            c_len = _doubled(c_len, npairs)
                        birth[npairs] = r
                        death[npairs] = piv // npq1
                        pivots[npairs] = piv
                        own[piv] = npairs
                        c_start[npairs] = ctop
                        # with the bitset the keys are already increasing and unique in heap[:size]
                        cdata, cnt = _store_column(heap, size, cdata, ctop, not use_bits)
                        c_len[npairs] = cnt
                        ctop += cnt
                        npairs += 1
            # next combination in decreasing lexicographic order
            t = q - 2
            while t >= 0:
                lo = idx[t - 1] + 1 if t > 0 else 0
                if idx[t] - 1 >= lo:
                    idx[t] -= 1
                    for u in range(t + 1, q - 1):
                        idx[u] = nc - (q - 1) + u
                    break
                t -= 1
            if t < 0:
                break
    return birth[:npairs], death[:npairs], pivots[:npairs], zero


# Largest key space (bits) for the bitset working column of _hq_pairs (512 MiB); else a heap.
_HQ_BITS = 1 << 32


def _higher_curves(R: np.ndarray, ei: np.ndarray, ej: np.ndarray, F: np.ndarray, n: int, cap: int,
                   T: int, mst: np.ndarray, death1: np.ndarray, maxdim: int) -> list[np.ndarray]:
    """Tied Betti curves ``beta_2 .. beta_maxdim`` at ``m = 0 .. cap`` (see :func:`_hq_pairs`).

    ``mst, death1`` (the H0/H1 pairs of :func:`_h1_deaths`) are accepted for symmetry with
    the beta_1 path and not used: dimension 2 is cleared with the pivot triangles of a full
    H1 reduction (:func:`_reduce_bits_piv`, cheap next to dimension 2), dimension 3 with
    the pivots of dimension 2, so the zero columns are the essential classes. Refined pairs
    ``(b, d)`` become the tied bars ``[F[b], F[d])`` (zero-length ones vanish), essential
    classes ``[F[b], cap]``.
    """
    out = []
    mst1, app_k, first, last, t1 = _forward(ei, ej, n, T)
    pv = np.full(T, -1, np.int64)
    if last >= 0:
        _reduce_bits_piv(R, ei, ej, n, T, mst1, app_k, np.empty(1, np.int64), pv)
    cleared = np.sort(pv[pv >= 0])[::-1].copy()
    for q in range(2, maxdim + 1):
        birth, death, piv, zero = _hq_pairs(R, ei, ej, n, T, q, cleared, T * n ** q <= _HQ_BITS)
        ess = zero
        diff = np.zeros(cap + 2, np.int64)
        fb = F[birth]
        fd = F[death]
        keep = fd > fb
        np.add.at(diff, fb[keep], 1)
        np.add.at(diff, fd[keep], -1)
        nz = np.flatnonzero(ess)
        np.add.at(diff, F[nz], ess[nz])
        diff[cap + 1] -= ess.sum()
        out.append(np.cumsum(diff)[: cap + 1])
        cleared = np.sort(piv)[::-1].copy()
    return out


# ---------------------------------------------------------------------------
# result container
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class BettiCurves:
    """Betti curves of an order complex.

    Attributes
    ----------
    densities : ndarray, shape (L,)
        Edge densities ``rho = m / N`` at which the curves are given.
    edges : ndarray, shape (L,), int
        The edge counts ``m`` (``densities = edges / n_pairs``).
    betti : ndarray, shape (maxdim + 1, L), int
        ``betti[k, l] = beta_k(K_{edges[l]})``.
    n : int
        Number of vertices.
    n_pairs : int
        ``N = n (n - 1) / 2``.
    max_density : float
        Upper end of the density range computed.
    engine : str
        Engine that produced the curves.
    """

    densities: np.ndarray
    edges: np.ndarray
    betti: np.ndarray
    n: int
    n_pairs: int
    max_density: float
    engine: str = field(default="numba")

    @property
    def maxdim(self) -> int:
        """Highest homology dimension stored."""
        return self.betti.shape[0] - 1

    def __getitem__(self, k: int) -> np.ndarray:
        """The curve ``beta_k`` (``curves[1]`` is the Betti-1 curve)."""
        return self.betti[k]

    def starting_density(self, k: int = 1, fill: float = np.nan) -> float:
        """``S_k``: first density with ``beta_k > 0`` on the stored points (else ``fill``)."""
        nz = np.flatnonzero(self.betti[k] > 0)
        return float(self.densities[nz[0]]) if nz.size else fill

    def maximum(self, k: int = 1) -> int:
        """``M_k``: the maximum of ``beta_k`` on the stored points."""
        return int(self.betti[k].max())


def _grid(grid, N: int, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """(densities, edge counts) for a grid specification."""
    if grid is None:
        m = np.arange(cap + 1)
        return m / N, m
    if np.isscalar(grid):
        g = np.linspace(0.0, cap / N, integer(grid, "grid (number of densities)", minimum=1))
    else:
        g = np.asarray(grid, dtype=np.float64)
        if g.ndim != 1 or len(g) == 0 or not np.all(np.isfinite(g)) or np.any(g < 0) or np.any(g > 1):
            raise ValueError("grid densities must be a non-empty 1-d sequence in [0, 1]")
    m = np.minimum(np.floor(g * N + 1e-9).astype(np.int64), cap)
    return g, m


def _finish(curves: np.ndarray, grid, N, cap, n, max_density, engine) -> BettiCurves:
    dens, m = _grid(grid, N, cap)
    return BettiCurves(densities=dens, edges=m, betti=curves[:, m], n=n, n_pairs=N,
                       max_density=max_density, engine=engine)


# ---------------------------------------------------------------------------
# reference engines (ripser, gudhi)
# ---------------------------------------------------------------------------
def _curves_from_intervals(dgms: Sequence[np.ndarray], n: int, cap: int) -> np.ndarray:
    out = np.zeros((len(dgms), cap + 2), np.int64)
    for k, dg in enumerate(dgms):
        dg = np.asarray(dg, dtype=np.float64).reshape(-1, 2)
        b = np.rint(dg[:, 0]).astype(np.int64)
        d = np.where(np.isfinite(dg[:, 1]), dg[:, 1], cap + 1)
        d = np.minimum(np.rint(d).astype(np.int64), cap + 1)
        keep = d > b
        np.add.at(out[k], b[keep], 1)
        np.add.at(out[k], d[keep], -1)
    return np.cumsum(out, axis=1)[:, : cap + 1]


def _reference_setup(A: np.ndarray, max_density: float, check_symmetric: bool):
    """Shared start of the reference engines: (n, number of pairs, edge cap, order filtration)."""
    A = _validate(A, check_symmetric)
    n = A.shape[0]
    N = n * (n - 1) // 2
    return n, N, _edge_cap(N, max_density), order_filtration(A, check_symmetric=False)


def betti_curves_ripser(
    A: np.ndarray,
    *,
    maxdim: int = 1,
    max_density: float = 1.0,
    grid: int | Sequence[float] | None = None,
    check_symmetric: bool = True,
) -> BettiCurves:
    """Betti curves via ripser on :func:`order_filtration` (reference engine).

    Same parameters and result as :func:`betti_curves`.
    """
    from ripser import ripser

    n, N, cap, D = _reference_setup(A, max_density, check_symmetric)
    dgms = ripser(D, distance_matrix=True, maxdim=maxdim, thresh=float(cap))["dgms"]
    return _finish(_curves_from_intervals(dgms, n, cap), grid, N, cap, n, max_density, "ripser")


def betti_curves_gudhi(
    A: np.ndarray,
    *,
    maxdim: int = 1,
    max_density: float = 1.0,
    grid: int | Sequence[float] | None = None,
    check_symmetric: bool = True,
) -> BettiCurves:
    """Betti curves via gudhi's flag complex of :func:`order_filtration` (reference engine).

    Same parameters and result as :func:`betti_curves`.
    """
    import gudhi

    n, N, cap, D = _reference_setup(A, max_density, check_symmetric)
    st = gudhi.SimplexTree()
    for v in range(n):
        st.insert([v], 0.0)
    iu, ju = np.triu_indices(n, 1)
    w = D[iu, ju]
    keep = w <= cap
    st.insert_batch(np.vstack([iu[keep], ju[keep]]), w[keep])
    st.expansion(maxdim + 1)
    st.compute_persistence(homology_coeff_field=2, persistence_dim_max=True)
    dgms = [st.persistence_intervals_in_dimension(k) for k in range(maxdim + 1)]
    return _finish(_curves_from_intervals(dgms, n, cap), grid, N, cap, n, max_density, "gudhi")


def betti_curves_giotto(
    A: np.ndarray,
    *,
    maxdim: int = 1,
    max_density: float = 1.0,
    grid: int | Sequence[float] | None = None,
    check_symmetric: bool = True,
    n_threads: int = 1,
) -> BettiCurves:
    """Betti curves via giotto-ph's ``ripser_parallel`` on :func:`order_filtration` (reference engine).

    Same parameters and result as :func:`betti_curves`; ``n_threads`` is passed
    to giotto-ph (``-1``: every core). Needs the ``giotto-ph`` package.
    """
    try:
        from gph import ripser_parallel
    except ImportError as err:  # pragma: no cover - giotto-ph is pinned in requirements.txt
        raise ImportError("engine 'giotto' needs giotto-ph: pip install giotto-ph") from err

    n, N, cap, D = _reference_setup(A, max_density, check_symmetric)
    dgms = ripser_parallel(D, metric="precomputed", maxdim=maxdim, thresh=float(cap), coeff=2,
                           n_threads=n_threads)["dgms"]
    return _finish(_curves_from_intervals(dgms, n, cap), grid, N, cap, n, max_density, "giotto")


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def betti_curves(
    A: np.ndarray,
    *,
    maxdim: int = 1,
    max_density: float = 1.0,
    grid: int | Sequence[float] | None = None,
    engine: Engine = "auto",
    check_symmetric: bool = True,
) -> BettiCurves:
    """Betti curves ``beta_0 .. beta_maxdim`` of the order complex of ``A``.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        Symmetric real matrix (diagonal ignored; no NaN). Large entries enter
        first; for a distance matrix pass ``-D``.
    maxdim : int
        Highest homology dimension: 1 (default), 2 or 3 (0: ``beta_0`` alone).
        All are exact and computed by the numba engine (dimensions 2 and 3 by
        :func:`_hq_pairs`, a persistent-cohomology reduction with clearing).
    max_density : float
        Largest edge density computed, in (0, 1]. Default **1.0, the whole
        range** (CliqueTop's default is 0.6). Edges count only when their
        whole tie group fits below ``floor(max_density * N)``.
    grid : None, int or sequence of float
        ``None`` (default): every edge count ``m = 0 .. floor(max_density N)``.
        An int ``L``: ``L`` equally spaced densities on ``[0, max_density]``.
        A sequence: those densities (each read at ``m = floor(rho N)``).
    engine : {"auto", "numba", "ripser", "gudhi", "giotto"}
        ``"auto"`` and ``"numba"``: the numba engine (every ``maxdim``);
        ``"ripser"`` / ``"gudhi"`` / ``"giotto"`` (giotto-ph): the reference engines.
    check_symmetric : bool
        Raise when ``A != A.T`` exactly (default).

    Returns
    -------
    BettiCurves
        Densities, edge counts and the curves (``result[1]`` is ``beta_1``).

    Raises
    ------
    ValueError
        Non-square, non-symmetric (symmetrise with :func:`symmetrize_max`) or
        NaN-containing input, ``maxdim`` not an integer in 0..3.
    """
    _check_maxdim(maxdim)
    if engine == "auto":
        engine = "numba"
    if engine == "ripser":
        return betti_curves_ripser(
            A, maxdim=maxdim, max_density=max_density, grid=grid, check_symmetric=check_symmetric
        )
    if engine == "gudhi":
        return betti_curves_gudhi(
            A, maxdim=maxdim, max_density=max_density, grid=grid, check_symmetric=check_symmetric
        )
    if engine == "giotto":
        return betti_curves_giotto(
            A, maxdim=maxdim, max_density=max_density, grid=grid, check_symmetric=check_symmetric
        )
    if engine != "numba":
        raise ValueError(f"unknown engine {engine!r}: use 'numba' (default), 'ripser', 'gudhi' or 'giotto'")
    A = _validate(A, check_symmetric)
    n = A.shape[0]
    N = n * (n - 1) // 2
    cap = _edge_cap(N, max_density)
    R, ei, ej, F = _ranks_kernel(A)
    T = int(np.searchsorted(F, cap, side="right"))
    mst, death = _h1_deaths(R, ei, ej, n, T)
    b0, b1 = _curves_from_pairs(mst, death, F, n, cap, T)
    rows = [b0, b1]
    if maxdim >= 2:
        rows += _higher_curves(R, ei, ej, F, n, cap, T, mst, death, maxdim)
    curves = np.vstack(rows)[: maxdim + 1]
    return _finish(curves, grid, N, cap, n, max_density, "numba")


def starting_density(
    A: np.ndarray,
    k: int = 1,
    *,
    max_density: float = 1.0,
    fill: float = np.nan,
    check_symmetric: bool = True,
) -> float:
    """Starting edge density ``S_k`` (Eq 3): least ``m / N`` with ``beta_k(K_m) > 0``.

    Parameters
    ----------
    A : ndarray, shape (n, n)
        Symmetric matrix (feature map after :func:`symmetrize_max`).
    k : int
        Homology dimension, 1 (default, exact fast path), 2 or 3 (full curve of
        :func:`betti_curves`).
    max_density : float
        Search range ``(0, max_density]``; default the whole range.
    fill : float
        Value returned when ``beta_k`` stays 0 in the range (default NaN:
        ``S_k`` is undefined, see the module docstring).
    check_symmetric : bool
        Raise when ``A`` is not exactly symmetric.

    Returns
    -------
    float
        ``S_k`` as a density in ``(0, 1)``, or ``fill``. It depends only on
        the order of the entries, hence is invariant under ``a A + b`` with
        ``a > 0`` (Fig 2B).
    """
    k = integer(k, "k (homology dimension)")
    if k == 0:
        _validate(A, check_symmetric)
        return 0.0  # beta_0 = n > 0 already at rho = 0
    if k == 1:
        A = _validate(A, check_symmetric)
        n = A.shape[0]
        N = n * (n - 1) // 2
        cap = _edge_cap(N, max_density)
        s1, _ = _one_matrix(A, cap, True, False)
        return fill if s1 < 0 else s1 / N
    if k in (2, 3):
        return betti_curves(A, maxdim=k, max_density=max_density, check_symmetric=check_symmetric).starting_density(k, fill)
    raise ValueError(f"k must be 0, 1, 2 or 3, got {k}")


def betti_max(
    A: np.ndarray,
    k: int = 1,
    *,
    max_density: float = 1.0,
    check_symmetric: bool = True,
) -> int:
    """Maximum of the Betti curve ``M_k = max_rho beta_k(rho)`` (Eq 9).

    Parameters
    ----------
    A : ndarray, shape (n, n)
        Symmetric matrix (image after :func:`symmetrize_sum`).
    k : int
        Homology dimension 1 (default), 2 or 3 (full curve of :func:`betti_curves`);
        0 gives ``n``.
    max_density : float
        Range of the maximum; default 1.0, **the whole range**.
    check_symmetric : bool
        Raise when ``A`` is not exactly symmetric.

    Returns
    -------
    int
        ``M_k`` (0 when the curve is identically zero).
    """
    k = integer(k, "k (homology dimension)")
    if k == 0:
        return int(_validate(A, check_symmetric).shape[0])
    if k == 1:
        A = _validate(A, check_symmetric)
        n = A.shape[0]
        cap = _edge_cap(n * (n - 1) // 2, max_density)
        return int(_one_matrix(A, cap, False, True)[1])
    if k in (2, 3):
        return betti_curves(A, maxdim=k, max_density=max_density, check_symmetric=check_symmetric).maximum(k)
    raise ValueError(f"k must be 0, 1, 2 or 3, got {k}")


def _batch(stack, max_density, check_symmetric, want_s1, want_m1):
    stack = _validate(stack, check_symmetric, batch=True)
    stack = np.ascontiguousarray(stack)
    n = stack.shape[-1]
    N = n * (n - 1) // 2
    cap = _edge_cap(N, max_density)
    return _batch_kernel(stack, cap, want_s1, want_m1), N


def starting_density_batch(
    stack: np.ndarray,
    k: int = 1,
    *,
    max_density: float = 1.0,
    fill: float = np.nan,
    check_symmetric: bool = True,
) -> np.ndarray:
    """``S_1`` of every matrix of a stack, in parallel (numba ``prange``).

    Parameters
    ----------
    stack : ndarray, shape (B, n, n)
        Symmetric matrices (e.g. ``symmetrize_max(feature_maps)``).
    k : int
        Only ``k = 1`` is batched; other values loop over :func:`starting_density`.
    max_density, fill, check_symmetric
        As in :func:`starting_density`.

    Returns
    -------
    ndarray, shape (B,), float64
        ``S_1`` per matrix (``fill`` where ``beta_1`` stays 0).
    """
    if k != 1:
        return np.array([starting_density(a, k, max_density=max_density, fill=fill,
                                          check_symmetric=check_symmetric) for a in stack])
    (s, _), N = _batch(stack, max_density, check_symmetric, True, False)
    out = s / N
    out[s < 0] = fill
    return out


def betti_max_batch(
    stack: np.ndarray,
    k: int = 1,
    *,
    max_density: float = 1.0,
    check_symmetric: bool = True,
) -> np.ndarray:
    """``M_1`` of every matrix of a stack, in parallel (numba ``prange``).

    Parameters
    ----------
    stack : ndarray, shape (B, n, n)
        Symmetric matrices (e.g. ``symmetrize_sum(images)``).
    k : int
        Only ``k = 1`` is batched; other values loop over :func:`betti_max`.
    max_density, check_symmetric
        As in :func:`betti_max`.

    Returns
    -------
    ndarray, shape (B,), int64
    """
    if k != 1:
        return np.array([betti_max(a, k, max_density=max_density, check_symmetric=check_symmetric)
                         for a in stack], dtype=np.int64)
    (_, m), _ = _batch(stack, max_density, check_symmetric, False, True)
    return m
