"""Each common mistake loses points on the right test, with a message that names it.

``mistakes/<topic>/expect.toml`` lists variants of the solution with one
mistake each (``[[mistake]]``: the file, the tests that must lose points, a
phrase the message must contain, and with ``first = true`` the promise that
this phrase is in the *first* message the student reads for the topic, the
whole topic graded; ``first_says`` when that first message names the cause
in other words; ``zero = true`` for a loophole, which must lose every item
of those tests) and correct variants in another style
(``[[correct]]``), which must score full marks. A variant is a ``.patch``
against ``solutions/<topic>.py`` (it shows the one mistake and nothing else,
and stops applying if the solution changes under it) or a whole ``.py``
written in a style of its own.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest

from grading import patching, render
from grading.i18n import plain
from grading.results import Status, TestResult, TopicResult, split_title

from .conftest import ROOT, SELFTESTS, Graded, grade

MISTAKES = SELFTESTS / "mistakes"


def cases(kind: str) -> list[Any]:
    found = []
    for expect in sorted(MISTAKES.glob("*/expect.toml")):
        # Every file in the folder is listed, and every listed file exists.
        listed = {e["file"] for kind_ in ("mistake", "correct")
                  for e in tomllib.loads(expect.read_text(encoding="utf-8")).get(kind_, [])}
        present = {p.name for p in expect.parent.iterdir() if p.suffix in (".py", ".patch")}
        assert listed == present, f"{expect}: listed {sorted(listed ^ present)} differ from the files"
        topic = expect.parent.name
        for entry in tomllib.loads(expect.read_text(encoding="utf-8")).get(kind, []):
            found.append(pytest.param(topic, entry, id=f"{topic}-{Path(entry['file']).stem}"))
    return found


def graded_variant(topic: str, file: str, tmp_path: Path, only: list[str] | None = None) -> Graded:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    source = MISTAKES / topic / file
    if source.suffix == ".patch":
        solution = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
        text = patching.apply(solution, source.read_text(encoding="utf-8"))
        (workspace / f"{topic}.py").write_text(text, encoding="utf-8")
    else:
        shutil.copy(source, workspace / f"{topic}.py")
    # A mistake is judged on the tests that must catch it: only those run.
    keyword = ["-k", " or ".join(only)] if only else []
    graded = grade("--workspace", workspace, topic, *keyword, tmp_path=tmp_path)
    assert graded.data is not None, graded.stderr
    return graded


def first_message(topic: dict[str, Any]) -> str:
    """What the report shows first for a topic graded to JSON (English): its first failure group."""
    result = TopicResult(topic["name"], plain(topic["name"]), tuple(
        TestResult(t["name"], split_title(t["title"]), Status(t["outcome"]), t["max_points"],
                   plain(t["message"]) if t["message"] else None) for t in topic["tests"]))
    groups = render.failure_groups(result)
    return groups[0].says("en") if groups else ""


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "entry"), cases("mistake"))
def test_mistake_is_caught_and_named(topic: str, entry: dict[str, Any], tmp_path: Path) -> None:
    first = entry.get("first", False) or "first_says" in entry
    # Where the first message counts, the whole topic is graded, as a student would.
    graded = graded_variant(topic, entry["file"], tmp_path, only=None if first else entry["fails"])
    tests = graded.topic(topic)["tests"]
    assert graded.returncode == 1
    for name in entry["fails"]:
        mine = [t for t in tests if t["name"].split("[")[0] == name]
        assert mine, f"no test named {name} in {topic}"
        lost = [t for t in mine if t["outcome"] != "passed"]
        assert lost, f"{entry['file']}: {name} passed, but it should catch this mistake"
        if entry.get("zero"):  # a loophole: it must earn nothing on these tests, on any item
            kept = [t["name"] for t in mine if t["outcome"] == "passed"]
            assert not kept, f"{entry['file']}: {kept} passed, but this loophole must score 0 there"
        said = " ".join(t["message"] for t in lost).lower()
        assert entry["says"].lower() in said, f"{name} did not say {entry['says']!r}: {said[:500]}"
    if first:
        wanted = entry.get("first_says", entry["says"])
        shown = first_message(graded.topic(topic))
        assert wanted.lower() in shown.lower(), f"the first message does not say {wanted!r}: {shown[:500]}"


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
