"""``grader.py batch`` and ``merge`` on a small class, one quick topic (concepts).

Each student is a folder or a zip: honest, untouched stub, a crash at
import, one that hangs past the batch's ``--timeout``, and one with no module.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from grading import batch

from .conftest import ROOT, committed_stub

TOPIC = "concepts"
EXPECTED = """\
student,score,max_score,status,concepts,cause
alice,8,8,graded,8,
carol,0,8,graded,0,
dave,0,8,graded,0,
eve,0,8,graded,0,concepts: error 8
frank,0,,failed,,no .py module in the submission
hank,0,8,graded,0,concepts: timeout 8
"""
#: hank's module: it never finishes its import.
HANG = "import time\nwhile True:\n    time.sleep(1)\n"


def make_class(folder: Path) -> Path:
    folder.mkdir()
    solution = (ROOT / "solutions" / f"{TOPIC}.py").read_text(encoding="utf-8")
    stub = committed_stub(TOPIC).decode("utf-8")
    for student, text in (("alice", solution), ("carol", stub), ("eve", "import os\nos._exit(3)\n"),
                          ("hank", HANG)):
        (folder / student).mkdir()
        (folder / student / f"{TOPIC}.py").write_text(text, encoding="utf-8")
    with zipfile.ZipFile(folder / "dave.zip", "w") as archive:  # a zip, its module in a sub-folder
        archive.writestr(f"dave/{TOPIC}.py", stub)
    (folder / "frank").mkdir()
    (folder / "frank" / "notes.txt").write_text("no code\n", encoding="utf-8")
    return folder


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "grader.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "GRADER_LANG": "en", "NO_COLOR": "1"})


def grade_class(folder: Path, csv: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run("batch", folder, "--csv", csv, "--topic", TOPIC, "--jobs", "2", "--quiet", *extra)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("class")
    folder = make_class(root / "submissions")
    proc = grade_class(folder, root / "grades.csv")
    assert proc.returncode == 0, proc.stderr
    return folder, root / "grades.csv"


@pytest.mark.slow
def test_every_student_gets_a_row_and_a_json(graded: tuple[Path, Path]) -> None:
    folder, csv = graded
    assert csv.read_text(encoding="utf-8") == EXPECTED
    assert sorted(p.stem for p in (csv.parent / "grades").glob("*.json")) == [
        "alice", "carol", "dave", "eve", "frank", "hank"]


@pytest.mark.slow
def test_unchanged_students_are_not_graded_again(graded: tuple[Path, Path], tmp_path: Path) -> None:
    folder, csv = graded
    copy = tmp_path / "copy"
    shutil.copytree(csv.parent, copy)
    proc = grade_class(folder, copy / "grades.csv")
    assert proc.returncode == 0 and "(0 graded now, 6 unchanged" in proc.stderr, proc.stderr
    # One student changes a file: only that one is graded again.
    work = tmp_path / "submissions"
    shutil.copytree(folder, work)
    (work / "carol" / f"{TOPIC}.py").write_text(
        (ROOT / "solutions" / f"{TOPIC}.py").read_text(encoding="utf-8"), encoding="utf-8")
    proc = grade_class(work, copy / "grades.csv")
    assert "(1 graded now, 5 unchanged" in proc.stderr, proc.stderr
    assert "carol,8,8,graded,8," in (copy / "grades.csv").read_text(encoding="utf-8")


@pytest.mark.slow
def test_merged_shards_equal_one_run_byte_for_byte(graded: tuple[Path, Path], tmp_path: Path) -> None:
    folder, csv = graded
    shards = []
    for k in (1, 2):
        shard_csv = tmp_path / f"shard{k}.csv"
        assert grade_class(folder, shard_csv, "--shard", f"{k}/2").returncode == 0
        shards.append(shard_csv)
    counts = [len(list(s.with_suffix("").glob("*.json"))) for s in shards]
    assert sum(counts) == 6 and all(counts), counts  # both shards got students
    proc = run("merge", "--csv", tmp_path / "merged.csv", *shards)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "merged.csv").read_bytes() == csv.read_bytes()


@pytest.mark.slow
def test_a_grade_past_the_time_limit_gets_its_row(tmp_path: Path) -> None:
    """--timeout stops one student's grade; the row says so and the batch goes on."""
    folder = tmp_path / "submissions"
    (folder / "hank").mkdir(parents=True)
    (folder / "hank" / f"{TOPIC}.py").write_text("import time\nwhile True:\n    time.sleep(1)\n",
                                                  encoding="utf-8")
    proc = run("batch", folder, "--csv", tmp_path / "grades.csv", "--topic", TOPIC, "--timeout", "1",
               "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "grades.csv").read_text(encoding="utf-8").splitlines()[1] == \
        "hank,0,,failed,the grade was stopped after 1 s"  # no topic column: no topic was graded


def _grading_now(batch_pid: int, text: str) -> bool:
    """Whether one of the batch's graders has a workspace holding this module text."""
    try:
        graders = psutil.Process(batch_pid).children()
    except psutil.Error:
        return False
    for grader in graders:
        try:
            line = grader.cmdline()
        except psutil.Error:
            continue
        if "--workspace" in line[:-1]:
            module = Path(line[line.index("--workspace") + 1]) / f"{TOPIC}.py"
            try:
                if module.read_text(encoding="utf-8") == text:
                    return True
            except OSError:
                continue
    return False


@pytest.mark.slow
def test_an_interrupted_batch_resumes_to_the_same_csv(graded: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGINT with students under way: those are not recorded, the next run grades them.

    The signal goes while hank's grade runs: his module hangs at import, so his
    grade takes the import's time limit at least, and it is cut short however
    slow the machine is."""
    folder, csv = graded
    target = tmp_path / "grades.csv"
    command = [sys.executable, str(ROOT / "grader.py"), "batch", str(folder), "--csv", str(target),
               "--topic", TOPIC, "--jobs", "2", "--quiet"]
    # Started as a shell starts a background job: SIGINT inherited ignored.
    # The batch must stop on it all the same.
    shell = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    proc = subprocess.Popen(shell, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    results = target.with_suffix("")
    deadline = time.monotonic() + 120
    while proc.poll() is None and not _grading_now(proc.pid, HANG) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch ended before hank's grade was seen running"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "run the same command again" in err, err
    kept = {p.stem for p in results.glob("*.json")}
    assert "hank" not in kept  # cut short: no record
    statuses = {p.stem: json.loads(p.read_text(encoding="utf-8"))["status"] for p in results.glob("*.json")}
    assert all(v == "graded" for k, v in statuses.items() if k != "frank"), statuses  # none cut short
    resumed = grade_class(folder, target)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{6 - len(kept)} graded now, {len(kept)} unchanged" in resumed.stderr
    assert target.read_bytes() == csv.read_bytes()


def test_shards_split_the_class_whatever_its_order() -> None:
    ids = [f"s{i:03d}" for i in range(200)]
    counts = [sum(batch.shard_of(i, 4) == k for i in ids) for k in (1, 2, 3, 4)]
    assert sum(counts) == 200 and min(counts) > 30
    assert [batch.shard_of(i, 4) for i in ids] == [batch.shard_of(i, 4) for i in reversed(ids)][::-1]


@pytest.mark.parametrize(("argv", "said"), [
    (["batch", "no/such/folder", "--csv", "x.csv"], "is not a folder"),
    (["batch", ".", "--csv", "x.csv", "--shard", "3/2"], "is not K/N"),
    (["merge", "--csv", "x.csv", "no/such/folder"], "is not a folder"),
])
def test_usage_errors_say_the_rule(argv: list[str], said: str) -> None:
    proc = run(*argv)
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr
