"""Points: pure functions of the results."""

from __future__ import annotations

from .results import Report, Status, TopicResult


def _round(value: float) -> float:
    # Points are halves and wholes; rounding hides float noise in sums.
    return round(value, 2)


def topic_score(topic: TopicResult) -> float:
    return _round(sum(t.points for t in topic.tests))


def topic_max(topic: TopicResult) -> float:
    """What the topic is worth in this grade: its skipped tests are not (see ``topic_reserved``)."""
    if not topic.tests:
        return _round(topic.declared_points)
    return _round(sum(t.max_points for t in topic.tests if t.graded))


def topic_reserved(topic: TopicResult) -> float:
    """Points of the topic's skipped tests: graded on another tier."""
    return _round(sum(t.max_points for t in topic.tests if not t.graded))


def total_score(report: Report) -> float:
    return _round(sum(topic_score(t) for t in report.topics))


def total_max(report: Report) -> float:
    return _round(sum(topic_max(t) for t in report.topics))


def total_reserved(report: Report) -> float:
    return _round(sum(topic_reserved(t) for t in report.topics))


def all_passed(report: Report) -> bool:
    """Every graded test passed (a skipped one counts neither way)."""
    return all(t.outcome is Status.PASSED for topic in report.topics for t in topic.tests
               if t.graded) and all(topic.tests and topic.problem is None for topic in report.topics)
