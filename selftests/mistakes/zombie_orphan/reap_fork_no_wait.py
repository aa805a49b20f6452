"""僵尸进程与孤儿进程 / zombie and orphan processes: mistake: os.fork without waitpid."""
from __future__ import annotations

import os
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
    """The lesson's Linux way, os.fork(), but the children are never waited for."""
    for _ in range(n):
        if os.fork() == 0:
            short_task()
            os._exit(0)
    # MISTAKE: sleeping until the children are done is not reaping them:
    # without os.waitpid() each one stays a zombie.
    time.sleep(0.5)
    return [0] * n


def orphan(pid_file: str) -> None:
    """启动子进程后父进程立即 os._exit(0) / start a child, then die at once with os._exit(0)."""
    p = Process(target=orphan_child, args=(pid_file,))
    p.start()
    os._exit(0)
