"""``grader.py batch``: grade a whole class; ``grader.py merge``: one CSV from the shards.

``batch SUBMISSIONS_DIR --csv grades.csv`` grades every student of the folder
(one sub-folder, or one ``.zip``, per student; the name is the student's id)
and writes ``grades.csv`` with one row per student, and beside it
``grades/<student>.json``, the student's full result.

Each student is graded by a ``grader.py --workspace ... --json ... --jobs 1``
process of its own, ``--jobs`` of them at a time: a submission that hangs or
crashes costs its own topics' points (the grader's time limits), and a grade
that fails outright (the grader crashed, or ran past ``--timeout``) gets its
row with the cause; nothing stops the batch.

Resumable: a student whose JSON is there, made from the same files by the
same grader (a hash of the submission's modules, of ``grading/`` and
``tests/``, and of the topics chosen), is not graded again. ``--shard K/N``
grades the students whose id hashes to shard K of N (a CI matrix job each);
``merge --csv grades.csv DIR...`` builds the class CSV from the shards' JSON.
The CSV holds no time and its rows are sorted, so merged shards and one
unsharded run give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import catalog, render, runner
from .errors import GradingError
from .i18n import Text, default_lang
from .processes import stop_on_signals

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Shape of a student's batch JSON; bumped when a field changes meaning.
BATCH_VERSION = 1
#: Seconds one student's grade may take before it is stopped (a backstop:
#: the grader's own topic limits come first).
DEFAULT_TIMEOUT = 1800.0


@dataclass(frozen=True)
class Student:
    id: str
    #: The folder or the ``.zip``.
    path: Path

    def modules(self) -> dict[str, bytes]:
        """The submission's module-named ``*.py`` files, at any depth; the shallowest of a name wins."""
        found: dict[str, bytes] = {}
        if self.path.is_dir():
            files = sorted(self.path.rglob("*.py"), key=lambda p: (len(p.parts), str(p)))
            for path in files:
                if path.is_file() and path.stem.isidentifier() and path.name not in found:
                    found[path.name] = path.read_bytes()
            return found
        with zipfile.ZipFile(self.path) as archive:
            # Only base names are used: a zip entry can never write outside the workspace.
            infos = sorted((i for i in archive.infolist() if not i.is_dir()),
                           key=lambda i: (i.filename.count("/"), i.filename))
            for info in infos:
                name = Path(info.filename).name
                if name.endswith(".py") and Path(name).stem.isidentifier() and name not in found:
                    found[name] = archive.read(info)
        return found


def find_students(folder: Path) -> list[Student]:
    students: dict[str, Student] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_dir() or (path.is_file() and path.suffix == ".zip"):
            sid = path.name if path.is_dir() else path.stem
            if sid in students:
                raise GradingError(TWO_SUBMISSIONS.format(student=sid, folder=folder))
            students[sid] = Student(sid, path)
    return [students[k] for k in sorted(students)]


