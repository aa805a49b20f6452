"""Hidden tests for `zombie_orphan` (僵尸进程与孤儿进程).

Everything is observed from outside the student's interpreter, with psutil:

- ``reap``: the call is held alive after it returns (``hold=True``), and the
  process table shows whether any child of it is left, a zombie (ended, never
  reaped) or still running.
- ``orphan``: the interpreter must die without answering (``os._exit``), with
  exit status 0, while the child it started still runs; the child, read from
  the pid file, must then be alive and have a new parent. On Linux the test
  process is a child subreaper, so the new parent is the test process.

The orphan child lives about 1 s after writing its pid, and the interpreter
exits right after ``start()``: the pid shows up within a few tenths of a
second of the call's end and the check is made at once, far inside that
second.
"""
from __future__ import annotations

import time
from pathlib import Path

import psutil
import pytest

from grading.testing import (
    ADOPTION,
    HOST,
    Call,
    Sandbox,
    Text,
    check,
    fail,
    read_pid,
    require_children,
    skip,
    status_of,
    wait_for,
    watch,
)

#: How many children reap(n) starts.
N = 3
#: Seconds a child that was still running when reap returned gets to end,
#: before the test looks for zombies (the stub's short_task sleeps 0.1 s).
SETTLE = 2.0
#: Seconds to wait for the orphan's pid to appear in the pid file.
PID_WAIT = 5.0
#: The orphan child lives about this long after writing its pid ...
ORPHAN_LIFE = 1.0
#: ... so a parent that ended after this share of it had waited for the child.
WAITED_SHARE = 0.8
#: Slack on a process's start time (the clock of the process table is coarse).
CLOCK_SLACK = 1.0


def _running(process: psutil.Process) -> bool:
    return status_of(process) not in (None, psutil.STATUS_ZOMBIE)


# -- reap ------------------------------------------------------------------------


@pytest.mark.points(1)
def test_reap_exit_codes(sandbox: Sandbox, start_method: str) -> None:
    """reap 按启动顺序返回退出码 / reap returns the exit codes in start order"""
    watched = watch(sandbox, "reap", N)
    codes = watched.result.unwrap()
    # [0, 0, 0] can be written in: the children must be real.
    require_children(watched, NO_CHILDREN, n=N, got=repr(codes))
    if not isinstance(codes, (list, tuple)) or len(codes) != N:
        fail(NOT_A_LIST, n=N, got=repr(codes))
    if any(code is None for code in codes):
        fail(EXITCODE_NONE, n=N, got=repr(list(codes)))
    check(all(type(code) is int and code == 0 for code in codes), NOT_ZEROS, n=N, got=repr(list(codes)))


@pytest.mark.points(1)
def test_reap_leaves_no_zombie(sandbox: Sandbox, start_method: str) -> None:
    """reap 返回后没有留下僵尸子进程 / no zombie child is left once reap returns"""
    seen: list[tuple[int, str | None]] = []
    reaped: bool | None = None
    with sandbox.start("reap", N, hold=True) as run:
        # The interpreter now waits, alive, after reap returned: its children
        # are looked at before its own exit could reap them.
        returned = run.returned(8)
        if returned:
            reaped = run.reaped_any_child()
            # A child that still runs may yet end and become a zombie: let it
            # end first, so that the message names what is really wrong.
            wait_for(lambda: not any(_running(k) for k in run.student_children()), SETTLE)
            seen = [(k.pid, status_of(k)) for k in run.student_children()]
        # Not returned within 8 s: it hangs, and waiting longer tells nothing more.
        result = run.finish(8 if returned else 0.5)
    # A crash, a time-out or the untouched stub decides the outcome first.
    codes = result.unwrap()
    if not seen and not reaped:
        # No child left and none reaped: was there ever one?
        if reaped is None:
            skip(CANNOT_SEE_REAPING)
        fail(NO_CHILDREN, n=N, got=repr(codes))
    zombies = [pid for pid, status in seen if status == psutil.STATUS_ZOMBIE]
    running = [pid for pid, status in seen if status not in (None, psutil.STATUS_ZOMBIE)]
    if zombies:
        fail(ZOMBIES, n=N, count=len(zombies), pids=zombies)
    check(not running, STILL_RUNNING, n=N, count=len(running), pids=running, settle=SETTLE)


# -- orphan ----------------------------------------------------------------------


def _orphan_pid(pid_file: Path, result: Call, since: float) -> int | None:
    """The pid the child wrote, if it names a process born during the call
    (not the call's own interpreter, nor one that was there before) and,
    where orphans are adopted by the test process, one the harness found
    left behind by this call: a pid of anybody else's is no orphan of it."""
    wait_for(lambda: read_pid(pid_file) is not None, PID_WAIT)
    pid = read_pid(pid_file)
    if pid is None or pid == result.pid:
        return pid
    try:
        born = psutil.Process(pid).create_time()
    except psutil.Error:
        return pid  # gone already: the test that needs it alive says so
    if born < since - CLOCK_SLACK:
        return None
    if HOST.observes(ADOPTION) and pid not in {left.pid for left in result.leftovers}:
        return None
    return pid


