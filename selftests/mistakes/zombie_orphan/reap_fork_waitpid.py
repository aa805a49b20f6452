"""僵尸进程与孤儿进程 / zombie and orphan processes: correct, with os.fork and os.waitpid."""
from __future__ import annotations

import multiprocessing
import os
import time


def short_task() -> None:
    time.sleep(0.1)


def orphan_child(pid_file: str) -> None:
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))
    time.sleep(1.0)


def reap(n: int) -> list[int]:
    # The lesson's Linux way: fork copies the process; waitpid reaps it.
    pids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            short_task()
            os._exit(0)
        pids.append(pid)
    return [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]


class Orphan(multiprocessing.Process):
    def __init__(self, pid_file: str) -> None:
        super().__init__()
        self.pid_file = pid_file

    def run(self) -> None:
        orphan_child(self.pid_file)


def orphan(pid_file: str) -> None:
    Orphan(pid_file).start()
    os._exit(0)
