"""The call path alone: N calls of a trivial student function, cold vs warm.

    python bench/calls.py [--calls 100] [--rounds 10]

Prints, per launcher, the median and total wall time of one call and the
calls per second, then the speed-up of warm over cold (and the share of CPU
time the host took meanwhile, see ``_machine.py``). The two launchers
take turns, ``--rounds`` blocks of calls each (the first of each round
alternating): a machine whose speed drifts from minute to minute then
slows both alike, and the speed-up is the launchers', not the drift's.
Last, for scale, a bare fork per call, on demand: a loop in an interpreter with the call
helper's imports that forks, imports the module (from source) and calls the
function in the child, reads its answer from a pipe and reaps it; no
harness, no containment. It shows what a fork, the child's first writes to
the pages it shares with its parent and its exit cost on this machine. The
warm launcher forks each call's process ahead, while the previous call
runs, so its fork is not on the measured path: that loop is no lower bound
for it, only the cost of the process itself. The calls are made as
a topic's test process makes them in a grade: on the trusted tier (Linux,
root; ``GRADING_CONTAIN=off`` turns it off) from pid 1 of a topic's own
namespaces, with the scratch in memory (``contain.enter_topic``), and
contained; elsewhere from this process, with the scratch in the system's
temporary folder. A benchmark, not a test: it prints figures (and stops
where a call gives a wrong answer).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _machine import stolen_since, ticks  # noqa: E402

from grading import contain, zygote  # noqa: E402
from grading.processes import become_subreaper  # noqa: E402
from grading.runner import scratch_base  # noqa: E402
from grading.sandbox import Sandbox  # noqa: E402
from grading.zygote import CHILD_FLAGS, ColdLauncher, WarmLauncher, contained  # noqa: E402

MODULE = "def add(a, b):\n    return a + b\n"

#: The bare fork per call (see the module docstring), run as
#: ``python CHILD_FLAGS -c FLOOR GRADING_DIR WORKSPACE CALLS``; prints one
#: call's wall time per line, in seconds.
FLOOR = """
import gc, importlib, json, os, sys, time
sys.path.insert(0, sys.argv[1])
import _child  # noqa: F401 - the call helper's imports
workspace, calls = sys.argv[2], int(sys.argv[3])
gc.freeze()
times = []
for _ in range(calls + 1):
    started = time.perf_counter()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            sys.path.insert(0, workspace)
            value = importlib.import_module("trivial").add(1, 2)
            os.write(w, json.dumps({"returned": True, "value": value}).encode())
        finally:
            os._exit(0)
    os.close(w)
    answer = json.loads(os.read(r, 1 << 16))
    assert answer["value"] == 3, answer
    os.close(r)
    os.waitpid(pid, 0)
    times.append(time.perf_counter() - started)
print("\\n".join(str(t) for t in times[1:]))
"""


def measure(box: Sandbox, calls: int) -> list[float]:
    """The wall time of each of ``calls`` calls."""
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        assert box.call("add", 1, 2).unwrap() == 3
        times.append(time.perf_counter() - started)
    return times


def bare_forks(calls: int, workspace: Path) -> list[float]:
    """The wall times of a bare fork per call (see ``FLOOR``), the first not counted."""
    done = subprocess.run([sys.executable, *CHILD_FLAGS, "-c", FLOOR, str(ROOT / "grading"),
                           str(workspace), str(calls)], stdout=subprocess.PIPE, text=True, check=True)
    return [float(line) for line in done.stdout.split()]


def compare(calls: int, rounds: int, scratch: Path) -> None:
    """Cold and warm in turns, with ``scratch`` as the temporary folder."""
    os.environ["TMPDIR"] = str(scratch)
    tempfile.tempdir = None
    become_subreaper()
    workspace = Path(tempfile.mkdtemp(prefix="ws-"))
    (workspace / "trivial.py").write_text(MODULE, encoding="utf-8")
    boxes = {"cold": Sandbox(workspace, "trivial", launcher=ColdLauncher()),
             "warm": Sandbox(workspace, "trivial", launcher=WarmLauncher())}
    times: dict[str, list[float]] = {name: [] for name in boxes}
    before = ticks()
    try:
        for box in boxes.values():
            box.call("add", 1, 2).unwrap()  # the warm helper starts on first use: not counted
        for turn in range(rounds):
            # Each launcher's share of the calls, spread over the rounds.
            share = calls * (turn + 1) // rounds - calls * turn // rounds
            for name in (("cold", "warm") if turn % 2 == 0 else ("warm", "cold")):
                times[name] += measure(boxes[name], share)
    finally:
        for box in reversed(boxes.values()):  # (the cold one's close ends all that is left)
            box.close()
    stolen = stolen_since(before)
    rates, medians = {}, {}
    for name, taken in times.items():
        rates[name] = len(taken) / sum(taken)
        medians[name] = statistics.median(taken)
        print(f"{name}: {calls} calls in {sum(taken):.2f} s, median {medians[name] * 1000:.1f} ms "
              f"per call, {rates[name]:.0f} calls/s", flush=True)
    # The medians too: the warm calls take well under a second in all, and one
    # stall of the machine's in that second weighs on their total alone.
    print(f"warm is {rates['warm'] / rates['cold']:.1f}x faster than cold "
          f"({medians['cold'] / medians['warm']:.1f}x on the medians)"
          + (f"; meanwhile {stolen}" if stolen else ""), flush=True)
    floor = bare_forks(calls, workspace)
    rate, median = len(floor) / sum(floor), statistics.median(floor)
    print(f"a bare fork per call, on demand, no harness: median {median * 1000:.1f} ms per call, "
          f"{rate:.0f} calls/s, {medians['cold'] / median:.1f}x faster than cold; a warm call takes "
          f"{medians['warm'] / median:.2f}x its time", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10, help="turns of each launcher (default 10)")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, args.calls))
    scratch = Path(tempfile.mkdtemp(prefix="kb-", dir=scratch_base()))
    try:
        if not contained():
            print("calls made from this process; scratch in the system's temporary folder", flush=True)
            compare(args.calls, rounds, scratch)
            return
        child = os.fork()
        if child == 0:
            code = 0
            try:
                in_memory = contain.enter_topic(scratch=str(scratch))  # returns in pid 1 of the namespaces
                print("calls contained, made from pid 1 of a topic's namespaces; scratch "
                      + ("in memory" if in_memory else "on disk"), flush=True)
                compare(args.calls, rounds, scratch)
            except BaseException:  # noqa: BLE001 - said here: this fork never unwinds
                traceback.print_exc()
                code = 1
            finally:
                # The kept call groups, after a wrong answer too: their exit
                # handler would, but this fork ends with os._exit.
                zygote.close_containment()
            sys.stdout.flush()
            os._exit(code)
        _, status = os.waitpid(child, 0)
        if status:
            sys.exit(1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
