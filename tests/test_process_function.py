"""Hidden tests: 创建进程方式一 / create a process with Process(target=...)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grading.sandbox import Call, ProcessSnapshot, Sandbox
from grading.testing import check, fail

NAME = "egon"


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def expected_lines(pid: int | None) -> list[str]:
    return [f"{NAME} is running {pid}", f"{NAME} is over {pid}"]


def started_process(sandbox: Sandbox, log: Path) -> tuple[Call, ProcessSnapshot]:
    """Call start(); fail unless it returned a Process object."""
    result = sandbox.call("start", NAME, str(log), timeout=15)
    value = result.unwrap()
    if not isinstance(value, ProcessSnapshot):
        fail(Text(en=f"start() returned {value!r}; it must return the Process object it started "
                "(`return p`).",
            zh=f"start() 返回了 {value!r}；它应当返回所启动的 Process 对象（`return p`）。"))
    return result, value


@pytest.mark.points(1)
def test_task_writes_two_lines(sandbox: Sandbox, tmp_path: Path) -> None:
    """task 写两行日志 / task writes its two log lines"""
    log = tmp_path / "log.txt"
    result = sandbox.call("task", NAME, str(log))
    result.unwrap()
    lines = log_lines(log)
    want = expected_lines(result.pid)
    check(lines == want, Text(en=f"called task({NAME!r}, log_path) in a process with pid {result.pid}; the log holds "
             f"{lines!r}, expected {want!r}.",
        zh=f"在 pid 为 {result.pid} 的进程里调用 task({NAME!r}, log_path)；日志内容是 {lines!r}，"
             f"应为 {want!r}。"))
    check(result.elapsed is not None and result.elapsed >= 0.1, Text(en=f"task() returned after {result.elapsed:.2f} s; it should sleep about 0.2 s between the lines.",
        zh=f"task() 用了 {result.elapsed:.2f} 秒就返回了；两行之间应睡眠约 0.2 秒。"))


@pytest.mark.points(1)
def test_start_returns_without_joining(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """start 启动进程后立即返回，不 join / start() starts the process and returns without joining"""
    _, proc = started_process(sandbox, tmp_path / "log.txt")
    if proc.pid is None:
        fail(Text(en="start() returned a Process that was never started: call p.start() "
                "(p.run() runs the task in the current process instead).",
            zh="start() 返回的进程没有启动：要调用 p.start()（p.run() 只会在当前进程里执行任务）。"))
    check(proc.alive, Text(en=f"when start() returned, its process had already ended (exit code {proc.exitcode}): "
             "start() must not wait for it. Remove the p.join() — the main process goes on "
             "while the child runs.",
        zh=f"start() 返回时子进程已经结束（退出码 {proc.exitcode}）：start() 不应等待它。"
             "去掉 p.join()——子进程运行时主进程继续往下执行。"))


@pytest.mark.points(1)
def test_task_runs_in_the_child(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """日志来自子进程的 pid / the log lines come from the child's pid"""
    log = tmp_path / "log.txt"
    result, proc = started_process(sandbox, log)
    lines = log_lines(log)
    if any(str(result.pid) in line for line in lines):
        fail(Text(en=f"the log {lines!r} carries the parent's pid {result.pid}: task ran in the main "
                "process. Pass the function itself, target=task, with args=(name, log_path) — "
                "target=task(...) calls it at once, in the parent.",
            zh=f"日志 {lines!r} 中是父进程的 pid {result.pid}：task 在主进程里运行了。"
                "应传函数本身 target=task，参数放在 args=(name, log_path)——"
                "target=task(...) 会立刻在父进程中调用它。"))
    want = expected_lines(proc.pid)
    check(lines == want, Text(en=f"after the program ended the log holds {lines!r}; expected the child's "
             f"(pid {proc.pid}) two lines {want!r}.",
        zh=f"程序结束后日志内容是 {lines!r}；应为子进程（pid {proc.pid}）写的两行 {want!r}。"))


@pytest.mark.points(1)
def test_program_waits_for_child(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """主进程结束前子进程完成，不留下进程 / the child finishes, nothing is left running"""
    log = tmp_path / "log.txt"
    result, proc = started_process(sandbox, log)
    check(not result.leftovers, Text(en=f"processes were still running after the program ended: {[p.pid for p in result.leftovers]}.",
        zh=f"程序结束后仍有进程在运行：{[p.pid for p in result.leftovers]}。"))
    lines = log_lines(log)
    check(lines[-1:] == [f"{NAME} is over {proc.pid}"], Text(en=f"the child never wrote its last line (the log holds {lines!r}). A daemon child "
             "(daemon=True) is killed when the main process ends; this one must run to its end.",
        zh=f"子进程没有写出最后一行（日志内容 {lines!r}）。守护进程（daemon=True）"
             "会随主进程结束而被杀死；这里的子进程必须运行完。"))
