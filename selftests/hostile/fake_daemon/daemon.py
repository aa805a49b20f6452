"""guard() is right, but start_daemon() starts nothing and returns a Process that says it is a live daemon."""
from __future__ import annotations

import os
import time
from multiprocessing import Process

#: A pid no process of the grade has.
FAKE_PID = 4_000_000


def guard(seconds: float, pid_file: str) -> None:
    """写下自己的 pid，睡 seconds 秒，再追加 "over" / write own pid, sleep, append "over"."""
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    with open(pid_file, "a", encoding="utf-8") as f:
        f.write("over\n")


class Liar(Process):
    """Says it is a started daemon, alive, with a pid and no exit code. Never starts."""

    def __init__(self, seconds: float, pid_file: str) -> None:
        super().__init__(target=guard, args=(seconds, pid_file))

    @property
    def pid(self):  # type: ignore[override]
        return FAKE_PID

    ident = pid

    @property
    def daemon(self):  # type: ignore[override]
        return True

    def is_alive(self) -> bool:
        return True

    @property
    def exitcode(self):  # type: ignore[override]
        return None

    def start(self) -> None:
        pass


def start_daemon(seconds: float, pid_file: str) -> Process:
    """启动一个运行 guard 的守护进程并返回它 / start a daemon running guard and return it."""
    # The pid file says what a daemon would have written; nothing ever runs,
    # so "over" is never written either.
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(f"{FAKE_PID}\n")
    return Liar(seconds, pid_file)
