"""Correct, in another style: the name goes through Process.__init__."""
from multiprocessing import Process
import os
import time


class MyProcess(Process):
    def __init__(self, name, log_path):
        Process.__init__(self, name=name)
        self.log_path = log_path

    def run(self):
        for word, pause in (("running", 0.2), ("over", 0)):
            with open(self.log_path, "a", encoding="utf-8") as f:
                print(self.name, "is", word, os.getpid(), file=f)
            time.sleep(pause)
