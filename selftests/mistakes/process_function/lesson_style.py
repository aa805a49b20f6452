"""Correct, written as in the lesson: from multiprocessing import Process."""
from multiprocessing import Process
import os
import time


def task(name, log_path):
    f = open(log_path, "a", encoding="utf-8")
    f.write("%s is running %s\n" % (name, os.getpid()))
    f.close()
    time.sleep(0.2)
    f = open(log_path, "a", encoding="utf-8")
    f.write("%s is over %s\n" % (name, os.getpid()))
    f.close()


def start(name, log_path):
    p = Process(target=task, args=(name, log_path))
    p.start()
    return p


if __name__ == "__main__":
    start("egon", "log.txt")
    print("主")
