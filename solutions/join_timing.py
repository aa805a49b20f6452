"""join 方法 / the join method: reference solution."""
from __future__ import annotations

import time
from multiprocessing import Process


def sleeper(seconds: float) -> None:
    """子进程要做的事：睡 seconds 秒 / the child's job: sleep for `seconds`."""
    time.sleep(seconds)


def run_parallel(durations: list[float]) -> float:
    """先全部 start，再全部 join；返回耗时秒数 / start all, then join all; return seconds."""
    start = time.perf_counter()
    # The target must be a module-level function: under spawn the child
    # imports this module and looks `sleeper` up by name.
    processes = [Process(target=sleeper, args=(d,)) for d in durations]
    # start() only asks the OS for a new process and returns at once, so all
    # the children are sleeping at the same time ...
    for p in processes:
        p.start()
    # ... and only now do we wait. While we wait for the first one the others
    # keep sleeping, so the total is about the longest sleep, not the sum.
    for p in processes:
        p.join()
    return time.perf_counter() - start


def run_serial(durations: list[float]) -> float:
    """一个接一个：start 后立刻 join；返回耗时秒数 / one at a time; return seconds."""
    start = time.perf_counter()
    for d in durations:
        p = Process(target=sleeper, args=(d,))
        p.start()
        # Waiting here, before the next start(), is what makes it serial:
        # the total is the sum of the sleeps.
        p.join()
    return time.perf_counter() - start


if __name__ == "__main__":
    print("parallel:", run_parallel([0.5, 1.0, 1.5]))
    print("serial:  ", run_serial([0.5, 1.0, 1.5]))
