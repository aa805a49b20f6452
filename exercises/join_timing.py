"""join 方法

课程里的例子：三个进程分别睡 0、1、2 秒，先全部 start，再逐个 join，
总共只用了大约 2 秒，而不是 0+1+2=3 秒。请写两个函数，亲手量一量：

- ``run_parallel(durations)``：为 ``durations`` 里的每个时长创建一个进程，
  子进程睡那么久（可以用下面写好的 ``sleeper``）。先把所有进程都 start，
  再逐个 join，返回整个过程花费的秒数（float）。
- ``run_serial(durations)``：一次只跑一个进程：start 之后立刻 join，
  再处理下一个；返回花费的秒数。

两个函数返回时，不能有子进程还在运行。``durations`` 为空列表时也要能用。
进程对象必须在函数里创建（不要在模块顶层），这样在 Windows/macOS 的
spawn 方式下也能运行。

The join method

The lesson starts three processes that sleep 0, 1 and 2 seconds: it starts
them all first, then joins them all, and the whole thing takes about 2 s,
not 0+1+2 = 3 s. Write two functions and measure it yourself:

- ``run_parallel(durations)``: one process per duration in ``durations``;
  each child sleeps that long (``sleeper`` below does it). Start them all
  first, then join them all; return the elapsed seconds (a float).
- ``run_serial(durations)``: one process at a time: start it and join it
  right away, then the next one; return the elapsed seconds.

No child may still be running when either function returns, and an empty
list must work. Create the processes inside the functions (never at module
level) so that the code also runs under the spawn start method (Windows,
macOS).
"""
from __future__ import annotations

import time
from multiprocessing import Process  # noqa: F401  (you will need it)


def sleeper(seconds: float) -> None:
    """子进程要做的事：睡 seconds 秒 / the child's job: sleep for `seconds`."""
    time.sleep(seconds)


def run_parallel(durations: list[float]) -> float:
    """先全部 start，再全部 join；返回耗时秒数 / start all, then join all; return seconds."""
    # TODO: 记下开始时间；为每个时长创建 Process(target=sleeper, args=(d,))；
    #       先逐个 start()，再逐个 join()；返回经过的秒数。
    # TODO: note the start time; make one Process(target=sleeper, args=(d,))
    #       per duration; start() each, then join() each; return the seconds.
    raise NotImplementedError


def run_serial(durations: list[float]) -> float:
    """一个接一个：start 后立刻 join；返回耗时秒数 / one at a time; return seconds."""
    # TODO: 对每个时长：创建进程，start()，马上 join()；最后返回经过的秒数。
    # TODO: for each duration: make a process, start() it, join() it at once;
    #       return the elapsed seconds.
    raise NotImplementedError


if __name__ == "__main__":
    print("parallel:", run_parallel([0.5, 1.0, 1.5]))
    print("serial:  ", run_serial([0.5, 1.0, 1.5]))
