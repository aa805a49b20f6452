"""The child side of the sandbox: one call of student code.

The parent (``grading.zygote``) runs this file *by path* with ``python -I -S
-B -X utf8 -u``, so that the interpreter holds the standard library and the
student's module and nothing else: ``-I`` keeps ``PYTHON*`` variables, the
user's site folder, the current folder and this file's folder off
``sys.path``; ``-S`` leaves out site-packages (the lesson needs only the
standard library, and skipping ``site`` saves a third of the start-up);
``-B`` writes no bytecode into the workspace. The codec (``_wire``) is loaded
by path under a private name for the same reason: nothing of the grader is
importable by the student's code.

Three ways in, one way on (``execute``): ``_child.py REQUEST.json`` runs one
call in this fresh interpreter (the cold path); ``_child.py --zygote FD``
waits on a Unix socket and forks once per request (the warm path, see
``zygote``): the forked child returns from ``serve_zygote`` with its request
and goes on exactly as the cold one does. ``_child.py --factory FD`` (the
trusted tier) forks the grade's call helpers themselves, one per topic,
into the topic's namespaces (``serve_factory``); each then serves as
``--zygote`` does. Before any student code runs, the
limits are applied and the start method set.

Contained (the request's ``contain`` part, on the trusted tier): before
anything else, ``contain`` (loaded by path, like ``_wire``) enters the
call's policy: its cgroup, rlimits, an allow-listed environment, its own
mount, IPC, UTS and cgroup namespaces (the checkout, the scratch and root's
home hidden; the workspace read-only; the call's folder and the test's
folders writable), then an unprivileged uid of its own. Everything this
file needs is imported by then. Should any step fail, the child says so on
stderr and exits with ``CONTAIN_FAILED``: no student code runs half contained.

The answer is one JSON document written *after* the call, so that a
half-written answer is never read (``write_answer``): on Linux into a
memory file the call holds as a descriptor, a newline last; elsewhere a
file, written under a temporary name, then ``os.replace``d. A call that
ends the interpreter itself (``os._exit``) leaves no answer, and the parent
says so. Values cross as tagged JSON (``_wire``); nothing is unpickled by
the parent.
"""

from __future__ import annotations

import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from collections.abc import Iterable

# A spawned child of the student's code runs this file again as its main
# module (``__mp_main__``, to find what its parent's ``__main__`` defined): it
# needs none of what follows, and should not pay for it at every start.
if __name__ != "__mp_main__":
    import _io
    import atexit
    import gc
    import importlib
    import importlib.machinery
    import importlib.util
    import json
    import multiprocessing

    # What student code of this lesson imports, imported once in the warm
    # helper so that a forked call finds it loaded (the standard library only).
    import multiprocessing.connection  # noqa: F401
    import multiprocessing.pool  # noqa: F401
    import multiprocessing.queues  # noqa: F401
    import multiprocessing.synchronize  # noqa: F401
    import select
    import signal
    import socket
    import stat
    import struct  # noqa: F401
    import threading
    import time
    import traceback

    try:  # limit_resources, in every call; _place, in every warm one; not on Windows
        import fcntl  # noqa: F401
        import resource  # noqa: F401
    except ImportError:
        pass


def _load_wire() -> ModuleType:
    name = "_kata_wire"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(__file__), "_wire.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _load_contain() -> ModuleType:
    """grading/contain.py by path under a private name (standard library only)."""
    name = "_kata_contain"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(__file__), "contain.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


if __name__ != "__mp_main__":
    wire = _load_wire()

#: Bytes one file of a call may grow to: twice the biggest upload a test makes
#: (128 MiB). Captured output counts too, and on the trusted tier the call's
#: files are in memory, charged to its 512 MiB: a print in an endless loop
#: ends with "File too large", not with the memory limit.
FILE_SIZE_LIMIT = 256 << 20


def _connect(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=10)
    sock.settimeout(None)  # the student's code decides about time-outs
    OPEN_SOCKETS.append(sock)
    return sock


#: Sockets made for ``Connect`` arguments, closed after the call.
OPEN_SOCKETS: list[socket.socket] = []


#: Characters kept of an exception's message and of its traceback.
MAX_MESSAGE = 2000
MAX_TRACEBACK = 6000


def safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception as inner:  # a broken __str__ is the student's, not ours
        return f"<str() failed: {type(inner).__name__}>"


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f" […{len(text) - limit} characters cut]"


def describe_exception(exc: BaseException, workspace: str) -> dict[str, Any]:
    """Type, message and the traceback frames that belong to the student."""
    frames = [
        frame for frame in traceback.extract_tb(exc.__traceback__)
        if os.path.abspath(frame.filename).startswith(workspace + os.sep)
    ]
    lines = []
    for frame in frames:
        where = os.path.relpath(frame.filename, workspace)
        lines.append(f'  File "{where}", line {frame.lineno}, in {frame.name}\n')
        if frame.line:
            lines.append(f"    {frame.line.strip()}\n")
    if isinstance(exc, SyntaxError):
        # Its location is in the exception itself, not in a frame.
        lines = []
    try:
        last = "".join(traceback.format_exception_only(type(exc), exc))
    except Exception:
        last = f"{type(exc).__name__}: {safe_str(exc)}\n"
    last = cut(last, MAX_MESSAGE)
    # Paths relative to the workspace: the student knows their files by name.
    text = "".join(lines) + last.replace(workspace + os.sep, "")
    return {"type": type(exc).__name__, "message": cut(safe_str(exc), MAX_MESSAGE),
            "traceback": cut(text, MAX_TRACEBACK), "student_frames": len(frames)}


def write_answer(request: dict[str, Any], answer: dict[str, Any]) -> None:
    """The answer, whole or not at all as the parent sees it: to the
    descriptor ``answer_fd`` (a memory file, Linux), emptied first, then the
    JSON and last a newline (compact JSON has none of its own); else to the
    file ``answer``, under another name first, then renamed."""
    data = json.dumps(answer).encode("utf-8")
    fd = request.get("answer_fd")
    if fd is None or sys.platform == "win32":  # (no memory files there)
        path = request["answer"]
        temp = path + ".part"
        with open(temp, "wb") as out:
            out.write(data)
        os.replace(temp, path)
        return
    try:
        found = os.fstat(fd)
    except OSError:
        return  # closed by the student's code: no answer, as after os._exit
    if [found.st_dev, found.st_ino] != request.get("answer_file", [found.st_dev, found.st_ino]):
        return  # the number is another file now (the student's): never written to
    os.ftruncate(fd, 0)
    view, at = memoryview(data + b"\n"), 0  # at offset 0 whatever the descriptor's offset
    while at < len(view):
        at += os.pwrite(fd, view[at:], at)


def resolve(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


#: Sources the warm helper compiled ahead for the next calls, by path: their
#: bytes and their code (None where they did not compile). Compiling runs
#: none of the code; a call uses it only for the very bytes it reads itself
#: (``_Ahead``), and compiles anything else itself.
COMPILED: dict[str, tuple[bytes, Any]] = {}

#: Sources bigger than this (bytes) are not compiled ahead.
COMPILE_AHEAD_LIMIT = 1 << 20


def compile_ahead(request: dict[str, Any]) -> None:
    """In the warm helper, after handing a call on: compile the source of
    its module for the calls to come, unless it holds those bytes already
    (a student may edit the file between calls).

    Only a regular file itself, not a symlink: the helper may read what a
    call may not (it runs uncontained), and a call can read what its
    helper holds (the fork's memory), so nothing else is read. Nor a FIFO
    or device, which could keep it waiting."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    try:
        path = os.path.join(os.path.abspath(request["workspace"]), request["module"] + ".py")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, KeyError, TypeError, ValueError):
        return
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size > COMPILE_AHEAD_LIMIT:
            return
        with open(fd, "rb", closefd=False) as src:
            source = src.read(COMPILE_AHEAD_LIMIT + 1)
    except OSError:
        return
    finally:
        os.close(fd)
    if len(source) > COMPILE_AHEAD_LIMIT or (path in COMPILED and COMPILED[path][0] == source):
        return
    try:
        code = compile(source, path, "exec", dont_inherit=True)  # as the import system does
    except Exception:  # noqa: BLE001 - a syntax error, a null byte, too deep: the call meets it itself
        code = None
    COMPILED[path] = (source, code)


if __name__ != "__mp_main__":  # (a spawned child has not imported importlib.machinery)
    class _Ahead(importlib.machinery.SourceFileLoader):
        """The module's loader, as the import system's own but for the code:
        the helper's compilation when the source reads the same bytes now."""

        def get_code(self, fullname: str) -> Any:
            ahead = COMPILED.get(self.path)
            if ahead is not None and ahead[1] is not None and self.get_data(self.path) == ahead[0]:
                return ahead[1]
            return super().get_code(fullname)


class _AheadFinder:
    """Finds ``name`` in ``folder`` (first on ``sys.path``) where the import
    system would take ``name.py`` from it: no package, extension module or
    other entry of that name beside it. Anything else is left to it."""

    def __init__(self, name: str, folder: str) -> None:
        self.name, self.folder = name, folder

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name or path is not None:
            return None
        try:
            entries = set(os.listdir(self.folder))
        except OSError:
            return None
        if fullname + ".py" not in entries or fullname in entries or any(
                fullname + suffix in entries for suffix in importlib.machinery.EXTENSION_SUFFIXES):
            return None
        location = os.path.join(self.folder, fullname + ".py")
        return importlib.util.spec_from_file_location(fullname, location, loader=_Ahead(fullname, location))


def _import(name: str, folder: str) -> ModuleType:
    """``importlib.import_module(name)``, with the code compiled ahead where
    there is some for it (the warm path: see ``compile_ahead``)."""
    if os.path.join(folder, name + ".py") not in COMPILED:
        return importlib.import_module(name)
    finder = _AheadFinder(name, folder)
    # After the built-in and frozen modules' finders, before the path's.
    at = next((i for i, f in enumerate(sys.meta_path) if f is importlib.machinery.PathFinder),
              len(sys.meta_path))
    sys.meta_path.insert(at, finder)
    try:
        return importlib.import_module(name)
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)


