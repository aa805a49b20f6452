"""Run student code in child interpreters that the grader can time out and kill.

The only module that starts processes for student code. Each call is a fresh
``python -I -S -B -X utf8 -u grading/_child.py REQUEST`` in a session of its own
(its own process group), with a fresh empty working folder, stdout and stderr
going to files (a pipe would block a chatty child, and grandchildren keep
pipes open). The child imports the student's module from the workspace, calls
one function and writes a JSON answer (see ``_child``).

Nothing the student starts outlives the test: on Linux the test process is a
child subreaper (``PR_SET_CHILD_SUBREAPER``), so orphans and double-forked
descendants are re-parented to it, not to init; the sandbox kills the whole
tree (SIGTERM, a short grace, SIGKILL) and reaps it. What a call left behind
is recorded first, so tests can judge it (``Call.leftovers``).
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from . import messages as msg
from .errors import NotWritten, StudentCrashed, StudentTimedOut
from .i18n import Text

CHILD_SCRIPT = Path(__file__).with_name("_child.py")

#: Bytes of stdout/stderr kept per call; the rest is cut with a marker.
OUTPUT_CAP = 64 * 1024
#: Bytes one file of a call may grow to (Linux): larger than any upload a test makes.
FILE_SIZE_LIMIT = 1 << 30
#: Seconds a killed process gets between SIGTERM and SIGKILL.
KILL_GRACE = 0.3
#: Seconds ``Running.returned`` and friends sleep between looks.
POLL = 0.01
#: The multiprocessing helper that outlives a spawn-method parent by a moment.
_RESOURCE_TRACKER = "multiprocessing.resource_tracker"

_PR_SET_CHILD_SUBREAPER = 36


#: Pids of call interpreters whose Popen will reap them; guarded by _ROOTS_LOCK.
_LIVE_ROOTS: set[int] = set()
_ROOTS_LOCK = threading.RLock()
_reaper: threading.Thread | None = None


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux); False where the OS has no such thing.

    An adopted orphan that exits is a zombie of ours until reaped: a thread
    reaps them as they come, so a submission that forks in a loop cannot
    fill the process table with them.
    """
    global _reaper
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        ok = bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False
    if ok and _reaper is None:
        _reaper = threading.Thread(target=_reap_forever, name="zombie-reaper", daemon=True)
        _reaper.start()
    return ok


def start_root(command: list[str], **popen_args: Any) -> subprocess.Popen[bytes]:
    """``Popen`` for a process whose exit status matters: the zombie reaper
    leaves it to its Popen until ``release_root``."""
    with _ROOTS_LOCK:
        proc = subprocess.Popen(command, **popen_args)
        _LIVE_ROOTS.add(proc.pid)
    return proc


def release_root(pid: int) -> None:
    with _ROOTS_LOCK:
        _LIVE_ROOTS.discard(pid)


def _reap_forever(interval: float = 0.1) -> None:
    while True:
        time.sleep(interval)
        reap_zombies()


# -- values that cross the process boundary ----------------------------------


@dataclass(frozen=True)
class Connect:
    """An argument the child turns into a TCP socket connected to this address."""

    host: str
    port: int


@dataclass(frozen=True)
class ProcessSnapshot:
    """A ``multiprocessing.Process`` the student's function returned."""

    class_name: str
    class_module: str
    pid: int | None
    name: str | None
    daemon: bool | None
    alive: bool | None
    exitcode: int | None
    #: Fields that raised when read, with the error (e.g. no super().__init__()).
    unreadable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Opaque:
    """A returned value of another type: its type name and ``repr``."""

    type_name: str
    text: str


@dataclass(frozen=True)
class StudentException:
    """An exception raised by the student's code."""

    type: str
    message: str
    traceback: str
    #: Where it was raised: "import", "lookup" (no such function) or "call".
    phase: str


@dataclass(frozen=True)
class ProcInfo:
    """A process seen in the process table."""

    pid: int
    ppid: int
    status: str
    cmdline: tuple[str, ...]


def encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, Connect):
        return {"__connect__": [value.host, value.port]}
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot pass {type(value).__name__} to student code")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_hashable(decode(k)): decode(v) for k, v in value["__dict__"]}
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    if "__process__" in value:
        info = value["__process__"]
        return ProcessSnapshot(
            class_name=str(info.get("class_name")), class_module=str(info.get("class_module")),
            pid=info.get("pid"), name=info.get("name"), daemon=info.get("daemon"),
            alive=info.get("alive"), exitcode=info.get("exitcode"),
            unreadable=dict(info.get("unreadable", {})),
        )
    if "__opaque__" in value:
        type_name, text = value["__opaque__"]
        return Opaque(str(type_name), str(text))
    return {k: decode(v) for k, v in value.items()}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


# -- the outcome of one call ---------------------------------------------------


@dataclass(frozen=True)
class Call:
    """Everything the parent observed of one call of student code."""

    function: str
    returned: bool
    value: Any
    error: StudentException | None
    timed_out: bool
    exit_code: int | None
    stdout: str
    stderr: str
    elapsed: float | None
    wall: float
    pid: int
    leftovers: tuple[ProcInfo, ...]
    cwd: Path
    attributes: dict[str, Any] = field(default_factory=dict)
    time_limit: float | None = None

    def raised(self, type_name: str) -> bool:
        return self.error is not None and self.error.type == type_name

    def unwrap(self) -> Any:
        """The returned value, or the exception that decides the test's outcome."""
        if self.error is not None:
            raise self._problem_for_error(self.error)
        if self.timed_out:
            said = msg.TIMED_OUT_AFTER_RETURN if self.returned else msg.TIMED_OUT
            limit = self.time_limit if self.time_limit is not None else self.wall
            raise StudentTimedOut(said.format(call=self.function, seconds=_secs(round(limit, 1)))
                                  + self._output_tail())
        if not self.returned:
            raise StudentCrashed(msg.DIED.format(call=self.function, status=_status(self.exit_code))
                                 + self._output_tail())
        return self.value

    def _problem_for_error(self, error: StudentException) -> Exception:
        details = Text(en=error.traceback.rstrip(), zh=error.traceback.rstrip())
        if error.phase == "import":
            return StudentCrashed(msg.IMPORT_FAILED + details)
        if error.phase == "lookup":
            # Not written yet, rather than broken: the name is simply missing.
            return NotWritten(msg.MISSING_NAME.format(call=self.function))
        if error.type == "NotImplementedError":
            return NotWritten(msg.NOT_WRITTEN.format(call=self.function))
        return StudentCrashed(msg.RAISED.format(call=self.function) + details)

    def _output_tail(self) -> Text:
        tail = self.stderr.strip()[-1500:]
        if not tail:
            return Text(en="", zh="")
        return msg.STDERR_TAIL.format(tail=tail)


