"""The call path alone: N calls of a trivial student function, cold vs warm.

    python bench/calls.py [--calls 100]

Prints, per launcher, the median and total wall time of one call and the
calls per second, then the speed-up of warm over cold. The calls are made as
a topic's test process makes them in a grade: on the trusted tier (Linux,
root; ``GRADING_CONTAIN=off`` turns it off) from pid 1 of a topic's own
namespaces, with the scratch in memory (``contain.enter_topic``), and
contained; elsewhere from this process, with the scratch in the system's
temporary folder. A benchmark, not a test: it prints figures and asserts
nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading import contain  # noqa: E402
from grading.processes import become_subreaper  # noqa: E402
from grading.runner import scratch_base  # noqa: E402
from grading.sandbox import Sandbox  # noqa: E402
from grading.zygote import ColdLauncher, Launcher, WarmLauncher, contained  # noqa: E402

MODULE = "def add(a, b):\n    return a + b\n"


def measure(launcher: Launcher, calls: int, workspace: Path) -> list[float]:
    box = Sandbox(workspace, "trivial", launcher=launcher)
    times = []
    try:
        box.call("add", 1, 2).unwrap()  # the warm helper starts on first use: not counted
        for _ in range(calls):
            started = time.perf_counter()
            assert box.call("add", 1, 2).unwrap() == 3
            times.append(time.perf_counter() - started)
    finally:
        box.close()
    return times


def compare(calls: int, scratch: Path) -> None:
    """Cold, then warm, with ``scratch`` as the temporary folder."""
    os.environ["TMPDIR"] = str(scratch)
    tempfile.tempdir = None
    become_subreaper()
    workspace = Path(tempfile.mkdtemp(prefix="ws-"))
    (workspace / "trivial.py").write_text(MODULE, encoding="utf-8")
    rates, medians = {}, {}
    for name, launcher in (("cold", ColdLauncher()), ("warm", WarmLauncher())):
        times = measure(launcher, calls, workspace)
        rates[name] = len(times) / sum(times)
        medians[name] = statistics.median(times)
        print(f"{name}: {calls} calls in {sum(times):.2f} s, median {medians[name] * 1000:.1f} ms "
              f"per call, {rates[name]:.0f} calls/s", flush=True)
    # The medians too: the warm calls take well under a second in all, and one
    # stall of the machine's in that second weighs on their total alone.
    print(f"warm is {rates['warm'] / rates['cold']:.1f}x faster than cold "
          f"({medians['cold'] / medians['warm']:.1f}x on the medians)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kb-", dir=scratch_base()))
    try:
        if not contained():
            print("calls made from this process; scratch in the system's temporary folder", flush=True)
            compare(args.calls, scratch)
            return
        child = os.fork()
        if child == 0:
            code = 0
            try:
                in_memory = contain.enter_topic(scratch=str(scratch))  # returns in pid 1 of the namespaces
                print("calls contained, made from pid 1 of a topic's namespaces; scratch "
                      + ("in memory" if in_memory else "on disk"), flush=True)
                compare(args.calls, scratch)
            except BaseException:  # noqa: BLE001 - said here: this fork never unwinds
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            os._exit(code)
        _, status = os.waitpid(child, 0)
        if status:
            sys.exit(1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
