"""Drawing Mapper graphs: the static figure and the self-contained interactive page.

The last stage of Mapper (:mod:`topo_helpers.mapper` builds the graph; this module draws it), kept
apart as kepler-mapper keeps its ``visuals``:

``plot_mapper``       static matplotlib figure (nodes coloured by size, mean patches beside some nodes)
``graph_dict``        the graph as kepler-mapper's ``graph`` dictionary
``mapper_html``       self-contained, offline KeplerMapper HTML page (d3 inlined)
``mapper_iframe``     that page as an ``IPython.display.HTML`` iframe

The names are importable from :mod:`topo_helpers.mapper` as well, where the chapters use them.
"""

from __future__ import annotations

import base64
import html as _html
import io
import json
import math
import re
from importlib import resources

import numpy as np

from .mapper import SIZE_CMAP, MapperGraph

__all__ = ["graph_dict", "mapper_html", "mapper_iframe", "plot_mapper"]

# --------------------------------------------------------------------------
# Static figure
# --------------------------------------------------------------------------


def _stress_layout(D: np.ndarray, n_iter: int = 300) -> np.ndarray:
    """2-D stress-majorisation layout of a connected graph's distance matrix.

    Classical MDS start (eigenvector signs fixed), then Jacobi updates of
    Gansner-Koren-North (2004) stress majorisation with weights d^-2: the
    Kamada-Kawai energy, but vectorised and deterministic.
    """
    n = D.shape[0]
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D**2) @ J
    vals, vecs = np.linalg.eigh(B)
    top = vecs[:, ::-1][:, :2] * np.sqrt(np.maximum(vals[::-1][:2], 1e-12))
    for k in range(2):
        j = int(np.argmax(np.abs(top[:, k])))
        if top[j, k] < 0:
            top[:, k] = -top[:, k]
    P = top + 1e-6 * np.arange(n)[:, None] / n  # break exact coincidences
    W = np.zeros_like(D)
    off = D > 0
    W[off] = D[off] ** -2.0
    wsum = W.sum(axis=1)[:, None]
    WD = W * D
    for _ in range(n_iter):
        sq = (P**2).sum(1)
        dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * P @ P.T, 0.0))
        R = np.where(off, WD / np.maximum(dist, 1e-9), 0.0)  # w_ij d_ij / |p_i - p_j|
        # x_i <- sum_j w_ij (x_j + d_ij (x_i - x_j) / |x_i - x_j|) / sum_j w_ij
        P = (W @ P + R.sum(1)[:, None] * P - R @ P) / wsum
    return P


