"""The lesson's content checks: every topic complete, stubs unsolved, solutions perfect.

Every test that needs a grade of the lesson's topics is marked ``slow``: the
solutions and the stubs are each graded once, by module-scoped fixtures that
only run when a slow test asks for them.

The stub checks read the stubs as committed (``git show HEAD:exercises/…``),
not the working folder: in a student's clone ``exercises/`` holds their work,
and these tests must still pass there. Without git they are skipped, saying why.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from grading import catalog

from .conftest import ROOT, Graded, committed_stub, grade, head_stub

TOPICS = catalog.load(ROOT / "tests")
NAMES = [t.name for t in TOPICS]


@pytest.fixture(scope="module")
def stub_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed stubs in a folder of their own, to grade."""
    folder = tmp_path_factory.mktemp("stubs") / "exercises"
    folder.mkdir()
    for name in NAMES:
        (folder / f"{name}.py").write_bytes(committed_stub(name))
    return folder


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
    for text in (topic.title, *(level for hint in topic.hints for level in hint.levels)):
        assert has_cjk(text.zh) and text.en and not has_cjk(text.en), text


@pytest.mark.parametrize("topic", TOPICS, ids=NAMES)
def test_every_test_has_hints_in_two_levels_without_code(topic: catalog.Topic) -> None:
    tests = set(re.findall(r"^def (test_\w+)", topic.test_file.read_text(encoding="utf-8"), re.MULTILINE))
    helped = {name for hint in topic.hints for name in hint.tests}
    assert tests <= helped, (f"tests/topics.toml: no [[topic.hint]] of {topic.name} "
                             f"names {sorted(tests - helped)}")
    for hint in topic.hints:
        assert len(hint.levels) == 2, f"{topic.name}: each hint has a nudge and an api level"
        for level in hint.levels:
            for text in (level.en, level.zh):
                # Code to paste: a call nested in a call's arguments, or an assignment.
                pasted = re.search(r"\w\(\s*[\w.]+\(", text) or re.search(r"\b[a-z_][\w.]*\s=\s", text)
                assert not pasted, f"{topic.name}: a hint reads like code to paste: {text}"


@pytest.mark.parametrize("topic", TOPICS, ids=NAMES)
def test_the_manifest_knows_each_stub(topic: catalog.Topic) -> None:
    """The digest that tells the grader a file is the untouched stub (for the short welcome)."""
    head = head_stub(topic.name)
    digest = catalog.stub_digest(head)
    shipped = committed_stub(topic.name)
    worked_on = stub_marks(topic.name, head) < stub_marks(topic.name, shipped)
    if digest != topic.stub and shipped != head and worked_on:
        # Fewer of the stub's marks than the stub an older commit holds: work done on it.
        pytest.skip(f"exercises/{topic.name}.py at HEAD is committed work, not a stub "
                    "(the stub as shipped is in an older commit)")
    assert topic.stub == digest, (f"tests/topics.toml: topic {topic.name} needs stub = \"{digest}\" "
                                  f"(exercises/{topic.name}.py changed)")


def test_a_stub_committed_over_is_read_from_the_commit_that_shipped_it(tmp_path: Path) -> None:
    """A student's clone with their work committed (as GitHub Classroom has
    them do): the stub checks still read the stub as shipped."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    stub = committed_stub("concepts")
    shutil.copytree(ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "exercises").mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}

    def commit(path: str, data: bytes) -> None:
        (tmp_path / path).write_bytes(data)
        for args in (["add", "-A"], ["commit", "-qm", path]):
            subprocess.run(["git", *args], cwd=tmp_path, env=env, check=True, capture_output=True)

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    commit("exercises/concepts.py", stub)
    commit("exercises/concepts.py", (ROOT / "solutions" / "concepts.py").read_bytes())  # the work
    commit("notes.txt", b"a later commit that leaves it alone")
    assert head_stub("concepts", root=tmp_path) != stub
    assert committed_stub("concepts", root=tmp_path) == stub


@pytest.mark.parametrize("name", NAMES)
def test_stub_states_the_task_and_is_unsolved(name: str) -> None:
    source = committed_stub(name)
    doc = ast.get_docstring(ast.parse(source.decode("utf-8"))) or ""
    english = re.search(r"[A-Za-z]{2,}(?: [A-Za-z(),'`]{1,}){5,}", doc)
    assert has_cjk(doc) and english, "the module docstring states the task in zh and in en"
    assert unsolved(name, source)


@pytest.mark.parametrize("name", NAMES)
def test_work_on_a_stub_takes_its_marks_away(name: str) -> None:
    """What tells committed work from a stub (``stub_marks``): the solution has none left."""
    solution = (ROOT / "solutions" / f"{name}.py").read_bytes()
    assert stub_marks(name, committed_stub(name)) > 0 == stub_marks(name, solution)
    assert not unsolved(name, solution)


def unsolved(name: str, source: bytes) -> bool:
    """A stub's marks: a TODO, and code that raises NotImplementedError (the quiz: no answer given)."""
    return b"TODO" in source and stub_marks(name, source) > 0 and (
        name != "concepts" or not re.findall(rb'"q\d+"\s*:\s*"([^"]+)"', source))


def stub_marks(name: str, source: bytes) -> int:
    """How much of a stub is still to do: its ``NotImplementedError``s (the quiz: its empty answers)."""
    if name == "concepts":
        return len(re.findall(rb'"q\d+"\s*:\s*""', source))
    return source.count(b"NotImplementedError")


def test_every_module_belongs_to_a_topic() -> None:
    for folder in ("exercises", "solutions"):
        extra = {p.stem for p in (ROOT / folder).glob("*.py")} - set(NAMES)
        assert not extra, f"{folder}/ has modules that no topic grades: {sorted(extra)}"
    tests = {p.stem.removeprefix("test_") for p in (ROOT / "tests").glob("test_*.py")}
    assert tests == set(NAMES)



def _literal(path: Path, name: str) -> Any:
    """A module-level literal assigned to ``name`` in ``path``, read without importing it."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(value)
    raise AssertionError(f"{path.name} assigns no {name}")


def test_quiz_key_matches_the_solution_and_stays_out_of_the_test_file() -> None:
    """tests/concepts.key is 32 bytes of hex; each stored hash is the HMAC-SHA256 of
    ``qid:letter`` under it for the solution's letter (and for no other); the test
    file holds the hashes only, neither the key nor a salt of its own."""
    key_text = (ROOT / "tests" / "concepts.key").read_text(encoding="ascii").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", key_text), "tests/concepts.key: 32 random bytes, hex"
    key = bytes.fromhex(key_text)
    test_file = ROOT / "tests" / "test_concepts.py"
    hashes = _literal(test_file, "ANSWER_HASHES")
    answers = _literal(ROOT / "solutions" / "concepts.py", "ANSWERS")
    assert set(hashes) == set(answers)
    for qid, letter in answers.items():
        matching = [c for c in "ABCD"
                    if hmac.new(key, f"{qid}:{c}".encode(), hashlib.sha256).hexdigest() == hashes[qid]]
        assert matching == [letter], (qid, matching)
    source = test_file.read_text(encoding="utf-8")
    assert key_text not in source and "SALT" not in source

@pytest.fixture(scope="module")
def solutions(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    return grade("--workspace", ROOT / "solutions", tmp_path=tmp_path_factory.mktemp("solutions"))


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory, stub_folder: Path) -> Graded:
    return grade("--workspace", stub_folder, tmp_path=tmp_path_factory.mktemp("graded-stubs"))


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
