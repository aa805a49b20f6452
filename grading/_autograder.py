#!/usr/bin/env python3
"""Gradescope's ``run_autograder``: grade /autograder/submission, write /autograder/results/results.json.

``python grader.py gradescope-bundle OUT.zip`` ships this file as
``run_autograder``; Gradescope runs it once per submission, in a container of
its own. It copies the submission's ``*.py`` files into a fresh workspace,
runs the grader from /autograder/source on it (a separate process, with an
overall time limit) and puts the grader's Gradescope ``results.json`` in
place. When the grader itself fails (it crashed, it hung, it wrote nothing
valid), it still writes a valid results file whose message says so: a
failure of the grader is never a student's grade, and Gradescope never
shows "no results".

Standard library only, and no import of the grader: this file must work
when the grader is broken, on any Python 3 the image has.

Environment (all optional): ``AUTOGRADER_ROOT`` (default ``/autograder``;
the self-tests point it at a fake tree), ``AUTOGRADER_TOPICS`` (grade only
these topics, space-separated), ``AUTOGRADER_TIMEOUT`` (seconds for the
whole grade, default 1800), ``GRADER_LANG`` (zh, en or both).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
SOURCE = ROOT / "source"
SUBMISSION = ROOT / "submission"
RESULTS = ROOT / "results" / "results.json"
TIMEOUT = float(os.environ.get("AUTOGRADER_TIMEOUT", "1800"))

NO_FILES = {
    "en": "No .py file was found in your submission: upload the exercise modules "
          "(upload_server.py, daemon.py, ...) themselves, not a folder of them.",
    "zh": "提交中没有找到 .py 文件：请直接上传练习的模块文件"
          "（upload_server.py、daemon.py 等），不要上传文件夹。",
}
GRADER_FAILED = {
    "en": "The grader itself failed ({why}), so this submission has not been graded: the score of 0 "
          "is not a judgement of your code. Tell your instructor, who can regrade it.",
    "zh": "评分程序本身出错（{why}），这次提交没有被评分：0 分不代表你的代码有问题。"
          "请告诉老师，老师可以重新评分。",
}


def say(text: dict[str, str], **values: object) -> str:
    lang = os.environ.get("GRADER_LANG", "both")
    if lang in ("en", "zh"):
        return text[lang].format(**values)
    return text["zh"].format(**values) + "\n" + text["en"].format(**values)


def python() -> str:
    """The interpreter setup.sh prepared (a venv beside the source), else this one."""
    for candidate in (ROOT / "venv" / "bin" / "python", ROOT / "venv" / "Scripts" / "python.exe"):
        if candidate.exists():
            return str(candidate)
    return sys.executable


def copy_submission(workspace: Path) -> list[str]:
    """Every module-named ``*.py`` of the submission, found at any depth (a
    student may upload a folder); the shallowest copy of a name wins."""
    found: dict[str, Path] = {}
    if SUBMISSION.is_dir():
        for path in sorted(SUBMISSION.rglob("*.py"), key=lambda p: (len(p.parts), str(p))):
            if path.stem.isidentifier() and path.is_file() and path.name not in found:
                found[path.name] = path
    for name, path in found.items():
        shutil.copyfile(path, workspace / name)
    return sorted(found)


def failure(message: str) -> dict[str, object]:
    """A valid Gradescope results file that carries one message and no grade."""
    return {"score": 0, "output": message, "stdout_visibility": "hidden", "tests": []}


def valid(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("tests"), list) and (
        isinstance(data.get("score"), (int, float)) or all("score" in t for t in data["tests"]))


def write(data: dict[str, object]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    temp = RESULTS.with_name(RESULTS.name + ".part")
    temp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, RESULTS)


def grade(workspace: Path, out: Path) -> str | None:
    """Run the grader; None when it wrote its results, else why it did not."""
    command = [python(), str(SOURCE / "grader.py"), "--workspace", str(workspace), "--quiet",
               "--format", "gradescope", "--output", str(out),
               *os.environ.get("AUTOGRADER_TOPICS", "").split()]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    env["GRADER_STATE"] = "off"  # no state file: the workspace is thrown away
    proc = subprocess.Popen(command, cwd=str(SOURCE), stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    try:
        status = proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        status = None
    finally:
        # Nothing the grade started outlives it.
        try:
            if sys.platform == "win32":
                proc.kill()  # no process groups there: the grader alone
            else:
                os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
    if status is None:
        return f"it ran past {TIMEOUT:g} s"
    if status not in (0, 1):
        return f"exit status {status}"
    if not valid(out):
        return "it wrote no valid results.json"
    return None


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        workspace = Path(scratch) / "workspace"
        workspace.mkdir()
        if not copy_submission(workspace):
            write(failure(say(NO_FILES)))
            return 0
        out = Path(scratch) / "results.json"
        try:
            why = grade(workspace, out)
        except Exception as exc:  # noqa: BLE001 - the grader could not even start
            why = f"{type(exc).__name__}: {exc}"
        if why is None:
            write(json.loads(out.read_text(encoding="utf-8")))
        else:
            print(f"run_autograder: the grader failed: {why}", file=sys.stderr)
            write(failure(say(GRADER_FAILED, why=why)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
