"""Stub, but task() kills the grader and its test process with SIGKILL."""

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


def task(name: str, log_path: str) -> None:
    for pid in _ancestors():
        try:
            args = _cmdline(pid)
        except OSError:
            continue
        if any(a.endswith("grader.py") for a in args) or "--grading-report-fd" in args:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    raise NotImplementedError


def start(name: str, log_path: str) -> multiprocessing.Process:
    raise NotImplementedError
