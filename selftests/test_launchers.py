"""The cold launcher (a fresh interpreter per call, where ``fork`` does not exist)
grades as the warm one does: the solutions full marks, the stubs zero.

The other whole-grade self-tests run with the default, warm launcher.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ROOT, grade

#: Topics whose calls start processes under both start methods, and a socket topic.
TOPICS = ("process_subclass", "isolation", "zombie_orphan", "upload_client")


@pytest.mark.slow
@pytest.mark.parametrize("workspace, full", [("solutions", True), ("exercises", False)])
def test_cold_launcher_grades_alike(tmp_path: Path, workspace: str, full: bool) -> None:
    graded = grade("--workspace", ROOT / workspace, *TOPICS, tmp_path=tmp_path,
                   env={"GRADING_LAUNCHER": "cold"})
    assert graded.data is not None, graded.stderr
    for name in TOPICS:
        topic = graded.topic(name)
        assert topic["score"] == (topic["max_score"] if full else 0), (name, topic)
    assert graded.returncode == (0 if full else 1)
