"""Plot time against n for the clique-topology benchmark (reads benchmarks/results/clique.json).

Usage::

    python benchmarks/plot_clique.py [--json benchmarks/results/clique.json] [--out book/images/clique_scaling.png]

Runs that exceeded the time cap are drawn as open markers at the cap, with an
arrow pointing up (the true time is larger).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
STYLE = {"ours": ("C0", "o"), "ripser": ("C1", "s"), "gudhi": ("C2", "^")}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/clique.json")
    p.add_argument("--out", type=Path, default=ROOT / "book/images/clique_scaling.png")
    a = p.parse_args(argv)
    res = json.loads(a.json.read_text())
    recs = [r for r in res["records"] if r["section"] == "sizes"]
    cap = res["cap_seconds"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, kind in zip(axes, ("random", "geometric")):
        for eng, (col, mk) in STYLE.items():
            rr = sorted((r for r in recs if r["kind"] == kind and r["engine"] == eng), key=lambda r: r["n"])
            ok = [r for r in rr if r["seconds"] is not None]
            over = [r for r in rr if r["seconds"] is None]
            if ok:
                ax.plot([r["n"] for r in ok], [r["seconds"] for r in ok], marker=mk, color=col, label=eng)
            if over:  # first n past the cap only (larger n were not run)
                ax.plot([over[0]["n"]], [cap], marker=mk, color=col, mfc="none", ls="none")
                ax.annotate("", xy=(over[0]["n"], cap * 2.2), xytext=(over[0]["n"], cap),
                            arrowprops=dict(arrowstyle="->", color=col))
        ax.axhline(cap, color="grey", lw=0.8, ls=":")
        ax.text(1.05 * min(r["n"] for r in recs if r["kind"] == kind), cap * 1.1,
                f"cap {cap:g} s", color="grey", fontsize=8)
        ax.axvline(140, color="k", lw=0.8, ls="--")
        ax.text(145, 0.55, 'paper: "n ≈ 140\nnearly impossible"', fontsize=8, transform=ax.get_xaxis_transform())
        ax.set_xscale("log")
        ax.set_yscale("log")
        ns = sorted({r["n"] for r in recs if r["kind"] == kind})
        ax.set_xticks(ns)
        ax.set_xticklabels([str(v) for v in ns], fontsize=8)
        ax.minorticks_off()
        ax.set_xlabel("n (matrix size)")
        ax.set_title(f"{kind} symmetric matrix: full Betti-0/1 curve")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("seconds (one run, shared 2-core CPU)")
    axes[0].legend(loc="lower right")
    fig.suptitle(f"clique topology: time vs n ({res['machine']['cpu']}, {res['machine']['cores']} cores, "
                 f"{res['machine']['date'][:10]})", fontsize=10)
    fig.tight_layout()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(a.out, dpi=110)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
