"""玩具题：子进程 / toy: a child process — the engine's fixture solution."""

from __future__ import annotations

import multiprocessing
import os
import time


def task(log_path: str) -> None:
    """Append "pid <the pid of the process running it>" to the log, then sleep 0.3 s."""
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"pid {os.getpid()}\n")
    time.sleep(0.3)  # still alive when start() returns, even on a slow machine


def start(log_path: str) -> multiprocessing.Process:
    """Start a process running task(log_path) and return it, not joined."""
    p = multiprocessing.Process(target=task, args=(log_path,))
    p.start()
    return p


if __name__ == "__main__":
    start("toy_process.log").join()
