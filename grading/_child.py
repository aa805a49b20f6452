"""The child side of the sandbox: one call of student code in a fresh interpreter.

The parent (``grading.sandbox``) runs this file *by path*, as
``python -I -S -B -X utf8 -u _child.py REQUEST.json``, so that the interpreter
holds the standard library and the student's module and nothing else: ``-I``
keeps ``PYTHON*`` variables, the user's site folder and the current folder
off ``sys.path``; ``-S`` leaves out site-packages (the lesson needs only the
standard library, and skipping ``site`` saves a third of the start-up);
``-B`` writes no bytecode into the workspace. It therefore imports only the
standard library.

The request names the workspace, the module, the function (a dotted path, or
an attribute to read), the arguments and the start method. The answer is one
JSON file written atomically (temporary name, then ``os.replace``) *after*
the call, so a half-written answer is never read; a call that ends the
interpreter itself (``os._exit``) leaves no answer, and the parent says so.

Values cross as JSON with a few tags (see ``encode``); nothing is unpickled
by the parent, so a submission cannot run code in the grader through its
return value.
"""

from __future__ import annotations

import base64
import importlib
import json
import multiprocessing
import multiprocessing.process
import os
import socket
import sys
import time
import traceback
from typing import Any

#: How deep a returned value is followed before the rest is shown as text.
MAX_DEPTH = 20


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-able, tagged form of ``value`` that ``sandbox.decode`` reverses."""
    if depth > MAX_DEPTH:
        return {"__opaque__": [type(value).__name__, "…"]}
    if value is None or isinstance(value, (bool, int, float, str)):
        # int and str subclasses (IntEnum, …) travel as their plain value.
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        return str(value)
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, multiprocessing.process.BaseProcess):
        return {"__process__": describe_process(value)}
    return {"__opaque__": [type(value).__name__, safe_repr(value)]}


def safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ is the student's, not ours
        text = f"<repr failed: {type(exc).__name__}>"
    return text[:300]


def describe_process(proc: multiprocessing.process.BaseProcess) -> dict[str, Any]:
    """What the parent may want to know of a returned Process object.

    Each field is read on its own: a subclass that skipped
    ``super().__init__()`` lacks the private state the properties read.
    """
    info: dict[str, Any] = {"class_name": type(proc).__name__,
                            "class_module": type(proc).__module__}
    for field, read in (
        ("pid", lambda: proc.pid),
        ("name", lambda: proc.name),
        ("daemon", lambda: proc.daemon),
        ("alive", lambda: proc.is_alive()),
        ("exitcode", lambda: proc.exitcode),
    ):
        try:
            info[field] = read()
        except Exception as exc:
            info[field] = None
            info.setdefault("unreadable", {})[field] = f"{type(exc).__name__}: {exc}"
    return info


def decode(value: Any) -> Any:
    """Arguments from the parent: the same tags, plus ``__connect__``."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(decode(v) for v in value["__tuple__"])
        if "__bytes__" in value:
            return base64.b64decode(value["__bytes__"])
        if "__dict__" in value:
            return {decode(k): decode(v) for k, v in value["__dict__"]}
        if "__connect__" in value:
            host, port = value["__connect__"]
            sock = socket.create_connection((host, port), timeout=10)
            sock.settimeout(None)  # the student's code decides about time-outs
            OPEN_SOCKETS.append(sock)
            return sock
    return value


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


def write_answer(path: str, answer: dict[str, Any]) -> None:
    temp = path + ".part"
    with open(temp, "w", encoding="utf-8") as out:
        json.dump(answer, out)
    os.replace(temp, path)


def resolve(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


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
        module = importlib.import_module(request["module"])
        if os.path.abspath(getattr(module, "__file__", "") or "") != module_path:
            raise ModuleNotFoundError(f"{request['module']} was imported from somewhere else")
        if driver:
            module = importlib.import_module(os.path.splitext(os.path.basename(driver))[0])
        answer["phase"] = "lookup"
        target = resolve(module, request["function"])
        if request.get("get"):
            answer.update(phase="done", returned=True, value=encode(target), elapsed=0.0)
            return answer
        answer["phase"] = "call"
        args = decode(request.get("args", []))
        kwargs = decode(request.get("kwargs", {}))
        started = time.perf_counter()
        try:
            value = target(*args, **kwargs)
        finally:
            answer["elapsed"] = time.perf_counter() - started
        answer.update(phase="done", returned=True, value=encode(value))
    except BaseException as exc:  # noqa: BLE001 - SystemExit and all: every end is reported
        answer["error"] = describe_exception(exc, workspace)
    finally:
        for sock in OPEN_SOCKETS:
            sock.close()
    attributes = {}
    for name in request.get("report", []):
        try:
            attributes[name] = encode(resolve(sys.modules[request["module"]], name))
        except Exception:
            pass
    answer["attributes"] = attributes
    return answer


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as src:
        request = json.load(src)
    answer = run(request)
    write_answer(request["answer"], answer)
    sys.stdout.flush()
    sys.stderr.flush()
    if request.get("hold"):
        # Wait, alive, until the parent closes our stdin: it looks at the
        # process table in between (zombies, children).
        try:
            sys.stdin.buffer.read()
        except Exception:
            pass
    # A normal interpreter exit: multiprocessing's exit handler now joins
    # non-daemon children and terminates daemonic ones, as in a student's
    # own script.


if __name__ == "__main__":
    main()
