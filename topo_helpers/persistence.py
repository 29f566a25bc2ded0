"""Barcodes: the lazy witness complex (max-min landmarks) and Vietoris-Rips.

Every barcode in the two papers (001, 003 §2) was computed with JavaPlex's
``LazyWitnessStream`` on 100 landmarks chosen by ``MaxMinSelector`` ("max
division of 1000").  This module reproduces that construction:

1. :func:`maxmin_landmarks` -- sequential max-min landmark selection: a first
   point drawn at random (seeded), then repeatedly the point farthest from the
   landmarks chosen so far (JavaPlex ``MaxMinLandmarkSelector``; ties go to the
   lowest index, as in JavaPlex).
2. :func:`lazy_witness_filtration` -- the landmark x landmark matrix of edge
   entry times of the lazy witness complex W(D; R, nu) of de Silva & Carlsson
   (2004).  With D the (N x L) matrix of distances from every point (every
   point is a witness, landmarks included, as in JavaPlex) to the landmarks and
   m_w the distance from witness w to its nu-th nearest landmark (m_w = 0 for
   nu = 0), the edge [a, b] is present at filtration value R iff some witness w
   has max(D[w, a], D[w, b]) <= R + m_w, i.e. it enters at

       E[a, b] = min_w max(0, max(D[w, a], D[w, b]) - m_w),

   and every vertex enters at 0.  The lazy witness complex is the *flag*
   complex of its 1-skeleton, so its persistent homology is that of the
   Vietoris-Rips-type filtration of the "distance" matrix E: ripser computes it
   in milliseconds for 100 landmarks.
3. :func:`witness_barcodes` and :func:`rips_barcodes` return a :class:`Barcodes`
   object; :func:`plot_barcodes` draws the classic barcode picture.

Units.  Witness-complex filtration values are *not* Rips scales: with nu = 2
an edge enters when some witness is within R + m_w of both ends.  Lifetimes
quoted in the papers (e.g. 1.27 vs 1.10) are in these units.

JavaPlex details that are optional here: JavaPlex needs a maximum filtration
value (edges entering later are left out; classes alive there are reported as
infinite) and rounds entry times *down* to a grid of ``num_divisions`` steps of
``max_filtration / num_divisions``.  By default we use neither (the full
filtration, exact values); pass ``max_filtration`` and ``num_divisions=1000``
to mimic it.  The papers do not give their maximum filtration value or nu
(JavaPlex's default nu is 2, which is ours).

Precision.  ripser stores filtration values in single precision, so births,
deaths and lifetimes carry a relative error of about 1e-7; the edge matrix
itself is float64.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.spatial.distance import cdist

from .validate import points

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "Barcodes",
    "covering_radius",
    "lazy_witness_filtration",
    "maxmin_landmarks",
    "most_persistent_lifetime",
    "plot_barcodes",
    "rips_barcodes",
    "witness_barcodes",
]

# Memory budget (number of float64 entries) of one witness chunk's
# (chunk x L x L) array in lazy_witness_filtration: 4M entries = 32 MB.
_CHUNK_ENTRIES = 1 << 22


# ---------------------------------------------------------------------------
# Barcodes container
# ---------------------------------------------------------------------------


@dataclass
class Barcodes:
    """Persistence barcodes of one filtration.

    Attributes
    ----------
    dgms : list of numpy.ndarray
        ``dgms[q]`` is a (n_q, 2) float array of (birth, death) pairs of the
        degree-q homology bars, q = 0 .. maxdim.  Bars still alive at the end
        of the filtration have death ``np.inf``.
    method : str
        ``"lazy_witness"`` or ``"rips"``.
    landmarks : numpy.ndarray or None
        Indices (into the input cloud) of the landmarks (witness complex) or of
        the greedy subsample (Rips with ``n_perm``); None otherwise.
    max_filtration : float
        End of the filtration: the threshold if one was given, otherwise the
        largest edge entry time (witness complex) or the largest finite
        birth/death value (Rips).  Infinite bars are drawn up to it.
    info : dict
        Parameters and by-products (nu, coeff, number of points, covering
        radius of the landmarks, ...), for the record.
    """

    dgms: list[np.ndarray]
    method: str
    landmarks: np.ndarray | None = None
    max_filtration: float = np.inf
    info: dict[str, Any] = field(default_factory=dict)

    # -- helpers -----------------------------------------------------------
    @property
    def maxdim(self) -> int:
        """Highest homology degree computed."""
        return len(self.dgms) - 1

    def _dgm(self, dim: int) -> np.ndarray:
        if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
            raise ValueError(f"dim must be an integer homology degree; got {dim!r}.")
        if not 0 <= dim <= self.maxdim:
            raise ValueError(
                f"dim={dim} was not computed: these barcodes have degrees 0..{self.maxdim}. "
                f"Recompute with maxdim >= {dim}."
            )
        d = np.asarray(self.dgms[dim], dtype=np.float64)
        return d.reshape(-1, 2)

    def bars(self, dim: int) -> np.ndarray:
        """The (n, 2) array of (birth, death) pairs in degree ``dim``."""
        return self._dgm(dim).copy()

    def lifetimes(self, dim: int) -> np.ndarray:
        """Lifetimes death - birth of the degree-``dim`` bars, sorted descending.

        Infinite bars have lifetime ``np.inf`` (and so come first).
        """
        d = self._dgm(dim)
        life = d[:, 1] - d[:, 0]
        return np.sort(life)[::-1]

    def finite_lifetimes(self, dim: int) -> np.ndarray:
        """Lifetimes of the bars with a finite death, sorted descending."""
        life = self.lifetimes(dim)
        return life[np.isfinite(life)]

    def most_persistent(self, dim: int) -> float:
        """Largest *finite* lifetime in degree ``dim`` (0.0 if there is none).

        For dim 0 this ignores the infinite bar of the last connected component.
        In the witness complex without a threshold every bar of degree >= 1 is
        finite, so this is "the lifetime of the most persistent 1-dim homology"
        of 001 §VI.
        """
        life = self.finite_lifetimes(dim)
        return float(life[0]) if life.size else 0.0

    def betti_at(self, t: float, dim: int) -> int:
        """Number of degree-``dim`` bars alive at filtration value t (birth <= t < death)."""
        d = self._dgm(dim)
        return int(np.count_nonzero((d[:, 0] <= t) & (t < d[:, 1])))

    def count_long(self, dim: int, min_lifetime: float) -> int:
        """Number of degree-``dim`` bars with lifetime >= ``min_lifetime`` (infinite ones included)."""
        return int(np.count_nonzero(self.lifetimes(dim) >= min_lifetime))

    def n_persistent(self, dim: int, min_ratio: float = 2.0, min_fraction: float = 0.05) -> int:
        """How many degree-``dim`` bars are "persistent": a largest-gap rule.

        Rule (deterministic).  Let l_1 >= l_2 >= ... >= l_n > 0 be the *finite*
        lifetimes, l_{n+1} = 0, and T = ``max_filtration`` the filtration length.

        * Take the j in 1..n maximising the gap ``l_j - l_{j+1}`` (the smallest
          such j on ties).  The j longest finite bars are persistent if the gap
          is clear, ``l_j >= min_ratio * l_{j+1}``, and they are not
          noise-sized, ``l_j >= min_fraction * T``; otherwise no finite bar is.
        * Infinite bars are always persistent and are added to the count.

        So a noisy circle (one H1 bar of lifetime ~0.8 among bars of ~0.01)
        gives 1; two circles or a figure-eight give 2; a blob whose H1
        lifetimes decay smoothly gives 0; five bars of similar length and no
        others (the three-circle model's H1 in a witness complex) give 5.  The
        last gap (from l_n down to 0) takes part, but bars below
        ``min_fraction * T`` never count, so the many short H0 bars of a
        uniform sample are not called persistent.  In degree 0 the infinite
        bar (the last component) counts once, plus the finite bars above a
        clear gap (well-separated clusters).

        Parameters
        ----------
        dim : int
            Homology degree.
        min_ratio : float, default 2.0
            How much longer than the next bar the last persistent bar must be.
        min_fraction : float, default 0.05
            Persistent finite bars must be at least this fraction of the
            filtration length ``max_filtration``.

        Returns
        -------
        int
        """
        if not (min_ratio >= 1.0):
            raise ValueError(f"min_ratio must be >= 1; got {min_ratio}.")
        if not (0.0 <= min_fraction <= 1.0):
            raise ValueError(f"min_fraction must lie in [0, 1]; got {min_fraction}.")
        life = self.lifetimes(dim)
        n_inf = int(np.count_nonzero(np.isinf(life)))
        fin = life[np.isfinite(life)]
        fin = fin[fin > 0]
        floor = min_fraction * self.max_filtration if np.isfinite(self.max_filtration) else 0.0
        if fin.size == 0:
            return n_inf
        ext = np.append(fin, 0.0)
        gaps = ext[:-1] - ext[1:]
        j = int(np.argmax(gaps))  # bars 0..j lie above the largest gap
        if fin[j] >= min_ratio * ext[j + 1] and fin[j] >= floor:
            return n_inf + j + 1
        return n_inf

    def summary(self) -> str:
        """One line per degree: number of bars, infinite bars, longest finite lifetime."""
        lines = [f"{self.method} barcodes (max filtration {self.max_filtration:.4g})"]
        for q in range(self.maxdim + 1):
            life = self.lifetimes(q)
            lines.append(
                f"  H{q}: {life.size} bars, {int(np.isinf(life).sum())} infinite, "
                f"longest finite {self.most_persistent(q):.4g}, persistent {self.n_persistent(q)}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:  # short: dgms can be long
        counts = ", ".join(f"H{q}:{len(d)}" for q, d in enumerate(self.dgms))
        lm = None if self.landmarks is None else len(self.landmarks)
        return (
            f"Barcodes(method={self.method!r}, bars=[{counts}], landmarks={lm}, "
            f"max_filtration={self.max_filtration:.4g})"
        )


# ---------------------------------------------------------------------------
# Landmarks and the lazy witness filtration
# ---------------------------------------------------------------------------


def _check_int(value: Any, name: str, low: int, high: int | None = None, hint: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer; got {value!r}.")
    v = int(value)
    if v < low or (high is not None and v > high):
        rng = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be {rng}; got {v}. {hint}".rstrip())
    return v


def maxmin_landmarks(
    X: np.ndarray,
    n_landmarks: int,
    seed: int | None = 0,
    first: int | None = None,
) -> np.ndarray:
    """Sequential max-min landmark selection (JavaPlex ``MaxMinSelector``).

    The first landmark is a uniformly random point (drawn with ``seed``), or
    ``first`` if given; each next landmark is the point whose distance to the
    landmarks chosen so far is largest (lowest index on ties).  Cost
    O(N * n_landmarks * d) time, O(N) extra memory.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Point cloud.
    n_landmarks : int
        Number of landmarks, 1 <= n_landmarks <= N.
    seed : int or None, default 0
        Seed of the random first point (``numpy.random.default_rng(seed)``).
    first : int, optional
        Use this index as the first landmark instead of a random one.

    Returns
    -------
    numpy.ndarray of int64, shape (n_landmarks,)
        Distinct indices into X, in the order chosen.
    """
    A = points(X)
    n = A.shape[0]
    L = _check_int(n_landmarks, "n_landmarks", 1, n, hint="Use at most as many landmarks as points.")
    if first is None:
        first = int(np.random.default_rng(seed).integers(n))
    else:
        first = _check_int(first, "first", 0, n - 1)
    idx = np.empty(L, dtype=np.int64)
    idx[0] = first
    # squared distances: argmax is the same and we skip n square roots per step
    f = np.einsum("ij,ij->i", A - A[first], A - A[first])
    f[first] = -np.inf
    for i in range(1, L):
        j = int(np.argmax(f))
        idx[i] = j
        diff = A - A[j]
        np.minimum(f, np.einsum("ij,ij->i", diff, diff), out=f)
        f[idx[: i + 1]] = -np.inf
    return idx


def covering_radius(X: np.ndarray, landmarks: np.ndarray) -> float:
    """Largest distance from a point of X to its nearest landmark.

    JavaPlex calls this ``getMaxDistanceFromPointsToLandmarks``; its tutorial
    uses it (or twice it) as the maximum filtration value of a witness stream.
    """
    A = points(X)
    lm = _check_landmarks(landmarks, A.shape[0])
    out = 0.0
    step = max(1, _CHUNK_ENTRIES // max(1, lm.size))
    for s in range(0, A.shape[0], step):
        out = max(out, float(cdist(A[s : s + step], A[lm]).min(axis=1).max()))
    return out


def _check_landmarks(landmarks: Any, n: int) -> np.ndarray:
    lm = np.asarray(landmarks)
    if lm.ndim != 1 or lm.size == 0:
        raise ValueError(
            f"landmarks must be a non-empty 1-D array of row indices into X; got shape {lm.shape}. "
            f"Use maxmin_landmarks(X, n) to choose them."
        )
    if not np.issubdtype(lm.dtype, np.integer):
        raise ValueError(
            f"landmarks must be integer indices into X (got dtype {lm.dtype}); pass indices, not coordinates."
        )
    lm = lm.astype(np.int64)
    if lm.min() < 0 or lm.max() >= n:
        raise ValueError(f"landmark indices must lie in [0, {n - 1}] for a cloud of {n} points.")
    if np.unique(lm).size != lm.size:
        raise ValueError("landmarks contains repeated indices; each landmark must be a distinct point.")
    return lm


def lazy_witness_filtration(
    X: np.ndarray,
    landmarks: np.ndarray,
    nu: int = 2,
    witnesses: np.ndarray | None = None,
) -> np.ndarray:
    """Edge entry times of the lazy witness complex (JavaPlex ``LazyWitnessStream``).

    With D the (N_witness x L) distance matrix from the witnesses to the
    landmarks and m_w the distance from witness w to its nu-th nearest landmark
    (m_w = 0 if nu = 0),

        E[a, b] = min_w max(0, max(D[w, a], D[w, b]) - m_w),   E[a, a] = 0.

    The lazy witness complex at scale R is the flag complex of
    ``{[a, b]: E[a, b] <= R}``, so ``E`` can be handed to ripser/gudhi as a
    distance matrix.  Computed in memory-bounded chunks of witnesses (about
    32 MB at a time); 50,000 witnesses x 100 landmarks take well under a
    second.  Cost grows like N * L^2 (L = 1000 landmarks would be 100x slower).

    Parameters
    ----------
    X : array_like, shape (N, d)
        Point cloud.
    landmarks : array_like of int, shape (L,)
        Distinct indices into X (e.g. from :func:`maxmin_landmarks`), L >= 2.
    nu : int, default 2
        de Silva-Carlsson's nu, 0 <= nu <= L (JavaPlex allows 0, 1, 2 and
        defaults to 2).  For nu >= 1 a witness that is itself a landmark has
        m_w = distance to its nu-th nearest landmark counting itself
        (distance 0) as the first, exactly as JavaPlex does.
    witnesses : array_like of int, optional
        Indices of the points used as witnesses; default all points (JavaPlex's
        default, landmarks included).

    Returns
    -------
    numpy.ndarray, shape (L, L), float64
        Symmetric, zero diagonal, non-negative.  For nu <= 2 and a != b the
        clamp at 0 never acts (the larger of two landmark distances is at
        least the second-smallest).
    """
    A = points(X)
    n = A.shape[0]
    lm = _check_landmarks(landmarks, n)
    L = lm.size
    if L < 2:
        raise ValueError("need at least 2 landmarks to form edges; got 1.")
    nu = _check_int(nu, "nu", 0, L, hint="JavaPlex uses nu in {0, 1, 2} (default 2).")
    if witnesses is None:
        W = A
    else:
        widx = np.asarray(witnesses)
        if widx.ndim != 1 or widx.size == 0 or not np.issubdtype(widx.dtype, np.integer):
            raise ValueError("witnesses must be a non-empty 1-D array of integer indices into X.")
        if widx.min() < 0 or widx.max() >= n:
            raise ValueError(f"witness indices must lie in [0, {n - 1}].")
        W = A[widx]
    Lpts = A[lm]
    E = np.full((L, L), np.inf)
    chunk = max(1, _CHUNK_ENTRIES // (L * L))
    for s in range(0, W.shape[0], chunk):
        Dc = cdist(W[s : s + chunk], Lpts)  # (c, L)
        if nu > 0:
            m = np.partition(Dc, nu - 1, axis=1)[:, nu - 1]
            Dc -= m[:, None]
            np.maximum(Dc, 0.0, out=Dc)
        # max(0, max(x, y) - m) == max(max(0, x - m), max(0, y - m))
        M = np.maximum(Dc[:, :, None], Dc[:, None, :])  # (c, L, L)
        np.minimum(E, M.min(axis=0), out=E)
    np.fill_diagonal(E, 0.0)
    return E


def _discretise(E: np.ndarray, max_filtration: float, num_divisions: int) -> np.ndarray:
    """Round entry times down to JavaPlex's grid k * max_filtration / num_divisions."""
    delta = max_filtration / num_divisions
    if delta <= 0:
        return np.zeros_like(E)
    out = np.floor(E / delta + 1e-9) * delta
    out[E > max_filtration] = E[E > max_filtration]  # left out by the threshold anyway
    return out


