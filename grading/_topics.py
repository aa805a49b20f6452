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
with its own ``/proc`` and loopback only. The cold path gets the same from
``contain.topic_command``, which the runner wraps around the command.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The grader's sys.path, os.pathsep-separated.
SYS_PATH_ENV = "GRADING_SYS_PATH"
sys.path[:] = [ROOT, *(p for p in os.environ.get(SYS_PATH_ENV, "").split(os.pathsep)
                       if p and p != ROOT), *sys.path]

import pytest  # noqa: E402
import pytest_timeout  # type: ignore[import-untyped]  # noqa: E402,F401

import grading.plugin  # noqa: E402,F401
import grading.testing  # noqa: E402,F401
from grading import contain  # noqa: E402
from grading._child import serve_zygote  # noqa: E402
from grading.channel import read_key  # noqa: E402


def main() -> None:
    if sys.argv[1] == "--serve":
        request = serve_zygote(int(sys.argv[2]))
        if request.get("namespace"):
            try:
                contain.enter_topic()  # returns in pid 1 of the topic's namespaces
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
