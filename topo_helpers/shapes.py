"""One stated rule for each shape the book tests, and one way from a test to a verdict.

The papers name five shapes in point clouds of 3x3 filters or patches; every chapter judges them by
the rules here, never by code of its own:

==================  =======================  ==========================================================
shape               rule                     judged by
==================  =======================  ==========================================================
primary circle      :data:`CIRCLE_RULE`      :func:`primary_circle_test` -> :class:`CircleTest`
two-circle model    :data:`TWO_CIRCLE_RULE`  :func:`two_circle_test` -> :class:`TwoCircleTest`
three-circle model  :data:`THREE_CIRCLE_RULE` :func:`three_circle_test` -> :class:`ThreeCircleTest`
Klein bottle        :data:`KLEIN_RULE`       :func:`klein_test` -> :class:`KleinTest`
clusters            :data:`CLUSTER_RULE`     :func:`cluster_test` -> :class:`ClusterTest`
==================  =======================  ==========================================================

Each rule is a dict whose thresholds are stated once, beside the paper's words; each test is a
frozen dataclass with ``present`` (the rule holds), ``partly`` (a stated part of it holds),
``short()`` (a table cell) and ``why()`` (one line naming the conditions that fail). A test reads a
cloud (``core``: ``(N, 9)`` mean-centred, unit-norm filters in pixels) with either its
:class:`~topo_helpers.persistence.Barcodes` (loops are persistent H1 bars, components persistent H0
bars, :meth:`~topo_helpers.persistence.Barcodes.n_persistent`) or its
:class:`~topo_helpers.mapper.MapperGraph` (loops are the nerve's first Betti number, components the
graph's).

:func:`verdict` turns a test of the trained cloud, a test of its idealised control (the same
pipeline on a noisy sample of the shape, made like the cloud) and a test of the untrained filters
into one of :mod:`topo_helpers.report`'s verdicts; :func:`control_passes` is the untrained half of
it for :func:`topo_helpers.report.against_control`; :func:`combine` joins the verdicts of one claim
tested on several clouds.

:mod:`topo_helpers.cloud` re-exports the circle rule (``cloud.CIRCLE_RULE``,
``cloud.primary_circle_test``), whose home is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import report
from .mapper import MapperGraph
from .patches import circle_model_fit, klein_bottle_fit, patch_type_names, primary_circle_fit
from .persistence import Barcodes
from .validate import finite_array

__all__ = [
    "CIRCLE_RULE", "TWO_CIRCLE_RULE", "THREE_CIRCLE_RULE", "KLEIN_RULE", "CLUSTER_RULE",
    "CircleTest", "TwoCircleTest", "SecondaryCirclesTest", "ThreeCircleTest", "KleinTest", "ClusterTest",
    "primary_circle_test", "two_circle_test", "three_circle_test", "klein_test", "cluster_test",
    "verdict", "control_passes", "combine",
]

Evidence = Barcodes | MapperGraph
"""What a test reads beside the cloud: its witness barcodes or its Mapper graph."""

# ------------------------------------------------------------------------------------------ the rules

#: The primary circle (001 §V: "the primary circle", a loop of edge filters through every
#: orientation; Carlsson et al. 2008). A cloud shows it when it has at least ``min_h1`` loops
#: (persistent H1 bars, or Mapper loops), at least ``min_near`` of its points lie within 0.5 of the
#: idealised circle, and those points cover at least ``min_coverage`` of the 16 orientation bins
#: (:func:`topo_helpers.patches.primary_circle_fit`). A bar alone can be any loop; edges of a few
#: orientations are clusters, not a circle. The thresholds are the book's (the papers judge pictures).
CIRCLE_RULE: dict[str, float] = {"min_h1": 1, "min_near": 0.5, "min_coverage": 0.75}

#: The two-circle model (001 §V-B-2, Fig 7: "Two circles intersecting at two points have three loops
#: and one connected component, which can be seen among the barcodes"). Present: exactly ``loops``
#: loops and ``components`` component(s); partly: the three loops in more than one component.
TWO_CIRCLE_RULE: dict[str, int] = {"loops": 3, "components": 1}

#: The three-circle model (001 §II Fig 1 and §V-B-2 Fig 8, after Carlsson et al. 2008: the primary
#: circle and two secondary circles, "each of the secondary circles intersect the primary circle
#: twice but they do not intersect each other": 3 + 2 = 5 loops). Present: exactly ``loops`` loops,
#: at least ``min_line_frac`` of the cloud within 0.5 of a secondary circle's *line* half (the part
#: of the model beyond the primary circle, :func:`topo_helpers.patches.circle_model_fit`), and each
#: secondary circle covering at least ``min_coverage`` of its 16 angle bins, a bin counting when it
#: holds ``bin_share`` of its fair share of the points near that circle. Partly: the loops without
#: the secondary circles, or the secondary circles' lines without the loops. The thresholds are the
#: book's, set on the reference clouds of chapter 1, not on any network: the secondary circles of
#: natural images are sparse (van Hateren's X(15,30), the paper's three-circle model, has 1.5% of its
#: points on the line halves and every bin reached, X(300,30), the primary circle alone, 0% and a
#: quarter of the bins, uniform noise on the sphere 0.5%), so 1% and a fiftieth of a fair share.
THREE_CIRCLE_RULE: dict[str, float] = {"loops": 5, "min_line_frac": 0.01, "min_coverage": 0.75,
                                       "bin_share": 0.02}

#: The Klein bottle (001 §V-C, "the Klein bottle model in [2]", Carlsson et al. 2008; its Betti
#: numbers over Z/2 are 1, 2, 1). Present: persistent bars ``betti`` in degrees 0, 1, 2 and at least
#: ``min_near`` of the cloud within 0.5 of the idealised Klein bottle
#: (:func:`topo_helpers.patches.klein_bottle_fit`: ``1 - frac_far``); partly: H1 = 2 or H2 = 1
#: (part of the Betti numbers). The 50% is the book's, the circle rule's share.
KLEIN_RULE: dict[str, Any] = {"betti": (1, 2, 1), "min_near": 0.5}

#: Clusters (001 §V-B-1, Fig 3: "in both cases we find five cluster structures"). Present: exactly
#: ``clusters`` persistent H0 bars (separated components; Mapper: the graph's components) and as many
#: patch types (:func:`topo_helpers.patches.patch_type_names`, not "other") each holding at least
#: ``min_type_share`` of the cloud (what the clusters are). Partly: either count within
#: ``partly_within`` of ``clusters`` (three to seven). The 8% and the band are the book's.
CLUSTER_RULE: dict[str, float] = {"clusters": 5, "min_type_share": 0.08, "partly_within": 2}


# ---------------------------------------------------------------------------------------- input checks

def _cloud(core: object) -> np.ndarray:
    """``core`` as a finite float64 ``(N, 9)`` array with ``N >= 1``."""
    try:
        A = np.asarray(core, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"core must be a numeric (N, 9) array of normalised 3x3 filters: {err}") from None
    if A.ndim != 2 or A.shape[1] != 9 or len(A) == 0:
        raise ValueError(f"core must be a non-empty (N, 9) array of normalised 3x3 filters (rows of "
                         f"filters.spatial_filters, or filters.dct_to_patches of DCT points); got shape {A.shape}")
    if not np.isfinite(A).all():
        raise ValueError("the cloud holds NaN or inf; filter or normalise the filters first (filters.spatial_filters)")
    return finite_array(A, "core", ndim=2)


def _evidence(evidence: object, name: str = "barcodes") -> Evidence:
    if not isinstance(evidence, (Barcodes, MapperGraph)):
        raise ValueError(f"{name} must be a topo_helpers.persistence.Barcodes (persistent bars) or a "
                         f"topo_helpers.mapper.MapperGraph (Mapper loops); got {type(evidence).__name__}")
    return evidence


def _loops(evidence: Evidence) -> tuple[int, str]:
    """Loops of the evidence and where they come from: ``(n, "barcodes")`` or ``(n, "Mapper")``."""
    if isinstance(evidence, MapperGraph):
        return int(evidence.nerve_betti1()), "Mapper"
    return int(evidence.n_persistent(1)), "barcodes"


def _components(evidence: Evidence) -> int:
    if isinstance(evidence, MapperGraph):
        return int(evidence.n_components)
    return int(evidence.n_persistent(0))


def _loop_word(n: int, source: str) -> str:
    return f"{n} Mapper loop(s)" if source == "Mapper" else f"{n} persistent H1 bar(s)"


def _cell(present: bool, partly: bool) -> str:
    return "yes" if present else ("partly" if partly else "no")


class _RuleTest:
    """What every test shares: ``why()`` from its ``fails()``, worded by ``_HOLDS`` and ``_FAILS``."""

    _HOLDS = "the rule holds: "
    _FAILS = "no shape by the rule: "

    def short(self) -> str:  # pragma: no cover - every test defines its cell
        raise NotImplementedError

    def fails(self) -> list[str]:  # pragma: no cover - every test defines its conditions
        raise NotImplementedError

    def _held(self) -> str:
        return self._HOLDS + self.short()

    def why(self) -> str:
        """One line naming the conditions that fail (or that all hold)."""
        f = self.fails()
        return self._held() if not f else self._FAILS + "; ".join(f)


# ----------------------------------------------------------------------------------- primary circle

@dataclass(frozen=True)
class CircleTest(_RuleTest):
    """The outcome of :func:`primary_circle_test` on one cloud: its three measurements and the rule's answer.

    Attributes
    ----------
    n_points : int
        Size of the cloud judged.
    n_h1 : int
        Its loops: persistent H1 bars (``loops_from == "barcodes"``) or Mapper loops.
    frac_near, coverage : float
        Share of the cloud within 0.5 of the idealised circle, and share of the 16 orientation bins
        those points cover.
    loops_from : str
        ``"barcodes"`` or ``"Mapper"``.
    """

    n_points: int
    n_h1: int
    frac_near: float
    coverage: float
    loops_from: str = "barcodes"

    @property
    def present(self) -> bool:
        """All three conditions of :data:`CIRCLE_RULE` hold."""
        r = CIRCLE_RULE
        return self.n_h1 >= r["min_h1"] and self.frac_near >= r["min_near"] and self.coverage >= r["min_coverage"]

    @property
    def partly(self) -> bool:
        """Always False: the circle rule has no partial form (a claim's extra condition is :func:`verdict`'s ``also``)."""
        return False

    def short(self) -> str:
        """``'yes (1 H1, 66% near, 88% of orientations)'``: a table cell."""
        loops = f"{self.n_h1} H1" if self.loops_from == "barcodes" else f"{self.n_h1} Mapper loop(s)"
        return (f"{'yes' if self.present else 'no'} ({loops}, {self.frac_near:.0%} near, "
                f"{self.coverage:.0%} of orientations)")

    _HOLDS, _FAILS = "the rule holds: ", "no circle by the rule: "

    def fails(self) -> list[str]:
        """The conditions of :data:`CIRCLE_RULE` that fail, one phrase each."""
        r = CIRCLE_RULE
        fails = [f"{_loop_word(self.n_h1, self.loops_from)} < {r['min_h1']:.0f}"] if self.n_h1 < r["min_h1"] else []
        if self.frac_near < r["min_near"]:
            fails.append(f"{self.frac_near:.0%} near the circle < {r['min_near']:.0%}")
        if self.coverage < r["min_coverage"]:
            fails.append(f"{self.coverage:.0%} of orientations < {r['min_coverage']:.0%}")
        return fails

    @classmethod
    def from_fit(cls, n_points: int, evidence: Evidence, fit: dict[str, float]) -> CircleTest:
        """The test from a :func:`~topo_helpers.patches.primary_circle_fit` already computed."""
        n, source = _loops(_evidence(evidence))
        return cls(n_points=int(n_points), n_h1=n, frac_near=float(fit["frac_near"]),
                   coverage=float(fit["coverage"]), loops_from=source)


def primary_circle_test(core: np.ndarray, barcodes: Evidence) -> CircleTest:
    """Judge one cloud by :data:`CIRCLE_RULE`.

    Parameters
    ----------
    core : array_like, shape (N, 9)
        The (density-filtered) cloud of mean-centred, unit-norm 3x3 filters.
    barcodes : topo_helpers.persistence.Barcodes or topo_helpers.mapper.MapperGraph
        Its barcodes (loops: ``Barcodes.n_persistent(1)``) or its Mapper graph (loops:
        ``MapperGraph.nerve_betti1()``).

    Returns
    -------
    CircleTest
        ``.present`` is the verdict; ``.why()`` says which condition failed.

    Raises
    ------
    ValueError
        For a cloud that is not ``(N, 9)``, is empty, or holds NaN or inf, or barcodes that are
        neither Barcodes nor a MapperGraph.
    """
    A = _cloud(core)
    return CircleTest.from_fit(len(A), _evidence(barcodes), primary_circle_fit(A))


# --------------------------------------------------------------------------------- two-circle model

@dataclass(frozen=True)
class TwoCircleTest(_RuleTest):
    """The outcome of :func:`two_circle_test`: loops and components against :data:`TWO_CIRCLE_RULE`."""

    n_points: int
    n_loops: int
    n_components: int
    loops_from: str = "barcodes"

    @property
    def present(self) -> bool:
        """Exactly three loops and one component."""
        r = TWO_CIRCLE_RULE
        return self.n_loops == r["loops"] and self.n_components == r["components"]

    @property
    def partly(self) -> bool:
        """The three loops, but not in one component."""
        return not self.present and self.n_loops == TWO_CIRCLE_RULE["loops"]

    def short(self) -> str:
        """``'no (1 H1, 1 H0)'`` or ``'no (0 Mapper loop(s), 4 component(s))'``: a table cell."""
        counts = (f"{self.n_loops} H1, {self.n_components} H0" if self.loops_from == "barcodes" else
                  f"{self.n_loops} Mapper loop(s), {self.n_components} component(s)")
        return f"{_cell(self.present, self.partly)} ({counts})"

    _HOLDS, _FAILS = "the two-circle rule holds: ", "no two-circle model by the rule: "

    def fails(self) -> list[str]:
        """The conditions of :data:`TWO_CIRCLE_RULE` that fail, one phrase each."""
        r = TWO_CIRCLE_RULE
        fails = []
        if self.n_loops != r["loops"]:
            fails.append(f"{_loop_word(self.n_loops, self.loops_from)}, not {r['loops']}")
        if self.n_components != r["components"]:
            fails.append(f"{self.n_components} component(s), not {r['components']}")
        return fails


def two_circle_test(core: np.ndarray, barcodes: Evidence) -> TwoCircleTest:
    """Judge one cloud by :data:`TWO_CIRCLE_RULE` (001 Fig 7: three loops, one component).

    Parameters
    ----------
    core : array_like, shape (N, 9)
        The cloud of mean-centred, unit-norm 3x3 filters (only its size is read: the paper's second
        circle is "strange", with no idealised model to measure against).
    barcodes : topo_helpers.persistence.Barcodes or topo_helpers.mapper.MapperGraph
        Loops and components: persistent H1 and H0 bars, or Mapper loops and graph components.

    Returns
    -------
    TwoCircleTest

    Raises
    ------
    ValueError
        As :func:`primary_circle_test`.
    """
    A = _cloud(core)
    ev = _evidence(barcodes)
    n, source = _loops(ev)
    return TwoCircleTest(n_points=len(A), n_loops=n, n_components=_components(ev), loops_from=source)


# ------------------------------------------------------------------------------- three-circle model

@dataclass(frozen=True)
class SecondaryCirclesTest(_RuleTest):
    """The secondary circles of :data:`THREE_CIRCLE_RULE`: lines on them, and both covered.

    Attributes
    ----------
    line_frac : float
        Share of the cloud within 0.5 of a secondary circle's line half.
    coverage_x, coverage_y : float
        Share of the angle bins of the secondary circle of vertical (``u = x``) and horizontal
        (``u = y``) structures covered by the points near it.
    """

    n_points: int
    line_frac: float
    coverage_x: float
    coverage_y: float

    @property
    def lines(self) -> bool:
        """At least ``min_line_frac`` of the cloud on the secondary circles' line halves."""
        return self.line_frac >= THREE_CIRCLE_RULE["min_line_frac"]

    @property
    def covered(self) -> bool:
        """Both secondary circles cover at least ``min_coverage`` of their angle bins."""
        return min(self.coverage_x, self.coverage_y) >= THREE_CIRCLE_RULE["min_coverage"]

    @property
    def present(self) -> bool:
        """The lines, and both secondary circles covered."""
        return self.lines and self.covered

    @property
    def partly(self) -> bool:
        """The lines, but not both circles covered."""
        return self.lines and not self.covered

    def short(self) -> str:
        """``'partly (26% line half, 56%, 81% covered)'``: a table cell."""
        return (f"{_cell(self.present, self.partly)} ({self.line_frac:.0%} line half, "
                f"{self.coverage_x:.0%}, {self.coverage_y:.0%} covered)")

    def fails(self) -> list[str]:
        """The conditions that fail, one phrase each."""
        r = THREE_CIRCLE_RULE
        out = [] if self.lines else [f"{self.line_frac:.0%} on the secondary line halves < {r['min_line_frac']:.0%}"]
        for name, c in (("vertical", self.coverage_x), ("horizontal", self.coverage_y)):
            if c < r["min_coverage"]:
                out.append(f"the {name} secondary circle covers {c:.0%} < {r['min_coverage']:.0%}")
        return out

    _HOLDS, _FAILS = "the secondary circles are there: ", "secondary circles by the rule: "


