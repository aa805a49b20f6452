"""How long a class takes: ``grader.py batch`` on copies of solutions/ and of the stubs.

    python bench/batch.py [--students 40] [--jobs 1,2] [--topic TOPIC ...] [--resume-only]

Builds a class of N copies of ``solutions/`` and N of ``exercises/`` in a
temporary folder, then prints:

- the wall time of a whole batch for each ``--jobs`` value, and the speed-up
  of the largest over the smallest (goal >= 1.8 for 1 -> 2 on two cores);
- the time to resume a batch interrupted half way (SIGINT once half the
  students' JSON exist; the resumed run grades only the rest);
- whether two shards merged give the same CSV, byte for byte, as one
  unsharded run.

``--resume-only`` measures the interrupted batch and its resumption alone.

A benchmark, not a test: it prints figures and asserts nothing. Run it on a
quiet machine: timings under other load mean nothing.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_class(folder: Path, students: int) -> None:
    for i in range(students):
        shutil.copytree(ROOT / "solutions", folder / f"solved{i:03d}",
                        ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copytree(ROOT / "exercises", folder / f"stub{i:03d}",
                        ignore=shutil.ignore_patterns("__pycache__"))


def batch_command(folder: Path, csv: Path, jobs: int, topics: list[str], *extra: str) -> list[str]:
    command = [sys.executable, str(ROOT / "grader.py"), "batch", str(folder), "--csv", str(csv),
               "--jobs", str(jobs), "--quiet", *extra]
    for topic in topics:
        command += ["--topic", topic]
    return command


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def interrupted_half_way(folder: Path, csv: Path, jobs: int, topics: list[str], total: int) -> int:
    """Start a batch, SIGINT it once half the students are done; how many were done."""
    results = csv.with_suffix("")
    proc = subprocess.Popen(batch_command(folder, csv, jobs, topics), cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    while proc.poll() is None and len(list(results.glob("*.json"))) < total // 2:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    proc.wait()
    return len(list(results.glob("*.json")))


def resume_only(folder: Path, root: Path, jobs: int, topics: list[str], total: int) -> None:
    csv = root / "resumed.csv"
    done = interrupted_half_way(folder, csv, jobs, topics, total)
    resume = timed(batch_command(folder, csv, jobs, topics))
    rows = csv.read_text(encoding="utf-8").splitlines()[1:]
    graded = sum(",graded," in row for row in rows)
    print(f"resume after an interruption with {done}/{total} done: {resume:.1f} s (--jobs {jobs}); "
          f"the CSV has {len(rows)} rows, {graded} graded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40,
                        help="copies of solutions/, and as many of the stubs")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values to time")
    parser.add_argument("--topic", dest="topics", action="append", default=[],
                        help="grade only this topic (repeatable; default: all)")
    parser.add_argument("--resume-only", action="store_true",
                        help="only the interrupted batch and its resumption (at the largest --jobs)")
    args = parser.parse_args()
    jobs = sorted(int(j) for j in args.jobs.split(","))
    total = 2 * args.students
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        root = Path(scratch)
        folder = root / "class"
        make_class(folder, args.students)
        print(f"class: {args.students} copies of solutions/ + {args.students} of the stubs "
              f"({total} students), topics: {' '.join(args.topics) or 'all'}")
        if args.resume_only:
            resume_only(folder, root, jobs[-1], args.topics, total)
            return
        walls = {}
        for j in jobs:
            walls[j] = timed(batch_command(folder, root / f"jobs{j}.csv", j, args.topics))
            print(f"--jobs {j}: {walls[j]:7.1f} s  ({walls[j] / total:.2f} s per student)")
        if len(jobs) > 1:
            print(f"speed-up --jobs {jobs[0]} -> {jobs[-1]}: {walls[jobs[0]] / walls[jobs[-1]]:.2f}x")
        top = jobs[-1]
        done = interrupted_half_way(folder, root / "resumed.csv", top, args.topics, total)
        resume = timed(batch_command(folder, root / "resumed.csv", top, args.topics))
        print(f"resume after an interruption with {done}/{total} done: {resume:.1f} s "
              f"(--jobs {top}; a full run took {walls[top]:.1f} s)")
        resumed_same = (root / "resumed.csv").read_bytes() == (root / f"jobs{top}.csv").read_bytes()
        print(f"resumed run's CSV == an uninterrupted run's: {'yes' if resumed_same else 'NO'}")
        for k in (1, 2):
            timed(batch_command(folder, root / f"shard{k}.csv", top, args.topics, "--shard", f"{k}/2"))
        subprocess.run([sys.executable, str(ROOT / "grader.py"), "merge", "--csv",
                        str(root / "merged.csv"), str(root / "shard1.csv"), str(root / "shard2.csv")],
                       cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        merged, whole = (root / "merged.csv").read_bytes(), (root / f"jobs{top}.csv").read_bytes()
        same = "yes" if merged == whole else "NO"
        rows = len(whole.splitlines()) - 1
        print(f"two merged shards == one unsharded run, byte for byte: {same} ({rows} rows)")


if __name__ == "__main__":
    main()
