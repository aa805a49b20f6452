"""The solution, plus one malformed record written into the report pipe."""

from __future__ import annotations

import multiprocessing
import os
import time


def task(name: str, log_path: str) -> None:
    _malformed()
    """Append "<name> is running <pid>", sleep ~0.2 s, append "<name> is over <pid>"."""
    # Open the file for each line, in append mode: several processes may log
    # to one file, and each line must be on disk before the sleep.
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is running {os.getpid()}\n")
    time.sleep(0.2)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is over {os.getpid()}\n")


def start(name: str, log_path: str) -> multiprocessing.Process:
    """Start a process running task(name, log_path) and return it, not joined."""
    # target is the function itself; Process calls it in the child with args.
    p = multiprocessing.Process(target=task, args=(name, log_path))
    p.start()  # only asks the OS for a new process: returns at once
    return p


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


def _report_pipes() -> list[tuple[int, str]]:
    """Every pipe an ancestor holds open for writing: the report pipe among them
    (found by looking, not by its command line, which may not name it)."""
    found = []
    for pid in _ancestors():
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith("pipe:"):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}") as info:
                    flags = int(info.read().split("flags:")[1].split()[0], 8)
            except (OSError, IndexError, ValueError):
                continue
            if flags & os.O_ACCMODE == os.O_WRONLY and fd not in ("1", "2"):
                found.append((pid, fd))
    return found


def _malformed() -> None:
    for pid, fd in _report_pipes():
        try:
            with open(f"/proc/{pid}/fd/{fd}", "w") as pipe:
                pipe.write('{"event": "collected"}\n')
        except OSError:
            continue
