"""Everything a hidden test imports: one surface for test authors.

A test drives the student's code through the ``sandbox`` fixture (a
``Sandbox``), reads what happened from the ``Call`` it returns, and says why it
fails in both languages with ``fail``, ``check`` or ``expect_equal``::

    from grading.testing import Sandbox, Text, check, expect_equal, fail

    LOG_SHORT = Text(en="the log holds {count} lines, expected 2",
                     zh="日志只有 {count} 行，应当是 2 行")

    def test_log(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
        \"\"\"子进程写两行日志 / the child writes its two log lines\"\"\"
        result = sandbox.call("start", "egon", str(tmp_path / "log"), timeout=10)
        lines = ...
        check(len(lines) == 2, LOG_SHORT, count=len(lines))

The plugin shows the message, never the test's source. A return value that
can be written in is no evidence: ``watch`` and ``require_children`` check,
from outside, that the call really started a process, and ``require_seen``
that a pid the student's code reports is one of them (see
docs/writing-tests.md).
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from . import processes
from .errors import NotObservable, StudentTimedOut, Wrong
from .host import ADOPTION, FORK, HOST, REAPED_CHILDREN, SIGNALS, WHY, ZOMBIES
from .i18n import Text
from .messages import HUNG_BEFORE, NEVER_LISTENED
from .processes import ZOMBIE
from .sandbox import Call, Connect, Opaque, ProcessSnapshot, ProcInfo, Running, Sandbox, StudentException

__all__ = [
    "ADOPTION", "FORK", "HOST", "HUNG_BEFORE", "NEVER_LISTENED", "REAPED_CHILDREN", "SIGNALS", "ZOMBIES",
    "ZOMBIE", "Call", "Connect", "Opaque", "ProcInfo", "ProcessSnapshot", "Running", "Sandbox",
    "StudentException", "Text", "Watched", "check", "expect_equal", "fail", "free_port", "needs",
    "read_pid", "read_text", "require_children", "require_seen", "skip", "status_of", "timed_out",
    "wait_for", "watch",
]


def fail(text: Text, /, **values: Any) -> NoReturn:
    """Fail the test with ``text``, its ``{fields}`` filled from ``values`` in
    both languages (a ``Text`` value fills each language with its own)."""
    raise Wrong(text.format(**values) if values else text)


def timed_out(text: Text, /, **values: Any) -> NoReturn:
    """End the test as a time-out (not a failure): the student's code was
    waited for and did not get there, e.g. a server that never listened."""
    raise StudentTimedOut(text.format(**values) if values else text)


def needs(capability: str) -> None:
    """Skip the test, with the reason, where this host cannot observe
    ``capability`` (one of ``grading.host``'s: ``ZOMBIES``, ``ADOPTION``, …):
    it is graded on another tier, never passed unseen."""
    if not HOST.observes(capability):
        raise NotObservable(WHY[capability])


def skip(text: Text, /, **values: Any) -> NoReturn:
    """This platform cannot observe what the test needs: neither pass nor fail
    (outcome ``skipped``). The reason, in both languages, is what the report
    shows; never a silent pass."""
    raise NotObservable(text.format(**values) if values else text)


def check(condition: object, text: Text, /, **values: Any) -> None:
    """Fail the test with ``text`` (filled from ``values``) unless ``condition`` holds."""
    if not condition:
        fail(text, **values)


def expect_equal(got: object, expected: object, *, call: str, text: Text | None = None,
                 **values: Any) -> None:
    """Fail unless ``got == expected`` (and of the same type), saying what was
    called, what came back and what was expected; ``text`` (optional) adds
    why it matters or what to try, filled from ``values``."""
    if type(got) is type(expected) and got == expected:
        return
    said = EXPECTED_EQUAL.format(call=call, got=repr(got), expected=repr(expected))
    if text is not None:
        said = said + text.format(**values)
    raise Wrong(said)


def wait_for(predicate: Callable[[], object], timeout: float, interval: float = 0.02) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass: soon
    at first (most things a test waits for take milliseconds), then every
    ``interval`` seconds."""
    deadline = time.monotonic() + timeout
    pause = min(0.001, interval)
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, interval)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (callers retry on EADDRINUSE)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_text(path: Path) -> str:
    """A file the student's code wrote, as text ("" when it is not there)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def read_pid(path: Path) -> int | None:
    """The first number in a pid file the student's code wrote, if any."""
    match = re.search(r"\d+", read_text(path))
    return int(match.group()) if match else None


def status_of(process: processes.Process) -> str | None:
    """The process's status (``processes.ZOMBIE``, …), None once it is gone."""
    return processes.status_of(process)


# -- watching a call's children ------------------------------------------------


