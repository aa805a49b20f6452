"""Run each topic's hidden tests in a pytest process of its own, in parallel.

One pytest process per topic: a topic that hangs or crashes its test process
costs that topic only, the process is killed as a whole tree at the topic's
time limit, and what it recorded before (one JSON line per test, written as
each test ends) is kept. Topics run side by side on the available cores,
longest first (``start_order``). Two optional callbacks feed a live display:
``progress`` gets each topic's result, ``on_start`` the raw report stream of
each topic's test process as it arrives (``b""`` when it starts).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from . import contain, early, processes, records
from . import messages as msg
from .catalog import Topic
from .channel import Channel, open_channel
from .host import HOST
from .processes import Killable, kill_all, kill_tree, release_root, start_root
from .results import Report, TopicResult
from .zygote import (
    FACTORY_ENV,
    SCRATCH_ENV,
    SLOT_ENV,
    TESTS_ENV,
    CallFactory,
    WarmLauncher,
    contained,
    enforced,
    sweep_groups,
    warm_possible,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Called with each topic's result as soon as it is known (live progress).
Progress = Callable[[TopicResult], None]
#: Called with a topic's name and each chunk of its report stream as it arrives
#: (``b""`` when its test process starts): what is running now, for a live display.
Started = Callable[[str, bytes], None]


def scratch_base() -> str | None:
    """Where the grade's scratch goes: the system's temporary folder, unless its
    path is long (macOS: /var/folders/…/T/), then /tmp, so that socket paths
    inside it stay short."""
    base = tempfile.gettempdir()
    if len(base) > 40 and os.name == "posix" and os.path.isdir("/tmp"):
        return "/tmp"
    return None


def default_jobs() -> int:
    if sys.platform == "linux" and hasattr(os, "sched_getaffinity"):  # a container's share
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def run(topics: list[Topic], workspace: Path, jobs: int | None = None,
        progress: Progress | None = None, keyword: str | None = None,
        on_start: Started | None = None) -> Report:
    """Grade ``topics`` against ``workspace``; results in the topics' order.

    ``jobs`` topics at once; by default as many as there are cores, and more
    while the cores stand idle (``Admission``). Interrupted (Ctrl-C, or
    SIGTERM turned into KeyboardInterrupt by the CLI), it kills every
    topic's test process tree before it re-raises.
    """
    started = time.monotonic()
    order = start_order(topics)
    admission = Admission(jobs or default_jobs(), elastic=jobs is None)
    deadline = started + grade_deadline(topics, admission.base)
    scratch = tempfile.mkdtemp(prefix="kg-", dir=scratch_base())
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(order), admission.ceiling)))
    launcher = TopicLauncher()

    def grade(turn: int, topic: Topic) -> TopicResult:
        with admission.slot(turn):
            return run_topic(topic, workspace, Path(scratch), launcher, progress, keyword, on_start,
                             slot=uid_slot())

    finished = False
    try:
        futures = {t.name: pool.submit(grade, turn, t) for turn, t in enumerate(order)}
        results = tuple(_result_by(futures[t.name], t, deadline) for t in topics)
        if keyword:
            # Topics where -k selected nothing are not part of this grade.
            results = tuple(r for r in results if r.tests or r.broken or r.problem)
        finished = all(f.done() for f in futures.values())
    finally:
        admission.close()
        if not finished:  # interrupted, or past the deadline: nothing waits on a stuck thread
            pool.shutdown(wait=False, cancel_futures=True)
            _stop_everything()
        else:
            pool.shutdown(wait=True)
        launcher.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return Report(workspace=str(workspace), topics=results, duration=time.monotonic() - started,
                  tier=HOST.tier, enforced=enforced())


def start_order(topics: list[Topic]) -> list[Topic]:
    """The order topics start in: longest first, so that the short ones fill
    the cores at the end instead of one long topic running alone. By the
    manifest's ``typical`` seconds when every topic gives them, else by the
    time limit; ties in manifest order."""
    if topics and all(t.typical is not None for t in topics):
        return sorted(topics, key=lambda t: -(t.typical or 0.0))
    return sorted(topics, key=lambda t: -t.time_limit)


def uid_slot() -> int:
    """A topic's uid slot (``contain.UID_BASE + slot`` on the trusted tier):
    one per topic started by this process (grades run side by side in one
    process too: ``verify``), apart from any other grader's (its pid)."""
    with _LOCK:
        return (os.getpid() % (1 << 19)) * 64 + next(_SLOTS) % 64


_SLOTS = itertools.count()


def grade_deadline(topics: list[Topic], jobs: int) -> float:
    """Seconds the whole grade may take: every topic's limit, ``jobs`` at a
    time, and the longest once more. Past it, everything is killed and the
    report says which topics did not finish."""
    limits = [t.time_limit for t in topics] or [0.0]
    return sum(limits) / max(1, jobs) + max(limits) + 30.0


