"""Claims as data: one verdict vocabulary, one table renderer, one claim file per chapter, a scoreboard.

Every chapter ends with a reproduction table. Each row is a :class:`Claim`: what a paper states
(paper, section, figure or equation, and its value), what the book measured, the value of a
*control* when the claim has one, a verdict from one closed vocabulary, and a one-line reason.
:func:`render` draws every chapter's table the same way (fixed-width text, what nbval compares);
:func:`write_claims` writes the chapter's claims as JSON into ``book/claims/<chapter>.json`` when
the chapter is executed by the book runner; ``python -m topo_helpers.report scoreboard`` reads every
claim file and writes the scoreboard page ``book/scoreboard.md``.

Verdicts
--------
The closed set :data:`VERDICTS`:

``reproduced``
    the paper's claim holds in our run, at the scale the chapter states;
``partly``
    part of the claim holds (the direction but not the size, one of two pairs, ...); the reason says
    which part;
``not reproduced``
    the test could have confirmed the claim and did not;
``inconclusive``
    the test cannot tell: at this scale the effect is within the noise, the test cannot fail (true
    by construction), or the control passes the same test (see :func:`against_control`);
``not testable offline``
    the data the claim needs cannot be had offline (SVHN); the reason names the online path;
``flagged: paper inconsistent``
    the paper states two different values for one quantity (e.g. a count in the text and in a
    caption); the row records the reading the book takes. It is not a reproduction and is counted
    apart from the tested claims (chapter 07 has two such rows);
``observation``
    the book's own measurement of something no paper claims, usually a choice the paper leaves
    open (the tie rule of the order complex, where a Betti curve peaks). It has no verdict on any
    paper and is never counted as a paper's claim; its reason says what it shows.

**A positive verdict must beat its control.** A control is the same test applied where the claim
predicts it should fail (untrained filters, noise-only differences, a trivial model-free
predictor). :func:`against_control` turns a ``reproduced`` or ``partly`` verdict into
``inconclusive`` when the control passes too, and says so in the reason (keeping the verdict it
replaced).

Examples
--------
>>> from topo_helpers import report
>>> c = report.Claim(id="000-fig4a-cd15", paper="000", section="Inter-Class Distinguishability",
...                  figure="Fig 4A", claim="CD(1,5), JS base 2", paper_value="0.328", ours="0.35",
...                  verdict=report.judge(abs(0.349 - 0.328) < 0.05), reason="within 0.05")
>>> print(report.render([c]))
# | claim              | paper | ours | control | verdict
--+--------------------+-------+------+---------+-----------
1 | CD(1,5), JS base 2 | 0.328 | 0.35 | -       | reproduced
[1] 000 Fig 4A: within 0.05
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import tempfile
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .validate import finite_array, integer, number

__all__ = [
    "PAPERS",
    "VERDICTS",
    "POSITIVE",
    "VERDICT_MEANING",
    "UNTESTED_STATUS",
    "CLAIMS_ENV",
    "Claim",
    "Untested",
    "UNTESTED",
    "judge",
    "majority",
    "contrast",
    "at_scale",
    "on_time",
    "predicts",
    "against_control",
    "render",
    "TRAINED_HERE",
    "write_claims",
    "read_claims",
    "load_claims",
    "verdict_counts",
    "scoreboard",
    "write_scoreboard",
    "main",
]

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CLAIMS_DIR = BOOK / "claims"
SCOREBOARD = BOOK / "scoreboard.md"
CLAIMS_ENV = "TOPO_CLAIMS_DIR"
"""Environment variable naming the folder :func:`write_claims` writes to (the book runner sets it)."""
FORMAT = "topo_helpers.report/1"

PAPERS: dict[str, str] = {
    "000": "Zhao & Zhang 2020",
    "001": "Brüel Gabrielsson & Carlsson 2019",
    "002": "Carlsson's blog post",
    "003": "Brüel Gabrielsson & Carlsson 2018, preprint",
}
"""The papers a claim can come from (``/work/shared/papers/README.md`` says which is which)."""

REPRODUCED = "reproduced"
PARTLY = "partly"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
NOT_TESTABLE_OFFLINE = "not testable offline"
FLAGGED = "flagged: paper inconsistent"
OBSERVATION = "observation"

VERDICTS: tuple[str, ...] = (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTABLE_OFFLINE,
                             FLAGGED, OBSERVATION)
"""The closed set of verdicts, in the order the scoreboard counts them."""
POSITIVE: tuple[str, ...] = (REPRODUCED, PARTLY)
"""Verdicts that must beat their control (:func:`against_control`)."""

VERDICT_MEANING: dict[str, str] = {
    REPRODUCED: "the paper's claim holds in our run, at the scale the chapter states",
    PARTLY: "part of the claim holds (the reason says which part)",
    NOT_REPRODUCED: "the test could have confirmed the claim and did not",
    INCONCLUSIVE: "the test cannot tell: the effect is within the noise at this scale, the test cannot "
                  "fail (true by construction), or the control passes the same test",
    NOT_TESTABLE_OFFLINE: "the data the claim needs cannot be had offline; the reason names the online path",
    FLAGGED: "the paper states two different values for one quantity; the row records the book's reading",
    OBSERVATION: "the book's own measurement of something no paper claims (a choice the paper leaves "
                 "open); not counted as any paper's claim",
}

NOT_TESTED_YET = "not tested yet"
UNTESTED_STATUS: tuple[str, ...] = (NOT_TESTABLE_OFFLINE, NOT_TESTED_YET)
"""Status of a claim no chapter tests yet (:class:`Untested`)."""

_ID_RE = re.compile(r"^[0-9a-z][0-9a-z.\-]*$")
_CHAPTER_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.\-]*$")


def _one_line(name: str, value: object, *, owner: str, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{owner}: {name} must be a string; got {type(value).__name__} {value!r}. "
                         f"Format numbers first, e.g. f'{{x:.2f}}'.")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{owner}: {name} must be one line; got {value!r}. Shorten it or move the "
                         f"detail into the chapter's text.")
    if not allow_empty and not value.strip():
        raise ValueError(f"{owner}: {name} is empty; every claim states it ('-' if there is nothing).")
    return value


def _check_id(id: object, paper: object, kind: str) -> None:
    if not isinstance(id, str) or not id.strip():
        raise ValueError(f"a {kind} needs a non-empty id: a stable name such as '001-fig2-primary-circle' "
                         f"(the paper id, a dash, lower-case words joined by dashes); got {id!r}.")
    if not _ID_RE.match(id):
        raise ValueError(f"{kind} id {id!r} must be lower-case letters, digits, dots and dashes only, "
                         f"e.g. '001-fig2-primary-circle'.")
    if paper not in PAPERS:
        raise ValueError(f"{kind} {id!r}: unknown paper {paper!r}; choose one of {sorted(PAPERS)} "
                         f"(see the papers' README).")
    if not id.startswith(f"{paper}-"):
        raise ValueError(f"{kind} id {id!r} must start with its paper's id and a dash ('{paper}-...'), "
                         f"so that ids stay unique across chapters.")


@dataclass(frozen=True, kw_only=True)
class _Statement:
    """What a paper states and where: the fields :class:`Claim` and :class:`Untested` share."""

    id: str
    paper: str
    section: str
    figure: str
    claim: str
    paper_value: str

    def _check_statement(self, kind: str) -> str:
        """Check the shared fields; return the owner's name for the subclass's own messages."""
        _check_id(self.id, self.paper, kind)
        owner = f"{kind} {self.id!r}"
        for name in ("section", "claim", "paper_value"):
            _one_line(name, getattr(self, name), owner=owner)
        _one_line("figure", self.figure, owner=owner, allow_empty=True)
        return owner


@dataclass(frozen=True, kw_only=True)
class Claim(_Statement):
    """One row of a reproduction table: a paper's claim and what the book finds.

    Parameters
    ----------
    id : str
        Stable identifier, unique over the whole book: the paper id, a dash, lower-case words joined
        by dashes (``"001-fig2-primary-circle"``). The scoreboard and the claim files key on it.
    paper : str
        The paper, one of :data:`PAPERS` (``"000"`` ... ``"003"``).
    section : str
        The paper's section (``"§VI"``, ``"Inter-Class Distinguishability"``).
    figure : str
        The figure or equation (``"Fig 3A"``, ``"Eq 6"``); ``""`` when the claim is in the text only.
    claim : str
        The claim in a few words (the table's first column).
    paper_value : str
        What the paper states: its number or its words (``"0.328"``, ``"mostly < 5"``).
    ours : str
        What the chapter measured, rounded so that a re-execution prints the same text.
    verdict : str
        One of :data:`VERDICTS`.
    reason : str
        One line: why this verdict (what the numbers show, what limits them).
    control : str or None
        The control's value when the claim has one (the same test where the claim predicts failure);
        None when it has none.
    chapter : str or None
        The chapter that tests the claim (``"10_feature_entropy"``); :func:`write_claims` fills it in.
    trained_here : bool
        True when ``ours``, ``control`` or the verdict come from networks the notebook trains itself
        (not from a stored zoo run or from data alone). Training is deterministic on one machine but
        not across CPUs (different vector units round differently), so such a row can read otherwise
        on another machine; :func:`render` with ``stable=True`` leaves its measured cells out, and that
        is the table nbval compares.

    Raises
    ------
    ValueError
        For an empty or malformed id, an unknown paper or verdict, a text field that is not a
        one-line string, or an empty control (use None).
    """

    ours: str
    verdict: str
    reason: str
    control: str | None = None
    chapter: str | None = None
    trained_here: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.trained_here, bool):
            raise ValueError(f"claim {self.id!r}: trained_here must be True or False, got {self.trained_here!r}.")
        owner = self._check_statement("claim")
        for name in ("ours", "reason"):
            _one_line(name, getattr(self, name), owner=owner)
        if self.verdict not in VERDICTS:
            raise ValueError(f"{owner}: unknown verdict {self.verdict!r}; use one of {list(VERDICTS)} "
                             f"(topo_helpers.report explains each). Put nuances in the reason.")
        if self.control is not None:
            _one_line("control", self.control, owner=owner)
        if self.chapter is not None:
            _one_line("chapter", self.chapter, owner=owner)
            if not _CHAPTER_RE.match(self.chapter):
                raise ValueError(f"{owner}: chapter {self.chapter!r} must be a chapter name such as "
                                 f"'10_feature_entropy'.")

    @property
    def source(self) -> str:
        """Where the paper states it: ``"000 Fig 3A"``, or ``"001 §VI"`` without a figure."""
        return f"{self.paper} {self.figure or self.section}"


@dataclass(frozen=True, kw_only=True)
class Untested(_Statement):
    """A claim of a paper that no chapter tests yet, with the reason (the scoreboard lists them).

    Parameters
    ----------
    id, paper, section, figure, claim, paper_value : str
        As for :class:`Claim`. When a chapter writes a claim with the same id, the scoreboard shows
        the chapter's claim instead.
    status : str
        ``"not testable offline"`` (the data is online only; the reason names the online path) or
        ``"not tested yet"`` (no chapter has the row yet; the reason says where it belongs).
    reason : str
        One line.
    """

    status: str
    reason: str

    def __post_init__(self) -> None:
        owner = self._check_statement("untested claim")
        _one_line("reason", self.reason, owner=owner)
        if self.status not in UNTESTED_STATUS:
            raise ValueError(f"{owner}: unknown status {self.status!r}; use one of {list(UNTESTED_STATUS)}.")


_SVHN_ONLINE = ("online: unset TOPO_OFFLINE so data.load_svhn downloads torchvision's SVHN")

UNTESTED: tuple[Untested, ...] = (
    # 001 §VI needs SVHN, which is online only (topo_helpers.data.load_svhn)
    Untested(id="001-vi-fixed-circle-svhn", paper="001", section="§VI", figure="",
             claim="MNIST nets tested on SVHN: fixed circle > gaussian, trained",
             paper_value="28%, 12%, 11%", status=NOT_TESTABLE_OFFLINE,
             reason=f"{_SVHN_ONLINE} and run 04_mnist_generalisation, which then tests on SVHN "
                    "(offline it tests a named stand-in, UCI digits)"),
    Untested(id="001-vi-svhn-to-mnist", paper="001", section="§VI", figure="",
             claim="an SVHN-trained net (~85%) evaluated on MNIST", paper_value="54%",
             status=NOT_TESTABLE_OFFLINE,
             reason=f"{_SVHN_ONLINE}; no chapter trains on SVHN yet (04 would, with train.* on that data)"),
    Untested(id="001-vi-svhn-lifetime", paper="001", section="§VI", figure="",
             claim="most persistent H1 of layer 1, rho(100,0.1): SVHN above MNIST",
             paper_value="1.27 vs 1.10", status=NOT_TESTABLE_OFFLINE,
             reason=f"{_SVHN_ONLINE}; needs SVHN-trained M(64,32,64) networks (no chapter trains them yet)"),
    Untested(id="001-fig12-svhn", paper="001", section="§VI", figure="Fig 12 (right)",
             claim="SVHN: test accuracy and H1 lifetime rise together",
             paper_value="both rise", status=NOT_TESTABLE_OFFLINE,
             reason=f"{_SVHN_ONLINE}; chapter 04 computes the MNIST panel only"),
    Untested(id="001-fig13-svhn", paper="001", section="§VI", figure="Fig 13",
             claim="SVHN, appended filters: circle > Klein > gaussian, speed-up",
             paper_value="3.5x", status=NOT_TESTABLE_OFFLINE,
             reason=f"{_SVHN_ONLINE}; chapter 04 runs the MNIST variant (the paper's 2x) only"),
    # rows no chapter has yet (issue 14, "rows that are missing today")
    Untested(id="001-fig11-vgg-layer13-like-fig7", paper="001", section="§V-C", figure="Fig 11",
             claim="VGG16 layer 13 and VGG19 layer 5 resemble Fig 7's circle", paper_value="resemble",
             status=NOT_TESTED_YET,
             reason="belongs to 08_vgg16, which cannot judge it: VGG19 is online only and Fig 7's circle is a "
                    "picture with no number to compare layer 13 against (chapter 07's CIFAR run)"),
)
"""Claims of the papers that no chapter tests yet, with the reason; kept here as data."""


# ----------------------------------------------------------------------------------------- verdicts

def judge(ok: bool, partly: bool = False) -> str:
    """The verdict of a test with a pass condition and a weaker, partial one.

    Parameters
    ----------
    ok : bool
        The claim holds (``"reproduced"``).
    partly : bool
        Part of it holds (``"partly"``), used when ``ok`` is False.

    Returns
    -------
    str
        ``"reproduced"``, ``"partly"`` or ``"not reproduced"``.
    """
    return REPRODUCED if bool(ok) else (PARTLY if bool(partly) else NOT_REPRODUCED)


def majority(n: int, of: int) -> str:
    """A claim made of ``of`` cases (layers, channels, networks): reproduced when all ``of`` hold, partly
    when more than half do, else not reproduced.

    >>> majority(11, 11), majority(9, 11), majority(5, 11)
    ('reproduced', 'partly', 'not reproduced')
    """
    n = integer(n, "n", minimum=0)
    of = integer(of, "of", minimum=1)
    if n > of:
        raise ValueError(f"n ({n}) cannot exceed of ({of}): count the cases that hold among those tested")
    return judge(n == of, partly=n > of / 2)


def at_scale(verdict: str, young: bool) -> str:
    """A claim about the papers' long-trained networks judged on younger ones (the zoo's shorter runs).

    Where the networks are still far from the paper's accuracy (``young``), an agreement is only
    partial (it holds at this scale) and a miss is inconclusive (the networks may not be there yet),
    never "not reproduced"; other verdicts, and every verdict on networks as far trained as the
    paper's, are unchanged.

    >>> at_scale("reproduced", True), at_scale("not reproduced", True), at_scale("not reproduced", False)
    ('partly', 'inconclusive', 'not reproduced')
    """
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}; choose one of {VERDICTS}")
    if not young:
        return verdict
    return {REPRODUCED: PARTLY, NOT_REPRODUCED: INCONCLUSIVE}.get(verdict, verdict)


def on_time(t: int | None, t_paper: int, tolerance: int) -> str:
    """A claim that something happens at an iteration (a circle appears, breaks): reproduced within
    ``tolerance`` iterations of the paper's ``t_paper``, partly at another iteration, not reproduced
    when it never happens (``t`` None; judge first whether the test could have seen it).

    >>> on_time(300, 300, 100), on_time(1000, 300, 100), on_time(None, 300, 100)
    ('reproduced', 'partly', 'not reproduced')
    """
    t_paper = integer(t_paper, "t_paper", minimum=0)
    tolerance = integer(tolerance, "tolerance", minimum=0)
    if t is None:
        return NOT_REPRODUCED
    return judge(abs(integer(t, "t", minimum=0) - t_paper) <= tolerance, partly=True)


def predicts(r: float, p: float, sign: int, min_rho: float = 0.3, alpha: float = 0.05) -> bool:
    """Whether a rank correlation makes a prediction: of the predicted ``sign`` (+1 or -1), at least
    ``min_rho`` in size and significant at level ``alpha``.

    A NaN correlation (scipy's answer on constant data) predicts nothing.

    >>> predicts(-0.54, 0.001, -1), predicts(-0.16, 0.3, -1), predicts(0.5, 0.01, -1)
    (True, False, False)
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1 (the direction the claim predicts); got {sign!r}")
    if isinstance(r, float) and isinstance(p, float) and (r != r or p != p):
        return False   # a correlation undefined on constant data (scipy's NaN) predicts nothing
    r, p = number(r, "r", -1, 1), number(p, "p", 0, 1)
    return sign * r > number(min_rho, "min_rho", 0, 1) and p < number(alpha, "alpha", 0, 1, open_min=True)


def contrast(high: Sequence[float], low: Sequence[float], ratio: float = 1.5) -> str:
    """A claim that one set of values stands above another (e.g. the layers a paper names against the rest):
    reproduced when every value of ``high`` exceeds every value of ``low``, partly when the mean of
    ``high`` exceeds ``ratio`` times the mean of ``low``, else not reproduced.

    >>> contrast([0.3, 0.4], [0.1, 0.2]), contrast([0.3, 0.1], [0.1, 0.12]), contrast([0.1], [0.2])
    ('reproduced', 'partly', 'not reproduced')
    """
    hi, lo = finite_array(high, "high"), finite_array(low, "low")
    if hi.ndim != 1 or lo.ndim != 1 or not len(hi) or not len(lo):
        raise ValueError("high and low must be non-empty 1-D sequences of numbers")
    ratio = number(ratio, "ratio", 0, open_min=True)
    return judge(hi.min() > lo.max(), partly=hi.mean() > ratio * lo.mean())


def against_control(claim: Claim, control_passes: bool) -> Claim:
    """Apply the rule *a positive verdict must beat its control*.

    Parameters
    ----------
    claim : Claim
        The claim as judged on our data; its ``control`` states the control's value.
    control_passes : bool
        Whether the control passes the same test the claim passed.

    Returns
    -------
    Claim
        ``claim`` unchanged if its verdict is not positive or the control fails the test; otherwise a
        copy with verdict ``"inconclusive"`` and a reason that says the control passes too and keeps
        the verdict it replaced.

    Raises
    ------
    ValueError
        If ``claim`` states no control value (``control=None``): a reader must see what the control
        gave.
    """
    if not isinstance(claim, Claim):
        raise ValueError(f"against_control takes a Claim; got {type(claim).__name__}.")
    if claim.control is None:
        raise ValueError(f"claim {claim.id!r} is judged against a control but states no control value; "
                         f"pass control='...' (what the control gave) to the Claim.")
    if claim.verdict in POSITIVE and bool(control_passes):
        return dataclasses.replace(
            claim, verdict=INCONCLUSIVE,
            reason=f"the control passes the same test ({claim.control}), so the test cannot tell "
                   f"(was {claim.verdict}): {claim.reason}")
    return claim


def _check_claims(claims: Iterable[Claim], what: str) -> list[Claim]:
    claims = list(claims)
    if not claims:
        raise ValueError(f"{what}: no claims; a reproduction table needs at least one Claim.")
    seen: dict[str, int] = {}
    for k, c in enumerate(claims):
        if not isinstance(c, Claim):
            raise ValueError(f"{what}: item {k} is a {type(c).__name__}, not a report.Claim.")
        if c.id in seen:
            raise ValueError(f"{what}: duplicate claim id {c.id!r} (rows {seen[c.id] + 1} and {k + 1}); "
                             f"give each claim its own id.")
        seen[c.id] = k
    return claims


# ----------------------------------------------------------------------------------------- renderer

_COLUMNS = (("#", None), ("claim", 46), ("paper", 24), ("ours", 30), ("control", 26), ("verdict", None))
_REASON_WIDTH = 100


def _wrap(text: str, width: int | None) -> list[str]:
    if width is None or len(text) <= width:
        return [text]
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False) or [""]


