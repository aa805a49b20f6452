"""Reports, one function per format, all with the same signature.

``render_<format>(report, lang) -> str``. ``write_atomically`` puts a report
in place with a temporary file and ``os.replace``, so a reader (a CI step, a
course platform) never sees half a file.

The text report is for a student: per topic, ``failure_groups`` orders what
failed so the cause comes first (a Python error of the student's code,
translated by ``causes``, then time-outs, then wrong results), one message
for the tests that failed the same way; then the first level of the hints of
the failed tests. Untouched stubs get a short welcome instead.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from . import messages as msg
from . import scoring
from .causes import Cause, explain
from .i18n import Lang, Text
from .results import (
    SCHEMA_VERSION,
    Hint,
    Kind,
    Report,
    ReportJSON,
    Status,
    TestResult,
    TopicJSON,
    TopicResult,
    split_title,
)

Renderer = Callable[[Report, Lang], str]

#: How each outcome looks in the terminal.
MARKS = {Status.PASSED: ("✓", "green"), Status.FAILED: ("✗", "red"),
         Status.ERROR: ("!", "magenta"), Status.TIMEOUT: ("⏱", "yellow"),
         Status.SKIPPED: ("-", "dim")}
WIDTH = 100
#: Without --verbose: this many kinds of failure per topic, this many lines per message.
SHOWN_GROUPS, SHOWN_ROWS, SHOWN_LINES, SHOWN_HINTS = 3, 4, 14, 2


def _say(text: Text | None, lang: Lang) -> str:
    return "" if text is None else text.render(lang)


def _title(text: Text, lang: Lang) -> str:
    """A title on one line: both languages side by side when both are asked for."""
    if lang == "both":
        return f"{text.zh} / {text.en}" if text.zh != text.en else text.en
    return text.render(lang)


# -- what a student reads first: failures grouped, the cause first -------------


@dataclass(frozen=True)
class Group:
    """Tests of one topic that failed with the same message, said once."""

    message: Text | None
    tests: tuple[TestResult, ...]
    #: A Python error of the student's that the message quotes, if known.
    cause: Cause | None
    #: Lower comes first: see ``_rank``.
    rank: int

    @property
    def count(self) -> int:
        return len(self.tests)

    @property
    def outcome(self) -> Status:
        return self.tests[0].outcome

    def says(self, lang: Lang) -> str:
        """What the student reads for this group: the teaching line, then the message."""
        lines = [_say(self.cause.text, lang)] if self.cause is not None else []
        return "\n".join([*lines, _say(self.message, lang)]).strip()


def failure_groups(topic: TopicResult) -> list[Group]:
    """The topic's failures, identical messages merged, in the order a student should read them:
    a Python error raised by the student's code first, then time-outs, then wrong results."""
    merged: dict[str, list[TestResult]] = {}
    causes: dict[str, Cause | None] = {}
    for test in topic.tests:
        if test.outcome not in (Status.PASSED, Status.SKIPPED):  # a skipped test is no failure
            text = "" if test.message is None else test.message.en
            cause = explain(text) if text else None
            # One known cause is one group; otherwise messages that differ only in
            # their numbers (a port, a pid, seconds) are the same message.
            key = f"cause:{cause.name}" if cause is not None else _NUMBER.sub("#", text)
            merged.setdefault(key, []).append(test)
            causes[key] = cause
    groups = []
    for order, (key, tests) in enumerate(merged.items()):
        rank = _rank(tests[0], causes[key])
        groups.append((rank, -len(tests), order, Group(tests[0].message, tuple(tests), causes[key], rank)))
    return [group for *_, group in sorted(groups, key=lambda g: g[:3])]


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _rank(test: TestResult, cause: Cause | None) -> int:
    text = "" if test.message is None else test.message.en
    if cause is not None:
        return 0  # a Python error of the student's code, translated
    if test.outcome is Status.ERROR and TRACEBACK in text:
        return 1  # a Python error of the student's code, raw
    if text.startswith(_CONSEQUENCES):
        return 6  # the grader stopped the topic: a consequence, never the cause
    if test.outcome is Status.TIMEOUT:
        return 2
    if test.outcome is Status.ERROR:
        return 3  # the code could not run (a crash, os._exit, a missing module)
    if test.kind is Kind.NOT_WRITTEN:
        return 5
    return 4  # the code ran and did the wrong thing


