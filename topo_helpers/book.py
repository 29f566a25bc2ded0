"""Execute the book's chapters: ``notebooks/X.md`` --jupytext--> ipynb --papermill(profile)--> ``book/X.ipynb``.

Command line (what ``make book`` and ``make chapter`` call)::

    python -m topo_helpers.book run                      # every chapter, small profile
    python -m topo_helpers.book run 01_natural_images    # one chapter
    python -m topo_helpers.book run --profile full       # the papers' scale (GPU advised)
    python -m topo_helpers.book list                     # chapters and profiles

Profiles live in ``profiles/<profile>/<chapter>.yml``: the parameters papermill injects into that
chapter's ``parameters`` cell. The injected cell is tagged ``remove-cell`` so the
rendered page does not show it (the values are printed by the chapter itself). A chapter's claims
(:func:`topo_helpers.report.write_claims`) go to ``<out>/claims/<chapter>.json`` (the kernel is told
the folder by ``$TOPO_CLAIMS_DIR``), and after a run the scoreboard page ``<out>/scoreboard.md`` is
rebuilt from them.

Colab installs the helper package from the first cell of each executed chapter. Where it installs
it from is one setting, the repository URL in ``_config.yml`` (:func:`install_source`): the chapter
sources hold the placeholder :data:`INSTALL_PLACEHOLDER`, which the runner fills in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import yaml

from .report import CLAIMS_ENV

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PROFILES = ROOT / "profiles"
BOOK = ROOT / "book"

__all__ = ["chapters", "profiles", "load_profile", "install_source", "INSTALL_PLACEHOLDER", "execute_chapter",
           "summary_table", "main"]

INSTALL_PLACEHOLDER = "@INSTALL_SOURCE@"
"""Stands in a chapter source's Colab cell for :func:`install_source`."""


def install_source(config: Path = ROOT / "_config.yml") -> str:
    """The pip requirement Colab installs the helper package from: the repository URL of ``_config.yml``.

    Raises
    ------
    ValueError
        If the configuration has no ``repository: url:``.
    """
    url = (yaml.safe_load(Path(config).read_text()) or {}).get("repository", {}).get("url")
    if not url:
        raise ValueError(f"{config} has no 'repository: url:'; the Colab install cell needs it")
    return f"topo-helpers @ git+{url}"


def chapters(notebooks: Path = NOTEBOOKS) -> list[str]:
    """Chapter names: the MyST sources ``notebooks/*.md``, in file-name order."""
    return sorted(p.stem for p in notebooks.glob("*.md"))


def profiles(profiles_dir: Path = PROFILES) -> list[str]:
    """Available profile names (the folders ``profiles/<name>/``)."""
    return sorted(p.name for p in profiles_dir.iterdir() if p.is_dir())


def load_profile(name: str, chapter: str, profiles_dir: Path = PROFILES) -> dict:
    """Parameters of ``chapter`` under profile ``name``.

    Raises
    ------
    ValueError
        For an unknown profile or a profile without an entry for the chapter; the message lists what
        exists.
    """
    folder = profiles_dir / name
    if not folder.is_dir():
        raise ValueError(
            f"unknown profile {name!r}: choose one of {profiles(profiles_dir)} "
            f"(folders in {profiles_dir}/)"
        )
    path = folder / f"{chapter}.yml"
    if not path.is_file():
        have = sorted(p.stem for p in folder.glob("*.yml"))
        raise ValueError(
            f"profile {name!r} has no parameters for chapter {chapter!r} (no {path}); "
            f"it has {have}. Add that file."
        )
    params = yaml.safe_load(path.read_text()) or {}
    if not isinstance(params, dict):
        raise ValueError(f"{path} must be a mapping of parameter names to values")
    params = {**params, "profile": name}
    return params


def _tag_injected_cell(nb_path: Path) -> None:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            cell["metadata"]["tags"] = tags + ["remove-cell"]
    nbformat.write(nb, nb_path)


