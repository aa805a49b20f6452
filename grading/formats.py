"""The formats course platforms read, one renderer each, all of one signature.

``render_<format>(report, lang) -> str``, the ``render.Renderer`` type, over
the same ``Report``; ``FORMATS`` names them for ``--format NAME``. Each
platform's field list, and where it comes from, is in docs/formats.md; the
self-tests hold a golden file per format, built from a hand-made report.

What a platform shows a student is what the grader says about the student's
code: test titles and messages, never test source or the grader's paths.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from . import render, scoring
from .i18n import Lang, Text
from .results import Report, Status, TestResult, TopicResult

#: Written when a platform needs text and the test said nothing.
_NO_MESSAGE = Text(en="", zh="")


def _say(text: Text | None, lang: Lang) -> str:
    return "" if text is None else text.render(lang)


def _test_name(topic: TopicResult, test: TestResult, lang: Lang) -> str:
    name = f"{topic.name} · {render._title(test.title, lang)} [{test.name}]"
    # A skipped test is worth nothing here; its name says so wherever it is shown.
    return name if test.graded else f"{name} ({_say(SKIPPED_TAG, lang)})"


def _max(test: TestResult) -> float | int:
    """What the test is worth in this grade: a skipped test's points are graded elsewhere."""
    return _num(test.max_points) if test.graded else 0


def _test_output(test: TestResult, lang: Lang) -> str:
    message = _say(test.message, lang)
    if test.outcome is Status.PASSED:
        return message
    head = _say(OUTCOME_WORDS.get(test.outcome.value, _NO_MESSAGE), lang) or test.outcome.value
    return f"{head}\n{message}".rstrip()


def _topic_problem_tests(topic: TopicResult, lang: Lang) -> list[tuple[str, str]]:
    """A topic that produced no test (its tests could not load): one line for it."""
    if topic.tests or topic.problem is None:
        return []
    return [(f"{topic.name} · {render._title(topic.title, lang)}", _say(topic.problem, lang))]


def _num(value: float) -> float | int:
    # 1.0 -> 1: platforms and people read whole points as whole numbers.
    return int(value) if float(value).is_integer() else round(value, 2)


