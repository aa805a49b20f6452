"""Each common mistake loses points on the right test, with a message that names it.

``mistakes/<topic>/expect.toml`` lists variants of the solution with one
mistake each (``[[mistake]]``: the file, the tests that must lose points, a
phrase the message must contain) and correct variants in another style
(``[[correct]]``), which must score full marks. A variant is a ``.patch``
against ``solutions/<topic>.py`` (it shows the one mistake and nothing else,
and stops applying if the solution changes under it) or a whole ``.py``
written in a style of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grading import patching, variants

from .conftest import ROOT, SELFTESTS, grade

MISTAKES = SELFTESTS / "mistakes"


def cases(kind: str) -> list[Any]:
    # variants.load checks that every file in a folder is listed, and every listed file exists.
    return [pytest.param(v.topic, {"file": v.path.name, "fails": list(v.fails), "says": v.says}, id=v.id)
            for v in variants.load(MISTAKES) if v.kind == kind]


def graded_variant(topic: str, file: str, tmp_path: Path, only: list[str] | None = None):  # type: ignore[no-untyped-def]
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    variants.write(variants.Variant(topic, MISTAKES / topic / file, "mistake"), ROOT / "solutions",
                   workspace)
    # A mistake is judged on the tests that must catch it: only those run.
    keyword = ["-k", " or ".join(only)] if only else []
    graded = grade("--workspace", workspace, topic, *keyword, tmp_path=tmp_path)
    assert graded.data is not None, graded.stderr
    return graded


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "entry"), cases("mistake"))
def test_mistake_is_caught_and_named(topic: str, entry: dict[str, Any], tmp_path: Path) -> None:
    graded = graded_variant(topic, entry["file"], tmp_path, only=entry["fails"])
    tests = graded.topic(topic)["tests"]
    assert graded.returncode == 1
    for name in entry["fails"]:
        mine = [t for t in tests if t["name"].split("[")[0] == name]
        assert mine, f"no test named {name} in {topic}"
        lost = [t for t in mine if t["outcome"] != "passed"]
        assert lost, f"{entry['file']}: {name} passed, but it should catch this mistake"
        said = " ".join(t["message"] for t in lost).lower()
        assert entry["says"].lower() in said, f"{name} did not say {entry['says']!r}: {said[:500]}"


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "entry"), cases("correct"))
def test_correct_variant_scores_full_marks(topic: str, entry: dict[str, Any], tmp_path: Path) -> None:
    graded = graded_variant(topic, entry["file"], tmp_path)
    summary = graded.topic(topic)
    assert summary["score"] == summary["max_score"], [
        (t["name"], t["message"]) for t in summary["tests"] if t["outcome"] != "passed"]


def test_patches_still_apply() -> None:
    """Quick: every mistake patch applies to today's solution."""
    for patch in sorted(MISTAKES.glob("*/*.patch")):
        solution = (ROOT / "solutions" / f"{patch.parent.name}.py").read_text(encoding="utf-8")
        patching.apply(solution, patch.read_text(encoding="utf-8"))
