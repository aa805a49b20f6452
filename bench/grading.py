"""How long grading takes: the median wall time of whole grades, solutions and stubs.

    python bench/grading.py [--runs 5] [--jobs N] [--checkout DIR ...] [--contain-both] [TOPIC ...]
    python bench/grading.py --floor        # per topic: wall, CPU and waiting time
    python bench/grading.py --hangs [TOPIC ...]  # a submission that hangs in every function

Prints one line per workspace and checkout: every run's wall time, the median
and the score, and the share of CPU time the host took meanwhile (a virtual
machine's steal; see ``_machine.py``). ``--checkout DIR`` grades with
another checkout of the project as well (an older commit, say: ``git
worktree add /tmp/old REV``), run after run in turn with this one, so that
both are measured on the same machine in one run. ``--contain-both`` grades each checkout with and without the
trusted tier's containment (``GRADING_CONTAIN=off``), in turn. ``--floor``
grades the solutions one topic at a time and prints how long each waited
(wall time minus the CPU time of its processes): the sum of those waits
divided by the cores is the floor no scheduling can beat.
A benchmark, not a test: it prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from _machine import stolen_since, ticks  # noqa: E402


def grade_once(checkout: Path, workspace: Path, topics: list[str], jobs: int | None,
               env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """One grade: (wall seconds, CPU seconds of every process it waited for, score)."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "r.json"
        command = [sys.executable, str(checkout / "grader.py"), "--workspace", str(workspace),
                   "--quiet", "--json", str(out), *topics]
        if jobs:
            command += ["--jobs", str(jobs)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL, check=False, env={**os.environ, **(env or {})})
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        try:
            data = json.loads(out.read_text(encoding="utf-8"))
            score = f"{data['score']:g}/{data['max_score']:g}"
        except (OSError, ValueError, KeyError):
            score = "no report"
        return elapsed, cpu, score


def compare(checkouts: list[Path], topics: list[str], runs: int, jobs: int | None,
            contain_both: bool = False) -> None:
    """``contain_both``: each checkout also with ``GRADING_CONTAIN=off``, in turn."""
    variants = [(c, env) for c in checkouts
                for env in ([{}, {"GRADING_CONTAIN": "off"}] if contain_both else [{}])]
    for name in ("solutions", "exercises"):
        times: dict[int, list[float]] = {i: [] for i in range(len(variants))}
        scores: dict[int, str] = {}
        before = ticks()
        for _ in range(runs):
            for i, (checkout, env) in enumerate(variants):  # in turn: a change of load hits all alike
                elapsed, _, scores[i] = grade_once(checkout, ROOT / name, topics, jobs, env)
                times[i].append(elapsed)
        stolen = stolen_since(before)
        for i, (checkout, env) in enumerate(variants):
            shown = ", ".join(f"{t:.1f}" for t in times[i])
            label = "" if checkout == ROOT else f" [{checkout}]"
            label += " [GRADING_CONTAIN=off]" if env else ""
            print(f"{name:<10} median {statistics.median(times[i]):5.1f} s  (runs: {shown})  "
                  f"score {scores[i]}{label}" + (f"; {stolen}" if stolen else ""))


def floor(topics: list[str]) -> None:
    names = topics or _all_topics()
    waits, cpus, walls = [], [], []
    for topic in names:
        wall, cpu, score = grade_once(ROOT, ROOT / "solutions", [topic], 1)
        waits.append(max(0.0, wall - cpu))
        cpus.append(cpu)
        walls.append(wall)
        print(f"{topic:<18} wall {wall:5.1f} s  cpu {cpu:5.1f} s  waiting {wall - cpu:5.1f} s  {score}")
    cores = os.cpu_count() or 1
    print(f"sum: wall {sum(walls):.1f} s, cpu {sum(cpus):.1f} s, waiting {sum(waits):.1f} s; "
          f"on {cores} cores: waiting floor {sum(waits) / cores:.1f} s, cpu floor {sum(cpus) / cores:.1f} s")


def hangs(topics: list[str], runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    from selftests.test_hangs import hanging_workspace

    times = []
    with tempfile.TemporaryDirectory() as scratch:
        workspace = hanging_workspace(Path(scratch) / "ws")
        for _ in range(runs):
            elapsed, _, score = grade_once(ROOT, workspace, topics, None)
            times.append(elapsed)
    shown = ", ".join(f"{t:.1f}" for t in times)
    what = " ".join(topics) or "every topic"
    print(f"hangs everywhere ({what}): median {statistics.median(times):.1f} s  (runs: {shown})"
          f"  score {score}")


def _all_topics() -> list[str]:
    import tomllib
    manifest = tomllib.loads((ROOT / "tests" / "topics.toml").read_text(encoding="utf-8"))
    return [t["name"] for t in manifest["topic"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--checkout", type=Path, action="append", default=[],
                        help="also grade with this checkout of the project, in turn with this one")
    parser.add_argument("--contain-both", action="store_true",
                        help="also grade with GRADING_CONTAIN=off (no trusted-tier containment), in turn")
    parser.add_argument("--floor", action="store_true", help="per topic: wall, CPU and waiting time")
    parser.add_argument("--hangs", action="store_true", help="time a submission that hangs everywhere")
    args = parser.parse_args()
    if args.floor:
        floor(args.topics)
    elif args.hangs:
        hangs(args.topics, args.runs)
    else:
        compare([ROOT, *(c.resolve() for c in args.checkout)], args.topics, args.runs, args.jobs,
                args.contain_both)


if __name__ == "__main__":
    main()
