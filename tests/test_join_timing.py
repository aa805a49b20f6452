"""Hidden tests for `join_timing` (join 方法).

Parallel or serial is judged by counting the children running at the same
time while the call runs, not by the clock: under spawn on a busy machine,
booting four interpreters can take longer than all the sleeps together, so
no time ratio would separate the two reliably. Times are still measured
(inside the sandbox's interpreter, around the student's call:
``Call.elapsed``) and shown in every message; the only bounds on them are
lower bounds a correct solution cannot miss (a sleep takes at least its
time). Every test first asks for evidence, seen from outside, that the call
really started a child (``require_children``): a function that only sleeps or
returns a number earns nothing.
"""
from __future__ import annotations

from numbers import Real
from typing import Any

import pytest

from grading.testing import Sandbox, Text, Watched, check, require_children, watch

#: One child's sleep: long enough to be seen, short enough to keep the topic quick.
SLEEP = 0.2
#: How many children the parallel test starts.
N = 3
#: The sleep of the tests that only need the call to take a little time.
TICK = 0.1
#: run_serial must take at least this share of the summed sleeps.
SERIAL_SHARE = 0.85
#: run_parallel must not return before its children have slept this share
#: of their sleep (a function that never joins returns at once).
WAIT_SHARE = 0.85
#: How long a watched call may take.
WATCH_LIMIT = 15.0


