"""A submission that hangs everywhere is graded quickly, and leaves nothing behind.

The workspace is made from the stubs: every ``raise NotImplementedError`` becomes
an endless wait (so every function, the server and the class hang) and the
quiz's module hangs at import. The fail-fast rule waits for each function
once per topic; every test ends as a time-out, every topic scores 0, and no
process the submission started outlives the grade.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import committed_stub, grade, noted_alive, stub_names

HANG = '''

def _hang():
    import os, time
    folder = os.environ.get("KATA_PID_DIR")
    if folder:  # the self-test checks afterwards that every process noted here is gone
        import fcntl  # (the note's lock is held while this process lives: conftest.noted_alive)
        name = f"{os.getpid()}-{os.urandom(4).hex()}"  # (pid namespaces: pids repeat across topics)
        fcntl.flock(os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL), fcntl.LOCK_EX)
    while True:
        time.sleep(1)
'''
RAISE = re.compile(r"raise NotImplementedError\b(\([^)]*\))?")


def hanging_workspace(folder: Path) -> Path:
    folder.mkdir()
    for name in stub_names():  # the stubs as committed: exercises/ may hold someone's work
        text = committed_stub(name).decode("utf-8")
        if RAISE.search(text):
            text = RAISE.sub("_hang()", text) + HANG
        else:  # a module of data only (the quiz): its import hangs
            text += HANG + "\n_hang()\n"
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.slow
def test_everything_hangs(tmp_path: Path) -> None:
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    started = time.monotonic()
    graded = grade("--workspace", hanging_workspace(tmp_path / "ws"), tmp_path=tmp_path,
                   env={"KATA_PID_DIR": str(pid_dir)})
    wall = time.monotonic() - started
    assert graded.data is not None, graded.stderr
    assert graded.returncode == 1
    for topic in graded.data["topics"]:
        assert topic["score"] == 0, topic["name"]
        for test in topic["tests"]:
            # Every call hangs; a test that reads a module's value (not a call)
            # finds it missing, as in the stub: that is no hang to wait for.
            reads_a_value = test["outcome"] == "failed" and "has no" in test["message"]
            assert test["outcome"] == "timeout" or reads_a_value, (topic["name"], test)
            assert test["message"], (topic["name"], test)
    assert noted_alive(pid_dir) == []
    print(f"graded in {wall:.1f} s")  # the figure; bench/grading.py --hangs times it
