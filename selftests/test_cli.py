"""The grader's face: usage errors say the rule, exit codes follow the contract."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grading import catalog, cli

from .conftest import ENGINE_TESTS, KATAS, ROOT, Kata, committed_stub, grade, noted_alive

TOPICS = {t.name: t for t in catalog.load(ROOT / "tests")}


def run_cli(*args: str, env: dict[str, str] | None = None,
            cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "grader.py"), *args], cwd=cwd, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "GRADER_LANG": "en",
                                          "GRADER_STATE": "off", **(env or {})},
                          stdin=subprocess.DEVNULL, timeout=60)


@pytest.mark.parametrize(("argv", "sentence"), [
    (["--workspace", "no/such/folder"], "is not a folder"),
    (["no_such_topic"], "No topic named no_such_topic"),
    (["--jobs", "0"], "is not a whole number >= 1"),
    (["--lang", "fr"], "invalid choice"),
    (["deamon"], "Did you mean daemon? python grader.py daemon"),
    (["daemon", "-k", "nomatch"], "-k nomatch selects no test"),
    (["--all"], "--all goes with --hint TOPIC"),
    (["--hint", "zombie"], "Did you mean zombie_orphan?"),
])
def test_usage_errors_exit_2_with_the_rule(argv: list[str], sentence: str) -> None:
    proc = run_cli(*argv)
    assert proc.returncode == 2
    assert sentence in proc.stderr
    assert "Traceback" not in proc.stderr


def test_list_shows_every_topic_in_order() -> None:
    proc = run_cli("--list", "--lang", "en")
    assert proc.returncode == 0
    names = [line.split()[1] for line in proc.stdout.splitlines()]
    assert names[:2] == ["concepts", "upload_server"] and len(names) == 11
    assert proc.stdout.splitlines()[0].startswith(" 1. concepts")


def test_an_unknown_language_gets_a_note_not_silence() -> None:
    proc = run_cli("--list", env={"GRADER_LANG": "fr"})
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "注意：GRADER_LANG=fr 不是本评分程序支持的语言（zh、en 或 both）；改用 both。 / "
        "Note: GRADER_LANG=fr is not a language of this grader (zh, en or both); using both."]


def workspace_with(tmp_path: Path, **sources: str) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    for name, folder in sources.items():
        if folder == "exercises":  # the stub as committed, not a student's work in progress
            (workspace / f"{name}.py").write_bytes(committed_stub(name))
        else:
            shutil.copy(ROOT / folder / f"{name}.py", workspace / f"{name}.py")
    return workspace


def test_the_last_result_is_remembered_and_listed(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, concepts="solutions", process_function="exercises")
    on = {"GRADER_STATE": ""}
    graded = run_cli("concepts", "--workspace", str(workspace), env=on)
    assert graded.returncode == 0, graded.stderr
    assert "Next: python grader.py upload_server --workspace" in graded.stdout
    state = json.loads((workspace / ".grader-state.json").read_text(encoding="utf-8"))
    assert state["topics"]["concepts"]["score"] == 8
    listed = run_cli("--list", "--workspace", str(workspace), env=on).stdout.splitlines()
    assert "✓ 8/8" in listed[0] and "—" in listed[1]
    # A corrupt file is noted and forgotten, never a crash; the next grade replaces it.
    (workspace / ".grader-state.json").write_text("{not json", encoding="utf-8")
    listed_again = run_cli("--list", "--workspace", str(workspace), env=on)
    assert listed_again.returncode == 0 and "could not be read" in listed_again.stderr
    assert "✓" not in listed_again.stdout


def test_hint_gives_the_next_level_each_time(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, concepts="exercises")
    on = {"GRADER_STATE": ""}
    graded = run_cli("concepts", "--workspace", str(workspace), env=on)
    assert graded.returncode == 1
    nudges = [h.levels[0].en for h in TOPICS["concepts"].hints]
    apis = [h.levels[1].en for h in TOPICS["concepts"].hints]
    # The report showed the nudges of the first two; the first --hint goes one level deeper
    # for those, the second adds the next hint in full: then there is no more.
    first = run_cli("--hint", "concepts", "--workspace", str(workspace), env=on)
    assert first.returncode == 0
    shown = first.stdout.replace("\n", " ")
    assert all(api[:30] in shown for api in apis[:2]) and apis[2][:30] not in shown, first.stdout
    assert "gives a stronger hint" in first.stdout
    second = run_cli("--hint", "concepts", "--workspace", str(workspace), env=on).stdout
    assert apis[2][:30] in second.replace("\n", " ") and "That is the last level" in second
    everything = run_cli("--hint", "concepts", "--all", "--workspace", str(workspace), env=on).stdout
    assert all(text[:30] in everything for text in nudges + apis)


def test_quiet_prints_only_the_total(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, concepts="solutions")
    proc = run_cli("concepts", "--quiet", "--workspace", str(workspace))
    assert proc.stdout.splitlines() == ["Total: 8/8 (" + proc.stdout.split("(", 1)[1].strip()]
    assert proc.stderr == ""


def test_a_k_that_selects_nothing_reports_no_topic() -> None:
    proc = run_cli("daemon", "-k", "nomatch")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines()[0] == "ERROR -k nomatch selects no test in the topics chosen."


def test_main_returns_instead_of_exiting(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list", "--lang", "en"]) == 0
    assert "process_function" in capsys.readouterr().out


def stub_workspace(tmp_path: Path) -> Path:
    """The engine's fixture stub: every toy_math test fails (not written yet)."""
    return Kata.load(KATAS / "not_written").build(tmp_path)


