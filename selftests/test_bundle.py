"""The Gradescope autograder and the student's copy, run as they will be run.

``run_autograder`` runs against a fake /autograder tree in a temporary folder
(``AUTOGRADER_ROOT``), on one quick topic: an honest submission, the
untouched stub, one that hangs, one that crashes, and the grader broken on
purpose. Every run must leave a valid Gradescope ``results.json``.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from grading import bundle

from .conftest import ROOT, committed_stub, copy_checkout, grade, stub_names

TOPIC = "concepts"
HANGS = "import time\nwhile True:\n    time.sleep(1)\n"
CRASHES = "import os\nos._exit(3)\n"


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    proc = subprocess.run([sys.executable, str(ROOT / "grader.py"), "gradescope-bundle", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return out


def fake_tree(zip_path: Path, root: Path, submission: dict[str, str]) -> Path:
    """/autograder as Gradescope lays it out: source/ unpacked, run_autograder copied, submission/."""
    with zipfile.ZipFile(zip_path) as bundle_zip:
        bundle_zip.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    for name, text in submission.items():
        (root / "submission" / name).write_text(text, encoding="utf-8")
    return root


def run_autograder(root: Path) -> dict[str, Any]:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_TOPICS": TOPIC, "GRADER_LANG": "en"}
    proc = subprocess.run([sys.executable, str(root / "run_autograder")], capture_output=True, text=True,
                          env=env, timeout=300, cwd=root)
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    # Gradescope's shape: a score, tests with score <= max_score, no top-level max_score.
    assert isinstance(data["score"], (int, float)) and "max_score" not in data
    assert isinstance(data["tests"], list) and isinstance(data["output"], str)
    for test in data["tests"]:
        assert 0 <= test["score"] <= test["max_score"] and test["status"] in {"passed", "failed"}
    return data


def source(folder: str) -> str:
    return (ROOT / folder / f"{TOPIC}.py").read_text(encoding="utf-8")


def test_bundle_has_the_scripts_at_its_root(autograder_zip: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as bundle_zip:
        names = set(bundle_zip.namelist())
        mode = bundle_zip.getinfo("run_autograder").external_attr >> 16
    assert {"setup.sh", "run_autograder", "grader.py", "requirements.txt", "grading/cli.py",
            "tests/topics.toml", f"tests/test_{TOPIC}.py"} <= names
    assert mode & 0o111, "run_autograder must be executable"
    assert not any(n.startswith(("solutions/", "selftests/", "exercises/")) for n in names)


def test_setup_script_is_valid_bash(autograder_zip: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(autograder_zip) as bundle_zip:
        (tmp_path / "setup.sh").write_bytes(bundle_zip.read("setup.sh"))
    assert subprocess.run(["bash", "-n", str(tmp_path / "setup.sh")]).returncode == 0


@pytest.mark.slow
def test_honest_submission_gets_full_marks(autograder_zip: Path, tmp_path: Path) -> None:
    data = run_autograder(fake_tree(autograder_zip, tmp_path, {f"{TOPIC}.py": source("solutions")}))
    assert data["tests"] and data["score"] == sum(t["max_score"] for t in data["tests"]) > 0


@pytest.mark.slow
def test_untouched_stub_gets_zero_with_messages(autograder_zip: Path, tmp_path: Path) -> None:
    stub = committed_stub(TOPIC).decode("utf-8")
    data = run_autograder(fake_tree(autograder_zip, tmp_path, {f"{TOPIC}.py": stub}))
    assert data["tests"] and data["score"] == 0
    assert all(t["status"] == "failed" and t["output"] for t in data["tests"])


@pytest.mark.slow
@pytest.mark.parametrize(("text", "said"), [(HANGS, "longer than"), (CRASHES, "imported")],
                         ids=["hangs", "crashes"])
def test_hanging_or_crashing_submission_is_graded_zero(autograder_zip: Path, tmp_path: Path,
                                                       text: str, said: str) -> None:
    data = run_autograder(fake_tree(autograder_zip, tmp_path, {f"{TOPIC}.py": text}))
    assert data["tests"] and data["score"] == 0
    assert all(said in t["output"] for t in data["tests"]), data["tests"][0]["output"]


def test_broken_grader_still_writes_a_valid_result(autograder_zip: Path, tmp_path: Path) -> None:
    root = fake_tree(autograder_zip, tmp_path, {f"{TOPIC}.py": source("solutions")})
    (root / "source" / "grading" / "cli.py").write_text("this is not python\n", encoding="utf-8")
    data = run_autograder(root)
    assert data["score"] == 0 and data["tests"] == []
    assert "The grader itself failed (it wrote no valid results.json)" in data["output"]
    assert "not a judgement of your code" in data["output"]


def test_empty_submission_says_what_to_upload(autograder_zip: Path, tmp_path: Path) -> None:
    data = run_autograder(fake_tree(autograder_zip, tmp_path, {}))
    assert data["score"] == 0 and "No .py file" in data["output"]


# -- the student's copy ----------------------------------------------------------


@pytest.mark.slow
def test_export_grades_the_stubs_to_zero_and_holds_no_solution(tmp_path: Path) -> None:
    dest = tmp_path / "student"
    checkout = copy_checkout(tmp_path / "checkout")  # (with the stubs as committed)
    proc = subprocess.run([sys.executable, str(checkout / "grader.py"), "export", str(dest)],
                          capture_output=True, text=True, cwd=checkout)
    assert proc.returncode == 0, proc.stderr
    files = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert {"README.md", "grader.py", "requirements.txt", "tests/topics.toml",
            f"exercises/{TOPIC}.py"} <= files
    assert not any(f.startswith(("solutions/", "selftests/")) for f in files)
    # No solution's text, nor any mistaken variant's, anywhere in the copy.
    everything = "\n".join((dest / f).read_text(encoding="utf-8") for f in files)
    for solution in (ROOT / "solutions").glob("*.py"):
        body = [line for line in solution.read_text(encoding="utf-8").splitlines()
                if len(line.strip()) > 25 and line.strip() not in stub_lines()]
        leaked = [line for line in body if line in everything]
        assert len(leaked) < len(body) / 4, (solution.name, leaked[:5])
    graded = grade(TOPIC, tmp_path=tmp_path, root=dest)
    assert graded.data is not None, graded.stderr
    assert graded.data["score"] == 0 and graded.returncode == 1


def test_export_without_hidden_tests(tmp_path: Path) -> None:
    written = bundle.export_student_copy(tmp_path / "student", hidden=False)
    assert not any(name.startswith("tests/") for name in written)
    assert "exercises/concepts.py" in written


@functools.cache
def stub_lines() -> set[str]:
    """Lines a stub and its solution share on purpose: the docstring, imports, signatures."""
    return {line.strip() for name in stub_names()
            for line in committed_stub(name).decode("utf-8").splitlines()}
