"""Windows: a call's processes in a Job Object, so that none outlives it.

Windows keeps no process tree once a parent has ended (an orphan is nobody's
child), so a tree kill by psutil misses what escaped. A Job Object holds
every process started inside it, however deep; closing it with
``JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`` (or ``TerminateJobObject``) ends them
all. A call is started in a new process group, put in its job, and only then
told to go on (the first byte of its stdin, see ``_child.execute``), so that
nothing it starts can begin outside the job.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
from typing import Any

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9
PROCESS_SET_QUOTA = 0x0100
PROCESS_TERMINATE = 0x0001


class _BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64), ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32), ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t), ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t), ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class _IoCounters(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        "ReadOperationCount", "WriteOperationCount", "OtherOperationCount",
        "ReadTransferCount", "WriteTransferCount", "OtherTransferCount")]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [("BasicLimitInformation", _BasicLimits), ("IoInfo", _IoCounters),
                ("ProcessMemoryLimit", ctypes.c_size_t), ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t), ("PeakJobMemoryUsed", ctypes.c_size_t)]


def _error() -> OSError:
    if sys.platform == "win32":
        return ctypes.WinError()
    return OSError("Job Objects exist on Windows only")


class Job:
    """One Job Object that kills its processes when closed."""

    _kernel32: Any
    handle: Any

    def __init__(self) -> None:
        if sys.platform != "win32":
            raise _error()
        kernel32: Any = ctypes.windll.kernel32
        self._kernel32 = kernel32
        self.handle = kernel32.CreateJobObjectW(None, None)
        if not self.handle:
            raise _error()
        limits = _ExtendedLimits()
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        if not kernel32.SetInformationJobObject(self.handle, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                                ctypes.byref(limits), ctypes.sizeof(limits)):
            raise _error()

    def add(self, pid: int) -> None:
        process = self._kernel32.OpenProcess(PROCESS_SET_QUOTA | PROCESS_TERMINATE, False, pid)
        if not process:
            raise _error()
        try:
            if not self._kernel32.AssignProcessToJobObject(self.handle, process):
                raise _error()
        finally:
            self._kernel32.CloseHandle(process)

    def close(self) -> None:
        """End every process of the job."""
        if self.handle:
            self._kernel32.TerminateJobObject(self.handle, 1)
            self._kernel32.CloseHandle(self.handle)
            self.handle = None


class JobPopen(subprocess.Popen[bytes]):
    """A call's interpreter in a Job Object of its own; ``kill`` ends the job."""

    job: Job | None = None

    def kill(self) -> None:
        if self.job is not None:
            self.job.close()
        super().kill()
