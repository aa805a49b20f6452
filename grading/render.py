"""Reports, one function per format, all with the same signature.

``render_<format>(report, lang) -> str``. ``write_atomically`` puts a report
in place with a temporary file and ``os.replace``, so a reader (a CI step, a
course platform) never sees half a file.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from . import scoring
from .i18n import Lang, Text
from .results import SCHEMA_VERSION, Report, ReportJSON, Status, TestResult, TopicJSON, TopicResult

Renderer = Callable[[Report, Lang], str]

#: How each outcome looks in the terminal.
MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"),
         Status.ERROR: ("!", "magenta"), Status.TIMEOUT: ("⏱", "yellow"),
         Status.SKIPPED: ("-", "dim")}
WIDTH = 100


def _say(text: Text | None, lang: Lang) -> str:
    return "" if text is None else text.render(lang)


def _title(text: Text, lang: Lang) -> str:
    if lang == "both":
        return f"{text.zh} / {text.en}" if text.zh != text.en else text.en
    return text.render(lang)


def render_text(report: Report, lang: Lang, colour: bool = False) -> str:
    """The terminal report: a table of topics, then what to fix, then the total."""
    out = io.StringIO()
    console = Console(file=out, width=WIDTH, force_terminal=colour, no_color=not colour,
                      highlight=False, emoji=False, color_system="standard" if colour else None)
    table = Table(title=_say(HEADER.format(workspace=_shown_path(report.workspace)), lang),
                  title_justify="left",
                  show_edge=False, pad_edge=False)
    table.add_column(_say(COL_TOPIC, lang))
    table.add_column(_say(COL_SCORE, lang), justify="right")
    table.add_column(_say(COL_TESTS, lang))
    for topic in report.topics:
        marks = RichText()
        for test in topic.tests:
            mark, style = MARKS[test.outcome]
            marks.append(mark, style=style)
        score, best = scoring.topic_score(topic), scoring.topic_max(topic)
        style = "green" if score == best and topic.problem is None else "red" if score == 0 else "yellow"
        table.add_row(topic.name, RichText(f"{_num(score)}/{_num(best)}", style=style), marks)
    console.print(table)
    for topic in report.topics:
        _print_topic_problems(console, topic, lang)
    total, best = scoring.total_score(report), scoring.total_max(report)
    console.print()
    console.print(RichText(_say(TOTAL.format(score=_num(total), max=_num(best),
                                             seconds=f"{report.duration:.1f}"), lang), style="bold"))
    reserved = scoring.total_reserved(report)
    if reserved:
        console.print(RichText(_say(RESERVED.format(points=_num(reserved), score=_num(total),
                                                    max=_num(best)), lang)))
    if report.tier:
        console.print(RichText(_say(TIER.format(tier=report.tier, enforced=", ".join(report.enforced)),
                                    lang), style="dim"))
    return out.getvalue()


def _print_topic_problems(console: Console, topic: TopicResult, lang: Lang) -> None:
    bad = [t for t in topic.tests if t.outcome is not Status.PASSED]
    if not bad and topic.problem is None:
        return
    console.print()
    console.print(RichText(f"── {topic.name}: {_title(topic.title, lang)}", style="bold"))
    if topic.problem is not None:
        console.print(RichText(_indent(_say(topic.problem, lang), 3), style="magenta"))
    # Tests that failed with the same message (one import error, the fork and
    # spawn items of one test) are listed together, the message said once.
    groups: dict[str, list[TestResult]] = {}
    for test in bad:
        groups.setdefault(_say(test.message, lang), []).append(test)
    for message, tests in groups.items():
        for title, names, outcome, lost in _collapse(tests):
            mark, style = MARKS[outcome]
            cost = "" if outcome is Status.SKIPPED else f", -{_num(lost)}"
            console.print(RichText(f" {mark} ", style=style) + RichText(
                f"{pick_title(title, lang)}  [{names}, {outcome.value}{cost}]"))
        if message:
            console.print(RichText(_indent(message, 5)), soft_wrap=True)
    if all(t.outcome is Status.SKIPPED for t in bad) and topic.problem is None:
        return  # nothing to fix here: no hints
    for hint in topic.hints:
        console.print(RichText(_indent(_say(HINT.format(hint=hint), lang), 3), style="cyan"))


def _collapse(tests: list[TestResult]) -> list[tuple[str, str, Status, float]]:
    """``test_x[fork]`` and ``test_x[spawn]`` with one outcome become ``test_x[fork, spawn]``."""
    rows: dict[tuple[str, Status], tuple[str, list[str], float]] = {}
    for test in tests:
        base, _, param = test.name.partition("[")
        title, params, lost = rows.get((base, test.outcome), (test.title, [], 0.0))
        if param:
            params.append(param.rstrip("]"))
        rows[(base, test.outcome)] = (title, params, lost + test.max_points)
    return [(title, f"{base}[{', '.join(params)}]" if params else base, outcome, lost)
            for (base, outcome), (title, params, lost) in rows.items()]


def pick_title(title: str, lang: Lang) -> str:
    """A test title "中文 / English" in the reader's language."""
    if lang == "both" or " / " not in title:
        return title
    parts = title.split(" / ")
    for k in range(1, len(parts)):
        english = " / ".join(parts[k:])
        if not any(ord(ch) > 0x2E7F for ch in english):
            return english if lang == "en" else " / ".join(parts[:k])
    return title


