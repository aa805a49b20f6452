"""Run each topic's hidden tests in a pytest process of its own, in parallel.

One pytest process per topic: a topic that hangs or crashes its test process
costs that topic only, the process is killed as a whole tree at the topic's
time limit, and what it recorded before (one JSON line per test, written as
each test ends) is kept. Topics run side by side on the available cores,
longest time limit first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from . import records
from .catalog import Topic
from .results import Report, TopicResult
from .sandbox import kill_all, release_root, start_root

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Called with each topic's result as soon as it is known (live progress).
Progress = Callable[[TopicResult], None]


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def run(topics: list[Topic], workspace: Path, jobs: int | None = None,
        progress: Progress | None = None, keyword: str | None = None) -> Report:
    """Grade ``topics`` against ``workspace``; results in the topics' order.

    Interrupted (Ctrl-C, or SIGTERM turned into KeyboardInterrupt by the
    CLI), it kills every topic's test process tree before it re-raises.
    """
    started = time.monotonic()
    order = sorted(topics, key=lambda t: -t.time_limit)
    with tempfile.TemporaryDirectory(prefix="kata-grade-") as scratch:
        pool = ThreadPoolExecutor(max_workers=jobs or default_jobs())
        try:
            futures = {t.name: pool.submit(run_topic, t, workspace, Path(scratch), progress, keyword)
                       for t in order}
            results = tuple(futures[t.name].result() for t in topics)
            if keyword:
                # Topics where -k selected nothing are not part of this grade.
                results = tuple(r for r in results if r.tests or r.broken or r.problem)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            _stop_everything()
            raise
        finally:
            pool.shutdown(wait=True)
    return Report(workspace=str(workspace), topics=results, duration=time.monotonic() - started)


#: The topics' test processes now running, by pid; guarded by _LOCK.
_RUNNING: dict[int, subprocess.Popen[bytes]] = {}
_LOCK = threading.Lock()


def run_topic(topic: Topic, workspace: Path, scratch: Path,
              progress: Progress | None = None, keyword: str | None = None) -> TopicResult:
    folder = scratch / topic.name
    (folder / "tmp").mkdir(parents=True)
    log_path = folder / "pytest.log"
    # The test process reports through a pipe it inherits, not a file named
    # on its command line, which any process could read and write to.
    read_end, write_end = os.pipe()
    command = [
        sys.executable, "-m", "pytest", str(topic.test_file),
        # Only the plugins grading needs: auto-loading every installed pytest
        # plugin costs more start-up time than a topic's tests.
        "-p", "pytest_timeout", "-p", "grading.plugin", "-p", "no:cacheprovider",
        "--workspace", str(workspace), "--grading-report-fd", str(write_end),
        "--rootdir", str(PROJECT_ROOT), "-o", "addopts=", "-o", "testpaths=",
        "--basetemp", str(folder / "basetemp"),
        "--timeout", f"{topic.test_timeout:g}", "--timeout-method", "signal",
        "-q", "--no-header",
    ]
    if keyword:
        command += ["-k", keyword]
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = start_root(command, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, env=_environment(folder / "tmp"),
                          start_new_session=True, pass_fds=(write_end,))
        os.close(write_end)
        chunks: list[bytes] = []
        reader = threading.Thread(target=_drain, args=(read_end, chunks), daemon=True)
        reader.start()
        with _LOCK:
            _RUNNING[proc.pid] = proc
        timed_out = False
        try:
            proc.wait(timeout=topic.time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            _kill_tree(proc)
            with _LOCK:
                _RUNNING.pop(proc.pid, None)
            release_root(proc.pid)
        reader.join(timeout=5)
    _sweep_orphans()
    result = records.collect(topic, b"".join(chunks), proc.returncode, timed_out,
                             log_tail=_tail(log_path), duration=time.monotonic() - started)
    if progress is not None:
        progress(result)
    return result


def _environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_")}  # PYTEST_ADDOPTS would change how tests run
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["TMPDIR"] = str(tmp)  # the sandbox's folders go where the runner cleans up
    return env


def _drain(fd: int, chunks: list[bytes]) -> None:
    try:
        while data := os.read(fd, 1 << 16):
            chunks.append(data)
    finally:
        os.close(fd)


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """The topic's pytest process and anything it (or student code) left."""
    try:
        tree = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        tree = []
    kill_all(tree, root=proc)


def _stop_everything() -> None:
    with _LOCK:
        running = list(_RUNNING.values())
    for proc in running:
        _kill_tree(proc)
    _sweep_orphans()


def _sweep_orphans() -> None:
    """Kill what a dead topic process left: the grader adopts orphans (it is
    a subreaper too), and only the topics' own test processes are ours."""
    try:
        kids = psutil.Process().children()
    except psutil.Error:
        return
    with _LOCK:
        live = set(_RUNNING)
    strays = [p for p in kids if p.pid not in live]
    for p in list(strays):
        try:
            strays.extend(p.children(recursive=True))
        except psutil.Error:
            continue
    if strays:
        kill_all(strays, keep=live)


def _tail(path: Path, size: int = 3000) -> str:
    try:
        data = path.read_bytes()[-size:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")