def test_unwritable_report_is_a_usage_error_before_grading(tmp_path: Path) -> None:
    proc = run_cli("--tests", str(ENGINE_TESTS), "toy_math", "--json", str(tmp_path))
    assert proc.returncode == 2 and "Cannot write the report" in proc.stderr


def test_pytest_settings_from_the_environment_are_ignored(tmp_path: Path) -> None:
    """(Exit statuses 0 and 1 are pinned by the katas' goldens.)"""
    graded = grade("--tests", ENGINE_TESTS, "--workspace", stub_workspace(tmp_path), "toy_math",
                   tmp_path=tmp_path, env={"PYTEST_ADDOPTS": "--bogus -x"})
    assert graded.returncode == 1
    # -x would have stopped at the first failure: all three ran.
    assert list(graded.outcomes("toy_math").values()) == ["failed"] * 3


def test_sigterm_stops_the_grade_and_everything_it_started(tmp_path: Path) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    workspace = Kata.load(KATAS / "sleeps_forever").build(tmp_path)
    grader = subprocess.Popen(
        [sys.executable, "grader.py", "--quiet", "--tests", str(ENGINE_TESTS), "--workspace",
         str(workspace), "toy_process"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "KATA_PID_DIR": str(pid_dir), "GRADER_LANG": "en", "GRADER_STATE": "off"})
    deadline = time.monotonic() + 60
    while not any(pid_dir.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any(pid_dir.iterdir()), "the kata never started"
    grader.send_signal(signal.SIGTERM)
    _, err = grader.communicate(timeout=20)
    assert grader.returncode == 2 and "Interrupted" in err
    assert "process_function" not in err, err  # the topic cut short is not reported as a result
    time.sleep(0.5)
    assert noted_alive(pid_dir) == []


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


def test_the_report_survives_a_narrow_console_encoding(tmp_path: Path) -> None:
    """Redirected on Windows, stdout is cp1252 or cp936: the report comes out in UTF-8."""
    proc = subprocess.run([sys.executable, str(ROOT / "grader.py"), "--list", "--lang", "zh"],
                          cwd=ROOT, capture_output=True, env={**os.environ, "PYTHONIOENCODING": "cp1252"},
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "多道技术" in proc.stdout.decode("utf-8")


def test_missing_packages_are_named_with_the_command_that_installs_them() -> None:
    """Without its site-packages (``-S``) the interpreter has none of the
    grader's packages: one plain message and exit status 2, no traceback."""
    done = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "grader.py"), "--list"], cwd=ROOT,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == cli.EXIT_USAGE
    assert "Traceback" not in done.stderr
    assert "not installed for this Python: pytest, pytest-timeout, psutil, rich" in done.stderr
    assert f'"{sys.executable}" -m pip install -r requirements.txt' in done.stderr
    assert "软件包没有为这个 Python 安装" in done.stderr
