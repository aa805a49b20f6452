"""Watch mode: a saved file is regraded, with file events and with polling forced."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import watchfiles

from .conftest import ROOT, committed_stub


class Watcher:
    """``grader.py --watch concepts`` on a workspace, its output read line by line."""

    def __init__(self, workspace: Path, env: dict[str, str]) -> None:
        full_env = {**os.environ, "NO_COLOR": "1", "GRADER_STATE": "off", "GRADER_LANG": "en", **env}
        if "GRADER_WATCH_POLL" not in env:
            full_env.pop("GRADER_WATCH_POLL", None)
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "grader.py"), "--watch", "concepts", "--workspace", str(workspace)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env,
            stdin=subprocess.DEVNULL)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return
        pytest.fail(f"never printed {text!r}; printed:\n" + "\n".join(self.seen))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # Ctrl-C
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.mark.slow
@pytest.mark.parametrize(("env", "mode"), [({}, "file events"), ({"GRADER_WATCH_POLL": "1"}, "polling")],
                         ids=["events", "polling"])
def test_a_save_is_regraded(env: dict[str, str], mode: str, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "concepts.py").write_bytes(committed_stub("concepts"))
    watcher = Watcher(workspace, env)
    try:
        watcher.wait_for(f"Watch mode: {mode}")
        watcher.wait_for("Total: 0/8")  # the first grade, of the untouched stub
        time.sleep(0.5)
        shutil.copy(ROOT / "solutions" / "concepts.py", workspace / "concepts.py")
        watcher.wait_for("Saved concepts.py: grading concepts")
        watcher.wait_for("Total: 8/8")
        assert not (workspace / ".grader-watch-probe").exists()
    finally:
        status = watcher.stop()
    assert status == 0, "\n".join(watcher.seen)


def test_polling_switches_on_when_events_do_not_arrive(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder whose events never come (a network drive): the probe notices, polling takes over."""
    from rich.console import Console

    from grading import watch

    calls: list[bool] = []

    def silent(*paths: object, force_polling: bool, **options: object):  # type: ignore[no-untyped-def]
        calls.append(force_polling)
        while True:
            time.sleep(0.02)
            yield set()  # the watcher's time-out: nothing arrived

    monkeypatch.setattr(watch, "PROBE_WAIT", 0.2)
    monkeypatch.setattr(watchfiles, "watch", silent)
    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    no_events, grade = watch._watch(tmp_path, {"concepts"}, ["concepts"], [], console, "en", False, None)
    assert no_events and grade is None and calls == [False]
    assert not (tmp_path / watch.PROBE).exists()  # the probe cleans up after itself


def test_a_save_during_a_grade_restarts_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from grading import watch

    saved = str(tmp_path / "concepts.py")

    def two_saves(*paths: object, **options: object):  # type: ignore[no-untyped-def]
        yield {(watchfiles.Change.modified, saved)}
        yield {(watchfiles.Change.modified, saved)}  # again, while the first grade runs

    grades: list[FakeGrade] = []

    class FakeGrade:
        def __init__(self, topics: list[str], *rest: object) -> None:
            self.topics, self.stopped = topics, False
            grades.append(self)

        def running(self) -> bool:
            return not self.stopped  # still grading when the next save comes

        def stop(self) -> None:
            self.stopped = True

        def finished_now(self) -> bool:
            return False

    monkeypatch.setattr(watchfiles, "watch", two_saves)
    monkeypatch.setattr(watch, "Grade", FakeGrade)
    console = Console(file=open(os.devnull, "w"))  # noqa: SIM115
    no_events, last = watch._watch(tmp_path, {"concepts"}, ["concepts"], [], console, "en", True, None)
    assert not no_events and [g.topics for g in grades] == [["concepts"], ["concepts"]]
    assert grades[0].stopped and last is grades[1] and not grades[1].stopped  # type: ignore[comparison-overlap]
