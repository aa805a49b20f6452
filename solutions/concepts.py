"""多道技术 / 并发与并行 / 同步异步 / 阻塞非阻塞：参考答案
Multiprogramming, concurrency vs parallelism, sync vs async, blocking:
the reference answers.

The questions stand in ``exercises/concepts.py``; each answer below says why.
"""

from __future__ import annotations

ANSWERS: dict[str, str] = {
    # Space: several programs share one machine (memory holds them all).
    # Switching and saving state (C in q1) is the *time* half.
    "q1": "A",
    # Time: switch to another program, and save the state of the one left,
    # so that it can go on later exactly where it stopped.
    "q2": "C",
    # During I/O the program could not use the CPU anyway: lending it out
    # raises the CPU's use and costs that program nothing.
    "q3": "B",
    # A long computation is interrupted too, so that the others get a turn:
    # fair to them, but that program itself now finishes later.
    "q4": "D",
    # Parallel means really at the same instant, one program per core;
    # one core only switches fast enough to look simultaneous: concurrency.
    "q5": "B",
    # Sync/async is about how a task is submitted: async does not wait
    # on the spot, it goes on and gets the result some other way.
    "q6": "C",
    # Blocking/non-blocking is a process's state: blocked, or ready/running.
    # It is a different pair from sync/async; do not mix them up.
    "q7": "A",
    # Ready -> running -> blocked (waiting for I/O such as input()) -> ready.
    "q8": "D",
}
