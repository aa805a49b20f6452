"""创建进程方式二：继承 Process
Create a process, way 2: subclass Process

任务 / Task
-----------
写一个类 MyProcess(multiprocessing.Process)：
Write a class MyProcess(multiprocessing.Process):

- __init__(self, name, log_path)：先调用 super().__init__()，再保存参数；
  创建后 p.name == name。
  __init__(self, name, log_path): call super().__init__() first, then keep the
  arguments; afterwards p.name == name.
- run(self)：子进程要做的事。像方式一的 task 一样向 log_path 追加
  "<name> is running <pid>\\n"，睡眠约 0.2 秒，再追加 "<name> is over <pid>\\n"。
  run(self): what the child does. Like task in way 1, append
  "<name> is running <pid>\\n" to log_path, sleep about 0.2 s, then append
  "<name> is over <pid>\\n" (pid: os.getpid()).

使用方式 / Used as:  p = MyProcess("egon", "log.txt"); p.start(); p.join()

注意 / Mind
-----------
- 忘记 super().__init__() 的话，p.start() 会报 AttributeError。
  Without super().__init__(), p.start() fails with an AttributeError.
- 子类的对象不用 target=：start() 会在子进程里调用 run()。
  An object of the subclass takes no target=: start() calls run() in the child.
- 不要自己调用 run()：那样它会在当前进程里运行。
  Do not call run() yourself: it would run in the current process.
"""

from __future__ import annotations

import multiprocessing
import os
import time


class MyProcess(multiprocessing.Process):
    """A process that logs "<name> is running <pid>" and "<name> is over <pid>"."""

    def __init__(self, name: str, log_path: str) -> None:
        # TODO: super().__init__(), then set self.name and keep log_path.
        raise NotImplementedError

    def run(self) -> None:
        # TODO: the two log lines, with a sleep of about 0.2 s between them.
        raise NotImplementedError


if __name__ == "__main__":
    p = MyProcess("egon", "process_subclass.log")
    p.start()
    print("主")
    p.join()
