"""Correct, another style: poll until multiprocessing has no active child left."""
from __future__ import annotations

import multiprocessing as mp
import os
import time


def short_task() -> None:
    time.sleep(0.1)


def orphan_child(pid_file: str) -> None:
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))
    time.sleep(1.0)


def reap(n: int) -> list[int]:
    procs = []
    for _ in range(n):
        procs.append(mp.Process(target=short_task))
        procs[-1].start()
    # active_children() reaps every child that has ended.
    while mp.active_children():
        time.sleep(0.01)
    return [p.exitcode for p in procs]


def orphan(pid_file: str) -> None:
    child = mp.Process(target=orphan_child, args=(pid_file,), daemon=False)
    child.start()
    os._exit(0)