@dataclass
class Watched:
    """A call watched from outside while it ran: its children, sampled
    (pid -> status, zombies included), and whether it reaped any."""

    result: Call
    samples: list[dict[int, str]] = field(default_factory=list)
    #: Whether the call's interpreter had reaped a child when the function
    #: returned (``Running.reaped_any_child``); None where it cannot be seen.
    reaped: bool | None = None

    def seen(self) -> set[int]:
        """Every child seen at some point."""
        return {pid for sample in self.samples for pid in sample}

    def most_running(self) -> int:
        """The most children seen running (not zombies) in one sample."""
        return max((sum(1 for status in sample.values() if status != processes.ZOMBIE)
                    for sample in self.samples), default=0)

    def left_behind(self) -> dict[int, str]:
        """Children, running or zombie, still there in both of the last two
        samples (taken after the function returned)."""
        if len(self.samples) < 2:
            return {}
        before, after = self.samples[-2], self.samples[-1]
        return {pid: status for pid, status in after.items() if pid in before}

    def started_children(self) -> bool | None:
        """Did the call really start a process? True when one was seen or
        reaped; None when nothing was seen and reaping cannot be observed."""
        if self.seen() or self.reaped:
            return True
        return None if self.reaped is None else False


def watch(sandbox: Sandbox, function: str, *args: Any, kwargs: dict[str, Any] | None = None,
          limit: float = 8.0, every: float = 0.05, settle: float = 0.05,
          driver: str | Path | None = None, label: str | None = None,
          report: tuple[str, ...] = (), keep_children: bool = False) -> Watched:
    """Run the call held open (``hold=True``) and sample its children every
    ``every`` seconds until it returns, then once more ``settle`` later (not
    when it raised: the test fails on the exception, and the student hears
    about it sooner). Then the interpreter goes on to its exit, as a script
    does (multiprocessing joins ordinary children, ends daemonic ones);
    ``keep_children``: what outlives it is left running for the test to
    watch (``Sandbox.call``'s), and killed at the end of the test.

    Children are the student's (``Running.student_children``). A process
    caught between fork and exec still shows its parent's command line: one
    that turns out to be multiprocessing's resource tracker by the end is
    taken out of every sample.
    """
    samples: list[dict[int, str]] = []
    reaped: bool | None = None
    with sandbox.start(function, *args, kwargs=kwargs, hold=True, driver=driver, label=label,
                       report=report) as running:
        deadline = time.monotonic() + limit
        returned = False
        while time.monotonic() < deadline:
            returned = running.returned(timeout=every)
            samples.append(_sample(running))
            if returned:
                break
        if returned:
            reaped = running.reaped_any_child()
            if not running.raised():  # an exception fails the test by itself: no more samples needed
                time.sleep(settle)
                samples.append(_sample(running))
        trackers = _trackers({pid for sample in samples for pid in sample})
        # Not returned within the limit (or dead): stop now, not after another
        # limit, and let later tests of the topic know it hung (fail fast).
        if not returned and running.alive() and running.hang_key is not None:
            sandbox.record_hang(running.hang_key, limit)
        result = running.finish(timeout=limit, keep_children=keep_children) if returned else running.stop()
    kept = [{pid: st for pid, st in sample.items() if pid not in trackers} for sample in samples]
    return Watched(result=result, samples=kept, reaped=reaped)


def _sample(running: Running) -> dict[int, str]:
    seen: dict[int, str] = {}
    for child in running.student_children():
        status = status_of(child)
        if status is not None:
            seen[child.pid] = status
    return seen


def _trackers(pids: set[int]) -> set[int]:
    """Which of ``pids`` are (now recognisably) multiprocessing's resource tracker."""
    return processes.trackers_among(pids)


def require_children(watched: Watched, text: Text, /, **values: Any) -> None:
    """Fail with ``text`` unless the call really started a child process;
    skip (with the reason) where this platform could not have seen one."""
    started = watched.started_children()
    if started is None:
        skip(CANNOT_SEE_CHILDREN)
    if not started:
        fail(text, **values)


def require_seen(watched: Watched, pid: object, text: Text, /, **values: Any) -> int:
    """Confirm a pid the student's code reported (a returned Process's ``pid``,
    a number it wrote in a pid file): return it when the harness saw a process
    with that pid below the call (``Watched.seen``), else fail with ``text``
    (filled from ``values``); skip where this platform could not have seen any
    child at all. What a Process object says of itself is its own word; this
    is the harness's."""
    if isinstance(pid, int) and not isinstance(pid, bool) and pid in watched.seen():
        return pid
    if watched.started_children() is None:
        skip(CANNOT_SEE_CHILDREN)
    fail(text, **values)


CANNOT_SEE_CHILDREN = Text(
    en="This platform does not let the grader see whether the call started and reaped a "
       "child process, so this test is not graded here.",
    zh="在这个平台上，评分程序看不到这次调用是否启动并回收了子进程，所以这里不评这个测试。",
)
EXPECTED_EQUAL = Text(
    en="{call} returned {got}; expected {expected}.",
    zh="{call} 返回了 {got}；应当是 {expected}。",
)
