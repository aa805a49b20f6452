"""What grading produced: outcomes, per-test and per-topic results, the JSON schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict

from .i18n import Text

#: Version of the JSON report's shape; bumped when a field changes meaning.
SCHEMA_VERSION = 1


class Status(StrEnum):
    """The contract's outcomes."""

    PASSED = "passed"
    FAILED = "failed"    # the code ran and did the wrong thing
    ERROR = "error"      # the code could not run: import error, crash
    TIMEOUT = "timeout"  # the code took too long and was stopped
    SKIPPED = "skipped"  # this host cannot observe it faithfully: graded elsewhere, counted nowhere here


class Kind(StrEnum):
    """What kind of failure a message describes, as the plugin saw it (not guessed from words)."""

    NONE = ""
    #: The function still raises NotImplementedError, or is not defined yet.
    NOT_WRITTEN = "not_written"


@dataclass(frozen=True)
class Hint:
    """One hint of a topic, in levels: a nudge first, then the API to use; never the code."""

    levels: tuple[Text, ...]
    #: The tests (names without ``[params]``) whose failure calls for it; empty: the whole topic.
    tests: tuple[str, ...] = ()
    #: Names of ``causes.CAUSES`` (a Python error of the student's) it answers; it comes first then.
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, whatever its name

    name: str
    title: Text
    outcome: Status
    max_points: float
    message: Text | None = None
    kind: Kind = Kind.NONE

    @property
    def points(self) -> float:
        return self.max_points if self.outcome is Status.PASSED else 0.0

    @property
    def graded(self) -> bool:
        """Counted in this grade's maximum: everything but a skipped test."""
        return self.outcome is not Status.SKIPPED

    @property
    def base(self) -> str:
        """The test's name without its parameters: ``test_x[fork]`` is ``test_x``."""
        return self.name.partition("[")[0]


@dataclass(frozen=True)
class TopicResult:
    name: str
    title: Text
    tests: tuple[TestResult, ...]
    hints: tuple[Hint, ...] = ()
    #: Seconds the topic's test process ran.
    duration: float = 0.0
    #: Something about the topic as a whole (its test process died, …).
    problem: Text | None = None
    #: The manifest's points: the maximum when no test could be collected.
    declared_points: float = 0.0
    #: The hidden tests could not even be collected: the grader's fault.
    broken: bool = False
    #: The workspace's file is the stub as shipped: nothing is written yet.
    stub: bool = False


@dataclass(frozen=True)
class Report:
    workspace: str
    topics: tuple[TopicResult, ...] = field(default_factory=tuple)
    duration: float = 0.0
    #: Which tier graded (``host.Host.tier``) and what it enforced.
    tier: str = ""
    enforced: tuple[str, ...] = ()


def split_title(title: str) -> Text:
    """A docstring title "中文 / English" as a Text; a title in one language is both."""
    parts = title.split(" / ")
    for k in range(1, len(parts)):
        english = " / ".join(parts[k:])
        if not any(ord(ch) > 0x2E7F for ch in english):
            return Text(en=english, zh=" / ".join(parts[:k]))
    return Text(en=title, zh=title)


def text_of(value: Any) -> Text | None:
    """A Text from a report record: ``{"en", "zh"}``, a plain string, or nothing."""
    if isinstance(value, dict):
        return Text(en=str(value.get("en", "")), zh=str(value.get("zh", value.get("en", ""))))
    if isinstance(value, str):
        return split_title(value)
    return None


class TestJSON(TypedDict):
    name: str
    title: str
    outcome: str
    points: float
    max_points: float
    message: str


class TopicJSON(TypedDict):
    name: str
    title: str
    score: float
    max_score: float
    #: Points of skipped tests: graded on another tier, not part of max_score here.
    reserved: float
    #: What went wrong with the topic as a whole (its test process died, …), or null.
    problem: str | None
    tests: list[TestJSON]


class ReportJSON(TypedDict):
    version: int
    score: float
    max_score: float
    #: Points of skipped tests, graded on another tier.
    reserved: float
    #: The isolation tier that graded, and what it enforced.
    tier: str
    enforced: list[str]
    workspace: str
    topics: list[TopicJSON]
