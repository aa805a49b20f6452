"""The solution, but family() prints without end."""
from __future__ import annotations

import os
import time
from multiprocessing import Process, Queue, current_process


def sleeper(seconds: float) -> None:
    """子进程：睡 seconds 秒 / the child: sleep for `seconds`."""
    time.sleep(seconds)


def _report(q: Queue) -> None:
    """子进程：报告它看到的父进程和自己 / in the child: report its parent and itself."""
    # These two values exist only in the child; a Queue carries them back.
    q.put((os.getppid(), current_process().pid))


def family() -> dict:
    """父子进程的 pid / the pids of parent and child."""
    while True:  # the attack: output without end, 4 KiB at a time
        print("x" * 4096)
    q: Queue = Queue()
    p = Process(target=_report, args=(q,))
    p.start()
    # p.pid is known as soon as start() returns: the OS gave it out.
    child_pid = p.pid
    child_ppid, child_current_pid = q.get(timeout=10)
    p.join()
    return {
        # The parent is simply the process running this code.
        "parent_pid": os.getpid(),
        "child_pid": child_pid,
        "child_ppid": child_ppid,
        "child_current_pid": child_current_pid,
    }


def terminate_sleeper(seconds: float = 30) -> tuple[bool, bool, int]:
    """terminate 前后的存活状态和退出码 / alive before and after terminate, exit code."""
    p = Process(target=sleeper, args=(seconds,))
    p.start()
    alive_before = p.is_alive()
    # terminate() only sends SIGTERM: it asks the OS to kill the child and
    # returns at once, maybe before the child is dead ...
    p.terminate()
    # ... so wait until it really is (join also reaps it: no zombie).
    p.join()
    # A process killed by signal N has exitcode -N: -15 for SIGTERM.
    return alive_before, p.is_alive(), p.exitcode


if __name__ == "__main__":
    print(family())
    print(terminate_sleeper(30))
