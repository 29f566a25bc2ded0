"""The package's layout rules: modules do not reach into each other's private names, and the
package docstring (the newcomer's map) lists every module."""

import ast
from pathlib import Path

import topo_helpers

PACKAGE = Path(topo_helpers.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
# zoo drives train's loop from outside until the trainer becomes one run state (open work)
PENDING = {("zoo", "train")}


def _private_uses(path: Path) -> set[tuple[str, str]]:
    """(sibling module, private name) pairs that ``path`` imports or reads."""
    tree = ast.parse(path.read_text())
    aliases: dict[str, str] = {}
    uses = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:  # from . import train as _train
                for a in node.names:
                    aliases[a.asname or a.name] = a.name
            else:  # from .train import _prep_input
                uses |= {(node.module, a.name) for a in node.names
                         if a.name.startswith("_") and not a.name.startswith("__")}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_") and not node.attr.startswith("__")):
            uses.add((aliases[node.value.id], node.attr))
    return uses


def test_no_module_imports_a_private_name_of_another():
    found = {}
    for name in MODULES:
        bad = {(m, attr) for m, attr in _private_uses(PACKAGE / f"{name}.py") if (name, m) not in PENDING}
        if bad:
            found[name] = sorted(bad)
    assert not found, f"private names used across modules (make them public or move them): {found}"


def test_the_rule_sees_a_private_import(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("from .train import _prep_input\nfrom . import density as d\nx = d._as_points\n")
    assert _private_uses(f) == {("train", "_prep_input"), ("density", "_as_points")}


def test_package_docstring_lists_every_module():
    doc = topo_helpers.__doc__
    missing = [m for m in MODULES if f":mod:`topo_helpers.{m}`" not in doc]
    assert not missing, f"topo_helpers/__init__.py does not describe: {missing}"