def _result_by(future: Future[TopicResult], topic: Topic, deadline: float) -> TopicResult:
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        return TopicResult(name=topic.name, title=topic.title, tests=(), hints=topic.hints,
                           problem=msg.GRADE_DEADLINE, declared_points=topic.points)


class Admission:
    """Which topic may start now: in turn, ``base`` at once, and while the
    machine's cores stand idle (most topics wait on sleeps and hung calls,
    not the CPU) one more at a time, up to ``ceiling``.

    A topic is let in beyond ``base`` only after the cores were idle for
    ``IDLE_LOOKS`` looks in a row, so a short pause between two tests does
    not let in a crowd; the timing tests keep the CPU they need.
    """

    #: Cores that must stand idle, and for how many looks ``LOOK`` seconds apart.
    IDLE_CORES = 0.75
    IDLE_LOOKS = 1
    LOOK = 0.2

    def __init__(self, base: int, elastic: bool) -> None:
        self.base = base
        # Waiting topics cost memory only (a test process and a call helper
        # each): a submission that hangs everywhere has them all waiting at once.
        self.ceiling = base * 6 if elastic else base
        self._turn = 0
        self._running = 0
        self._idle_looks = 0
        self._closed = False
        self._changed = threading.Condition()
        self._cpu = processes.IdleMeter()

    @contextlib.contextmanager
    def slot(self, turn: int) -> Iterator[None]:
        with self._changed:
            while not self._may_start(turn):
                self._changed.wait(self.LOOK)
            self._turn += 1
            self._running += 1
            self._idle_looks = 0
            self._changed.notify_all()
        try:
            yield
        finally:
            with self._changed:
                self._running -= 1
                self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _may_start(self, turn: int) -> bool:
        if self._closed:
            raise KeyboardInterrupt
        if turn != self._turn:
            return False
        if self._running < self.base:
            return True
        if self._running >= self.ceiling:
            return False
        self._idle_looks = self._idle_looks + 1 if self._cpu.idle_cores() >= self.IDLE_CORES else 0
        return self._idle_looks >= self.IDLE_LOOKS


#: The topics' test processes now running, by pid; guarded by _LOCK.
_RUNNING: dict[int, Killable] = {}
_LOCK = threading.Lock()
#: Held while a topic's test process starts and is entered in _RUNNING, and
#: while _sweep_orphans reads the process table: what the sweep sees there is
#: then a topic's registered process, below one, or a stray; never a topic
#: process that started after the sweep took its list of running ones.
_STARTING = threading.Lock()
INI = Path(__file__).with_name("pytest.ini")


def pytest_args(topic: Topic, workspace: Path, folder: Path, report: list[str],
                keyword: str | None) -> list[str]:
    """The arguments of one topic's pytest run (its own ini, never the project's)."""
    args = [
        # The rootdir is the tests folder's parent: nodeids read "tests/test_<t>.py::…"
        # wherever that folder is (--tests DIR).
        str(topic.test_file), "-c", str(INI), "--rootdir", str(topic.test_file.parent.parent),
        # Only the plugins grading needs: auto-loading every installed pytest
        # plugin costs more start-up time than a topic's tests.
        "-p", "pytest_timeout", "-p", "grading.plugin",
        "--workspace", str(workspace), *report,
        "--basetemp", str(folder / "b"),
        "--timeout", f"{topic.test_timeout:g}", "--timeout-method", HOST.timeout_method,
    ]
    if keyword:
        args += ["-k", keyword]
    return args