@dataclass(frozen=True)
class ThreeCircleTest(_RuleTest):
    """The outcome of :func:`three_circle_test`: five loops and the secondary circles (:data:`THREE_CIRCLE_RULE`)."""

    n_points: int
    n_loops: int
    secondary: SecondaryCirclesTest
    loops_from: str = "barcodes"

    @property
    def loops(self) -> bool:
        """Exactly five loops."""
        return self.n_loops == THREE_CIRCLE_RULE["loops"]

    @property
    def present(self) -> bool:
        """Five loops, the secondary circles' lines, both secondary circles covered."""
        return self.loops and self.secondary.present

    @property
    def partly(self) -> bool:
        """Not present, but the five loops, or the lines of the secondary circles, are there."""
        return not self.present and (self.loops or self.secondary.lines)

    def short(self) -> str:
        """``'partly (1 H1, 26% line half, 56%, 81% covered)'``: a table cell."""
        s = self.secondary
        loops = f"{self.n_loops} H1" if self.loops_from == "barcodes" else f"{self.n_loops} Mapper loop(s)"
        return (f"{_cell(self.present, self.partly)} ({loops}, {s.line_frac:.0%} line half, "
                f"{s.coverage_x:.0%}, {s.coverage_y:.0%} covered)")

    _HOLDS, _FAILS = "the three-circle rule holds: ", "no three-circle model by the rule: "

    def fails(self) -> list[str]:
        """The conditions of :data:`THREE_CIRCLE_RULE` that fail, one phrase each."""
        fails = [] if self.loops else [f"{_loop_word(self.n_loops, self.loops_from)}, not "
                                       f"{THREE_CIRCLE_RULE['loops']:.0f}"]
        return fails + self.secondary.fails()


