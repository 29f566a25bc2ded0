"""Tests of the chapter runner: profile handling, and one tiny notebook executed end to end."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from topo_helpers import book


def test_every_chapter_has_small_and_full_parameters():
    assert book.chapters(), "no chapter sources in notebooks/"
    for name in book.chapters():
        for profile in ("small", "full"):
            params = book.load_profile(profile, name)
            assert params["profile"] == profile
            assert "seed" in params


def test_every_profile_sets_only_names_of_the_parameters_cell():
    """A profile key the chapter does not define would be injected silently and change nothing."""
    import ast

    import jupytext

    for name in book.chapters():
        nb = jupytext.read(book.NOTEBOOKS / f"{name}.md")
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        defined = {t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                   for t in node.targets if isinstance(t, ast.Name)}
        for profile in ("small", "full"):
            extra = set(book.load_profile(profile, name)) - defined
            assert not extra, f"profiles/{profile}/{name}.yml sets {sorted(extra)}, not parameters of the chapter"


def test_unknown_profile_and_chapter_give_clear_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown profile 'huge'.*small"):
        book.load_profile("huge", book.chapters()[0])
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "other_chapter.yml").write_text("seed: 1\n")
    with pytest.raises(ValueError, match="no parameters for chapter"):
        book.load_profile("p", "01_natural_images", profiles_dir=tmp_path)


def test_cli_rejects_unknown_chapter_before_running(capsys):
    assert book.main(["run", "no_such_chapter"]) == 2
    assert "unknown chapter" in capsys.readouterr().err


def test_chapter_sources_have_parameters_cell():
    import jupytext

    for name in book.chapters():
        nb = jupytext.read(book.NOTEBOOKS / f"{name}.md")
        tags = [c.metadata.get("tags", []) for c in nb.cells]
        assert sum("parameters" in t for t in tags) == 1, name
        assert any("nbval-check-output" in t for t in tags), f"{name}: no cell is checked by nbval"


def _run_tiny_chapter(tmp_path, code: str) -> None:
    """Write a one-cell MyST chapter (parameter ``n``) and a profile for it, and execute it."""
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "tiny.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n\n# Tiny\n\n"
        f"```{{code-cell}} ipython3\n:tags: [parameters]\n\nn = 3\n```\n\n```{{code-cell}} ipython3\n{code}\n```\n"
    )
    (tmp_path / "pr" / "small").mkdir(parents=True)
    (tmp_path / "pr" / "small" / "tiny.yml").write_text("seed: 0\nn: 4\n")
    book.execute_chapter("tiny", "small", out_dir=tmp_path / "out", notebooks=tmp_path / "nb",
                         profiles_dir=tmp_path / "pr")


def test_install_source_is_one_setting_filled_in_by_the_runner(tmp_path):
    import json

    assert book.install_source() == "topo-helpers @ git+https://github.com/topo-cnn-book/topology-of-cnns"
    cfg = tmp_path / "c.yml"
    cfg.write_text("repository:\n  url: https://example.org/fork\n")
    assert book.install_source(cfg) == "topo-helpers @ git+https://example.org/fork"
    cfg.write_text("title: x\n")
    with pytest.raises(ValueError, match="repository"):
        book.install_source(cfg)
    _run_tiny_chapter(tmp_path, f'src = "{book.INSTALL_PLACEHOLDER}"')
    text = (tmp_path / "out" / "tiny.ipynb").read_text()
    assert book.INSTALL_PLACEHOLDER not in text and json.dumps(book.install_source())[1:-1] in text


def test_every_chapter_installs_from_the_one_setting():
    for name in book.chapters():
        src = (book.NOTEBOOKS / f"{name}.md").read_text()
        assert f'%pip install -q "{book.INSTALL_PLACEHOLDER}"' in src, f"{name}: its Colab cell must use the placeholder"
        assert "git+https" not in src, f"{name}: an install URL written out instead of the placeholder"
        executed = (book.BOOK / f"{name}.ipynb").read_text()
        assert book.install_source() in executed, f"{name}: re-execute it (make chapter CH={name})"


def test_executed_chapter_keeps_its_figures_under_a_non_inline_backend(tmp_path, monkeypatch):
    # CI exports MPLBACKEND=Agg; the kernel must still draw inline, or the book loses its figures
    import json

    monkeypatch.setenv("MPLBACKEND", "Agg")
    _run_tiny_chapter(tmp_path, "import matplotlib.pyplot as plt\nplt.plot(range(n))\nplt.show()")
    nb = json.loads((tmp_path / "out" / "tiny.ipynb").read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    import os

    assert os.environ["MPLBACKEND"] == "Agg"  # restored for the caller


# --------------------------------------------------------------------------- relative data folder

_DATA_NB = "tests/notebooks/data_folder.ipynb"


def _nbval_run(tmp_path, *extra):
    """Run nbval on the data-folder notebook from the repository root, TOPO_DATA_DIR relative."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "my data"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("TOPO_DATA_DIR", "PYTEST_ADDOPTS")}
    env["TOPO_DATA_DIR"] = os.path.relpath(folder, book.ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", _DATA_NB, "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "-q", *extra],
        cwd=book.ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_nbval_kernel_finds_a_relative_data_folder(tmp_path):
    # the README's `export TOPO_DATA_DIR=../shared/data` is relative; nbval's kernels run elsewhere
    r = _nbval_run(tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_without_the_entry_point_fix_the_kernel_misses_it(tmp_path):
    # the control: skip conftest.py (which resolves the path) and the same kernel fails
    r = _nbval_run(tmp_path, "--noconftest")
    assert r.returncode != 0
    assert "not an existing folder" in r.stdout + r.stderr


def test_absolute_env_paths_resolves_once_relative_to_the_start(tmp_path, monkeypatch):
    from topo_helpers import data

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOPO_DATA_DIR", "d")
    monkeypatch.setenv("TOPO_CACHE_DIR", "")
    changed = data.absolute_env_paths()
    assert changed == {"TOPO_DATA_DIR": str(tmp_path.resolve() / "d")}
    assert os.environ["TOPO_DATA_DIR"] == str(tmp_path.resolve() / "d")
    assert data.absolute_env_paths() == {}  # idempotent: already absolute
    # an empty cache variable means the default, in every module
    from topo_helpers.train import default_cache_dir

    assert data.cache_dir() == default_cache_dir() == Path("~/.cache/topo_helpers").expanduser()


def test_summary_table_lists_every_chapter_and_the_total():
    t = book.summary_table({"01_a": 12.4, "02_b": 100.0}, "small")
    assert "01_a" in t and "02_b" in t
    assert t.splitlines()[-1].split() == ["total", "112"]


def test_runner_log_has_no_kernel_tcp_warning(tmp_path, capfd):
    _run_tiny_chapter(tmp_path, "print(n)")
    err = capfd.readouterr().err
    assert "without encryption" not in err


# --------------------------------------------------------------------------- verdicts come from the library

#: Functions a chapter may not define: a verdict or a shape test by hand (``*_verdict``, ``five_bars``,
#: ``klein_betti``, ``five_clusters``, ``presence``). Shapes are judged by ``topo_helpers.shapes`` and
#: verdicts given by ``shapes.verdict`` / ``report.judge``.
_HAND_VERDICT = __import__("re").compile(r"verdict|^five_|_betti$|^presence$|^majority$|^ring$")
#: Known exceptions, each with its reason; remove an entry when its chapter is converted.
_HAND_VERDICT_LEFT: set[tuple[str, str]] = set()


def _chapter_functions(name: str) -> set[str]:
    import ast

    import jupytext

    nb = jupytext.read(book.NOTEBOOKS / f"{name}.md")
    names = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = "\n".join(line[:len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!"))
                        else line for line in cell.source.splitlines())   # IPython magics
        names |= {n.name for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef)}
    return names


def test_no_chapter_defines_a_verdict_helper_by_hand():
    found = {(name, f) for name in book.chapters() for f in _chapter_functions(name) if _HAND_VERDICT.search(f)}
    assert not found - _HAND_VERDICT_LEFT, (
        f"chapters define verdict helpers by hand: {sorted(found - _HAND_VERDICT_LEFT)}; judge shapes with "
        "topo_helpers.shapes (primary_circle_test, three_circle_test, klein_test, cluster_test, ...) and "
        "shapes.verdict")
    assert not _HAND_VERDICT_LEFT - found, f"exceptions no longer needed: {sorted(_HAND_VERDICT_LEFT - found)}"


def test_the_verdict_helper_check_catches_the_old_names():
    assert all(_HAND_VERDICT.search(n) for n in ("circle_verdict", "count_verdict", "bsd_verdict", "five_bars",
                                                   "klein_betti", "five_clusters", "presence", "majority", "ring",
                                                   "klein_verdict"))
    assert not any(_HAND_VERDICT.search(n) for n in ("as_filters", "same_rows", "type_table", "at_scale"))
