"""How long grading takes: the median wall time of whole grades, solutions and stubs.

    python bench/grading.py [--runs 5] [--jobs N] [TOPIC ...]

Prints one line per workspace: every run's wall time, the median and the score.
A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def grade_once(workspace: Path, topics: list[str], jobs: int | None) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "r.json"
        command = [sys.executable, str(ROOT / "grader.py"), "--workspace", str(workspace),
                   "--quiet", "--json", str(out), *topics]
        if jobs:
            command += ["--jobs", str(jobs)]
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - started
        data = json.loads(out.read_text(encoding="utf-8"))
        return elapsed, f"{data['score']:g}/{data['max_score']:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    for name in ("solutions", "exercises"):
        times, score = [], ""
        for _ in range(args.runs):
            elapsed, score = grade_once(ROOT / name, args.topics, args.jobs)
            times.append(elapsed)
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"{name:<10} median {statistics.median(times):5.1f} s  (runs: {shown})  score {score}")


if __name__ == "__main__":
    main()
