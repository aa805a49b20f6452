"""One finished call of student code, as the parent observed it, and what it means.

``Call`` is what a hidden test reads; ``Call.unwrap`` turns how the call
ended into the test's outcome: the returned value, or the ``StudentProblem``
that decides it (not written yet, raised, died, timed out).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import messages as msg
from ._wire import decode
from .errors import NotWritten, StudentCrashed, StudentProblem, StudentTimedOut
from .host import HOST
from .i18n import Text
from .processes import ProcInfo

#: Bytes of stdout/stderr kept per call; the rest is cut with a marker.
OUTPUT_CAP = 64 * 1024


@dataclass(frozen=True)
class StudentException:
    """An exception raised by the student's code."""

    type: str
    message: str
    traceback: str
    #: Where it was raised: "import", "lookup" (no such function) or "call".
    phase: str


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
    #: The memory cap (MiB) when the kernel killed part of the call for going over it.
    memory_limit: int | None = None
    #: The call's sandbox could not be set up: no student code ran (the grader's problem).
    contain_failed: bool = False

    @classmethod
    def from_answer(cls, answer: dict[str, Any], stdout: str, stderr: str, **observed: Any) -> Call:
        """The call as its answer says (what it returned or raised, its own
        timing), with what it printed, and as the parent ``observed`` it
        (exit code, wall time, …)."""
        error = None
        if "error" in answer:
            raw = answer["error"]
            error = StudentException(type=raw["type"], message=raw["message"],
                                     traceback=raw["traceback"], phase=answer.get("phase", "call"))
        return cls(returned=bool(answer.get("returned")), value=decode(answer.get("value")),
                   error=error, elapsed=answer.get("elapsed"), stdout=stdout, stderr=stderr,
                   attributes={k: decode(v) for k, v in answer.get("attributes", {}).items()},
                   **observed)

    def raised(self, type_name: str) -> bool:
        return self.error is not None and self.error.type == type_name

    def unwrap(self) -> Any:
        """The returned value, or the exception that decides the test's outcome."""
        problem = self.problem()
        if problem is not None:
            raise problem
        return self.value

    def problem(self) -> StudentProblem | None:
        """What ``unwrap`` would raise, or None when the call returned."""
        if self.error is not None:
            return self._problem_for_error(self.error)
        if self.contain_failed:
            why = self.stderr.strip().splitlines()[-1:] or ["?"]
            return StudentCrashed(msg.CONTAIN_FAILED.format(why=why[0][-300:]))
        if self.memory_limit is not None and not self.returned:
            # "__name__": the import alone (Sandbox.start_import), before any function.
            said = msg.MEMORY_EXCEEDED_AT_IMPORT if self.function == "__name__" else msg.MEMORY_EXCEEDED
            return StudentCrashed(said.format(call=self.function, limit=self.memory_limit))
        if self.timed_out:
            said = msg.TIMED_OUT_AFTER_RETURN if self.returned else msg.TIMED_OUT
            # How long it really ran: a test may have waited in steps.
            waited = max(self.wall, self.time_limit or 0.0)
            return StudentTimedOut(self._with_tail(said.format(call=self.function,
                                                                seconds=_secs(round(waited)))))
        if not self.returned:
            return StudentCrashed(self._with_tail(
                msg.DIED.format(call=self.function, status=exit_status(self.exit_code))))
        return None

    def _problem_for_error(self, error: StudentException) -> StudentProblem:
        details = Text(en=error.traceback.rstrip(), zh=error.traceback.rstrip())
        if error.phase == "import":
            return StudentCrashed(msg.IMPORT_FAILED + details)
        if error.phase == "lookup":
            # Not written yet, rather than broken: the name is simply missing.
            return NotWritten(msg.MISSING_NAME.format(call=self.function))
        if error.type == "NotImplementedError":
            return NotWritten(msg.NOT_WRITTEN.format(call=self.function))
        return StudentCrashed(msg.RAISED.format(call=self.function) + details)

    def _with_tail(self, text: Text) -> Text:
        """``text``, then the end of what the call printed to stderr, if anything."""
        tail = self.stderr.strip()[-1500:]
        return text + msg.STDERR_TAIL.format(tail=tail) if tail else text


@dataclass(frozen=True)
class Hang:
    test: str
    seconds: float


class HangLog(dict[str, Hang]):
    """The functions (by key) that hung in this topic, and where: fail fast.

    The plugin gives every sandbox of a topic process the same log; a call
    that ran out its ``finish`` time is recorded under its key (the module
    and function, or the test's ``hang_key``), and a later start of the same
    key raises that time-out at once, naming the test where it first hung.
    """

    def refuse(self, key: str, call: str, text: Text) -> None:
        """Raise the time-out at once when ``key`` already hung."""
        known = self.get(key)
        if known is not None:
            raise StudentTimedOut(text.format(call=call, seconds=f"{known.seconds:g}", test=known.test))

    def record(self, key: str, test: str, seconds: float) -> None:
        self.setdefault(key, Hang(test, seconds))


