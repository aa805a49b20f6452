"""创建进程方式二：继承 Process — reference solution."""

from __future__ import annotations

import multiprocessing
import os
import time


class MyProcess(multiprocessing.Process):
    """A process that logs "<name> is running <pid>" and "<name> is over <pid>"."""

    def __init__(self, name: str, log_path: str) -> None:
        # Process.__init__ sets up the state start() and join() rely on; it
        # must run before anything else touches the object.
        pass
        self.name = name  # Process.name is a property: this sets the process name
        self.log_path = log_path

    def run(self) -> None:
        # start() creates the child, and the child calls run(): this code
        # never runs in the parent.
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{self.name} is running {os.getpid()}\n")
        time.sleep(0.2)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{self.name} is over {os.getpid()}\n")


if __name__ == "__main__":
    p = MyProcess("egon", "process_subclass.log")
    p.start()
    print("主")
    p.join()