TRACEBACK = "Traceback (most recent call last)"
_CONSEQUENCES = tuple(t.en.split("{")[0] for t in (msg.NOT_RUN, msg.WORKER_CRASHED))


def untouched(topic: TopicResult) -> bool:
    """Nothing of the topic is written yet: its file is the stub, or every test says so."""
    if not topic.tests or any(t.outcome is Status.PASSED for t in topic.tests):
        return False
    return topic.stub or all(t.kind is Kind.NOT_WRITTEN for t in topic.tests)


def hint_order(topic: TopicResult) -> list[int]:
    """The hints (indices into ``topic.hints``) that belong to what failed, in the order the
    report reads: for each failure group, those answering its cause, then those of its tests.

    A hint names the tests it helps with; one that names none is for the
    topic as a whole and comes only when no particular hint applies."""
    order: list[int] = []
    for group in failure_groups(topic):
        names = {t.base for t in group.tests}
        cause = group.cause.name if group.cause is not None else None
        answers = [i for i, h in enumerate(topic.hints) if cause in h.causes]
        # A hint that answers the group's cause speaks for all its tests.
        order += [i for i in answers or [i for i, h in enumerate(topic.hints) if names & set(h.tests)]
                  if i not in order]
    failing = topic.problem is not None or any(t.outcome is not Status.PASSED for t in topic.tests)
    if not order and failing:
        order = [i for i, h in enumerate(topic.hints) if not h.tests]
    return order


HintPage = list[tuple[Hint, tuple[Text, ...]]]


def hint_page(hints: tuple[Hint, ...], order: list[int], step: int) -> tuple[HintPage, bool]:
    """What the ``step``-th look at the hints shows, and whether that is all there is.

    Step 1 is the report: the first level of the first few hints. Each
    further step goes one level deeper for those; past the deepest level,
    each step adds the next few hints in full."""
    chosen = [hints[i] for i in order if 0 <= i < len(hints)]
    depth = max((len(h.levels) for h in chosen), default=1)
    count = SHOWN_HINTS + max(0, step - depth) * SHOWN_HINTS
    page = [(h, h.levels[:max(1, step)] if k < SHOWN_HINTS else h.levels)
            for k, h in enumerate(chosen[:count])]
    last = count >= len(chosen) and step >= depth
    return page, last


# -- the terminal report --------------------------------------------------------


def render_text(report: Report, lang: Lang, colour: bool = False, verbose: bool = False) -> str:
    """The terminal report: a table of topics, per topic its failures (the cause
    first) and the first hint of each failed test, then the total."""
    out = io.StringIO()
    console = _console(out, colour)
    total, best = scoring.total_score(report), scoring.total_max(report)
    if is_welcome(report, verbose):
        _print_welcome(console, report, lang)
        console.print(RichText(_say(TOTAL.format(score=_num(total), max=_num(best),
                                                 seconds=f"{report.duration:.1f}"), lang), style="bold"))
        return out.getvalue()
    table = Table(title=_say(HEADER.format(workspace=_shown_path(report.workspace)), lang),
                  title_justify="left", show_edge=False, pad_edge=False)
    table.add_column(_say(COL_TOPIC, lang))
    table.add_column(_say(COL_SCORE, lang), justify="right")
    table.add_column(_say(COL_TESTS, lang))
    for topic in report.topics:
        marks = RichText()
        if untouched(topic) and not verbose:
            marks.append(_say(NOT_STARTED, lang), style="dim")
        else:
            for test in topic.tests:
                mark, style = MARKS[test.outcome]
                marks.append(mark, style=style)
        score, most = scoring.topic_score(topic), scoring.topic_max(topic)
        style = "green" if score == most and topic.problem is None else "red" if score == 0 else "yellow"
        table.add_row(topic.name, RichText(f"{_num(score)}/{_num(most)}", style=style), marks)
    console.print(table)
    for topic in report.topics:
        if verbose or not untouched(topic):
            _print_topic_problems(console, topic, lang, verbose)
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


