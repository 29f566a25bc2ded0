"""Tests of topo_helpers.shapes: one rule per shape on idealised samples, exact thresholds, verdicts, errors."""

from __future__ import annotations

import numpy as np
import pytest

from topo_helpers import cloud, filters, patches, persistence, report, shapes
from topo_helpers.persistence import Barcodes


def _bc(X, n_landmarks=40, maxdim=1):
    return persistence.witness_barcodes(X, n_landmarks=n_landmarks, nu=2, maxdim=maxdim, seed=0)


def _bars(h0=1, h1=0, h2=None):
    """Barcodes with the given numbers of persistent bars (long bars over short noise) per degree."""
    def dgm(n, inf_first=False):
        long = [(0.0, np.inf)] if inf_first else []
        long += [(0.0, 1.0)] * (n - len(long))
        return np.array(long + [(0.0, 0.01)] * 20).reshape(-1, 2)
    dgms = [dgm(h0, inf_first=True), dgm(h1)] + ([] if h2 is None else [dgm(h2)])
    return Barcodes(dgms=dgms, method="test", max_filtration=1.0)


def _sphere(n, seed=0):
    return filters.normalise_points(np.random.default_rng(seed).standard_normal((n, 9)))[0]


def _klein_dct(side=25, noise=0.05, seed=0):
    """Chapter 01's Klein-bottle sample: patches in DCT coordinates plus noise; and the same in pixels."""
    D = filters.patches_to_dct(filters.klein_bottle_patches(side, side))
    D = D + noise * np.random.default_rng(seed).standard_normal(D.shape)
    return D, filters.normalise_points(filters.dct_to_patches(D).reshape(-1, 9))[0]


# ------------------------------------------------------------------------------- the primary circle

def test_circle_rule_lives_here_and_cloud_reexports_it():
    assert cloud.CIRCLE_RULE is shapes.CIRCLE_RULE
    assert cloud.primary_circle_test is shapes.primary_circle_test and cloud.CircleTest is shapes.CircleTest
    assert shapes.CIRCLE_RULE == {"min_h1": 1, "min_near": 0.5, "min_coverage": 0.75}


def test_primary_circle_passes_half_arc_and_noise_do_not():
    circle = patches.circle_model_sample(300, "primary", noise=0.05, seed=1)
    t = shapes.primary_circle_test(circle, _bc(circle))
    assert t.present and not t.partly and t.short().startswith("yes (1 H1")
    ang, _ = patches.gradient_angles(circle)
    arc = circle[ang < 0]                                                          # half the turn
    t_arc = shapes.primary_circle_test(arc, _bc(arc))
    assert not t_arc.present and "of orientations <" in t_arc.why()
    noise = _sphere(300)
    t_noise = shapes.primary_circle_test(noise, _bc(noise))
    assert not t_noise.present and "near the circle <" in t_noise.why()


def test_primary_circle_from_a_mapper_graph():
    from topo_helpers import mapper

    circle = patches.circle_model_sample(400, "primary", noise=0.05, seed=2)
    g = mapper.mapper_graph(circle, resolution=10, gain=3)
    t = shapes.primary_circle_test(circle, g)
    assert t.loops_from == "Mapper" and t.n_h1 == g.nerve_betti1() == 1 and t.present
    assert "Mapper loop(s)" in t.short()


def test_circle_thresholds_are_inclusive():
    r = shapes.CIRCLE_RULE
    assert shapes.CircleTest(10, 1, r["min_near"], r["min_coverage"]).present
    assert not shapes.CircleTest(10, 0, 1.0, 1.0).present
    assert not shapes.CircleTest(10, 1, r["min_near"] - 1e-9, 1.0).present
    assert not shapes.CircleTest(10, 1, 1.0, r["min_coverage"] - 1e-9).present


# ---------------------------------------------------------------------------- two and three circles

def test_two_circle_model_has_three_loops_and_one_component():
    two = patches.circle_model_sample(300, "two", noise=0.05, seed=0)
    t = shapes.two_circle_test(two, _bc(two))
    assert t.present and (t.n_loops, t.n_components) == (3, 1)
    circle = patches.circle_model_sample(300, "primary", noise=0.05, seed=0)
    t1 = shapes.two_circle_test(circle, _bc(circle))
    assert not t1.present and not t1.partly and "1 persistent H1 bar(s), not 3" in t1.why()
    # the three loops in two components: partly
    split = shapes.two_circle_test(two, _bars(h0=2, h1=3))
    assert split.partly and not split.present and "2 component(s), not 1" in split.why()


