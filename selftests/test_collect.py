"""From what a topic's test process wrote to the topic's result; and the broken-topic path.

``collect(topic, report_bytes, returncode, timed_out, log_tail=, duration=)``
reads the JSON lines the plugin wrote (one ``collected`` record per test, one
``result`` record per test that ended) and decides what the tests that never
ended get: the first one was running when the process died or was stopped, the
others never ran. Nothing collected at all means the hidden tests could not
load: the grader's fault, exit status 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grading import messages as msg
from grading.catalog import Topic
from grading.i18n import Text, plain
from grading.results import Hint, Status

# The one import of collect: it moves with it.
from grading.runner import collect

from .conftest import ENGINE_SOLUTIONS, ENGINE_TESTS, grade

TOPIC = Topic(name="demo", title=Text(en="demo", zh="演示"), points=3.0, time_limit=30.0,
              test_timeout=10.0, hints=(Hint(levels=(Text(en="try", zh="试"),)),),
              test_file=Path("test_demo.py"))
WRONG = {"en": "got 1, expected 2", "zh": "得到 1，应为 2"}


def collected(name: str, points: float = 1.0) -> dict[str, Any]:
    return {"event": "collected", "nodeid": f"test_demo.py::{name}", "name": name,
            "title": f"题 {name} / {name}", "points": points}


def finished(name: str, outcome: str, message: dict[str, str] | None = None) -> dict[str, Any]:
    return {**collected(name), "event": "result", "outcome": outcome, "message": message}


def lines(*records: dict[str, Any]) -> bytes:
    return b"".join((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8") for r in records)


THREE = (collected("test_a"), collected("test_b"), collected("test_c", points=2))


def test_every_test_reported_keeps_its_outcome_message_and_points() -> None:
    report = lines(*THREE, finished("test_a", "passed"), finished("test_b", "failed", WRONG),
                   finished("test_c", "timeout", {"en": "slow", "zh": "慢"}))
    result = collect(TOPIC, report, 1, False, log_tail="", duration=2.5)
    assert [(t.name, t.outcome, t.max_points, t.points) for t in result.tests] == [
        ("test_a", Status.PASSED, 1.0, 1.0), ("test_b", Status.FAILED, 1.0, 0.0),
        ("test_c", Status.TIMEOUT, 2.0, 0.0)]
    assert result.tests[0].message is None
    assert result.tests[1].message == Text(en=WRONG["en"], zh=WRONG["zh"])
    assert result.tests[0].title == Text(en="test_a", zh="题 test_a")
    assert (result.name, result.title, result.hints) == ("demo", TOPIC.title, TOPIC.hints)
    assert (result.problem, result.broken, result.duration, result.declared_points) == (
        None, False, 2.5, 3.0)


def test_tests_keep_the_order_they_were_collected_in() -> None:
    report = lines(*THREE, finished("test_c", "passed"), finished("test_a", "passed"),
                   finished("test_b", "passed"))
    assert [t.name for t in collect(TOPIC, report, 0, False).tests] == ["test_a", "test_b", "test_c"]


def test_topic_stopped_at_its_limit_the_running_test_timed_out_the_rest_not_run() -> None:
    report = lines(*THREE, finished("test_a", "passed"))
    result = collect(TOPIC, report, -9, True)
    problem = msg.TOPIC_TIMED_OUT.format(seconds="30")
    assert result.problem == problem
    assert [(t.name, t.outcome) for t in result.tests] == [
        ("test_a", Status.PASSED), ("test_b", Status.TIMEOUT), ("test_c", Status.ERROR)]
    assert result.tests[1].message == msg.TEST_TIMED_OUT.format(seconds="30")
    assert result.tests[2].message == msg.NOT_RUN.format(why=problem)
    assert not result.broken


def test_test_process_died_the_running_test_is_named_as_the_one_it_crashed_in() -> None:
    report = lines(*THREE, finished("test_a", "failed", WRONG))
    result = collect(TOPIC, report, -11, False)
    crashed = msg.WORKER_CRASHED.format(status=-11)
    assert result.problem == crashed
    assert [(t.outcome, t.message) for t in result.tests[1:]] == [
        (Status.ERROR, crashed), (Status.ERROR, msg.NOT_RUN.format(why=crashed))]
    assert result.tests[0].outcome is Status.FAILED


def test_a_line_cut_short_by_a_dying_process_is_left_out() -> None:
    report = lines(*THREE, finished("test_a", "passed")) + b'{"event": "result", "nodeid": "test_d'
    result = collect(TOPIC, report, -9, False)
    assert [t.outcome for t in result.tests] == [Status.PASSED, Status.ERROR, Status.ERROR]


def test_pytest_exit_statuses_0_1_and_5_are_no_problem_others_are() -> None:
    report = lines(*THREE, *(finished(n, "passed") for n in ("test_a", "test_b", "test_c")))
    for status in (0, 1, 5):
        assert collect(TOPIC, report, status, False).problem is None, status
    assert collect(TOPIC, report, 3, False).problem == msg.WORKER_CRASHED.format(status=3)


def test_nothing_collected_means_the_hidden_tests_could_not_load() -> None:
    result = collect(TOPIC, b"", 2, False, log_tail="E   SyntaxError: invalid syntax")
    assert result.broken and result.tests == ()
    assert result.problem == msg.COLLECT_FAILED + plain("E   SyntaxError: invalid syntax")


def test_nothing_collected_because_k_selected_nothing_is_not_broken() -> None:
    result = collect(TOPIC, b"", 5, False)
    assert not result.broken and result.tests == () and result.problem is None


def test_nothing_collected_when_stopped_at_the_limit_is_a_time_out_not_broken() -> None:
    result = collect(TOPIC, b"", -9, True)
    assert not result.broken and result.problem == msg.TOPIC_TIMED_OUT.format(seconds="30")


# -- the broken-topic path, end to end ------------------------------------------

BROKEN_TEST = "import pytest\n\nfrom grading.testing import no_such_helper\n"


def test_hidden_tests_that_cannot_load_exit_2_with_the_error_line(tmp_path: Path) -> None:
    """One topic's test file does not import: exit 2 and an ERROR line naming it, while the
    good topic beside it is still graded."""
    tests = tmp_path / "tests"
    tests.mkdir()
    manifest = (ENGINE_TESTS / "topics.toml").read_text(encoding="utf-8")
    (tests / "topics.toml").write_text(
        manifest + '\n[[topic]]\nname = "toy_broken"\ntitle = { zh = "坏", en = "broken" }\npoints = 1\n',
        encoding="utf-8")
    (tests / "test_toy_math.py").write_text((ENGINE_TESTS / "test_toy_math.py").read_text("utf-8"),
                                            encoding="utf-8")
    (tests / "test_toy_broken.py").write_text(BROKEN_TEST, encoding="utf-8")
    graded = grade("--tests", tests, "--workspace", ENGINE_SOLUTIONS, "--lang", "en",
                   "toy_math", "toy_broken", tmp_path=tmp_path)
    assert graded.returncode == 2
    errors = [line for line in graded.stderr.splitlines() if line.startswith("ERROR ")]
    assert errors == ["ERROR The hidden tests of toy_broken could not be loaded: the grader is broken, "
                      "the score is incomplete."], graded.stderr
    assert graded.topic("toy_math")["score"] == 3
    broken = graded.topic("toy_broken")
    assert broken["tests"] == [] and broken["score"] == 0 and broken["max_score"] == 1
    assert "could not be loaded" in broken["problem"] and "no_such_helper" in broken["problem"]