def is_welcome(report: Report, verbose: bool = False) -> bool:
    """Nothing is written yet in any topic graded: a short welcome instead of a report."""
    return not verbose and bool(report.topics) and all(untouched(t) for t in report.topics)


def _console(out: io.StringIO, colour: bool) -> Console:
    return Console(file=out, width=WIDTH, force_terminal=colour, no_color=not colour,
                   highlight=False, emoji=False, color_system="standard" if colour else None)


def _print_welcome(console: Console, report: Report, lang: Lang) -> None:
    first = report.topics[0]
    best = scoring.total_max(report)
    console.print(RichText(_say(WELCOME.format(
        count=len(report.topics), points=_num(best), topic=first.name,
        title=_title(first.title, lang),
        file=os.path.join(_shown_path(report.workspace), f"{first.name}.py")), lang)))


def _print_skipped(console: Console, skipped: list[TestResult], lang: Lang) -> None:
    """What this host could not observe, each reason once: graded elsewhere, not lost."""
    by_reason: dict[str, list[TestResult]] = {}
    for test in skipped:
        by_reason.setdefault(_say(test.message, lang), []).append(test)
    mark, style = MARKS[Status.SKIPPED]
    for reason, tests in by_reason.items():
        console.print(RichText(f" {mark} ", style=style) + RichText(reason or _say(NO_MESSAGE, lang)),
                      soft_wrap=True)
        for title, names, _, _ in _collapse(tests):
            console.print(RichText(f"     · {_title(title, lang)}  [{names}, skipped]", style="dim"),
                          soft_wrap=True)


def _print_topic_problems(console: Console, topic: TopicResult, lang: Lang, verbose: bool) -> None:
    groups = failure_groups(topic)
    skipped = [t for t in topic.tests if t.outcome is Status.SKIPPED]
    if not groups and not skipped and topic.problem is None:
        return
    score, best = scoring.topic_score(topic), scoring.topic_max(topic)
    console.print()
    console.print(RichText(f"── {topic.name}: {_title(topic.title, lang)}  ({_num(score)}/{_num(best)})",
                           style="bold"))
    if topic.problem is not None:
        console.print(RichText(_indent(_say(topic.problem, lang), 3), style="magenta"))
    shown = groups if verbose else groups[:SHOWN_GROUPS]
    for group in shown:
        # The cause first, then what was observed, then which tests it cost.
        mark, style = MARKS[group.outcome]
        if group.cause is not None:
            console.print(RichText(" → ", style="bold red") + RichText(
                _say(group.cause.text, lang), style="bold"))
        text = _say(group.message, lang) or _say(NO_MESSAGE, lang)
        text = text if verbose else _cap(text, lang)
        first, _, rest = text.partition("\n")
        console.print(RichText(f" {mark} ", style=style) + RichText(first), soft_wrap=True)
        if rest:
            console.print(RichText(_indent(rest, 3)), soft_wrap=True)
        rows = _collapse(list(group.tests))
        for title, names, outcome, lost in rows if verbose else rows[:SHOWN_ROWS]:
            console.print(RichText(f"     · {_title(title, lang)}  [{names}, {outcome.value}, -{_num(lost)}]",
                                   style="dim"), soft_wrap=True)
        if len(rows) > SHOWN_ROWS and not verbose:
            console.print(RichText(_indent(_say(MORE_TESTS.format(count=len(rows) - SHOWN_ROWS), lang), 5),
                                   style="dim"))
    if len(groups) > len(shown):
        console.print(RichText(_indent(_say(MORE_FAILURES.format(
            count=len(groups) - len(shown), topic=topic.name), lang), 3), style="dim"))
    _print_skipped(console, skipped, lang)
    if not groups and topic.problem is None:
        return  # nothing to fix here: no hints
    for levels in _report_hints(topic, verbose):
        console.print(RichText(_indent(_say(HINT.format(hint=levels[0]), lang), 3), style="cyan"))
    if not hint_page(topic.hints, hint_order(topic), 1)[1]:
        console.print(RichText(_indent(_say(MORE_HINTS.format(topic=topic.name), lang), 3), style="dim"))


