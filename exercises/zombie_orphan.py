"""僵尸进程与孤儿进程

课程说：所有的子进程结束后都会先变成「僵尸进程」——它已经不运行了，
但操作系统还留着它的进程号和退出码，等父进程来「回收」。父进程回收子进程
有两种方式：调用 ``join()``，或者父进程自己正常结束。
如果子进程还活着，父进程却意外死亡，子进程就成了「孤儿进程」，
会被别的进程（Linux 上是 init，课程里叫「儿童福利院」）收养。

请写两个函数：

- ``reap(n)``：启动 ``n`` 个很短的子进程（可以用下面写好的 ``short_task``，
  它正常结束），把每一个都回收掉，按启动顺序返回它们的退出码
  （``list[int]``，全是 0）。``reap`` 返回时，不能留下任何僵尸子进程。
- ``orphan(pid_file)``：启动一个子进程（可以用 ``orphan_child``），
  它把自己的 pid 写进 ``pid_file``，再继续运行大约 1 秒；父进程不要 join，
  立即用 ``os._exit(0)`` 意外死亡（不做任何清理）。于是子进程比父进程活得久，
  被别的进程收养。``orphan`` 永远不会正常返回。

进程对象必须在函数里创建（不要在模块顶层），子进程要做的事必须是模块顶层的
函数，这样在 Windows/macOS 的 spawn 方式下也能运行。

Zombie and orphan processes

The lesson says every child becomes a "zombie" when it ends: it no longer
runs, but the OS keeps its pid and exit code until the parent "reaps" it.
A parent reaps a child in one of two ways: it calls ``join()``, or it ends
normally itself. If the parent dies unexpectedly while the child is still
running, the child is an "orphan" and another process adopts it (init on
Linux, the lesson's "children's home").

Write two functions:

- ``reap(n)``: start ``n`` short children (``short_task`` below does the
  work and exits normally), reap every one of them, and return their exit
  codes in start order (a ``list[int]``, all 0). No zombie child may be left
  when ``reap`` returns.
- ``orphan(pid_file)``: start a child (``orphan_child`` does the work) that
  writes its pid to ``pid_file`` and keeps running about 1 s; the parent does
  not join it and dies at once, abruptly, with ``os._exit(0)`` (no clean-up).
  So the child outlives its parent and is adopted by another process.
  ``orphan`` never returns normally.

Create the processes inside the functions (never at module level), and let
each child run a module-level function, so that the code also runs under the
spawn start method (Windows, macOS).
"""
from __future__ import annotations

import os
import time
from multiprocessing import Process  # noqa: F401  (you will need it)


def short_task() -> None:
    """子进程要做的事：睡 0.1 秒后正常结束 / the child's job: sleep 0.1 s, exit normally."""
    time.sleep(0.1)


def orphan_child(pid_file: str) -> None:
    """孤儿子进程：写下自己的 pid，再活大约 1 秒 / write own pid, then live about 1 s."""
    with open(pid_file, "w", encoding="utf-8") as f:
        f.write(str(os.getpid()))
    time.sleep(1.0)


def reap(n: int) -> list[int]:
    """启动 n 个子进程并全部回收；按启动顺序返回退出码 / start n children, reap all, return exit codes."""
    # TODO: 创建 n 个 Process(target=short_task) 并逐个 start()；
    #       再逐个 join()（join 就是回收）；返回每个进程的 exitcode 组成的列表。
    # TODO: make n Process(target=short_task) and start() each; then join()
    #       each (joining is reaping); return the list of their exitcode.
    raise NotImplementedError


def orphan(pid_file: str) -> None:
    """启动子进程后父进程立即 os._exit(0) / start a child, then die at once with os._exit(0)."""
    # TODO: 创建 Process(target=orphan_child, args=(pid_file,)) 并 start()；
    #       不要 join，直接 os._exit(0)。
    # TODO: make Process(target=orphan_child, args=(pid_file,)) and start() it;
    #       do not join it: call os._exit(0) right away.
    raise NotImplementedError


if __name__ == "__main__":
    print("exit codes:", reap(3))
    orphan("orphan.pid")
