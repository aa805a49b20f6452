"""Hidden tests for `daemon` (守护进程).

``guard`` is called directly in the sandbox's interpreter and its file read
afterwards. ``start_daemon`` is watched from outside
(``grading.testing.watch``): its interpreter is held open once the function
has returned, its children are sampled from the process table, and then it
goes on to its exit as a script does, where multiprocessing waits for an
ordinary child and kills a daemonic one. The returned Process object (a
``ProcessSnapshot``: ``daemon``, ``alive``, ``pid``) and the pid file are
the student's own word: a pid counts only if the harness saw a process with
that pid below the call (``require_seen``), "alive" means that child was
still there when ``start_daemon`` returned, and "a daemon" means what a
daemon does: the main process ends without waiting for it, and it is gone
with the main process.

No timing is tight. The daemon is asked to sleep 2–3 s; a daemon dies with
the main process, at once, so the main process ends well under a second after
the call, while a non-daemon child keeps the main process alive for the whole
sleep (Python joins non-daemon children at exit). The bound between the two
is drawn at ``seconds - 1``. "over" can only be written by a living daemon:
once its pid is gone, the file is final, so the check ends there instead of
sleeping the daemon's whole time.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from grading.testing import (
    Call,
    ProcessSnapshot,
    Sandbox,
    Text,
    Watched,
    fail,
    read_pid,
    read_text,
    require_seen,
    wait_for,
    watch,
)

#: guard's sleep when it is called directly.
GUARD_SLEEP = 0.3
#: guard must have slept at least this share of it.
GUARD_SHARE = 0.8
#: The daemon's sleep when start_daemon is graded (it should never finish it).
SECONDS = 2.0
#: The daemon's sleep in the tests that time the main process's end.
LONG_SECONDS = 3.0
#: The main process must be gone this many seconds before the daemon would end.
MARGIN = 1.0
#: A start_daemon that took this share of the daemon's sleep waited for it.
JOIN_SHARE = 0.8
#: Seconds the daemon may take to disappear once the main process has ended.
DIES_WITHIN = 1.0


@dataclass(frozen=True)
class Started:
    """A start_daemon call seen from outside."""

    result: Call
    #: What the returned Process object said of itself.
    snapshot: ProcessSnapshot
    #: The daemon's pid, confirmed: a child the harness saw below the call,
    #: still there when start_daemon returned.
    pid: int
    watched: Watched


def _start_daemon(sandbox: Sandbox, seconds: float, pid_file: Path) -> Started:
    """Call start_daemon, watched; name the two mistakes that raise, demand a
    Process, and confirm from outside that its pid is a child of the call that
    was still alive when start_daemon returned."""
    watched = watch(sandbox, "start_daemon", seconds, str(pid_file), limit=seconds + 8,
                    keep_children=True)
    result = watched.result
    error = result.error
    if error is not None and error.phase == "call":
        if error.type == "AssertionError" and "already started" in error.message:
            fail(AFTER_START, seconds=seconds, message=error.message)
        if error.type == "TypeError" and "not callable" in error.message:
            fail(CALLED, seconds=seconds, message=error.message)
    value = result.unwrap()
    if not isinstance(value, ProcessSnapshot):
        fail(NOT_A_PROCESS, seconds=seconds, got=repr(value))
    claimed = value.pid if value.pid is not None else read_pid(pid_file)
    if claimed is None:
        fail(NO_PID)
    after = watched.left_behind()
    ended = claimed not in after and (claimed in watched.seen() or watched.reaped is True)
    # A child that was gone (reaped) when start_daemon returned, after the
    # call took its whole sleep: start_daemon waited for it (join()). Said
    # first, so that no test blames the daemon flag for what joining did.
    if ended and (result.elapsed or 0.0) >= JOIN_SHARE * seconds:
        fail(JOINED, seconds=seconds, took=result.elapsed, daemon=value.daemon)
    pid = require_seen(watched, claimed, NOT_A_CHILD, seconds=seconds, pid=claimed)
    if pid not in after:
        fail(NOT_ALIVE, seconds=seconds, pid=pid)
    return Started(result, value, pid, watched)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def _ended_with_main(started: Started, seconds: float) -> None:
    """The daemon flag as observed: the main process did not wait for the
    child at its exit, and the child did not outlive it."""
    pid, wall = started.pid, started.result.wall
    limit = seconds - MARGIN
    if wall >= limit:
        fail(MAIN_WAITED, seconds=seconds, wall=wall, limit=limit)
    if not wait_for(lambda: _gone(pid), DIES_WITHIN):
        fail(SURVIVED, seconds=seconds, pid=pid, within=DIES_WITHIN)


@pytest.mark.points(1)
def test_guard_writes_pid_then_over(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """guard 写下 pid，睡眠，再追加 over / guard writes its pid, sleeps, then appends 'over'"""
    pid_file = tmp_path / "guard.pid"
    result = sandbox.call("guard", GUARD_SLEEP, str(pid_file))
    result.unwrap()
    text = read_text(pid_file)
    pid = read_pid(pid_file)
    if pid is None and "over" in text:
        # "over" written with "w": the pid was overwritten.
        fail(GUARD_OVER, sleep=GUARD_SLEEP, got=repr(text[:200]))
    if pid != result.pid:
        fail(GUARD_PID, sleep=GUARD_SLEEP, pid=result.pid, got=repr(text[:200]))
    if "over" not in text.partition(str(pid))[2]:
        fail(GUARD_OVER, sleep=GUARD_SLEEP, got=repr(text[:200]))
    least = GUARD_SHARE * GUARD_SLEEP
    if result.elapsed is not None and result.elapsed < least:
        fail(GUARD_SLEPT, sleep=GUARD_SLEEP, took=result.elapsed, least=least)


@pytest.mark.points(1)
def test_start_daemon_returns_daemon(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """start_daemon 返回已启动的守护进程 / start_daemon returns a started daemon process"""
    started = _start_daemon(sandbox, LONG_SECONDS, tmp_path / "guard.pid")
    if started.snapshot.daemon is not True:
        fail(NOT_DAEMON, seconds=LONG_SECONDS, got=started.snapshot.daemon)
    # It says it is a daemon: it must also behave as one.
    _ended_with_main(started, LONG_SECONDS)


@pytest.mark.points(1)
def test_daemon_ends_with_main(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """主进程结束，守护进程随之结束 / the daemon ends when the main process ends"""
    started = _start_daemon(sandbox, LONG_SECONDS, tmp_path / "guard.pid")
    _ended_with_main(started, LONG_SECONDS)


@pytest.mark.points(1)
def test_over_never_written(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """守护进程来不及写 over / the daemon never gets to write 'over'"""
    pid_file = tmp_path / "guard.pid"
    started = _start_daemon(sandbox, SECONDS, pid_file)
    pid, wall = started.pid, started.result.wall
    # Watch until the daemon is gone (then nothing can write any more), or
    # past the moment it would have written "over".
    wait_for(lambda: "over" in read_text(pid_file) or _gone(pid),
             max(SECONDS + 0.5 - wall, DIES_WITHIN))
    if "over" in read_text(pid_file):
        fail(OVER_WRITTEN, seconds=SECONDS, wall=wall)


# -- messages --------------------------------------------------------------------

AFTER_START = Text(
    en="start_daemon({seconds:g}, pid_file) raised AssertionError: {message}. p.daemon = True "
       "came after p.start(): once the process runs it is too late. Set p.daemon = True "
       "before p.start().",
    zh="start_daemon({seconds:g}, pid_file) 抛出 AssertionError：{message}。p.daemon = True "
       "写在了 p.start() 之后：进程已经启动就来不及了。把 p.daemon = True 写在 p.start() 之前。",
)
CALLED = Text(
    en="start_daemon({seconds:g}, pid_file) raised TypeError: {message}. p.daemon is an "
       "attribute (True or False), not a method, so p.daemon(...) cannot be called. "
       "Assign it: p.daemon = True, before p.start().",
    zh="start_daemon({seconds:g}, pid_file) 抛出 TypeError：{message}。p.daemon 是一个属性"
       "（True 或 False），不是方法，不能写成 p.daemon(...)。要赋值：p.daemon = True，"
       "写在 p.start() 之前。",
)
NOT_A_PROCESS = Text(
    en="start_daemon({seconds:g}, pid_file) returned {got}; expected the started "
       "multiprocessing.Process object (return p after p.start()).",
    zh="start_daemon({seconds:g}, pid_file) 返回了 {got}；应当返回已经启动的 "
       "multiprocessing.Process 对象（p.start() 之后 return p）。",
)
JOINED = Text(
    en="start_daemon({seconds:g}, pid_file) took {took:.2f} s and returned a process that had "
       "already ended (daemon = {daemon}): it waited for the child to finish its {seconds:g} s "
       "sleep, as p.join() does. A daemon is left running: return p right after p.start(), "
       "without join(); the main process ending is what ends the daemon.",
    zh="start_daemon({seconds:g}, pid_file) 用了 {took:.2f} 秒，返回的进程已经结束（daemon = "
       "{daemon}）：它等子进程睡完了 {seconds:g} 秒，就像 p.join() 那样。守护进程要让它继续运行："
       "p.start() 之后直接 return p，不要 join()；主进程结束时守护进程自然随之结束。",
)
NO_PID = Text(
    en="The process start_daemon returned has no pid and pid_file holds none: it was never "
       "started. Call p.start() before returning p.",
    zh="start_daemon 返回的进程没有 pid，pid_file 里也没有：进程从未启动。"
       "返回 p 之前要调用 p.start()。",
)
GUARD_PID = Text(
    en="guard({sleep}, pid_file) was called in a process with pid {pid}; pid_file then held "
       "{got}. guard must first write its own pid, os.getpid(), to pid_file.",
    zh="在 pid 为 {pid} 的进程里调用了 guard({sleep}, pid_file)；之后 pid_file 的内容是 {got}。"
       "guard 要先把自己的 pid（os.getpid()）写进 pid_file。",
)
GUARD_OVER = Text(
    en="After guard({sleep}, pid_file) returned, pid_file held {got}; expected the pid and "
       "then \"over\", appended after the sleep (open the file with \"a\", not \"w\", so the "
       "pid stays).",
    zh="guard({sleep}, pid_file) 返回后，pid_file 的内容是 {got}；应当先是 pid，睡眠之后再追加 "
       "\"over\"（用 \"a\" 模式打开文件，而不是 \"w\"，这样 pid 不会被覆盖）。",
)
GUARD_SLEPT = Text(
    en="guard({sleep}, pid_file) returned after {took:.2f} s; it must sleep the given seconds "
       "(at least {least:.2f} s here) before appending \"over\".",
    zh="guard({sleep}, pid_file) 在 {took:.2f} 秒后就返回了；它要先睡给定的秒数"
       "（这里至少 {least:.2f} 秒），再追加 \"over\"。",
)
NOT_DAEMON = Text(
    en="start_daemon({seconds:g}, pid_file) returned a process whose daemon is {got}: an "
       "ordinary child, which the main process waits for at exit. Set p.daemon = True "
       "before p.start().",
    zh="start_daemon({seconds:g}, pid_file) 返回的进程 daemon 为 {got}：这是普通子进程，"
       "主进程退出时会等它结束。在 p.start() 之前设置 p.daemon = True。",
)
NOT_ALIVE = Text(
    en="start_daemon({seconds:g}, pid_file) returned a process (pid {pid}) that had already ended "
       "and been reaped when it returned. Return right after p.start(), without join(): the "
       "daemon must still be running.",
    zh="start_daemon({seconds:g}, pid_file) 返回时，它的进程（pid {pid}）已经结束并被回收。"
       "p.start() 之后直接返回，不要 join()：守护进程此时应当还在运行。",
)
NOT_A_CHILD = Text(
    en="start_daemon({seconds:g}, pid_file) returned a Process whose pid is {pid}, but no process "
       "with that pid was ever started by the call: the grader watches the processes a call "
       "starts, and saw none with it. Create it with Process(target=guard, args=(seconds, "
       "pid_file)), set p.daemon = True, call p.start() and return p.",
    zh="start_daemon({seconds:g}, pid_file) 返回的 Process 的 pid 是 {pid}，但这次调用从未启动过"
       "这个 pid 的进程：评分程序会观察调用启动的进程，没有看到它。用 Process(target=guard, "
       "args=(seconds, pid_file)) 创建进程，设置 p.daemon = True，调用 p.start()，再 return p。",
)
SURVIVED = Text(
    en="After start_daemon({seconds:g}, pid_file) returned and the main process ended, the "
       "daemon (pid {pid}) was still running {within} s later. A daemon (p.daemon = True "
       "before p.start()) dies with the main process.",
    zh="start_daemon({seconds:g}, pid_file) 返回、主进程结束 {within} 秒后，守护进程"
       "（pid {pid}）仍在运行。守护进程（p.start() 之前设置 p.daemon = True）应当随主进程一起结束。",
)
MAIN_WAITED = Text(
    en="start_daemon({seconds:g}, pid_file) returned, but the main process took {wall:.2f} s "
       "to end (expected under {limit:.2f} s): it waited for the child to finish its "
       "{seconds:g} s sleep, so the child was not a daemon. Python waits for ordinary children "
       "at exit and ends daemons at once: set p.daemon = True before p.start().",
    zh="start_daemon({seconds:g}, pid_file) 已经返回，但主进程用了 {wall:.2f} 秒才结束"
       "（应当少于 {limit:.2f} 秒）：它等子进程睡完了 {seconds:g} 秒，说明子进程不是守护进程。"
       "Python 退出时会等待普通子进程，而守护进程会被立即结束：在 p.start() 之前设置 "
       "p.daemon = True。",
)
OVER_WRITTEN = Text(
    en="start_daemon({seconds:g}, pid_file) returned and the main process ended (after "
       "{wall:.2f} s), yet the child wrote \"over\": it lived to the end of its sleep, so it "
       "was not a daemon and the main process waited for it. Set p.daemon = True before "
       "p.start().",
    zh="start_daemon({seconds:g}, pid_file) 已返回，主进程也结束了（用了 {wall:.2f} 秒），"
       "子进程却写下了 \"over\"：它睡完了全程，说明它不是守护进程，主进程一直在等它。"
       "在 p.start() 之前设置 p.daemon = True。",
)
