"""Correct, another style: daemon=True as a keyword, pid written with print."""
import multiprocessing
import os
import time


def guard(seconds, pid_file):
    with open(pid_file, "w") as f:
        print(os.getpid(), file=f)
    time.sleep(seconds)
    with open(pid_file, "a") as f:
        print("over", file=f)


def start_daemon(seconds, pid_file):
    p = multiprocessing.Process(target=guard, args=(seconds, pid_file), daemon=True)
    p.start()
    return p
