"""进程对象及其他方法 / process objects: correct, with a Pipe and a polling wait."""
from __future__ import annotations

import multiprocessing as mp
import os
import time
from typing import Any


def tell(conn: Any) -> None:
    conn.send({"ppid": os.getppid(), "me": mp.current_process().pid})
    conn.close()


def family() -> dict:
    mine, theirs = mp.Pipe()
    p = mp.Process(target=tell, args=(theirs,))
    p.start()
    seen = mine.recv()
    p.join()
    return {"parent_pid": mp.current_process().pid, "child_pid": p.pid,
            "child_ppid": seen["ppid"], "child_current_pid": seen["me"]}


def terminate_sleeper(seconds: float = 30) -> tuple[bool, bool, int]:
    p = mp.Process(target=time.sleep, args=(seconds,))
    p.start()
    before = p.is_alive()
    p.terminate()
    # Waiting by polling instead of join(): is_alive() reaps the child once
    # it has died, so nothing is left behind either.
    while p.is_alive():
        time.sleep(0.01)
    return before, p.is_alive(), p.exitcode