def _secs(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def exit_status(code: int | None) -> str:
    """An exit status as a reader says it: ``exit status 3``, ``signal SIGKILL``."""
    if code is None:
        return "?"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit status {code}"


def read_answer(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class Answer:
    """Where a call writes its answer (``_child.write_answer``), and reading
    it: on Linux a memory file the call gets as a descriptor, its answer
    complete once it ends with a newline; elsewhere ``answer.json`` in the
    call's ``folder``, written under another name and then renamed."""

    def __init__(self, folder: Path, in_memory: bool | None = None) -> None:
        """``in_memory``: a memory file (Linux only; the default there) or a file."""
        self.path = folder / "answer.json"
        if in_memory is None:
            in_memory = HOST.memory_files
        self._fd = _memory_file("answer") if in_memory else -1
        #: What the memory file held when it was closed (None: still open, or a file).
        self._final: bytes | None = None

    def fileno(self) -> int:
        """The descriptor the call writes to; -1: it writes the file ``path``."""
        return self._fd

    def ready(self) -> bool:
        """Whether the whole answer is there (its last byte, not all of it, is
        read: the call may have grown the file to any size)."""
        if self._final is not None:
            return self._final.endswith(b"\n")
        if self._fd < 0:
            return self.path.exists()
        if sys.platform != "linux":
            return False
        try:
            size = os.fstat(self._fd).st_size
            return size > 0 and os.pread(self._fd, 1, size - 1) == b"\n"
        except OSError:
            return False

    def read(self) -> dict[str, Any]:
        """The answer, ``{}`` when there is none (yet)."""
        if self._fd < 0 and self._final is None:
            return read_answer(self.path)
        data = self._bytes()
        if not data.endswith(b"\n"):
            return {}
        try:
            found = json.loads(data)
        except ValueError:
            return {}
        return found if isinstance(found, dict) else {}

    def _bytes(self) -> bytes:
        if self._final is not None:
            return self._final
        if sys.platform != "linux" or self._fd < 0 or not self.ready():
            return b""
        try:
            return os.pread(self._fd, os.fstat(self._fd).st_size, 0)
        except OSError:
            return b""

    def close(self) -> None:
        """Done with the memory file: what it held stays readable."""
        if self._fd >= 0:
            self._final = self._bytes()
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


def _memory_file(name: str) -> int:
    """A new memory file's descriptor (close-on-exec), -1 where the kernel
    refuses one (too old, a seccomp filter, no descriptors left): a file then."""
    if sys.platform != "linux":
        return -1
    try:
        return os.memfd_create(name, os.MFD_CLOEXEC)
    except OSError:
        return -1


class Output:
    """Where one of a call's streams (``name``: stdout, stderr) goes, and what
    it held. On Linux an anonymous memory file (``memfd_create``): no file on
    disk is made and removed for every call, and its pages count against the
    call's memory where there is a cap; the call's file size limit caps it
    as it would a file. Elsewhere a file ``name`` in the call's ``folder``.
    A file (as opposed to a pipe) never blocks a chatty child, and the
    grandchildren that keep it open cannot delay the result."""

    def __init__(self, folder: Path, name: str, in_memory: bool | None = None) -> None:
        """``in_memory``: a memory file (Linux only; the default there) or a file."""
        self._path: Path | None = None
        if in_memory is None:
            in_memory = HOST.memory_files
        self._fd = _memory_file(name) if in_memory else -1
        if self._fd < 0:
            self._path = folder / name
            self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                               | getattr(os, "O_BINARY", 0), 0o644)

    def fileno(self) -> int:
        """The descriptor to hand to the call (``-1`` once ``launched``)."""
        return self._fd

    def launched(self) -> None:
        """The call has its own descriptor now: a file's is closed here, to be
        read by its path (a memory file's stays: it is all there is)."""
        if self._path is not None and self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def read(self, cap: int = OUTPUT_CAP) -> str:
        """What was written, the first ``cap`` bytes of it (the rest is cut
        with a marker); the descriptor is closed. Read once."""
        try:
            if self._path is not None:
                size = self._path.stat().st_size
                with open(self._path, "rb") as src:
                    data = src.read(cap)
            elif sys.platform == "linux":  # a memory file: from its start, the call's offset untouched
                size = os.fstat(self._fd).st_size
                data = os.pread(self._fd, cap, 0)
            else:
                return ""
        except OSError:
            return ""
        finally:
            self.close()
        text = data.decode("utf-8", errors="replace")
        if size > cap:
            text += msg.OUTPUT_CUT.format(kept=cap, total=size).render("en")
        return text

    def close(self) -> None:
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1


class Streams:
    """A call's standard streams and its answer, made before it starts: its
    stdin, a pipe the parent feeds; its stdout and stderr (``Output``) and
    its answer (``Answer``), written for the parent."""

    def __init__(self, folder: Path) -> None:
        self.stdin, self._feed = os.pipe()  # the call's end, ours
        self.stdout, self.stderr = Output(folder, "stdout"), Output(folder, "stderr")
        self.answer = Answer(folder)

    def launched(self) -> None:
        """The call holds its own descriptors now: ours of its ends go."""
        with contextlib.suppress(OSError):
            os.close(self.stdin)
        self.stdout.launched()
        self.stderr.launched()

    def feed(self, data: bytes) -> None:
        """Write ``data`` to the call's stdin (all of it, unless the call is gone)."""
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._feed, view):]
        except OSError:
            pass  # the child is gone already; its answer (or none) says why

    def close_stdin(self) -> None:
        """End of input for the call."""
        if self._feed >= 0:
            with contextlib.suppress(OSError):
                os.close(self._feed)
            self._feed = -1

    def close(self) -> None:
        self.close_stdin()
        for kept in (self.stdout, self.stderr, self.answer):
            kept.close()
