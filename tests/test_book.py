"""Tests of the chapter runner's profile handling (no notebook is executed here)."""

from __future__ import annotations

import pytest

from topo_helpers import book


def test_every_chapter_has_small_and_full_parameters():
    assert book.chapters(), "no chapter sources in notebooks/"
    for name in book.chapters():
        for profile in ("small", "full"):
            params = book.load_profile(profile, name)
            assert params["profile"] == profile
            assert "seed" in params


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