TRAINED_HERE = "(trained here)"
"""What ``render(..., stable=True)`` prints in the measured cells of a ``trained_here`` claim."""


def render(claims: Sequence[Claim], *, reasons: bool = True, stable: bool = False) -> str:
    """The fixed-width text table every chapter prints (and nbval compares).

    Columns: row number, claim, the paper's value, ours, the control's value (``-`` for none) and the
    verdict; a cell longer than its column wraps onto continuation lines. Below the table, one line
    per row: ``[n] <paper> <figure or section>: <reason>``. No line ends in spaces.

    Parameters
    ----------
    claims : sequence of Claim
        The chapter's claims, in table order.
    reasons : bool
        Print the reasons under the table.
    stable : bool
        Print only what does not depend on the machine: for a claim with ``trained_here=True`` the
        ours, control and verdict cells read ``(trained here)`` and its reason is left out. Chapters
        that train inside the notebook print this table in the cell nbval checks (hidden on the site)
        and the full one for the reader.

    Returns
    -------
    str
        The table, without a trailing newline.

    Raises
    ------
    ValueError
        For an empty table, an item that is not a Claim, or two claims with the same id.
    """
    claims = _check_claims(claims, "render")

    def measured(c: Claim) -> list[str]:
        if stable and c.trained_here:
            return [TRAINED_HERE, TRAINED_HERE if c.control is not None else "-", TRAINED_HERE]
        return [c.ours, c.control if c.control is not None else "-", c.verdict]

    cells = [[str(k), c.claim, c.paper_value, *measured(c)] for k, c in enumerate(claims, 1)]
    wrapped = [[_wrap(text, cap) for text, (_, cap) in zip(row, _COLUMNS)] for row in cells]
    widths = [max([len(name)] + [len(line) for row in wrapped for line in row[j]])
              for j, (name, _) in enumerate(_COLUMNS)]

    def line(parts: Sequence[str]) -> str:
        return " | ".join(p.ljust(w) for p, w in zip(parts, widths)).rstrip()

    out = [line([name for name, _ in _COLUMNS]), "-+-".join("-" * w for w in widths)]
    for row in wrapped:
        for i in range(max(len(cell) for cell in row)):
            out.append(line([cell[i] if i < len(cell) else "" for cell in row]))
    if reasons:
        for k, c in enumerate(claims, 1):
            if stable and c.trained_here:
                continue
            out += textwrap.wrap(f"[{k}] {c.source}: {c.reason}", width=_REASON_WIDTH,
                                 subsequent_indent="    ", break_on_hyphens=False)
    return "\n".join(out)


