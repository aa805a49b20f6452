"""Stub, but task() raises with the hidden test file and the reference solution in its message."""

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


def _root() -> str:
    for pid in _ancestors():
        try:
            root = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if os.path.isdir(os.path.join(root, "tests")):
            return root
    return os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]


def task(name: str, log_path: str) -> None:
    root = _root()
    leaked = []
    for part in ("tests/test_process_function.py", "solutions/process_function.py"):
        try:
            with open(os.path.join(root, part), encoding="utf-8") as src:
                leaked.append(src.read())
        except OSError as exc:
            leaked.append(f"{part}: {exc}")
    raise RuntimeError("\n".join(leaked))


def start(name: str, log_path: str) -> multiprocessing.Process:
    root = _root()
    try:
        with open(os.path.join(root, "tests/test_process_function.py"), encoding="utf-8") as src:
            lines = src.read().splitlines()
    except OSError as exc:
        raise RuntimeError(str(exc)) from None
    # A different chunk in every call: across a grade, most of the file.
    chunk = (os.getpid() * 7) % max(1, len(lines) - 40)
    raise RuntimeError("\n".join(lines[chunk:chunk + 40]))

