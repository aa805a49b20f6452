"""Hidden tests for `daemon` (守护进程).

``guard`` is called directly in the sandbox's interpreter and its file read
afterwards. ``start_daemon`` runs in a fresh interpreter that exits as soon as
the call returns; the test then watches from outside: the returned process
(a ``ProcessSnapshot``: ``daemon``, ``alive``, ``pid``), the daemon's pid in
the process table, the pid file, and how long the interpreter took to end.

No timing is tight. The daemon is asked to sleep 2–3 s; a daemon dies with
the main process, at once, so the main process ends well under a second after
the call, while a non-daemon child keeps the main process alive for the whole
sleep (Python joins non-daemon children at exit). The bound between the two
is drawn at ``seconds - 1``. "over" can only be written by a living daemon:
once its pid is gone, the file is final, so the check ends there instead of
sleeping the daemon's whole time.
"""
from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from grading.testing import Call, ProcessSnapshot, Sandbox, Text, fail, read_pid, read_text, wait_for

#: guard's sleep when it is called directly.
GUARD_SLEEP = 0.3
#: guard must have slept at least this share of it.
GUARD_SHARE = 0.8
#: The daemon's sleep when start_daemon is graded (it should never finish it).
SECONDS = 2.0
#: The daemon's sleep in the test that times the main process's end.
LONG_SECONDS = 3.0
#: The main process must be gone this many seconds before the daemon would end.
MARGIN = 1.0
#: A start_daemon that took this share of the daemon's sleep waited for it.
JOIN_SHARE = 0.8
#: Seconds the daemon may take to disappear once the main process has ended.
DIES_WITHIN = 1.0


def _call_start_daemon(sandbox: Sandbox, seconds: float, pid_file: Path) -> tuple[Call, ProcessSnapshot]:
    """Call start_daemon; name the two mistakes that raise, else demand a Process."""
    result = sandbox.call("start_daemon", seconds, str(pid_file), keep_children=True,
                          timeout=seconds + 8)
    error = result.error
    if error is not None and error.phase == "call":
        if error.type == "AssertionError" and "already started" in error.message:
            fail(AFTER_START, seconds=seconds, message=error.message)
        if error.type == "TypeError" and "not callable" in error.message:
            fail(CALLED, seconds=seconds, message=error.message)
    value = result.unwrap()
    if not isinstance(value, ProcessSnapshot):
        fail(NOT_A_PROCESS, seconds=seconds, got=repr(value))
    # A daemon that had already ended when start_daemon returned, after the
    # call took its whole sleep: start_daemon waited for it (join()). Said
    # first, so that no test blames the daemon flag for what joining did.
    if value.exitcode is not None and (result.elapsed or 0.0) >= JOIN_SHARE * seconds:
        fail(JOINED, seconds=seconds, took=result.elapsed, daemon=value.daemon)
    return result, value


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def _daemon_pid(snapshot: ProcessSnapshot, pid_file: Path) -> int:
    if snapshot.pid is not None:
        return snapshot.pid
    pid = read_pid(pid_file)
    if pid is None:
        fail(NO_PID)
    return pid


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
    _, snapshot = _call_start_daemon(sandbox, SECONDS, tmp_path / "guard.pid")
    if snapshot.daemon is not True:
        fail(NOT_DAEMON, seconds=SECONDS, got=snapshot.daemon)
    if snapshot.alive is not True:
        fail(NOT_ALIVE, seconds=SECONDS, exitcode=snapshot.exitcode)


@pytest.mark.points(1)
def test_daemon_ends_with_main(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """主进程结束，守护进程随之结束 / the daemon ends when the main process ends"""
    pid_file = tmp_path / "guard.pid"
    result, snapshot = _call_start_daemon(sandbox, LONG_SECONDS, pid_file)
    pid = _daemon_pid(snapshot, pid_file)
    if not wait_for(lambda: _gone(pid), DIES_WITHIN):
        fail(SURVIVED, seconds=LONG_SECONDS, pid=pid, within=DIES_WITHIN)
    limit = LONG_SECONDS - MARGIN
    if result.wall >= limit:
        fail(MAIN_WAITED, seconds=LONG_SECONDS, wall=result.wall, limit=limit)


@pytest.mark.points(1)
def test_over_never_written(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """守护进程来不及写 over / the daemon never gets to write 'over'"""
    pid_file = tmp_path / "guard.pid"
    result, snapshot = _call_start_daemon(sandbox, SECONDS, pid_file)
    pid = _daemon_pid(snapshot, pid_file)
    # Watch until the daemon is gone (then nothing can write any more), or
    # past the moment it would have written "over".
    wait_for(lambda: "over" in read_text(pid_file) or _gone(pid),
             max(SECONDS + 0.5 - result.wall, DIES_WITHIN))
    if "over" in read_text(pid_file):
        fail(OVER_WRITTEN, seconds=SECONDS, wall=result.wall)


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
    en="start_daemon({seconds:g}, pid_file) returned a process that had already ended "
       "(exitcode {exitcode}). Return right after p.start(), without join(): the daemon must "
       "still be running.",
    zh="start_daemon({seconds:g}, pid_file) 返回的进程已经结束了（exitcode {exitcode}）。"
       "p.start() 之后直接返回，不要 join()：守护进程此时应当还在运行。",
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
