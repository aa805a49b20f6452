"""The pytest side of grading: options, the ``points`` marker, fixtures, outcomes.

Mechanism: the runner starts one pytest process per topic with ``-p
grading.plugin``. Tests get a ``sandbox`` bound to the workspace and to the
module named by their file (``tests/test_<t>.py`` grades ``<t>.py``); student
code runs only in the sandbox's child interpreters. Before the first test of a
module runs, the module is imported once in a child: an import that fails,
hangs, or starts processes makes every test of the topic an ``error`` with
one message, instead of each test discovering it.

Every item's outcome is one of the contract's four, decided from the
exception that ended it (``errors.StudentProblem`` subclasses carry their
own), and appended as one JSON line to ``--grading-report`` as soon as the
item ends, so the runner keeps what was recorded even if this process dies.
Before that, a ``start`` line says which test begins (the grader's live
display). Titles ("中文 / English") travel as ``{"en", "zh"}``, and every
message passes through ``scrub.Scrubber`` first: no grader path leaves here.
The test process is a child subreaper (Linux) for the whole session, so
nothing the student starts escapes it.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from . import contain
from . import messages as msg
from .call import Call
from .channel import Sender, connect
from .errors import NotObservable, NotWritten, StudentCrashed, StudentProblem, StudentTimedOut
from .host import FORK, HOST, WHY
from .i18n import Text, plain
from .processes import become_subreaper, is_resource_tracker
from .results import Kind, Status, split_title
from .sandbox import HangLog, Sandbox
from .scrub import Scrubber
from .zygote import close_launcher, start_launcher

HELP_WORKSPACE = "folder holding the modules to grade (default: exercises/ beside tests/)"
HELP_REPORT = "append one JSON line per test outcome to this file"
HELP_REPORT_FD = "write the JSON lines to this inherited file descriptor (a pipe) instead"
HELP_REPORT_CONNECT = ("send the JSON lines to the runner listening at HOST:PORT instead; "
                       "its key is the first line of standard input")
IMPORT_LIMIT = 8.0

#: Start methods the tests run under: both, everywhere; an item this host
#: cannot run is skipped with its reason (see ``start_method``), never dropped.
START_METHODS = list(HOST.start_methods)

workspace_key = pytest.StashKey[Path]()
report_key = pytest.StashKey["Path | int | Sender | None"]()
imports_key = pytest.StashKey[dict[str, "StudentProblem | None"]]()
hangs_key = pytest.StashKey[HangLog]()
verdict_key = pytest.StashKey["Verdict"]()
scrub_key = pytest.StashKey[Scrubber]()


@dataclass
class Verdict:
    """The outcome of one item, decided by the first phase that did not pass."""

    outcome: Status
    message: Text | None
    kind: Kind = Kind.NONE


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("grading", "kata grading")
    group.addoption("--workspace", default=None, help=HELP_WORKSPACE)
    group.addoption("--grading-report", default=None, help=HELP_REPORT)
    group.addoption("--grading-report-fd", type=int, default=None, help=HELP_REPORT_FD)
    group.addoption("--grading-report-connect", default=None, help=HELP_REPORT_CONNECT)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "points(n): what the test is worth when it passes (a number >= 0)")
    workspace = config.getoption("--workspace")
    if workspace is None:
        workspace = Path(str(config.rootpath)) / "exercises"
    config.stash[workspace_key] = Path(workspace).resolve()
    report = config.getoption("--grading-report")
    fd = config.getoption("--grading-report-fd")
    address = config.getoption("--grading-report-connect")
    target: Path | int | Sender | None = Path(report) if report else None
    if fd is not None:
        target = fd
    elif address:
        target = connect(address)
    config.stash[report_key] = target
    config.stash[imports_key] = {}
    config.stash[hangs_key] = HangLog()
    basetemp = config.getoption("basetemp", None)
    config.stash[scrub_key] = Scrubber(config.stash[workspace_key],
                                       Path(basetemp).resolve().parent if basetemp else None,
                                       Path(__file__).resolve().parent.parent)
    become_subreaper()
    # Our /proc/<pid>/fd (the report pipe), memory and environment closed to
    # other processes of our uid (docs/trust.md, the user tier).
    contain.protect_self()
    start_launcher()  # the call helper loads while the tests are collected


def pytest_unconfigure(config: pytest.Config) -> None:
    close_launcher()


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        _emit(session.config, {"event": "collected", **_describe(item)})


def points_of(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args:
        return 0.0
    return float(marker.args[0])


def title_of(item: pytest.Item) -> Text:
    """The docstring's first line, "中文 / English", split once into a Text."""
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    first = doc.strip().splitlines()[0].strip() if doc.strip() else item.name
    return split_title(first)


def _describe(item: pytest.Item) -> dict[str, Any]:
    title = title_of(item)
    return {"nodeid": item.nodeid, "name": item.name, "title": {"en": title.en, "zh": title.zh},
            "points": points_of(item)}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Say which test starts, for the grader's live display."""
    _emit(item.config, {"event": "start", "nodeid": item.nodeid, "name": item.name})


def _emit(config: pytest.Config, record: dict[str, Any]) -> None:
    target = config.stash[report_key]
    if target is None:
        return
    data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    # Each line is written at once, unbuffered: what is written survives a crash.
    if isinstance(target, int):
        view = memoryview(data)
        while view:
            view = view[os.write(target, view):]
    elif isinstance(target, Sender):
        target.send_bytes(data)
    else:
        with open(target, "ab") as out:
            out.write(data)


# -- fixtures ----------------------------------------------------------------


