"""guard() is right, but start_daemon() starts nothing and returns a Process that says it is a live daemon."""
from __future__ import annotations

import os
import time
from multiprocessing import Process


def guard(seconds: float, pid_file: str) -> None:
    """写下自己的 pid，睡 seconds 秒，再追加 "over" / write own pid, sleep, append "over"."""
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    # A daemon is killed when the main process ends, so this line only runs
    # if the main process lives longer than `seconds`.
    with open(pid_file, "a", encoding="utf-8") as f:
        f.write("over\n")


def start_daemon(seconds: float, pid_file: str) -> Process:
    """启动一个运行 guard 的守护进程并返回它 / start a daemon running guard and return it."""
    p = Process(target=guard, args=(seconds, pid_file))
    # `daemon` is an attribute, not a method, and it must be set before
    # start(): once the OS process exists it is too late (AssertionError).
    # At exit the main process then terminates this child instead of
    # waiting for it, as it does for ordinary (non-daemon) children.
    p.daemon = True
    p.start()
    return p