def _ripser_dgms(
    M: np.ndarray, maxdim: int, coeff: int, thresh: float, distance_matrix: bool, n_perm: int | None = None
) -> tuple[list[np.ndarray], dict[str, Any]]:
    from ripser import ripser

    kw: dict[str, Any] = {"maxdim": maxdim, "coeff": coeff, "distance_matrix": distance_matrix}
    if np.isfinite(thresh):
        kw["thresh"] = float(thresh)
    if n_perm is not None:
        kw["n_perm"] = int(n_perm)
    res = ripser(M, **kw)
    dgms = [np.asarray(d, dtype=np.float64).reshape(-1, 2) for d in res["dgms"]]
    return dgms, res


def _check_common(maxdim: int, coeff: int) -> tuple[int, int]:
    maxdim = _check_int(maxdim, "maxdim", 0, hint="maxdim is the top homology degree, e.g. 1 or 2.")
    coeff = _check_int(coeff, "coeff", 2, hint="coeff is a prime field characteristic, e.g. 2.")
    if any(coeff % q == 0 for q in range(2, int(coeff**0.5) + 1)):
        raise ValueError(f"coeff must be a prime (field Z/pZ); got {coeff}.")
    return maxdim, coeff


def witness_barcodes(
    X: np.ndarray,
    n_landmarks: int = 100,
    nu: int = 2,
    maxdim: int = 1,
    seed: int | None = 0,
    coeff: int = 2,
    *,
    landmarks: np.ndarray | None = None,
    max_filtration: float | None = None,
    num_divisions: int | None = None,
) -> Barcodes:
    """Barcodes of the lazy witness complex on max-min landmarks (the papers' setting).

    Parameters
    ----------
    X : array_like, shape (N, d)
        Point cloud (e.g. the output of :func:`topo_helpers.density.density_filter`).
    n_landmarks : int, default 100
        Number of max-min landmarks (the papers use 100); 2 <= n_landmarks <= N.
    nu : int, default 2
        de Silva-Carlsson nu (JavaPlex default 2).
    maxdim : int, default 1
        Highest homology degree.
    seed : int or None, default 0
        Seed of the max-min start point.
    coeff : int, default 2
        Prime coefficient field Z/coeff.
    landmarks : array_like of int, optional
        Use these landmark indices instead of max-min selection.
    max_filtration : float, optional
        Stop the filtration here (JavaPlex's maxFiltrationValue): later edges
        are left out and classes alive at this value get death ``inf``.
        Default: the full filtration (only the last H0 bar is infinite).
    num_divisions : int, optional
        Round entry times down to multiples of ``max_filtration /
        num_divisions`` as JavaPlex does (the papers: 1000).  Needs
        ``max_filtration``.

    Returns
    -------
    Barcodes
        ``method="lazy_witness"``, ``landmarks`` the landmark indices, ``info``
        with nu, coeff, the covering radius of the landmarks and the number of
        points.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.random.default_rng(0).uniform(0, 2 * np.pi, 500)
    >>> circle = np.c_[np.cos(t), np.sin(t)]
    >>> witness_barcodes(circle, n_landmarks=50).n_persistent(1)
    1
    """
    A = points(X)
    n = A.shape[0]
    maxdim, coeff = _check_common(maxdim, coeff)
    if landmarks is None:
        L = _check_int(
            n_landmarks,
            "n_landmarks",
            2,
            n,
            hint=f"The cloud has {n} points; use fewer landmarks (or all points via landmarks=np.arange(N)).",
        )
        lm = maxmin_landmarks(A, L, seed=seed)
    else:
        lm = _check_landmarks(landmarks, n)
    E = lazy_witness_filtration(A, lm, nu=nu)
    if max_filtration is not None:
        max_filtration = float(max_filtration)
        if not (max_filtration > 0) or not np.isfinite(max_filtration):
            raise ValueError(f"max_filtration must be a positive finite number; got {max_filtration}.")
    if num_divisions is not None:
        num_divisions = _check_int(num_divisions, "num_divisions", 1)
        if max_filtration is None:
            raise ValueError(
                "num_divisions needs max_filtration (JavaPlex divides [0, max_filtration] into "
                "num_divisions steps); pass both, e.g. max_filtration=1.5, num_divisions=1000."
            )
        E = _discretise(E, max_filtration, num_divisions)
    thresh = np.inf if max_filtration is None else max_filtration
    dgms, _ = _ripser_dgms(E, maxdim, coeff, thresh, distance_matrix=True)
    end = float(E.max()) if max_filtration is None else max_filtration
    info = {
        "nu": nu,
        "coeff": coeff,
        "n_points": n,
        "n_landmarks": int(lm.size),
        "covering_radius": covering_radius(A, lm),
        "num_divisions": num_divisions,
        "seed": seed,
    }
    return Barcodes(dgms=dgms, method="lazy_witness", landmarks=lm, max_filtration=end, info=info)