def test_three_circle_sample_passes_and_the_primary_circle_alone_does_not():
    three = patches.circle_model_sample(300, "three", noise=0.05, seed=0)
    t = shapes.three_circle_test(three, _bc(three))
    assert t.present and t.n_loops == 5 and t.secondary.present
    assert t.why().startswith("the three-circle rule holds")
    circle = patches.circle_model_sample(300, "primary", noise=0.05, seed=0)
    t1 = shapes.three_circle_test(circle, _bc(circle))
    assert not t1.present and not t1.partly and not t1.secondary.lines
    assert "not 5" in t1.why() and "line halves" in t1.why()
    # five loops from somewhere else (a cloud with no secondary circles): only partly
    t5 = shapes.three_circle_test(circle, _bars(h1=5))
    assert t5.loops and t5.partly and not t5.present


def test_three_circle_thresholds_are_inclusive():
    r = shapes.THREE_CIRCLE_RULE
    s = shapes.SecondaryCirclesTest(100, r["min_line_frac"], r["min_coverage"], r["min_coverage"])
    assert s.present and shapes.ThreeCircleTest(100, 5, s).present
    below = shapes.SecondaryCirclesTest(100, r["min_line_frac"], r["min_coverage"], r["min_coverage"] - 0.01)
    assert below.partly and not below.present and "horizontal secondary circle" in below.why()
    assert shapes.ThreeCircleTest(100, 4, below).partly             # the lines, not the loops
    none = shapes.SecondaryCirclesTest(100, r["min_line_frac"] - 1e-9, 1.0, 1.0)
    assert not none.present and not none.partly
    assert not shapes.ThreeCircleTest(100, 4, none).partly


# ------------------------------------------------------------------------------------ Klein bottle

def test_klein_patches_pass_the_klein_rule_three_circles_and_noise_do_not():
    D, P = _klein_dct()
    t = shapes.klein_test(P, _bc(D, maxdim=2))
    assert t.present and t.betti == (1, 2, 1) and t.frac_near > 0.9
    three = patches.circle_model_sample(300, "three", noise=0.05, seed=0)
    t3 = shapes.klein_test(three, _bc(three, maxdim=2))
    assert not t3.present and t3.betti[1] == 5 and "not 1, 2, 1" in t3.why()
    noise = _sphere(400)
    tn = shapes.klein_test(noise, _bc(noise, maxdim=2))
    assert not tn.present and not tn.partly and "near the Klein bottle <" in tn.why()


def test_klein_thresholds():
    assert shapes.KleinTest(10, (1, 2, 1), shapes.KLEIN_RULE["min_near"]).present
    far = shapes.KleinTest(10, (1, 2, 1), shapes.KLEIN_RULE["min_near"] - 0.01)
    assert not far.present and far.partly
    assert shapes.KleinTest(10, (1, 1, 1), 1.0).partly and not shapes.KleinTest(10, (1, 1, 0), 1.0).partly


# ---------------------------------------------------------------------------------------- clusters

def test_clusters_counted_on_separated_blobs():
    K = filters.klein_bottle_patches(8, 8).reshape(8, 8, 9)      # [orientation, edge (0) .. line (2)]
    centres = filters.normalise_points(np.array([K[0, 0], K[4, 0], K[0, 2], K[4, 2], K[2, 2]]))[0]
    rng = np.random.default_rng(0)
    X = filters.normalise_points(np.repeat(centres, 40, axis=0) + 0.03 * rng.standard_normal((200, 9)))[0]
    t = shapes.cluster_test(X, _bc(X))
    assert t.n_components == 5 and t.n_types == 5 and t.present, t.why()
    three = X[:120]
    t3 = shapes.cluster_test(three, _bc(three))
    assert t3.n_components == 3 and t3.partly and not t3.present and "not 5" in t3.why()
    one = shapes.cluster_test(X[:40], _bc(X[:40]))                     # one blob, one type
    assert one.n_types == 1 and not one.present


