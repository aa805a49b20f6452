"""Timing tests under load: grade the solutions again and again with CPU hogs beside.

    python bench/flakes.py [--runs 50] [--hogs 1] [TOPIC ...]

Every run must give full marks; prints each test that did not pass, how
often, and the wall times. Default topics: those whose tests measure time or
watch processes come and go. A benchmark, not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMING = ["process_function", "process_subclass", "join_timing", "process_info", "zombie_orphan",
          "daemon", "mutex_ticketing"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--hogs", type=int, default=1, help="busy loops running beside the grades")
    args = parser.parse_args()
    topics = args.topics or TIMING
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.hogs)]
    failures: collections.Counter[str] = collections.Counter()
    walls, bad_runs = [], 0
    try:
        for run in range(1, args.runs + 1):
            with tempfile.TemporaryDirectory() as scratch:
                out = Path(scratch) / "r.json"
                started = time.perf_counter()
                subprocess.run([sys.executable, str(ROOT / "grader.py"), "--workspace",
                                str(ROOT / "solutions"), "--quiet", "--json", str(out), *topics],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, check=False)
                walls.append(time.perf_counter() - started)
                try:
                    data = json.loads(out.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    failures["(no report)"] += 1
                    bad_runs += 1
                    continue
                missed = [f"{t['name']}::{x['name']} ({x['outcome']})" for t in data["topics"]
                          for x in t["tests"] if x["outcome"] not in ("passed", "skipped")]
                failures.update(missed)
                bad_runs += bool(missed)
                print(f"run {run}: {data['score']:g}/{data['max_score']:g} in {walls[-1]:.1f} s"
                      + (f"  missed: {', '.join(missed)}" if missed else ""), flush=True)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    print(f"{args.runs} runs of {', '.join(topics)} with {args.hogs} hog(s): {bad_runs} with a failure; "
          f"wall median {statistics.median(walls):.1f} s, max {max(walls):.1f} s")
    for name, count in failures.most_common():
        print(f"  {count} x {name}")


if __name__ == "__main__":
    main()