def three_circle_test(core: np.ndarray, barcodes: Evidence) -> ThreeCircleTest:
    """Judge one cloud by :data:`THREE_CIRCLE_RULE` (001 Figs 1 and 8: five loops, both secondary circles).

    Parameters
    ----------
    core : array_like, shape (N, 9)
        The cloud of mean-centred, unit-norm 3x3 filters, placed on the three-circle model by
        :func:`topo_helpers.patches.circle_model_fit`.
    barcodes : topo_helpers.persistence.Barcodes or topo_helpers.mapper.MapperGraph
        Its loops: persistent H1 bars or Mapper loops.

    Returns
    -------
    ThreeCircleTest

    Raises
    ------
    ValueError
        As :func:`primary_circle_test`.
    """
    A = _cloud(core)
    n, source = _loops(_evidence(barcodes))
    fit = circle_model_fit(A, min_share=THREE_CIRCLE_RULE["bin_share"])
    sec = SecondaryCirclesTest(n_points=len(A), line_frac=float(fit["line_frac"]),
                               coverage_x=float(fit["coverage"]["secondary x"]),
                               coverage_y=float(fit["coverage"]["secondary y"]))
    return ThreeCircleTest(n_points=len(A), n_loops=n, secondary=sec, loops_from=source)


# ------------------------------------------------------------------------------------- Klein bottle

