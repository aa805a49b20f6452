"""Fixture submissions graded by the real grader and compared with their expected JSON.

Each ``katas/<case>/`` holds a ``workspace/`` (one scenario: a syntax error, a
function that never returns, a crash, …) and ``expected.json``: the score and
the outcome of every test for each topic graded.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil
import pytest

from .conftest import SELFTESTS, grade

KATAS = sorted(p for p in (SELFTESTS / "katas").iterdir() if (p / "expected.json").is_file())


@pytest.mark.slow
@pytest.mark.parametrize("kata", KATAS, ids=[k.name for k in KATAS])
def test_kata_grades_as_expected(kata: Path, tmp_path: Path) -> None:
    expected = json.loads((kata / "expected.json").read_text(encoding="utf-8"))["topics"]
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    graded = grade("--workspace", kata / "workspace", *expected, tmp_path=tmp_path,
                   env={"KATA_PID_DIR": str(pid_dir)})
    assert graded.data is not None, graded.stderr
    got = {name: {"score": graded.topic(name)["score"], "max_score": graded.topic(name)["max_score"],
                  "outcomes": graded.outcomes(name)} for name in expected}
    assert got == expected
    all_passed = all(o == "passed" for t in expected.values() for o in t["outcomes"].values())
    assert graded.returncode == (0 if all_passed else 1)
    # Every test that did not pass says why.
    for name in expected:
        for test in graded.topic(name)["tests"]:
            assert (test["outcome"] == "passed") == (test["message"] == ""), test


@pytest.mark.slow
def test_nothing_outlives_a_hanging_submission(tmp_path: Path) -> None:
    """The kata whose task never ends and which double-forks out of its session:
    after the grade, every process it noted is gone."""
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    started = time.time()
    graded = grade("--workspace", SELFTESTS / "katas" / "sleeps_forever" / "workspace",
                   "process_function", "process_subclass", tmp_path=tmp_path,
                   env={"KATA_PID_DIR": str(pid_dir)})
    assert graded.returncode == 1
    assert graded.outcomes("process_function")["test_task_writes_two_lines"] == "timeout"
    assert graded.topic("process_subclass")["score"] == 7  # the rest of the grade completed
    noted = [int(p.name) for p in pid_dir.iterdir()]
    assert len(noted) >= 3  # the hanging task and the escaped double-forks
    survivors = []
    for pid in noted:
        try:
            proc = psutil.Process(pid)
            if proc.create_time() <= started + 600 and proc.status() != psutil.STATUS_ZOMBIE:
                survivors.append((pid, proc.cmdline()))
        except psutil.NoSuchProcess:
            continue
    assert survivors == []