def execute_chapter(
    chapter: str,
    profile: str = "small",
    out_dir: Path = BOOK,
    notebooks: Path = NOTEBOOKS,
    kernel_name: str = "python3",
    profiles_dir: Path = PROFILES,
) -> float:
    """Execute one chapter with papermill; return the wall time in seconds.

    The MyST source is converted with jupytext in memory (papermill cannot read MyST directly), the
    profile's parameters are injected, and the executed notebook is written to ``out_dir``.
    """
    import jupytext
    import nbformat
    import papermill

    src = notebooks / f"{chapter}.md"
    if not src.is_file():
        raise ValueError(f"unknown chapter {chapter!r}: choose one of {chapters(notebooks)}")
    params = load_profile(profile, chapter, profiles_dir=profiles_dir)
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": kernel_name, "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    source = install_source()
    for cell in nb.cells:
        if INSTALL_PLACEHOLDER in cell.source:
            cell.source = cell.source.replace(INSTALL_PLACEHOLDER, source)
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise ValueError(f"{src} has no cell tagged 'parameters': papermill needs one")
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{chapter}.ipynb"
    t0 = time.perf_counter()
    # the kernel inherits the environment: a non-inline MPLBACKEND (CI sets Agg) would leave the
    # executed notebook without its figures
    saved_backend = os.environ.pop("MPLBACKEND", None)
    # report.write_claims in the kernel writes the chapter's claims beside the executed notebook
    saved_claims = os.environ.get(CLAIMS_ENV)
    os.environ[CLAIMS_ENV] = str((out_dir / "claims").resolve())
    try:
        with tempfile.TemporaryDirectory() as tmpdir:  # keep the unexecuted copy out of book/
            tmp = Path(tmpdir) / f"{chapter}.input.ipynb"
            nbformat.write(nb, tmp)
            papermill.execute_notebook(
                str(tmp), str(out), parameters=params, kernel_name=kernel_name, cwd=str(ROOT),
                progress_bar=False, request_save_on_cell_execute=False,
                # the kernel's start-up warning about unencrypted local TCP is noise a reader
                # cannot act on; errors in cells still fail the run
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
    finally:
        if saved_backend is not None:
            os.environ["MPLBACKEND"] = saved_backend
        if saved_claims is None:
            os.environ.pop(CLAIMS_ENV, None)
        else:
            os.environ[CLAIMS_ENV] = saved_claims
    elapsed = time.perf_counter() - t0
    _tag_injected_cell(out)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m topo_helpers.book", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="execute chapters into book/")
    run.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    run.add_argument("--profile", default="small", help="profile name (a folder in profiles/)")
    run.add_argument("--out", default=str(BOOK), help="output folder (default: book/)")
    sub.add_parser("list", help="list chapters and profiles")
    args = parser.parse_args(argv)

    if args.cmd == "list":
        print("chapters:", " ".join(chapters()))
        print("profiles:", " ".join(profiles()))
        return 0
    from .data import absolute_env_paths

    for var, value in absolute_env_paths().items():  # kernels run in other folders: fix the meaning now
        print(f"[book] {var} = {value}", flush=True)
    names = args.chapters or chapters()
    try:
        for name in names:  # validate everything before spending minutes executing
            if name not in chapters():
                raise ValueError(f"unknown chapter {name!r}: choose one of {chapters()}")
            load_profile(args.profile, name)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    for k, name in enumerate(names, 1):
        print(f"[book] {k}/{len(names)} executing {name} (profile {args.profile}) ...", flush=True)
        timings[name] = round(execute_chapter(name, args.profile, Path(args.out)), 1)
        print(f"[book] {k}/{len(names)} {name}: {timings[name]:.0f} s "
              f"(total {time.perf_counter() - t_all:.0f} s)", flush=True)
    print(summary_table(timings, args.profile), flush=True)
    claims = Path(args.out) / "claims"
    if claims.is_dir():  # the scoreboard page follows the claim files the chapters just wrote
        from .report import write_scoreboard

        print(f"[book] scoreboard: {write_scoreboard(claims, Path(args.out) / 'scoreboard.md')}", flush=True)
    print(json.dumps({"profile": args.profile, "seconds": timings}))
    return 0


def summary_table(timings: dict[str, float], profile: str) -> str:
    """A plain-text table of chapter wall times (seconds) with their total."""
    width = max([len(n) for n in timings] + [len("total")])
    lines = [f"[book] profile {profile}: chapter times", f"  {'chapter':<{width}}  seconds"]
    lines += [f"  {n:<{width}}  {t:7.0f}" for n, t in timings.items()]
    lines.append(f"  {'total':<{width}}  {sum(timings.values()):7.0f}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