def run(request: dict[str, Any]) -> dict[str, Any]:
    workspace = os.path.abspath(request["workspace"])
    answer: dict[str, Any] = {"phase": "import"}
    if request.get("coverage"):  # verify --coverage: measure what runs (see _coverage.py)
        sys.path.append(os.path.dirname(os.path.abspath(__file__)))
        importlib.import_module("_coverage").start(request["coverage"])
    if request.get("start_method"):
        multiprocessing.set_start_method(request["start_method"], force=True)
    # The workspace goes first on sys.path, and modules are imported by
    # name: a spawned grandchild unpickles its target by module name, so the
    # name must resolve to the same file there too.
    sys.path.insert(0, workspace)
    driver = request.get("driver")
    if driver:
        sys.path.append(os.path.dirname(os.path.abspath(driver)))
    try:
        module_path = os.path.join(workspace, request["module"] + ".py")
        if not os.path.isfile(module_path):
            raise ModuleNotFoundError(f"{request['module']}.py is not in the workspace")
        module = _import(request["module"], workspace)
        if os.path.abspath(getattr(module, "__file__", "") or "") != module_path:
            raise ModuleNotFoundError(f"{request['module']} was imported from somewhere else")
        if driver:
            module = importlib.import_module(os.path.splitext(os.path.basename(driver))[0])
        answer["phase"] = "lookup"
        target = resolve(module, request["function"])
        if request.get("get"):
            answer.update(phase="done", returned=True, value=wire.encode(target, lenient=True), elapsed=0.0)
            return answer
        answer["phase"] = "call"
        args = wire.decode(request.get("args", []), _connect)
        kwargs = wire.decode(request.get("kwargs", {}), _connect)
        started = time.perf_counter()
        try:
            value = target(*args, **kwargs)
        finally:
            answer["elapsed"] = time.perf_counter() - started
        answer.update(phase="done", returned=True, value=wire.encode(value, lenient=True))
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: every end is reported
        answer["error"] = describe_exception(exc, workspace)
    finally:
        for sock in OPEN_SOCKETS:
            sock.close()
    attributes = {}
    for name in request.get("report", []):
        try:
            attributes[name] = wire.encode(resolve(sys.modules[request["module"]], name), lenient=True)
        except Exception:
            pass
    answer["attributes"] = attributes
    return answer


def limit_resources() -> None:
    """No core dumps, and no file (stdout included) past ``FILE_SIZE_LIMIT``:
    a submission that prints in an endless loop cannot fill the disk.
    Children inherit the limits."""
    if sys.platform == "win32":  # no such limits there
        return
    try:
        import resource
    except ImportError:
        return
    for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, FILE_SIZE_LIMIT)):
        try:
            soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))
        except (OSError, ValueError):
            pass


