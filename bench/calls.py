"""The call path alone: N calls of a trivial student function, cold vs warm.

    python bench/calls.py [--calls 100]

Prints, per launcher, the median and total wall time of one call and the
calls per second, then the speed-up of warm over cold. A benchmark, not a
test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grading.processes import become_subreaper  # noqa: E402
from grading.sandbox import Sandbox  # noqa: E402
from grading.zygote import ColdLauncher, Launcher, WarmLauncher  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    become_subreaper()
    rates = {}
    with tempfile.TemporaryDirectory() as scratch:
        workspace = Path(scratch)
        (workspace / "trivial.py").write_text(MODULE, encoding="utf-8")
        for name, launcher in (("cold", ColdLauncher()), ("warm", WarmLauncher())):
            times = measure(launcher, args.calls, workspace)
            rates[name] = len(times) / sum(times)
            median = statistics.median(times) * 1000
            print(f"{name}: {args.calls} calls in {sum(times):.2f} s, median {median:.1f} ms per call, "
                  f"{rates[name]:.0f} calls/s")
    print(f"warm is {rates['warm'] / rates['cold']:.1f}x faster than cold")


if __name__ == "__main__":
    main()
