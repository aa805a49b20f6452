"""Hidden tests of the engine's fixture topic toy_process: a child process, both start methods."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading.testing import Call, ProcessSnapshot, Sandbox, Text, check, fail

#: Seconds a call may take: a correct one needs well under one.
CALL_LIMIT = 4


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def started(sandbox: Sandbox, log: Path) -> tuple[Call, ProcessSnapshot]:
    """Call start(); fail unless it returned a Process."""
    result = sandbox.call("start", str(log), timeout=CALL_LIMIT)
    value = result.unwrap()
    if not isinstance(value, ProcessSnapshot):
        fail(NOT_A_PROCESS, value=repr(value))
    return result, value


@pytest.mark.points(1)
def test_task_writes_its_pid(sandbox: Sandbox, tmp_path: Path) -> None:
    """task 写入自己的 pid / task() logs its own pid"""
    log = tmp_path / "log.txt"
    result = sandbox.call("task", str(log), timeout=CALL_LIMIT)
    result.unwrap()
    want = [f"pid {result.pid}"]
    check(log_lines(log) == want, LOG_WRONG, pid=result.pid, lines=repr(log_lines(log)), want=repr(want))


@pytest.mark.points(1)
def test_start_returns_a_running_process(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """start 返回仍在运行的进程 / start() returns its process still running"""
    _, proc = started(sandbox, tmp_path / "log.txt")
    check(proc.pid is not None, NEVER_STARTED)
    check(proc.alive, ALREADY_ENDED, exitcode=proc.exitcode)


@pytest.mark.points(1)
def test_task_runs_in_the_child(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """task 在子进程里运行 / task() runs in the child"""
    log = tmp_path / "log.txt"
    result, proc = started(sandbox, log)
    want = [f"pid {proc.pid}"]
    check(log_lines(log) == want and proc.pid != result.pid, NOT_IN_CHILD,
          lines=repr(log_lines(log)), want=repr(want), parent=result.pid)


NOT_A_PROCESS = Text(
    en="start(log_path) returned {value}; it must return the Process it started (`return p`).",
    zh="start(log_path) 返回了 {value}；它应当返回所启动的 Process（`return p`）。",
)
LOG_WRONG = Text(
    en="called task(log_path) in the process with pid {pid}; the log holds {lines}, expected {want}.",
    zh="在 pid {pid} 的进程里调用 task(log_path)；日志内容是 {lines}，应为 {want}。",
)
NEVER_STARTED = Text(
    en="start() returned a Process that was never started: call p.start().",
    zh="start() 返回的进程从未启动：要调用 p.start()。",
)
ALREADY_ENDED = Text(
    en="when start() returned, its process had already ended (exit code {exitcode}): "
       "start() must not wait for it (no p.join()).",
    zh="start() 返回时它的进程已经结束（退出码 {exitcode}）：start() 不应等待它（不要 p.join()）。",
)
NOT_IN_CHILD = Text(
    en="after start(log_path) (called in pid {parent}) the log holds {lines}; expected {want}, "
       "one line written by the child process it started.",
    zh="调用 start(log_path)（在 pid {parent} 中）之后，日志内容是 {lines}；应为 {want}，"
       "由它启动的子进程写入的一行。",
)
