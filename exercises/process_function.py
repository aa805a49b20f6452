"""创建进程方式一：Process(target=...)
Create a process, way 1: Process(target=...)

任务 / Task
-----------
1. task(name, log_path)：向 log_path 追加一行 "<name> is running <pid>\\n"，
   睡眠约 0.2 秒，再追加一行 "<name> is over <pid>\\n"。pid 用 os.getpid()。
   task(name, log_path): append the line "<name> is running <pid>\\n" to
   log_path, sleep about 0.2 s, then append "<name> is over <pid>\\n"
   (pid: os.getpid()).

2. start(name, log_path)：创建一个以 task 为 target 的 Process，启动它并把进程
   对象返回，不要 join（主进程不等待子进程）。
   start(name, log_path): create a Process whose target is task, start it
   and return the Process object without joining it.

注意 / Mind
-----------
- 是 multiprocessing，不是 muliprocessing。
  It is `multiprocessing`, not `muliprocessing`.
- target=task 传的是函数本身，不是 task(...) 的调用结果；参数放在 args=(...) 里。
  target=task passes the function itself, not the result of calling it;
  its arguments go in args=(...).
- 在 Windows 和 macOS 上（spawn 启动方式），子进程会重新导入本模块：
  不要在模块顶层创建进程，演示代码放进 `if __name__ == '__main__':`。
  On Windows and macOS (the spawn start method) every child imports this
  module again: create no process at module level; demo code goes under
  `if __name__ == '__main__':`.
"""

from __future__ import annotations

import multiprocessing
import os
import time


def task(name: str, log_path: str) -> None:
    """Append "<name> is running <pid>", sleep ~0.2 s, append "<name> is over <pid>"."""
    # TODO: write the two lines (mode "a", encoding "utf-8") with a sleep between.
    raise NotImplementedError


def start(name: str, log_path: str) -> multiprocessing.Process:
    """Start a process running task(name, log_path) and return it, not joined."""
    # TODO: Process(target=..., args=(...)), start() it, return it.
    raise NotImplementedError


if __name__ == "__main__":
    p = start("egon", "process_function.log")
    print("主")
    p.join()