def render_json(report: Report, lang: Lang) -> str:
    """The contract's JSON shape, plus ``version``, ``workspace`` and titles."""
    topics: list[TopicJSON] = []
    for topic in report.topics:
        topics.append({
            "name": topic.name,
            "title": _title(topic.title, lang),
            "score": scoring.topic_score(topic),
            "max_score": scoring.topic_max(topic),
            "reserved": scoring.topic_reserved(topic),
            "problem": _say(topic.problem, lang) if topic.problem is not None else None,
            "tests": [{
                "name": t.name,
                "title": t.title,
                "outcome": t.outcome.value,
                "points": t.points,
                "max_points": t.max_points,
                "message": _say(t.message, lang),
            } for t in topic.tests],
        })
    data: ReportJSON = {
        "version": SCHEMA_VERSION,
        "score": scoring.total_score(report),
        "max_score": scoring.total_max(report),
        "reserved": scoring.total_reserved(report),
        "tier": report.tier,
        "enforced": list(report.enforced),
        "workspace": report.workspace,
        "topics": topics,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_junit(report: Report, lang: Lang) -> str:
    """JUnit XML, as CI services read it: one suite per topic, one case per test."""
    suites = ET.Element("testsuites", name="grader", tests=str(_count(report)),
                        time=f"{report.duration:.3f}")
    for topic in report.topics:
        suite = ET.SubElement(suites, "testsuite", name=topic.name, tests=str(len(topic.tests)),
                              failures=str(_count_outcome(topic, Status.FAILED)),
                              errors=str(_count_outcome(topic, Status.ERROR, Status.TIMEOUT)),
                              time=f"{topic.duration:.3f}")
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="score", value=_num(scoring.topic_score(topic)))
        ET.SubElement(props, "property", name="max_score", value=_num(scoring.topic_max(topic)))
        for test in topic.tests:
            case = ET.SubElement(suite, "testcase", classname=topic.name, name=test.name)
            text = _say(test.message, lang)
            if test.outcome is Status.FAILED:
                ET.SubElement(case, "failure", message=_first_line(text)).text = text
            elif test.outcome is not Status.PASSED:
                ET.SubElement(case, "error", type=test.outcome.value,
                              message=_first_line(text)).text = text
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def write_atomically(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` through a temporary file in the same folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(content)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _shown_path(path: str) -> str:
    """A workspace as the reader typed it: relative to the current folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith("..") else relative


def _count(report: Report) -> int:
    return sum(len(t.tests) for t in report.topics)


def _count_outcome(topic: TopicResult, *outcomes: Status) -> int:
    return sum(1 for t in topic.tests if t.outcome in outcomes)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line for line in text.splitlines())


def _num(value: float) -> str:
    return f"{value:g}"


HEADER = Text(en="Grading {workspace}", zh="评分：{workspace}")
COL_TOPIC = Text(en="topic", zh="题目")
COL_SCORE = Text(en="score", zh="得分")
COL_TESTS = Text(en="tests", zh="测试")
HINT = Text(en="Hint: {hint}", zh="提示：{hint}")
RESERVED = Text(
    en="Graded here {score}/{max}; {points} more points are graded on another system "
       "(see the skipped tests).",
    zh="本机评分 {score}/{max}；另有 {points} 分在其他系统上评分（见被跳过的测试）。",
)
TIER = Text(en="Graded on the {tier} tier ({enforced}).", zh="评分环境：{tier}（{enforced}）。")
TOTAL = Text(en="Total: {score}/{max} ({seconds} s)", zh="总分：{score}/{max}（用时 {seconds} 秒）")
