"""The hostile corpus (selftests/hostile/): each attack graded on a throw-away
copy of the checkout, never on the real one, and the grader's reaction
checked from outside (see selftests/hostile/README.md).

``KATA_HOSTILE_SOURCE=/path/to/checkout`` grades the corpus against another
checkout's grader (copied first, like this one).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grading import contain

from .conftest import ROOT, SELFTESTS, copy_checkout

HOSTILE = SELFTESTS / "hostile"
SOURCE = Path(os.environ.get("KATA_HOSTILE_SOURCE", ROOT)).resolve()
#: The topic graded beside each attacked one, from solutions/: full marks, always.
CONTROL = "isolation"
#: Seconds one grade may take here before the self-test kills it (a frozen grader).
GRADE_TIMEOUT = 180.0
#: Seconds after the grader's exit during which nothing may rewrite its report.
WATCH = 3.0


def _trusted_wired() -> bool:
    """The launcher says it contains student code (``CONTAINED = True`` in
    grading.sandbox: the trusted tier, ``contain.enter`` in the launcher's child)."""
    if not (sys.platform.startswith("linux") and os.geteuid() == 0):
        return False
    if contain.probe().name != "trusted":
        return False
    from grading import sandbox
    return bool(getattr(sandbox, "CONTAINED", False))


TRUSTED_WIRED = _trusted_wired()


def _cases() -> list[Any]:
    cases = []
    for folder in sorted(p for p in HOSTILE.iterdir() if (p / "expect.toml").is_file()):
        expect = tomllib.loads((folder / "expect.toml").read_text(encoding="utf-8"))
        marks: list[Any] = [pytest.mark.slow, pytest.mark.hostile]
        if expect["tier"] == "trusted":
            marks.append(pytest.mark.trusted)
            if expect.get("unsafe") and not TRUSTED_WIRED:
                marks.append(pytest.mark.skip(
                    reason="not run without the trusted tier: it would take gigabytes from the machine"))
            elif not TRUSTED_WIRED:
                marks.append(pytest.mark.xfail(
                    reason="needs grading.contain.enter() in the launcher", strict=False))
        cases.append(pytest.param(folder, expect, id=folder.name, marks=marks))
    return cases


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    #: The report as read again WATCH seconds after the grader ended.
    report_later: bytes | None
    report_first: bytes | None
    scratch_left: list[str]

    def topic(self, name: str) -> dict[str, Any]:
        assert self.report is not None, self.stderr[-3000:]
        return next(t for t in self.report["topics"] if t["name"] == name)


def _snapshot(root: Path) -> dict[str, str]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            found[str(path.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return found


def _copy_checkout(dest: Path) -> Path:
    copy_checkout(dest, SOURCE)
    # A git folder of its own: the checkout's .git may point at the real repository.
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "copy"]):
        subprocess.run(["git", *args], cwd=dest, env=env, check=True, capture_output=True)
    return dest


def _processes_naming(*paths: Path) -> list[int]:
    """Live processes whose command line names one of ``paths``."""
    needles = [str(p).encode() for p in paths]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(n in cmdline for n in needles):
            found.append(int(entry.name))
    return found


def _kill(pids: list[int]) -> None:
    if sys.platform == "win32":
        sigs = (signal.SIGTERM,)  # os.kill ends the process there, whatever its state
    else:
        sigs = (signal.SIGCONT, signal.SIGKILL)
    for pid in pids:
        for sig in sigs:
            try:
                os.kill(pid, sig)
            except OSError:
                pass


def _grade(checkout: Path, workspace: Path, topics: list[str], run_dir: Path,
           env: dict[str, str]) -> Run:
    scratch = run_dir / "tmp"
    scratch.mkdir(parents=True)
    out = run_dir / "report.json"
    proc = subprocess.Popen(
        [sys.executable, str(checkout / "grader.py"), "--workspace", str(workspace), *topics,
         "--quiet", "--json", str(out), "--lang", "en"],
        cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        env={**env, "TMPDIR": str(scratch)}, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=GRADE_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill([proc.pid])
        stdout, stderr = proc.communicate()
        stderr += b"\n[the grade did not end: killed by the self-test]"
    first = out.read_bytes() if out.exists() else None
    time.sleep(WATCH)
    later = out.read_bytes() if out.exists() else None
    try:
        report = json.loads(first) if first else None
    except ValueError:
        report = None
    return Run(proc.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace"),
               report, later, first, sorted(str(p.relative_to(scratch)) for p in scratch.rglob("*")))


def _distinctive_lines(path: Path, common: set[str]) -> set[str]:
    """Lines of a hidden file long and particular enough that their presence
    in a report means the file leaked."""
    lines = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if len(line) >= 30 and line not in common and not line.startswith(("#", '"""')):
            lines.add(line)
    return lines


def _shared_entries(marker: str) -> list[str]:
    found = []
    for folder in (Path("/dev/shm"), Path("/tmp")):
        try:
            found += [str(p) for p in folder.iterdir() if marker in p.name]
        except OSError:
            continue
    return found


@pytest.mark.timeout(3 * GRADE_TIMEOUT)
@pytest.mark.parametrize(("case", "expect"), _cases())
def test_attack_is_contained(case: Path, expect: dict[str, Any], tmp_path: Path) -> None:
    topic = expect["topic"]
    checkout = _copy_checkout(tmp_path / "checkout")
    before = _snapshot(checkout)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    shutil.copy(checkout / "solutions" / f"{CONTROL}.py", workspace)
    for module in case.glob("*.py"):
        shutil.copy(module, workspace)
    canary = f"kata-canary-{secrets.token_hex(8)}"
    # GRADER_STATE=off: the grader's memory of the last results (a git-ignored
    # file in the workspace) would be a change to the checkout, which must stay
    # byte for byte as it was.
    env = {**os.environ, "GRADER_LANG": "en", "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "KATA_HOSTILE_CANARY": canary, "GRADER_STATE": "off"}
    env.pop("PYTEST_XDIST_WORKER", None)
    # Attacks name what they leave after the folder holding the workspace.
    marker = tmp_path.name
    shm_before = set(_shared_entries(marker))
    try:
        run = _grade(checkout, workspace, [topic, CONTROL], tmp_path / "run1", env)
        time.sleep(1.0)
        left = _processes_naming(checkout, workspace)
        shared_left = sorted(set(_shared_entries(marker)) - shm_before)
        second = _grade(checkout, checkout / "exercises", [topic, CONTROL], tmp_path / "run2", env)
    finally:
        _kill(_processes_naming(checkout, workspace))
        for entry in set(_shared_entries(marker)) - shm_before:
            Path(entry).unlink(missing_ok=True)
    print(f"{case.name}: exit {run.returncode}; {topic} "
          f"{run.topic(topic)['score'] if run.report else '?'}; stderr tail: {run.stderr[-300:]!r}")

    # The report is written, and it is the grader's.
    assert run.report is not None, f"no JSON report; stderr: {run.stderr[-2000:]}"
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    assert run.returncode in (0, 1), run.stderr[-2000:]
    assert run.report_later == run.report_first, "the report was rewritten after the grader ended"
    total = re.search(r"Total: ([\d.]+)/([\d.]+)", run.stdout)
    assert total is not None, run.stdout[-2000:]
    assert float(total.group(1)) == run.report["score"], "the JSON says another score than the grader"
    # The attacked topic earns no more than its due; the other one grades normally.
    attacked = run.topic(topic)
    assert attacked["score"] <= expect["max_score"], attacked
    control = run.topic(CONTROL)
    assert control["score"] == control["max_score"], control
    if expect.get("memory"):
        assert all("memory limit" in t["message"] for t in attacked["tests"]), attacked
    if expect.get("says"):  # what every failed test of the attacked topic names, and not the memory
        failed = [t for t in attacked["tests"] if t["outcome"] != "passed"]
        assert failed, attacked
        assert all(expect["says"] in t["message"] and "memory limit" not in t["message"]
                   for t in failed), failed
    # Nothing hidden leaks into what the student reads.
    shown = run.stdout + json.dumps(run.report, ensure_ascii=False)
    stub = (checkout / "exercises" / f"{topic}.py").read_text(encoding="utf-8")
    common = {line.strip() for line in stub.splitlines()}
    for part, path in (("tests", checkout / "tests" / f"test_{topic}.py"),
                       ("solution", checkout / "solutions" / f"{topic}.py")):
        leaked = [line for line in _distinctive_lines(path, common) if line in shown]
        assert not leaked, f"{len(leaked)} lines of the hidden {part} file in the report: {leaked[:3]}"
    assert canary not in shown, "the grader's environment reached the report"
    # Nothing is left, and the checkout is as it was.
    assert left == [], f"processes left: {left}"
    assert shared_left == [], f"left in /tmp or /dev/shm: {shared_left}"
    assert run.scratch_left == [], f"left in the grader's scratch: {run.scratch_left[:10]}"
    after = _snapshot(checkout)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert changed == [], f"the checkout changed: {changed}"
    # A second grade from the same copy: the stubs score 0, as always.
    assert second.report is not None, second.stderr[-2000:]
    assert second.report["score"] == 0, [(t["name"], t["score"]) for t in second.report["topics"]]
    assert second.returncode == 1
