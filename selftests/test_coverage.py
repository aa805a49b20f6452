"""``verify --coverage``'s child side: code that runs only in forked and spawned children is measured.

A module whose functions run only in a ``fork`` child, a ``spawn`` child, a
child ended by ``terminate()``, and the call's own interpreter ended by
SIGTERM, run as the sandbox runs student code (``python -I -S -B``, coverage
not importable until ``_coverage.start``).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from grading import catalog, verify
from grading.i18n import Text

from .conftest import ROOT

MODULE = '''\
import multiprocessing
import time


def in_fork():
    a = 1
    return a


def in_spawn():
    b = 2
    return b


def terminated():
    c = 3
    time.sleep(30)


def run():
    for method, target in (("fork", in_fork), ("spawn", in_spawn)):
        p = multiprocessing.get_context(method).Process(target=target)
        p.start()
        p.join()
        assert p.exitcode == 0, (method, p.exitcode)
    p = multiprocessing.get_context("fork").Process(target=terminated)
    p.start()
    time.sleep(1.0)
    p.terminate()
    p.join()
    assert p.exitcode == -15, p.exitcode


def serve():
    d = 4
    open(__file__ + ".ready", "w").close()
    while True:
        time.sleep(0.05)
'''

HARNESS = '''\
import importlib, sys
if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    sys.path.append({grading!r})
    importlib.import_module("_coverage").start(sys.argv[2])
    import topic
    getattr(topic, sys.argv[3])()
'''


def test_children_and_a_terminated_call_are_measured(tmp_path: Path) -> None:
    source = tmp_path / "solutions"
    source.mkdir()
    (source / "topic.py").write_text(MODULE, encoding="utf-8")
    harness = tmp_path / "harness.py"
    harness.write_text(HARNESS.format(grading=str(ROOT / "grading")), encoding="utf-8")
    data = tmp_path / "coverage"
    verify._prepare_coverage(data, source)
    command = [sys.executable, "-I", "-S", "-B", str(harness), str(source), str(data)]
    proc = subprocess.run([*command, "run"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    # A server the sandbox ends with SIGTERM keeps what it measured.
    server = subprocess.Popen([*command, "serve"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (source / "topic.py.ready").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == -signal.SIGTERM
    topic = catalog.Topic("topic", Text(en="topic", zh="topic"), 1.0, 1.0, 1.0, (), Path("x"))
    measured = verify.measure(data, source, [topic])["topic"]
    text = MODULE.splitlines()
    missing = {text[n - 1].strip() for n in measured.missing_lines}
    assert not missing & {"a = 1", "b = 2", "c = 3", "d = 4"}, missing