def rips_barcodes(
    X: np.ndarray,
    maxdim: int = 1,
    coeff: int = 2,
    n_perm: int | None = None,
    *,
    max_filtration: float | None = None,
) -> Barcodes:
    """Vietoris-Rips barcodes (ripser), for comparison with the witness complex.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Point cloud.  Rips costs grow fast with N (and with maxdim): use
        ``n_perm`` beyond a few thousand points.
    maxdim : int, default 1
        Highest homology degree.
    coeff : int, default 2
        Prime coefficient field.
    n_perm : int, optional
        Compute on a greedy (max-min) subsample of this many points (ripser's
        ``n_perm``); its indices are returned as ``landmarks``.
    max_filtration : float, optional
        Rips threshold; classes alive there get death ``inf``.

    Returns
    -------
    Barcodes
        ``method="rips"``.  ``max_filtration`` is the threshold, or if none
        the largest finite birth/death value.
    """
    A = points(X)
    n = A.shape[0]
    maxdim, coeff = _check_common(maxdim, coeff)
    if n_perm is not None:
        n_perm = _check_int(n_perm, "n_perm", 1, n, hint=f"n_perm is a subsample size <= N = {n}.")
    if max_filtration is not None:
        max_filtration = float(max_filtration)
        if not (max_filtration > 0) or not np.isfinite(max_filtration):
            raise ValueError(f"max_filtration must be a positive finite number; got {max_filtration}.")
    thresh = np.inf if max_filtration is None else max_filtration
    dgms, res = _ripser_dgms(A, maxdim, coeff, thresh, distance_matrix=False, n_perm=n_perm)
    if max_filtration is None:
        vals = np.concatenate([d[np.isfinite(d)] for d in dgms]) if dgms else np.zeros(0)
        end = float(vals.max()) if vals.size else 0.0
    else:
        end = max_filtration
    lm = np.asarray(res["idx_perm"], dtype=np.int64) if n_perm is not None else None
    info: dict[str, Any] = {"coeff": coeff, "n_points": n, "n_perm": n_perm}
    if n_perm is not None:
        info["r_cover"] = float(res.get("r_cover", np.nan))
    return Barcodes(dgms=dgms, method="rips", landmarks=lm, max_filtration=end, info=info)


