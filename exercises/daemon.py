"""守护进程

课程里的「总管」是一个守护进程：主进程（「皇帝」）一结束，守护进程也跟着结束，
哪怕它自己的事还没做完。设置方法是 ``p.daemon = True``，而且必须写在
``p.start()`` 之前，否则会报错。

请写两个函数：

- ``guard(seconds, pid_file)``：子进程要做的事。把自己的 pid
  （``os.getpid()``）写进 ``pid_file``，睡 ``seconds`` 秒，然后在文件末尾
  追加 ``"over"``。
- ``start_daemon(seconds, pid_file)``：创建一个运行
  ``guard(seconds, pid_file)`` 的进程，在 ``start()`` 之前设置
  ``daemon = True``，启动它，然后不等它（不要 join）直接把进程对象返回。
  主进程结束时守护进程随之结束，所以 ``"over"`` 永远不会被写进文件。

进程对象必须在函数里创建（不要在模块顶层），这样在 Windows/macOS 的
spawn 方式下也能运行。

Daemon processes

The lesson's "steward" is a daemon process: when the main process (the
"emperor") ends, the daemon ends with it, even if its own work is not done.
You make one with ``p.daemon = True``, and that line must come before
``p.start()``, or it raises an error.

Write two functions:

- ``guard(seconds, pid_file)``: the child's job. Write its own pid
  (``os.getpid()``) to ``pid_file``, sleep ``seconds``, then append
  ``"over"`` to the file.
- ``start_daemon(seconds, pid_file)``: make a process that runs
  ``guard(seconds, pid_file)``, set ``daemon = True`` before ``start()``,
  start it and return the process object without waiting for it (no join).
  When the main process ends, the daemon dies with it, so ``"over"`` is never
  written.

Create the process inside the function (never at module level) so that the
code also runs under the spawn start method (Windows, macOS).
"""
from __future__ import annotations

import os  # noqa: F401  (you will need it)
import time  # noqa: F401  (you will need it)
from multiprocessing import Process


def guard(seconds: float, pid_file: str) -> None:
    """写下自己的 pid，睡 seconds 秒，再追加 "over" / write own pid, sleep, append "over"."""
    # TODO: 用 "w" 模式打开 pid_file 写入 os.getpid()；time.sleep(seconds)；
    #       再用 "a" 模式打开追加 "over"。
    # TODO: open pid_file with "w" and write os.getpid(); time.sleep(seconds);
    #       then open it with "a" and append "over".
    raise NotImplementedError


def start_daemon(seconds: float, pid_file: str) -> Process:
    """启动一个运行 guard 的守护进程并返回它 / start a daemon running guard and return it."""
    # TODO: p = Process(target=guard, args=(seconds, pid_file))；
    #       在 p.start() 之前写 p.daemon = True；start 之后 return p。
    # TODO: p = Process(target=guard, args=(seconds, pid_file));
    #       p.daemon = True before p.start(); after start, return p.
    raise NotImplementedError


if __name__ == "__main__":
    p = start_daemon(3, "guard.pid")
    print("皇帝jason寿终正寝 / the emperor dies; the daemon dies too")
