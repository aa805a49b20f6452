"""Shared helpers: run the real grader in a child process and read its JSON; build a kata."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grading import catalog, patching

ROOT = Path(__file__).resolve().parent.parent
SELFTESTS = Path(__file__).resolve().parent
#: The engine's own fixture topics (``grader.py --tests ENGINE_TESTS``) and their solutions.
ENGINE_TESTS = SELFTESTS / "engine" / "tests"
ENGINE_SOLUTIONS = SELFTESTS / "engine" / "solutions"
KATAS = SELFTESTS / "katas"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite the katas' golden files from what the grader says now")


#: Whether the test being set up is marked slow; set before its fixtures run.
_running_slow = False


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    global _running_slow
    _running_slow = item.get_closest_marker("slow") is not None


@dataclass
class Graded:
    returncode: int
    stdout: str
    stderr: str
    data: dict[str, Any] | None

    def topic(self, name: str) -> dict[str, Any]:
        assert self.data is not None, self.stderr
        return next(t for t in self.data["topics"] if t["name"] == name)

    def outcomes(self, name: str) -> dict[str, str]:
        return {t["name"]: t["outcome"] for t in self.topic(name)["tests"]}


def grade(*args: str | Path, tmp_path: Path, env: dict[str, str] | None = None,
          timeout: float = 400, python: str = sys.executable, root: Path = ROOT) -> Graded:
    """``python grader.py ARGS --json FILE`` in a child; its exit status, output and JSON.

    A grade of the lesson's own topics (no ``--tests``) takes tens of seconds:
    only a test marked ``slow`` may ask for one, so ``-m "not slow"`` stays quick.
    ``root``: the checkout whose grader runs (a throw-away copy, a student's export)."""
    if "--tests" not in map(str, args) and not _running_slow:
        raise AssertionError("this test grades the lesson's topics: mark it @pytest.mark.slow, or "
                             "grade the engine's fixture topics (--tests ENGINE_TESTS)")
    out = tmp_path / f"grade-{os.getpid()}-{len(list(tmp_path.iterdir()))}.json"
    # GRADER_STATE=off: grading the checkout's folders leaves no state file behind.
    full_env = {**os.environ, "GRADER_LANG": "en", "NO_COLOR": "1", "GRADER_STATE": "off", **(env or {})}
    proc = subprocess.run(
        [python, str(root / "grader.py"), *map(str, args), "--quiet", "--json", str(out)],
        cwd=root, capture_output=True, text=True, env=full_env, timeout=timeout,
        stdin=subprocess.DEVNULL)
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return Graded(proc.returncode, proc.stdout, proc.stderr, data)


@pytest.fixture
def grader(tmp_path: Path) -> Callable[..., Graded]:
    def run(*args: str | Path, env: dict[str, str] | None = None) -> Graded:
        return grade(*args, tmp_path=tmp_path, env=env)
    return run


@dataclass(frozen=True)
class Kata:
    """A fixture submission: ``katas/<name>/kata.toml`` says what it is and how
    its workspace is made; ``golden.txt`` beside it is what grading it says."""

    folder: Path
    about: str
    topics: list[str]
    #: module name -> "solution" (the engine's fixture solution as it is), a
    #: ``.patch`` against it, or a ``.py`` of the kata's own.
    modules: dict[str, str]
    #: How many processes the kata notes in $KATA_PID_DIR at least (each must be gone after).
    noted_pids: int = 0

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def golden(self) -> Path:
        return self.folder / "golden.txt"

    @classmethod
    def load(cls, folder: Path) -> Kata:
        text = (folder / "kata.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
        about = text.splitlines()[0].lstrip("# ") if text.startswith("#") else ""
        return cls(folder, about, list(data["topics"]), dict(data.get("workspace", {})),
                   int(data.get("noted_pids", 0)))

    def build(self, into: Path) -> Path:
        """Make the kata's workspace (a folder named ``workspace``) under ``into``."""
        workspace = into / "workspace"
        workspace.mkdir(parents=True)
        for module, source in self.modules.items():
            target = workspace / f"{module}.py"
            solution = ENGINE_SOLUTIONS / f"{module}.py"
            if source == "solution":
                shutil.copy(solution, target)
            elif source.endswith(".patch"):
                patch = (self.folder / source).read_text(encoding="utf-8")
                target.write_text(patching.apply(solution.read_text(encoding="utf-8"), patch),
                                  encoding="utf-8")
            else:
                shutil.copy(self.folder / source, target)
        return workspace


def all_katas() -> list[Kata]:
    return [Kata.load(p.parent) for p in sorted(KATAS.glob("*/kata.toml"))]


def head_stub(name: str, revision: str = "HEAD", root: Path = ROOT) -> bytes:
    """``exercises/<name>.py`` as committed at ``revision``, whatever the working copy holds now."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the committed stubs cannot be read "
                    "(exercises/ may hold your work)")
    # ./ : the path from this checkout's root, should it be a folder of a larger repository.
    proc = subprocess.run(["git", "show", f"{revision}:./exercises/{name}.py"], cwd=root, capture_output=True)
    if proc.returncode != 0:
        why = proc.stderr.decode(errors="replace").strip()[:80]
        pytest.skip(f"not a git checkout with a commit ({why}): the committed stubs cannot be read")
    return proc.stdout


@functools.cache
def committed_stub(name: str, root: Path = ROOT) -> bytes:
    """The stub of ``exercises/<name>.py`` as shipped: HEAD's, or, where a
    student has committed their work over it since, the newest committed
    version that is the stub the manifest knows (``stub`` in
    tests/topics.toml); HEAD's where none is."""
    head = head_stub(name, root=root)
    shipped = next((t.stub for t in catalog.load(root / "tests") if t.name == name), None)
    if not shipped or catalog.stub_digest(head) == shipped:
        return head
    revisions = subprocess.run(["git", "rev-list", "HEAD", "--", f"exercises/{name}.py"], cwd=root,
                               capture_output=True, text=True).stdout.split()
    for revision in revisions[1:]:
        older = head_stub(name, revision, root)
        if catalog.stub_digest(older) == shipped:
            return older
    return head


def stub_copy(folder: Path, *names: str) -> Path:
    """A folder holding the committed stubs of ``names`` (default: every
    topic's): what a fresh clone's exercises/ holds."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names or stub_names():
        (folder / f"{name}.py").write_bytes(committed_stub(name))
    return folder


def stub_names() -> list[str]:
    """Every topic's module name, as the lesson's manifest lists them."""
    return [topic.name for topic in catalog.load(ROOT / "tests")]


#: What a copy of the checkout leaves out: git, caches, virtual environments, CI's own files.
COPY_IGNORE = shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", ".mypy_cache",
                                     ".ruff_cache", ".tox", ".venv", "venv", "*.pyc", "ci-*.json")


def copy_checkout(dest: Path, source: Path = ROOT) -> Path:
    """A copy of the checkout at ``dest`` as a fresh clone has it: with the
    committed stubs in its exercises/, whatever the working copy holds (in
    a student's clone: their work)."""
    shutil.copytree(source, dest, ignore=COPY_IGNORE, symlinks=True)
    stub_copy(dest / "exercises")
    return dest


def noted_alive(pid_dir: Path) -> list[str]:
    """The notes in ``pid_dir`` (``KATA_PID_DIR``) whose process is still alive.

    A noting process holds an exclusive ``flock`` on its note for as long as
    it lives (a child it forks afterwards shares it): a note whose lock can
    be taken belongs to no live process. The file's name, the pid, is not
    looked up: on the trusted tier it is a pid of the topic's own pid
    namespace, another process (or none) out here."""
    if sys.platform == "win32":
        return []  # the notes are taken on POSIX systems only
    import fcntl

    alive = []
    for note in sorted(pid_dir.iterdir()):
        with open(note, "rb") as held:
            try:
                fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                alive.append(note.name)
    return alive

