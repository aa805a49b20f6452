"""The pytest plugin, driven with pytester: outcomes, messages and the JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT

TESTS = '''
import time
import pytest
from grading.errors import NotWritten, StudentCrashed, StudentTimedOut
from grading.i18n import Text
from grading.testing import check, fail

@pytest.mark.points(2)
def test_ok():
    """好 / fine"""

@pytest.mark.points(1)
def test_wrong():
    """错 / wrong"""
    check(1 == 2, Text(en="got {got}, expected 2", zh="得到 {got}，应为 2"), got=1)

@pytest.mark.points(1)
def test_bare_assert():
    x = 1
    assert x == 2, "x should be 2"

@pytest.mark.points(1)
def test_crash():
    raise StudentCrashed(Text(en="boom", zh="崩"))

@pytest.mark.points(1)
def test_slow():
    raise StudentTimedOut(Text(en="slow", zh="慢"))

@pytest.mark.points(1)
def test_harness_broke():
    {}["missing"]

@pytest.mark.points(1)
@pytest.mark.timeout(0.5)
def test_backstop():
    time.sleep(5)

@pytest.mark.points(1)
def test_not_written():
    raise NotWritten(Text(en="todo", zh="待写"))

@pytest.mark.points(1)
def test_paths(tmp_path, workspace):
    fail(Text(en=f"no {tmp_path}/x.bin, see {workspace}/mod.py", zh="同上"))

@pytest.mark.points(0.5)
def test_methods(start_method):
    assert start_method in ("fork", "spawn")
'''


def run(pytester: pytest.Pytester, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    pytester.makepyfile(test_demo=TESTS)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # as the runner starts it
    report = tmp_path / "report.jsonl"
    (tmp_path / "scratch").mkdir()
    pytester.runpytest_subprocess("-p", "pytest_timeout", "-p", "grading.plugin",
                                  "--grading-report", str(report), "--workspace", str(tmp_path),
                                  "--timeout-method", "signal",
                                  "--basetemp", str(tmp_path / "scratch" / "basetemp"))
    records = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert sum(r["event"] == "collected" for r in records) == 11
    assert sum(r["event"] == "start" for r in records) == 11  # what the live display shows
    return {r["name"]: r for r in records if r["event"] == "result"}


def test_outcomes_and_messages(pytester: pytest.Pytester, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    results = run(pytester, tmp_path, monkeypatch)
    outcome = {name: r["outcome"] for name, r in results.items()}
    assert outcome == {
        "test_ok": "passed", "test_wrong": "failed", "test_bare_assert": "failed",
        "test_crash": "error", "test_slow": "timeout", "test_harness_broke": "error",
        "test_backstop": "timeout", "test_methods[fork]": "passed", "test_methods[spawn]": "passed",
        "test_not_written": "failed", "test_paths": "failed",
    }
    assert results["test_wrong"]["message"] == {"en": "got 1, expected 2", "zh": "得到 1，应为 2"}
    assert results["test_bare_assert"]["message"]["en"] == "x should be 2"  # no introspection
    assert "KeyError" in results["test_harness_broke"]["message"]["en"]
    assert results["test_ok"]["title"] == {"zh": "好", "en": "fine"} and results["test_ok"]["points"] == 2
    assert results["test_not_written"]["kind"] == "not_written"
    assert results["test_wrong"]["kind"] == ""
    # Paths in messages: workspace-relative, the grader's scratch as a placeholder.
    said = results["test_paths"]["message"]["en"]
    assert said == "no <scratch>/test_paths0/x.bin, see mod.py", said
    assert results["test_methods[fork]"]["points"] == 0.5
