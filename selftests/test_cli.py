"""The grader's face: usage errors say the rule, exit codes follow the contract."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from grading import cli

from .conftest import ROOT, SELFTESTS, grade


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "grader.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "GRADER_LANG": "en"},
                          stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.parametrize(("argv", "sentence"), [
    (["--workspace", "no/such/folder"], "is not a folder"),
    (["no_such_topic"], "No topic named no_such_topic"),
    (["--jobs", "0"], "is not a whole number >= 1"),
    (["--lang", "fr"], "invalid choice"),
])
def test_usage_errors_exit_2_with_the_rule(argv: list[str], sentence: str) -> None:
    proc = run_cli(*argv)
    assert proc.returncode == 2
    assert sentence in proc.stderr
    assert "Traceback" not in proc.stderr


def test_list_shows_every_topic_in_order() -> None:
    proc = run_cli("--list", "--lang", "en")
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()]
    assert names[:2] == ["concepts", "upload_server"] and len(names) == 11


def test_main_returns_instead_of_exiting(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list", "--lang", "en"]) == 0
    assert "process_function" in capsys.readouterr().out


def test_exit_1_when_a_test_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    json_file = tmp_path / "r.json"
    proc = run_cli("process_function", "--quiet", "--json", str(json_file))
    assert proc.returncode == 1 and json_file.exists()


def test_unwritable_report_is_a_usage_error_before_grading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("process_function", "--json", str(tmp_path))
    assert proc.returncode == 2 and "Cannot write the report" in proc.stderr


def test_pytest_settings_from_the_environment_are_ignored(tmp_path) -> None:  # type: ignore[no-untyped-def]
    graded = grade("process_function", tmp_path=tmp_path, env={"PYTEST_ADDOPTS": "--bogus -x"})
    assert graded.returncode == 1
    assert set(graded.outcomes("process_function").values()) == {"failed"}
    assert len(graded.outcomes("process_function")) == 7


@pytest.mark.slow
def test_sigterm_stops_the_grade_and_everything_it_started(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    grader = subprocess.Popen(
        [sys.executable, "grader.py", "--quiet", "--workspace",
         str(SELFTESTS / "katas" / "sleeps_forever" / "workspace"), "process_function"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "KATA_PID_DIR": str(pid_dir), "GRADER_LANG": "en"})
    deadline = time.monotonic() + 60
    while not any(pid_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any(pid_dir.iterdir()), "the kata never started"
    grader.send_signal(signal.SIGTERM)
    _, err = grader.communicate(timeout=20)
    assert grader.returncode == 2 and "Interrupted" in err
    time.sleep(0.5)
    alive = [int(p.name) for p in pid_dir.iterdir()
             if psutil.pid_exists(int(p.name)) and psutil.Process(int(p.name)).status() != "zombie"]
    assert alive == []


def test_an_unexpected_error_is_one_error_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from grading import cli, runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the grader")

    monkeypatch.setattr(runner, "run", broken)
    monkeypatch.setenv("GRADER_LANG", "en")
    assert cli.main(["concepts", "--lang", "en", "--quiet"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR The grader itself failed (RuntimeError: a bug")
