"""Course-platform formats: each renderer against a golden file and its platform's field list.

The report is built by hand (no grading run), so the goldens change only
when a renderer does. ``UPDATE_GOLDENS=1 python -m pytest selftests/test_formats.py``
rewrites them; the diff is then the change a platform's reader will see.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from grading import formats
from grading.i18n import Text
from grading.results import Hint, Report, Status, TestResult, TopicResult

GOLDENS = Path(__file__).resolve().parent / "goldens"
WRONG = Text(en="got 1, expected 2", zh="得到 1，应为 2")
EXTENSIONS = {"gradescope": "json", "prairielearn": "json", "classroom": "json", "markdown": "md",
              "json": "json", "junit": "xml"}


def sample() -> Report:
    """Two topics: one with each outcome (a half point among them, a skipped test worth
    nothing here), one whose tests could not load."""
    tests = (
        TestResult("test_a[fork]", Text(en="a", zh="甲"), Status.PASSED, 1.0),
        TestResult("test_a[spawn]", Text(en="a", zh="甲"), Status.FAILED, 1.0, WRONG),
        TestResult("test_b", Text(en="b", zh="乙"), Status.TIMEOUT, 0.5, Text(en="too slow", zh="太慢")),
        TestResult("test_c", Text(en="c", zh="丙"), Status.ERROR, 1.5,
                   Text(en="crashed | <here>", zh="崩溃")),
        TestResult("test_d", Text(en="d", zh="丁"), Status.PASSED, 2.5),
        TestResult("test_e", Text(en="e", zh="戊"), Status.SKIPPED, 1.0,
                   Text(en="this host cannot observe it", zh="本机无法观察")),
    )
    hint = Hint(levels=(Text(en="try", zh="试试"),))
    demo = TopicResult("demo", Text(en="Demo", zh="演示"), tests, hints=(hint,), duration=1.25,
                       declared_points=6.5)
    broken = TopicResult("other", Text(en="Other", zh="其他"), (), duration=0.5,
                         problem=Text(en="could not load", zh="无法加载"), declared_points=3.0,
                         broken=True)
    return Report(workspace="/somewhere/submission", topics=(demo, broken), duration=2.4)


@pytest.mark.parametrize("name", sorted(EXTENSIONS))
def test_matches_its_golden_file(name: str) -> None:
    text = formats.FORMATS[name](sample(), "en")
    golden = GOLDENS / f"{name}.{EXTENSIONS[name]}"
    if os.environ.get("UPDATE_GOLDENS"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(formats.FORMATS[name](sample(), "en"))
    return data


def test_gradescope_fields() -> None:
    """Gradescope: score, execution_time, output, stdout_visibility, tests[]; no top-level max_score."""
    data = load("gradescope")
    assert set(data) == {"score", "execution_time", "output", "stdout_visibility", "tests"}
    assert data["score"] == 3.5 == sum(t["score"] for t in data["tests"])
    assert sum(t["max_score"] for t in data["tests"]) == 9.5  # 6.5 + the broken topic's 3
    for test in data["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in {"passed", "failed"} and test["visibility"] == "visible"
        assert 0 <= test["score"] <= test["max_score"]
    assert data["stdout_visibility"] == "hidden"
    assert "/somewhere" not in json.dumps(data)  # no grader or submission paths


def test_prairielearn_fields() -> None:
    """PrairieLearn: gradable, score in [0, 1], message, tests[] with points and max_points."""
    data = load("prairielearn")
    assert set(data) == {"gradable", "score", "message", "tests"}
    assert data["score"] == round(3.5 / 9.5, 4)
    assert data["gradable"] is False  # a topic's tests could not load: the grader's fault
    for test in data["tests"]:
        assert set(test) == {"name", "points", "max_points", "message", "output"}


def test_classroom_reporter_adds_up_real_points() -> None:
    """GitHub Classroom: the reporter sums tests[].score against max_score, from a base64 step output."""
    text = formats.render_classroom(sample(), "en")
    data = json.loads(base64.b64decode(base64.b64encode(text.encode())).decode())
    assert set(data) == {"version", "status", "max_score", "tests"}
    assert data["version"] == 1 and data["status"] == "error"
    # The reporter's NotifyClassroom: total = sum of tests' score, max = max_score.
    assert (sum(t["score"] for t in data["tests"]), data["max_score"]) == (3.5, 9.5)
    fields = {"name", "status", "message", "test_code", "filename", "line_no", "execution_time", "score"}
    for test in data["tests"]:
        assert set(test) == fields and test["status"] in {"pass", "fail", "error"}
        assert test["test_code"] == ""  # hidden tests never shown


def test_a_skipped_test_is_worth_nothing_here_and_says_so() -> None:
    for name, points, best in (("gradescope", "score", "max_score"), ("prairielearn", "points", "max_points"),
                               ("classroom", "score", None)):
        skipped = [t for t in load(name)["tests"] if "[test_e]" in t["name"]]
        assert len(skipped) == 1 and "(skipped: graded on another system)" in skipped[0]["name"], name
        assert skipped[0][points] == 0 and (best is None or skipped[0][best] == 0), name
    assert "Graded here 3.5/9.5; 1 more points" in load("gradescope")["output"]


def test_markdown_escapes_table_breakers_and_lists_losses() -> None:
    text = formats.render_markdown(sample(), "en")
    assert "crashed \\| &lt;here&gt;" in text
    assert "| demo | 3.5/6.5 |" in text and "| other | 0/3 |" in text
    assert "/somewhere" not in text


def test_step_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("before\n", encoding="utf-8")
    assert formats.append_step_summary(sample(), "en", {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    assert summary.read_text(encoding="utf-8").startswith("before\n### ")
    assert formats.append_step_summary(sample(), "en", {}) is None


# -- --format and --output on the command line ------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def grader(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "grader.py"), *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300,
                          env={**{k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"},
                               "GRADER_LANG": "en", **(env or {})})


@pytest.mark.parametrize(("argv", "said"), [
    (["--format", "gradescope"], "--format gradescope needs an --output FILE"),
    (["--format", "markdown"], "--format markdown needs an --output FILE"),
    (["--output", "x.json"], "more --output than --format"),
    (["--format", "nope", "--output", "x.json"], "invalid choice: 'nope'"),
])
def test_format_usage_errors(argv: list[str], said: str) -> None:
    proc = grader(*argv)
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr


@pytest.mark.slow
def test_formats_are_written_where_asked(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    proc = grader("concepts", "--workspace", ROOT / "solutions", "--quiet",
                  "--format", "gradescope", "--output", tmp_path / "gs.json",
                  "--format", "prairielearn", "--output", tmp_path / "pl.json", "--format", "markdown",
                  env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "gs.json").read_text(encoding="utf-8"))["score"] == 8
    assert json.loads((tmp_path / "pl.json").read_text(encoding="utf-8"))["score"] == 1.0
    assert "| concepts | 8/8 |" in summary.read_text(encoding="utf-8")
