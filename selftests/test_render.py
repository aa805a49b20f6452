"""Reports: one renderer per format over the same results."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grading import render, scoring
from grading.i18n import Lang, Text, default_lang
from grading.results import Report, Status, TestResult, TopicResult

WRONG = Text(en="got 1, expected 2", zh="得到 1，应为 2")


def sample() -> Report:
    tests = (
        TestResult("test_a[fork]", "甲 / a", Status.PASSED, 1.0),
        TestResult("test_a[spawn]", "甲 / a", Status.FAILED, 1.0, WRONG),
        TestResult("test_b", "乙 / b", Status.TIMEOUT, 0.5, Text(en="too slow", zh="太慢")),
        TestResult("test_c", "丙 / c", Status.ERROR, 1.5, Text(en="crashed", zh="崩溃")),
    )
    topic = TopicResult("demo", Text(en="Demo", zh="演示"), tests, hints=(Text(en="try", zh="试试"),),
                        declared_points=4)
    return Report(workspace="ws", topics=(topic,), duration=1.0)


def test_scores() -> None:
    report = sample()
    assert scoring.total_score(report) == 1 and scoring.total_max(report) == 4
    assert not scoring.all_passed(report)


def test_json_follows_the_contract() -> None:
    data = json.loads(render.render_json(sample(), "en"))
    assert data["version"] == 1 and data["score"] == 1 and data["max_score"] == 4
    test = data["topics"][0]["tests"][1]
    assert test == {"name": "test_a[spawn]", "title": "甲 / a", "outcome": "failed", "points": 0.0,
                    "max_points": 1.0, "message": "got 1, expected 2"}


@pytest.mark.parametrize(("lang", "shown", "hidden"), [
    ("en", "got 1, expected 2", "得到"), ("zh", "得到 1，应为 2", "expected 2")])
def test_text_report_speaks_one_language(lang: Lang, shown: str, hidden: str) -> None:
    text = render.render_text(sample(), lang)
    assert shown in text and hidden not in text
    assert "1/4" in text


def test_text_report_has_no_colour_codes_unless_asked() -> None:
    assert "\x1b[" not in render.render_text(sample(), "both")
    assert "\x1b[" in render.render_text(sample(), "both", colour=True)


def test_junit_counts_failures_and_errors() -> None:
    root = ET.fromstring(render.render_junit(sample(), "en").split("?>", 1)[1])
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "1", "2")
    assert [c.get("name") for c in suite.iter("testcase")][0] == "test_a[fork]"


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "r.json"
    render.write_atomically(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]


@pytest.mark.parametrize(("title", "lang", "want"), [
    ("子进程写日志 / the child writes the log", "en", "the child writes the log"),
    ("子进程写日志 / the child writes the log", "zh", "子进程写日志"),
    ("多道 / 并发 / concurrency / parallelism", "en", "concurrency / parallelism"),
    ("plain title", "zh", "plain title"),
])
def test_titles_pick_a_language(title: str, lang: Lang, want: str) -> None:
    assert render.pick_title(title, lang) == want


@pytest.mark.parametrize(("env", "lang"), [
    ({"GRADER_LANG": "en"}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "C.UTF-8"}, "both"),
    ({"GRADER_LANG": "xx", "LC_ALL": "zh_TW"}, "zh")])
def test_default_language(env: dict[str, str], lang: str) -> None:
    assert default_lang(env) == lang
