"""Hidden tests: 创建进程方式一 / create a process with Process(target=...).

``start()`` is watched from outside (``grading.testing.watch``): its
interpreter is held open once the function has returned, its children are
sampled from the process table while it runs and right after it returns,
and only then does it go on to its exit (where multiprocessing joins an
ordinary child and kills a daemonic one). The returned Process object is the
student's own word: its pid counts only if the harness saw a process with
that pid below the call (``require_seen``), and "not joined" means that
child was still there, unreaped, when ``start()`` returned.

The log the task writes is read from outside, and its pids compared with the
pids the harness knows: the interpreter that ran the call (``Call.pid``, the
parent) and the child it saw. A log that carries the parent's pid means the
task ran in the parent, which every test that starts a process says first
(``Process(target=task(...))`` runs task at once and starts a process with no
target).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from grading.testing import (
    ZOMBIE,
    Call,
    ProcessSnapshot,
    Sandbox,
    Text,
    Watched,
    check,
    fail,
    require_seen,
    watch,
)

NAME = "egon"
#: task sleeps about 0.2 s between its lines; at least this much counts.
LEAST_SLEEP = 0.1
#: Seconds between two looks at the call's children while start() runs.
EVERY = 0.02
#: Seconds start() may take (it should return at once).
LIMIT = 8.0


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def expected_lines(pid: int | None) -> list[str]:
    return [f"{NAME} is running {pid}", f"{NAME} is over {pid}"]


@dataclass(frozen=True)
class Started:
    """A start() call seen from outside."""

    result: Call
    #: What the returned Process object said of itself.
    snapshot: ProcessSnapshot
    #: Its pid, confirmed: a process the harness saw below the call.
    pid: int
    watched: Watched

    def unreaped_at_return(self) -> bool:
        """The child was still there (running, or ended but not reaped) when
        start() returned: nothing had joined it."""
        return self.pid in self.watched.left_behind()

    def running_at_exit(self) -> bool:
        """The child was running when the main process went on to its exit."""
        return self.watched.left_behind().get(self.pid, ZOMBIE) != ZOMBIE


def started_process(sandbox: Sandbox, log: Path) -> Started:
    """Call start(), watched; fail unless it returned a Process object whose
    pid is a real child of the call and whose task did not run in the parent."""
    watched = watch(sandbox, "start", NAME, str(log), limit=LIMIT, every=EVERY, settle=0.0)
    result = watched.result
    value = result.unwrap()
    lines = log_lines(log)
    if any(line.endswith(f" {result.pid}") for line in lines):
        # The task ran in the parent: by p.run() (the Process was never
        # started) or by target=task(...) (a Process with no target started).
        if isinstance(value, ProcessSnapshot) and value.pid is None:
            fail(NEVER_STARTED)
        fail(TARGET_CALLED, lines=lines, pid=result.pid)
    if not isinstance(value, ProcessSnapshot):
        fail(NOT_A_PROCESS, got=repr(value))
    if value.pid is None:
        fail(NEVER_STARTED)
    pid = require_seen(watched, value.pid, NOT_A_CHILD, pid=value.pid)
    started = Started(result, value, pid, watched)
    if started.running_at_exit() and not any("over" in line for line in lines):
        # Running when the main process began its exit, and cut off before its
        # last line: killed at exit, as a daemon is, instead of joined.
        fail(NO_LAST_LINE, lines=lines, pid=pid)
    return started


@pytest.mark.points(1)
def test_task_writes_two_lines(sandbox: Sandbox, tmp_path: Path) -> None:
    """task 写两行日志 / task writes its two log lines"""
    log = tmp_path / "log.txt"
    result = sandbox.call("task", NAME, str(log))
    result.unwrap()
    lines = log_lines(log)
    want = expected_lines(result.pid)
    check(lines == want, TASK_LOG, name=NAME, pid=result.pid, lines=lines, want=want)
    took = result.elapsed or 0.0
    check(took >= LEAST_SLEEP, TASK_NO_SLEEP, took=took)


@pytest.mark.points(1)
def test_start_returns_without_joining(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """start 启动进程后立即返回，不 join / start() starts the process and returns without joining"""
    started = started_process(sandbox, tmp_path / "log.txt")
    # Seen while start() ran, gone (reaped) by the time it returned: joined.
    check(started.unreaped_at_return(), ALREADY_ENDED, pid=started.pid)


@pytest.mark.points(1)
def test_task_runs_in_the_child(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """日志来自子进程的 pid / the log lines come from the child's pid"""
    log = tmp_path / "log.txt"
    started = started_process(sandbox, log)
    lines = log_lines(log)
    want = expected_lines(started.pid)
    check(lines == want, CHILD_LOG, lines=lines, pid=started.pid, want=want)


