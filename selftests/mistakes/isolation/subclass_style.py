"""进程间数据隔离 / processes do not share data: correct, with a Process subclass."""
from __future__ import annotations

import multiprocessing as mp
from typing import Any

money = 100


def change_money() -> None:
    global money
    money = 888888


class Changer(mp.Process):
    """A child that changes its money and, if given a queue, sends it back."""

    def __init__(self, q: Any = None) -> None:
        super().__init__()
        self.q = q

    def run(self) -> None:
        change_money()
        if self.q is not None:
            self.q.put(money)


def parent_money_after_child() -> int:
    child = Changer()
    child.start()
    child.join()
    return money


def child_money_via_queue() -> int:
    q = mp.Queue()
    child = Changer(q)
    child.start()
    result = q.get()
    child.join()
    return result
