"""Which topics exist: the manifest (tests/topics.toml) plus the file-name convention.

``tests/test_<name>.py`` holds a topic's hidden tests; the manifest gives its
titles, points, time limit and hints, in teaching order. Problems are
reported as ``GradingError`` with the fix.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import GradingError
from .i18n import Text

MANIFEST = "topics.toml"
SUPPORTED_VERSIONS = (1,)
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
    hints: tuple[Text, ...]
    test_file: Path


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
    topics = [_topic(entry, tests_dir, path) for entry in data.get("topic", [])]
    names = [t.name for t in topics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GradingError(BAD_MANIFEST.format(path=path, why=f"topics listed twice: {duplicates}"))
    if not topics:
        raise GradingError(BAD_MANIFEST.format(path=path, why="no [[topic]] entries"))
    return topics


def _topic(entry: dict[str, Any], tests_dir: Path, path: Path) -> Topic:
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
        hints=tuple(_text(h, "") for h in entry.get("hints", [])),
        test_file=test_file,
    )


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
        raise GradingError(UNKNOWN_TOPIC.format(names=", ".join(unknown),
                                                known=", ".join(t.name for t in topics)))
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
NO_TESTS = Text(
    en="The hidden tests are missing: {files} (tests/ must come with the grader).",
    zh="缺少隐藏测试文件：{files}（tests/ 目录应与评分程序一起提供）。",
)
