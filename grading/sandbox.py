"""Student calls for one test: start them, feed them, wait, judge nothing.

A ``Sandbox`` is bound to a workspace, a module and a start method. Each call
gets a fresh working folder, stdout, stderr and its answer in files
(``call.Streams``: in memory on Linux; a pipe would block a chatty child, and
grandchildren keep pipes open), its stdin through a pipe, and a process of
its own from the launcher (``zygote``: a fork of a warm helper, or a fresh
interpreter), in a session of its own. What the call left
behind is recorded, then its whole tree is killed (``processes``); the test
reads the outcome from the ``Call`` (``call``). A function that hung once
in a topic is not waited for again (``call.HangLog``: fail fast).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import messages as msg
from . import processes, zygote
from ._wire import Connect, Opaque, ProcessSnapshot, encode
from .call import Call, HangLog, Streams, StudentException
from .i18n import Text
from .processes import ProcInfo, become_subreaper, is_resource_tracker
from .zygote import Launch, Launcher, contain_failed, contained, end_tree, ended_within, memory_exceeded
from .zygote import launcher as default_launcher

__all__ = ["Call", "Connect", "HangLog", "Opaque", "ProcInfo", "ProcessSnapshot", "Running", "Sandbox",
           "StudentException", "become_subreaper", "is_resource_tracker"]

#: Seconds a call may run unless the test says otherwise: every function of
#: this lesson ends well within a second; the rest is room for a loaded machine.
DEFAULT_TIMEOUT = 6.0
#: Seconds ``Running.returned`` sleeps between looks.
POLL = 0.01
#: Whether calls here are contained (the trusted tier: uid, namespaces, cgroup; see zygote).
CONTAINED = contained()


class Sandbox:
    """Student calls for one test: a workspace, a module and a start method."""

    def __init__(self, workspace: Path, module: str, start_method: str | None = None,
                 default_timeout: float = DEFAULT_TIMEOUT, hangs: HangLog | None = None,
                 test: str = "", launcher: Launcher | None = None,
                 writable: Sequence[Path] = ()) -> None:
        self.workspace = Path(workspace).resolve()
        #: Folders the test hands to the student's code (writable for it when contained).
        self.writable = tuple(Path(p) for p in writable)
        self.module = module
        self.start_method = start_method
        self.default_timeout = default_timeout
        self.hangs = HangLog() if hangs is None else hangs
        self.test = test
        self.launcher = launcher or default_launcher()
        self._root = Path(tempfile.mkdtemp(prefix="s-"))  # short: see runner.scratch_base
        self._count = 0
        self._live: dict[int, Running] = {}
        self._started: list[Running] = []
        # Processes this process had before: not ours to kill.
        self.baseline = {p.pid for p in processes.descendants()}

    # The public face -------------------------------------------------------

    def call(self, function: str, *args: Any, kwargs: dict[str, Any] | None = None,
             timeout: float | None = None, stdin: str | bytes | None = None,
             keep_children: bool = False, module: str | None = None,
             driver: str | Path | None = None, report: Sequence[str] = (),
             label: str | None = None, hang_key: str | None = None) -> Call:
        """Run ``module.function(*args, **kwargs)`` to its end; see docs/writing-tests.md.

        The student's keyword arguments go in ``kwargs``: every other keyword
        is the harness's, so no name of the student's can clash with one.
        ``hang_key`` groups calls for the fail-fast rule (default: the
        module and function); a call whose hang depends on its input (what
        ``stdin`` says, say) gets a key of its own.
        """
        limit = self.default_timeout if timeout is None else timeout
        running = self.start(function, *args, kwargs=kwargs, stdin=stdin, module=module,
                             driver=driver, report=report, label=label, hang_key=hang_key)
        return running.finish(limit, keep_children=keep_children)

    def get(self, name: str, module: str | None = None, timeout: float | None = None) -> Call:
        """Import the module and read one attribute."""
        running = self._launch(name, (), {}, module=module, get=True)
        return running.finish(self.default_timeout if timeout is None else timeout)

    def start_import(self) -> Running:
        """Import the module and hold the interpreter open (``Running.finish`` ends it):
        what did the import itself do?"""
        return self._launch("__name__", (), {}, hold=True, get=True)

    def start(self, function: str, *args: Any, kwargs: dict[str, Any] | None = None,
              stdin: str | bytes | None = None, hold: bool = False, module: str | None = None,
              driver: str | Path | None = None, report: Sequence[str] = (),
              label: str | None = None, hang_key: str | None = None) -> Running:
        """Start the call and return at once (servers, calls to watch while they run).

        Fail fast: when the same function (or ``hang_key``) already hung in an
        earlier test of the topic, raise that time-out at once instead.
        """
        key = hang_key or f"{module or self.module}.{function}"
        self.refuse_if_hung(key, call=label or function)
        running = self._launch(function, args, dict(kwargs or {}), stdin=stdin, hold=hold,
                               module=module, driver=driver, report=report, label=label)
        running.hang_key = key
        return running

    def refuse_if_hung(self, key: str, call: str, text: Text = msg.HUNG_BEFORE) -> None:
        """Fail at once, as a time-out, when ``key`` already hung in this topic
        (e.g. a server that never listened): ``text`` names the first time."""
        self.hangs.refuse(key, call, text)

    def record_hang(self, key: str, seconds: float) -> None:
        """Remember that ``key`` hung here for ``seconds``: later tests need not wait again."""
        self.hangs.record(key, self.test, seconds)

    def descendants(self) -> list[processes.Process]:
        """Live processes started under this sandbox (orphans adopted by us included)."""
        return [p for p in processes.descendants() if p.pid not in self.baseline
                and processes.is_alive(p)]

    def close(self, hung: bool = False, seconds: float | None = None) -> None:
        """Kill everything still running under this sandbox and remove its files.

        ``hung``: the test was stopped by its own time limit (``seconds``)
        while these calls ran; they are remembered as hangs (fail fast)."""
        for running in list(self._live.values()):
            if hung and running.hang_key is not None:
                self.record_hang(running.hang_key, seconds or round(time.monotonic() - running.started, 1))
            running.stop()
        # The process table first (SIGTERM, a grace, SIGKILL: a child's exit
        # handlers may run), then what only the launcher holds.
        processes.kill_all([p for p in processes.descendants() if p.pid not in self.baseline])
        for running in self._started:
            end_tree(running._proc, running._born)
        shutil.rmtree(self._root, ignore_errors=True)

    # Bookkeeping for Running -------------------------------------------------

    def live_roots(self) -> set[int]:
        """Pids of the calls not yet collected (their launcher reaps them)."""
        return set(self._live)

    def forget(self, running: Running) -> None:
        self._live.pop(running.pid, None)
        processes.release_root(running.pid)

    def _launch(self, function: str, args: Sequence[Any], kwargs: dict[str, Any], *,
                stdin: str | bytes | None = None, hold: bool = False, module: str | None = None,
                driver: str | Path | None = None, report: Sequence[str] = (), get: bool = False,
                label: str | None = None) -> Running:
        self._count += 1
        folder = self._root / f"c{self._count}"
        cwd = folder / "w"
        folder.mkdir()
        cwd.mkdir()
        request = {
            "workspace": str(self.workspace), "module": module or self.module, "function": function,
            "get": get, "args": encode(list(args)), "kwargs": encode(dict(kwargs)),
            "start_method": self.start_method, "answer": str(folder / "answer.json"), "hold": hold,
            "report": list(report), "driver": str(Path(driver).resolve()) if driver else None,
            "coverage": os.environ.get("GRADING_COVERAGE"),  # verify --coverage (grading/_coverage.py)
        }
        running = Running(self, label or function, folder, cwd, request, stdin, hold)
        self._live[running.pid] = running
        self._started.append(running)
        return running


class Running:
    """A call in progress; see ``Sandbox.start``."""

    def __init__(self, sandbox: Sandbox, function: str, folder: Path, cwd: Path,
                 request: dict[str, Any], stdin: str | bytes | None, hold: bool) -> None:
        self._sandbox = sandbox
        self.function = function
        self.cwd = cwd
        self._streams = streams = Streams(folder)
        self._result: Call | None = None
        self._timed_out = False
        self._limit: float | None = None
        #: Under which key a hang of this call is remembered (None: not at all).
        self.hang_key: str | None = None
        self.started = time.monotonic()
        try:
            self._proc = sandbox.launcher.launch(Launch(
                request, folder, cwd, streams.stdin, streams.stdout.fileno(), streams.stderr.fileno(),
                sandbox.writable, answer=streams.answer.fileno()))
        except BaseException:
            streams.close()
            raise
        finally:
            streams.launched()
        self.pid = self._proc.pid
        if sandbox.launcher.go_byte:
            streams.feed(b"\x01")  # it is in its job now: go on
        found, self._born = processes.open_process(self.pid)
        #: The call's interpreter in the process table (psutil), for tests that look at it.
        self.process = found if found is not None else processes.Gone(self.pid)
        if stdin is not None:
            streams.feed(stdin.encode("utf-8") if isinstance(stdin, str) else stdin)
        if not hold:
            streams.close_stdin()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def alive(self) -> bool:
        return self._proc.poll() is None

    def student_children(self) -> list[processes.Process]:
        """The processes the student's code started below this call, now
        (multiprocessing's resource tracker left out, zombies kept)."""
        return processes.student_children(self.pid)

    def reaped_any_child(self) -> bool | None:
        """Whether the call's interpreter has reaped a child so far, seen from
        outside; ``None`` where the platform cannot tell. Ask while the call
        is held (``start(..., hold=True)``, after ``returned()``)."""
        return processes.reaped_any_child(self.pid)

    def returned(self, timeout: float) -> bool:
        """Wait until the function returned or raised; False on time-out or death."""
        deadline = time.monotonic() + timeout
        wait = POLL / 8  # most calls answer within milliseconds: look soon, then less often
        while time.monotonic() < deadline:
            if self._streams.answer.ready():
                return True
            if not self.alive():
                return self._streams.answer.ready()
            ended_within(self._proc, wait)  # woken early when the call ends (its answer is written by then)
            wait = min(wait * 2, POLL)
        return self._streams.answer.ready()

    def raised(self) -> bool:
        """Whether the function is known to have raised (its answer is an error)."""
        return "error" in self._streams.answer.read()

    def finish(self, timeout: float = 10.0, keep_children: bool = False) -> Call:
        """Let the call go on to its end (stdin closed), killing it after ``timeout``."""
        if self._result is not None:
            return self._result
        self._limit = timeout
        self._streams.close_stdin()
        self._timed_out = not ended_within(self._proc, timeout)
        return self._collect(keep_children=keep_children)

    def stop(self) -> Call:
        """Kill the tree now and collect what it printed and whether it raised."""
        if self._result is not None:
            return self._result
        return self._collect(keep_children=False)

    def _collect(self, keep_children: bool) -> Call:
        self._streams.close_stdin()
        exited = self._proc.poll() is not None
        live = self._sandbox.live_roots()
        # What is left of the tree, recorded before anything is killed.
        # When the call began: its process's birth, or later when it was a spare.
        began = None if self._born is None else self._born + getattr(self._proc, "waited", 0.0)
        others = [] if exited and zygote.tree_ended(self._proc) else processes.call_tree(
            self.pid, began, live, self._sandbox.baseline)
        leftovers: tuple[ProcInfo, ...] = ()
        if exited:
            # Give the multiprocessing resource tracker (spawn) its moment to go.
            others = processes.settle(others)
            leftovers = processes.leftovers(others)
            if not keep_children:
                processes.kill_all(others, keep=live)
                end_tree(self._proc, self._born)
        else:
            processes.kill_all(others, root=self._proc, keep=live)
            end_tree(self._proc, self._born)
        wall = time.monotonic() - self.started
        self._sandbox.forget(self)
        answer = self._streams.answer.read()
        stdout, stderr = self._streams.stdout.read(), self._streams.stderr.read()
        self._streams.close()
        self._result = Call.from_answer(
            answer, stdout, stderr, function=self.function, timed_out=self._timed_out or not exited,
            exit_code=self._proc.poll(), wall=wall, pid=self.pid, leftovers=leftovers, cwd=self.cwd,
            time_limit=self._limit, memory_limit=memory_exceeded(self._proc),
            contain_failed=not answer and contain_failed(self._proc.poll()))
        # Waited for in vain (finish's time-out, not a stop()): remember it.
        if self._timed_out and not self._result.returned and self.hang_key is not None:
            self._sandbox.record_hang(self.hang_key, self._limit or round(wall, 1))
        return self._result
