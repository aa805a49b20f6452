"""What hidden tests import: failing with a message, and small waiting helpers.

A test says *why* it fails in both languages: ``fail(en=..., zh=...)``. The
plugin shows that text, never the test's source.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import NoReturn

from .errors import Wrong
from .i18n import Text

__all__ = ["Text", "check", "fail", "free_port", "wait_for"]


def fail(*, en: str, zh: str) -> NoReturn:
    """Fail the test with this message."""
    raise Wrong(Text(en=en, zh=zh))


def check(condition: object, *, en: str, zh: str) -> None:
    """Fail the test with this message unless ``condition`` holds."""
    if not condition:
        fail(en=en, zh=zh)


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
