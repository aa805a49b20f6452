"""进程间数据隔离 / processes do not share data: mistake: shared memory."""
from __future__ import annotations

from multiprocessing import Process, Queue, Value
from typing import Any

money = 100  # 主进程内的 money / the main process's money


def change_money() -> None:
    """把全局 money 改成 888888 / set the global money to 888888."""
    # Without `global`, the assignment would make a new local variable and
    # the module's money would stay 100.
    global money
    money = 888888


def _change_shared(shared: Any) -> None:
    shared.value = 888888


def parent_money_after_child() -> int:
    """子进程改 money 后，父进程的 money / the parent's money after the child changed it."""
    # The mistake: memory shared with the child (multiprocessing.Value), so
    # the parent sees the child's change: no isolation to observe.
    shared = Value("i", money)
    p = Process(target=_change_shared, args=(shared,))
    p.start()
    p.join()
    return shared.value


def _change_and_send(q: Queue) -> None:
    """子进程：改自己的 money 再送回去 / in the child: change money, send it back."""
    change_money()
    q.put(money)


def child_money_via_queue() -> int:
    """子进程通过 Queue 送回它的 money / the child's money, sent back through a Queue."""
    # A Queue is the "some technique" of the lesson: the value is copied
    # through a pipe, memory is still not shared.
    q: Queue = Queue()
    p = Process(target=_change_and_send, args=(q,))
    p.start()
    # get() before join(): a child that has put data on a queue may wait for
    # it to be read before it can exit, so joining first could hang.
    value = q.get(timeout=10)
    p.join()
    return value


if __name__ == "__main__":
    print(parent_money_after_child())  # 100
    print(child_money_via_queue())  # 888888
