"""Demo code at module level, without the __main__ guard."""

import multiprocessing
import os
import time


def task(name, log_path):
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is running {os.getpid()}\n")
    time.sleep(0.2)
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"{name} is over {os.getpid()}\n")


def start(name, log_path):
    p = multiprocessing.Process(target=task, args=(name, log_path))
    p.start()
    return p


p = multiprocessing.Process(target=time.sleep, args=(1,))
p.start()
