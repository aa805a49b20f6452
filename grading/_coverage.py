"""Coverage of the code under test in the sandbox's child interpreter (``verify --coverage`` only).

The child runs as ``python -I -S -B``: no ``site``, so neither coverage's
``.pth`` start-up hook nor site-packages. When a call's request carries a
``coverage`` setting (a data folder, which ``grader.py verify --coverage``
prepares and names in ``GRADING_COVERAGE``), ``_child.run`` calls ``start``
before it imports the module under test. ``start`` reads
``<folder>/setup.json`` (``{"path": [coverage's install folder], "rcfile":
...}``), puts that folder at the end of ``sys.path`` and starts coverage
with the rcfile: branch coverage, ``concurrency = multiprocessing,thread``,
one data file per process, saved at exit and on SIGTERM (the sandbox ends
servers with SIGTERM, then SIGKILL after a grace). Coverage's own
``sigterm`` option is not used: in a forked child it trips over the
parent's collector and the child does not die as ``terminate()`` expects.

Children: coverage's multiprocessing support measures forked children and,
through its pickled "stowaway", spawned ones; a spawned interpreter starts
with ``-I -S`` too, so its command line first puts the same folder on
``sys.path`` (else it could not unpickle the stowaway). ``os._exit`` skips
the exit handlers, so it saves the data first. Both hooks act in the call's
own interpreter only: a forked child inherits them, and there they step
aside: a forked child gets SIGTERM's default back at fork, then, once its
``Process`` bootstrap runs (past the window where a Python handler could
lose the signal), a handler that saves the child's own data and dies of
SIGTERM as before; ``terminate()`` still gives exit code -15.

Standard library only at import: the child imports coverage only in ``start``.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))


def start(data_dir: str) -> None:
    """Measure this interpreter and the processes it starts, as ``data_dir/setup.json`` says."""
    # _child put this module's folder on sys.path to import it: take it off again.
    while _HERE in sys.path:
        sys.path.remove(_HERE)
    with open(os.path.join(data_dir, "setup.json"), encoding="utf-8") as src:
        setup: dict[str, Any] = json.load(src)
    paths = [p for p in setup["path"] if p not in sys.path]
    sys.path.extend(paths)
    import coverage

    cov = coverage.Coverage(config_file=setup["rcfile"], data_suffix=True, auto_data=True)
    cov.start()
    _spawned_children_find(setup["path"])
    _save_before_os_exit(cov, os.getpid())
    _save_on_sigterm(cov, os.getpid())
    _forked_children_save_on_sigterm(cov)


def _spawned_children_find(paths: list[str]) -> None:
    from multiprocessing import spawn

    original = spawn.get_command_line

    def get_command_line(**kwds: Any) -> list[str]:
        line: list[str] = original(**kwds)
        if "-c" in line:
            at = line.index("-c") + 1
            line[at] = f"import sys; sys.path.extend({paths!r}); {line[at]}"
        return line

    spawn.get_command_line = get_command_line


def _save(cov: Any, pid: int) -> None:
    if os.getpid() != pid:
        return  # a forked child: the parent's measurement is not its to save
    try:
        cov.stop()
        cov.save()
    except Exception:  # noqa: BLE001 - measuring must never change how the code ends
        pass


def _save_before_os_exit(cov: Any, pid: int) -> None:
    real_exit = os._exit

    def _exit(status: int) -> None:
        _save(cov, pid)
        real_exit(status)

    os._exit = _exit  # type: ignore[assignment]


def _save_on_sigterm(cov: Any, pid: int) -> None:
    if sys.platform == "win32":
        return

    def on_sigterm(signum: int, frame: Any) -> None:
        _save(cov, pid)
        # Then die of SIGTERM, as the process would have without us.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)
    # A forked child must die of an early SIGTERM as it would without us. A
    # Python-level handler loses a signal that lands between fork() and the
    # child's re-initialisation of signals (terminate() right after start()),
    # so SIGTERM is blocked across fork() and the child restores the default
    # before it unblocks: a pending SIGTERM then ends it at once.
    block = {signal.SIGTERM}

    def in_child() -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, block)

    os.register_at_fork(before=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, block),
                        after_in_parent=lambda: signal.pthread_sigmask(signal.SIG_UNBLOCK, block),
                        after_in_child=in_child)


def _forked_children_save_on_sigterm(parent: Any) -> None:
    """A forked Process child, once coverage measures it, saves its data when terminated."""
    from multiprocessing.process import BaseProcess

    import coverage

    coverage_bootstrap = BaseProcess._bootstrap  # type: ignore[attr-defined]

    def on_sigterm(signum: int, frame: Any) -> None:
        mine = coverage.Coverage.current()
        if mine is not None and mine is not parent:
            try:
                mine.stop()
                mine.save()
            except Exception:  # noqa: BLE001 - measuring must never change how the code ends
                pass
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    def _bootstrap(self: Any, *args: Any, **kwargs: Any) -> Any:
        # Past fork()'s signal re-initialisation: a handler loses nothing now.
        if os.name != "nt":
            signal.signal(signal.SIGTERM, on_sigterm)
        return coverage_bootstrap(self, *args, **kwargs)

    BaseProcess._bootstrap = _bootstrap  # type: ignore[attr-defined]
