"""The ordinary-user tier, graded for real: a grade run as an unprivileged
user (uid 65534) from root, as on a student's laptop or a CI runner without
root.

The grade runs on a copy of the checkout owned by that user. The interpreter
lives under ``/root`` (mode 0700 here), which the user could not enter: the
grade starts in a mount namespace of its own where ``/root`` is an empty
tmpfs and the interpreter's prefix is bound back read-only at its own path
(the trick ``contain.home_folders`` and ``contain.interpreter_paths`` play
for the trusted tier's calls); then it drops to the user and execs the
grader. The machine's permissions are never changed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from grading.host import ENFORCED

from .conftest import copy_checkout

LINUX_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not LINUX_ROOT, reason="needs Linux and root (to become another user)")]

USER = 65534

#: Run as root: a mount namespace with /root hidden and the interpreter bound
#: back, then the user, then the grader (argv after the script's own).
AS_USER = """
import os, sys
sys.path.insert(0, {grading!r})
import contain
contain.unshare(contain.CLONE_NEWNS)
contain.mount(None, "/", None, contain.MS_REC | contain.MS_PRIVATE)
# Opened in the new namespace before /root is covered: a bind reaches them there.
keep = {{p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in contain.interpreter_paths()}}
for home in contain.home_folders():
    contain.mount("tmpfs", home, "tmpfs", contain.MS_NOSUID | contain.MS_NODEV, "mode=0755,size=1m")
for path, fd in keep.items():
    if path.startswith(tuple(h + "/" for h in contain.home_folders())):
        os.makedirs(path, exist_ok=True)
        contain._bind(fd, path, writable=False)
os.setgroups([])
os.setresgid({uid}, {uid}, {uid})
os.setresuid({uid}, {uid}, {uid})
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""


@pytest.fixture
def checkout() -> Iterator[Path]:
    """A copy of the checkout the user owns, where the user can reach it
    (pytest's own tmp folders are root's, mode 0700)."""
    if sys.platform == "win32":
        pytest.skip("needs Linux and root")
    base = Path(tempfile.mkdtemp(prefix="kata-user-", dir="/tmp"))
    try:
        os.chmod(base, 0o755)
        copy = base / "checkout"
        copy_checkout(copy)
        (base / "tmp").mkdir()
        for folder, dirs, files in os.walk(base):
            for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
                os.chown(name, USER, USER, follow_symlinks=False)
        yield copy
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _grade_as_user(checkout: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    report = checkout.parent / "report.json"
    script = AS_USER.format(grading=str(checkout / "grading"), uid=USER)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "GRADING_"))}
    env.update(HOME=str(checkout.parent), TMPDIR=str(checkout.parent / "tmp"), GRADER_STATE="off",
               GRADER_LANG="en", NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", script, str(checkout / "grader.py"), *args,
                           "--quiet", "--json", str(report)],
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=300)
    data = json.loads(report.read_text()) if report.exists() else {}
    return done, data


def test_a_grade_as_an_ordinary_user_works_and_names_its_tier(checkout: Path) -> None:
    done, report = _grade_as_user(checkout, "--workspace", str(checkout / "solutions"),
                                  "process_function", "upload_client")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert report["score"] == report["max_score"] == 21.0, report
    assert report["tier"] == "linux-user"
    assert report["enforced"] == list(ENFORCED["linux-user"])
    assert "dumpable=0 for the grader and test processes" in report["enforced"]
    # What the probe offers this user (printed by the tier's own command).
    probe = subprocess.run([sys.executable, "-c", AS_USER.format(grading=str(checkout / "grading"),
                                                                 uid=USER),
                            str(checkout / "grading" / "contain.py"), "probe"],
                           capture_output=True, text=True, timeout=60)
    assert probe.stdout.splitlines()[0] == "user", probe.stdout + probe.stderr
    assert "  + rlimits" in probe.stdout.splitlines()


def test_the_stubs_score_nothing_as_an_ordinary_user(checkout: Path) -> None:
    done, report = _grade_as_user(checkout, "process_function", "isolation")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-3000:]
    assert report["score"] == 0 and report["tier"] == "linux-user"
