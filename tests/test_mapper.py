"""Behavioural tests for topo_helpers.mapper (Mapper(res, gain), VNE, gap cut, HTML)."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
from importlib import resources

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from topo_helpers import mapper as tm
from topo_helpers import mapper_draw as td
from topo_helpers.mapper import (
    MapperGraph,
    cover_intervals,
    gap_cut,
    mapper_graph,
    mapper_html,
    mapper_iframe,
    pca_lens,
    plot_mapper,
    vne_scale,
)

# ---------------------------------------------------------------- data


def noisy_circle(n=400, noise=0.05, seed=0):
    r = np.random.default_rng(seed)
    t = r.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] + noise * r.normal(size=(n, 2))


def figure_eight(n=800, noise=0.04, seed=0):
    """Two unit circles touching at the origin, side by side along x."""
    r = np.random.default_rng(seed)
    t = r.uniform(0, 2 * np.pi, n)
    side = r.integers(0, 2, n)
    x = np.where(side == 0, -1 + np.cos(t), 1 - np.cos(t))
    return np.c_[x, np.sin(t)] + noise * r.normal(size=(n, 2))


def two_blobs(n=200, d=5, sep=15.0, seed=0):
    r = np.random.default_rng(seed)
    return np.r_[r.normal(size=(n, d)), r.normal(size=(n, d)) + sep]


def primary_circle_patches(n=1500, noise=0.1, seed=0):
    """Mean-centred unit-norm 3x3 linear-gradient patches at random angles (S^7 points)."""
    r = np.random.default_rng(seed)
    th = r.uniform(0, 2 * np.pi, n)
    u, v = np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 0.0, 1.0])
    P = np.cos(th)[:, None] * u.ravel() + np.sin(th)[:, None] * v.ravel()
    P = P + noise * r.normal(size=P.shape)
    P -= P.mean(axis=1, keepdims=True)
    return P / np.linalg.norm(P, axis=1, keepdims=True)


# ---------------------------------------------------------------- topology


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_circle_is_one_loop(seed):
    X = noisy_circle(seed=seed)
    g = mapper_graph(X, lens=X[:, 0], resolution=10, gain=2)
    assert g.n_components == 1
    assert g.betti1 == 1
    assert g.nerve_betti1() == 1


@pytest.mark.parametrize("seed", [0, 1])
def test_noisy_circle_default_pca_lens_gain3(seed):
    # 2-D PCA lens, gain 3: many graph triangles, but the nerve has one loop
    g = mapper_graph(noisy_circle(seed=seed), resolution=8, gain=3)
    assert g.n_components == 1
    assert g.nerve_betti1() == 1
    assert g.betti1 > 1  # the graph cycle rank counts the triangles as well


@pytest.mark.parametrize("seed", [0, 3])
def test_two_far_blobs_two_components_no_cycle(seed):
    X = two_blobs(seed=seed)
    g = mapper_graph(X, lens=X[:, 0], resolution=6, gain=2)
    assert g.n_components == 2
    assert g.betti1 == 0
    # no node mixes the blobs
    for m in g.nodes:
        assert np.all(m < 200) or np.all(m >= 200)


@pytest.mark.parametrize("seed", [0, 1])
def test_figure_eight_two_loops(seed):
    X = figure_eight(seed=seed)
    g = mapper_graph(X, lens=X[:, 0], resolution=12, gain=2)
    assert g.n_components == 1
    assert g.betti1 == 2
    g3 = mapper_graph(X, resolution=10, gain=3)
    assert g3.nerve_betti1() == 2


def test_primary_circle_patches_mapper_30_3():
    X = primary_circle_patches()
    g = mapper_graph(X)  # Mapper(30,3), PCA 1-2, VNE
    assert g.params["resolution"] == 30 and g.params["gain"] == 3.0
    assert g.n_components == 1
    assert g.nerve_betti1() == 1
    assert g.summary().startswith("Mapper(30,3): ")


# ---------------------------------------------------------------- cover


@pytest.mark.parametrize(
    "res,gain,length,step",
    [(30, 3, 3 / 32, 1 / 32), (70, 2, 2 / 71, 1 / 71), (1, 3, 1.0, 1 / 3), (10, 1.5, 1 / (10 - 9 / 3), 2 / 3 / 7)],
)
def test_cover_interval_arithmetic(res, gain, length, step):
    lo, hi = -2.0, 3.0
    R = hi - lo
    iv = cover_intervals(lo, hi, res, gain)
    assert iv.shape == (res, 2)
    lengths = iv[:, 1] - iv[:, 0]
    np.testing.assert_allclose(lengths, length * R)
    if res > 1:
        np.testing.assert_allclose(np.diff(iv[:, 0]), step * R)
        overlap = (iv[0, 1] - iv[1, 0]) / lengths[0]
        assert overlap == pytest.approx(1 - 1 / gain)
    assert iv[0, 0] == pytest.approx(lo)
    assert iv[-1, 1] == pytest.approx(hi)


def test_cover_membership_counts():
    # uniform lens values: every point in 2 or 3 intervals for gain 3 (more only at ends)
    x = np.linspace(0, 1, 1001)
    L = x[:, None]
    per_dim, intervals = tm._cover_memberships(L, 30, 3.0)
    pts, ks = per_dim[0]
    counts = np.bincount(pts, minlength=len(x))
    assert counts.min() >= 1  # min and max of the range are covered
    iv = intervals[0]
    for p, k in zip(pts, ks):  # every pair is a true membership
        assert iv[k, 0] - 1e-12 <= x[p] <= iv[k, 1] + 1e-12
    # and every true membership is listed
    truth = ((x[:, None] >= iv[None, :, 0] - 1e-12) & (x[:, None] <= iv[None, :, 1] + 1e-12)).sum(1)
    np.testing.assert_array_equal(counts, truth)
    assert set(np.unique(counts)) <= {1, 2, 3, 4}
    assert np.median(counts) == 3


def test_edges_are_exactly_shared_points():
    X = noisy_circle(n=300, seed=5)
    g = mapper_graph(X, resolution=6, gain=3)
    sets = [set(m.tolist()) for m in g.nodes]
    truth = {(i, j) for i in range(len(sets)) for j in range(i + 1, len(sets)) if sets[i] & sets[j]}
    assert set(g.edges) == truth
    # nodes of one cover element are disjoint; every point is in some node
    assert set(np.concatenate(g.nodes).tolist()) == set(range(len(X)))
    assert g.n_edges == len(truth) and g.betti1 == g.n_edges - g.n_nodes + g.n_components


# ---------------------------------------------------------------- clustering


def test_gap_cut_splits_separated_groups_keeps_tight_group():
    r = np.random.default_rng(0)
    A = r.normal(size=(60, 3)) * 0.1
    B = r.normal(size=(60, 3)) * 0.1 + [5, 0, 0]
    lab = gap_cut(np.r_[A, B])
    assert lab.max() + 1 == 2
    assert len(set(lab[:60])) == 1 and len(set(lab[60:])) == 1 and lab[0] != lab[60]
    for seed in range(5):
        tight = np.random.default_rng(seed).uniform(size=(100, 3))
        assert gap_cut(tight).max() == 0
    # same for the scale-free variant
    assert gap_cut(np.r_[A, B], span="heights").max() + 1 == 2
    assert gap_cut(np.zeros((5, 2))).max() == 0  # coincident points: one cluster
    assert len(gap_cut(np.zeros((1, 2)))) == 1


def test_gap_cut_keeps_high_dimensional_blob_whole():
    # a gaussian blob in R^9: no merge height lies near 0, so the histogram's first bins are
    # empty; they lie below every merge and are not a gap between merges (one cluster, not 40)
    for seed in range(5):
        Y = np.random.default_rng(seed).normal(size=(40, 9))
        assert gap_cut(Y).max() == 0
    # two such blobs far apart are still split
    Y = np.r_[Y, Y + 20]
    assert gap_cut(Y).max() + 1 == 2


def test_gap_cut_no_gap_means_one_cluster():
    # evenly spaced points on a line, spacing < diameter / n_bins: no empty bin
    Y = np.linspace(0, 1, 50)[:, None]
    assert gap_cut(Y, n_bins=10).max() == 0
    assert gap_cut(Y, n_bins=10, span="heights").max() == 0
    # groups at 0, 3, 10: merges at ~3 and ~7 lie above the first gap -> three clusters
    Y = np.r_[np.zeros((5, 1)), 3 * np.ones((5, 1)), 10 * np.ones((5, 1))] + 1e-3 * np.arange(15)[:, None]
    assert gap_cut(Y).max() + 1 == 3
    # groups at 0, 1, 10: the merge at ~1 is inside the first bin (width diam/10) -> kept
    Y = np.r_[np.zeros((5, 1)), np.ones((5, 1)), 10 * np.ones((5, 1))] + 1e-3 * np.arange(15)[:, None]
    np.testing.assert_array_equal(gap_cut(Y), [0] * 10 + [1] * 5)


def test_vne_invariant_to_scaling_a_coordinate():
    X = noisy_circle(n=300, seed=2)
    X = np.c_[X, np.random.default_rng(2).normal(size=(300, 1))]
    Xs = X.copy()
    Xs[:, 1] *= 1000.0
    lens = X[:, :1]  # fixed lens so only the metric could change
    np.testing.assert_allclose(vne_scale(Xs), vne_scale(X))
    assert np.allclose(vne_scale(X).std(axis=0), 1.0)
    g1 = mapper_graph(X, lens=lens, resolution=8, gain=2, metric="vne")
    g2 = mapper_graph(Xs, lens=lens, resolution=8, gain=2, metric="vne")
    assert [m.tolist() for m in g1.nodes] == [m.tolist() for m in g2.nodes]
    assert g1.edges == g2.edges
    # plain Euclidean is not invariant (the scaled coordinate dominates)
    e1 = mapper_graph(X, lens=lens, resolution=8, gain=2, metric="euclidean")
    e2 = mapper_graph(Xs, lens=lens, resolution=8, gain=2, metric="euclidean")
    assert [m.tolist() for m in e1.nodes] != [m.tolist() for m in e2.nodes]


def test_pca_lens_sign_is_fixed_and_deterministic():
    X = primary_circle_patches(n=400, seed=3)
    L1 = pca_lens(X)
    perm = np.random.default_rng(0).permutation(len(X))
    L2 = pca_lens(X[perm])
    np.testing.assert_allclose(L2, L1[perm], atol=1e-10)
    g1, g2 = mapper_graph(X, resolution=12), mapper_graph(X, resolution=12)
    assert [m.tolist() for m in g1.nodes] == [m.tolist() for m in g2.nodes]
    assert g1.edges == g2.edges


def test_min_cluster_size_drops_small_nodes():
    X = primary_circle_patches(n=800, seed=1)
    g1 = mapper_graph(X, resolution=15)
    g3 = mapper_graph(X, resolution=15, min_cluster_size=3)
    assert g1.sizes.min() == 1
    assert g3.sizes.min() >= 3 and g3.n_nodes < g1.n_nodes


def test_three_dimensional_lens():
    X = np.random.default_rng(0).normal(size=(300, 3))
    g = mapper_graph(X, lens=X, resolution=3, gain=2)
    assert all(len(c) == 3 for c in g.node_cover)
    assert all(0 <= k < 3 for c in g.node_cover for k in c)


# ---------------------------------------------------------------- graph object


def test_graph_object_api():
    X = noisy_circle(n=300, seed=0)
    g = mapper_graph(X, lens=X[:, 0], resolution=10, gain=2)
    assert isinstance(g, MapperGraph)
    G = g.to_networkx()
    assert G.number_of_nodes() == g.n_nodes and G.number_of_edges() == g.n_edges
    assert G.nodes[0]["size"] == g.sizes[0]
    means = g.node_means(X)
    assert means.shape == (g.n_nodes, 2)
    np.testing.assert_allclose(means[3], X[g.nodes[3]].mean(axis=0))
    s = g.summary()
    assert s == f"Mapper(10,2): {g.n_nodes} nodes, {g.n_edges} edges, 1 component, 1 cycle (nerve b1 = 1)"
    assert g.summary(nerve=False).endswith("1 component, 1 cycle")
    assert g.lens.shape == (300, 1)
    with pytest.raises(ValueError):
        g.node_means(X[:10])


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs,exc",
    [
        ({"gain": 1.0}, ValueError),
        ({"gain": 0.5}, ValueError),
        ({"resolution": 0}, ValueError),
        ({"resolution": 2.5}, ValueError),
        ({"metric": "cosine"}, ValueError),
        ({"n_bins": 1}, ValueError),
        ({"min_cluster_size": 0}, ValueError),
        ({"lens": np.zeros((50, 4))}, ValueError),
        ({"lens": np.zeros((49, 1))}, ValueError),
        ({"gap_span": "oops"}, ValueError),
    ],
)
def test_parameter_errors(kwargs, exc):
    X = noisy_circle(n=50)
    with pytest.raises(exc):
        mapper_graph(X, **kwargs)


def test_data_errors():
    X = noisy_circle(n=50)
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mapper_graph(Xn)
    with pytest.raises(ValueError, match="at least 2"):
        mapper_graph(X[:1])
    with pytest.raises(ValueError):
        mapper_graph(X, lens=np.where(np.arange(50) == 0, np.inf, 0.0))
    with pytest.raises(ValueError):
        cover_intervals(0, 1, 0, 3)


# ---------------------------------------------------------------- figures


def test_plot_mapper_figure_and_thumbnails():
    from matplotlib.offsetbox import AnnotationBbox

    X = primary_circle_patches(n=600, seed=2)
    g = mapper_graph(X, resolution=12, min_cluster_size=2)
    patches = g.node_means(X).reshape(-1, 3, 3)
    fig = plot_mapper(g, node_patches=patches, n_thumbnails=7)
    ax = fig.axes[0]
    boxes = [a for a in ax.artists if isinstance(a, AnnotationBbox)]
    assert len(boxes) == 7
    assert len(fig.axes) == 2  # graph + colourbar
    assert ax.collections[-1].get_array() is not None  # nodes coloured by size
    np.testing.assert_array_equal(np.asarray(ax.collections[-1].get_array()), g.sizes)
    # deterministic layout
    p1, p2 = td._layout(g), td._layout(g)
    np.testing.assert_array_equal(p1, p2)
    with pytest.raises(ValueError):
        plot_mapper(g, node_patches=patches[:-1])
    import matplotlib.pyplot as plt

    plt.close("all")


# ---------------------------------------------------------------- HTML


def _asset_sha(name):
    data = resources.files("topo_helpers").joinpath("assets", name).read_bytes()
    return hashlib.sha256(data).hexdigest()


def test_vendored_assets_are_the_npm_files():
    assert _asset_sha("d3.min.js") == "b50429b67916438842aa00921546d7a9eda8f3e12ba7049f92f04b71b6413822"
    assert _asset_sha("FileSaver.min.js") == "bbf27552b76b9379c260579fa68793320239be2535ba3083bb67d75e84898e18"


@pytest.fixture(scope="module")
def small_graph_html(tmp_path_factory):
    X = primary_circle_patches(n=500, seed=4)
    g = mapper_graph(X, resolution=10, min_cluster_size=2)
    patches = g.node_means(X).reshape(-1, 3, 3)
    path = tmp_path_factory.mktemp("html") / "m.html"
    html = mapper_html(g, X=X, title="test <page>", node_patches=patches, path=str(path))
    return g, html, path


def test_graph_dict_matches_graph(small_graph_html):
    g = small_graph_html[0]
    d = tm.graph_dict(g)
    assert set(d) == {"nodes", "links", "simplices", "meta_data"}
    assert len(d["nodes"]) == g.n_nodes
    assert sum(len(v) for v in d["links"].values()) == g.n_edges
    assert len(d["simplices"]) == g.n_nodes + g.n_edges


def test_html_is_offline_and_complete(small_graph_html):
    g, html, path = small_graph_html
    assert path.read_text(encoding="utf-8") == html
    d3_code = resources.files("topo_helpers").joinpath("assets", "d3.min.js").read_text()
    assert d3_code in html  # d3 6.1.1 inlined
    assert "https://d3js.org v6.1.1" in html
    assert "FileSaver" in html
    assert not re.search(r"""<script[^>]*\ssrc\s*=""", html, re.IGNORECASE)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "imgur" not in html and "googleapis" not in html and "cdn" not in html.lower().split("<script>")[0]
    data = td._read_const(html, "graph")
    assert len(data["nodes"]) == g.n_nodes
    assert len(data["links"]) == g.n_edges
    # nodes coloured by size: colour 0 is the min-max scaled size
    s = g.sizes
    exp = (s - s.min()) / max(s.max() - s.min(), 1)
    got = [n["color"][0][0] for n in data["nodes"]]
    np.testing.assert_allclose(got, exp)
    # mean-patch thumbnails as base64 PNGs
    assert all(n["tooltip"]["custom_tooltips"][0].startswith("<img src=\"data:image/png;base64,") for n in data["nodes"])
    assert "\\u003cimg" in html  # escaped inside the script, as Jinja's tojson does
    assert "test &lt;page&gt;" in html


def test_make_offline_raises_if_template_changed():
    with pytest.raises(RuntimeError):
        td._make_offline("<html><script src='https://example.org/d3.v7.js'></script></html>")
    ok = (
        '<link rel="icon" href="http://i.imgur.com/x.jpg" />'
        '<script src="https://cdnjs.cloudflare.com/ajax/libs/d3/6.1.1/d3.js"></script>'
        '<script src="https://cdn.jsdelivr.net/npm/file-saver@2.0.2/dist/FileSaver.min.js"></script>'
        '<img src="https://example.org/x.png"></body>'
    )
    with pytest.raises(RuntimeError, match="external"):
        td._make_offline(ok)
    assert "<script>" in td._make_offline(ok.replace('<img src="https://example.org/x.png">', ""))


def test_mapper_iframe_escapes_srcdoc(small_graph_html):
    html = small_graph_html[1]
    obj = mapper_iframe(html, height=450)
    s = obj.data
    m = re.fullmatch(r'<div class="topo-mapper"><iframe srcdoc="([^"]*)" style="[^"]*450px[^"]*"[^>]*></iframe></div>', s, re.DOTALL)
    assert m is not None
    assert "<" not in m.group(1) and '"' not in m.group(1)
    assert html_lib.unescape(m.group(1)) == html


def test_mapper_html_errors():
    X = noisy_circle(n=100)
    g = mapper_graph(X, resolution=5, gain=2)
    with pytest.raises(ValueError):
        mapper_html(g, X=X[:10])
    with pytest.raises(ValueError):
        mapper_html(g, node_patches=np.zeros((g.n_nodes + 1, 3, 3)))
    empty = MapperGraph(nodes=[], edges=[], node_cover=[], lens=np.zeros((0, 2)), params={})
    with pytest.raises(ValueError):
        mapper_html(empty)


def test_html_fits_graph_to_view_after_layout():
    X = np.c_[np.cos(np.linspace(0, 2 * np.pi, 300)), np.sin(np.linspace(0, 2 * np.pi, 300))]
    html = tm.mapper_html(tm.mapper_graph(X, resolution=10, gain=2))
    # the fit-to-view script is attached once, after KeplerMapper's own scripts
    assert html.count("zoom.transform") == 1
    assert html.index("zoom.transform") > html.index("forceSimulation")


def test_gap_cut_clusterer_matches_the_function_and_plugs_into_kmapper():
    import kmapper as km
    from sklearn.base import clone

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.1, (30, 2)), rng.normal(3, 0.1, (30, 2)), rng.normal((0, 3), 0.1, (20, 2))])
    for n_bins, span in [(10, "diameter"), (5, "heights")]:
        est = tm.GapCut(n_bins=n_bins, span=span)
        np.testing.assert_array_equal(est.fit_predict(X), tm.gap_cut(X, n_bins=n_bins, span=span))
        np.testing.assert_array_equal(est.labels_, tm.gap_cut(X, n_bins=n_bins, span=span))
    assert clone(tm.GapCut(n_bins=7)).get_params() == {"n_bins": 7, "span": "diameter"}
    # kmapper's map with one cube: its nodes are exactly the gap cut's clusters
    graph = km.KeplerMapper(verbose=0).map(X[:, :1], X, clusterer=tm.GapCut(),
                                           cover=km.Cover(n_cubes=1, perc_overlap=0.1))
    assert sorted(len(v) for v in graph["nodes"].values()) == sorted(np.bincount(tm.gap_cut(X)))
    with pytest.raises(ValueError, match="n_bins must be at least 2"):
        tm.GapCut(n_bins=1).fit(X)
    with pytest.raises(ValueError, match="span"):
        tm.GapCut(span="max").fit(X)
    with pytest.raises(ValueError, match="no parameter"):
        tm.GapCut().set_params(bins=3)


def test_mapper_graph_clustering_stage_is_swappable():
    from sklearn.cluster import DBSCAN

    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    X = np.c_[np.cos(t), np.sin(t)] + np.random.default_rng(1).normal(0, 0.02, (200, 2))
    default = tm.mapper_graph(X, resolution=8, gain=3, metric="euclidean")
    same = tm.mapper_graph(X, resolution=8, gain=3, metric="euclidean", clusterer=tm.GapCut())
    assert [list(n) for n in default.nodes] == [list(n) for n in same.nodes]
    assert default.edges == same.edges
    dbscan = tm.mapper_graph(X, resolution=8, gain=3, metric="euclidean", clusterer=DBSCAN(eps=0.2, min_samples=2))
    assert dbscan.params["clusterer"].startswith("DBSCAN")
    assert len(dbscan.nodes) > 0 and all(len(n) >= 2 for n in dbscan.nodes)
    with pytest.raises(ValueError, match="fit_predict"):
        tm.mapper_graph(X, clusterer="single")