def _report_hints(topic: TopicResult, verbose: bool) -> list[tuple[Text, ...]]:
    """The hints the report shows: the first level of the first few (with --verbose, of all)."""
    order = hint_order(topic)
    if verbose:
        return [topic.hints[i].levels[:1] for i in order]
    page, _ = hint_page(topic.hints, order, 1)
    return [levels for _, levels in page]


def _cap(text: str, lang: Lang) -> str:
    lines = text.splitlines()
    if len(lines) <= SHOWN_LINES:
        return text
    return "\n".join([*lines[:SHOWN_LINES], _say(LINES_CUT.format(count=len(lines) - SHOWN_LINES), lang)])


def _collapse(tests: list[TestResult]) -> list[tuple[Text, str, Status, float]]:
    """``test_x[fork]`` and ``test_x[spawn]`` with one outcome become ``test_x[fork, spawn]``."""
    rows: dict[tuple[str, Status], tuple[Text, list[str], float]] = {}
    for test in tests:
        base, _, param = test.name.partition("[")
        title, params, lost = rows.get((base, test.outcome), (test.title, [], 0.0))
        if param:
            params.append(param.rstrip("]"))
        rows[(base, test.outcome)] = (title, params, lost + test.max_points)
    return [(title, f"{base}[{', '.join(params)}]" if params else base, outcome, lost)
            for (base, outcome), (title, params, lost) in rows.items()]


def render_hints(name: str, title: Text, page: HintPage, lang: Lang) -> str:
    """``--hint TOPIC``: one page of hints (``hint_page``), each level numbered."""
    out = io.StringIO()
    console = _console(out, False)
    console.print(RichText(f"── {name}: {_title(title, lang)}", style="bold"))
    for hint, levels in page:
        for number, text in enumerate(levels, start=1):
            label = _say(HINT_LEVEL.format(level=number, of=len(hint.levels)), lang)
            console.print(RichText(_indent(f"{label} {_say(text, lang)}".replace("： ", "："), 3)))
        console.print()
    return out.getvalue()


def pick_title(title: str, lang: Lang) -> str:
    """A title "中文 / English" in the reader's language."""
    return title if lang == "both" else split_title(title).render(lang)


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
                "title": _title(t.title, lang),
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
HINT_LEVEL = Text(en="Hint {level}/{of}:", zh="提示 {level}/{of}：")
MORE_HINTS = Text(en="A stronger hint: python grader.py --hint {topic}",
                  zh="需要更具体的提示：python grader.py --hint {topic}")
MORE_FAILURES = Text(en="… and {count} more kinds of failure: python grader.py {topic} --verbose",
                     zh="…… 还有 {count} 种失败：python grader.py {topic} --verbose")
LINES_CUT = Text(en="[… {count} more lines: --verbose shows them]",
                 zh="[…… 还有 {count} 行：--verbose 可显示]")
MORE_TESTS = Text(en="· … and {count} more tests, failing the same way",
                  zh="· …… 另有 {count} 个测试也是这样失败的")
NO_MESSAGE = Text(en="(no message)", zh="（没有信息）")
NOT_STARTED = Text(en="not started", zh="尚未开始")
WELCOME = Text(
    en="Welcome! Nothing is written yet: {count} topic(s) to do, {points} points.\n"
       "Start with the first topic, {topic} ({title}): open {file}, read the task in its docstring, "
       "replace the TODOs, then run:\n"
       "    python grader.py {topic}\n"
       "python grader.py --list shows every topic in teaching order; "
       "python grader.py --watch regrades a topic each time you save its file.",
    zh="欢迎！目前还没有写任何代码：共 {count} 个题目，{points} 分。\n"
       "从第一个题目 {topic}（{title}）开始：打开 {file}，阅读开头的题目说明，补全 TODO，然后运行：\n"
       "    python grader.py {topic}\n"
       "python grader.py --list 按教学顺序列出所有题目；"
       "python grader.py --watch 在你每次保存文件时重新评分。",
)
TOTAL = Text(en="Total: {score}/{max} ({seconds} s)", zh="总分：{score}/{max}（用时 {seconds} 秒）")
