"""Which topics exist: the manifest (tests/topics.toml) plus the file-name convention.

``tests/test_<name>.py`` holds a topic's hidden tests; the manifest gives its
titles, points, time limit and hints, in teaching order. Problems are
reported as ``GradingError`` with the fix.
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
from .i18n import Text
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


def load(tests_dir: Path) -> list[Topic]:
    """The topics in manifest order, each checked against the files."""
    path = tests_dir / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GradingError(BAD_MANIFEST.format(path=path, why="the file is missing")) from None
    except tomllib.TOMLDecodeError as exc:
        raise GradingError(BAD_MANIFEST.format(path=path, why=str(exc))) from None
    if data.get("version") not in SUPPORTED_VERSIONS:
        raise GradingError(BAD_MANIFEST.format(
            path=path, why=f"version {data.get('version')!r} is not one of {SUPPORTED_VERSIONS}"))
    topics = [_topic(entry, tests_dir, path, data["version"]) for entry in data.get("topic", [])]
    names = [t.name for t in topics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GradingError(BAD_MANIFEST.format(path=path, why=f"topics listed twice: {duplicates}"))
    if not topics:
        raise GradingError(BAD_MANIFEST.format(path=path, why="no [[topic]] entries"))
    return topics


def _topic(entry: dict[str, Any], tests_dir: Path, path: Path, version: int) -> Topic:
    name = entry.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise GradingError(BAD_MANIFEST.format(path=path, why=f"topic name {name!r} is not a module name"))
    test_file = tests_dir / f"test_{name}.py"
    points = entry.get("points")
    if not isinstance(points, (int, float)) or isinstance(points, bool) or points < 0:
        raise GradingError(BAD_MANIFEST.format(
            path=path, why=f"topic {name!r}: points must be a number >= 0"))
    return Topic(
        name=name,
        title=_text(entry.get("title", {}), name),
        points=float(points),
        time_limit=float(entry.get("time_limit", DEFAULT_TIME_LIMIT)),
        test_timeout=float(entry.get("test_timeout", DEFAULT_TEST_TIMEOUT)),
        hints=_hints(entry, name, test_file, path, version),
        test_file=test_file,
        stub=str(entry["stub"]) if "stub" in entry else None,
    )


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
                                                known=", ".join(t.name for t in topics)), tip)
    chosen = [t for t in topics if t.name in names]
    missing = [t.test_file.name for t in chosen if not t.test_file.is_file()]
    if missing:
        raise GradingError(NO_TESTS.format(files=", ".join(missing)))
    return chosen


BAD_MANIFEST = Text(
    en="The topic manifest {path} cannot be used: {why}.",
    zh="题目清单 {path} 无法使用：{why}。",
)
UNKNOWN_TOPIC = Text(
    en="No topic named {names}. The topics are: {known}.",
    zh="没有名为 {names} 的题目。现有题目：{known}。",
)
DID_YOU_MEAN = Text(en="Did you mean {name}? python grader.py {name}",
                    zh="你是不是想输入 {name}？python grader.py {name}")
LIST_TIP = Text(en="python grader.py --list shows the topics.", zh="python grader.py --list 可列出所有题目。")
NO_TESTS = Text(
    en="The hidden tests are missing: {files} (tests/ must come with the grader).",
    zh="缺少隐藏测试文件：{files}（tests/ 目录应与评分程序一起提供）。",
)
