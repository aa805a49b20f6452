"""进程对象及其他方法

- ``family()``：启动一个子进程并 join，返回一个字典::

      {"parent_pid": 父进程自己的 pid（os.getpid()）,
       "child_pid": 父进程看到的子进程 pid（p.pid）,
       "child_ppid": 子进程看到的 os.getppid(),
       "child_current_pid": 子进程看到的 current_process().pid}

  子进程看到的两个值要送回父进程（例如用 ``multiprocessing.Queue``）：
  子进程里改变量，父进程是看不到的。
- ``terminate_sleeper(seconds=30)``：启动一个睡 ``seconds`` 秒的子进程，
  返回 ``(alive_before, alive_after, exitcode)``：``terminate()`` 之前的
  ``is_alive()``、``terminate()`` 并 ``join()`` 之后的 ``is_alive()`` 和
  ``exitcode``。``terminate()`` 只是请操作系统杀死进程，所以要先 ``join()``
  再看结果。函数应该远远不到 1 秒就返回。

Process objects and their methods

- ``family()``: start a child, join it, and return a dict::

      {"parent_pid": the parent's own pid (os.getpid()),
       "child_pid": the child's pid as the parent sees it (p.pid),
       "child_ppid": os.getppid() as seen in the child,
       "child_current_pid": current_process().pid as seen in the child}

  The two values seen in the child must be sent back to the parent (e.g.
  through a ``multiprocessing.Queue``): a variable changed in the child is
  not seen by the parent.
- ``terminate_sleeper(seconds=30)``: start a child that sleeps ``seconds``,
  and return ``(alive_before, alive_after, exitcode)``: ``is_alive()`` before
  ``terminate()``, then ``is_alive()`` and ``exitcode`` after ``terminate()``
  and ``join()``. ``terminate()`` only asks the OS to kill the process, so
  ``join()`` before you look. The function returns in well under a second.
"""
from __future__ import annotations

import os  # noqa: F401  (you will need it)
import time
from multiprocessing import Process, Queue, current_process  # noqa: F401


def sleeper(seconds: float) -> None:
    """子进程：睡 seconds 秒 / the child: sleep for `seconds`."""
    time.sleep(seconds)


def family() -> dict:
    """父子进程的 pid / the pids of parent and child."""
    # TODO: 写一个子进程函数，把 os.getppid() 和 current_process().pid 放进
    #       Queue；父进程启动它，取回这两个值，join，再拼出字典。
    # TODO: write a child function that puts os.getppid() and
    #       current_process().pid on a Queue; start it, get both values,
    #       join it, and build the dict.
    raise NotImplementedError


def terminate_sleeper(seconds: float = 30) -> tuple[bool, bool, int]:
    """terminate 前后的存活状态和退出码 / alive before and after terminate, exit code."""
    # TODO: 启动 sleeper 子进程；记下 is_alive()；terminate()；join()；
    #       再记下 is_alive() 和 exitcode；返回这三个值。
    # TODO: start a sleeper child; note is_alive(); terminate(); join();
    #       then note is_alive() and exitcode; return the three values.
    raise NotImplementedError


if __name__ == "__main__":
    print(family())
    print(terminate_sleeper(30))
