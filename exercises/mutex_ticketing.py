"""互斥锁 · 模拟抢票
A mutex: selling tickets

任务 / Task（中文在前，English below）
---------------------------------------
票库是一个 JSON 文件，内容形如 {"ticket": 3}（还剩 3 张票）。
多个进程同时操作同一份数据会造成数据错乱：两个用户同时读到"还剩 1 张"，
就都以为自己抢到了。用一把互斥锁把"买票"变成串行，就不会超卖。

1. search(i, db_path) -> int
   读票库，打印 f"用户{i}查询余票为:{N}"（注意是用户自己的编号 i，
   冒号是英文冒号），返回余票数 N。查票不改数据，不需要加锁。

2. buy(i, db_path, delay=0.1) -> bool
   读票库，time.sleep(delay)（模拟网络延迟），如果还有票：票数减 1，
   写回文件，返回 True；没有票就返回 False，文件不变（票数绝不能变成负数）。

3. grab_tickets(db_path, buyers=10, delay=0.1) -> list[int]
   像课程里的 range(10) 那样，每个用户 i（0 … buyers-1）一个进程：
   先 search（不加锁），再在同一把 Lock 的保护下 buy（只锁买票这一段）。
   全部 start 之后再全部 join，返回抢到票的用户编号，从小到大排好序。
   - 锁要在主进程里创建一次，作为参数传给每个子进程；
   - 子进程要做的事写成模块顶层的函数（spawn 方式下子进程按名字找到它）；
   - 子进程里改的列表不会出现在父进程里（进程间数据隔离）：
     用 multiprocessing.Queue 把结果送回来。

加分：buy 写文件时先写到同一目录下的临时文件，再用 os.replace 换上去，
这样同时在 search 的人永远不会读到写了一半的文件。

注意拼写：from multiprocessing import Process, Lock（不是 muliprocessing，
也不是小写的 lock）。

---------------------------------------------------------------------------

The ticket store is a JSON file such as {"ticket": 3} (3 tickets left).
Several processes working on the same data at once garble it: two users who
both read "1 left" both believe they got it. A mutex (Lock) makes the buying
happen one buyer at a time, so no ticket is sold twice.

1. search(i, db_path) -> int
   Read the store, print f"用户{i}查询余票为:{N}" (user i's own number, an
   ASCII colon) and return N, the tickets left. Looking changes nothing:
   no lock needed.

2. buy(i, db_path, delay=0.1) -> bool
   Read the store, time.sleep(delay) (the network is slow), and if a ticket
   is left: take one, write the store back, return True; otherwise return
   False and leave the file alone (the count never goes below 0).

3. grab_tickets(db_path, buyers=10, delay=0.1) -> list[int]
   One process per user i (0 … buyers-1, like the lesson's range(10)): each
   searches (no lock), then buys while holding one shared Lock (only around
   the buying). Start them all, then join them all, and return the ids of
   the users who got a ticket, sorted.
   - create the Lock once, in the main process, and pass it to every child;
   - the child's work is a function at the top level of the module (under
     the spawn start method the child finds it by name);
   - a list changed in a child stays in the child (processes do not share
     data): send results back through a multiprocessing.Queue.

Extra credit: buy writes the new count to a temporary file in the same
folder, then swaps it in with os.replace, so someone searching at that very
moment never reads a half-written file.

Mind the spelling: from multiprocessing import Process, Lock (not
muliprocessing, and not a lower-case lock).
"""

from __future__ import annotations

import json
import os
import time
from multiprocessing import Lock, Process, Queue


def search(i: int, db_path: str) -> int:
    """Print 用户{i}查询余票为:{N} and return N."""
    # TODO: read the JSON file, print the line, return the count.
    raise NotImplementedError("search")


def buy(i: int, db_path: str, delay: float = 0.1) -> bool:
    """Take one ticket if any is left (after sleeping `delay`)."""
    # TODO: read, sleep `delay`, and only if a ticket is left: decrement,
    # write back (extra credit: temporary file + os.replace), return True.
    raise NotImplementedError("buy")


def grab_tickets(db_path: str, buyers: int = 10, delay: float = 0.1) -> list[int]:
    """One process per buyer, one shared Lock around buy; the sorted winners."""
    # TODO: create one Lock and one Queue here, start a Process per buyer
    # (a top-level function: search, then buy under the lock, then report),
    # join them all, and return the sorted ids of the winners.
    raise NotImplementedError("grab_tickets")


if __name__ == "__main__":
    # A small demo: python mutex_ticketing.py
    with open("data.json", "w", encoding="utf-8") as f:
        json.dump({"ticket": 3}, f)
    print("winners:", grab_tickets(os.path.abspath("data.json")))
