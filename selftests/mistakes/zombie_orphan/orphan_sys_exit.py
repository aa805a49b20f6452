"""僵尸进程与孤儿进程 / zombie and orphan processes: mistake: sys.exit instead of os._exit."""
from __future__ import annotations

import os
import sys
import time
from multiprocessing import Process


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
    processes = [Process(target=short_task) for _ in range(n)]
    for p in processes:
        p.start()
    # A child that has ended stays a zombie (its pid and exit code kept by
    # the OS) until its parent collects it. join() is that collection: it
    # waits for the child and reaps it, and only then is exitcode known.
    for p in processes:
        p.join()
    return [p.exitcode for p in processes]


def orphan(pid_file: str) -> None:
    """启动子进程后父进程立即 os._exit(0) / start a child, then die at once with os._exit(0)."""
    p = Process(target=orphan_child, args=(pid_file,))
    p.start()
    # MISTAKE: sys.exit is a normal exit: multiprocessing joins the child first.
    sys.exit(0)


if __name__ == "__main__":
    print("exit codes:", reap(3))
    orphan("orphan.pid")
