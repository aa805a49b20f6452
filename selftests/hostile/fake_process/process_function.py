"""task() is right, but start() starts nothing: it writes the log lines under a made-up pid and returns a lying Process."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time


def _ancestors() -> list[int]:
    """This process's ancestors up to the grader (the one running grader.py),
    never above it: what an attacker on the grader is after."""
    pid, found = os.getpid(), []
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as src:
                pid = int(src.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as src:
                args = src.read().split(b"\0")
        except OSError:
            break
        found.append(pid)
        if any(a.endswith(b"grader.py") for a in args):
            return found
    return []  # no grader above us: not a grade, touch nothing


def _cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as src:
        return [a.decode() for a in src.read().split(b"\0") if a]


FAKE_PID = 4_000_000


class Liar(multiprocessing.Process):
    """Says it ran: a pid, alive until joined, exit code 0. Never starts."""

    def __init__(self) -> None:
        super().__init__(target=None)
        self._joined = False

    @property
    def pid(self):  # type: ignore[override]
        return FAKE_PID

    ident = pid

    def is_alive(self) -> bool:
        return not self._joined

    def join(self, timeout=None) -> None:
        self._joined = True

    @property
    def exitcode(self):  # type: ignore[override]
        return 0 if self._joined else None

    def start(self) -> None:
        pass


def task(name: str, log_path: str) -> None:
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is running {os.getpid()}\n")
    time.sleep(0.2)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is over {os.getpid()}\n")


def start(name: str, log_path: str) -> multiprocessing.Process:
    def later() -> None:
        time.sleep(0.2)
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{name} is over {FAKE_PID}\n")
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is running {FAKE_PID}\n")
    import threading
    threading.Thread(target=later).start()
    return Liar()