def _is_seconds(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _run(sandbox: Sandbox, function: str, durations: list[float]) -> Watched:
    """The call, watched from outside; it must really start a child process
    (a function that only sleeps, or returns a number, earns nothing)."""
    watched = watch(sandbox, function, durations, limit=WATCH_LIMIT)
    watched.result.unwrap()
    if durations:
        require_children(watched, NO_CHILDREN, call=function, args=durations)
    return watched


@pytest.mark.points(1)
def test_parallel_overlaps(sandbox: Sandbox, start_method: str) -> None:
    """run_parallel 的子进程同时睡眠 / run_parallel's children sleep at the same time"""
    durations = [SLEEP] * N
    watched = _run(sandbox, "run_parallel", durations)
    check(watched.most_running() >= 2, JOINED_IN_LOOP, args=durations, most=watched.most_running(),
          took=watched.result.elapsed, total=sum(durations), one=SLEEP)


@pytest.mark.points(1)
def test_parallel_waits_for_children(sandbox: Sandbox, start_method: str) -> None:
    """run_parallel 等子进程睡完才返回 / run_parallel returns only after its children have slept"""
    durations = [SLEEP, SLEEP]
    result = _run(sandbox, "run_parallel", durations).result
    least = WAIT_SHARE * SLEEP
    check(result.elapsed is not None and result.elapsed >= least, NO_JOIN, args=durations,
          took=result.elapsed or 0.0, one=SLEEP, least=least)


@pytest.mark.points(0.5)
def test_serial_one_at_a_time(sandbox: Sandbox, start_method: str) -> None:
    """run_serial 一个接一个运行 / run_serial runs the children one after another"""
    durations = [SLEEP, SLEEP]
    watched = _run(sandbox, "run_serial", durations)
    took = watched.result.elapsed or 0.0
    total = sum(durations)
    least = SERIAL_SHARE * total
    check(watched.most_running() <= 1 and took >= least, NOT_SERIAL, args=durations, took=took,
          most=watched.most_running(), total=total, least=least)


@pytest.mark.points(0.5)
def test_returns_elapsed_seconds(sandbox: Sandbox, start_method: str) -> None:
    """返回值是花费的秒数 / both functions return the seconds they took"""
    for function, durations in (("run_parallel", [TICK, TICK]), ("run_serial", [TICK])):
        result = _run(sandbox, function, durations).result
        value = result.value
        measured = result.elapsed or 0.0
        # The student may start the clock a little later or stop it a little
        # earlier than the sandbox does; anything near the real time is fine.
        # Returning 0, milliseconds or time.time() itself is far outside.
        tolerance = 0.05 + 0.2 * measured
        check(_is_seconds(value) and abs(value - measured) <= tolerance, WRONG_ELAPSED,
              call=function, args=durations, got=repr(value), measured=measured)


@pytest.mark.points(0.5)
def test_no_child_left_running(sandbox: Sandbox, start_method: str) -> None:
    """返回时没有子进程还在运行 / no child is still running when the functions return"""
    # The call is held open after it returns, so a child that was not joined is
    # seen whatever its sleep: still running, or ended and left as a zombie
    # (at a normal exit multiprocessing would join it for the student).
    for function, durations in (("run_parallel", [TICK, TICK]), ("run_serial", [TICK])):
        left = _run(sandbox, function, durations).left_behind()
        states = ", ".join(f"pid {pid} ({status})" for pid, status in left.items())
        check(not left, CHILD_LEFT, call=function, args=durations, count=len(left), states=states)


@pytest.mark.points(0.5)
def test_empty_list(sandbox: Sandbox, start_method: str) -> None:
    """空列表也能用 / an empty list works"""
    for function in ("run_parallel", "run_serial"):
        # Only a function that runs processes for a real list earns this.
        _run(sandbox, function, [TICK])
        value = sandbox.call(function, []).unwrap()
        check(_is_seconds(value) and 0 <= value < 0.5, EMPTY, call=function, got=repr(value))


# -- messages ------------------------------------------------------------------

NO_CHILDREN = Text(
    en="{call}({args}) started no child process: none was seen running while it ran, and none "
       "was reaped (joined) when it returned. Each duration needs its own process: "
       "Process(target=..., args=(d,)), start() and join().",
    zh="{call}({args}) 没有启动任何子进程：它运行期间看不到子进程在运行，返回时也没有回收"
       "（join）过子进程。每个时长都要有自己的进程：Process(target=..., args=(d,))、start()、join()。",
)
JOINED_IN_LOOP = Text(
    en="run_parallel({args}) never had more than {most} child process running at a time "
       "(it took {took:.2f} s; the sleeps add up to {total:.1f} s). Started together, the "
       "children would all sleep at the same time, taking about one sleep ({one} s) plus "
       "start-up. They ran one after another: did you join() inside the loop that starts "
       "them? Start every process first, then join them all in a second loop.",
    zh="run_parallel({args}) 同一时刻最多只有 {most} 个子进程在运行（用了 {took:.2f} 秒，"
       "几次睡眠加起来是 {total:.1f} 秒）。如果子进程一起启动，它们会同时睡眠，总共大约"
       "一次睡眠的时间（{one} 秒）加上启动时间。现在它们是一个接一个运行的：是不是在启动"
       "进程的同一个循环里 start 之后马上 join 了？先把所有进程都 start，再用第二个循环逐个 join。",
)
NO_JOIN = Text(
    en="run_parallel({args}) returned after {took:.2f} s, before its children had "
       "finished sleeping ({one} s each); expected at least {least:.2f} s. start() only "
       "asks the OS for a process and returns at once: call join() on every process "
       "so that the main process waits for them.",
    zh="run_parallel({args}) 在 {took:.2f} 秒后就返回了，子进程还没睡完（每个 {one} 秒）；"
       "期望至少 {least:.2f} 秒。start() 只是告诉操作系统创建进程，马上就返回："
       "要对每个进程调用 join()，主进程才会等它们结束。",
)
NOT_SERIAL = Text(
    en="run_serial({args}) took {took:.2f} s, with up to {most} child processes running at "
       "the same time. Expected one at a time, so at least {least:.2f} s (the sleeps add up "
       "to {total:.1f} s). join() each process right after its start(), before starting "
       "the next one.",
    zh="run_serial({args}) 用了 {took:.2f} 秒，同一时刻最多有 {most} 个子进程在运行。"
       "期望一次只运行一个，所以至少要 {least:.2f} 秒（几次睡眠加起来是 {total:.1f} 秒）。"
       "每个进程 start() 之后马上 join()，然后再启动下一个。",
)
WRONG_ELAPSED = Text(
    en="{call}({args}) returned {got}, but the call took {measured:.2f} s. Expected "
       "the elapsed seconds as a number: note time.time() (or time.perf_counter()) "
       "before starting and return the difference at the end, after the joins.",
    zh="{call}({args}) 返回了 {got}，但这次调用实际用了 {measured:.2f} 秒。期望返回"
       "花费的秒数（一个数）：开始前记下 time.time()（或 time.perf_counter()），"
       "全部 join 之后返回两者之差。",
)
CHILD_LEFT = Text(
    en="When {call}({args}) returned, {count} child process(es) were still there: "
       "{states}. Expected none: join() every process you start before returning "
       "(a child that ended but was never joined stays behind as a zombie).",
    zh="{call}({args}) 返回时还留下 {count} 个子进程：{states}。期望一个也没有："
       "返回之前要 join() 你启动的每个进程（结束了却没有被 join 的子进程会变成僵尸进程留下来）。",
)
EMPTY = Text(
    en="{call}([]) returned {got}. Expected a small number of seconds (no process to "
       "run, so close to 0) and no error.",
    zh="{call}([]) 返回了 {got}。期望返回一个很小的秒数（没有进程要运行，接近 0），"
       "并且不出错。",
)
