"""Which topics exist: the manifest (topics.toml) plus the file-name convention.

A tests folder (``tests/`` beside the grader, or the one given with ``--tests
DIR``) holds ``topics.toml`` and, for each topic, ``test_<name>.py``, its hidden
tests; the manifest gives titles, points, time limits and hints, in teaching
order. Every problem is a ``GradingError`` whose ``tip`` says the fix.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .causes import CAUSES
from .errors import GradingError
from .i18n import Text, plain
from .results import Hint

MANIFEST = "topics.toml"
#: 1: ``hints`` a list of texts for the whole topic; 2: ``[[topic.hint]]`` tables,
#: each with the tests it belongs to, the causes it answers and its levels
#: (``nudge``, then ``api``).
SUPPORTED_VERSIONS = (1, 2)
HINT_LEVELS = ("nudge", "api")
CAUSE_NAMES = [c.name for c in CAUSES]
DEFAULT_TIME_LIMIT = 180.0
DEFAULT_TEST_TIMEOUT = 60.0


@dataclass(frozen=True)
class Topic:
    name: str
    title: Text
    points: float
    #: Seconds for the whole topic's pytest process: a backstop.
    time_limit: float
    #: Seconds for one test (pytest-timeout): a backstop behind the sandbox's own limits.
    test_timeout: float
    hints: tuple[Hint, ...]
    test_file: Path
    #: ``stub_digest`` of the stub as shipped: a file with this digest is untouched.
    stub: str | None = None
    #: Seconds a correct submission's grade of this topic typically takes (the
    #: solutions, 2 cores): the runner starts the longest first. None: not given.
    typical: float | None = None


def load(tests_dir: Path) -> list[Topic]:
    """The topics in manifest order, each checked against the files."""
    tests_dir = tests_dir.resolve()  # the runner starts pytest in another folder
    path = tests_dir / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        raise _bad(path, MANIFEST_MISSING, TIP_MANIFEST_MISSING.format(folder=tests_dir)) from None
    except tomllib.TOMLDecodeError as exc:
        raise _bad(path, plain(str(exc)), TIP_SYNTAX) from None
    extra = sorted(set(data) - TOP_LEVEL_KEYS)
    if extra:
        raise _bad(path, UNKNOWN_KEYS.format(where="", keys=", ".join(extra)),
                   TIP_KEYS.format(known=", ".join(sorted(TOP_LEVEL_KEYS))))
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise _bad(path, BAD_VERSION.format(version=repr(data.get("version"))),
                   TIP_VERSION.format(version=SUPPORTED_VERSIONS[-1]))
    entries = data.get("topic", [])
    if not isinstance(entries, list) or not entries:
        raise _bad(path, NO_TOPICS, TIP_NO_TOPICS)
    topics = [_topic(entry, tests_dir, path, data["version"]) for entry in entries]
    names = [t.name for t in topics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise _bad(path, DUPLICATES.format(names=", ".join(duplicates)), TIP_DUPLICATES)
    return topics


def _topic(entry: dict[str, Any], tests_dir: Path, path: Path, version: int) -> Topic:
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise _bad(path, BAD_NAME.format(name=repr(name)), TIP_NAME)
    extra = sorted(set(entry) - TOPIC_KEYS)
    if extra:
        raise _bad(path, UNKNOWN_KEYS.format(where=f"[[topic]] {name}: ", keys=", ".join(extra)),
                   TIP_KEYS.format(known=", ".join(sorted(TOPIC_KEYS))))
    points = _number(entry.get("points"))
    if points is None or points < 0:
        raise _bad(path, BAD_NUMBER.format(topic=name, field="points", value=repr(entry.get("points"))),
                   TIP_POINTS)
    limits: dict[str, float] = {}
    for field, default in (("time_limit", DEFAULT_TIME_LIMIT), ("test_timeout", DEFAULT_TEST_TIMEOUT)):
        seconds = _number(entry.get(field, default))
        if seconds is None or seconds <= 0:
            raise _bad(path, BAD_NUMBER.format(topic=name, field=field, value=repr(entry.get(field))),
                       TIP_SECONDS.format(field=field))
        limits[field] = seconds
    typical = None
    if "typical" in entry:
        typical = _number(entry["typical"])
        if typical is None or typical <= 0:
            raise _bad(path, BAD_NUMBER.format(topic=name, field="typical", value=repr(entry["typical"])),
                       TIP_SECONDS.format(field="typical"))
    if version == 1 and not isinstance(entry.get("hints", []), list):
        raise _bad(path, BAD_HINTS.format(topic=name), TIP_HINTS)
    test_file = tests_dir / f"test_{name}.py"
    return Topic(
        name=name,
        title=_text(entry.get("title", {}), name),
        points=points,
        time_limit=limits["time_limit"],
        test_timeout=limits["test_timeout"],
        hints=_hints(entry, name, test_file, path, version),
        test_file=test_file,
        stub=str(entry["stub"]) if "stub" in entry else None,
        typical=typical,
    )


def _number(value: object) -> float | None:
    """A TOML integer or float (not a boolean, not a quoted string), or None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return None