@dataclass(frozen=True)
class KleinTest(_RuleTest):
    """The outcome of :func:`klein_test`: persistent Betti numbers and the share near the Klein bottle."""

    n_points: int
    betti: tuple[int, int, int]
    frac_near: float

    @property
    def present(self) -> bool:
        """Betti numbers (1, 2, 1) and at least ``min_near`` of the cloud near the Klein bottle."""
        return tuple(self.betti) == tuple(KLEIN_RULE["betti"]) and self.frac_near >= KLEIN_RULE["min_near"]

    @property
    def partly(self) -> bool:
        """Not present, but H1 = 2 or H2 = 1."""
        b = KLEIN_RULE["betti"]
        return not self.present and (self.betti[1] == b[1] or self.betti[2] == b[2])

    def short(self) -> str:
        """``'yes (1, 2, 1; 98% near)'``: a table cell."""
        return f"{_cell(self.present, self.partly)} ({', '.join(map(str, self.betti))}; {self.frac_near:.0%} near)"

    _HOLDS, _FAILS = "the Klein-bottle rule holds: ", "no Klein bottle by the rule: "

    def fails(self) -> list[str]:
        """The conditions of :data:`KLEIN_RULE` that fail, one phrase each."""
        b = KLEIN_RULE["betti"]
        fails = []
        if tuple(self.betti) != tuple(b):
            fails.append(f"persistent bars {', '.join(map(str, self.betti))} in degrees 0, 1, 2, not "
                         f"{', '.join(map(str, b))}")
        if self.frac_near < KLEIN_RULE["min_near"]:
            fails.append(f"{self.frac_near:.0%} near the Klein bottle < {KLEIN_RULE['min_near']:.0%}")
        return fails