@pytest.mark.points(1)
def test_orphan_parent_dies_abruptly(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """orphan 的父进程用 os._exit(0) 立即死亡 / orphan's parent dies at once with os._exit(0)"""
    pid_file = tmp_path / "orphan.pid"
    since = time.time()
    result = sandbox.call("orphan", str(pid_file), keep_children=True, timeout=6)
    if result.raised("SystemExit"):
        fail(SYS_EXIT, wall=result.wall)
    if result.error is not None or result.timed_out:
        result.unwrap()
    if result.returned:
        fail(RETURNED, got=repr(result.value), wall=result.wall)
    if result.exit_code != 0:
        fail(EXIT_STATUS, code=result.exit_code)
    # os._exit(0) alone makes no orphan: a child must have been started first.
    check(_orphan_pid(pid_file, result, since) is not None, NO_CHILD_BEFORE_EXIT, wait=PID_WAIT)


@pytest.mark.points(1)
def test_orphan_outlives_parent(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """子进程比父进程活得久，被别的进程收养 / the child outlives its parent and is adopted"""
    pid_file = tmp_path / "orphan.pid"
    since = time.time()
    result = sandbox.call("orphan", str(pid_file), keep_children=True, timeout=6)
    # SystemExit is the sys.exit mistake: its effect (the parent waits for the
    # child) is what this test reports below. Anything else decides here.
    if (result.error is not None and not result.raised("SystemExit")) or result.timed_out:
        result.unwrap()
    pid = _orphan_pid(pid_file, result, since)
    if pid is None:
        fail(NO_PID, wait=PID_WAIT)
    if pid == result.pid:
        fail(PARENT_PID, pid=pid)
    try:
        child = psutil.Process(pid)
        alive = child.status() != psutil.STATUS_ZOMBIE
        new_parent = child.ppid()
    except psutil.Error:
        alive, new_parent = False, None
    if not alive:
        # Gone with the parent after about its second of life: the parent
        # waited for it. Gone sooner: it ended by itself; say what was seen.
        if result.wall >= WAITED_SHARE * ORPHAN_LIFE:
            fail(CHILD_GONE, pid=pid, wall=result.wall)
        fail(CHILD_ENDED_EARLY, pid=pid, wall=result.wall, output=result.stderr.strip()[-600:] or "—")
    check(new_parent != result.pid, NOT_ADOPTED, pid=pid, parent=result.pid)


# -- messages --------------------------------------------------------------------

NO_CHILDREN = Text(
    en="reap({n}) returned {got}, but no child process was seen: none was left when it returned "
       "and none had been reaped (joined). Exit codes are only evidence when they come from real "
       "children: start {n} processes, join() each, and return their p.exitcode.",
    zh="reap({n}) 返回了 {got}，但评分程序没有看到任何子进程：返回时没有留下子进程，"
       "也没有回收（join）过子进程。退出码只有来自真正的子进程才算数：启动 {n} 个进程，"
       "逐个 join()，再返回它们的 p.exitcode。",
)
CANNOT_SEE_REAPING = Text(
    en="This platform does not let the grader see whether reap() reaped its children, so this "
       "test is not graded here.",
    zh="在这个平台上，评分程序看不到 reap() 是否回收了子进程，所以这里不评这个测试。",
)
NO_CHILD_BEFORE_EXIT = Text(
    en="orphan(pid_file) ended with status 0, but no child process wrote its pid to pid_file "
       "within {wait} s: os._exit(0) alone makes no orphan. First start a child (which writes "
       "os.getpid() to pid_file and keeps running), then os._exit(0).",
    zh="orphan(pid_file) 以状态 0 结束，但 {wait} 秒内没有子进程把 pid 写进 pid_file："
       "只调用 os._exit(0) 并不会产生孤儿进程。先启动一个子进程（它把 os.getpid() 写进 "
       "pid_file 并继续运行），再调用 os._exit(0)。",
)
NOT_A_LIST = Text(
    en="reap({n}) returned {got}; expected a list of {n} exit codes, one per child, "
       "in the order the children were started.",
    zh="reap({n}) 返回了 {got}；应当返回一个列表，包含 {n} 个退出码，每个子进程一个，"
       "按启动顺序排列。",
)
EXITCODE_NONE = Text(
    en="reap({n}) returned {got}: an exit code of None means that child had not ended yet "
       "when you read p.exitcode. join() each child first: join() waits for it and reaps it, "
       "and only then is its exit code known.",
    zh="reap({n}) 返回了 {got}：退出码为 None 说明读取 p.exitcode 时子进程还没有结束。"
       "先对每个子进程调用 join()：join() 会等它结束并回收它，之后才能拿到退出码。",
)
NOT_ZEROS = Text(
    en="reap({n}) returned {got}; expected [0, 0, …]: every child ends normally, so every "
       "exit code is the int 0 (p.exitcode after p.join()).",
    zh="reap({n}) 返回了 {got}；应当是 [0, 0, …]：每个子进程都正常结束，退出码都是整数 0"
       "（p.join() 之后的 p.exitcode）。",
)
ZOMBIES = Text(
    en="After reap({n}) returned, its process still had {count} zombie child(ren) (pids {pids}): "
       "children that have ended but were never reaped. A parent reaps a child with join() "
       "(or os.waitpid() after os.fork()); sleeping until the children are done does not "
       "reap them. join() every child before returning.",
    zh="reap({n}) 返回后，它的进程还有 {count} 个僵尸子进程（pid {pids}）：这些子进程已经结束，"
       "却没有被回收。父进程用 join() 回收子进程（用 os.fork() 时是 os.waitpid()）；"
       "睡到子进程结束并不等于回收。返回之前对每个子进程调用 join()。",
)
STILL_RUNNING = Text(
    en="After reap({n}) returned, {count} of its children (pids {pids}) were still running "
       "{settle} s later. reap must wait for every child it started: join() each one.",
    zh="reap({n}) 返回 {settle} 秒后，仍有 {count} 个子进程（pid {pids}）在运行。"
       "reap 必须等它启动的每个子进程结束：对每个子进程调用 join()。",
)
SYS_EXIT = Text(
    en="orphan() ended with sys.exit(), which is a normal exit: Python then runs its clean-up, "
       "and multiprocessing joins every non-daemon child, so the parent waits for the child "
       "(the call took {wall:.2f} s) and no orphan is made. Use os._exit(0): it ends the "
       "process at once, with no clean-up.",
    zh="orphan() 用 sys.exit() 结束，这是正常退出：Python 会做收尾工作，multiprocessing 会 "
       "join 每个非守护子进程，于是父进程等子进程结束（这次调用用了 {wall:.2f} 秒），"
       "不会产生孤儿进程。请用 os._exit(0)：它立即结束进程，不做任何清理。",
)
RETURNED = Text(
    en="orphan() returned ({got}) instead of dying: after a normal end Python runs its "
       "clean-up, and multiprocessing joins every non-daemon child, so the parent waits for "
       "the child (the call took {wall:.2f} s) and no orphan is made. End orphan() with "
       "os._exit(0), right after start().",
    zh="orphan() 正常返回了（{got}），而不是意外死亡：正常结束时 Python 会做收尾工作，"
       "multiprocessing 会 join 每个非守护子进程，于是父进程等子进程结束（这次调用用了 "
       "{wall:.2f} 秒），不会产生孤儿进程。在 start() 之后立即用 os._exit(0) 结束 orphan()。",
)
EXIT_STATUS = Text(
    en="orphan()'s process ended with status {code}; expected 0, as os._exit(0) gives.",
    zh="orphan() 的进程以状态 {code} 结束；应当是 0，即 os._exit(0) 的结果。",
)
NO_PID = Text(
    en="orphan(pid_file) ended, but no pid appeared in pid_file within {wait} s. The child "
       "must write its own pid (os.getpid(), in the child) to pid_file.",
    zh="orphan(pid_file) 结束后 {wait} 秒内，pid_file 里没有出现 pid。"
       "子进程要把自己的 pid（在子进程里调用 os.getpid()）写进 pid_file。",
)
PARENT_PID = Text(
    en="pid_file holds {pid}, the pid of orphan()'s own process (the parent). The child must "
       "write its own pid: call os.getpid() inside the child's function.",
    zh="pid_file 里是 {pid}，这是 orphan() 自己的进程（父进程）的 pid。子进程要写它自己的 "
       "pid：在子进程运行的函数里调用 os.getpid()。",
)
CHILD_GONE = Text(
    en="The child (pid {pid}) had already ended when orphan()'s process was gone "
       "(after {wall:.2f} s): the parent waited for it, so it never became an orphan. "
       "join() waits for the child, and so does a normal end of the parent (return, "
       "sys.exit), because multiprocessing joins non-daemon children at exit. Start the child, "
       "do not join it, and call os._exit(0) at once.",
    zh="orphan() 的进程结束时（{wall:.2f} 秒后），子进程（pid {pid}）已经结束了："
       "父进程等了它，所以它没有成为孤儿进程。join() 会等子进程，父进程正常结束"
       "（return、sys.exit）也会等，因为 multiprocessing 在退出时会 join 非守护子进程。"
       "启动子进程后不要 join，立即调用 os._exit(0)。",
)
CHILD_ENDED_EARLY = Text(
    en="The child (pid {pid}) had already ended when the grader looked, although orphan()'s "
       "process was gone after only {wall:.2f} s: the child did not keep running for about 1 s "
       "after writing its pid. What the processes printed: {output}",
    zh="评分程序查看时子进程（pid {pid}）已经结束，而 orphan() 的进程只用了 {wall:.2f} 秒就没了："
       "子进程写下 pid 之后没有继续运行约 1 秒。进程的输出：{output}",
)
NOT_ADOPTED = Text(
    en="The child (pid {pid}) still has orphan()'s process ({parent}) as its parent, which "
       "should have died: the child must be started by orphan()'s process, which then "
       "ends with os._exit(0).",
    zh="子进程（pid {pid}）的父进程仍然是 orphan() 的进程（{parent}），而它本应已经死亡："
       "子进程要由 orphan() 的进程启动，然后这个进程用 os._exit(0) 结束。",
)
