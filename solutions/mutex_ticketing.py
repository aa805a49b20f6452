"""互斥锁 · 模拟抢票（参考答案） / A mutex: selling tickets (reference solution).

The ticket store is a JSON file ``{"ticket": N}``. Ten buyers, each in its own
process, first look at the count (no lock: reading does not change anything),
then buy under one shared Lock, so that "read, decide, write" happens for one
buyer at a time and no ticket is sold twice.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from multiprocessing import Lock, Process, Queue
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the type hints: Lock and Queue are factories
    from multiprocessing.queues import Queue as QueueType
    from multiprocessing.synchronize import Lock as LockType


def _read(db_path: str) -> dict[str, int]:
    with open(db_path, encoding="utf-8") as f:
        data: dict[str, int] = json.load(f)
    return data


def _write_atomic(db_path: str, data: dict[str, int]) -> None:
    """Write ``data`` to a temporary file next to ``db_path``, then swap it in.

    ``os.replace`` swaps the name over in one step, so a reader opens either
    the old file or the new one, never a half-written one. The temporary
    file must be in the same folder: a rename cannot cross file systems.
    """
    folder = os.path.dirname(os.path.abspath(db_path))
    fd, temp = tempfile.mkstemp(prefix=".ticket-", suffix=".tmp", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    _replace(temp, db_path)


def _replace(temp: str, db_path: str, patience: float = 2.0) -> None:
    """``os.replace``, tried again for a moment where it is refused.

    On Windows a file that another process has open (a buyer searching
    right now) cannot be replaced: PermissionError. The reader closes it
    within milliseconds, so a short retry is all it takes; elsewhere the
    first try succeeds.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            os.replace(temp, db_path)
            return
        except PermissionError:  # pragma: win32
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def search(i: int, db_path: str) -> int:
    """Print how many tickets user ``i`` sees and return that count."""
    count = _read(db_path)["ticket"]
    # The user's own number i (the lesson's `%(1, ...)` printed 1 for all).
    print(f"用户{i}查询余票为:{count}")
    return count


def buy(i: int, db_path: str, delay: float = 0.1) -> bool:
    """Read, wait ``delay`` (the network), and take a ticket if one is left."""
    data = _read(db_path)
    time.sleep(delay)
    if data.get("ticket", 0) > 0:
        data["ticket"] -= 1
        _write_atomic(db_path, data)
        print(f"用户{i}抢票成功!")
        return True
    print(f"用户{i}: 没票了!")
    return False


def _run(i: int, db_path: str, delay: float, mutex: LockType,
         results: QueueType[tuple[int, bool]]) -> None:
    """One buyer: search freely, then buy while holding the shared lock."""
    search(i, db_path)
    # Only the buying is locked: several users may look at the same time,
    # but "read, decide, write" must not interleave between two buyers.
    with mutex:
        won = buy(i, db_path, delay)
    results.put((i, won))


def grab_tickets(db_path: str, buyers: int = 10, delay: float = 0.1) -> list[int]:
    """Start one process per buyer, wait for all, return the winners' ids."""
    # One lock, made here and handed to every child: a Lock() made inside
    # each child would be a different lock per child and keep nobody out.
    mutex = Lock()
    results: QueueType[tuple[int, bool]] = Queue()
    processes = [
        Process(target=_run, args=(i, db_path, delay, mutex, results))
        for i in range(buyers)
    ]
    for p in processes:
        p.start()
    # Every buyer reports exactly once; reading the queue before join()
    # also keeps a child from waiting on a full pipe.
    outcomes = dict(results.get() for _ in processes)
    for p in processes:
        p.join()
    return sorted(i for i, won in outcomes.items() if won)


if __name__ == "__main__":
    demo = os.path.join(tempfile.mkdtemp(), "data.json")
    with open(demo, "w", encoding="utf-8") as f:
        json.dump({"ticket": 3}, f)
    print("winners:", grab_tickets(demo))
