"""Tests of topo_helpers.report: claims, verdicts, the control rule, the renderer, claim files, the scoreboard."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from topo_helpers import book, report


def make(id="000-fig4a-cd-1-5", paper="000", verdict="reproduced", **kw) -> report.Claim:
    fields = dict(section="Inter-Class Distinguishability", figure="Fig 4A", claim="CD(1,5), JS base 2",
                  paper_value="0.328", ours="0.349", reason="within 0.05 of the paper")
    fields.update(kw)
    return report.Claim(id=id, paper=paper, verdict=verdict, **fields)


# ------------------------------------------------------------------------------------ claims, verdicts

def test_judge_known_answers():
    assert report.judge(True) == "reproduced"
    assert report.judge(True, partly=True) == "reproduced"
    assert report.judge(False, partly=True) == "partly"
    assert report.judge(False) == "not reproduced"
    import numpy as np

    assert report.judge(np.bool_(True)) == "reproduced"  # numpy booleans from comparisons


def test_verdicts_are_a_closed_documented_set():
    assert set(report.VERDICT_MEANING) == set(report.VERDICTS)
    assert report.VERDICTS[:5] == ("reproduced", "partly", "not reproduced", "inconclusive", "not testable offline")
    assert set(report.POSITIVE) == {"reproduced", "partly"}
    for v in report.VERDICTS:
        assert make(verdict=v).verdict == v


def test_claim_is_frozen_data_with_a_source():
    c = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.verdict = "partly"
    assert c.source == "000 Fig 4A"
    assert make(figure="").source == "000 Inter-Class Distinguishability"
    assert c.control is None and c.chapter is None


@pytest.mark.parametrize("kw, message", [
    (dict(id=""), "non-empty id"),
    (dict(id="   "), "non-empty id"),
    (dict(id="000 Fig 4A"), "lower-case letters"),
    (dict(id="001-fig4a-cd"), "must start with its paper's id"),
    (dict(id="004-x", paper="004"), "unknown paper"),
    (dict(verdict="partly (scale)"), "unknown verdict 'partly \\(scale\\)'"),
    (dict(verdict="Reproduced"), "unknown verdict"),
    (dict(ours=0.349), "must be a string"),
    (dict(reason="two\nlines"), "must be one line"),
    (dict(claim=""), "claim is empty"),
    (dict(control=""), "control is empty"),
    (dict(chapter="10 feature entropy"), "chapter name"),
])
def test_claim_errors_say_what_to_do(kw, message):
    with pytest.raises(ValueError, match=message):
        make(**kw)


def test_unknown_verdict_lists_the_allowed_ones():
    with pytest.raises(ValueError) as err:
        make(verdict="see CD rows")
    assert all(v in str(err.value) for v in report.VERDICTS)


# --------------------------------------------------------------------------------- the control rule

def test_positive_verdict_whose_control_passes_becomes_inconclusive():
    for verdict in ("reproduced", "partly"):
        c = make(verdict=verdict, control="untrained: one bar too")
        judged = report.against_control(c, control_passes=True)
        assert judged.verdict == "inconclusive"
        assert "control passes" in judged.reason and "untrained: one bar too" in judged.reason
        assert f"was {verdict}" in judged.reason and c.reason in judged.reason
        assert judged.id == c.id and judged.ours == c.ours
        assert c.verdict == verdict  # the original is unchanged (frozen)


def test_control_that_fails_or_negative_verdict_leaves_the_claim_alone():
    c = make(control="random orders 0.75")
    assert report.against_control(c, control_passes=False) == c
    for verdict in ("not reproduced", "inconclusive", "not testable offline", "observation"):
        neg = make(verdict=verdict, control="random orders 0.75")
        assert report.against_control(neg, control_passes=True) == neg


def test_against_control_needs_a_stated_control():
    with pytest.raises(ValueError, match="states no control value"):
        report.against_control(make(), control_passes=True)
    with pytest.raises(ValueError, match="takes a Claim"):
        report.against_control("reproduced", control_passes=True)


# ------------------------------------------------------------------------------------------ renderer

def test_render_layout():
    claims = [make(),
              make(id="000-fig4a-cd-5-8", claim="CD(5,8), JS base 2", paper_value="0.088", ours="0.011",
                   verdict="not reproduced", control="ties broken 0.022", reason="8 times smaller"),
              make(id="000-eq9-tie-rule", claim="a very long claim " * 6, verdict="observation",
                   reason="a long reason " * 12)]
    text = report.render(claims)
    lines = text.split("\n")
    assert [h.strip() for h in lines[0].split(" | ")] == ["#", "claim", "paper", "ours", "control", "verdict"]
    assert re.fullmatch(r"-+(-\+-+)+", lines[1])
    table = lines[:next(i for i, ln in enumerate(lines) if ln.startswith("["))]
    bars = {tuple(m.start() for m in re.finditer(r"\|", ln)) for ln in table if "|" in ln}
    bars |= {tuple(m.start() for m in re.finditer(r"\+", table[1]))}
    assert len(bars) == 1, "the columns are aligned on every line"
    assert all(ln == ln.rstrip() for ln in lines), "no trailing spaces"
    assert "| -" in table[2]  # no control: '-'
    assert any(ln.startswith("  |") for ln in table), "a long claim wraps onto a continuation line"
    assert max(len(ln) for ln in table) < 160
    assert lines[len(table)] == "[1] 000 Fig 4A: within 0.05 of the paper"
    assert "[3] 000 Fig 4A: a long reason" in text
    assert all(len(ln) <= 100 for ln in lines[len(table):])
    assert report.render(claims) == text  # deterministic
    assert "[1]" not in report.render(claims, reasons=False)


def test_render_stable_leaves_out_what_training_here_measured():
    claims = [make(),
              make(id="000-fig3a-trained", claim="trained claim", ours="0.71", control="noise 0.12",
                   verdict="partly", reason="from the network trained in the notebook", trained_here=True),
              make(id="000-fig3b-trained", claim="other", ours="3", verdict="not reproduced",
                   reason="no control", trained_here=True)]
    full, stable = report.render(claims), report.render(claims, stable=True)
    assert report.render([claims[0]], stable=True) == report.render([claims[0]])  # data-only rows unchanged
    assert "0.71" in full and "partly" in full and "noise 0.12" in full
    rows = stable.split("\n")
    assert "0.71" not in stable and "partly" not in stable and "noise" not in stable
    assert "trained claim" in stable and "0.328" in stable  # the claim and the paper's value stay
    row2 = next(ln for ln in rows if ln.startswith("2 |"))
    assert [p.strip() for p in row2.split(" | ")][3:] == ["(trained here)"] * 3
    row3 = next(ln for ln in rows if ln.startswith("3 |"))
    assert [p.strip() for p in row3.split(" | ")][3:] == ["(trained here)", "-", "(trained here)"]
    assert "[1] 000 Fig 4A: within 0.05" in stable and "[2]" not in stable and "[3]" not in stable
    # the measured cells may change freely without changing the stable table
    moved = [claims[0], report.Claim(**{**claims[1].__dict__, "ours": "0.12", "verdict": "reproduced"}), claims[2]]
    assert report.render(moved, stable=True) == stable and report.render(moved) != full
    with pytest.raises(ValueError, match="trained_here must be True or False"):
        make(trained_here="yes")


def test_scoreboard_marks_verdicts_trained_here(tmp_path):
    report.write_claims([make(), make(id="000-fig4b-trained", claim="trained row", trained_here=True)],
                        "11_category_distance", directory=tmp_path)
    page = report.scoreboard(tmp_path, chapters=["11_category_distance"])
    rows = {ln.split(" | ")[3]: ln for ln in page.splitlines() if ln.startswith("| 000 |")}
    assert "**reproduced** (trained here)" in rows["trained row"]
    assert "(trained here)" not in rows["CD(1,5), JS base 2"]


def test_claim_files_without_trained_here_still_read(tmp_path):
    path = report.write_claims([make(trained_here=True)], "11_category_distance", directory=tmp_path)
    assert report.read_claims(path)[0].trained_here is True
    data = json.loads(path.read_text())
    del data["claims"][0]["trained_here"]
    path.write_text(json.dumps(data))
    assert report.read_claims(path)[0].trained_here is False
    del data["claims"][0]["reason"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="has fields"):
        report.read_claims(path)


def test_render_errors():
    with pytest.raises(ValueError, match="no claims"):
        report.render([])
    with pytest.raises(ValueError, match="duplicate claim id '000-fig4a-cd-1-5' \\(rows 1 and 2\\)"):
        report.render([make(), make(ours="0.35")])
    with pytest.raises(ValueError, match="not a report.Claim"):
        report.render([("claim", "paper", "ours", "reproduced")])


# ---------------------------------------------------------------------------------------- claim files

def test_write_claims_is_deterministic_and_round_trips(tmp_path):
    claims = [make(control="ties broken 0.146"), make(id="000-fig4a-cd-5-8", verdict="not reproduced")]
    path = report.write_claims(claims, "11_category_distance", directory=tmp_path, profile="small")
    assert path == tmp_path / "11_category_distance.json"
    first = path.read_bytes()
    again = report.write_claims(list(claims), "11_category_distance", directory=tmp_path, profile="small")
    assert again.read_bytes() == first
    data = json.loads(first)
    assert list(data) == sorted(data) and list(data["claims"][0]) == sorted(data["claims"][0])
    assert data["chapter"] == "11_category_distance" and data["profile"] == "small"
    assert not re.search(r"20\d\d-\d\d-\d\d|time", first.decode()), "no timestamp"
    assert first.endswith(b"}\n")
    back = report.read_claims(path)
    assert [c.id for c in back] == [c.id for c in claims]  # table order kept
    assert back[0] == make(control="ties broken 0.146", chapter="11_category_distance")
    assert list(tmp_path.iterdir()) == [path], "no temporary file left behind"


def test_write_claims_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(report.CLAIMS_ENV, raising=False)
    assert report.write_claims([make()], "11_category_distance") is None  # nbval, interactive: nothing written
    monkeypatch.setenv(report.CLAIMS_ENV, str(tmp_path / "claims"))
    path = report.write_claims([make()], "11_category_distance")
    assert path == tmp_path / "claims" / "11_category_distance.json" and path.is_file()


def test_write_claims_errors(tmp_path):
    with pytest.raises(ValueError, match="chapter must be a chapter name"):
        report.write_claims([make()], "", directory=tmp_path)
    with pytest.raises(ValueError, match="names chapter '10_feature_entropy'"):
        report.write_claims([make(chapter="10_feature_entropy")], "11_category_distance", directory=tmp_path)
    with pytest.raises(ValueError, match="duplicate claim id"):
        report.write_claims([make(), make()], "11_category_distance", directory=tmp_path)
    with pytest.raises(ValueError, match="no claims"):
        report.write_claims([], "11_category_distance", directory=tmp_path)
    assert not list(tmp_path.iterdir())


def test_read_claims_errors_name_the_file_and_the_fix(tmp_path):
    path = report.write_claims([make()], "11_category_distance", directory=tmp_path)
    moved = tmp_path / "10_feature_entropy.json"
    path.rename(moved)
    with pytest.raises(ValueError, match="its name says '10_feature_entropy'.*topo_helpers.book run"):
        report.read_claims(moved)
    data = json.loads(moved.read_text())
    data["chapter"] = "10_feature_entropy"
    data["claims"][0]["chapter"] = "10_feature_entropy"
    data["claims"][0]["extra"] = 1
    moved.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="has fields .*extra"):
        report.read_claims(moved)
    moved.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read a claim file"):
        report.read_claims(moved)
    moved.write_text(json.dumps({"format": "other", "chapter": "10_feature_entropy", "claims": []}))
    with pytest.raises(ValueError, match="not a claim file"):
        report.read_claims(moved)


def test_one_id_in_two_chapters_is_an_error(tmp_path):
    report.write_claims([make()], "10_feature_entropy", directory=tmp_path)
    report.write_claims([make()], "11_category_distance", directory=tmp_path)
    with pytest.raises(ValueError, match="in both 10_feature_entropy and 11_category_distance"):
        report.load_claims(tmp_path)


# ---------------------------------------------------------------------------------------- scoreboard

def _glance(page: str) -> dict[str, dict[str, str]]:
    """The 'At a glance' table of a scoreboard page: {paper row: {column: cell}}."""
    block = page.split("## At a glance")[1].split("\n## ")[0]
    rows = [ln for ln in block.split("\n") if ln.startswith("| ")]
    header = [h.strip() for h in rows[0].strip("|").split("|")]
    out = {}
    for ln in rows[1:]:
        cells = [c.strip() for c in ln.strip("|").split("|")]
        out[cells[0].split(":")[0]] = dict(zip(header, cells))
    return out


def test_scoreboard_counts_match_the_claim_files(tmp_path):
    untested = (
        report.Untested(id="001-vi-svhn-to-mnist", paper="001", section="§VI", figure="", claim="SVHN -> MNIST",
                        paper_value="54%", status="not testable offline", reason="online: SVHN"),
        report.Untested(id="000-fig4a-cd-5-8", paper="000", section="x", figure="Fig 4A", claim="CD(5,8)",
                        paper_value="0.088", status="not tested yet", reason="a chapter tests it below"),
    )
    report.write_claims([make(), make(id="000-fig4a-cd-5-8", verdict="not reproduced"),
                         make(id="000-eq9-tie-rule", verdict="observation")], "11_category_distance",
                        directory=tmp_path)
    report.write_claims([make(id="001-fig2-primary-circle", paper="001", verdict="partly", figure="Fig 2"),
                         make(id="001-fig7-count", paper="001", verdict="flagged: paper inconsistent")],
                        "02_mnist_filters", directory=tmp_path)
    page = report.scoreboard(tmp_path, chapters=["02_mnist_filters", "05_cifar_grey", "11_category_distance"],
                             untested=untested)
    glance = _glance(page)
    assert glance["000"]["reproduced"] == "1" and glance["000"]["not reproduced"] == "1"
    assert glance["000"]["not tested yet"] == "0", "a claim a chapter tests is no longer listed as untested"
    assert glance["000"]["all"] == "2", "observations are not counted"
    assert glance["000"]["reproduced or partly, of tested"] == "1 of 2"
    assert glance["001"]["partly"] == "1" and glance["001"]["flagged: paper inconsistent"] == "1"
    assert glance["001"]["not testable offline"] == "1" and glance["001"]["all"] == "3"
    assert glance["002"]["all"] == "0" and glance["all"]["all"] == "5"
    counts = report.verdict_counts([c for v in report.load_claims(tmp_path).values() for c in v], untested)
    for paper, cnt in counts.items():
        assert glance[paper]["all"] == str(sum(cnt.values()))
    # every claim of a paper is one row of the big table, linked to its chapter's table
    big = page.split("## Every tested claim")[1].split("\n## ")[0]
    assert big.count("{ref}`11 <claims-11_category_distance>`") == 2
    assert big.count("{ref}`02 <claims-02_mnist_filters>`") == 2
    assert big.index("| 000 |") < big.index("| 001 |"), "sorted by paper"
    assert "## The book's own observations" in page and "000 Eq 9" not in big
    assert "`05_cifar_grey`" in page.split("## Every tested claim")[0], "chapters without a claim file are named"
    open_part = page.split("## Claims no chapter tests yet")[1]
    assert "001-vi" not in open_part and "SVHN -\\> MNIST" in open_part and "CD(5,8)" not in open_part
    assert report.scoreboard(tmp_path, chapters=["02_mnist_filters", "05_cifar_grey", "11_category_distance"],
                             untested=untested) == page


def test_scoreboard_escapes_markdown(tmp_path):
    report.write_claims([make(claim="S_1 of max(F, F^T) | *bold* $x$ {{ sub }}", ours="<5")],
                        "11_category_distance", directory=tmp_path)
    page = report.scoreboard(tmp_path, chapters=["11_category_distance"], untested=())
    row = next(ln for ln in page.split("\n") if "max(F" in ln)
    assert "S\\_1" in row and "\\|" in row and "\\*bold\\*" in row and "\\$x\\$" in row and "\\{\\{" in row
    assert "\\<5" in row
    assert row.count(" | ") == 9, "ten cells: an escaped bar does not split the row"


def test_untested_claims_are_valid_data():
    ids = [u.id for u in report.UNTESTED]
    assert len(ids) == len(set(ids))
    svhn = [u for u in report.UNTESTED if "svhn" in u.id]
    assert len(svhn) >= 4 and all(u.paper == "001" and u.status == "not testable offline" for u in svhn)
    assert all("online" in u.reason for u in svhn), "the online path is named"
    with pytest.raises(ValueError, match="unknown status"):
        report.Untested(id="001-x", paper="001", section="s", figure="", claim="c", paper_value="v",
                        status="later", reason="r")


def test_cli_writes_the_scoreboard(tmp_path, capsys):
    report.write_claims([make()], "11_category_distance", directory=tmp_path / "claims")
    out = tmp_path / "scoreboard.md"
    assert report.main(["scoreboard", "--claims", str(tmp_path / "claims"), "--out", str(out)]) == 0
    assert "1 claims" in capsys.readouterr().out and out.read_text().startswith("# Scoreboard")
    assert report.main(["show", "11_category_distance", "--claims", str(tmp_path / "claims")]) == 0
    assert "CD(1,5), JS base 2" in capsys.readouterr().out
    assert report.main(["show", "10_feature_entropy", "--claims", str(tmp_path / "claims")]) == 2
    assert "cannot read a claim file" in capsys.readouterr().err


# --------------------------------------------------------------------------- the book's own claim files

def test_committed_claim_files_and_scoreboard_are_in_sync():
    files = sorted(report.CLAIMS_DIR.glob("*.json"))
    assert files, "no claim files in book/claims"
    by_chapter = report.load_claims(report.CLAIMS_DIR)
    for name in by_chapter:
        assert name in book.chapters(), f"book/claims/{name}.json has no chapter"
        src = (book.NOTEBOOKS / f"{name}.md").read_text()
        assert f"(claims-{name})=" in src, f"{name}: the reproduction table needs the label (claims-{name})="
        assert "report.write_claims(claims" in src and "report.render(claims)" in src
    page = report.SCOREBOARD.read_text()
    assert page == report.scoreboard(report.CLAIMS_DIR), \
        "book/scoreboard.md is stale: run python -m topo_helpers.report scoreboard"
    glance = _glance(page)
    counts = report.verdict_counts([c for v in by_chapter.values() for c in v])
    for paper, cnt in counts.items():
        for verdict, n in cnt.items():
            assert glance[paper][verdict] == str(n), (paper, verdict)
        assert glance[paper]["all"] == str(sum(cnt.values()))
    assert "book/scoreboard" in (book.ROOT / "_toc.yml").read_text()


REPORT_CHAPTERS = ("02_mnist_filters", "03_mnist_training", "09_clique_topology", "10_feature_entropy",
                   "11_category_distance")


def test_chapters_on_report_print_their_tables_with_report_only():
    for name in REPORT_CHAPTERS:
        src = (book.NOTEBOOKS / f"{name}.md").read_text()
        assert "def verdict(" not in src and "width = max(len(r[0])" not in src, name
        assert "report.write_claims(claims" in src, name


def _code_cells(src: str) -> list[tuple[list[str], str]]:
    """(tags, body) of every code cell of a MyST chapter."""
    out = []
    for m in re.finditer(r"```\{code-cell\} ipython3\n(.*?)```", src, flags=re.S):
        body = m.group(1)
        tags = re.match(r":tags: \[(.*?)\]\n", body)
        out.append(([t.strip() for t in tags.group(1).split(",")] if tags else [], body))
    return out


def test_nbval_compares_no_cell_a_notebook_trained_network_measured():
    """A chapter whose rows come from networks it trains itself checks only the stable table."""
    seen = 0
    for name in book.chapters():
        src = (book.NOTEBOOKS / f"{name}.md").read_text()
        if "trained_here=True" not in src:
            continue
        seen += 1
        cells = _code_cells(src)
        full = [tags for tags, body in cells if "print(report.render(claims))" in body]
        stable = [tags for tags, body in cells if "report.render(claims, stable=True)" in body]
        assert full and all("nbval-check-output" not in t for t in full), name
        assert stable and all({"nbval-check-output", "remove-cell"} <= set(t) for t in stable), name
    assert seen >= 2  # chapters 10 and 11 train LeNet in the notebook


def test_book_runner_writes_a_chapters_claims_beside_its_notebook(tmp_path, monkeypatch):
    monkeypatch.delenv(report.CLAIMS_ENV, raising=False)
    (tmp_path / "nb").mkdir()
    code = ("from topo_helpers import report\n"
            "c = report.Claim(id='000-tiny', paper='000', section='s', figure='', claim='tiny', "
            "paper_value='1', ours=str(n), verdict=report.judge(n == 4), reason='profile value')\n"
            "report.write_claims([c], 'tiny', profile=profile)\nprint(report.render([c]))")
    (tmp_path / "nb" / "tiny.md").write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "kernelspec:\n  name: python3\n  display_name: Python 3\n  language: python\n---\n\n# Tiny\n\n"
        "```{code-cell} ipython3\n:tags: [parameters]\n\nn = 3\nprofile = 'none'\n```\n\n"
        f"```{{code-cell}} ipython3\n{code}\n```\n")
    (tmp_path / "pr" / "small").mkdir(parents=True)
    (tmp_path / "pr" / "small" / "tiny.yml").write_text("seed: 0\nn: 4\n")
    book.execute_chapter("tiny", "small", out_dir=tmp_path / "out", notebooks=tmp_path / "nb",
                         profiles_dir=tmp_path / "pr")
    claims = report.read_claims(tmp_path / "out" / "claims" / "tiny.json")
    assert [(c.id, c.ours, c.verdict, c.chapter) for c in claims] == [("000-tiny", "4", "reproduced", "tiny")]
    assert json.loads((tmp_path / "out" / "claims" / "tiny.json").read_text())["profile"] == "small"
    import os

    assert report.CLAIMS_ENV not in os.environ, "the runner restores the environment"


def test_majority_and_contrast_rules_and_their_errors():
    assert [report.majority(n, 4) for n in (4, 3, 2, 0)] == ["reproduced", "partly", "not reproduced", "not reproduced"]
    assert report.contrast([0.5, 0.6], [0.1, 0.4]) == "reproduced"
    assert report.contrast([0.5, 0.05], [0.1, 0.1], ratio=2.0) == "partly"
    assert report.contrast([0.5, 0.05], [0.1, 0.2], ratio=2.0) == "not reproduced"
    for call in (lambda: report.majority(5, 4), lambda: report.majority(1, 0), lambda: report.majority(1.5, 4),
                 lambda: report.contrast([], [1.0]), lambda: report.contrast([float("nan")], [1.0]),
                 lambda: report.contrast([1.0], [0.5], ratio=0)):
        with pytest.raises(ValueError):
            call()


def test_at_scale_on_time_and_predicts():
    assert [report.at_scale(v, True) for v in ("reproduced", "partly", "not reproduced", "inconclusive")] == [
        "partly", "partly", "inconclusive", "inconclusive"]
    assert report.at_scale("reproduced", False) == "reproduced"
    assert [report.on_time(t, 500, 100) for t in (400, 600, 601, None)] == [
        "reproduced", "reproduced", "partly", "not reproduced"]
    assert report.predicts(0.31, 0.04, 1) and not report.predicts(0.31, 0.06, 1) and not report.predicts(0.29, 0.0, 1)
    assert not report.predicts(float("nan"), float("nan"), 1)
    for call in (lambda: report.at_scale("maybe", True), lambda: report.on_time(-5, 500, 100),
                 lambda: report.on_time(5, 500, -1), lambda: report.predicts(0.5, 0.01, 0),
                 lambda: report.predicts(1.5, 0.01, 1)):
        with pytest.raises(ValueError):
            call()