# -------------------------------------------------------------------------------------- claim files

def _claims_dir(directory: str | os.PathLike | None) -> Path | None:
    if directory is not None:
        return Path(directory)
    env = os.environ.get(CLAIMS_ENV, "").strip()
    return Path(env) if env else None


def _dumps(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_claims(claims: Sequence[Claim], chapter: str, *, directory: str | os.PathLike | None = None,
                 profile: str | None = None) -> Path | None:
    """Write a chapter's claims as ``<directory>/<chapter>.json`` (deterministic JSON).

    The file holds the chapter's name, the profile it ran with and every claim (all fields), in
    table order; keys are sorted, there is no timestamp, so the same claims give the same bytes.

    Parameters
    ----------
    claims : sequence of Claim
        The chapter's claims; a claim without a chapter gets ``chapter``.
    chapter : str
        The chapter's name (``"10_feature_entropy"``): the file's name.
    directory : path, optional
        Where to write. Default: the folder named by ``$TOPO_CLAIMS_DIR``, which the book runner
        (``python -m topo_helpers.book run``) sets to ``<out>/claims``, i.e. ``book/claims``. If
        neither is given nothing is written and None is returned, so that nbval's re-execution or an
        interactive session leaves the committed claim files alone.
    profile : str, optional
        The profile the chapter ran with, recorded in the file.

    Returns
    -------
    Path or None
        The file written, or None when there is no folder to write to.

    Raises
    ------
    ValueError
        For a malformed chapter name, a claim that names another chapter, or the errors of
        :func:`render` (empty table, duplicate ids).
    """
    if not isinstance(chapter, str) or not _CHAPTER_RE.match(chapter):
        raise ValueError(f"write_claims: chapter must be a chapter name such as '10_feature_entropy'; "
                         f"got {chapter!r}.")
    claims = _check_claims(claims, f"write_claims({chapter!r})")
    for c in claims:
        if c.chapter is not None and c.chapter != chapter:
            raise ValueError(f"claim {c.id!r} names chapter {c.chapter!r} but is written for {chapter!r}; "
                             f"drop its chapter= or write it with its own chapter.")
    claims = [c if c.chapter else dataclasses.replace(c, chapter=chapter) for c in claims]
    folder = _claims_dir(directory)
    if folder is None:
        return None
    path = folder / f"{chapter}.json"
    data = {"format": FORMAT, "chapter": chapter, "profile": profile,
            "claims": [dataclasses.asdict(c) for c in claims]}
    _atomic_write(path, _dumps(data))
    return path


_FIELDS = {f.name for f in dataclasses.fields(Claim)}
_OPTIONAL_FIELDS = {"trained_here"}  # added after the first claim files; absent means the default


def read_claims(path: str | os.PathLike) -> list[Claim]:
    """Read one chapter's claim file written by :func:`write_claims`.

    Raises
    ------
    ValueError
        If the file is not a claim file of this format, names another chapter than its file name, or
        holds a claim with unknown or missing fields; the message names the file and the fix
        (re-execute the chapter).
    """
    path = Path(path)
    fix = f"re-execute the chapter (python -m topo_helpers.book run {path.stem}) to rewrite {path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: cannot read a claim file ({exc}); {fix}.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("claims"), list):
        raise ValueError(f"{path}: not a claim file of format {FORMAT!r}; {fix}.")
    if data.get("chapter") != path.stem:
        raise ValueError(f"{path}: the file says chapter {data.get('chapter')!r}, its name says "
                         f"{path.stem!r}; {fix}.")
    claims = []
    for k, item in enumerate(data["claims"]):
        if not isinstance(item, dict) or not _FIELDS - _OPTIONAL_FIELDS <= set(item) <= _FIELDS:
            got = sorted(item) if isinstance(item, dict) else type(item).__name__
            raise ValueError(f"{path}: claim {k} has fields {got}, expected {sorted(_FIELDS)}; {fix}.")
        try:
            claims.append(Claim(**item))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc} ({fix})") from exc
        if claims[-1].chapter != path.stem:
            raise ValueError(f"{path}: claim {claims[-1].id!r} names chapter {claims[-1].chapter!r}; {fix}.")
    return _check_claims(claims, str(path))


