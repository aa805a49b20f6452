"""进程间数据隔离

一个进程就是内存里一块独立的空间：子进程拿到的是父进程数据的一份拷贝
（fork 时复制，spawn 时重新导入模块），它改的是自己那一份。

- 在模块顶层定义全局变量 ``money = 100``。
- ``change_money()``：把全局变量 ``money`` 改成 ``888888``（记得 ``global``）。
- ``parent_money_after_child()``：在子进程里运行 ``change_money``，join 之后
  返回父进程自己的 ``money``（仍然是 100）。不要共享内存
  （``multiprocessing.Value``、``Manager``），要看到的正是「隔离」。
- ``child_money_via_queue()``：子进程修改自己的 ``money``，再通过
  ``multiprocessing.Queue`` 把它送回父进程；返回收到的值（888888）。

不要在模块顶层创建进程或队列：spawn 方式下子进程会重新导入本模块。

Processes do not share data

A process is a separate piece of memory: a child gets a copy of the parent's
data (copied by fork, or rebuilt by importing the module again under spawn)
and changes only its own copy.

- Define the module global ``money = 100``.
- ``change_money()``: set the global ``money`` to ``888888`` (mind ``global``).
- ``parent_money_after_child()``: run ``change_money`` in a child, join it,
  then return the parent's own ``money`` (still 100). Share no memory
  (``multiprocessing.Value``, ``Manager``): the point is to see the isolation.
- ``child_money_via_queue()``: a child changes its own ``money`` and sends it
  back to the parent through a ``multiprocessing.Queue``; return what arrived
  (888888).

Create no process or queue at module level: under spawn the child imports
this module again.
"""
from __future__ import annotations

from multiprocessing import Process, Queue  # noqa: F401  (you will need them)

# TODO: 在这里定义全局变量 money，初始值 100。
# TODO: define the global variable money here, starting at 100.


def change_money() -> None:
    """把全局 money 改成 888888 / set the global money to 888888."""
    # TODO: global money，然后赋值 / declare it global, then assign.
    raise NotImplementedError


def parent_money_after_child() -> int:
    """子进程改 money 后，父进程的 money / the parent's money after the child changed it."""
    # TODO: Process(target=change_money)，start()，join()，返回 money。
    # TODO: Process(target=change_money), start(), join(), return money.
    raise NotImplementedError


def child_money_via_queue() -> int:
    """子进程通过 Queue 送回它的 money / the child's money, sent back through a Queue."""
    # TODO: 创建 Queue，写一个子进程函数：改 money，再 q.put(money)；
    #       父进程 q.get() 拿到结果，join 子进程，返回结果。
    # TODO: make a Queue and a child function that changes money and then
    #       q.put(money); the parent takes it with q.get(), joins, returns it.
    raise NotImplementedError


if __name__ == "__main__":
    print(parent_money_after_child())
    print(child_money_via_queue())
