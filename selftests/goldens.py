"""Golden files: what a grade says to the student, as text that diffs well.

A golden holds the exit status, and for every topic its score, what went
wrong with it as a whole, and for every test the outcome, the points, the
title and the message, in both languages (graded with ``--lang both``). It is
normalised so that only a change in what is said changes it: the workspace
and other absolute paths, pids and measured times are replaced by
placeholders. When a grade no longer matches, the test fails with a unified
diff (``-`` the golden, ``+`` now); ``--update-goldens`` rewrites the files.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, Graded

REGENERATE = "python -m pytest selftests/test_katas.py --update-goldens"

#: Absolute paths left after the known folders are replaced (not "fork/spawn", not " / ").
_PATH = re.compile(r"(?<![\w.<>])/(?:[\w.+-]+/)+[\w.+-]*")
_PID = re.compile(r"\b(pids?) \d+")
#: Measured durations ("0.23 s", "1.5 秒"); a time limit is a whole number and stays.
_SECONDS = re.compile(r"\b\d+\.\d+ ?(s|秒|seconds)\b")


def normalise(text: str, workspace: Path) -> str:
    for folder, name in ((workspace, "<workspace>"), (ROOT, "<root>")):
        text = text.replace(str(folder), name)
    text = _PATH.sub("<path>", text)
    text = _PID.sub(r"\1 <pid>", text)
    return _SECONDS.sub(r"<t> \1", text)


def describe(graded: Graded, workspace: Path, header: str) -> str:
    """The golden text of one grade."""
    assert graded.data is not None, f"the grader wrote no JSON report:\n{graded.stderr}"
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [f"# Regenerate: {REGENERATE}", "", f"exit status {graded.returncode}"]
    if graded.stderr.strip():
        lines += ["stderr:", *_block(graded.stderr)]
    for topic in graded.data["topics"]:
        lines += ["", f"== {topic['name']}  {topic['score']:g}/{topic['max_score']:g}  "
                      f"{_title(topic['title'])}"]
        if topic.get("problem"):
            lines += ["problem:", *_block(_said(topic["problem"]))]
        for test in topic["tests"]:
            lines.append(f"[{test['outcome']}] {test['name']}  "
                         f"{test['points']:g}/{test['max_points']:g}  {_title(test['title'])}")
            lines += _block(_said(test["message"]))
    return normalise("\n".join(lines) + "\n", workspace)


def _said(message: Any) -> str:
    """A message as the report carries it: one string, or one per language."""
    if isinstance(message, dict):
        return "\n".join(str(message[lang]) for lang in ("zh", "en") if message.get(lang))
    return str(message or "")


def _title(title: Any) -> str:
    """A title as the report carries it: "中文 / English", or one per language."""
    if isinstance(title, dict):
        return " / ".join(dict.fromkeys(str(title[lang]) for lang in ("zh", "en") if title.get(lang)))
    return str(title)


def _block(text: str) -> list[str]:
    return [f"    | {line}".rstrip() for line in text.rstrip().splitlines()]


def compare(golden: Path, got: str, update: bool) -> None:
    """Fail with a unified diff unless ``golden`` holds ``got``; rewrite it when updating."""
    want = golden.read_text(encoding="utf-8") if golden.is_file() else ""
    if got == want:
        return
    if update:
        golden.write_text(got, encoding="utf-8")
        return
    shown = golden.relative_to(ROOT) if golden.is_relative_to(ROOT) else golden
    diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                        f"{shown} (golden)", f"{shown} (now)"))
    pytest.fail(f"what the grader says changed ({'missing golden' if not want else 'diff below'}); "
                f"if the change is meant, regenerate with:\n    {REGENERATE}\n\n{diff}", pytrace=False)
