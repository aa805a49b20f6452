"""Run a Python command line as it would run on another system, capabilities removed.

The self-tests grade on Linux as if on Windows or macOS: ``wrapper.sh`` (made
by ``test_platforms``, standing in for the interpreter) hands every command
line here, with its interpreter flags kept, so that the grader, its topic
processes and every student call start alike: what the simulated system
lacks is taken away first (``remove``), then the command runs (a script, ``-c``
or ``-m``). The grader is told the tier with ``GRADING_HOST``; everything else
it must find out from what exists, as on the real system.

    boot.py script PATH ARG…  |  boot.py -c CODE ARG…  |  boot.py -m MODULE ARG…
"""

from __future__ import annotations

import importlib
import os
import runpy
import sys
import types
from typing import Any

#: What each simulated system lacks (Python 3.11 on that system).
WINDOWS_OS = ("fork", "forkpty", "getpgid", "killpg", "setsid", "setpgid", "getsid", "WNOHANG",
              "waitid", "wait", "wait3", "wait4", "register_at_fork", "sched_getaffinity")
WINDOWS_SIGNALS = ("SIGKILL", "SIGALRM", "SIGCHLD", "SIGSTOP", "SIGCONT", "SIGHUP", "SIGQUIT",
                   "SIGUSR1", "SIGUSR2", "SIGPIPE", "alarm", "setitimer", "pthread_kill")
MACOS_OS = ("waitid", "sched_getaffinity", "pipe2")
#: Imported before anything is taken away: they stand for their own code on that system.
PRELOADED = ("concurrent.futures", "multiprocessing.connection", "multiprocessing.popen_fork",
             "multiprocessing.popen_spawn_posix", "multiprocessing.resource_tracker",
             "multiprocessing.spawn", "multiprocessing.util", "selectors", "shutil", "signal",
             "socket", "subprocess", "tempfile", "threading")


def remove(system: str) -> None:
    # The standard library's and psutil's own POSIX code keeps working, as
    # their Windows code would there: every module imported before this
    # point keeps a full copy of ``os`` and ``signal``. Only what is imported
    # afterwards (the grader, the student's code) finds them cut down.
    for name in PRELOADED:
        importlib.import_module(name)
    import signal
    import socket

    # psutil stands for its Windows backend, which needs none of this. A topic
    # process (-S) finds it on the path the grader passes; a call's does not.
    saved = list(sys.path)
    sys.path += [p for p in os.environ.get("GRADING_SYS_PATH", "").split(os.pathsep) if p]
    try:
        importlib.import_module("psutil")
        importlib.import_module("psutil._psposix")
    except ImportError:
        pass
    finally:
        sys.path[:] = saved
    _keep_full_copies(os, signal)
    if system == "windows":
        for name in WINDOWS_OS:
            if hasattr(os, name):
                delattr(os, name)
        for name in WINDOWS_SIGNALS:
            if hasattr(signal, name):
                delattr(signal, name)
        for name in ("resource", "fcntl", "termios"):
            sys.modules[name] = None  # type: ignore[assignment]  # import now fails, as there
        for name in ("send_fds", "recv_fds"):
            if hasattr(socket, name):
                delattr(socket, name)
        _popen_as_on_windows()
        _spawn_only()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(newline="\r\n")  # type: ignore[union-attr]
            except (AttributeError, ValueError):
                pass
    elif system == "macos":
        for name in MACOS_OS:
            if hasattr(os, name):
                delattr(os, name)
        import resource
        if hasattr(resource, "prlimit"):
            del resource.prlimit


def _keep_full_copies(*modules: types.ModuleType) -> None:
    """Give every module imported so far its own full copy of ``modules``."""
    copies = {}
    for module in modules:
        copy = types.ModuleType(module.__name__)
        copy.__dict__.update(module.__dict__)
        copies[id(module)] = copy
    myself = sys.modules[__name__]  # also listed as __mp_main__: it takes the cuts
    for loaded in list(sys.modules.values()):
        if loaded is None or loaded is myself:
            continue
        for attribute, value in list(vars(loaded).items()):
            if isinstance(value, types.ModuleType) and id(value) in copies:
                setattr(loaded, attribute, copies[id(value)])


def _popen_as_on_windows() -> None:
    import subprocess

    original = subprocess.Popen.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("preexec_fn") is not None:
            raise ValueError("preexec_fn is not supported on Windows platforms")
        if kwargs.get("pass_fds"):
            raise AssertionError("pass_fds not supported on Windows.")
        kwargs.pop("start_new_session", None)  # ignored there
        kwargs.pop("process_group", None)
        original(self, *args, **kwargs)

    setattr(subprocess.Popen, "__init__", init)  # noqa: B010 - patched, as the test means to


def _spawn_only() -> None:
    import multiprocessing
    import multiprocessing.context as context

    concrete: Any = getattr(context, "_concrete_contexts")  # noqa: B009 - private, on purpose
    for name in ("fork", "forkserver"):
        concrete.pop(name, None)
    default = context.DefaultContext(concrete["spawn"])
    setattr(context, "_default_context", default)  # noqa: B010
    setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])  # noqa: B010
    setattr(context.DefaultContext, "get_all_start_methods", lambda self: ["spawn"])  # noqa: B010
    for name in ("get_start_method", "set_start_method", "get_context", "Process", "Queue", "Lock"):
        setattr(multiprocessing, name, getattr(default, name))


def main() -> None:
    system = os.environ.get("GRADING_SIMULATE", "")
    wrapper = os.environ.get("GRADING_SIMULATE_PYTHON", "")
    mode, target, *rest = sys.argv[1:]
    remove(system)
    if wrapper:  # every process started from here starts through the wrapper again
        sys.executable = wrapper
        sys._base_executable = wrapper  # type: ignore[attr-defined]
    if sys.path and os.path.dirname(os.path.abspath(__file__)) == os.path.abspath(sys.path[0] or "."):
        sys.path.pop(0)  # this file's folder is no business of the command's
    if mode == "-c":
        sys.argv = ["-c", *rest]
        sys.path.insert(0, "") if not sys.flags.isolated else None
        namespace = {"__name__": "__main__", "__builtins__": __builtins__}
        sys.modules["__main__"].__dict__.update(namespace)
        exec(compile(target, "<string>", "exec"), sys.modules["__main__"].__dict__)
    elif mode == "-m":
        sys.argv = [target, *rest]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target, *rest]
        if not sys.flags.isolated:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
