"""The lesson's content checks: every topic complete, stubs unsolved, solutions perfect.

Every test that needs a grade of the lesson's topics is marked ``slow``: the
solutions and the stubs are each graded once, by module-scoped fixtures that
only run when a slow test asks for them.
"""

from __future__ import annotations

import ast
import re

import pytest

from grading import catalog

from .conftest import ROOT, Graded, grade

TOPICS = catalog.load(ROOT / "tests")
NAMES = [t.name for t in TOPICS]


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_points_add_up_to_100() -> None:
    assert sum(t.points for t in TOPICS) == 100


@pytest.mark.parametrize("topic", TOPICS, ids=NAMES)
def test_topic_is_complete(topic: catalog.Topic) -> None:
    for folder in ("exercises", "solutions"):
        assert (ROOT / folder / f"{topic.name}.py").is_file(), f"{folder}/{topic.name}.py is missing"
    assert topic.test_file.is_file()
    assert topic.hints, f"{topic.name} has no hints in tests/topics.toml"
    for text in (topic.title, *topic.hints):
        assert has_cjk(text.zh) and text.en and not has_cjk(text.en), text


@pytest.mark.parametrize("name", NAMES)
def test_stub_states_the_task_and_is_unsolved(name: str) -> None:
    source = (ROOT / "exercises" / f"{name}.py").read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(source)) or ""
    english = re.search(r"[A-Za-z]{2,}(?: [A-Za-z(),'`]{1,}){5,}", doc)
    assert has_cjk(doc) and english, "the module docstring states the task in zh and in en"
    assert "TODO" in source
    assert "NotImplementedError" in source or name == "concepts"


def test_every_module_belongs_to_a_topic() -> None:
    for folder in ("exercises", "solutions"):
        extra = {p.stem for p in (ROOT / folder).glob("*.py")} - set(NAMES)
        assert not extra, f"{folder}/ has modules that no topic grades: {sorted(extra)}"
    tests = {p.stem.removeprefix("test_") for p in (ROOT / "tests").glob("test_*.py")}
    assert tests == set(NAMES)


@pytest.fixture(scope="module")
def solutions(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    return grade("--workspace", ROOT / "solutions", tmp_path=tmp_path_factory.mktemp("solutions"))


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    return grade(tmp_path=tmp_path_factory.mktemp("stubs"))


@pytest.mark.slow
def test_solutions_score_full_marks(solutions: Graded) -> None:
    assert solutions.data is not None, solutions.stderr
    lost = {t["name"]: [(x["name"], x["outcome"], x["message"]) for x in t["tests"]
                        if x["outcome"] != "passed"] for t in solutions.data["topics"]}
    assert {k: v for k, v in lost.items() if v} == {}
    assert solutions.data["score"] == solutions.data["max_score"] == 100
    assert solutions.returncode == 0


@pytest.mark.slow
def test_each_topic_is_worth_its_manifest_points(solutions: Graded) -> None:
    assert solutions.data is not None
    assert {t["name"]: t["max_score"] for t in solutions.data["topics"]} == {
        t.name: t.points for t in TOPICS}


@pytest.mark.slow
def test_untouched_stubs_score_zero_and_say_what_to_do(stubs: Graded) -> None:
    assert stubs.data is not None, stubs.stderr
    assert stubs.returncode == 1
    assert stubs.data["score"] == 0
    assert stubs.data["max_score"] == 100
    for topic in stubs.data["topics"]:
        for test in topic["tests"]:
            assert test["outcome"] == "failed", (topic["name"], test)
            assert len(test["message"]) > 20, (topic["name"], test)


@pytest.mark.slow
def test_json_has_the_contract_shape(solutions: Graded) -> None:
    data = solutions.data
    assert data is not None
    assert {"score", "max_score", "topics", "version"} <= set(data)
    for topic in data["topics"]:
        assert {"name", "score", "max_score", "tests"} <= set(topic)
        for test in topic["tests"]:
            assert {"name", "outcome", "points", "max_points", "message"} <= set(test)
            assert test["outcome"] in {"passed", "failed", "error", "timeout"}
