"""The warm topic helper, started while the grader is still importing itself.

A grade cannot start a topic before the runner's warm helper has loaded
pytest (``_topics.py --serve``: about 0.2 s), and the grader spends about as
long importing its own modules first; one after the other, a core stands
idle. ``grader.py`` therefore calls ``start(argv)`` before anything else is
imported, and the runner's ``TopicLauncher`` takes that helper (``take``)
when it is the one it would have started itself: the same command and the
same environment. Anything else (another command, a helper that died, a
grade made in process by the self-tests) changes nothing: the launcher
starts its own helper as before, and an untaken one exits when the grader
does (its socket closes). Standard library only: this runs before the
grader's own imports.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys

#: The topic processes' entry point, run by path (see ``_topics.py``).
TOPICS_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_topics.py")
#: Isolated, no site (the grader's sys.path is passed instead), no bytecode: see _topics.
TOPIC_FLAGS = ("-I", "-S", "-B")

#: ``grader.py`` arguments that grade nothing here: no helper is started for
#: them (``--watch`` grades in a ``grader.py`` of its own each time). The
#: instructor's commands (``cli.COMMANDS``) run grades of their own making.
NOT_GRADING = frozenset({"--list", "--hint", "--help", "-h", "--watch"})
COMMANDS = frozenset({"verify", "batch", "merge", "export", "gradescope-bundle"})

_started: tuple[list[str], dict[str, str], subprocess.Popen[bytes], socket.socket] | None = None


def helper_command() -> list[str]:
    """The warm topic helper's command, without the descriptor it serves."""
    return [sys.executable, *TOPIC_FLAGS, TOPICS_SCRIPT, "--serve"]


def topic_environment() -> dict[str, str]:
    """The environment of the topic processes (and of their warm helper)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_")}  # PYTEST_ADDOPTS would change how tests run
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["GRADING_SYS_PATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


def grades(argv: list[str]) -> bool:
    """Whether ``grader.py argv`` grades the workspace itself (a guess from
    the words alone: argparse has not run)."""
    words = {arg.split("=", 1)[0] for arg in argv}
    return not (argv[:1] and argv[0] in COMMANDS) and not NOT_GRADING.intersection(words)


def start(argv: list[str]) -> None:
    """Start the warm topic helper now, for the grade ``argv`` will make."""
    global _started
    if _started is not None or not hasattr(os, "fork") or sys.platform == "win32":
        return
    if os.environ.get("GRADING_LAUNCHER", "").strip().lower() == "cold" or not grades(argv):
        return
    command, env = helper_command(), topic_environment()
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with theirs:
        try:
            proc = subprocess.Popen([*command, str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True, env=env)
        except OSError:
            ours.close()
            return  # the launcher will try again, and say why if it cannot
    _started = (command, env, proc, ours)


def take(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], socket.socket] | None:
    """The helper ``start`` started, if it runs ``command`` with ``env`` and
    is alive; once. Any other one is stopped."""
    global _started
    found, _started = _started, None
    if found is None:
        return None
    wanted, had, proc, sock = found
    if wanted == command and had == env and proc.poll() is None:
        return proc, sock
    stop(proc, sock)
    return None


def stop(proc: subprocess.Popen[bytes], sock: socket.socket) -> None:
    """End a helper that was started and not used: now, not once it has loaded."""
    sock.close()
    if proc.poll() is None:
        proc.kill()
    proc.wait()
