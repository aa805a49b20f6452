"""The GitHub Classroom workflow: its structure, and its grading step run here as Actions runs it.

actionlint cannot be installed from this project's package sources, so the
workflow is checked with a YAML parser against the rules that matter: every
action pinned to a major version, the grader checked out from the pinned
commit (never the student's copy), the reporter fed by the grading step's
output under the name it reads. The grading step's script then runs in a
temporary layout with ``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY`` set.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import ROOT, committed_stub

WORKFLOW = ROOT / ".github" / "workflows" / "classroom.yml"
TOPIC = "concepts"


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data


def steps() -> list[dict[str, Any]]:
    jobs = workflow()["jobs"]
    assert len(jobs) == 1
    found: list[dict[str, Any]] = next(iter(jobs.values()))["steps"]
    return found


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in steps() if s.get("id") == step_id)


def test_triggers_permissions_and_placeholders() -> None:
    data = workflow()
    assert set(data) == {"name", "on", "permissions", "env", "jobs"}  # "on" quoted: YAML 1.1 reads on as true
    assert "push" in data["on"]
    assert data["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert re.fullmatch(r"[0-9a-f]{40}", data["env"]["GRADER_REF"]), "GRADER_REF is a full commit SHA"
    job = next(iter(data["jobs"].values()))
    assert job["runs-on"] == "ubuntu-latest" and job["timeout-minutes"] <= 60


def test_every_step_is_well_formed() -> None:
    ids = [s["id"] for s in steps() if "id" in s]
    assert len(ids) == len(set(ids))
    for s in steps():
        assert s.get("name"), s
        assert ("uses" in s) != ("run" in s), s
        if "uses" in s:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", s["uses"]), s["uses"]
        for text in json.dumps(s).split("${{")[1:]:
            expression = text.split("}}")[0]
            assert re.match(r"\s*(env|steps|secrets|github)\.", expression), expression
        if "run" in s:
            assert subprocess.run(["bash", "-n"], input=s["run"], text=True).returncode == 0, s["name"]


def test_grader_comes_from_the_pinned_commit_not_the_submission() -> None:
    checkouts = [s for s in steps() if s.get("uses", "").startswith("actions/checkout@")]
    submission, grader = checkouts
    assert submission["with"]["path"] == "submission" and "repository" not in submission["with"]
    assert grader["with"] == {"repository": "${{ env.GRADER_REPOSITORY }}", "ref": "${{ env.GRADER_REF }}",
                              "token": "${{ secrets.GRADER_TOKEN || github.token }}", "path": "grader",
                              "persist-credentials": False}
    script = step("grade")["run"]
    assert "python grader/grader.py --workspace submission/exercises" in script
    assert "submission/grader.py" not in script and "submission/tests" not in script


def test_reporter_reads_the_grading_step() -> None:
    reporter = next(s for s in steps() if "autograding-grading-reporter" in s.get("uses", ""))
    runner = reporter["with"]["runners"]
    assert runner == "grade"
    assert reporter["env"] == {f"{runner.upper()}_RESULTS": f"${{{{ steps.{runner}.outputs.result }}}}"}


def run_grade_step(tmp_path: Path, module: str, grader: Path = ROOT) -> tuple[dict[str, Any], str]:
    (tmp_path / "submission" / "exercises").mkdir(parents=True)
    (tmp_path / "submission" / "exercises" / f"{TOPIC}.py").write_text(module, encoding="utf-8")
    (tmp_path / "grader").symlink_to(grader)
    out, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {**os.environ, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary),
           **{k: str(v) for k, v in workflow()["env"].items()}, "GRADER_TOPICS": TOPIC, "GRADER_LANG": "en"}
    proc = subprocess.run(["bash", "-e", "-c", step("grade")["run"]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(x for x in out.read_text(encoding="utf-8").splitlines() if x.startswith("result="))
    result: dict[str, Any] = json.loads(base64.b64decode(line.removeprefix("result=")))
    return result, summary.read_text(encoding="utf-8") if summary.exists() else ""


@pytest.mark.slow
def test_grade_step_publishes_real_points_and_a_summary(tmp_path: Path) -> None:
    solution = (ROOT / "solutions" / f"{TOPIC}.py").read_text(encoding="utf-8")
    result, summary = run_grade_step(tmp_path, solution)
    assert result["status"] == "pass" and result["max_score"] == 8
    assert sum(t["score"] for t in result["tests"]) == 8
    assert f"| {TOPIC} | 8/8 |" in summary
    assert (tmp_path / "junit.xml").is_file()


@pytest.mark.slow
def test_grade_step_scores_the_stub_zero(tmp_path: Path) -> None:
    stub = committed_stub(TOPIC).decode("utf-8")
    result, _ = run_grade_step(tmp_path, stub)
    assert result["status"] == "fail" and sum(t["score"] for t in result["tests"]) == 0


def test_a_broken_grader_posts_no_grade(tmp_path: Path) -> None:
    grader = tmp_path / "pinned"
    grader.mkdir()
    for name in ("grader.py", "requirements.txt"):
        shutil.copy(ROOT / name, grader / name)
    for name in ("grading", "tests"):
        shutil.copytree(ROOT / name, grader / name, ignore=shutil.ignore_patterns("__pycache__"))
    (grader / "grading" / "cli.py").write_text("broken(\n", encoding="utf-8")
    result, _ = run_grade_step(tmp_path / "run", "ANSWERS = {}\n", grader=grader)
    assert result["status"] == "error" and result["max_score"] == 0  # the reporter posts no score
