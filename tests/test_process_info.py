"""Hidden tests for `process_info` (进程对象及其他方法).

`family()` is checked against the pid of the interpreter that ran it
(`Call.pid`): that interpreter is the parent. `terminate_sleeper` gets a
30 s sleep to cut short, so a solution that waits for the sleep instead of
terminating is stopped by the call's time limit.
"""
from __future__ import annotations

import signal
from typing import Any

import pytest

from grading.testing import Sandbox, Text, check, fail, require_children, watch

KEYS = ("parent_pid", "child_pid", "child_ppid", "child_current_pid")
#: The sleep terminate_sleeper is asked to cut short.
LONG_SLEEP = 30
#: terminate_sleeper must return within this many seconds.
QUICK = 1.5
#: SIGKILL's exit code where the platform has the signal (not on Windows).
KILLED_CODE = -int(getattr(signal, "SIGKILL", 9))


def _family(sandbox: Sandbox) -> tuple[dict[str, Any], int]:
    """family()'s dict (checked for its keys) and the pid of the parent interpreter.

    Every pid in it could be made up in the parent (os.getpid() and a guess):
    the call is watched from outside, and a child must really have run."""
    watched = watch(sandbox, "family")
    result = watched.result
    value = result.unwrap()
    require_children(watched, NO_CHILD, call="family()", got=repr(value))
    if not isinstance(value, dict):
        fail(NOT_A_DICT, got=repr(value))
    missing = [k for k in KEYS if k not in value]
    if missing:
        fail(MISSING_KEYS, missing=missing, got=repr(value))
    return value, result.pid


@pytest.mark.points(0.5)
def test_parent_pid_is_the_caller(sandbox: Sandbox, start_method: str) -> None:
    """parent_pid 是父进程自己的 pid / parent_pid is the parent's own pid"""
    info, pid = _family(sandbox)
    check(info["parent_pid"] == pid, PARENT_WRONG, got=info["parent_pid"], pid=pid)


@pytest.mark.points(0.5)
def test_child_has_its_own_pid(sandbox: Sandbox, start_method: str) -> None:
    """子进程有自己的 pid / the child has a pid of its own"""
    info, pid = _family(sandbox)
    child = info["child_pid"]
    check(isinstance(child, int) and not isinstance(child, bool) and child > 0
        and child != info["parent_pid"] and child != pid, CHILD_PID_WRONG, child=child, parent=info["parent_pid"])


@pytest.mark.points(0.5)
def test_child_sees_its_own_pid(sandbox: Sandbox, start_method: str) -> None:
    """子进程里 current_process().pid 就是 p.pid / current_process().pid in the child is p.pid"""
    info, _ = _family(sandbox)
    check(info["child_current_pid"] == info["child_pid"], CURRENT_WRONG, seen=info["child_current_pid"], child=info["child_pid"])


@pytest.mark.points(0.5)
def test_childs_parent_is_the_parent(sandbox: Sandbox, start_method: str) -> None:
    """子进程的 os.getppid() 是父进程 / the child's os.getppid() is the parent"""
    info, pid = _family(sandbox)
    check(info["child_ppid"] == pid, PPID_WRONG, seen=info["child_ppid"], pid=pid)


@pytest.mark.points(1)
def test_terminate_then_join(sandbox: Sandbox, start_method: str) -> None:
    """terminate 并 join 后已死，退出码 -15 / after terminate() and join() the child is dead, exit code -15"""
    watched = watch(sandbox, "terminate_sleeper", LONG_SLEEP)
    value = watched.result.unwrap()
    # (True, False, -15) can be written in: a child must really have run.
    require_children(watched, NO_CHILD, call=f"terminate_sleeper({LONG_SLEEP})", got=repr(value))
    expected = (True, False, -signal.SIGTERM.value)
    if not isinstance(value, (tuple, list)) or len(value) != 3:
        fail(NOT_A_TRIPLE, got=repr(value))
    alive_before, alive_after, exitcode = value
    if alive_before is not True:
        fail(NOT_ALIVE_BEFORE, got=repr(value))
    if alive_after is not False or exitcode is None:
        fail(LOOKED_TOO_EARLY, got=repr(value))
    if exitcode == KILLED_CODE:
        fail(KILLED, got=repr(value))
    check(tuple(value) == expected, TERMINATE_WRONG, got=repr(value), expected=expected)