def klein_test(core: np.ndarray, barcodes: Barcodes) -> KleinTest:
    """Judge one cloud by :data:`KLEIN_RULE` (Betti numbers 1, 2, 1 over Z/2; most of it near the Klein bottle).

    Parameters
    ----------
    core : array_like, shape (N, 9)
        The cloud of mean-centred, unit-norm 3x3 filters (pixels: map DCT points back with
        ``filters.dct_to_patches``).
    barcodes : topo_helpers.persistence.Barcodes
        Its barcodes up to degree 2 (``maxdim=2``), Z/2 coefficients.

    Returns
    -------
    KleinTest

    Raises
    ------
    ValueError
        As :func:`primary_circle_test`; also for a MapperGraph (no H2) or barcodes without degree 2.
    """
    A = _cloud(core)
    if not isinstance(barcodes, Barcodes):
        raise ValueError(f"barcodes must be a topo_helpers.persistence.Barcodes with degrees 0-2; got "
                         f"{type(barcodes).__name__} (Mapper has no H2)")
    if barcodes.maxdim < 2:
        raise ValueError(f"the Klein-bottle rule needs H2: these barcodes stop at degree {barcodes.maxdim}; "
                         "recompute them with maxdim=2")
    betti = tuple(int(barcodes.n_persistent(d)) for d in range(3))
    return KleinTest(n_points=len(A), betti=betti, frac_near=1.0 - float(klein_bottle_fit(A)["frac_far"]))