def render_gradescope(report: Report, lang: Lang) -> str:
    """Gradescope's ``results.json``: per-test scores; Gradescope adds them up."""
    tests: list[dict[str, Any]] = []
    for topic in report.topics:
        for test in topic.tests:
            tests.append({
                "name": _test_name(topic, test, lang),
                "score": _num(test.points),
                "max_score": _max(test),
                "status": "passed" if test.outcome is Status.PASSED or not test.graded else "failed",
                "output": _test_output(test, lang),
                "visibility": "visible",
            })
        for name, problem in _topic_problem_tests(topic, lang):
            tests.append({"name": name, "score": 0, "max_score": _num(scoring.topic_max(topic)),
                          "status": "failed", "output": problem, "visibility": "visible"})
    data = {
        "score": _num(scoring.total_score(report)),
        "execution_time": round(report.duration),
        "output": _summary_line(report, lang),
        # The grader's own console output is for the instructor only.
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_prairielearn(report: Report, lang: Lang) -> str:
    """PrairieLearn's external-grader ``results.json``: ``score`` as a fraction."""
    best = scoring.total_max(report)
    tests: list[dict[str, Any]] = []
    for topic in report.topics:
        for test in topic.tests:
            tests.append({
                "name": _test_name(topic, test, lang),
                "points": _num(test.points),
                "max_points": _max(test),
                "message": _say(OUTCOME_WORDS.get(test.outcome.value, _NO_MESSAGE), lang),
                "output": _say(test.message, lang),
            })
        for name, problem in _topic_problem_tests(topic, lang):
            tests.append({"name": name, "points": 0, "max_points": _num(scoring.topic_max(topic)),
                          "message": _say(OUTCOME_WORDS["error"], lang), "output": problem})
    data = {
        # A submission is always gradable: a crash or a hang is graded (it
        # costs its own points); only the grader's own failure is not.
        "gradable": not any(t.broken for t in report.topics),
        "score": round(scoring.total_score(report) / best, 4) if best else 0.0,
        "message": _summary_line(report, lang),
        "tests": tests,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_classroom(report: Report, lang: Lang) -> str:
    """The result GitHub Classroom's reporter reads from a grading step.

    The step publishes it base64-encoded as its ``result`` output; the
    reporter adds up ``tests[].score`` against ``max_score`` (real points per
    test), and fails the check when ``status`` is ``fail`` or ``error``.
    """
    tests: list[dict[str, Any]] = []
    for topic in report.topics:
        for test in topic.tests:
            tests.append({
                "name": _test_name(topic, test, lang),
                "status": _CLASSROOM_STATUS.get(test.outcome.value, "fail"),
                "message": _test_output(test, lang),
                "test_code": "",  # hidden tests stay hidden
                "filename": "",
                "line_no": 0,
                "execution_time": "",
                "score": _num(test.points),
            })
        for name, problem in _topic_problem_tests(topic, lang):
            tests.append({"name": name, "status": "error", "message": problem, "test_code": "",
                          "filename": "", "line_no": 0, "execution_time": "", "score": 0})
    if any(t.broken for t in report.topics):
        status = "error"
    else:
        status = "pass" if scoring.all_passed(report) else "fail"
    data = {"version": 1, "status": status, "max_score": _num(scoring.total_max(report)),
            "tests": tests}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_markdown(report: Report, lang: Lang) -> str:
    """A Markdown summary (a GitHub step summary): the topic table, then what lost points."""
    lines = [f"### {_say(render.HEADER.format(workspace=_shown(report.workspace)), lang)}", "",
             f"| {_say(render.COL_TOPIC, lang)} | {_say(render.COL_SCORE, lang)} | "
             f"{_say(render.COL_TESTS, lang)} |", "| --- | ---: | --- |"]
    for topic in report.topics:
        marks = "".join(render.MARKS.get(t.outcome, ("?", ""))[0] for t in topic.tests)
        score = f"{render._num(scoring.topic_score(topic))}/{render._num(scoring.topic_max(topic))}"
        lines.append(f"| {topic.name} | {score} | {marks or '—'} |")
    lines += ["", f"**{_summary_line(report, lang)}**"]
    for topic in report.topics:
        bad = [t for t in topic.tests if t.outcome is not Status.PASSED]
        if not bad and topic.problem is None:
            continue
        lines += ["", f"<details><summary>{_md(topic.name)}: {_md(render._title(topic.title, lang))}"
                      "</summary>", ""]
        if topic.problem is not None:
            lines.append(f"> {_md(_say(topic.problem, lang)).replace(chr(10), '<br>')}")
            lines.append("")
        for test in bad:
            message = _md(_say(test.message, lang)).replace("\n", "<br>")
            cost = "" if not test.graded else f", -{render._num(test.max_points)}"
            lines.append(f"- {render.MARKS.get(test.outcome, ('?', ''))[0]} "
                         f"{_md(render._title(test.title, lang))} (`{test.name}`, "
                         f"{test.outcome.value}{cost}): {message}")
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def append_step_summary(report: Report, lang: Lang, environ: dict[str, str] | None = None) -> Path | None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` when it is set; the path, or None."""
    target = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    with open(target, "a", encoding="utf-8") as out:
        out.write(render_markdown(report, lang))
    return Path(target)


def _summary_line(report: Report, lang: Lang) -> str:
    score, best = render._num(scoring.total_score(report)), render._num(scoring.total_max(report))
    reserved = scoring.total_reserved(report)
    if reserved:
        return _say(render.RESERVED.format(score=score, max=best, points=render._num(reserved)), lang)
    return _say(SUMMARY.format(score=score, max=best), lang)


def _shown(workspace: str) -> str:
    # Only the folder's own name: a platform page is no place for the grader's paths.
    return Path(workspace).name or workspace


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or list item."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


#: The reporter knows pass, fail and error; a skipped test is "pass" worth 0 here, and its
#: name and message say it was skipped (the reporter prints names, not messages, of passes).
_CLASSROOM_STATUS = {"passed": "pass", "failed": "fail", "error": "error", "timeout": "error",
                     "skipped": "pass"}

#: ``--format NAME`` -> renderer. ``json`` and ``junit`` are the contract's own.
FORMATS: dict[str, render.Renderer] = {
    "json": render.render_json,
    "junit": render.render_junit,
    "gradescope": render_gradescope,
    "prairielearn": render_prairielearn,
    "classroom": render_classroom,
    "markdown": render_markdown,
}

SUMMARY = Text(en="Score: {score}/{max}", zh="得分：{score}/{max}")
SKIPPED_TAG = Text(en="skipped: graded on another system", zh="跳过：在其他系统上评分")
OUTCOME_WORDS = {
    "passed": Text(en="Passed.", zh="通过。"),
    "failed": Text(en="Failed: your code ran and did the wrong thing, or is not written yet.",
                   zh="未通过：代码运行了但结果不对，或者还没有写。"),
    "error": Text(en="Error: your code could not be imported, or it crashed.",
                  zh="错误：代码无法导入，或运行时崩溃。"),
    "timeout": Text(en="Timeout: your code ran too long and was stopped.",
                    zh="超时：代码运行时间过长，被停止。"),
    "skipped": Text(en="Skipped: this platform cannot observe this test faithfully; graded elsewhere.",
                    zh="跳过：当前平台无法如实观察这个测试，由其他平台评分。"),
}
