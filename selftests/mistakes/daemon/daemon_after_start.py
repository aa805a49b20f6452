"""守护进程 / daemon processes: mistake: daemon set after start()."""
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
    p.start()
    # MISTAKE: too late, the process already runs (AssertionError).
    p.daemon = True
    return p


if __name__ == "__main__":
    p = start_daemon(3, "guard.pid")
    print("皇帝jason寿终正寝 / the emperor dies; the daemon dies too")