@pytest.mark.points(1)
def test_program_waits_for_child(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """主进程结束前子进程完成，不留下进程 / the child finishes, nothing is left running"""
    log = tmp_path / "log.txt"
    started = started_process(sandbox, log)
    result = started.result
    check(not result.leftovers, LEFT_RUNNING, pids=[p.pid for p in result.leftovers])
    lines = log_lines(log)
    check(lines[-1:] == [f"{NAME} is over {started.pid}"], NO_LAST_LINE, lines=lines, pid=started.pid)


# -- messages ------------------------------------------------------------------

TARGET_CALLED = Text(
    en="the log {lines!r} carries the parent's pid {pid}: task ran in the main process. Pass "
       "the function itself, target=task, with args=(name, log_path) — target=task(...) calls "
       "it at once, in the parent, and gives Process its return value (None) as the target.",
    zh="日志 {lines!r} 中是父进程的 pid {pid}：task 在主进程里运行了。应传函数本身 target=task，"
       "参数放在 args=(name, log_path)——target=task(...) 会立刻在父进程中调用它，"
       "再把它的返回值（None）作为 target 交给 Process。",
)
NOT_A_PROCESS = Text(
    en="start() returned {got}; it must return the Process object it started (`return p`).",
    zh="start() 返回了 {got}；它应当返回所启动的 Process 对象（`return p`）。",
)
TASK_LOG = Text(
    en="called task({name!r}, log_path) in a process with pid {pid}; the log holds {lines!r}, "
       "expected {want!r}.",
    zh="在 pid 为 {pid} 的进程里调用 task({name!r}, log_path)；日志内容是 {lines!r}，应为 {want!r}。",
)
TASK_NO_SLEEP = Text(
    en="task() returned after {took:.2f} s; it should sleep about 0.2 s between the lines.",
    zh="task() 用了 {took:.2f} 秒就返回了；两行之间应睡眠约 0.2 秒。",
)
NEVER_STARTED = Text(
    en="start() returned a Process that was never started: call p.start() (p.run() runs the "
       "task in the current process instead).",
    zh="start() 返回的进程没有启动：要调用 p.start()（p.run() 只会在当前进程里执行任务）。",
)
ALREADY_ENDED = Text(
    en="when start() returned, its process (pid {pid}) had already ended and been reaped: start() "
       "waited for it. Remove the p.join() — the main process goes on while the child runs.",
    zh="start() 返回时，它的子进程（pid {pid}）已经结束并被回收：start() 等了它。"
       "去掉 p.join()——子进程运行时主进程继续往下执行。",
)
NOT_A_CHILD = Text(
    en="start() returned a Process whose pid is {pid}, but no process with that pid was ever "
       "started by the call: the grader watches the processes a call starts, and saw none with "
       "it. Create the process with multiprocessing.Process(target=task, args=(name, log_path)), "
       "call p.start() and return p.",
    zh="start() 返回的 Process 的 pid 是 {pid}，但这次调用从未启动过这个 pid 的进程："
       "评分程序会观察调用启动的进程，没有看到它。用 multiprocessing.Process(target=task, "
       "args=(name, log_path)) 创建进程，调用 p.start()，再 return p。",
)
CHILD_LOG = Text(
    en="after the program ended the log holds {lines!r}; expected the child's (pid {pid}) two "
       "lines {want!r}.",
    zh="程序结束后日志内容是 {lines!r}；应为子进程（pid {pid}）写的两行 {want!r}。",
)
LEFT_RUNNING = Text(
    en="processes were still running after the program ended: {pids}.",
    zh="程序结束后仍有进程在运行：{pids}。",
)
NO_LAST_LINE = Text(
    en="the child (pid {pid}) never wrote its last line (the log holds {lines!r}). A daemon child "
       "(daemon=True) is killed when the main process ends; this one must run to its end.",
    zh="子进程（pid {pid}）没有写出最后一行（日志内容 {lines!r}）。守护进程（daemon=True）"
       "会随主进程结束而被杀死；这里的子进程必须运行完。",
)