class TopicLauncher:
    """Starts topic processes: forks of one warm helper that has pytest and the
    plugin imported (where ``fork`` exists), else a fresh interpreter each.
    On the trusted tier the forked topics also share one call-helper factory
    (``zygote.CallFactory``): each topic's call helper is a fork, not a fresh
    interpreter."""

    def __init__(self, warm: bool | None = None) -> None:
        if warm is None:
            warm = warm_possible()
        self._warm = None
        if warm:
            command, environment = early.helper_command(), early.topic_environment()
            # The helper grader.py started before its own imports, when it is this one.
            self._warm = WarmLauncher(command, environment=environment,
                                      started=early.take(command, environment))
        self._factory: CallFactory | None = None
        if self._warm is not None and contained():
            try:
                self._factory = CallFactory()
            except OSError:
                self._factory = None  # each topic starts its call helper itself

    def start(self, args: list[str], tmp: Path, log: int, channel: Channel,
              slot: int = 0) -> Killable:
        """Start one topic's test process (``args[0]`` its test file). Contained
        (the trusted tier), it runs as pid 1 of the topic's own pid, mount and
        network namespaces, with ``tmp`` (its scratch) in memory, and its calls
        get the uid of ``slot``."""
        inherited = channel.inherited()
        extra = {"TMPDIR": str(tmp), SLOT_ENV: str(slot), SCRATCH_ENV: str(tmp.parent.parent),
                 TESTS_ENV: str(Path(args[0]).resolve().parent)}
        if self._warm is not None and inherited is not None:
            # The report pipe becomes the child's descriptor 3.
            args = _replace_fd(args, inherited, 3)
            fds = [log, log, inherited]
            if self._factory is not None:  # its descriptor 4
                extra[FACTORY_ENV] = "4"
                fds.append(self._factory.socket())
            with open(os.devnull, "rb") as null:
                return self._warm.fork({"args": args, "cwd": str(PROJECT_ROOT), "environment": extra,
                                        "namespace": contained(), "scratch": str(tmp)},
                                       [null.fileno(), *fds])
        key = channel.stdin()
        inherit: dict[str, Any] = {"pass_fds": (inherited,)} if inherited is not None else {}
        command = [sys.executable, *early.TOPIC_FLAGS, early.TOPICS_SCRIPT, "--run", *args]
        proc = start_root(contain.topic_command(command, scratch=str(tmp)) if contained() else command,
                          cwd=PROJECT_ROOT, stdout=log, stderr=log,
                          stdin=subprocess.PIPE if key is not None else subprocess.DEVNULL,
                          env={**early.topic_environment(), **extra}, **HOST.new_group,
                          **inherit)
        if key is not None and proc.stdin is not None:
            try:
                proc.stdin.write(key)
                proc.stdin.close()
            except OSError:
                pass  # it died at once: its log says why
        return proc

    def close(self) -> None:
        if self._warm is not None:
            self._warm.close()
        if self._factory is not None:
            self._factory.close()


def _replace_fd(args: list[str], old: int, new: int) -> list[str]:
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg == "--grading-report-fd" and out[i + 1] == str(old):
            out[i + 1] = str(new)
    return out


def run_topic(topic: Topic, workspace: Path, scratch: Path, launcher: TopicLauncher,
              progress: Progress | None = None, keyword: str | None = None,
              on_start: Started | None = None, slot: int = 0) -> TopicResult:
    # Short names all the way down: a socket path (multiprocessing.Manager
    # puts one in TMPDIR) may not exceed 104 bytes on macOS, 108 on Linux.
    folder = Path(tempfile.mkdtemp(prefix=f"{topic.name[:4]}-", dir=scratch))
    (folder / "t").mkdir()
    log_path = folder / "pytest.log"
    # The test process reports through a channel no other process can name:
    # an inherited pipe, or a loopback socket whose key goes through stdin.
    feed = None if on_start is None else (lambda data: on_start(topic.name, data))
    channel = open_channel(HOST.inherits_fds, feed)
    args = pytest_args(topic, workspace, folder, channel.args(), keyword)
    started = time.monotonic()
    with open(log_path, "wb") as log:
        if feed is not None:
            feed(b"")  # the topic's test process starts now
        proc = start_registered(lambda: launcher.start(args, folder / "t", log.fileno(), channel, slot),
                                channel.started)
        timed_out = False
        try:
            proc.wait(timeout=topic.time_limit)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_tree(proc)
            sweep_groups(slot)  # the cgroups of calls its test process left running
            with _LOCK:
                _RUNNING.pop(proc.pid, None)
            release_root(proc.pid)
        report = channel.collect()
    _sweep_orphans()
    result = records.collect(topic, report, proc.poll(), timed_out,
                             log_tail=_tail(log_path), duration=time.monotonic() - started)
    if progress is not None:
        progress(result)
    return result


def start_registered(start: Callable[[], Killable], started: Callable[[], None]) -> Killable:
    """``start()`` a topic's test process and enter it among the running ones,
    as one step against ``_sweep_orphans`` (``started``: run once ``start``
    returned or failed)."""
    with _STARTING:
        try:
            proc = start()
        finally:
            started()
        with _LOCK:
            _RUNNING[proc.pid] = proc
    return proc


def _stop_everything() -> None:
    with _STARTING:  # a topic process half started is killed too, not left to run
        with _LOCK:
            running = list(_RUNNING.values())
        for proc in running:
            kill_tree(proc)
    _sweep_orphans()


def _sweep_orphans() -> None:
    """Kill what a dead topic process left: the grader adopts orphans (it is
    a subreaper too), and only the topics' own test processes are ours."""
    with _STARTING:
        with _LOCK:
            live = set(_RUNNING)
        # (Below the harness: the call-helper factory's forks on their way to a topic.)
        roots = live | processes.harness_pids()
        strays = [p for p in processes.descendants() if p.pid not in live
                  and not _below(p, roots)]
    if strays:
        kill_all(strays, keep=live)


def _below(proc: processes.Process, roots: set[int]) -> bool:
    """Whether ``proc`` descends from one of ``roots`` (a topic still running)."""
    try:
        return any(parent.pid in roots for parent in proc.parents())
    except processes.Error:
        return False


def _tail(path: Path, size: int = 3000) -> str:
    try:
        data = path.read_bytes()[-size:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace")