def _secs(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _status(code: int | None) -> str:
    if code is None:
        return "?"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


# -- the sandbox ---------------------------------------------------------------


class Sandbox:
    """Student calls for one test: a workspace, a module and a start method."""

    def __init__(self, workspace: Path, module: str, start_method: str | None = None,
                 default_timeout: float = 10.0) -> None:
        self.workspace = Path(workspace).resolve()
        self.module = module
        self.start_method = start_method
        self.default_timeout = default_timeout
        self._root = Path(tempfile.mkdtemp(prefix="kata-sandbox-"))
        self._count = 0
        self._live: dict[int, Running] = {}
        me = psutil.Process()
        # Children this process had before: not ours to kill.
        self._baseline = {p.pid for p in me.children(recursive=True)}

    # The public face -------------------------------------------------------

    def call(self, function: str, *args: Any, timeout: float | None = None,
             stdin: str | bytes | None = None, keep_children: bool = False,
             module: str | None = None, driver: str | Path | None = None,
             report: Sequence[str] = (), label: str | None = None, **kwargs: Any) -> Call:
        """Run ``module.function(*args, **kwargs)`` to its end; see docs/writing-tests.md."""
        limit = self.default_timeout if timeout is None else timeout
        running = self.start(function, *args, stdin=stdin, module=module, driver=driver,
                             report=report, label=label, **kwargs)
        return running.finish(limit, keep_children=keep_children)

    def get(self, name: str, module: str | None = None, timeout: float | None = None) -> Call:
        """Import the module and read one attribute."""
        running = self._launch(name, (), {}, stdin=None, hold=False, module=module,
                               driver=None, report=(), get=True)
        return running.finish(self.default_timeout if timeout is None else timeout)

    def start_import(self) -> Running:
        """Import the module and hold the interpreter open (``Running.finish`` ends it):
        what did the import itself do?"""
        return self._launch("__name__", (), {}, stdin=None, hold=True, module=None,
                            driver=None, report=(), get=True)

    def start(self, function: str, *args: Any, stdin: str | bytes | None = None,
              hold: bool = False, module: str | None = None, driver: str | Path | None = None,
              report: Sequence[str] = (), label: str | None = None, **kwargs: Any) -> Running:
        """Start the call and return at once (servers, calls to watch while they run)."""
        return self._launch(function, args, kwargs, stdin=stdin, hold=hold, module=module,
                            driver=driver, report=report, get=False, label=label)

    def descendants(self) -> list[psutil.Process]:
        """Live processes started under this sandbox (orphans adopted by us included)."""
        try:
            kids = psutil.Process().children(recursive=True)
        except psutil.Error:
            return []
        return [p for p in kids if p.pid not in self._baseline and _is_alive(p)]

    def close(self) -> None:
        """Kill everything still running under this sandbox and remove its files."""
        for running in list(self._live.values()):
            running.kill()
        try:
            kids = psutil.Process().children(recursive=True)
        except psutil.Error:
            kids = []
        kill_all([p for p in kids if p.pid not in self._baseline])
        shutil.rmtree(self._root, ignore_errors=True)

    # Bookkeeping for Running -------------------------------------------------

    def live_roots(self) -> set[int]:
        """Pids of the calls not yet collected (their Popen reaps them)."""
        return set(self._live)

    def forget(self, running: Running) -> None:
        self._live.pop(running.pid, None)
        release_root(running.pid)

    @property
    def baseline(self) -> set[int]:
        """Processes that were ours before this sandbox: never touched."""
        return self._baseline

    def _launch(self, function: str, args: Sequence[Any], kwargs: dict[str, Any], *,
                stdin: str | bytes | None, hold: bool, module: str | None,
                driver: str | Path | None, report: Sequence[str], get: bool,
                label: str | None = None) -> Running:
        self._count += 1
        folder = self._root / f"call{self._count}"
        cwd = folder / "cwd"
        cwd.mkdir(parents=True)
        request = {
            "workspace": str(self.workspace),
            "module": module or self.module,
            "function": function,
            "get": get,
            "args": encode(list(args)),
            "kwargs": encode(dict(kwargs)),
            "start_method": self.start_method,
            "answer": str(folder / "answer.json"),
            "hold": hold,
            "report": list(report),
            "driver": str(Path(driver).resolve()) if driver else None,
            "coverage": os.environ.get("GRADING_COVERAGE"),  # verify --coverage (grading/_coverage.py)
        }
        (folder / "request.json").write_text(json.dumps(request), encoding="utf-8")
        running = Running(self, label or function, folder, cwd, stdin, hold)
        self._live[running.pid] = running
        return running


class Running:
    """A call in progress; see ``Sandbox.start``."""

    def __init__(self, sandbox: Sandbox, function: str, folder: Path, cwd: Path,
                 stdin: str | bytes | None, hold: bool) -> None:
        self._sandbox = sandbox
        self.function = function
        self._folder = folder
        self.cwd = cwd
        self._answer_path = folder / "answer.json"
        self._out = open(folder / "stdout", "wb")  # noqa: SIM115 - closed in _collect
        self._err = open(folder / "stderr", "wb")  # noqa: SIM115
        self._result: Call | None = None
        self._leftovers: tuple[ProcInfo, ...] = ()
        self._timed_out = False
        self._limit: float | None = None
        self.started = time.monotonic()
        self._popen = start_root(
            [sys.executable, "-I", "-S", "-B", "-X", "utf8", "-u", str(CHILD_SCRIPT),
             str(folder / "request.json")],
            cwd=cwd, stdin=subprocess.PIPE, stdout=self._out, stderr=self._err,
            start_new_session=True, env=_child_environment(),
        )
        self.pid = self._popen.pid
        self.process = psutil.Process(self.pid)
        _limit_resources(self.pid)
        assert self._popen.stdin is not None
        try:
            if stdin is not None:
                data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
                self._popen.stdin.write(data)
                self._popen.stdin.flush()
            if not hold:
                self._popen.stdin.close()
        except (BrokenPipeError, OSError):
            pass  # the child is gone already; its answer (or none) says why

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def alive(self) -> bool:
        return self._popen.poll() is None

    def returned(self, timeout: float) -> bool:
        """Wait until the function returned or raised; False on time-out or death."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._answer_path.exists():
                return True
            if not self.alive():
                return self._answer_path.exists()
            time.sleep(POLL)
        return self._answer_path.exists()

    def finish(self, timeout: float = 10.0, keep_children: bool = False) -> Call:
        """Let the call go on to its end (stdin closed), killing it after ``timeout``."""
        if self._result is not None:
            return self._result
        self._limit = timeout
        self._close_stdin()
        try:
            self._popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._timed_out = True
        return self._collect(keep_children=keep_children)

    def stop(self) -> Call:
        """Kill the tree now and collect what it printed and whether it raised."""
        if self._result is not None:
            return self._result
        return self._collect(keep_children=False)

    def kill(self) -> None:
        if self._result is None:
            self._collect(keep_children=False)

    def _close_stdin(self) -> None:
        if self._popen.stdin and not self._popen.stdin.closed:
            try:
                self._popen.stdin.close()
            except OSError:
                pass

    def _collect(self, keep_children: bool) -> Call:
        self._close_stdin()
        exited = self._popen.poll() is not None
        # What is left of the tree, recorded before anything is killed.
        others = self._tree()
        if exited:
            # Give the multiprocessing resource tracker (spawn) its moment to go.
            others = _settle(others)
            # A helper that ends between two looks is a zombie by the second
            # (empty command line, so not recognisable): gone, not left over.
            self._leftovers = tuple(
                i for i in (_info(p) for p in others)
                if i is not None and i.status != psutil.STATUS_ZOMBIE and not _is_resource_tracker(i))
            if not keep_children:
                kill_all(others, keep=self._sandbox.live_roots())
        else:
            kill_all(others, root=self._popen, keep=self._sandbox.live_roots())
        wall = time.monotonic() - self.started
        self._sandbox.forget(self)
        self._out.close()
        self._err.close()
        answer = _read_answer(self._answer_path)
        error = None
        if "error" in answer:
            raw = answer["error"]
            error = StudentException(type=raw["type"], message=raw["message"],
                                     traceback=raw["traceback"], phase=answer.get("phase", "call"))
        self._result = Call(
            function=self.function,
            returned=bool(answer.get("returned")),
            value=decode(answer.get("value")),
            error=error,
            timed_out=self._timed_out or not exited,
            exit_code=self._popen.returncode,
            stdout=_read_capped(self._folder / "stdout"),
            stderr=_read_capped(self._folder / "stderr"),
            elapsed=answer.get("elapsed"),
            wall=wall,
            pid=self.pid,
            leftovers=self._leftovers,
            cwd=self.cwd,
            attributes={k: decode(v) for k, v in answer.get("attributes", {}).items()},
            time_limit=self._limit,
        )
        return self._result

    def _tree(self) -> list[psutil.Process]:
        """What belongs to this call, its root left out: its descendants, and
        the processes re-parented to us (orphans) that came from it.

        One scan of the process table: a submission that forks in a loop
        must not make this slower than the loop itself.
        """
        live = self._sandbox.live_roots()
        reap_zombies(keep=live)  # zombie orphans: reaped, not listed
        try:
            everyone = psutil.Process().children(recursive=True)
        except psutil.Error:
            return []
        by_pid = {p.pid: p for p in everyone}
        children_of: dict[int, list[int]] = {}
        for p in everyone:
            try:
                children_of.setdefault(p.ppid(), []).append(p.pid)
            except psutil.Error:
                continue
        try:
            began = self.process.create_time() - 0.05
        except psutil.Error:
            began = self.started
        roots = [self.pid]
        for pid in children_of.get(os.getpid(), []):
            if pid in live or pid in self._sandbox.baseline:
                continue
            # An orphan keeps the process group of the call it came from,
            # unless it made a session of its own: then it is this call's
            # when it was born after the call began and no other call runs.
            group = _pgid(pid)
            try:
                born_after = by_pid[pid].create_time() >= began
            except psutil.Error:
                continue
            if group == self.pid or (born_after and group not in live and len(live) <= 1):
                roots.append(pid)
        found: set[int] = set()
        stack = list(roots)
        while stack:
            pid = stack.pop()
            if pid in found:
                continue
            found.add(pid)
            stack.extend(children_of.get(pid, []))
        found.discard(self.pid)
        return [by_pid[pid] for pid in found if pid in by_pid]


def _child_environment() -> dict[str, str]:
    env = dict(os.environ)
    # pytest's own variables are no business of the student's code.
    for name in list(env):
        if name.startswith(("PYTEST_", "COV_CORE_")):
            del env[name]
    return env


def _limit_resources(pid: int) -> None:
    """No core dumps, and no file (stdout included) past ``FILE_SIZE_LIMIT``:
    a submission that prints in an endless loop cannot fill the disk.
    Children inherit the limits."""
    try:
        import resource
        resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))
    except (ImportError, AttributeError, OSError, ValueError):
        pass


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def _is_alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _info(p: psutil.Process) -> ProcInfo | None:
    try:
        with p.oneshot():
            return ProcInfo(pid=p.pid, ppid=p.ppid(), status=p.status(),
                            cmdline=tuple(p.cmdline()))
    except psutil.Error:
        return None


def _is_resource_tracker(info: ProcInfo) -> bool:
    return any(_RESOURCE_TRACKER in part for part in info.cmdline)


def is_resource_tracker(proc: psutil.Process) -> bool:
    """multiprocessing's helper under spawn: started by the library, not the student."""
    info = _info(proc)
    return info is not None and _is_resource_tracker(info)


def _settle(procs: list[psutil.Process], grace: float = 0.5) -> list[psutil.Process]:
    """Wait briefly for processes that are ending on their own, and return
    those still alive.

    A process on its way out has already lost its command line (it reads
    empty) before it turns zombie: it gets a moment to finish. The resource
    tracker (spawn) ends when every process holding its pipe has gone; with
    nothing else left it goes within milliseconds, so it is waited for then.
    Beside a live orphan it stays as long as the orphan does.
    """
    infos = {p.pid: _info(p) for p in procs}
    ending = [p for p in procs if (i := infos[p.pid]) is not None and not i.cmdline]
    trackers = [p for p in procs if (i := infos[p.pid]) is not None and _is_resource_tracker(i)]
    others = [p for p in procs if p not in trackers and p not in ending and _is_alive(p)]
    if trackers and not others:
        psutil.wait_procs(trackers + ending, timeout=grace)
    elif ending:
        psutil.wait_procs(ending, timeout=grace)
    return [p for p in procs if _is_alive(p)]


def kill_all(procs: Iterable[psutil.Process], root: subprocess.Popen[bytes] | None = None,
             keep: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """SIGTERM, a short grace, SIGKILL, then reap.

    ``root`` is a call's interpreter: signalled and reaped through its Popen,
    so that its exit status is kept. ``keep`` are other calls' roots, which
    their own Popen reaps.
    """
    me = os.getpid()
    procs = [p for p in procs if p.pid != me and p.pid not in keep
             and (root is None or p.pid != root.pid)]
    everyone: list[psutil.Process] = list(procs)
    if root is not None and root.poll() is None:
        try:
            everyone.insert(0, psutil.Process(root.pid))
        except psutil.Error:
            pass
    for p in everyone:
        try:
            p.suspend()  # no more forking while we work down the list
        except psutil.Error:
            pass
    for p in everyone:
        try:
            p.terminate()
            p.resume()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=KILL_GRACE)
    if root is not None:
        try:
            root.wait(timeout=KILL_GRACE if not alive else 0.01)
        except subprocess.TimeoutExpired:
            root.kill()
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=2)
    if root is not None:
        try:
            root.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    reap_zombies(keep)


def reap_zombies(keep: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """Reap exited children adopted as subreaper; never a root whose Popen
    reaps it (``start_root``), nor those in ``keep``."""
    with _ROOTS_LOCK:  # no root can be started between the look and the reaping
        try:
            kids = psutil.Process().children()
        except psutil.Error:
            return
        keep = keep | _LIVE_ROOTS
        for p in kids:
            if p.pid in keep:
                continue
            try:
                if p.status() == psutil.STATUS_ZOMBIE:
                    os.waitpid(p.pid, os.WNOHANG)
            except (psutil.Error, OSError):
                pass


def _read_answer(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _read_capped(path: Path, cap: int = OUTPUT_CAP) -> str:
    try:
        size = path.stat().st_size
        with open(path, "rb") as src:
            data = src.read(cap)
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if size > cap:
        text += msg.OUTPUT_CUT.format(kept=cap, total=size).render("en")
    return text
