"""Reports: one renderer per format over the same results; what a student reads first."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grading import causes, render, scoring
from grading.i18n import Lang, Text, default_lang, unknown_lang
from grading.results import Hint, Kind, Report, Status, TestResult, TopicResult, split_title

WRONG = Text(en="got 1, expected 2", zh="得到 1，应为 2")
HINT_A = Hint(levels=(Text(en="nudge a", zh="提示甲"), Text(en="api a", zh="接口甲")), tests=("test_a",))
HINT_B = Hint(levels=(Text(en="nudge b", zh="提示乙"), Text(en="api b", zh="接口乙")), tests=("test_b",))
HINT_TOPIC = Hint(levels=(Text(en="whole topic", zh="整个题目"),))
TRACEBACK = ('Traceback (most recent call last):\n  File "mod.py", line 3, in serve\n'
             "    conn, _ = server.accept()\nOSError: [Errno 22] Invalid argument")


def result(name: str, outcome: Status, message: Text | None = None, points: float = 1.0,
           kind: Kind = Kind.NONE) -> TestResult:
    return TestResult(name, split_title(f"{name} 中 / {name} en"), outcome, points, message, kind)


def sample() -> Report:
    tests = (
        result("test_a[fork]", Status.PASSED),
        result("test_a[spawn]", Status.FAILED, WRONG),
        result("test_b", Status.TIMEOUT, Text(en="too slow", zh="太慢"), 0.5),
        result("test_c", Status.ERROR, Text(en="crashed", zh="崩溃"), 1.5),
    )
    topic = TopicResult("demo", Text(en="Demo", zh="演示"), tests, hints=(HINT_A, HINT_B),
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
    assert test == {"name": "test_a[spawn]", "title": "test_a[spawn] en", "outcome": "failed",
                    "points": 0.0, "max_points": 1.0, "message": "got 1, expected 2"}
    chinese = json.loads(render.render_json(sample(), "zh"))
    assert chinese["topics"][0]["tests"][1]["title"] == "test_a[spawn] 中"


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
    assert split_title(title).render(lang) == want


@pytest.mark.parametrize(("env", "lang"), [
    ({"GRADER_LANG": "en"}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"), ({"LANG": "C.UTF-8"}, "both"),
    ({"GRADER_LANG": "xx", "LC_ALL": "zh_TW"}, "zh")])
def test_default_language(env: dict[str, str], lang: str) -> None:
    assert default_lang(env) == lang


def test_an_unknown_language_is_noticed() -> None:
    assert unknown_lang({"GRADER_LANG": "fr"}) == "fr"
    assert unknown_lang({"GRADER_LANG": "EN"}) is None and unknown_lang({}) is None


# -- the cause first -------------------------------------------------------------


def test_a_python_error_of_the_student_comes_first_then_timeouts_then_failures() -> None:
    topic = TopicResult("t", Text(en="T", zh="题"), (
        result("test_wrong", Status.FAILED, WRONG),
        result("test_slow", Status.TIMEOUT, Text(en="stopped after 5 s", zh="5 秒后停止")),
        result("test_todo", Status.FAILED, Text(en="not written", zh="未写"), kind=Kind.NOT_WRITTEN),
        result("test_raised", Status.ERROR, Text(en="f() raised:\n" + TRACEBACK.replace("OSError: [Errno 22] "
                                                 "Invalid argument", "KeyError: 'x'"), zh="同")),
        result("test_listen", Status.FAILED, Text(en="stored nothing. Your server printed:\n" + TRACEBACK,
                                                  zh="什么也没存。")),
    ))
    order = [g.tests[0].name for g in render.failure_groups(topic)]
    assert order == ["test_listen", "test_raised", "test_slow", "test_wrong", "test_todo"]
    first = render.failure_groups(topic)[0]
    assert first.cause is not None and first.cause.name == "accept_without_listen"
    assert first.says("en").startswith("The socket was never put in listening mode")
    assert first.says("zh").startswith("套接字没有进入监听状态")


def test_identical_messages_are_said_once_with_the_tests_they_cost() -> None:
    port = [result(f"test_{i}", Status.FAILED, Text(en=f"could not connect to port {4000 + i}",
                                                    zh=f"无法连接端口 {4000 + i}")) for i in range(22)]
    topic = TopicResult("t", Text(en="T", zh="题"), tuple(port))
    groups = render.failure_groups(topic)
    assert len(groups) == 1 and groups[0].count == 22
    text = render.render_text(Report("ws", (topic,)), "en")
    assert text.count("could not connect") == 1
    assert "18 more tests" in text


def test_the_same_cause_in_different_words_is_one_group() -> None:
    said = "Your server printed: TypeError: write() argument must be str, not bytes"
    topic = TopicResult("t", Text(en="T", zh="题"), tuple(
        result(f"test_{name}", Status.FAILED, Text(en=f"{name}.bin was not stored. {said}", zh=said))
        for name in ("small", "large", "empty")))
    (group,) = render.failure_groups(topic)
    assert group.cause is not None and "'wb'" in group.cause.text.en and group.count == 3


@pytest.mark.parametrize(("raised", "name"), [
    ("TypeError: write() argument must be str, not bytes", "write_bytes_to_text_file"),
    ("  File \"s.py\", line 9, in serve\n    c, a = s.accept()\nOSError: [Errno 22] Invalid argument",
     "accept_without_listen"),
    ("OSError: [Errno 98] Address already in use", "address_in_use"),
    ("ConnectionRefusedError: [Errno 111] Connection refused", "connection_refused"),
    ("AttributeError: Can't pickle local object 'start.<locals>.work'", "local_target_under_spawn"),
    ("_pickle.PicklingError: Can't pickle <function <lambda> at 0x7f>", "local_target_under_spawn"),
    ("AttributeError: 'NoneType' object has no attribute 'join'", "start_returns_none"),
    ("ModuleNotFoundError: No module named 'muliprocessing'", "lesson_typo"),
    ("AttributeError: 'MyProcess' object has no attribute '_config'", "no_super_init"),
    ("TypeError: 'bool' object is not callable", "daemon_called"),
    ("UnboundLocalError: cannot access local variable 'money' where it is not associated", "global_missing"),
])
def test_common_errors_are_translated(raised: str, name: str) -> None:
    cause = causes.explain(raised)
    assert cause is not None and cause.name == name
    assert cause.text.en and any("\u4e00" <= ch <= "\u9fff" for ch in cause.text.zh)


def test_an_unknown_error_is_not_guessed() -> None:
    assert causes.explain("ValueError: something of its own") is None


# -- hints -----------------------------------------------------------------------


def test_only_the_first_level_of_the_hints_of_failed_tests() -> None:
    topic = TopicResult("demo", Text(en="Demo", zh="演示"), (
        result("test_a[fork]", Status.FAILED, WRONG), result("test_b", Status.PASSED)),
        hints=(HINT_A, HINT_B, HINT_TOPIC))
    text = render.render_text(Report("ws", (topic,)), "en")
    assert "nudge a" in text
    assert "api a" not in text and "nudge b" not in text and "whole topic" not in text
    assert "--hint demo" in text


def test_a_topic_wide_hint_when_no_particular_one_applies() -> None:
    topic = TopicResult("demo", Text(en="Demo", zh="演示"), (result("test_z", Status.FAILED, WRONG),),
                        hints=(HINT_A, HINT_TOPIC))
    assert render.hint_order(topic) == [1]


def test_the_hint_answering_the_cause_comes_first() -> None:
    listen = Hint(levels=(Text(en="listen first", zh="先监听"),), tests=("test_z",),
                  causes=("accept_without_listen",))
    topic = TopicResult("demo", Text(en="Demo", zh="演示"), (
        result("test_a", Status.FAILED, WRONG),
        result("test_z", Status.FAILED, Text(en=TRACEBACK, zh=TRACEBACK))), hints=(HINT_A, listen))
    assert render.hint_order(topic) == [1, 0]


def test_each_look_at_the_hints_shows_more() -> None:
    hints = (HINT_A, HINT_B, HINT_TOPIC, Hint(levels=(Text(en="fourth", zh="四"), Text(en="4b", zh="四b"))))
    order = [0, 1, 3]
    seen = [render.hint_page(hints, order, step) for step in (1, 2, 3, 4)]
    assert [[levels for _, levels in page] for page, _ in seen[:2]] == [
        [HINT_A.levels[:1], HINT_B.levels[:1]], [HINT_A.levels, HINT_B.levels]]
    assert [last for _, last in seen] == [False, False, True, True]
    assert seen[2][0][-1][1] == hints[3].levels  # past the deepest level: the next hint, in full
    text = render.render_hints("demo", Text(en="Demo", zh="演示"), seen[1][0], "zh")
    assert "提示 2/2：接口甲" in text and "整个题目" not in text


# -- untouched stubs ---------------------------------------------------------------


def test_untouched_stubs_get_a_short_welcome() -> None:
    todo = Text(en="start() is not written yet", zh="start() 还没有完成")
    topics = tuple(TopicResult(name, Text(en=name, zh=name), tuple(
        result(f"test_{i}", Status.FAILED, todo, kind=Kind.NOT_WRITTEN) for i in range(9)))
        for name in ("first", "second"))
    langs: tuple[Lang, ...] = ("en", "zh")
    for lang in langs:
        text = render.render_text(Report("exercises", topics), lang)
        assert len(text.splitlines()) < 10 and "python grader.py first" in text
        assert "not written yet" not in text and "还没有完成" not in text
    # Once one topic is started, the report is back, the untouched ones in one word.
    started = (replace_tests(topics[0], Status.FAILED, WRONG), topics[1])
    text = render.render_text(Report("exercises", started), "en")
    assert "got 1, expected 2" in text and "not started" in text and "not written yet" not in text


def replace_tests(topic: TopicResult, outcome: Status, message: Text) -> TopicResult:
    return TopicResult(topic.name, topic.title, tuple(
        TestResult(t.name, t.title, outcome, t.max_points, message) for t in topic.tests))


def test_verbose_shows_every_failure_and_every_line() -> None:
    long = Text(en="\n".join(f"line {i}" for i in range(40)), zh="长")
    topic = TopicResult("demo", Text(en="Demo", zh="演示"), tuple(
        result(f"test_{i}", Status.FAILED, Text(en=f"kind {chr(97 + i)} of failure\n" + long.en, zh="长"))
        for i in range(5)))
    short = render.render_text(Report("ws", (topic,)), "en")
    full = render.render_text(Report("ws", (topic,)), "en", verbose=True)
    assert "kind d" not in short and "2 more kinds of failure" in short and "line 39" not in short
    assert all(f"kind {c}" in full for c in "abcde") and "line 39" in full


def test_grader_paths_never_reach_the_student(tmp_path: Path) -> None:
    from grading.scrub import Scrubber
    workspace, grader = tmp_path / "course" / "exercises", tmp_path / "course"
    scratch = tmp_path / "kata-grade-x1y2" / "upload_server"
    scrub = Scrubber(workspace, scratch, grader)
    said = scrub(f'File "{workspace}/upload_server.py", line 9; wrote {scratch}/basetemp/test_a0/root/x.bin; '
                 f"/var/tmp/kata-grade-zz/daemon/tmp/kata-sandbox-q/call1/cwd/pid; {grader}/tests/test_x.py")
    assert said == ('File "upload_server.py", line 9; wrote <scratch>/test_a0/root/x.bin; '
                    "<scratch>/call1/cwd/pid; <grader>/tests/test_x.py")