def _bad(path: Path, why: Text, tip: Text) -> GradingError:
    return GradingError(BAD_MANIFEST.format(path=path, why=why), tip)


def stub_digest(source: bytes) -> str:
    """A short fingerprint of a module's text, the same whatever its line endings."""
    return hashlib.sha256(source.replace(b"\r\n", b"\n")).hexdigest()[:16]


def is_stub(topic: Topic, workspace: Path) -> bool:
    """The workspace's file for ``topic`` is the stub as shipped."""
    try:
        source = (workspace / f"{topic.name}.py").read_bytes()
    except OSError:
        return False
    return topic.stub is not None and stub_digest(source) == topic.stub


def _hints(entry: dict[str, Any], name: str, test_file: Path, path: Path, version: int) -> tuple[Hint, ...]:
    if version == 1:
        return tuple(Hint(levels=(_text(h, ""),)) for h in entry.get("hints", []))
    if "hints" in entry:
        raise GradingError(BAD_MANIFEST.format(path=path, why=(
            f"topic {name!r}: version 2 writes hints as [[topic.hint]] tables with "
            "tests = [...], nudge = {zh, en} and api = {zh, en}, not a hints list")))
    known = _test_names(test_file)
    hints = []
    for number, table in enumerate(entry.get("hint", []), start=1):
        where = f"topic {name!r}, hint {number}"
        extra = set(table) - {"tests", "causes", *HINT_LEVELS}
        if extra:
            raise GradingError(BAD_MANIFEST.format(path=path, why=(
                f"{where}: unknown keys {sorted(extra)} (a hint has tests, causes, nudge and api)")))
        causes = table.get("causes", [])
        unknown_causes = [c for c in causes if c not in CAUSE_NAMES] if isinstance(causes, list) else causes
        if unknown_causes:
            raise GradingError(BAD_MANIFEST.format(path=path, why=(
                f"{where}: causes must name entries of grading/causes.py, not {unknown_causes}"
                f"{_did_you_mean(str(unknown_causes[0]), CAUSE_NAMES)}")))
        if "nudge" not in table:
            raise GradingError(BAD_MANIFEST.format(path=path, why=(
                f"{where}: no nudge (level 1: the concept, and where to read in the lesson)")))
        tests = table.get("tests", [])
        if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
            raise GradingError(BAD_MANIFEST.format(path=path, why=f"{where}: tests must be a list of names"))
        unknown = [t for t in tests if known is not None and t not in known]
        if unknown:
            raise GradingError(BAD_MANIFEST.format(path=path, why=(
                f"{where}: {test_file.name} has no test {', '.join(unknown)}"
                f"{_did_you_mean(unknown[0], known or set())}")))
        levels = []
        for level in HINT_LEVELS:
            if level in table:
                value = table[level]
                if not isinstance(value, dict) or not value.get("zh") or not value.get("en"):
                    raise GradingError(BAD_MANIFEST.format(path=path, why=(
                        f"{where}: {level} must be {{ zh = \"...\", en = \"...\" }}")))
                levels.append(_text(value, ""))
        hints.append(Hint(levels=tuple(levels), tests=tuple(tests), causes=tuple(causes)))
    return tuple(hints)


def _test_names(test_file: Path) -> set[str] | None:
    """The test functions a hidden test file defines (None when it cannot be read)."""
    try:
        source = test_file.read_text(encoding="utf-8")
    except OSError:
        return None
    return set(re.findall(r"^def (test_\w+)", source, flags=re.MULTILINE))