def test_cluster_thresholds():
    k, w = shapes.CLUSTER_RULE["clusters"], shapes.CLUSTER_RULE["partly_within"]
    assert shapes.ClusterTest(10, k, ("a",) * k).present
    assert shapes.ClusterTest(10, k + w, ()).partly and shapes.ClusterTest(10, 1, ("a",) * (k - w)).partly
    assert not shapes.ClusterTest(10, k + w + 1, ("a",) * (k - w - 1)).partly


# ---------------------------------------------------------------------------------------- verdicts

def test_verdict_branches():
    yes, no = shapes.CircleTest(10, 1, 1.0, 1.0), shapes.CircleTest(10, 0, 1.0, 1.0)
    assert shapes.verdict(yes, no) == report.REPRODUCED                 # present: positive, whatever the ideal
    assert shapes.verdict(yes, yes, also=False) == report.PARTLY        # present without the claim's extra
    assert shapes.verdict(no, no) == report.INCONCLUSIVE                # blind: the ideal fails too
    assert shapes.verdict(no, yes) == report.NOT_REPRODUCED             # the ideal is seen, ours is not
    assert shapes.verdict(no) == report.NOT_REPRODUCED                  # no idealised control
    assert shapes.verdict(yes, yes, untrained=yes) == report.INCONCLUSIVE   # the untrained pass too
    assert shapes.verdict(yes, yes, untrained=no) == report.REPRODUCED
    part, none = shapes.ClusterTest(10, 3, ()), shapes.ClusterTest(10, 1, ())
    assert shapes.verdict(part, none) == report.PARTLY
    assert shapes.verdict(part, untrained=part) == report.INCONCLUSIVE       # partly matched by partly
    assert not shapes.control_passes(shapes.ClusterTest(10, 5, ("a",) * 5), part)   # present needs present


def test_verdict_agrees_with_report_against_control():
    yes = shapes.CircleTest(10, 1, 1.0, 1.0)
    c = report.Claim(id="001-test", paper="001", section="§V", figure="", claim="c", paper_value="p", ours="o",
                     control="it. 0: yes", verdict=shapes.verdict(yes), reason="r")
    judged = report.against_control(c, control_passes=shapes.control_passes(yes, yes))
    assert judged.verdict == shapes.verdict(yes, untrained=yes) == report.INCONCLUSIVE


def test_combine():
    R, P, N, I = report.REPRODUCED, report.PARTLY, report.NOT_REPRODUCED, report.INCONCLUSIVE
    assert shapes.combine([R, R, R]) == R and shapes.combine([R, N, I]) == P
    assert shapes.combine([I, I]) == I and shapes.combine([N, I]) == N
    assert shapes.combine([N, P], need="any") == P and shapes.combine([I, N], need="any") == N


# ------------------------------------------------------------------------------------------ errors

def test_errors_say_what_to_do():
    bars = _bars(h1=1)
    with pytest.raises(ValueError, match="NaN or inf"):
        shapes.three_circle_test(np.full((5, 9), np.nan), bars)
    with pytest.raises(ValueError, match=r"\(N, 9\)"):
        shapes.two_circle_test(np.zeros((5, 4)), bars)
    with pytest.raises(ValueError, match=r"\(N, 9\)"):
        shapes.cluster_test(np.zeros((0, 9)), bars)
    with pytest.raises(ValueError, match="Barcodes"):
        shapes.primary_circle_test(np.eye(9)[:3], [1, 2])
    with pytest.raises(ValueError, match="maxdim=2"):
        shapes.klein_test(np.eye(9)[:3], bars)
    with pytest.raises(ValueError, match="Mapper has no H2"):
        from topo_helpers import mapper
        shapes.klein_test(np.eye(9), mapper.mapper_graph(_sphere(30), resolution=3))
    with pytest.raises(ValueError, match="same shape"):
        shapes.verdict(shapes.CircleTest(1, 1, 1, 1), shapes.ClusterTest(1, 5, ()))
    with pytest.raises(ValueError, match="test of topo_helpers.shapes"):
        shapes.verdict("yes")
    with pytest.raises(ValueError, match="True or False"):
        shapes.verdict(shapes.CircleTest(1, 1, 1, 1), also=1)
    with pytest.raises(ValueError, match="at least one"):
        shapes.combine([])
    with pytest.raises(ValueError, match="verdicts"):
        shapes.combine(["maybe"])
    with pytest.raises(ValueError, match="'all' or 'any'"):
        shapes.combine([report.REPRODUCED], need="most")
