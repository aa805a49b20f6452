"""A topic's pytest process alone: a fork of the warm helper vs a fresh interpreter.

    python bench/topics.py [--runs 20]

Runs the engine's toy topic (``selftests/engine``) against its solution, once
per run, through the runner's warm helper and through a fresh interpreter,
and prints the median wall time per topic process and the speed-up. A
benchmark, not a test: it prints figures and asserts nothing.
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

from grading import catalog, runner  # noqa: E402
from grading.processes import become_subreaper  # noqa: E402

ENGINE = ROOT / "selftests" / "engine"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    become_subreaper()
    topic = next(t for t in catalog.load(ENGINE / "tests") if t.name == "toy_math")
    medians = {}
    for name, warm in (("cold", False), ("warm", True)):
        launcher = runner.TopicLauncher(warm=warm)
        times = []
        try:
            with tempfile.TemporaryDirectory() as scratch:
                runner.run_topic(topic, ENGINE / "solutions", Path(scratch), launcher)  # helper start
                for _ in range(args.runs):
                    started = time.perf_counter()
                    result = runner.run_topic(topic, ENGINE / "solutions", Path(scratch), launcher)
                    times.append(time.perf_counter() - started)
                    assert all(t.outcome == "passed" for t in result.tests), result
        finally:
            launcher.close()
        medians[name] = statistics.median(times)
        print(f"{name}: median {medians[name] * 1000:.0f} ms per topic process ({args.runs} runs)")
    print(f"warm is {medians['cold'] / medians['warm']:.1f}x faster than cold")


if __name__ == "__main__":
    main()