def most_persistent_lifetime(X: np.ndarray, dim: int = 1, method: str = "witness", **kwargs: Any) -> float:
    """Largest finite lifetime in degree ``dim`` (001 §VI's "topological simplicity").

    Parameters
    ----------
    X : array_like, shape (N, d)
        Point cloud.
    dim : int, default 1
        Homology degree.
    method : {"witness", "rips"}
        Which complex; keyword arguments go to :func:`witness_barcodes` or
        :func:`rips_barcodes`.
    """
    kwargs.setdefault("maxdim", max(1, dim))
    if method == "witness":
        bc = witness_barcodes(X, **kwargs)
    elif method == "rips":
        bc = rips_barcodes(X, **kwargs)
    else:
        raise ValueError(f"method must be 'witness' or 'rips'; got {method!r}.")
    return bc.most_persistent(dim)


# ---------------------------------------------------------------------------
# Plotting
# ---------------------------------------------------------------------------


def plot_barcodes(
    barcodes: Barcodes,
    axes: Axes | Sequence[Axes] | None = None,
    dims: Sequence[int] = (0, 1),
    max_bars: int | None = 60,
    title: str | None = None,
    sort: str = "birth",
    colors: Sequence[str] | None = None,
) -> Figure:
    """The classic barcode plot: one panel per degree, one horizontal bar per class.

    If a degree has more than ``max_bars`` bars only the ``max_bars`` longest
    are drawn (so the long ones always are) and the panel says how many were
    left out.  Bars are then stacked sorted by birth (ties: longer first) or by
    length (longest on top).  Infinite bars are drawn up to
    ``barcodes.max_filtration`` and end in an arrow head.

    Parameters
    ----------
    barcodes : Barcodes
        From :func:`witness_barcodes` or :func:`rips_barcodes`.
    axes : matplotlib Axes or sequence of Axes, optional
        One per entry of ``dims``; a new figure is made if omitted.
    dims : sequence of int, default (0, 1)
        Degrees to draw (each must have been computed).
    max_bars : int or None, default 60
        Most bars drawn per degree (None: all).
    title : str, optional
        Figure title (suptitle on a new figure, else the first panel's title).
    sort : {"birth", "length"}
        Vertical order of the bars.
    colors : sequence of str, optional
        One colour per degree.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (``plt.show()`` is not called).
    """
    import matplotlib.pyplot as plt

    if not isinstance(barcodes, Barcodes):
        raise ValueError("barcodes must be a Barcodes object (from witness_barcodes or rips_barcodes).")
    dims = list(dims)
    if not dims:
        raise ValueError("dims is empty; pass the homology degrees to draw, e.g. dims=(0, 1).")
    for q in dims:
        barcodes._dgm(q)  # validates
    if sort not in ("birth", "length"):
        raise ValueError(f"sort must be 'birth' or 'length'; got {sort!r}.")
    if max_bars is not None:
        max_bars = _check_int(max_bars, "max_bars", 1)

    new_fig = axes is None
    if new_fig:
        fig, ax_arr = plt.subplots(
            len(dims), 1, figsize=(6.0, 1.2 + 1.6 * len(dims)), squeeze=False, sharex=True
        )
        ax_list = list(ax_arr[:, 0])
    else:
        ax_list = list(np.atleast_1d(np.asarray(axes, dtype=object)).ravel())
        if len(ax_list) != len(dims):
            raise ValueError(
                f"got {len(ax_list)} axes for {len(dims)} degrees; pass one Axes per entry of dims."
            )
        fig = ax_list[0].figure
    if colors is None:
        colors = ["tab:blue", "tab:red", "tab:green", "tab:purple", "tab:orange"]

    end = barcodes.max_filtration
    if not np.isfinite(end) or end <= 0:
        fin = [d[np.isfinite(d)] for d in barcodes.dgms]
        vals = np.concatenate(fin) if fin else np.zeros(0)
        end = float(vals.max()) if vals.size else 1.0
    xmax = end * 1.04 if end > 0 else 1.0

    for ax, q in zip(ax_list, dims):
        d = barcodes._dgm(q)
        life = d[:, 1] - d[:, 0]
        n_all = len(d)
        keep = np.argsort(-life, kind="stable")
        if max_bars is not None:
            keep = keep[:max_bars]
        d, life = d[keep], life[keep]
        if sort == "birth":
            order = np.lexsort((-life, d[:, 0]))
        else:
            order = np.argsort(-life, kind="stable")
        d = d[order]
        color = colors[q % len(colors)]
        n = len(d)
        y = np.arange(n)[::-1]  # first bar at the top
        inf = ~np.isfinite(d[:, 1])
        deaths = np.where(inf, end, d[:, 1])
        ax.hlines(y, d[:, 0], deaths, color=color, lw=float(np.clip(120.0 / max(n, 1), 0.5, 2.0)))
        if inf.any():
            ax.plot(np.full(int(inf.sum()), end), y[inf], marker=">", ls="none", color=color, ms=6)
        ax.set_ylim(-1, max(n, 1))
        ax.set_yticks([])
        ax.set_xlim(0, xmax)
        ax.set_ylabel(f"$H_{q}$", rotation=0, ha="right", va="center")
        note = f"{n} longest of {n_all} bars" if n < n_all else ("no bars" if n == 0 else "")
        if note:
            ax.text(
                0.99, 0.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color="0.4"
            )
        ax.axvline(end, color="0.7", lw=0.8, ls=":")
    ax_list[-1].set_xlabel(
        "filtration value" + (" (lazy witness)" if barcodes.method == "lazy_witness" else " (Rips)")
    )
    if title is not None:
        if new_fig:
            fig.suptitle(title)
        else:
            ax_list[0].set_title(title)
    if new_fig:
        fig.tight_layout()
    return fig
