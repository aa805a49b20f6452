"""The grader on Windows and macOS, proven on Linux: a capability-removed grade.

``platforms/wrapper.sh`` stands in for the interpreter of every process of
the grade (the grader, its topic processes, every call) and ``boot.py`` takes
away what the simulated system lacks before the command runs (Windows: fork,
process groups, POSIX signals, ``resource``, ``pass_fds``, every start method
but spawn, ``\\n`` line ends; macOS: ``waitid``, ``prlimit``, and the tier's
missing subreaper and ``/proc``). The grade must then come out right for that
tier: every graded point for the solutions, zero for the stubs, what the tier
cannot observe skipped with its reason (its points reserved, not dropped),
the exit status counting only what was graded, nothing left running.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import psutil
import pytest

from grading import patching

from .conftest import ROOT, SELFTESTS, Graded, grade, stub_copy

PLATFORMS = SELFTESTS / "platforms"
#: A few of the lesson's mistakes that must still be caught there.
MISTAKES = [("daemon", "daemon_forgotten.patch"), ("process_function", "joins.patch")]


def simulate(system: str, *args: str | Path, tmp_path: Path) -> Graded:
    # A copy of the stand-ins per grade: every process of this grade names its
    # own boot.py on its command line, so what it left is told from another
    # grade's running beside it.
    sim = tmp_path / "sim"
    sim.mkdir()
    for name in ("boot.py", "wrapper.sh"):
        shutil.copy2(PLATFORMS / name, sim / name)
    env = {"GRADING_SIMULATE": system, "GRADING_HOST": system,
           "GRADING_SIMULATE_REAL": sys.executable,
           "GRADING_SIMULATE_BOOT": str(sim / "boot.py"),
           "GRADING_SIMULATE_PYTHON": str(sim / "wrapper.sh")}
    return grade(*args, tmp_path=tmp_path, env=env, python=str(sim / "wrapper.sh"))


def _left_running(tmp_path: Path) -> list[str]:
    """Processes still running whose command line names this grade's stand-ins."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status", "ppid"]):
        line = " ".join(proc.info["cmdline"] or [])
        if proc.pid != os.getpid() and str(tmp_path / "sim") in line:
            found.append(f"{proc.pid} ({proc.info['status']}, parent {proc.info['ppid']}): {line}")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("system", ["windows", "macos"])
def test_solutions_score_every_graded_point(system: str, tmp_path: Path) -> None:
    graded = simulate(system, "--workspace", ROOT / "solutions", tmp_path=tmp_path)
    assert graded.data is not None, graded.stderr
    assert graded.data["tier"] == system
    skipped = [(t["name"], x["name"], x["message"]) for t in graded.data["topics"] for x in t["tests"]
               if x["outcome"] == "skipped"]
    failed = [(t["name"], x["name"], x["message"]) for t in graded.data["topics"] for x in t["tests"]
              if x["outcome"] not in ("passed", "skipped")]
    assert failed == []
    assert graded.data["score"] == graded.data["max_score"] > 0
    assert graded.data["reserved"] == sum(
        x["max_points"] for t in graded.data["topics"] for x in t["tests"] if x["outcome"] == "skipped")
    assert graded.data["score"] + graded.data["reserved"] == 100
    assert all(message for _, _, message in skipped)  # each says why
    if system == "windows":
        assert any("[fork]" in name for _, name, _ in skipped)  # no fork there
    assert graded.returncode == 0
    assert _left_running(tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize("system", ["windows", "macos"])
def test_stubs_score_zero(system: str, tmp_path: Path) -> None:
    graded = simulate(system, "--workspace", stub_copy(tmp_path / "stubs"), tmp_path=tmp_path)
    assert graded.data is not None, graded.stderr
    assert graded.data["score"] == 0 and graded.data["max_score"] > 0
    assert graded.returncode == 1


@pytest.mark.slow
@pytest.mark.parametrize("topic, patch", MISTAKES)
def test_mistakes_are_caught_on_windows(topic: str, patch: str, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    solution = (ROOT / "solutions" / f"{topic}.py").read_text(encoding="utf-8")
    diff = (SELFTESTS / "mistakes" / topic / patch).read_text(encoding="utf-8")
    (workspace / f"{topic}.py").write_text(patching.apply(solution, diff), encoding="utf-8")
    graded = simulate("windows", "--workspace", workspace, topic, tmp_path=tmp_path)
    assert graded.data is not None, graded.stderr
    assert graded.topic(topic)["score"] < graded.topic(topic)["max_score"]
    assert graded.returncode == 1
