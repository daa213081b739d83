"""Imports run one way, bottom to top (README, "Package map"): a module of the package imports only
from its own part or from parts below it, never from one above, lazily inside a function or not."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "analysis" / "bertstory"
LAYERS = [
    {"errors", "options"},
    {"corpus"},
    {"engine"},
    {"maps"},
    {"models"},
    {"results"},
    {"findings"},
    {"pipeline"},
    {"report"},
    {"commands", "api"},
    {"cli"},
    {"__main__"},
]
"""The package's parts from the bottom up; parts of one layer do not import each other."""
RANK = {part: rank for rank, parts in enumerate(LAYERS) for part in parts}
PACKAGE_ROOT = {"__version__"}
"""Names a module may take from ``bertstory`` itself (its ``__init__`` imports nothing heavy)."""


def _part(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imported_parts(path: Path) -> set[str]:
    """The parts of the package that ``path`` imports by absolute name (``bertstory.X…``)."""
    parts = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = node.module.split(".")
            if names[0] == "bertstory":
                parts |= {names[1]} if len(names) > 1 else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            parts |= {alias.name.split(".")[1] for alias in node.names
                      if alias.name.startswith("bertstory.")}
    return parts


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if _part(p) != "__init__")


def test_every_part_of_the_package_has_a_layer():
    assert {_part(p) for p in MODULES} == set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_a_module_imports_only_from_below(path):
    own = _part(path)
    upward = {part for part in _imported_parts(path) - PACKAGE_ROOT - {own}
              if part not in RANK or RANK[part] >= RANK[own]}
    assert not upward, f"{path.relative_to(PACKAGE)} ({own}) imports {sorted(upward)}"


def test_the_check_sees_lazy_and_upward_imports(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import bertstory.report.pages\n\ndef f():\n    from bertstory.commands import echo\n"
                      "    from bertstory import __version__\n", encoding="utf-8")
    assert _imported_parts(module) == {"report", "commands", "__version__"}