@pytest.mark.points(0.5)
def test_terminate_is_quick_and_clean(sandbox: Sandbox, start_method: str) -> None:
    """terminate_sleeper 很快返回且不留子进程 / terminate_sleeper returns quickly and leaves no child"""
    # The call is held open after it returns, so a child that was not joined
    # is still there to be seen (at a normal exit multiprocessing would join
    # it for the student).
    watched = watch(sandbox, "terminate_sleeper", LONG_SLEEP, limit=8)
    result = watched.result
    value = result.unwrap()
    require_children(watched, NO_CHILD, call=f"terminate_sleeper({LONG_SLEEP})", got=repr(value))
    took = result.elapsed or 0.0
    check(took < QUICK, SLOW, took=took, seconds=LONG_SLEEP, quick=QUICK)
    left = watched.left_behind()
    states = ", ".join(f"pid {pid} ({status})" for pid, status in left.items())
    check(not left, LEFT, count=len(left), states=states)


# -- messages ------------------------------------------------------------------

NO_CHILD = Text(
    en="{call} returned {got}, but no child process was seen: none was running while it ran "
       "and none was reaped (joined) when it returned. These values mean something only when "
       "they come from a real child: p = Process(target=...), p.start(), then read them.",
    zh="{call} 返回了 {got}，但评分程序没有看到任何子进程：它运行期间没有子进程在运行，"
       "返回时也没有回收（join）过子进程。这些值只有来自真正的子进程才有意义："
       "p = Process(target=...)、p.start()，再读取它们。",
)
NOT_A_DICT = Text(
    en="family() returned {got}. Expected a dict with the keys parent_pid, child_pid, "
       "child_ppid and child_current_pid.",
    zh="family() 返回了 {got}。期望一个字典，键为 parent_pid、child_pid、child_ppid、"
       "child_current_pid。",
)
MISSING_KEYS = Text(
    en="family() returned {got}: the keys {missing} are missing. Expected parent_pid, "
       "child_pid, child_ppid and child_current_pid.",
    zh="family() 返回了 {got}：缺少键 {missing}。期望有 parent_pid、child_pid、"
       "child_ppid、child_current_pid。",
)
PARENT_WRONG = Text(
    en="family() ran in the process with pid {pid}, but returned parent_pid = {got}. "
       "Expected {pid}: the parent is the process running family(), its pid is "
       "os.getpid() there (os.getppid() would be the parent's own parent).",
    zh="family() 运行在 pid 为 {pid} 的进程里，却返回 parent_pid = {got}。期望 {pid}："
       "父进程就是运行 family() 的进程，它的 pid 是在那里调用 os.getpid() 得到的"
       "（os.getppid() 是父进程的父进程）。",
)
CHILD_PID_WRONG = Text(
    en="family() returned child_pid = {child} and parent_pid = {parent}. Expected the "
       "child's own pid, a number different from the parent's: p.pid after p.start().",
    zh="family() 返回 child_pid = {child}，parent_pid = {parent}。期望子进程自己的 pid，"
       "和父进程的不同：p.start() 之后的 p.pid。",
)
CURRENT_WRONG = Text(
    en="family() returned child_current_pid = {seen} but child_pid = {child}. Expected "
       "them equal: inside the child, current_process().pid is the child's own pid. "
       "Read it in the child's function and send it back (e.g. with a Queue); read in "
       "the parent, it would be the parent's pid.",
    zh="family() 返回 child_current_pid = {seen}，而 child_pid = {child}。期望二者相等："
       "在子进程里，current_process().pid 就是子进程自己的 pid。要在子进程的函数里读取，"
       "再送回父进程（例如用 Queue）；在父进程里读到的是父进程的 pid。",
)
PPID_WRONG = Text(
    en="family() ran in the process with pid {pid}, but returned child_ppid = {seen}. "
       "Expected {pid}: os.getppid(), called inside the child, is the pid of the "
       "process that started it. Call it in the child's function and send it back.",
    zh="family() 运行在 pid 为 {pid} 的进程里，却返回 child_ppid = {seen}。期望 {pid}："
       "在子进程里调用 os.getppid()，得到的就是启动它的进程的 pid。"
       "要在子进程的函数里调用，再把结果送回父进程。",
)
NOT_A_TRIPLE = Text(
    en="terminate_sleeper(30) returned {got}. Expected three values: "
       "(alive_before, alive_after, exitcode).",
    zh="terminate_sleeper(30) 返回了 {got}。期望三个值：(alive_before, alive_after, exitcode)。",
)
NOT_ALIVE_BEFORE = Text(
    en="terminate_sleeper(30) returned {got}: the child was not alive before terminate(). "
       "Expected alive_before = True: start() the sleeping child, then ask is_alive().",
    zh="terminate_sleeper(30) 返回了 {got}：terminate() 之前子进程就不在运行了。"
       "期望 alive_before = True：先 start() 睡眠的子进程，再调用 is_alive()。",
)
LOOKED_TOO_EARLY = Text(
    en="terminate_sleeper(30) returned {got}: you looked before the child was dead. "
       "terminate() only asks the OS to kill the process and returns at once; join() "
       "first, then is_alive() is False and exitcode is -15 (killed by SIGTERM).",
    zh="terminate_sleeper(30) 返回了 {got}：子进程还没死你就去看了。terminate() 只是"
       "告诉操作系统帮你杀死进程，马上就返回；先 join()，之后 is_alive() 才是 False，"
       "exitcode 是 -15（被 SIGTERM 杀死）。",
)
KILLED = Text(
    en="terminate_sleeper(30) returned {got}: exit code -9 means SIGKILL (kill()). "
       "Expected -15: use terminate(), which sends SIGTERM.",
    zh="terminate_sleeper(30) 返回了 {got}：退出码 -9 表示 SIGKILL（kill()）。"
       "期望 -15：用 terminate()，它发送的是 SIGTERM。",
)
TERMINATE_WRONG = Text(
    en="terminate_sleeper(30) returned {got}. Expected {expected}: alive before "
       "terminate(), dead after terminate() and join(), exit code -15 (SIGTERM).",
    zh="terminate_sleeper(30) 返回了 {got}。期望 {expected}：terminate() 之前存活，"
       "terminate() 并 join() 之后已死，退出码 -15（SIGTERM）。",
)
SLOW = Text(
    en="terminate_sleeper({seconds}) took {took:.2f} s; expected under {quick} s. "
       "Call terminate() right after start() and the check, not after waiting for "
       "the sleep (do not join() before terminate()).",
    zh="terminate_sleeper({seconds}) 用了 {took:.2f} 秒，期望少于 {quick} 秒。start() "
       "并检查之后马上 terminate()，不要等它睡完（不要在 terminate() 之前 join()）。",
)
LEFT = Text(
    en="When terminate_sleeper(30) returned, {count} child process(es) were still there: "
       "{states}. Expected none: join() the terminated child, so that it is gone and "
       "reaped (a dead child nobody joined stays behind as a zombie).",
    zh="terminate_sleeper(30) 返回时还留下 {count} 个子进程：{states}。期望一个也没有："
       "对被 terminate 的子进程 join()，它才真正结束并被回收（死了却没人 join 的子进程"
       "会变成僵尸进程留下来）。",
)