def _layout(graph: MapperGraph, seed: int = 0) -> np.ndarray:
    """Deterministic layout: stress majorisation per component, components tiled.

    Components larger than 1,500 nodes fall back to networkx's spring layout
    with the given seed.
    """
    from scipy.sparse.csgraph import connected_components, shortest_path

    n = graph.n_nodes
    if n == 0:
        return np.zeros((0, 2))
    A = graph._adjacency()
    n_comp, lab = connected_components(A, directed=False)
    comps = [np.flatnonzero(lab == c) for c in range(n_comp)]
    comps.sort(key=lambda c: (-len(c), int(c[0])))
    biggest = len(comps[0])
    ncol = max(1, math.ceil(math.sqrt(len(comps))))
    pos = np.zeros((n, 2))
    for k, comp in enumerate(comps):
        m = len(comp)
        if m == 1:
            arr = np.zeros((1, 2))
        elif m <= 1500:
            D = shortest_path(A[comp][:, comp], directed=False, unweighted=True)
            arr = _stress_layout(D, n_iter=300 if m <= 400 else 100)
        else:
            import networkx as nx

            G = nx.Graph()
            G.add_nodes_from(range(m))
            sub = A[comp][:, comp].tocoo()
            G.add_edges_from(zip(sub.row.tolist(), sub.col.tolist()))
            p = nx.spring_layout(G, seed=seed, iterations=100)
            arr = np.array([p[i] for i in range(m)])
        arr = arr - arr.mean(axis=0)
        span = np.abs(arr).max() or 1.0
        scale = max(0.45 * math.sqrt(m / biggest), 0.06)
        offset = np.array([k % ncol, -(k // ncol)], dtype=float)
        pos[comp] = arr / span * scale + offset
    return pos


def _spread_choice(pos: np.ndarray, k: int, start: int) -> list:
    """Farthest-point sample of k node indices in the layout, from ``start``."""
    n = len(pos)
    k = min(k, n)
    if k <= 0:
        return []
    chosen = [start]
    d = np.linalg.norm(pos - pos[start], axis=1)
    while len(chosen) < k:
        i = int(np.argmax(d))
        if d[i] <= 0:
            break
        chosen.append(i)
        d = np.minimum(d, np.linalg.norm(pos - pos[i], axis=1))
    return chosen


def plot_mapper(
    graph: MapperGraph,
    ax=None,
    node_patches: np.ndarray | None = None,
    n_thumbnails: int = 12,
    seed: int = 0,
    title: str | None = None,
):
    """Draw a Mapper graph; nodes coloured by size (blue small -> red large).

    Layout: Kamada-Kawai per connected component (<= 400 nodes) or a seeded
    spring layout, so the picture is deterministic.  If ``node_patches``
    (``(n_nodes, h, w)``, e.g. ``graph.node_means(X).reshape(-1, 3, 3)``) is
    given, the mean patch of about ``n_thumbnails`` nodes spread around the
    graph (farthest-point sampling in the layout, starting at the largest
    node) is drawn as a small grey thumbnail (mid-grey = 0) next to the node.
    Returns the figure; never calls ``plt.show()``.
    """
    import matplotlib.pyplot as plt
    from matplotlib import cm, colors
    from matplotlib.collections import LineCollection
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 6))
    else:
        fig = ax.figure
    pos = _layout(graph, seed=seed)
    sizes = graph.sizes
    if graph.n_edges:
        e = np.asarray(graph.edges)
        ax.add_collection(
            LineCollection(pos[e], colors="0.55", linewidths=0.8, zorder=1)
        )
    if graph.n_nodes:
        norm = colors.Normalize(vmin=sizes.min(), vmax=max(sizes.max(), sizes.min() + 1))
        cmap = plt.get_cmap(SIZE_CMAP)
        marker = 12 + 60 * np.sqrt(sizes / sizes.max())
        ax.scatter(
            pos[:, 0], pos[:, 1], s=marker, c=sizes, cmap=cmap, norm=norm,
            edgecolors="k", linewidths=0.4, zorder=2,
        )
        sm = cm.ScalarMappable(norm=norm, cmap=cmap)
        sm.set_array([])
        fig.colorbar(sm, ax=ax, fraction=0.04, pad=0.02, shrink=0.7, label="points per node")

    if node_patches is not None and graph.n_nodes:
        P = np.asarray(node_patches, dtype=float)
        if P.shape[0] != graph.n_nodes:
            raise ValueError(
                f"node_patches has {P.shape[0]} entries, graph has {graph.n_nodes} nodes"
            )
        if P.ndim == 2:  # flattened square patches
            side = round(math.sqrt(P.shape[1]))
            if side * side != P.shape[1]:
                raise ValueError("flattened node_patches must have a square number of columns")
            P = P.reshape(-1, side, side)
        span = np.ptp(pos, axis=0).max() if graph.n_nodes > 1 else 1.0
        centre = pos.mean(axis=0)
        chosen = _spread_choice(pos, n_thumbnails, int(np.argmax(sizes)))
        for i in chosen:
            patch = P[i]
            vmax = np.abs(patch).max() or 1.0
            img = OffsetImage(
                patch, cmap="gray", norm=colors.Normalize(vmin=-vmax, vmax=vmax), zoom=max(2.0, 18.0 / patch.shape[0]),
                interpolation="nearest",
            )
            direction = pos[i] - centre
            nd = np.linalg.norm(direction)
            direction = direction / nd if nd > 0 else np.array([0.0, 1.0])
            ab = AnnotationBbox(
                img, pos[i], xybox=tuple(pos[i] + 0.09 * span * direction),
                xycoords="data", boxcoords="data", frameon=True, pad=0.1,
                bboxprops={"edgecolor": "0.3", "linewidth": 0.5},
                arrowprops={"arrowstyle": "-", "color": "0.3", "linewidth": 0.5},
                zorder=3,
            )
            ax.add_artist(ab)
    if graph.n_nodes:
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        pad = 0.15 * max((hi - lo).max(), 1e-9)
        ax.set_xlim(lo[0] - pad, hi[0] + pad)
        ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    ax.set_title(title if title is not None else graph.summary())
    return fig


# --------------------------------------------------------------------------
# Interactive HTML (KeplerMapper, made offline)
# --------------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("topo_helpers").joinpath("assets", name).read_text(encoding="utf-8")


def _size_colorscale(n: int = 11) -> list:
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap(SIZE_CMAP)
    out = []
    for t in np.linspace(0, 1, n):
        r, g, b, _ = cmap(t)
        out.append([round(float(t), 3), f"rgb({round(255 * r)}, {round(255 * g)}, {round(255 * b)})"])
    return out


def _node_name(i: int, cover: tuple) -> str:
    return f"node{i}_cube{'-'.join(str(c) for c in cover)}"


_MAX_TOOLTIP_MEMBERS = 12


def graph_dict(graph: MapperGraph) -> dict:
    """The ``{"nodes", "links", "simplices", "meta_data"}`` dict KeplerMapper expects."""
    names = [_node_name(i, c) for i, c in enumerate(graph.node_cover)]
    nodes = {names[i]: [int(v) for v in m] for i, m in enumerate(graph.nodes)}
    links: dict[str, list] = {}
    for i, j in graph.edges:
        links.setdefault(names[i], []).append(names[j])
    simplices = [[n] for n in names] + [[names[i], names[j]] for i, j in graph.edges]
    p = graph.params
    meta = {
        "projection": ", ".join(p.get("lens_name", [])),
        "n_cubes": p.get("resolution"),
        "perc_overlap": p.get("overlap"),
        "clusterer": f"single linkage, SMC-2007 gap heuristic (n_bins={p.get('n_bins')}, "
        f"span={p.get('gap_span')})",
        "scaler": "VNE (divide by standard deviation)" if p.get("metric") == "vne" else p.get("metric"),
    }
    return {"nodes": nodes, "links": links, "simplices": simplices, "meta_data": meta}


def _png_data_uri(patch: np.ndarray, scale: int = 12) -> str:
    """Tiny grey PNG of a patch (mid-grey = 0), nearest-neighbour upscaled."""
    from PIL import Image

    p = np.asarray(patch, dtype=float)
    vmax = np.abs(p).max() or 1.0
    g = np.clip(np.round(127.5 + 127.5 * p / vmax), 0, 255).astype(np.uint8)
    g = np.kron(g, np.ones((scale, scale), dtype=np.uint8))
    buf = io.BytesIO()
    Image.fromarray(g, mode="L").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _js_json(obj) -> str:
    """JSON safe to put inside <script> (as Jinja's ``tojson`` escapes it)."""
    s = json.dumps(obj, default=lambda o: o.item() if isinstance(o, np.generic) else str(o))
    return (
        s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")
    )


_CDN_D3 = re.compile(r'<script\s+src="https?://[^"]*d3[^"]*"\s*>\s*</script>')
_CDN_SAVER = re.compile(r'<script\s+src="https?://[^"]*[Ff]ile-?[Ss]aver[^"]*"\s*>\s*</script>')
_FAVICON = re.compile(r"<link\s+rel=\"icon\"[^>]*>\s*")
_FONTS = re.compile(r"<link\s+href=['\"]https?://fonts\.googleapis\.com[^>]*>\s*")
_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _inline_script(code: str) -> str:
    if re.search(r"</script", code, re.IGNORECASE):
        raise RuntimeError("vendored script contains '</script': cannot inline it safely")
    return "<script>" + code + "</script>"


# KeplerMapper's force layout (charge -1200) spreads large graphs far outside the view; once the
# layout has settled (and twice before, for impatient readers), zoom so the whole graph fits.
_FIT_SCRIPT = """<script>
window.addEventListener('load', function () {
  function fit() {
    try {
      var box = g.node().getBBox();
      if (!box.width || !box.height) return;
      var W = +svg.attr('width') || window.innerWidth, H = +svg.attr('height') || window.innerHeight;
      var s = Math.min(max_zoom, 0.9 * Math.min(W / box.width, H / box.height));
      zoom.scaleExtent([Math.min(min_zoom, s), max_zoom]);
      svg.call(zoom.transform, d3.zoomIdentity
        .translate(W / 2 - s * (box.x + box.width / 2), H / 2 - s * (box.y + box.height / 2)).scale(s));
    } catch (e) { /* KeplerMapper internals changed: leave the view as it is */ }
  }
  if (typeof simulation !== 'undefined') simulation.on('end.fit', fit);
  setTimeout(fit, 1200);
  setTimeout(fit, 3500);
});
</script>"""


def _make_offline(html: str) -> str:
    """Inline vendored d3 6.1.1 and FileSaver, drop favicon and web font."""
    html, n_d3 = _CDN_D3.subn(lambda m: _inline_script(_asset("d3.min.js")), html, count=1)
    html, n_fs = _CDN_SAVER.subn(lambda m: _inline_script(_asset("FileSaver.min.js")), html, count=1)
    if n_d3 != 1 or n_fs != 1:
        raise RuntimeError(
            "KeplerMapper's template changed: could not find its d3 / FileSaver CDN <script> tags "
            f"(found d3: {n_d3}, FileSaver: {n_fs})"
        )
    html = _FAVICON.sub("", html)
    html = _FONTS.sub("", html)
    if "</body>" not in html:
        raise RuntimeError("KeplerMapper's template changed: no </body> to attach the fit-to-view script")
    html = html.replace("</body>", _FIT_SCRIPT + "\n</body>", 1)
    # check tags only: the inlined JavaScript holds URL strings (namespaces, comments)
    tags_only = re.sub(r"<script>.*?</script>", "<script></script>", html, flags=re.DOTALL)
    bad = _EXTERNAL.findall(tags_only)
    if bad:
        raise RuntimeError(f"HTML still loads external resources ({len(bad)}): template changed?")
    return html


def _replace_const(html: str, name: str, value) -> str:
    pat = re.compile(r"^(\s*const " + re.escape(name) + r" = )(.*);\s*$", re.MULTILINE)
    out, n = pat.subn(lambda m: m.group(1) + _js_json(value) + ";", html, count=1)
    if n != 1:
        raise RuntimeError(f"KeplerMapper's template changed: no 'const {name} = ...;' line")
    return out


def _read_const(html: str, name: str):
    m = re.search(r"^\s*const " + re.escape(name) + r" = (.*);\s*$", html, re.MULTILINE)
    if m is None:
        raise RuntimeError(f"KeplerMapper's template changed: no 'const {name} = ...;' line")
    return json.loads(m.group(1))


def mapper_html(
    graph: MapperGraph,
    X: np.ndarray | None = None,
    title: str = "",
    node_patches: np.ndarray | None = None,
    path: str | None = None,
    lens_colours: bool = False,
) -> str:
    """Self-contained, offline KeplerMapper page of ``graph``; returns the HTML.

    Nodes are coloured by size (number of points; blue small -> red large);
    with ``lens_colours`` the colour menu also offers the mean of each lens
    (a larger page).  Tooltips list the first few member ids of a node.  ``X`` (N x D) adds
    KeplerMapper's per-node feature statistics.  ``node_patches``
    (``(n_nodes, h, w)``) adds the node's mean patch as a tiny base64 PNG at
    the top of its member list.  d3 6.1.1 and FileSaver.js are inlined from
    ``topo_helpers/assets`` and the favicon and web-font links are dropped, so
    the page needs no network; a ``RuntimeError`` is raised if any external
    ``src=``/``href=`` remains (KeplerMapper's template changed).  If ``path``
    is given the page is also written there.
    """
    import warnings

    import kmapper

    if graph.n_nodes == 0:
        raise ValueError("graph has no nodes: nothing to draw")
    N = int(graph.params.get("n_points", graph.lens.shape[0]))
    if X is not None:
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.shape[0] != N:
            raise ValueError(f"X has {X.shape[0]} rows, graph was built on {N} points")
    sizes = graph.sizes
    smin, smax = int(sizes.min()), int(sizes.max())
    size01 = (sizes - smin) / max(smax - smin, 1)
    # per-point value for KeplerMapper's member histograms: largest node holding the point
    point_size = np.zeros(N)
    for m, v in zip(graph.nodes, size01):
        point_size[m] = np.maximum(point_size[m], v)
    L = np.asarray(graph.lens, dtype=float)
    lens_names = list(graph.params.get("lens_name", [f"lens {j + 1}" for j in range(L.shape[1])]))
    color_values, color_names = point_size[:, None], ["Points per node"]
    if lens_colours:  # each colour function adds a histogram per node: ~1 kB a node
        color_values = np.column_stack([point_size, L])
        color_names += [f"{n} (mean)" for n in lens_names]
    colorscale = _size_colorscale()
    gd = graph_dict(graph)
    p = graph.params
    custom_meta = {
        "Mapper": f"{graph.name}: resolution {p.get('resolution')}, gain {p.get('gain'):g} "
        f"(overlap {p.get('overlap'):.3f})",
        "Lens": ", ".join(lens_names),
        "Metric": "VNE (coordinates divided by their standard deviation)"
        if p.get("metric") == "vne" else str(p.get("metric")),
        "Clustering": f"single linkage, SMC-2007 gap heuristic ({p.get('n_bins')} bins, "
        f"span {p.get('gap_span')}); "
        "stands in for Ayasdi's unpublished heuristic",
        "Graph": graph.summary(),
        "Node colour": f"points per node, {smin} (blue) to {smax} (red)",
    }
    km = kmapper.KeplerMapper(verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        html = km.visualize(
            gd,
            color_values=color_values,
            color_function_name=color_names,
            node_color_function="mean",
            colorscale=colorscale,
            custom_tooltips=np.arange(N),
            custom_meta=custom_meta,
            save_file=False,
            title=_html.escape(title or graph.summary()),
            X=X,
            X_names=None if X is None else [f"x{j}" for j in range(X.shape[1])],
            lens=L,
            lens_names=lens_names,
        )

    # colour nodes by their own size (KeplerMapper can only average point values)
    data = _read_const(html, "graph")
    if len(data["nodes"]) != graph.n_nodes:
        raise RuntimeError("KeplerMapper returned a different number of nodes")
    patches = None
    if node_patches is not None:
        patches = np.asarray(node_patches, dtype=float)
        if patches.shape[0] != graph.n_nodes:
            raise ValueError(f"node_patches has {patches.shape[0]} entries, graph has {graph.n_nodes} nodes")
        if patches.ndim == 2:
            side = round(math.sqrt(patches.shape[1]))
            patches = patches.reshape(-1, side, side)
    name_to_i = {_node_name(i, c): i for i, c in enumerate(graph.node_cover)}
    for node in data["nodes"]:
        i = name_to_i[node["name"]]
        node["color"][0][0] = float(size01[i])
        tt = node["tooltip"]
        members = tt["custom_tooltips"]  # member ids: list a few, so large graphs stay light
        tt["custom_tooltips"] = [f"#{v}" for v in members[:_MAX_TOOLTIP_MEMBERS]]
        if len(members) > _MAX_TOOLTIP_MEMBERS:
            tt["custom_tooltips"].append(f"... and {len(members) - _MAX_TOOLTIP_MEMBERS} more")
        head = f"<b>{sizes[i]} points</b>"
        if patches is not None:
            head = (
                f"<img src=\"{_png_data_uri(patches[i])}\" width=\"36\" height=\"36\" "
                f"style=\"image-rendering:pixelated;vertical-align:middle\" "
                f"alt=\"mean patch\"> mean patch, " + head
            )
        tt["custom_tooltips"].insert(0, head)
    html = _replace_const(html, "graph", data)

    from kmapper.visuals import _build_histogram  # same bars/colours as KeplerMapper's

    hist = _read_const(html, "summary_histogram")
    hist[0][0] = _build_histogram(size01, colorscale=colorscale)
    html = _replace_const(html, "summary_histogram", hist)

    html = _make_offline(html)
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(html)
    return html


def mapper_iframe(html: str, height: int = 600):
    """``IPython.display.HTML`` holding ``<iframe srcdoc=...>`` of a page.

    The page is HTML-escaped into the ``srcdoc`` attribute, so a notebook (and
    the Jupyter Book built from it) shows it with no network and without its
    scripts leaking into the host page.
    """
    from IPython.display import HTML

    doc = _html.escape(html, quote=True)
    return HTML(
        f'<div class="topo-mapper"><iframe srcdoc="{doc}" style="width:100%;height:{int(height)}px;border:1px solid #ccc" '
        f'sandbox="allow-scripts allow-downloads" loading="lazy"></iframe></div>'
    )