def load_claims(directory: str | os.PathLike = CLAIMS_DIR) -> dict[str, list[Claim]]:
    """Every chapter's claims: ``{chapter: [Claim, ...]}`` from ``<directory>/*.json``, by file name.

    Raises
    ------
    ValueError
        For an unreadable claim file, or one id claimed by two chapters.
    """
    directory = Path(directory)
    out: dict[str, list[Claim]] = {}
    owner: dict[str, str] = {}
    for path in sorted(directory.glob("*.json")):
        claims = read_claims(path)
        for c in claims:
            if c.id in owner:
                raise ValueError(f"claim id {c.id!r} is in both {owner[c.id]} and {path.stem}; each claim "
                                 f"belongs to one chapter: rename one of them.")
            owner[c.id] = path.stem
        out[path.stem] = claims
    return out


# ---------------------------------------------------------------------------------------- scoreboard

_COUNT_COLUMNS = (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE, FLAGGED, NOT_TESTABLE_OFFLINE, NOT_TESTED_YET)
_TESTED = (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE)


def verdict_counts(claims: Iterable[Claim], untested: Iterable[Untested] = UNTESTED) -> dict[str, Counter]:
    """Claims per verdict per paper, as the scoreboard counts them.

    A chapter's claim counts under its verdict; an untested claim under its status (``"not testable
    offline"`` or ``"not tested yet"``) unless a chapter has a claim with its id. Observations are
    not a paper's claims and are not counted.

    Returns
    -------
    dict
        ``{paper: Counter({verdict or status: count})}`` for every paper of :data:`PAPERS`.
    """
    claims = list(claims)
    tested = {c.id for c in claims}
    counts = {p: Counter() for p in PAPERS}
    for c in claims:
        if c.verdict != OBSERVATION:
            counts[c.paper][c.verdict] += 1
    for u in untested:
        if u.id not in tested:
            counts[u.paper][u.status] += 1
    return counts


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>$|{}~#])")


