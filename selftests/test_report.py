"""What a student reads: the real grader's text report for fixture submissions.

Each case is a workspace graded in Chinese and in English: a kata
(``katas/<name>/kata.toml``, graded against the engine's fixture topics with
``--tests selftests/engine/tests``) or the lesson's solution with one mistake
(graded against the lesson's topics). The screen is checked as a student would
read it: the cause comes first in its topic, the student's own line is quoted,
no hidden-test source and no absolute path appear, no message is repeated,
and only the first level of each hint is shown.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from grading import catalog
from grading.i18n import Lang

from .conftest import ENGINE_TESTS, KATAS, ROOT, Kata

#: The lesson's topics and the engine's fixture topics, by name (the names do not overlap).
TOPICS = {t.name: t for t in [*catalog.load(ROOT / "tests"), *catalog.load(ENGINE_TESTS)]}


def screen(workspace: Path, *args: str, lang: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``python grader.py`` as a student runs it (plain: stdout is not a terminal)."""
    full_env = {**os.environ, "NO_COLOR": "1", "GRADER_STATE": "off", **(env or {})}
    full_env.pop("GRADER_LANG", None)
    # Run from the workspace's folder, the workspace named as a student types it.
    proc = subprocess.run([sys.executable, str(ROOT / "grader.py"), "--workspace", workspace.name,
                           "--lang", lang, *args], cwd=workspace.parent, capture_output=True, text=True,
                          env=full_env, timeout=400, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout


def topic_block(text: str, topic: str) -> list[str]:
    """The lines of one topic's section of the report, its header excluded."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"── {topic}:"))
    end = next((i for i in range(start + 1, len(lines))
                if lines[i].startswith("── ") or lines[i].startswith(("Total", "总分"))), len(lines))
    return lines[start + 1:end]


def solution_with(topic: str, old: str, new: str) -> Callable[[Path], Path]:
    def build(tmp_path: Path) -> Path:
        workspace = tmp_path / "workspace"
        workspace.mkdir()
        text = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
        assert old in text, f"solutions/{topic}.py no longer contains {old!r}"
        (workspace / f"{topic}.py").write_text(text.replace(old, new, 1), encoding="utf-8")
        return workspace
    return build


def kata(name: str) -> Callable[[Path], Path]:
    return lambda tmp_path: Kata.load(KATAS / name).build(tmp_path)


@dataclass
class Case:
    build: Callable[[Path], Path]
    #: The topics graded; the first is the one whose section is read.
    topics: list[str]
    #: Words the first lines of the topic's section say, per language ("" : nothing fails).
    first: dict[str, str]
    #: The student's own file and line, quoted.
    line: str = ""
    keyword: str | None = None
    #: The hidden tests graded against: the engine's fixture topics (a kata), or None (the lesson's).
    tests: Path | None = None

    @property
    def topic(self) -> str:
        return self.topics[0]


def kata_case(name: str, topic: str, first: dict[str, str], line: str = "",
              keyword: str | None = None) -> Case:
    """A kata graded against the engine's fixture topics; ``topic`` first, then the kata's others."""
    others = [t for t in Kata.load(KATAS / name).topics if t != topic]
    return Case(kata(name), [topic, *others], first, line, keyword, tests=ENGINE_TESTS)


CASES = {
    "pass": kata_case("pass", "toy_process", {"en": "", "zh": ""}),
    "partial": kata_case("partial", "toy_process", {"en": "p.join()", "zh": "p.join()"}),
    "syntax_error": kata_case("syntax_error", "toy_math", {"en": "SyntaxError", "zh": "SyntaxError"},
                              line='toy_math.py", line 1'),
    "import_error": kata_case("import_error", "toy_math",
                              {"en": "No module named 'maths'", "zh": "No module named 'maths'"},
                              line='toy_math.py", line 5'),
    "timeout": kata_case("sleeps_forever", "toy_process", {"en": "stopped after", "zh": "强制停止"},
                         keyword="test_task_writes_its_pid"),
    "crash": kata_case("crash", "toy_process", {"en": "never returned", "zh": "没有返回"}),
    "raised": Case(solution_with("process_function", "    p.start()  #", "    1 / 0\n    p.start()  #"),
                   ["process_function"], {"en": "ZeroDivisionError", "zh": "ZeroDivisionError"},
                   line='process_function.py", line 25'),
    "text_mode_file": Case(solution_with("upload_server", 'open(fd, "wb")', 'open(fd, "w")'),
                           ["upload_server"], {"en": "opened in text mode", "zh": "文本模式"},
                           keyword="test_small_file or test_body_is_binary"),
    "no_listen": Case(solution_with("upload_server", "server.listen(5)", "pass"), ["upload_server"],
                      {"en": "call listen() before accept()", "zh": "先调用 listen()"},
                      keyword="test_small_file or test_zero_byte_file"),
    "daemon_joined": Case(solution_with("daemon", "    p.start()\n", "    p.start()\n    p.join()\n"),
                          ["daemon"], {"en": "without join()", "zh": "join"}),
    "target_called": Case(solution_with("process_function", "target=task, args=(name, log_path)",
                                        "target=task(name, log_path)"),
                          ["process_function"], {"en": "target=task(...) calls it", "zh": "target=task"}),
}

ABSOLUTE = re.compile(r"(?<![\w<.])/(?:tmp|work|home|root|usr|var|private|Users|opt)/")


def params() -> list[object]:
    return [pytest.param(case, lang, id=f"{name}-{lang}")
            for name, case in CASES.items() for lang in ("zh", "en")]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "lang"), params())
def test_what_a_student_reads(case: Case, lang: Lang, tmp_path: Path) -> None:
    workspace = case.build(tmp_path)
    keyword = ["-k", case.keyword] if case.keyword else []
    tests = ["--tests", str(case.tests)] if case.tests else []
    status, text = screen(workspace, *tests, *case.topics, *keyword, lang=lang)
    assert status in (0, 1), text
    wanted = case.first[lang]
    if not wanted:
        assert status == 0 and "── " not in text, text
    else:
        # The cause first: in the first lines of the topic's section.
        head = "\n".join(topic_block(text, case.topic)[:6])
        assert wanted in head, f"the first lines do not say {wanted!r}:\n{text}"
    if case.line:
        assert case.line in text, text
    # No hidden-test source, no grader internals, no absolute path.
    secrets = ["def test_", "tests/", "grading/", "sandbox.", "selftests", str(ROOT),
               *(f"test_{topic}.py" for topic in case.topics)]
    for secret in secrets:
        assert secret not in text, f"{secret!r} shown:\n{text}"
    assert not ABSOLUTE.search(text), text
    # No message said twice.
    long_lines = [line.strip() for line in text.splitlines() if len(line.strip()) > 40]
    repeated = {line for line in long_lines if long_lines.count(line) > 1}
    assert not repeated, repeated
    # The first level of the hints only; the stronger ones wait for --hint.
    hints = TOPICS[case.topic].hints
    if any(len(hint.levels) > 1 for hint in hints):
        for hint in hints:
            for level in hint.levels[1:]:
                assert level.render(lang)[:40] not in text, f"a level-2 hint is shown:\n{text}"
    elif hints and wanted:
        # The engine's fixture topics have one-level hints, for the whole topic: nothing
        # stronger could leak, so check the other half instead: a failing topic shows its first level.
        assert hints[0].levels[0].render(lang)[:40] in text, f"the topic's hint is not shown:\n{text}"
    # One language only (the topics' Chinese titles aside).
    if lang == "en":
        shown = text
        for topic in case.topics:
            shown = shown.replace(TOPICS[topic].title.zh, "")
        assert not re.search(r"[\u4e00-\u9fff]", shown), text
