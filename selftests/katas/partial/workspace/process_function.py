"""task is right; start() joins the child before returning (a mistake)."""

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
    p.join()
    return p
