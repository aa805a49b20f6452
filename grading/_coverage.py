"""Coverage of the code under test in the sandbox's child interpreter (``verify --coverage`` only).

The child runs as ``python -I -S -B``: no ``site``, so neither coverage's
``.pth`` start-up hook nor site-packages. When a call's request carries a
``coverage`` setting (a data folder, which ``grader.py verify --coverage``
prepares and names in ``GRADING_COVERAGE``), ``_child.run`` calls ``start``
before it imports the module under test. ``start`` reads
``<folder>/setup.json`` (``{"path": [coverage's install folder], "rcfile":
...}``), puts that folder at the end of ``sys.path`` and starts coverage
with the rcfile: branch coverage, ``concurrency = multiprocessing``, one data
file per process, saved at exit and on SIGTERM (the sandbox ends servers with
SIGTERM, then SIGKILL after a grace).

Children: coverage's multiprocessing support measures forked children and,
through its pickled "stowaway", spawned ones; a spawned interpreter starts
with ``-I -S`` too, so its command line first puts the same folder on
``sys.path`` (else it could not unpickle the stowaway). ``os._exit`` skips
the exit handlers, so it saves the data first.

Standard library only at import: the child imports coverage only in ``start``.
"""

from __future__ import annotations

import json
import os
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
    _save_before_os_exit(cov)


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


def _save_before_os_exit(cov: Any) -> None:
    real_exit = os._exit

    def _exit(status: int) -> None:
        try:
            cov.stop()
            cov.save()
        except Exception:  # noqa: BLE001 - measuring must never change how the code ends
            pass
        real_exit(status)

    os._exit = _exit  # type: ignore[assignment]
