"""``python grader.py --watch [TOPIC…]``: regrade a topic each time its file is saved.

The workspace is watched with watchfiles (file-system events). Where events
do not arrive (a network drive, WSL on a Windows folder) a probe notices it
at start-up and the watcher polls instead; ``GRADER_WATCH_POLL=1`` forces
polling. Saves are debounced; a save while a grade runs stops that grade
(SIGTERM: the grader kills everything it started) and starts again. Each
grade is ``grader.py`` itself in a child process, so what it prints is the
ordinary report, the cause first; on a terminal the screen is cleared first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import watchfiles
from rich.console import Console

from .catalog import Topic
from .i18n import Lang, Text
from .processes import stop_on_signals

PROBE = ".grader-watch-probe"
#: Milliseconds a burst of saves is gathered for; how often polling looks.
DEBOUNCE_MS, POLL_MS = 300, 300
#: Seconds the probe's event may take before events count as not arriving
#: (generous: a loaded machine delivers late; polling after that costs only a delay).
PROBE_WAIT = 5.0
GRADER = Path(__file__).resolve().parent.parent / "grader.py"


def run(topics: list[Topic], workspace: Path, argv: list[str], lang: Lang, initial: bool) -> int:
    """Watch until Ctrl-C; the exit status is 0 (watching is not a grade)."""
    names = {t.name for t in topics}
    order = [t.name for t in topics]
    console = Console(highlight=False, emoji=False)
    polling = os.environ.get("GRADER_WATCH_POLL", "").strip() not in ("", "0")
    # SIGTERM stops watching as Ctrl-C does: the grade in progress is stopped too.
    stop_on_signals()
    grade: Grade | None = Grade(order, argv, console, lang, workspace, None) if initial else None
    if grade is None:
        _say(console, WATCHING.format(workspace=_shown(workspace)), lang)
    try:
        while True:
            no_events, grade = _watch(workspace, names, order, argv, console, lang, polling, grade)
            if not no_events:
                return 0
            polling = True  # events did not arrive: poll from now on
            _say(console, NO_EVENTS, lang)
    except KeyboardInterrupt:
        return 0
    finally:
        if grade is not None:
            grade.stop()


def _watch(workspace: Path, names: set[str], order: list[str], argv: list[str], console: Console,
           lang: Lang, polling: bool, grade: Grade | None) -> tuple[bool, Grade | None]:
    """Run one watcher until it ends (False) or events turn out not to arrive (True);
    with the grade in progress, if any."""
    def wanted(change: watchfiles.Change, path: str) -> bool:
        name = os.path.basename(path)
        return name == PROBE or (name.endswith(".py") and name[:-3] in names)

    probe = None if polling else _Probe(workspace)
    mode = POLLING if polling else EVENTS
    _say(console, mode.format(workspace=_shown(workspace)), lang)
    stop = threading.Event()
    for changes in watchfiles.watch(workspace, watch_filter=wanted, debounce=DEBOUNCE_MS, step=50,
                                    rust_timeout=200, yield_on_timeout=True, force_polling=polling,
                                    poll_delay_ms=POLL_MS, stop_event=stop, recursive=False,
                                    raise_interrupt=True):
        saved = sorted({os.path.basename(p)[:-3] for _, p in changes if not p.endswith(PROBE)})
        if probe is not None:
            if any(p.endswith(PROBE) for _, p in changes):
                probe.remove()
                probe = None
            elif probe.expired():
                probe.remove()
                return True, grade
            else:
                probe.arm()
        if saved:
            pending = set(saved)
            if grade is not None and grade.running():
                pending |= set(grade.topics)  # a save during a grade restarts it
                grade.stop()
            grade = Grade([n for n in order if n in pending], argv, console, lang, workspace, saved)
        if grade is not None and grade.finished_now():
            _say(console, WATCHING.format(workspace=_shown(workspace)), lang)
    return False, grade


class _Probe:
    """A file written into the watched folder once the watcher runs: does its event come?

    It is written at the watcher's first wake-up (an empty batch after its
    time-out, or the first changes): by then the watch is in place, however
    slowly the machine started it, so a probe never goes unseen for being
    early. Its event then has ``PROBE_WAIT`` seconds to come."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / PROBE
        self.deadline: float | None = None

    def arm(self) -> None:
        """Write the probe, the first time only."""
        if self.deadline is not None:
            return
        self.deadline = time.monotonic() + PROBE_WAIT
        try:
            self.path.write_text("", encoding="utf-8")
        except OSError:
            pass  # not writable: no event comes, and polling takes over

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class Grade:
    """One run of the grader for some topics, in a child process."""

    def __init__(self, topics: list[str], argv: list[str], console: Console, lang: Lang,
                 workspace: Path, saved: list[str] | None) -> None:
        self.topics = topics
        if console.is_terminal:
            console.clear()
        else:
            console.rule()
        if saved:
            _say(console, SAVED.format(files=", ".join(f"{n}.py" for n in saved),
                                       topics=" ".join(topics)), lang)
        self._proc = subprocess.Popen([sys.executable, str(GRADER), *topics, *argv],
                                      stdin=subprocess.DEVNULL)
        self._reported = False

    def running(self) -> bool:
        return self._proc.poll() is None

    def finished_now(self) -> bool:
        """True once, when the grade has just ended."""
        if self._reported or self.running():
            return False
        self._reported = True
        return True

    def stop(self) -> None:
        if self.running():
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._reported = True


def _shown(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _say(console: Console, text: Text, lang: Lang) -> None:
    console.print(text.render(lang), markup=False, highlight=False)


WATCHING = Text(en="Watching {workspace}: save a topic's file to grade it (Ctrl-C stops).",
                zh="正在监视 {workspace}：保存某个题目的文件就会为它评分（Ctrl-C 停止）。")
EVENTS = Text(en="Watch mode: file events.", zh="监视方式：文件事件。")
POLLING = Text(en="Watch mode: polling every 0.3 s.", zh="监视方式：每 0.3 秒轮询一次。")
NO_EVENTS = Text(en="File events do not arrive in this folder: switching to polling.",
                 zh="这个文件夹收不到文件事件：改为轮询。")
SAVED = Text(en="Saved {files}: grading {topics}", zh="已保存 {files}：正在评分 {topics}")
