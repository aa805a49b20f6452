"""The machine the grader runs on: its tier, and what it can observe.

Everything that differs by operating system or privilege is decided here,
once, and asked of ``HOST``: which interpreter a call runs, whether a warm
fork helper can be had, how pytest stops a test that runs too long, and
which behaviours of student code the process table can show faithfully
(``observes``). A hidden test that needs what this host cannot observe is
*skipped* with the reason (``testing.needs``): it neither passes nor fails,
and the report says where those points are graded. Tests and the engine
above this seam never look at ``sys.platform`` themselves.

The tiers, said out loud in every report:

==============  ===========================================================
``linux-root``  Linux as root: the trusted tier (containment where the kernel allows)
``linux-user``  Linux as an ordinary user
``macos``       macOS: no subreaper (orphans go to launchd), no ``/proc``
``windows``     Windows: no fork, no zombies, no re-parenting, no POSIX signals
==============  ===========================================================
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

from .i18n import Text

#: What a host may or may not be able to observe of student code.
FORK = "fork"                # the fork start method exists
ZOMBIES = "zombies"          # an ended child nobody reaped stays in the process table
ADOPTION = "adoption"        # orphans are adopted by the grader (a subreaper), not by init/launchd
REAPED_CHILDREN = "reaped-children"  # /proc/<pid>/stat says whether a process reaped a child
SIGNALS = "signals"          # terminate() is SIGTERM, distinct from kill() (SIGKILL)

#: Why a test is skipped where its capability is missing (shown to the student).
WHY = {
    FORK: Text(en="this system has no fork start method; these items are graded on Linux and macOS",
               zh="本系统没有 fork 启动方式；这些测试项在 Linux 和 macOS 上评分"),
    ZOMBIES: Text(en="this system keeps no zombie processes to look at; graded on Linux and macOS",
                  zh="本系统不会留下可供观察的僵尸进程；在 Linux 和 macOS 上评分"),
    ADOPTION: Text(en="on this system an orphan is not adopted by the grader, so it cannot be followed; "
                      "graded on Linux (in CI)",
                   zh="本系统上孤儿进程不会被评分程序收养，无法跟踪；在 Linux（CI）上评分"),
    REAPED_CHILDREN: Text(en="this system cannot show from outside whether a process reaped a child; "
                             "graded on Linux (in CI)",
                          zh="本系统无法从外部看出进程是否回收过子进程；在 Linux（CI）上评分"),
    SIGNALS: Text(en="this system has no POSIX signals (terminate and kill are the same); "
                     "graded on Linux and macOS",
                  zh="本系统没有 POSIX 信号（terminate 与 kill 相同）；在 Linux 和 macOS 上评分"),
}


@dataclass(frozen=True)
class Host:
    """The tier and the capabilities of one machine (see the module docstring)."""

    tier: str
    capabilities: frozenset[str]
    #: What the tier enforces on student code, for the report.
    enforced: tuple[str, ...] = field(default=())

    def observes(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def start_methods(self) -> tuple[str, ...]:
        """The start methods every process topic is graded under, everywhere:
        an item this host lacks is skipped with its reason, never dropped."""
        return ("fork", "spawn")

    @property
    def warm_calls(self) -> bool:
        """Whether calls can be forks of a warm helper (``zygote``)."""
        return hasattr(os, "fork") and hasattr(socket, "send_fds")

    @property
    def inherits_fds(self) -> bool:
        """Whether a child can inherit a descriptor by number (``pass_fds``)."""
        return self.tier != "windows"

    @property
    def memory_files(self) -> bool:
        """Whether a call's output and answer can be memory files
        (``memfd_create``) handed to it by descriptor (``call.Output``)."""
        return self.tier.startswith("linux") and hasattr(os, "memfd_create") and self.inherits_fds

    @property
    def new_group(self) -> dict[str, Any]:
        """``Popen`` arguments that put a child in a process group of its own."""
        if self.tier == "windows":
            return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        return {"start_new_session": True}

    @property
    def timeout_method(self) -> str:
        """How pytest-timeout stops a test: a signal where there is SIGALRM."""
        return "signal" if hasattr(signal, "SIGALRM") else "thread"

    @property
    def call_executable(self) -> str:
        """The interpreter of a call. In a Windows virtual environment
        ``python.exe`` is a launcher that starts the real one as its child:
        pids and memory would be the launcher's. Calls need no site-packages
        (they run with ``-S``), so the base interpreter does."""
        if self.tier == "windows":
            return getattr(sys, "_base_executable", None) or sys.executable
        return sys.executable


#: What each tier can observe at best; a capability the interpreter lacks is dropped too.
TIER_CAPABILITIES = {
    "linux-root": frozenset({FORK, ZOMBIES, ADOPTION, REAPED_CHILDREN, SIGNALS}),
    "linux-user": frozenset({FORK, ZOMBIES, ADOPTION, REAPED_CHILDREN, SIGNALS}),
    "macos": frozenset({FORK, ZOMBIES, SIGNALS}),
    "windows": frozenset(),
}
#: What each tier enforces without the trusted tier's containment (on Linux as
#: root with it, the report lists ``contain.probe().enforced`` instead: see zygote).
ENFORCED = {
    "linux-root": ("process group per call", "subreaper: no orphan escapes", "file size and core rlimits",
                   "environment allow-list", "dumpable=0 for the grader and test processes"),
    "linux-user": ("process group per call", "subreaper: no orphan escapes", "file size and core rlimits",
                   "environment allow-list", "dumpable=0 for the grader and test processes"),
    "macos": ("process group per call", "file size and core rlimits"),
    "windows": ("process tree per call (psutil)",),
}
#: Names the tier instead of the running system: only for the self-tests that
#: grade on Linux as if on another system (selftests/platforms/), which also
#: take away what that system lacks.
SIMULATED_ENV = "GRADING_HOST"


def detect() -> Host:
    """This machine's host, from the system and what the running interpreter offers."""
    tier = os.environ.get(SIMULATED_ENV, "")
    if tier not in TIER_CAPABILITIES:
        if sys.platform.startswith("linux"):
            tier = "linux-root" if hasattr(os, "geteuid") and os.geteuid() == 0 else "linux-user"
        elif sys.platform == "darwin":
            tier = "macos"
        else:
            tier = "windows"
    caps = set(TIER_CAPABILITIES[tier])
    if "fork" not in multiprocessing.get_all_start_methods():
        caps.discard(FORK)
    if not hasattr(os, "WNOHANG"):
        caps.discard(ZOMBIES)
    if not hasattr(signal, "SIGKILL"):
        caps.discard(SIGNALS)
    return Host(tier=tier, capabilities=frozenset(caps), enforced=ENFORCED[tier])


HOST = detect()