def _md(text: str) -> str:
    """Escape a plain-text cell for a MyST table (no emphasis, math, roles or substitutions)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def _link(chapter: str) -> str:
    return f"{{ref}}`{chapter.split('_')[0]} <claims-{chapter}>`"


def scoreboard(directory: str | os.PathLike = CLAIMS_DIR, *, chapters: Sequence[str] | None = None,
               untested: Sequence[Untested] = UNTESTED) -> str:
    """The scoreboard page (MyST markdown) built from every chapter's claim file.

    Parameters
    ----------
    directory : path
        The folder of claim files (``book/claims``).
    chapters : sequence of str, optional
        All the book's chapters, to list those that write no claim file yet; default: the chapter
        sources in ``notebooks/``.
    untested : sequence of Untested
        The claims no chapter tests yet (default :data:`UNTESTED`).

    Returns
    -------
    str
        The page. Each chapter link is a reference to the label ``claims-<chapter>`` that heads the
        chapter's reproduction table.
    """
    by_chapter = load_claims(directory)
    if chapters is None:
        from .book import chapters as book_chapters

        chapters = book_chapters()
    order = {name: k for k, name in enumerate(chapters)}
    claims = [c for name in sorted(by_chapter, key=lambda n: (order.get(n, len(order)), n))
              for c in by_chapter[name]]
    tested = {c.id for c in claims}
    open_claims = [u for u in untested if u.id not in tested]
    counts = verdict_counts(claims, untested)
    silent = [name for name in chapters if name not in by_chapter]

    lines = [
        "# Scoreboard: every claim and its verdict",
        "",
        "Every claim of the four papers that the book tests, with our number and the verdict, and the claims",
        "no chapter tests yet. The page is generated from the chapters' claim files (`book/claims/*.json`,",
        "written each time a chapter is executed) by `python -m topo_helpers.report scoreboard`: do not edit",
        "it by hand. A verdict is judged at the scale the chapter ran (its profile), and a positive verdict",
        "must beat its control: when the control passes the same test, the verdict is *inconclusive*.",
        "A verdict marked *(trained here)* is measured on networks the chapter trains itself rather than on",
        "the zoo's stored runs: it can read differently when the chapter is executed on another CPU.",
        "",
        "## Verdicts",
        "",
    ]
    for v in VERDICTS:
        lines += [f"{v}", f": {_md(VERDICT_MEANING[v])}", ""]
    lines += [f"{NOT_TESTED_YET}", ": no chapter has a row for the claim yet (listed at the end of this page)", ""]

    lines += ["## At a glance", "",
              "Claims per verdict and paper; the last column counts the claims reproduced or partly "
              "reproduced among those a chapter tested (reproduced, partly, not reproduced, inconclusive). "
              "Observations are the book's own and are not counted.", ""]
    header = ["paper", *_COUNT_COLUMNS, "all", "reproduced or partly, of tested"]
    rows = []
    total = Counter()

    def share(cnt: Counter) -> str:
        return f"{cnt[REPRODUCED] + cnt[PARTLY]} of {sum(cnt[v] for v in _TESTED)}"

    for p, name in PAPERS.items():
        cnt = counts[p]
        total.update(cnt)
        rows.append([f"{p}: {_md(name)}", *(str(cnt[v]) for v in _COUNT_COLUMNS), str(sum(cnt.values())),
                     share(cnt)])
    rows.append(["all", *(str(total[v]) for v in _COUNT_COLUMNS), str(sum(total.values())), share(total)])
    lines += _table(header, rows)
    lines.append("")
    if silent:
        lines += [f"Chapters that write no claim file yet, so their tables are not counted here: "
                  f"{', '.join(f'`{n}`' for n in silent)}.", ""]

    lines += ["## Every tested claim", ""]
    paper_claims = [c for c in claims if c.verdict != OBSERVATION]
    if paper_claims:
        key = {p: k for k, p in enumerate(PAPERS)}
        paper_claims.sort(key=lambda c: key[c.paper])  # stable: chapter order, then table order
        lines += _table(
            ["paper", "section", "figure", "claim", "paper's value", "ours", "control", "verdict", "reason",
             "chapter"],
            ([c.paper, _md(c.section), _md(c.figure or "-"), _md(c.claim), _md(c.paper_value), _md(c.ours),
              _md(c.control or "-"), f"**{_md(c.verdict)}**" + (" (trained here)" if c.trained_here else ""),
              _md(c.reason), _link(c.chapter)]
             for c in paper_claims))
    else:
        lines.append("No chapter writes a claim file yet.")
    lines.append("")

    observations = [c for c in claims if c.verdict == OBSERVATION]
    if observations:
        lines += ["## The book's own observations", "",
                  "Measurements of choices the papers leave open; no paper claims them.", ""]
        lines += _table(["about", "observation", "ours", "what it shows", "chapter"],
                        ([_md(c.source), _md(c.claim), _md(c.ours), _md(c.reason), _link(c.chapter)]
                         for c in observations))
        lines.append("")

    lines += ["## Claims no chapter tests yet", ""]
    if open_claims:
        lines += _table(["paper", "section", "figure", "claim", "paper's value", "status", "reason"],
                        ([u.paper, _md(u.section), _md(u.figure or "-"), _md(u.claim), _md(u.paper_value),
                          f"**{_md(u.status)}**", _md(u.reason)] for u in open_claims))
    else:
        lines.append("None.")
    lines.append("")
    return "\n".join(lines)


def write_scoreboard(directory: str | os.PathLike = CLAIMS_DIR, out: str | os.PathLike = SCOREBOARD, *,
                     chapters: Sequence[str] | None = None) -> Path:
    """Write :func:`scoreboard` to ``out`` (``book/scoreboard.md``); return the path."""
    out = Path(out)
    _atomic_write(out, scoreboard(directory, chapters=chapters))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m topo_helpers.report scoreboard [--claims DIR] [--out FILE]``."""
    parser = argparse.ArgumentParser(prog="python -m topo_helpers.report",
                                     description="The book's claims: the scoreboard page from the claim files.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sb = sub.add_parser("scoreboard", help="write book/scoreboard.md from book/claims/*.json")
    sb.add_argument("--claims", default=str(CLAIMS_DIR), help="folder of claim files (default: book/claims)")
    sb.add_argument("--out", default=str(SCOREBOARD), help="page to write (default: book/scoreboard.md)")
    show = sub.add_parser("show", help="print one chapter's table from its claim file")
    show.add_argument("chapter")
    show.add_argument("--claims", default=str(CLAIMS_DIR))
    args = parser.parse_args(argv)
    try:
        if args.cmd == "scoreboard":
            path = write_scoreboard(args.claims, args.out)
            n = sum(len(v) for v in load_claims(args.claims).values())
            print(f"wrote {path} ({n} claims from {args.claims})")
        else:
            print(render(read_claims(Path(args.claims) / f"{args.chapter}.json")))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
