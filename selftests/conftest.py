"""Shared helpers: run the real grader in a child process and read its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SELFTESTS = Path(__file__).resolve().parent


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
          timeout: float = 400, root: Path = ROOT) -> Graded:
    """``python grader.py ARGS --json FILE`` in a child; its exit status, output and JSON.

    ``root``: the checkout whose grader runs (a throw-away copy, a student's export)."""
    out = tmp_path / f"grade-{os.getpid()}-{len(list(tmp_path.iterdir()))}.json"
    full_env = {**os.environ, "GRADER_LANG": "en", "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, str(root / "grader.py"), *map(str, args), "--quiet", "--json", str(out)],
        cwd=root, capture_output=True, text=True, env=full_env, timeout=timeout,
        stdin=subprocess.DEVNULL)
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return Graded(proc.returncode, proc.stdout, proc.stderr, data)


@pytest.fixture
def grader(tmp_path: Path):  # type: ignore[no-untyped-def]
    def run(*args: str | Path, env: dict[str, str] | None = None) -> Graded:
        return grade(*args, tmp_path=tmp_path, env=env)
    return run
