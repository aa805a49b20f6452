"""The quick start's one install is enough: ``requirements.txt`` names every
distribution that the grader, the hidden tests and these self-tests import.

The README's second command (``pip install -r requirements.txt && python -m
pytest``) runs these tests in a fresh environment; a module that only
``requirements-dev.txt`` brings (the linters' and type checkers' tools)
would pass wherever a maintainer installed both, and fail in a student's
clone. Imports only made for the type checker (``if TYPE_CHECKING:``) need
no install and are left out.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from .conftest import ROOT

#: The code the README's install must carry: the engine, the hidden tests, the self-tests.
SOURCES = ("grader.py", "grading", "tests", "selftests")
#: Fixture submissions (written as students write, broken on purpose) import nothing installed.
FIXTURES = ("katas", "mistakes", "hostile")


def sources() -> Iterator[Path]:
    for name in SOURCES:
        path = ROOT / name
        if path.is_file():
            yield path
            continue
        for found in sorted(path.rglob("*.py")):
            if not set(found.relative_to(path).parts) & set(FIXTURES):
                yield found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported(tree: ast.AST) -> Iterator[str]:
    """The top-level names of the absolute imports in ``tree``, those under
    ``if TYPE_CHECKING:`` left out."""
    if isinstance(tree, ast.If) and _type_checking_only(tree):
        yield from (name for node in tree.orelse for name in imported(node))
        return
    if isinstance(tree, ast.Import):
        yield from (alias.name.partition(".")[0] for alias in tree.names)
    elif isinstance(tree, ast.ImportFrom) and tree.level == 0 and tree.module:
        yield tree.module.partition(".")[0]
    for child in ast.iter_child_nodes(tree):
        yield from imported(child)


def local_modules() -> set[str]:
    """Modules of this checkout's own (the engine's, the tests' drivers', the students')."""
    names = set()
    for folder in (ROOT, ROOT / "grading", ROOT / "tests", ROOT / "selftests", ROOT / "bench",
                   ROOT / "exercises", ROOT / "solutions"):
        names |= {p.stem for p in folder.glob("*.py")}
        names |= {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}
    return names


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def required() -> set[str]:
    """The distributions ``requirements.txt`` names, and what they require in turn."""
    wanted = set()
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line.partition("#")[0])
        if found:
            wanted.add(_normal(found.group(1)))
    closure, todo = set(), list(wanted)
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.add(name)
        try:
            needs = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for need in needs:
            if "extra ==" not in need:
                found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", need)
                if found:
                    todo.append(_normal(found.group(1)))
    return closure


def test_every_imported_distribution_is_installed_by_requirements_txt() -> None:
    local = local_modules()
    third_party: dict[str, set[str]] = {}
    for path in sources():
        for name in imported(ast.parse(path.read_text(encoding="utf-8"))):
            if name not in sys.stdlib_module_names and name not in local:
                third_party.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    assert "pytest" in third_party and "psutil" in third_party  # (the walk found the real imports)
    distributions = importlib.metadata.packages_distributions()
    installed_by_requirements = required()
    missing = {}
    for module, where in sorted(third_party.items()):
        owners = {_normal(d) for d in distributions.get(module, [])}
        if not owners & installed_by_requirements:
            missing[module] = (sorted(owners) or ["(not installed here)"], sorted(where))
    assert not missing, (
        "imported, but requirements.txt does not install it (the README's quick start would "
        f"fail in a fresh environment): {missing}")


def test_a_module_imported_only_for_the_type_checker_is_left_out() -> None:
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import yaml\n"
                     "else:\n    import json\nimport psutil.tests\nfrom . import x\n")
    assert sorted(imported(tree)) == ["json", "psutil", "typing"]