def shard_of(student_id: str, count: int) -> int:
    """1 … count, from a hash of the id: the same on every machine, whatever the class list."""
    digest = hashlib.sha256(student_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def grader_fingerprint(root: Path = PROJECT_ROOT) -> str:
    """A hash of what decides a grade besides the submission: the engine and the hidden tests."""
    digest = hashlib.sha256()
    for folder in ("grading", "tests"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def submission_hash(modules: dict[str, bytes], fingerprint: str, topics: Sequence[str]) -> str:
    digest = hashlib.sha256(fingerprint.encode() + b"\0" + " ".join(topics).encode() + b"\0")
    for name in sorted(modules):
        digest.update(name.encode() + b"\0" + hashlib.sha256(modules[name]).digest())
    return digest.hexdigest()


# -- grading one student -------------------------------------------------------


def grade_student(student: Student, out: Path, fingerprint: str, topics: Sequence[str],
                  timeout: float, lang: str) -> dict[str, Any]:
    """Grade one student in a grader process of its own; the batch JSON, also written to ``out``."""
    modules = student.modules()
    record: dict[str, Any] = {"version": BATCH_VERSION, "student": student.id,
                              "hash": submission_hash(modules, fingerprint, topics),
                              "status": "graded", "cause": None, "result": None}
    if not modules:
        record.update(status="failed", cause=NO_MODULES.en)
        render.write_atomically(out, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return record
    with tempfile.TemporaryDirectory(prefix="kata-batch-") as scratch:
        workspace = Path(scratch) / "workspace"
        workspace.mkdir()
        for name, content in modules.items():
            (workspace / name).write_bytes(content)
        result = Path(scratch) / "result.json"
        command = [sys.executable, str(PROJECT_ROOT / "grader.py"), "--workspace", str(workspace),
                   "--json", str(result), "--jobs", "1", "--quiet", "--lang", lang, *topics]
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
        env["NO_COLOR"] = "1"
        env["GRADER_STATE"] = "off"  # the grader keeps no state file in a batch's workspaces
        proc = _start(command, env, student.id)
        try:
            _, err = proc.communicate(timeout=timeout)
            status: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            status, err = None, b""
        finally:
            _kill_group(proc)
            _unregister(proc)
        if _STOPPING.is_set():
            # Stopped by the batch's own interruption: not a result, nothing kept.
            raise Interrupted(student.id)
        stderr = err.decode("utf-8", errors="replace")
        data = _read_json(result)
        if status is None:
            record.update(status="failed", cause=GRADE_TIMED_OUT.en.format(seconds=f"{timeout:g}"))
        elif status in (0, 1) and data is not None:
            record["result"] = data
            record["cause"] = _causes(data) or None
        else:
            errors = [line for line in stderr.splitlines() if line.startswith("ERROR")]
            why = errors[-1].removeprefix("ERROR ").strip() if errors else stderr.strip()[-300:]
            record.update(status="failed", cause=GRADER_FAILED.en.format(status=status, why=why or "-"))
    render.write_atomically(out, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    return record


def _causes(result: dict[str, Any]) -> str:
    """What went wrong besides wrong answers, per topic: ``daemon: timeout 2, error 1``."""
    parts = []
    for topic in result.get("topics", []):
        counts: dict[str, int] = {}
        for test in topic.get("tests", []):
            if test.get("outcome") in ("error", "timeout"):
                counts[test["outcome"]] = counts.get(test["outcome"], 0) + 1
        if counts or topic.get("problem"):
            described = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "problem"
            parts.append(f"{topic['name']}: {described}")
    return "; ".join(parts)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class Interrupted(Exception):
    """A student's grade cut short by the batch's interruption: nothing is recorded."""


_PROCS: set[subprocess.Popen[bytes]] = set()
_PROCS_LOCK = threading.Lock()
#: Set when the batch is interrupted: the graders then killed leave no record.
_STOPPING = threading.Event()


def _start(command: list[str], env: dict[str, str], student: str) -> subprocess.Popen[bytes]:
    """Start a student's grader, known to ``_stop_all`` from the start; none
    once the batch is being interrupted."""
    with _PROCS_LOCK:
        if _STOPPING.is_set():
            raise Interrupted(student)
        proc = subprocess.Popen(command, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                start_new_session=True)
        _PROCS.add(proc)
    return proc


def _unregister(proc: subprocess.Popen[bytes]) -> None:
    with _PROCS_LOCK:
        _PROCS.discard(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """The student's grader and everything under it (it runs in a session of its own)."""
    if sys.platform == "win32":  # no process groups or SIGTERM there: the grader alone
        proc.kill()
        proc.wait()
        return
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the grader kills its own test processes
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()


def _stop_all() -> None:
    with _PROCS_LOCK:
        running = list(_PROCS)
    for proc in running:
        _kill_group(proc)


# -- the CSV ---------------------------------------------------------------------


def write_csv(records: list[dict[str, Any]], path: Path, topic_order: Sequence[str]) -> None:
    """One row per student, sorted by id; columns: id, score, max, status, one per topic, cause."""
    seen = {t["name"] for r in records if r.get("result") for t in r["result"].get("topics", [])}
    topics = [t for t in topic_order if t in seen] + sorted(seen - set(topic_order))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", "status", *topics, "cause"])
    for record in sorted(records, key=lambda r: str(r["student"])):
        result = record.get("result") or {}
        by_topic = {t["name"]: t for t in result.get("topics", [])}
        writer.writerow([
            record["student"], _num(result.get("score", 0)),
            _num(result["max_score"]) if "max_score" in result else "",
            record["status"], *(_num(by_topic[t]["score"]) if t in by_topic else "" for t in topics),
            record.get("cause") or "",
        ])
    render.write_atomically(path, out.getvalue())


def _num(value: Any) -> str:
    return f"{float(value):g}"


def read_records(folders: Sequence[Path]) -> list[dict[str, Any]]:
    """Every student's batch JSON in these folders; a student found twice is an error."""
    records: dict[str, dict[str, Any]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            data = _read_json(path)
            if data is None or data.get("version") != BATCH_VERSION or "student" not in data:
                continue
            if data["student"] in records and records[data["student"]]["hash"] != data["hash"]:
                raise GradingError(TWO_RECORDS.format(student=data["student"]))
            records[data["student"]] = data
    return list(records.values())


# -- the commands ----------------------------------------------------------------


def run_batch(folder: Path, csv_path: Path, jobs: int, shard: tuple[int, int] | None = None,
              topics: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT, quiet: bool = False,
              lang: str = "both") -> tuple[list[dict[str, Any]], int]:
    """Grade the class (or one shard of it); the records and how many were graded now."""
    topic_list = catalog.select(catalog.load(PROJECT_ROOT / "tests"), list(topics))
    names = [t.name for t in topic_list] if topics else []
    students = find_students(folder)
    if shard is not None:
        students = [s for s in students if shard_of(s.id, shard[1]) == shard[0]]
    results_dir = csv_path.with_suffix("")
    results_dir.mkdir(parents=True, exist_ok=True)
    fingerprint = grader_fingerprint()
    records: dict[str, dict[str, Any]] = {}
    todo: list[Student] = []
    for student in students:
        previous = _read_json(results_dir / f"{student.id}.json")
        if previous is not None and previous.get("hash") == submission_hash(
                student.modules(), fingerprint, names):
            records[student.id] = previous
        else:
            todo.append(student)
    graded_now = 0
    with _progress(quiet) as progress:
        task = progress.add_task("batch", total=len(students), completed=len(records),
                                 running=0, failed=sum(r["status"] != "graded" for r in records.values()))
        lock = threading.Lock()
        state = {"running": 0, "failed": 0}

        def one(student: Student) -> dict[str, Any]:
            with lock:
                state["running"] += 1
                progress.update(task, running=state["running"])
            try:
                return grade_student(student, results_dir / f"{student.id}.json", fingerprint, names,
                                     timeout, lang)
            finally:
                with lock:
                    state["running"] -= 1
                    progress.update(task, running=state["running"])

        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = [(s, pool.submit(one, s)) for s in todo]
            for student, future in futures:
                record = future.result()
                records[student.id] = record
                graded_now += 1
                with lock:
                    state["failed"] += record["status"] != "graded"
                progress.update(task, advance=1, failed=state["failed"])
        except BaseException:
            _STOPPING.set()
            pool.shutdown(wait=False, cancel_futures=True)
            _stop_all()
            raise
        finally:
            pool.shutdown(wait=True)
    ordered = [records[s.id] for s in students]
    write_csv(ordered, csv_path, [t.name for t in catalog.load(PROJECT_ROOT / "tests")])
    return ordered, graded_now


def _progress(quiet: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("running {task.fields[running]}, failed {task.fields[failed]}"),
                    TimeRemainingColumn(), console=Console(file=sys.stderr), disable=quiet)


def _shard(value: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in value.split("/"))
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{value!r} is not K/N with 1 <= K <= N (e.g. 2/4)")
    return k, n


def main(argv: Sequence[str]) -> int:
    command, rest = argv[0], list(argv[1:])
    lang = default_lang()
    parser = argparse.ArgumentParser(prog=f"grader.py {command}")
    parser.add_argument("--csv", type=Path, required=True, metavar="FILE",
                        help="the class CSV to write (each student's JSON goes in the folder of its stem)")
    if command == "batch":
        parser.description = ("Grade every submission of a folder (one sub-folder or .zip per student) "
                              "in parallel. 批量评分。")
        parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR")
        parser.add_argument("--jobs", "-j", type=int, default=runner.default_jobs(),
                            help="students graded at once (default: the number of cores)")
        parser.add_argument("--shard", type=_shard, default=None, metavar="K/N",
                            help="grade only shard K of N (CI matrix); then merge the shards")
        parser.add_argument("--topic", dest="topics", action="append", default=[], metavar="TOPIC",
                            help="grade only this topic (repeatable; default: all)")
        parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                            help="seconds per student before the grade is stopped "
                                 f"(default {DEFAULT_TIMEOUT:g})")
        parser.add_argument("--quiet", "-q", action="store_true", help="no progress display")
    else:
        parser.description = "Build one class CSV from the shards' student JSON. 合并分片结果。"
        parser.add_argument("folders", type=Path, nargs="+", metavar="DIR",
                            help="folders of student JSON (a shard's CSV stem), or shard CSVs")
    args = parser.parse_args(rest)
    try:
        if command == "batch":
            if not args.submissions.is_dir():
                raise GradingError(NOT_A_FOLDER.format(path=args.submissions))
            if args.jobs < 1:
                parser.error("--jobs must be >= 1")
            # SIGTERM stops the batch as Ctrl-C does: every student's grader is
            # killed, the finished students are kept.
            stop_on_signals()
            started = time.monotonic()
            records, now = run_batch(args.submissions, args.csv, args.jobs, args.shard, args.topics,
                                     args.timeout, args.quiet, lang)
            failed = sum(r["status"] != "graded" for r in records)
            print(BATCH_DONE.format(count=len(records), now=now, kept=len(records) - now, failed=failed,
                                    csv=args.csv, seconds=f"{time.monotonic() - started:.1f}").render(lang),
                  file=sys.stderr)
        else:
            folders = [f.with_suffix("") if f.suffix == ".csv" else f for f in args.folders]
            missing = [f for f in folders if not f.is_dir()]
            if missing:
                raise GradingError(NOT_A_FOLDER.format(path=missing[0]))
            records = read_records(folders)
            write_csv(records, args.csv, [t.name for t in catalog.load(PROJECT_ROOT / "tests")])
            print(MERGED.format(count=len(records), csv=args.csv).render(lang), file=sys.stderr)
    except GradingError as exc:
        print(f"ERROR {exc.text.render(lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ERROR {INTERRUPTED.render(lang)}", file=sys.stderr)
        return 2
    return 0


NO_MODULES = Text(en="no .py module in the submission", zh="提交中没有 .py 模块")
GRADE_TIMED_OUT = Text(en="the grade was stopped after {seconds} s", zh="评分在 {seconds} 秒后被停止")
GRADER_FAILED = Text(en="the grader failed (exit status {status}): {why}",
                     zh="评分程序出错（退出状态 {status}）：{why}")
TWO_SUBMISSIONS = Text(en="{student} has two submissions in {folder} (a folder and a .zip): keep one.",
                       zh="{student} 在 {folder} 中有两份提交（一个目录和一个 .zip）：只保留一份。")
TWO_RECORDS = Text(en="{student} appears in two shards with different results: were the shards cut "
                      "from the same class list?",
                   zh="{student} 出现在两个分片中且结果不同：分片是否来自同一份名单？")
NOT_A_FOLDER = Text(en="{path} is not a folder.", zh="{path} 不是目录。")
BATCH_DONE = Text(
    en="{count} students in {csv} ({now} graded now, {kept} unchanged since the last run, {failed} failed "
       "to grade) in {seconds} s.",
    zh="{csv}：{count} 名学生（本次评分 {now} 名，{kept} 名自上次以来未变，{failed} 名评分失败），"
       "用时 {seconds} 秒。")
MERGED = Text(en="{count} students merged into {csv}.", zh="已把 {count} 名学生合并到 {csv}。")
INTERRUPTED = Text(
    en="Interrupted: the students graded so far are kept; run the same command again to go on.",
    zh="已中断：已评分的学生结果会保留；再次运行同一命令即可继续。")