# ----------------------------------------------------------------------------------------- clusters

@dataclass(frozen=True)
class ClusterTest(_RuleTest):
    """The outcome of :func:`cluster_test`: separated components and the patch types they are.

    Attributes
    ----------
    n_components : int
        Persistent H0 bars (or Mapper graph components).
    types : tuple of str
        Patch types (not "other") holding at least ``min_type_share`` of the cloud, most frequent first.
    """

    n_points: int
    n_components: int
    types: tuple[str, ...]
    components_from: str = "barcodes"

    @property
    def n_types(self) -> int:
        """How many patch types hold at least ``min_type_share`` of the cloud."""
        return len(self.types)

    @property
    def present(self) -> bool:
        """Exactly ``clusters`` components and as many patch types."""
        k = CLUSTER_RULE["clusters"]
        return self.n_components == k and self.n_types == k

    @property
    def partly(self) -> bool:
        """Not present, but one of the two counts within ``partly_within`` of ``clusters``."""
        k, w = CLUSTER_RULE["clusters"], CLUSTER_RULE["partly_within"]
        return not self.present and (abs(self.n_components - k) <= w or abs(self.n_types - k) <= w)

    def short(self) -> str:
        """``'partly (1 H0, 3 types)'``: a table cell."""
        comp = f"{self.n_components} H0" if self.components_from == "barcodes" else f"{self.n_components} component(s)"
        return f"{_cell(self.present, self.partly)} ({comp}, {self.n_types} types)"

    _FAILS = "not five clusters by the rule: "

    def _held(self) -> str:
        return f"the cluster rule holds: {self.short()}: {', '.join(self.types)}"

    def fails(self) -> list[str]:
        """The conditions of :data:`CLUSTER_RULE` that fail, one phrase each."""
        k = CLUSTER_RULE["clusters"]
        comp = "persistent H0 bar(s)" if self.components_from == "barcodes" else "Mapper component(s)"
        fails = [] if self.n_components == k else [f"{self.n_components} {comp}, not {k:.0f}"]
        if self.n_types != k:
            fails.append(f"{self.n_types} patch type(s) with >= {CLUSTER_RULE['min_type_share']:.0%} of the "
                         f"cloud ({', '.join(self.types) or 'none'}), not {k:.0f}")
        return fails


