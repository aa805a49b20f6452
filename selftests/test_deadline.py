"""The grade's own deadline: past it everything is killed, and the report is still written."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import psutil
import pytest

from grading import catalog, runner
from grading.messages import GRADE_DEADLINE

from .conftest import SELFTESTS

ENGINE_TESTS = SELFTESTS / "engine" / "tests"


def test_past_the_deadline_the_grade_ends_and_says_so(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    shutil.copy(SELFTESTS / "engine" / "solutions" / "toy_math.py", workspace)
    shutil.copy(SELFTESTS / "katas" / "sleeps_forever" / "toy_process.py", workspace)
    topics = catalog.load(ENGINE_TESTS)
    monkeypatch.setattr(runner, "grade_deadline", lambda topics, jobs: 3.0)
    # What earlier tests in this process keep running (their call helpers) is not this grade's.
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    started = time.monotonic()
    report = runner.run(topics, workspace)
    assert time.monotonic() - started < 15
    by_name = {t.name: t for t in report.topics}
    assert by_name["toy_math"].problem is None  # finished in time: graded in full
    assert by_name["toy_process"].problem == GRADE_DEADLINE
    assert by_name["toy_process"].tests == ()
    left = [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and p.status() != psutil.STATUS_ZOMBIE]
    assert left == []
