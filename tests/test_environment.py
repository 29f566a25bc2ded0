"""The environments a reader can build agree: Binder's environment.yml, requirements.txt, pyproject."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
            assert m, f"requirements.txt: {line!r} is not pinned as name==version"
            pins[m.group(1).lower()] = m.group(2)
    return pins


def test_environment_yml_installs_exactly_requirements_txt():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-r requirements.txt" in pip and "-e ." in pip
    # conda brings Python and pip only, so no package can be pinned twice, differently
    assert sorted(c.split("=")[0] for c in conda) == ["pip", "python"], conda
    assert all(p in ("-r requirements.txt", "-e .") for p in pip), pip


def test_python_versions_agree():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    py = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    need = re.search(r'requires-python\s*=\s*">=\s*([0-9.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    major, minor = (int(x) for x in py.split("=")[1].split(".")[:2])
    lo = tuple(int(x) for x in need.split(".")[:2])
    assert (major, minor) >= lo, f"environment.yml's {py} is older than pyproject's >= {need}"


def test_requirements_pin_torch_and_torchvision_together():
    pins = _requirements()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"


def test_pyproject_dependencies_are_pinned_in_requirements():
    text = (ROOT / "pyproject.toml").read_text()
    block = re.search(r"dependencies\s*=\s*\[(.*?)\]", text, re.S)
    specs = re.findall(r'"([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^",]*)"', block.group(1)) if block else []
    assert len(specs) >= 10, "pyproject.toml's dependencies could not be read"
    pins = _requirements()
    missing = [n for n, _ in specs if n.lower() not in pins]
    assert not missing, f"pyproject.toml depends on {missing}, which requirements.txt does not pin"
    from packaging.version import Version

    low = [f"{n} {pins[n.lower()]} < {v}" for n, v in specs if Version(pins[n.lower()]) < Version(v)]
    assert not low, f"requirements.txt pins below pyproject's minimums: {low}"