def cluster_test(core: np.ndarray, barcodes: Evidence) -> ClusterTest:
    """Judge one cloud by :data:`CLUSTER_RULE` (001 Fig 3: five cluster structures).

    Parameters
    ----------
    core : array_like, shape (N, 9)
        The cloud of mean-centred, unit-norm 3x3 filters; each is named after its nearest Klein-bottle
        patch (:func:`topo_helpers.patches.patch_type_names`).
    barcodes : topo_helpers.persistence.Barcodes or topo_helpers.mapper.MapperGraph
        Its components: persistent H0 bars or Mapper graph components.

    Returns
    -------
    ClusterTest

    Raises
    ------
    ValueError
        As :func:`primary_circle_test`.
    """
    A = _cloud(core)
    ev = _evidence(barcodes)
    names, counts = np.unique(patch_type_names(A), return_counts=True)
    order = np.argsort(-counts, kind="stable")
    types = tuple(str(names[i]) for i in order
                  if names[i] != "other" and counts[i] >= CLUSTER_RULE["min_type_share"] * len(A))
    return ClusterTest(n_points=len(A), n_components=_components(ev), types=types,
                       components_from="Mapper" if isinstance(ev, MapperGraph) else "barcodes")


# ------------------------------------------------------------------------------------------ verdicts

_TESTS = (CircleTest, TwoCircleTest, SecondaryCirclesTest, ThreeCircleTest, KleinTest, ClusterTest)


def _check_test(t: object, name: str) -> None:
    if not isinstance(t, _TESTS):
        raise ValueError(f"{name} must be a test of topo_helpers.shapes (CircleTest, ThreeCircleTest, ...); "
                         f"got {type(t).__name__}")


def control_passes(trained: Any, untrained: Any) -> bool:
    """Whether the untrained control passes the same test the trained cloud passed.

    A trained cloud that is ``present`` is matched by an untrained one that is ``present`` too; a
    trained cloud that is only ``partly`` there by an untrained one that is ``present`` or ``partly``.
    Give the result to :func:`topo_helpers.report.against_control`.

    Raises
    ------
    ValueError
        If either is not a test of this module, or they are tests of different shapes.
    """
    _check_test(trained, "trained")
    _check_test(untrained, "untrained")
    if type(trained) is not type(untrained):
        raise ValueError(f"trained and untrained must be tests of the same shape; got "
                         f"{type(trained).__name__} and {type(untrained).__name__}")
    if trained.present:
        return bool(untrained.present)
    return bool(untrained.present or untrained.partly)