def _did_you_mean(name: str, known: set[str] | list[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _text(value: Any, fallback: str) -> Text:
    if isinstance(value, dict):
        return Text(en=str(value.get("en", fallback)), zh=str(value.get("zh", value.get("en", fallback))))
    return Text(en=str(value or fallback), zh=str(value or fallback))


def select(topics: list[Topic], names: list[str]) -> list[Topic]:
    """The named topics in manifest order; all of them when none is named."""
    names = names or [t.name for t in topics]
    known = {t.name for t in topics}
    unknown = [n for n in names if n not in known]
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        tip = DID_YOU_MEAN.format(name=close[0]) if close else LIST_TIP
        raise GradingError(UNKNOWN_TOPIC.format(names=", ".join(unknown),
                                                known=", ".join(t.name for t in topics)),
                           tip if close else TIP_UNKNOWN_TOPIC)
    chosen = [t for t in topics if t.name in names]
    missing = [t.test_file for t in chosen if not t.test_file.is_file()]
    if missing:
        raise GradingError(NO_TESTS.format(files=", ".join(p.name for p in missing),
                                           folder=missing[0].parent),
                           TIP_NO_TESTS.format(folder=missing[0].parent))
    return chosen


#: The keys a manifest may hold; anything else is a typo the grader would otherwise ignore.
TOP_LEVEL_KEYS = frozenset({"version", "topic"})
TOPIC_KEYS = frozenset({"name", "title", "points", "time_limit", "test_timeout", "typical", "hints",
                        "hint", "stub"})

BAD_MANIFEST = Text(
    en="The topic manifest {path} cannot be used: {why}.",
    zh="题目清单 {path} 无法使用：{why}。",
)
MANIFEST_MISSING = Text(en="the file is missing", zh="文件不存在")
TIP_MANIFEST_MISSING = Text(
    en="The folder {folder} must hold topics.toml beside the test_<topic>.py files. "
       "Give the right folder with --tests DIR, or restore tests/topics.toml from the checkout.",
    zh="文件夹 {folder} 里应当有 topics.toml，与各个 test_<题目>.py 放在一起。"
       "用 --tests DIR 指定正确的文件夹，或从代码仓库恢复 tests/topics.toml。",
)
TIP_SYNTAX = Text(
    en="Fix the TOML at the line and column given: strings in double quotes, "
       'tables like title = { zh = "...", en = "..." }, one [[topic]] line before each topic.',
    zh='按提示的行号和列号修正 TOML 语法：字符串用双引号，表写成 title = { zh = "...", en = "..." }，'
       "每个题目前有一行 [[topic]]。",
)
UNKNOWN_KEYS = Text(en="{where}unknown field(s) {keys}", zh="{where}未知字段 {keys}")
TIP_KEYS = Text(
    en="Check the spelling; the fields allowed here are: {known} (see docs/writing-tests.md).",
    zh="检查拼写；这里允许的字段是：{known}（见 docs/writing-tests.md）。",
)
BAD_VERSION = Text(en="version {version} is not supported", zh="不支持的版本 {version}")
TIP_VERSION = Text(
    en="Put `version = {version}` on a line of its own at the top of topics.toml.",
    zh="在 topics.toml 开头单独写一行 `version = {version}`。",
)
NO_TOPICS = Text(en="it lists no topic", zh="其中没有任何题目")
TIP_NO_TOPICS = Text(
    en="Add one [[topic]] block per topic, with at least name and points "
       "(see the manifest section of docs/writing-tests.md).",
    zh="每个题目写一个 [[topic]] 块，至少包含 name 和 points（见 docs/writing-tests.md 的清单一节）。",
)
DUPLICATES = Text(en="topics listed twice: {names}", zh="题目重复出现：{names}")
TIP_DUPLICATES = Text(
    en="Keep one [[topic]] block per name: delete or rename the other.",
    zh="每个名字只保留一个 [[topic]] 块：删除或改名另一个。",
)
BAD_NAME = Text(en="topic name {name} is not a module name", zh="题目名 {name} 不是合法的模块名")
TIP_NAME = Text(
    en='A topic\'s name is the name of its module: letters, digits and _, not starting with a digit, '
       'e.g. name = "process_function" for exercises/process_function.py.',
    zh='题目名就是它的模块名：只含字母、数字和 _，不以数字开头，'
       '例如 exercises/process_function.py 对应 name = "process_function"。',
)
BAD_NUMBER = Text(
    en="topic {topic}: {field} = {value} is not allowed",
    zh="题目 {topic}：{field} = {value} 不合法",
)
TIP_POINTS = Text(
    en="Write points as a number >= 0 without quotes, e.g. points = 7.",
    zh="points 写成不带引号的、>= 0 的数，例如 points = 7。",
)
TIP_SECONDS = Text(
    en="Write {field} as a number of seconds > 0 without quotes, e.g. {field} = 120, or leave it out "
       "for the default.",
    zh="{field} 写成不带引号的、> 0 的秒数，例如 {field} = 120；不写则用默认值。",
)
BAD_HINTS = Text(en="topic {topic}: hints is not a list", zh="题目 {topic}：hints 不是列表")
TIP_HINTS = Text(
    en='Write hints as a list of tables: hints = [ { zh = "...", en = "..." }, ]',
    zh='hints 写成表的列表：hints = [ { zh = "...", en = "..." }, ]',
)
UNKNOWN_TOPIC = Text(
    en="No topic named {names}. The topics are: {known}.",
    zh="没有名为 {names} 的题目。现有题目：{known}。",
)
DID_YOU_MEAN = Text(
    en="Did you mean {name}? python grader.py {name} (python grader.py --list shows them all)",
    zh="你是不是想输入 {name}？python grader.py {name}（python grader.py --list 可列出所有题目）",
)
LIST_TIP = Text(en="python grader.py --list shows the topics.", zh="python grader.py --list 可列出所有题目。")
TIP_UNKNOWN_TOPIC = Text(
    en="Check the spelling: `python grader.py --list` shows every topic with its points.",
    zh="检查拼写：`python grader.py --list` 会列出所有题目及其分值。",
)
NO_TESTS = Text(
    en="The hidden tests are missing: {files} (looked in {folder}).",
    zh="缺少隐藏测试文件：{files}（在 {folder} 中查找）。",
)
TIP_NO_TESTS = Text(
    en="Each topic in topics.toml needs test_<topic>.py in the same folder ({folder}): restore the "
       "file from the checkout (the tests/ folder comes with the grader), or remove the topic's "
       "[[topic]] block.",
    zh="topics.toml 里的每个题目都需要同一文件夹（{folder}）中的 test_<题目>.py："
       "从代码仓库恢复该文件（tests/ 目录随评分程序一起提供），或删除该题目的 [[topic]] 块。",
)