def call_policy(spec: dict[str, Any], request: dict[str, Any]) -> Any:
    """The ``contain.Policy`` of a request whose ``contain`` part is ``spec``."""
    contain = _load_contain()
    group = contain.Cgroup.described(spec["cgroup"]) if spec.get("cgroup") else None
    return contain.call_policy(
        slot=int(spec["slot"]), checkout=spec["checkout"], scratch=spec["scratch"],
        workspace=spec["workspace"], cwd=spec["cwd"], writable=spec["writable"], cgroup=group,
        keep_fds=[request["answer_fd"]] if request.get("answer_fd") is not None else [],
        limits=contain.Limits(file_size=FILE_SIZE_LIMIT, open_files=1024),
        readable=spec["readable"], hidden=spec.get("hidden", ()), environment=dict(spec["environment"]))


#: In a spare that began its containment ahead (``_fork_spare``): the
#: ``contain.Begun`` and its call's policy, for ``enter_containment``.
BEGUN: tuple[Any, Any] | None = None


#: The keys of a ``contain`` part that ``call_policy`` makes its fixed part
#: (``contain.fixed_part``) of: a spare compares them with its template's
#: before it takes a call, without building the policy first.
FIXED_KEYS = ("slot", "checkout", "scratch", "workspace", "hidden")


#: The ``FIXED_KEYS`` values of the last template a spare began, and the
#: fixed part of its policy: made in the helper, once for the spares of a topic.
_FIXED: tuple[str, Any] | None = None


def _fixed_policy(template: dict[str, Any]) -> Any:
    """``contain.fixed_part`` of the policy of calls like ``template``."""
    global _FIXED
    key = json.dumps([template.get(k) for k in FIXED_KEYS])
    if _FIXED is None or _FIXED[0] != key:
        _FIXED = (key, _load_contain().fixed_part(call_policy(template, {})))
    return _FIXED[1]


def enter_containment(request: dict[str, Any]) -> None:
    """Contain this process as the request's ``contain`` part says (nothing
    when there is none; the rest of it where a spare began it, ``BEGUN``);
    on failure, say why on stderr and exit with ``CONTAIN_FAILED`` before
    any student code runs."""
    spec = request.get("contain")
    if not spec and BEGUN is None:
        return
    try:
        if BEGUN is not None:
            _load_contain().finish(*BEGUN)
        else:
            _load_contain().enter(call_policy(spec or {}, request))
    except BaseException as exc:  # noqa: BLE001 - fail closed, whatever went wrong
        try:
            os.write(2, f"containment failed: {type(exc).__name__}: {exc}\n".encode())
        finally:
            os._exit(121)  # contain.CONTAIN_FAILED, even when contain could not be loaded


def execute(request: dict[str, Any]) -> None:
    """Run one call in this process, from the limits to the answer."""
    if request.get("go"):
        # Wait to be told: the parent first puts this process in its Job Object.
        sys.stdin.buffer.read(1)
    enter_containment(request)
    limit_resources()
    if request.get("answer_fd") is not None:
        # Kept for the answer, but no program the student's code runs inherits it;
        # and which file it is, should the student's code close it and open another.
        fd = request["answer_fd"]
        os.set_inheritable(fd, False)
        found = os.fstat(fd)
        request["answer_file"] = [found.st_dev, found.st_ino]
    answer = run(request)
    write_answer(request, answer)
    sys.stdout.flush()
    sys.stderr.flush()
    if request.get("hold"):
        # Wait, alive, until the parent closes our stdin: it looks at the
        # process table in between (zombies, children).
        try:
            sys.stdin.buffer.read()
        except Exception:
            pass
    # Then a normal interpreter exit: multiprocessing's exit handler joins
    # non-daemon children and terminates daemonic ones, as in a student's
    # own script.


