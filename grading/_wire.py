"""What crosses between the grader and a call of student code: one codec, both sides.

Standard library only: the child side (``_child``, run with ``-I -S``) imports
it as well as the parent. Values travel as JSON with a few tags; nothing is
ever unpickled, so a submission cannot run code in the grader through what
it returns.

==================  ==========================================================
``__tuple__``       a tuple (JSON has only lists)
``__dict__``        a dict whose keys need not be strings: ``[[key, value], …]``
``__bytes__``       bytes, base64
``__connect__``     parent → child only: ``Connect(host, port)``, which the
                    child turns into a connected TCP socket
``__process__``     child → parent only: a ``multiprocessing.Process``, read
                    field by field (``ProcessSnapshot``)
``__opaque__``      child → parent only: any other value, as type name and repr
==================  ==========================================================

The request (parent → child) and the answer (child → parent) are plain
dicts; ``Request`` and ``Answer`` give their shapes.
"""

from __future__ import annotations

import base64
import multiprocessing.process
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, TypedDict

#: How deep a returned value is followed before the rest is shown as text.
MAX_DEPTH = 20
#: Characters of a ``repr`` kept for an opaque value.
MAX_REPR = 300


@dataclass(frozen=True)
class Connect:
    """An argument the child turns into a TCP socket connected to this address."""

    host: str
    port: int


@dataclass(frozen=True)
class ProcessSnapshot:
    """A ``multiprocessing.Process`` the student's function returned, as the
    child read it. Its own word only: a test confirms what matters from outside."""

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


class Request(TypedDict, total=False):
    workspace: str
    module: str
    #: A dotted path inside the module: the function to call, or the attribute to read.
    function: str
    get: bool
    args: Any
    kwargs: Any
    start_method: str | None
    #: Where the child writes its answer (atomically).
    answer: str
    #: Stay alive after answering until stdin is closed.
    hold: bool
    #: Module attributes to read after the call.
    report: list[str]
    #: A file of the hidden tests whose function is called instead of the module's.
    driver: str | None


class ErrorJSON(TypedDict):
    type: str
    message: str
    traceback: str
    student_frames: int


class Answer(TypedDict, total=False):
    #: How far the child got: "import", "lookup", "call" or "done".
    phase: str
    returned: bool
    value: Any
    elapsed: float
    error: ErrorJSON
    attributes: dict[str, Any]


def encode(value: Any, depth: int = 0, *, lenient: bool = False) -> Any:
    """The tagged JSON form of ``value``.

    The parent encodes arguments strictly (a type with no tag is a bug in a
    test: ``TypeError``); the child encodes what the student returned
    ``lenient``-ly (anything else becomes ``__opaque__``).
    """
    if depth > MAX_DEPTH:
        return {"__opaque__": [type(value).__name__, "…"]}
    if value is None or isinstance(value, bool):
        return value
    # int, float and str subclasses (IntEnum, …) travel as their plain value.
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    inner = depth + 1
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, inner, lenient=lenient) for v in value]}
    if isinstance(value, list):
        return [encode(v, inner, lenient=lenient) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode(k, inner, lenient=lenient), encode(v, inner, lenient=lenient)]
                             for k, v in value.items()]}
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Connect):
        return {"__connect__": [value.host, value.port]}
    if isinstance(value, PurePath):
        return str(value)
    if lenient and isinstance(value, multiprocessing.process.BaseProcess):
        return {"__process__": describe_process(value)}
    if lenient:
        return {"__opaque__": [type(value).__name__, safe_repr(value)]}
    raise TypeError(f"cannot pass {type(value).__name__} to student code")


def decode(value: Any, connect: Callable[[str, int], Any] | None = None) -> Any:
    """The value ``encode`` tagged. ``connect(host, port)`` makes the socket of
    a ``__connect__`` tag (the child's side); the parent never receives one."""
    if isinstance(value, list):
        return [decode(v, connect) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode(v, connect) for v in value["__tuple__"])
    if "__dict__" in value:
        return {_hashable(decode(k, connect)): decode(v, connect) for k, v in value["__dict__"]}
    if "__bytes__" in value:
        return base64.b64decode(value["__bytes__"])
    if "__connect__" in value and connect is not None:
        host, port = value["__connect__"]
        return connect(str(host), int(port))
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
    return {k: decode(v, connect) for k, v in value.items()}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


def safe_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ is the student's, not ours
        text = f"<repr failed: {type(exc).__name__}>"
    return text[:MAX_REPR]


def describe_process(proc: multiprocessing.process.BaseProcess) -> dict[str, Any]:
    """What the parent may want to know of a returned Process object.

    Each field is read on its own: a subclass that skipped
    ``super().__init__()`` lacks the private state the properties read.
    """
    info: dict[str, Any] = {"class_name": type(proc).__name__,
                            "class_module": type(proc).__module__}
    readers: tuple[tuple[str, Callable[[], Any]], ...] = (
        ("pid", lambda: proc.pid),
        ("name", lambda: proc.name),
        ("daemon", lambda: proc.daemon),
        ("alive", lambda: proc.is_alive()),
        ("exitcode", lambda: proc.exitcode),
    )
    for name, read in readers:
        try:
            value = read()
            info[name] = value if value is None or isinstance(value, (bool, int, str)) else repr(value)
        except Exception as exc:
            info[name] = None
            info.setdefault("unreadable", {})[name] = f"{type(exc).__name__}: {exc}"[:MAX_REPR]
    return info