@pytest.fixture(params=START_METHODS)
def start_method(request: pytest.FixtureRequest) -> str:
    """The multiprocessing start method the student's code runs under."""
    method = str(request.param)
    if method not in multiprocessing.get_all_start_methods():
        raise NotObservable(WHY[FORK])
    return method


@pytest.fixture
def workspace(request: pytest.FixtureRequest) -> Path:
    return request.config.stash[workspace_key]


@pytest.fixture
def topic_module(request: pytest.FixtureRequest) -> str:
    """The module graded by this test file: ``test_<t>.py`` grades ``<t>``."""
    stem = Path(str(request.path)).stem
    return stem.removeprefix("test_")


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, workspace: Path, topic_module: str) -> Iterator[Sandbox]:
    """Runs the student's module in child interpreters; see docs/writing-tests.md."""
    method = request.getfixturevalue("start_method") if "start_method" in request.fixturenames else None
    problem = _import_problem(request.config, workspace, topic_module)
    if problem is not None:
        raise problem
    # A tmp_path the test hands to the student's code must be writable for it (contained calls).
    writable = [request.getfixturevalue("tmp_path")] if "tmp_path" in request.fixturenames else []
    box = Sandbox(workspace, topic_module, start_method=method, hangs=request.config.stash[hangs_key],
                  test=request.node.name, writable=writable)
    try:
        yield box
    finally:
        # Stopped by the test's own time limit while calls still ran: they
        # hung, and later tests of the topic need not wait for them again.
        verdict = request.node.stash.get(verdict_key, None)
        box.close(hung=verdict is not None and verdict.outcome is Status.TIMEOUT,
                  seconds=_test_timeout(request.config))


def _import_problem(config: pytest.Config, workspace: Path, module: str) -> StudentProblem | None:
    """Import the module once per session in a child; cache what went wrong."""
    cache = config.stash[imports_key]
    if module not in cache:
        cache[module] = _check_import(workspace, module)
    return cache[module]


def _check_import(workspace: Path, module: str) -> StudentProblem | None:
    path = workspace / f"{module}.py"
    if not path.is_file():
        shown = os.path.join(workspace.name, f"{module}.py")
        return StudentCrashed(msg.MODULE_MISSING.format(path=shown))
    box = Sandbox(workspace, module)
    try:
        running = box.start_import()
        imported = running.returned(IMPORT_LIMIT)
        # Looked at while the interpreter is held open after the import.
        started = [p for p in box.descendants() if p.pid != running.pid
                   and not is_resource_tracker(p)] if imported else []
        result = running.finish(IMPORT_LIMIT) if imported else running.stop()
        if result.error is not None or not (imported or result.timed_out):
            return _problem(result)
        if not imported:
            return StudentTimedOut(msg.IMPORT_TIMED_OUT.format(seconds=f"{IMPORT_LIMIT:g}"))
        if started:
            return StudentCrashed(msg.IMPORT_SIDE_EFFECTS.format(count=len(started)))
        return None
    finally:
        box.close()


def _problem(result: Call) -> StudentProblem | None:
    try:
        result.unwrap()
    except StudentProblem as exc:
        return exc
    return None


# -- outcomes ----------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                         pytest.TestReport]:
    report: pytest.TestReport = yield
    if verdict_key not in item.stash:
        item.stash[verdict_key] = Verdict(Status.PASSED, None)
    verdict = item.stash[verdict_key]
    if verdict.outcome is Status.PASSED and not report.passed and call.excinfo is not None:
        item.stash[verdict_key] = judge(call.excinfo.value, item)
    elif verdict.outcome is Status.PASSED and report.skipped:
        # pytest.skip() in a hidden test: this host cannot observe it (say why).
        item.stash[verdict_key] = Verdict(Status.SKIPPED, _skip_reason(report))
    if report.when == "teardown":
        final = item.stash[verdict_key]
        shown = None if final.message is None else item.config.stash[scrub_key].text(final.message)
        _emit(item.config, {
            "event": "result", **_describe(item), "outcome": final.outcome.value, "kind": final.kind.value,
            "message": None if shown is None else {"en": shown.en, "zh": shown.zh},
        })
    return report


def _skip_reason(report: pytest.TestReport) -> Text:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return plain(reason.removeprefix("Skipped: "))


def judge(exc: BaseException, item: pytest.Item) -> Verdict:
    """Which of the contract's outcomes an exception means, and what to say."""
    if isinstance(exc, NotWritten):
        return Verdict(exc.outcome, exc.text, Kind.NOT_WRITTEN)
    if isinstance(exc, StudentProblem):
        return Verdict(exc.outcome, exc.text)
    if isinstance(exc, pytest.fail.Exception) and str(exc).startswith("Timeout"):
        limit = _test_timeout(item.config)
        return Verdict(Status.TIMEOUT, msg.TEST_TIMED_OUT.format(seconds=f"{limit:g}" if limit else "?"))
    if isinstance(exc, AssertionError):
        # A bare assert: keep its message, not pytest's introspection of the source.
        text = str(exc).split("\nassert ")[0].strip() or "assertion failed"
        return Verdict(Status.FAILED, plain(text))
    return Verdict(Status.ERROR, msg.TEST_BROKE.format(error=f"{type(exc).__name__}: {exc}"))


def _test_timeout(config: pytest.Config) -> float | None:
    """pytest-timeout's limit for one test, when it is loaded and set."""
    try:
        value = config.getoption("timeout")
    except ValueError:  # the plugin is not loaded
        return None
    return float(value) if value else None
