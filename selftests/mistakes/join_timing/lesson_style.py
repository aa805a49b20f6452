"""join 方法 / the join method: correct, written the way the lesson does it."""
from __future__ import annotations

import time
from multiprocessing import Process


def run_parallel(durations: list[float]) -> float:
    start_time = time.time()
    p_list = []
    for d in durations:
        # time.sleep itself as the target: a built-in pickles by name, so
        # this works under spawn too.
        p = Process(target=time.sleep, args=(d,))
        p.start()
        p_list.append(p)
    for p in p_list:
        p.join()
    return time.time() - start_time


def run_serial(durations: list[float]) -> float:
    start_time = time.time()
    for d in durations:
        p = Process(target=time.sleep, args=(d,))
        p.start()
        p.join()
    return time.time() - start_time