def serve_zygote(fd: int, spares: bool = False) -> dict[str, Any]:
    """Fork once per request read from the socket ``fd``; return only in a
    forked child, with its request. Single-threaded, so forking is safe.

    Each request comes with descriptors: the first three become the child's
    0, 1 and 2, any more become 3, 4, …; every other descriptor is closed.
    The parent side gets ``{"pid": n}`` for each request (with ``"waited"``:
    the seconds a spare waited for it, and the call's mount namespace as a
    descriptor where its spare made one) and, when a child has ended and been
    reaped here, ``{"exit": n, "code": status}`` (for a spare that died
    unannounced too).

    ``spares``: keep one child forked ahead, waiting in this process's
    process group for a request (``_fork_spare``): a request then costs a
    message to it, and the fork for the next one is made while the call
    runs. The parent side tells spares from calls by that process group
    (``processes.harness_pids``): a call makes a session of its own first.
    A spare forked after a contained request begins the containment of the
    next call like it (``contain.begin``), and takes only such a call.
    """
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    control = socket.socket(fileno=fd)
    # What is loaded now stays out of the garbage collector's sight: a
    # collection in a forked child would touch (and so copy) every page.
    gc.freeze()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_w)
    spare: tuple[int, socket.socket] | None = None
    forked_at = 0.0
    template: dict[str, Any] | None = None  # the last request's "contain" part
    while True:
        if spares and spare is None:
            forked = _fork_spare(control, (wake_r, wake_w), template)
            if isinstance(forked, dict):
                return forked  # in the spare: its request
            spare, forked_at = forked, time.monotonic()
        ready, _, _ = select.select([control.fileno(), wake_r], [], [])
        if wake_r in ready:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
            reaped = _report_exits(control)
            if spare is not None and spare[0] in reaped:
                spare[1].close()  # it died waiting (killed from outside): a new one,
                spare = template = None  # which begins no containment (that may be what failed)
        if control.fileno() not in ready:
            continue
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, 8)
        except OSError:
            data, fds = b"", []
        if not data:  # the test process has gone: so do we (and our spare, which sees its socket close)
            os._exit(0)
        pid, reply, namespace = 0, {}, []
        if spare is not None:
            (pid, sock), spare = spare, None
            reply["waited"] = round(time.monotonic() - forked_at, 6)
            taken = _hand_over(pid, sock, data, fds)
            if taken is None:
                pid, reply = 0, {}  # it died or hangs (killed or stopped from outside): fork anew
            else:
                namespace = taken
        if pid == 0:
            pid = os.fork()
            if pid == 0:
                control.detach()  # closed below with the rest; the object must not close a reused number
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                return _start_call(json.loads(data), fds)  # (a spare reads its request itself)
        for source in fds:
            os.close(source)
        # The call's mount namespace goes to the parent side, which lets it go
        # after the call's end: its teardown waits for an RCU grace period,
        # which the call's exit (and so the report of it) then does not.
        socket.send_fds(control, [json.dumps({"pid": pid, **reply}).encode("utf-8")], namespace)
        for fd in namespace:
            os.close(fd)
        request = _parsed(data)  # (after the reply: the call waits for it)
        template = _contain_part(request)
        compile_ahead(request)
        _report_exits(control)


def _parsed(data: bytes) -> dict[str, Any]:
    try:
        request = json.loads(data)
    except ValueError:
        return {}
    return request if isinstance(request, dict) else {}


def _contain_part(request: dict[str, Any]) -> dict[str, Any] | None:
    part = request.get("contain")
    return part if isinstance(part, dict) else None


