"""The runner: the order topics start in, and its book of topic processes
against its own sweep for strays.

After each topic the runner kills what no running topic owns (the orphans a
dead test process left). A topic process that starts while that sweep reads
the process table must not be taken for one of them: on a fast machine that
killed a topic's test process before it had collected its tests, and the
grade said its hidden tests could not be loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grading import catalog, early, processes, runner
from grading.i18n import Text

from .conftest import ROOT


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


def _topic(name: str, time_limit: float, typical: float | None) -> catalog.Topic:
    return catalog.Topic(name=name, title=Text(en=name, zh=name), points=1, time_limit=time_limit,
                         test_timeout=60, hints=(), test_file=Path(f"test_{name}.py"), typical=typical)


def test_topics_start_longest_first_by_their_typical_time() -> None:
    topics = [_topic("quiz", 120, 0.5), _topic("timing", 60, 6.0), _topic("server", 120, 5.0),
              _topic("tie", 30, 0.5)]
    assert [t.name for t in runner.start_order(topics)] == ["timing", "server", "quiz", "tie"]


def test_without_a_typical_time_for_every_topic_the_time_limit_orders() -> None:
    topics = [_topic("quiz", 30, 0.5), _topic("timing", 90, None), _topic("server", 120, 5.0)]
    assert [t.name for t in runner.start_order(topics)] == ["server", "timing", "quiz"]


def test_the_lesson_declares_a_typical_time_for_every_topic() -> None:
    """Else the lesson's grade falls back to time-limit order, which starts
    join_timing (mostly waiting) late and leaves the cores idle at the end."""
    topics = catalog.load(Path(__file__).resolve().parent.parent / "tests")
    assert all(t.typical for t in topics), [t.name for t in topics if not t.typical]


#: In a fresh interpreter: how many signatures pluggy reads for the warm
#: helper's throw-away configuration, and then for a topic's own.
HOOK_READS = """
import importlib, json, os, sys, tempfile
from grading import _topics
real, reads = importlib.import_module("pluggy._hooks").varnames, []
def counted(func, **options):
    reads.append(func)
    return real(func, **options)
for name in _topics.VARNAMES_MODULES:  # wherever this pluggy calls it from
    try:
        module = importlib.import_module("pluggy." + name)
    except ImportError:
        continue
    if getattr(module, "varnames", None) is real:
        module.varnames = counted
_topics.remember_hook_signatures()
warm, remembered = len(reads), tempfile.tempdir
with tempfile.TemporaryDirectory() as empty:
    config = _topics._pytest.config._prepareconfig(
        [empty, "-c", _topics.INI, "--rootdir", empty, "-p", "pytest_timeout", "-p", "grading.plugin"])
    config._ensure_unconfigure()
print(json.dumps([warm, len(reads) - warm, remembered]))
"""


def test_the_warm_topic_helper_reads_hook_signatures_once() -> None:
    done = subprocess.run([sys.executable, "-c", HOOK_READS], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 0, done.stderr
    warm, again, remembered = json.loads(done.stdout)
    assert warm > 100  # every hook function of every plugin
    assert again < warm / 4, (warm, again)  # a later configuration reads its own objects' only
    # Nor does the helper keep the temporary folder it used: each topic's TMPDIR is its own.
    assert remembered is None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the warm topic helper needs fork")
@pytest.mark.parametrize("same", [True, False], ids=["same environment", "another environment"])
def test_the_runner_takes_the_topic_helper_grader_py_started(monkeypatch: pytest.MonkeyPatch,
                                                              same: bool) -> None:
    """early.start (grader.py, before its imports): the runner's topic launcher
    serves its topics with that helper when it would have started the same
    one, and stops it otherwise."""
    monkeypatch.delenv("GRADING_LAUNCHER", raising=False)
    early.start([])
    started = early._started
    assert started is not None
    proc = started[2]
    if not same:
        monkeypatch.setenv("GRADING_EARLY_TEST", "1")
    launcher = runner.TopicLauncher(warm=True)
    try:
        warm = launcher._warm
        assert warm is not None
        if same:
            warm.start()
            assert warm._helper is proc and proc.poll() is None
            launcher.close()
            assert proc.wait(timeout=10) is not None
        else:
            assert proc.wait(timeout=10) is not None  # stopped: its socket was closed
            assert warm._started is None
    finally:
        launcher.close()
    assert early._started is None  # taken once


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the warm topic helper needs fork")
def test_a_topic_helper_taken_but_never_used_ends_with_the_launcher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GRADING_LAUNCHER", raising=False)
    early.start([])
    assert early._started is not None
    proc = early._started[2]
    launcher = runner.TopicLauncher(warm=True)
    assert launcher._warm is not None and launcher._warm._started is not None  # taken, no topic yet
    launcher.close()
    assert proc.wait(timeout=10) is not None


def test_what_grades_is_what_the_grader_grades() -> None:
    """early.grades guesses from the words alone: the instructor's commands and
    the options that grade nothing start no helper."""
    from grading import cli
    assert set(cli.COMMANDS) == early.COMMANDS
    assert early.grades([]) and early.grades(["concepts", "--workspace", "solutions"])
    # --watch grades in a grader.py of its own each time: that one starts its helper.
    for argv in (["--list"], ["--hint", "concepts"], ["--hint=concepts"], ["-h"], ["verify"], ["batch", "x"],
                 ["--watch"]):
        assert not early.grades(argv), argv
