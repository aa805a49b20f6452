"""进程对象及其他方法 / process objects and their methods: mistake: no join() after terminate()."""
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
    p.terminate()
    # The mistake: looking right after terminate(), without join(). The OS
    # has only been asked; the child is usually not dead yet, so is_alive()
    # says True, exitcode is None, and the child is never reaped.
    alive_after = p.is_alive()
    exitcode = p.exitcode
    return alive_before, alive_after, exitcode


if __name__ == "__main__":
    print(family())
    print(terminate_sleeper(30))
