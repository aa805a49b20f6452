"""The solution, but importing it allocates 6 GiB."""

from __future__ import annotations

import multiprocessing
import os
import time

#: Touched at import: 6 GiB of real memory in every interpreter that imports this.
_BALLAST = b"x" * (6 << 30)


def task(name: str, log_path: str) -> None:
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
