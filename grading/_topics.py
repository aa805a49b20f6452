"""The topic processes' entry point: pytest with the grading plugin, warm or cold.

Run *by path* with ``python -I -S -B``: ``-I`` keeps ``PYTHON*`` variables,
the user's site folder and the current folder off ``sys.path`` (nothing a
submission could plant there is imported); ``-S`` skips ``site``, whose
``.pth`` files the grader has already run: the grader passes its own
``sys.path`` (``GRADING_SYS_PATH``), and the project root goes first;
``-B`` writes no bytecode.

``_topics.py --serve FD`` is the warm helper of the runner: pytest, its
timeout plugin, the grading plugin and what the hidden tests import are
imported once, then it forks once per topic (``_child.serve_zygote``: the
report pipe arrives as descriptor 3) and each child runs ``pytest.main``
with its topic's arguments. ``_topics.py --run ARG…`` runs one topic's
pytest in this fresh interpreter (the cold path).

On the trusted tier the forked child first enters the topic's own pid, mount
and network namespaces (``contain.enter_topic``, when the request says
``"namespace": true``): it forks once more and pytest runs as pid 1 there,
with its own ``/proc``, loopback only, and its scratch folder (the request's
``"scratch"``) on a tmpfs of its own. The cold path gets the same from
``contain.topic_command``, which the runner wraps around the command.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The grader's sys.path, os.pathsep-separated.
SYS_PATH_ENV = "GRADING_SYS_PATH"
sys.path[:] = [ROOT, *(p for p in os.environ.get(SYS_PATH_ENV, "").split(os.pathsep)
                       if p and p != ROOT), *sys.path]

import _pytest.config  # noqa: E402
import pluggy  # noqa: E402
import pytest  # noqa: E402
import pytest_timeout  # type: ignore[import-untyped]  # noqa: E402,F401

import grading.plugin  # noqa: E402,F401
import grading.testing  # noqa: E402,F401
from grading import contain  # noqa: E402
from grading._child import serve_zygote  # noqa: E402
from grading.channel import read_key  # noqa: E402

INI = os.path.join(ROOT, "grading", "pytest.ini")


#: The pluggy modules that call ``varnames`` by that global name (1.6: ``_hooks``;
#: 1.7: ``_decorators`` and ``_impl``, with ``_hooks`` re-exporting it).
VARNAMES_MODULES = ("_hooks", "_decorators", "_impl")


def remember_hook_signatures() -> None:
    """For the warm helper, before it forks: pluggy reads the signature of
    every hook function of every plugin (``inspect.signature``) each time a
    configuration is made, so in every topic process again (~30 ms of each
    one's start). The plugin modules' functions are the same objects in
    every fork: what was read is remembered, and read once here by making
    one configuration that is thrown away. Without pluggy's ``varnames``
    (another pluggy), nothing changes but the time."""
    modules = [m for m in (getattr(pluggy, name, None) for name in VARNAMES_MODULES)
               if m is not None and callable(getattr(m, "varnames", None))]
    if not modules:
        return
    read = modules[0].varnames
    known: dict[object, Any] = {}

    def varnames(func: object, **options: Any) -> Any:
        key = (func, *sorted(options.items()))
        try:
            return known[key]
        except KeyError:
            found = known[key] = read(func, **options)
            return found
        except TypeError:  # unhashable: read each time, as pluggy does
            return read(func, **options)

    for module in modules:
        if module.varnames is read:  # (one function, imported by name into each)
            module.varnames = varnames
    try:
        with tempfile.TemporaryDirectory() as empty:
            config = _pytest.config._prepareconfig(
                [empty, "-c", INI, "--rootdir", empty, "-p", "pytest_timeout", "-p", "grading.plugin"])
            config._ensure_unconfigure()
    finally:
        # tempfile remembers the folder it found: each topic process has a TMPDIR of its own.
        tempfile.tempdir = None


def main() -> None:
    if sys.argv[1] == "--serve":
        # grader.py may start this helper before it has set its own signal
        # handlers (grading/early.py): a grader started with Ctrl-C ignored (a
        # background job) would pass that on to every topic and call. As if
        # started after them, Ctrl-C raises here as in any interpreter.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            remember_hook_signatures()
        except Exception:  # noqa: BLE001 - an optimisation only: the topics make their own
            pass
        request = serve_zygote(int(sys.argv[2]))
        if request.get("namespace"):
            try:
                # Returns in pid 1 of the topic's namespaces, its scratch in memory.
                contain.enter_topic(scratch=request.get("scratch"))
            except contain.ContainError as exc:
                print(f"containment failed: {exc}", file=sys.stderr, flush=True)
                os._exit(contain.CONTAIN_FAILED)
        args = [str(a) for a in request["args"]]
    else:
        args = sys.argv[2:]
    if "--grading-report-connect" in args:
        read_key(sys.stdin)
    code = pytest.main(args)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(int(code))


if __name__ == "__main__":
    main()
