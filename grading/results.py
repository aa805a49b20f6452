"""What grading produced: outcomes, per-test and per-topic results, the JSON schema."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict

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


@dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, whatever its name

    name: str
    title: str
    outcome: Status
    max_points: float
    message: Text | None = None

    @property
    def points(self) -> float:
        return self.max_points if self.outcome is Status.PASSED else 0.0

    @property
    def graded(self) -> bool:
        """Counted in this grade's maximum: everything but a skipped test."""
        return self.outcome is not Status.SKIPPED


@dataclass(frozen=True)
class TopicResult:
    name: str
    title: Text
    tests: tuple[TestResult, ...]
    hints: tuple[Text, ...] = ()
    #: Seconds the topic's test process ran.
    duration: float = 0.0
    #: Something about the topic as a whole (its test process died, …).
    problem: Text | None = None
    #: The manifest's points: the maximum when no test could be collected.
    declared_points: float = 0.0
    #: The hidden tests could not even be collected: the grader's fault.
    broken: bool = False


@dataclass(frozen=True)
class Report:
    workspace: str
    topics: tuple[TopicResult, ...] = field(default_factory=tuple)
    duration: float = 0.0
    #: Which tier graded (``host.Host.tier``) and what it enforced.
    tier: str = ""
    enforced: tuple[str, ...] = ()


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