def verdict(trained: Any, ideal: Any = None, untrained: Any = None, *, also: bool = True) -> str:
    """The book's one way from shape tests to a verdict of :mod:`topo_helpers.report`.

    * the trained cloud passes the rule (``present``, and the claim's extra condition ``also``):
      ``"reproduced"``; it passes without ``also``, or only ``partly``: ``"partly"``;
    * it fails, and the idealised control (the same pipeline on a noisy sample of the shape made like
      the cloud) fails too: ``"inconclusive"`` (the test is blind at this size and make-up);
    * it fails and the idealised control passes (or there is none, ``ideal=None``): ``"not reproduced"``;
    * a positive verdict where the untrained control passes the same test (:func:`control_passes`)
      becomes ``"inconclusive"``: the rule of :func:`topo_helpers.report.against_control`.

    Chapters that build a :class:`~topo_helpers.report.Claim` leave ``untrained`` out here and pass
    ``control_passes(trained, untrained)`` to ``report.against_control``, which gives the same verdict
    and says why in the reason.

    Parameters
    ----------
    trained, ideal, untrained : CircleTest, ThreeCircleTest, ... (one shape)
        The tests; ``ideal`` and ``untrained`` may be None (no such control).
    also : bool
        A further condition of the claim beyond the rule (e.g. Fig 2's "one H0 bar" beside the
        circle); a pass without it is ``"partly"``.

    Returns
    -------
    str
        One of ``report.REPRODUCED``, ``report.PARTLY``, ``report.NOT_REPRODUCED``, ``report.INCONCLUSIVE``.

    Raises
    ------
    ValueError
        If a test is not one of this module's, or the tests are of different shapes.
    """
    _check_test(trained, "trained")
    for name, t in (("ideal", ideal), ("untrained", untrained)):
        if t is not None:
            _check_test(t, name)
            if type(t) is not type(trained):
                raise ValueError(f"{name} must test the same shape as trained ({type(trained).__name__}); "
                                 f"got {type(t).__name__}")
    if not isinstance(also, (bool, np.bool_)):
        raise ValueError(f"also must be True or False; got {also!r}")
    if trained.present:
        v = report.REPRODUCED if also else report.PARTLY
    elif trained.partly:
        v = report.PARTLY
    elif ideal is not None and not ideal.present:
        v = report.INCONCLUSIVE
    else:
        v = report.NOT_REPRODUCED
    if untrained is not None and v in report.POSITIVE and control_passes(trained, untrained):
        v = report.INCONCLUSIVE
    return v


_ORDER = (report.REPRODUCED, report.PARTLY, report.NOT_REPRODUCED, report.INCONCLUSIVE)


def combine(verdicts: Iterable[str], *, need: str = "all") -> str:
    """One verdict for a claim tested on several clouds.

    Parameters
    ----------
    verdicts : iterable of str
        Verdicts of :func:`verdict` (reproduced, partly, not reproduced, inconclusive).
    need : {"all", "any"}
        ``"all"``: the claim is about each cloud (R, G and B): reproduced when every one is, partly
        when some are positive, inconclusive when every one is, not reproduced otherwise. ``"any"``:
        the claim holds if one setting shows it (two filtrations of one cloud): the best verdict,
        reproduced > partly > not reproduced > inconclusive.

    Raises
    ------
    ValueError
        For no verdicts, a verdict outside the four, or another ``need``.
    """
    vs: Sequence[str] = list(verdicts)
    if not vs:
        raise ValueError("combine needs at least one verdict")
    bad = [v for v in vs if v not in _ORDER]
    if bad:
        raise ValueError(f"combine takes the verdicts {list(_ORDER)}; got {bad}")
    if need == "any":
        return min(vs, key=_ORDER.index)
    if need != "all":
        raise ValueError(f"need must be 'all' or 'any'; got {need!r}")
    if all(v == report.REPRODUCED for v in vs):
        return report.REPRODUCED
    if any(v in report.POSITIVE for v in vs):
        return report.PARTLY
    if all(v == report.INCONCLUSIVE for v in vs):
        return report.INCONCLUSIVE
    return report.NOT_REPRODUCED
