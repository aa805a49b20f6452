"""Everything a hidden test imports: one surface for test authors.

A test drives the student's code through the ``sandbox`` fixture (a
``Sandbox``), reads what happened from the ``Call`` it returns, and says why it
fails in both languages with ``fail``, ``check`` or ``expect_equal``::

    from grading.testing import Text, check, expect_equal, fail

    LOG_SHORT = Text(en="the log holds {count} lines, expected 2",
                     zh="日志只有 {count} 行，应当是 2 行")

    def test_log(sandbox, start_method, tmp_path):
        \"\"\"子进程写两行日志 / the child writes its two log lines\"\"\"
        result = sandbox.call("start", "egon", str(tmp_path / "log"), timeout=10)
        lines = ...
        check(len(lines) == 2, LOG_SHORT, count=len(lines))

The plugin shows the message, never the test's source.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any, NoReturn

from .errors import NotObservable, StudentTimedOut, Wrong
from .host import ADOPTION, FORK, HOST, REAPED_CHILDREN, SIGNALS, WHY, ZOMBIES
from .i18n import Text
from .messages import HUNG_BEFORE, NEVER_LISTENED
from .sandbox import Call, Connect, Opaque, ProcessSnapshot, ProcInfo, Running, Sandbox, StudentException

__all__ = [
    "ADOPTION", "FORK", "HOST", "HUNG_BEFORE", "NEVER_LISTENED", "REAPED_CHILDREN", "SIGNALS", "ZOMBIES",
    "Call", "Connect", "Opaque", "ProcInfo", "ProcessSnapshot",
    "Running", "Sandbox", "StudentException", "Text", "check", "expect_equal", "fail", "free_port",
    "needs", "timed_out", "wait_for",
]


def fail(text: Text | None = None, /, **values: Any) -> NoReturn:
    """Fail the test with ``text``, its ``{fields}`` filled from ``values`` in
    both languages (a ``Text`` value fills each language with its own)."""
    if text is None:  # the older form: fail(en="...", zh="...")
        text = Text(en=str(values.pop("en")), zh=str(values.pop("zh")))
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


def check(condition: object, text: Text | None = None, /, **values: Any) -> None:
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
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (callers retry on EADDRINUSE)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


EXPECTED_EQUAL = Text(
    en="{call} returned {got}; expected {expected}.",
    zh="{call} 返回了 {got}；应当是 {expected}。",
)
