"""``grader.py verify`` on a throw-away copy of the checkout: sound, then broken three ways.

One quick topic (concepts) keeps each run to seconds; each broken copy must
fail with the sentence that names the breach, where it is, and what to run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, copy_checkout

TOPIC = "concepts"


def checkout_copy(tmp_path: Path) -> Path:
    return copy_checkout(tmp_path / "checkout")


def verify(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(root / "grader.py"), "verify", "--quiet", *args],
                          capture_output=True, text=True, cwd=root, timeout=300,
                          env={**os.environ, "GRADER_LANG": "en", "NO_COLOR": "1"})


@pytest.mark.slow
def test_sound_topic_passes(tmp_path: Path) -> None:
    proc = verify(checkout_copy(tmp_path), TOPIC)  # (the stubs as committed: exercises/ may hold work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verify: every topic is sound." in proc.stdout
    assert re.search(rf"{TOPIC}\s+│ ✓\s+│ ✓\s+│ ✓\s+│ ✓ (\d+)/\1", proc.stdout), proc.stdout


@pytest.mark.slow
def test_broken_solution_is_named(tmp_path: Path) -> None:
    root = checkout_copy(tmp_path)
    solution = root / "solutions" / f"{TOPIC}.py"
    text = solution.read_text(encoding="utf-8")
    right = re.search(r'"q1": "(\w)"', text)
    assert right
    wrong = "B" if right.group(1) != "B" else "C"
    solution.write_text(text.replace(right.group(0), f'"q1": "{wrong}"'), encoding="utf-8")
    proc = verify(root, TOPIC)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "✗ concepts [solution]: the solution loses points on test_q1_space_multiplexing (failed)" \
        in proc.stdout
    assert "where: solutions/concepts.py" in proc.stdout
    assert "next: python grader.py --workspace solutions concepts" in proc.stdout


@pytest.mark.slow
def test_solved_stub_is_named(tmp_path: Path) -> None:
    root = checkout_copy(tmp_path)
    shutil.copy(root / "solutions" / f"{TOPIC}.py", root / "exercises" / f"{TOPIC}.py")
    proc = verify(root, TOPIC)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "✗ concepts [stub]: the untouched stub passes test_q1_space_multiplexing: a stub must " \
        "score zero on every test" in proc.stdout
    assert "where: exercises/concepts.py" in proc.stdout and "next: python grader.py concepts" in proc.stdout


@pytest.mark.slow
def test_mistake_no_longer_caught_is_named(tmp_path: Path) -> None:
    root = checkout_copy(tmp_path)
    expect = root / "selftests" / "mistakes" / TOPIC / "expect.toml"
    text = expect.read_text(encoding="utf-8")
    # The hidden test that caught it is weakened: the question it guarded is not graded any more.
    tests = root / "tests" / f"test_{TOPIC}.py"
    source = tests.read_text(encoding="utf-8")
    assert '    _grade(sandbox, "q5")' in source and "parallel_on_one_core.patch" in text
    tests.write_text(source.replace('    _grade(sandbox, "q5")', "    pass"), encoding="utf-8")
    proc = verify(root, TOPIC)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "✗ concepts [variants]: the mistaken variant parallel_on_one_core.patch is no longer " \
        "caught: test_q5_concurrency_vs_parallelism passed on it" in proc.stdout
    assert "where: selftests/mistakes/concepts/parallel_on_one_core.patch" in proc.stdout
    assert "next: python -m pytest selftests/test_mistakes.py -k concepts-parallel_on_one_core" in proc.stdout


@pytest.mark.parametrize("argv", [["verify", "no_such_topic"]])
def test_unknown_topic_is_a_usage_error(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "grader.py"), *argv], capture_output=True,
                          text=True, cwd=ROOT, env={**os.environ, "GRADER_LANG": "en"})
    assert proc.returncode == 2 and "No topic named no_such_topic" in proc.stderr


@pytest.mark.slow
def test_coverage_is_measured_where_calls_are_contained(tmp_path: Path) -> None:
    # process_function's code runs in forked and spawned children: on the
    # trusted tier (root here) their coverage hooks must still write data.
    proc = verify(checkout_copy(tmp_path), "--coverage", "process_function")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    row = re.search(r"process_function .*│\s+([\d.]+) %\s+│\s+([\d.]+) %", proc.stdout)
    assert row, proc.stdout
    assert float(row.group(1)) >= 95 and float(row.group(2)) >= 95, proc.stdout
