"""The runner's book of topic processes, against its own sweep for strays.

After each topic the runner kills what no running topic owns (the orphans a
dead test process left). A topic process that starts while that sweep reads
the process table must not be taken for one of them: on a fast machine that
killed a topic's test process before it had collected its tests, and the
grade said its hidden tests could not be loaded.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from grading import processes, runner


def test_a_topic_process_started_during_the_sweep_is_not_a_stray(
        monkeypatch: pytest.MonkeyPatch) -> None:
    reading = threading.Event()
    go_on = threading.Event()
    real = processes.descendants

    def slow_descendants(pid: int | None = None) -> list[processes.Process]:
        reading.set()  # the sweep has taken its list of running topics
        go_on.wait(timeout=5)
        return real(pid)

    monkeypatch.setattr(processes, "descendants", slow_descendants)
    sweep = threading.Thread(target=runner._sweep_orphans)
    sweep.start()
    assert reading.wait(timeout=5)

    started: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        proc = processes.start_root([sys.executable, "-c", "import time; time.sleep(30)"])
        started.append(proc)
        return proc

    starter = threading.Thread(target=runner.start_registered, args=(start, lambda: None))
    starter.start()
    starter.join(timeout=0.5)  # given the time to start while the sweep is reading
    go_on.set()
    sweep.join(timeout=10)
    starter.join(timeout=10)
    assert started, "the topic process did not start"
    proc = started[0]
    try:
        assert proc.poll() is None, f"the sweep killed a topic process (exit status {proc.poll()})"
    finally:
        proc.kill()
        proc.wait()
        with runner._LOCK:
            runner._RUNNING.pop(proc.pid, None)
        processes.release_root(proc.pid)
