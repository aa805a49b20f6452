"""The grader's face: usage errors say the rule, exit codes follow the contract."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grading import cli

from .conftest import ROOT


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