def _fork_spare(control: socket.socket, wake: tuple[int, int],
                template: dict[str, Any] | None) -> tuple[int, socket.socket] | dict[str, Any]:
    """Fork a child that waits for one request on a socket of its own. In
    this process: its pid and our end of that socket. In the child, once the
    request has come: the request (it goes on as a call, ``_start_call``).
    ``template``: a ``contain`` part; the child then begins the containment
    of a call like that one before it waits (joining the cgroup its
    ``"next"`` names, the one the parent keeps for the next call), and
    takes only such a call."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    fixed = None
    if template is not None:
        try:
            fixed = _fixed_policy(template)  # here: the spares of a topic share one
        except Exception:  # noqa: BLE001 - a template we cannot read: the spare begins nothing
            template = None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid:
        theirs.close()
        return pid, ours
    # The spare: nothing of the helper's stays open (the test process must
    # see the helper's socket close when the helper ends).
    ours.close()
    control.close()
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for end in wake:
        os.close(end)
    begun = None
    namespace = -1
    if template is not None:
        try:
            contain = _load_contain()
            ahead = contain.Cgroup.described(template["next"]) if template.get("next") else None
            begun = contain.begin(fixed, ahead)
            if "mount namespace" in begun.done:
                # Handed to the parent side with our pid (see serve_zygote).
                namespace = os.open("/proc/self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
            if isinstance(template.get("environment"), dict):
                os.environ.clear()  # the last call's, likely the next one's (finish checks)
                os.environ.update(template["environment"])
        except BaseException:  # noqa: BLE001 - the helper sees us die before a call, and begins none next
            os._exit(1)
    try:
        data, fds, _, _ = socket.recv_fds(theirs, 1 << 20, 8)
    except OSError:
        data, fds = b"", []
    if not data:  # the helper has gone, or retired us
        os._exit(0)
    request = json.loads(data)
    spec = request.get("contain")
    if template is not None and not (isinstance(spec, dict) and all(
            spec.get(key) == template.get(key) for key in FIXED_KEYS)):
        os._exit(0)  # not a call like the last one: not taken, the helper forks it afresh
    try:
        # Taken: the helper may now give our pid out (with our mount namespace).
        socket.send_fds(theirs, [b"+"], [namespace] if namespace >= 0 else [])
    except OSError:
        os._exit(0)
    theirs.detach()  # closed with the rest by _place
    if namespace >= 0:
        os.close(namespace)
    if begun is not None:
        global BEGUN
        BEGUN = (begun, call_policy(spec, request))  # (finish checks its fixed part is begun's)
    return _start_call(request, fds)


#: Seconds the helper waits for its spare to say it took a request.
SPARE_TIMEOUT = 2.0


def _hand_over(pid: int, sock: socket.socket, data: bytes, fds: list[int]) -> list[int] | None:
    """Give the spare ``pid`` its request; None when it did not take it,
    else the descriptors it sent with its yes (its mount namespace, if it
    made one). A spare killed a moment ago may still accept the message, so
    only its answer counts; one that gives none is killed (the helper forks
    the call then)."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    sent: list[int] = []
    try:
        socket.send_fds(sock, [data], fds)
        sock.settimeout(SPARE_TIMEOUT)
        answer, sent, _, _ = socket.recv_fds(sock, 1, 1)
        taken = answer == b"+"
    except OSError:
        taken = False
    sock.close()
    if taken:
        return sent
    for fd in sent:
        os.close(fd)
    try:
        os.kill(pid, signal.SIGKILL)  # reaped and reported with the others
    except OSError:
        pass
    return None


def _start_call(request: dict[str, Any], fds: list[int]) -> dict[str, Any]:
    """In the call's new process: a session of its own, the request's
    descriptors, working folder and environment; the request returned."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    os.setsid()
    _place(fds, keep=BEGUN[0].handles.values() if BEGUN is not None else ())
    if request.get("cwd") and BEGUN is None:  # (else the containment's last step: its folder is hidden now)
        os.chdir(request["cwd"])
    os.environ.update(request.get("environment") or {})
    return dict(request)


def serve_factory(fd: int) -> int:
    """The grade's call-helper factory (the trusted tier): make each topic's
    call helper as a fork of this warm interpreter instead of a fresh one.
    Single-threaded, so forking is safe; returns only in a new call helper,
    with the descriptor of the socket it serves (``serve_zygote``).

    Each request on the socket ``fd`` comes from a topic's test process, pid
    1 of the topic's namespaces, with four descriptors: the helper's end of
    its socket, then the topic's ``/proc/self/ns`` net, mnt and pid. A fresh
    fork joins those namespaces (``contain.join_topic``) and forks twice
    more; the middle one exits at once, so the kernel gives the last one to
    the pid namespace's init: the test process, whose child it then is, as
    a helper it had started itself would be. That one waits until adopted,
    takes the request's environment and working folder, makes a session of
    its own, closes every other descriptor and says ``{"helper": pid}``
    (its pid as the test process sees it). Should a step fail, it exits
    and the topic starts a helper of its own instead.
    """
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    control = socket.socket(fileno=fd)
    gc.freeze()
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1 << 20, 8)
        except OSError:
            data, fds = b"", []
        if not data:  # the grade is over: so are we
            os._exit(0)
        try:
            request = json.loads(data)
        except ValueError:
            request = None
        if request is None or len(fds) != 4:
            for source in fds:
                os.close(source)
            continue
        pid = os.fork()
        if pid == 0:
            control.detach()  # closed below with the rest
            return _become_helper(request, fds)
        for source in fds:
            os.close(source)
        try:
            os.waitpid(pid, 0)  # it ends as soon as its child has forked the helper
        except ChildProcessError:
            pass


#: Seconds a factory-made call helper waits to be adopted by the test process.
ADOPTION_WAIT = 5.0


def _become_helper(request: dict[str, Any], fds: list[int]) -> int:
    """The factory's fork, on its way to a topic's call helper (see ``serve_factory``)."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    sock, namespaces = fds[0], fds[1:]
    try:
        _load_contain().join_topic(namespaces)
    except BaseException:  # noqa: BLE001 - no helper then: the topic starts its own
        os._exit(1)
    for source in namespaces:
        os.close(source)
    try:
        middle = os.fork()  # the first process in the topic's pid namespace
        if middle:
            os.waitpid(middle, 0)
            os._exit(0)
        if os.fork():
            os._exit(0)  # orphans the helper: the kernel gives it to the namespace's pid 1
        deadline = time.monotonic() + ADOPTION_WAIT
        while os.getppid() != 1:
            if time.monotonic() > deadline:
                os._exit(1)
            time.sleep(0.0005)
        os.setsid()
        os.environ.clear()
        os.environ.update(request.get("environment") or {})
        os.chdir(request.get("cwd") or "/")
        for low, high in ((3, sock), (sock + 1, os.sysconf("SC_OPEN_MAX"))):
            if low < high:
                os.closerange(low, high)
        os.write(sock, json.dumps({"helper": os.getpid()}).encode("utf-8"))
    except BaseException:  # noqa: BLE001 - a fork of the factory never unwinds into its loop
        os._exit(1)
    return sock


def _place(fds: list[int], keep: Iterable[int] = ()) -> None:
    """Make ``fds`` this process's descriptors 0, 1, 2, 3, … and close the
    rest but ``keep`` (numbers above ``contain.HANDLES_FROM``)."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    import fcntl  # POSIX: only the warm path forks

    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 256) for fd in fds]  # out of the way first
    for target, source in enumerate(high):
        os.dup2(source, target)
    low = len(high) if len(high) > 3 else 3
    for kept in sorted(keep):
        os.closerange(low, kept)
        low = kept + 1
    os.closerange(low, os.sysconf("SC_OPEN_MAX"))


def _report_exits(control: socket.socket) -> set[int]:
    """Reap every child that has ended and tell the parent side; the pids reaped."""
    if sys.platform == "win32":
        raise OSError("the warm path needs fork")
    reaped: set[int] = set()
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return reaped
        if pid == 0:
            return reaped
        reaped.add(pid)
        control.send(json.dumps({"exit": pid, "code": os.waitstatus_to_exitcode(status)}).encode())


def end_program() -> NoReturn:
    """End as the interpreter ends a program, without tearing the interpreter
    down (that teardown costs more than the rest of a short call): wait for
    non-daemon threads, run the exit handlers (multiprocessing's joins the
    non-daemon children and ends the daemonic ones, as in a student's own
    script), flush every file still open, then exit with status 0."""
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    # At a normal exit an open file is flushed when the interpreter frees it:
    # flush them here (what the warm helper loaded is frozen, not listed).
    # io's C base class, not the io.IOBase ABC: every stream derives from it,
    # and the ABC's check costs a cache fill per type in each fresh child.
    for obj in gc.get_objects():
        if isinstance(obj, _io._IOBase):
            try:
                if not obj.closed:
                    obj.flush()
            except Exception:  # a broken stream of the student's: as at a normal exit, ignored
                pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(0)


def main() -> None:
    if sys.argv[1] == "--zygote":  # --zygote [--contained] FD
        if "--contained" in sys.argv:
            _load_contain()._warm_up()  # once, in the helper: a forked call finds it loaded
        request = serve_zygote(int(sys.argv[-1]), spares=True)
    elif sys.argv[1] == "--factory":  # --factory FD: the trusted tier's call helpers, forked
        _load_contain()._warm_up()
        request = serve_zygote(serve_factory(int(sys.argv[-1])), spares=True)
    else:
        with open(sys.argv[1], encoding="utf-8") as src:
            request = json.load(src)
    execute(request)
    end_program()


if __name__ == "__main__":
    main()
