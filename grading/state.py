"""The grader's memory of a workspace: the last result of each topic, and hint levels.

A small JSON file inside the workspace (``.grader-state.json``, ignored by
git), so ``--list`` can show where a student stands and ``--hint`` can give
the next level each time it is asked. It is a convenience, never a grade: a
file that is corrupt, of another version or of another project is ignored
with a note (and replaced on the next write), never a crash; it is written
atomically. ``GRADER_STATE`` names another file, or ``off`` to keep none.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import scoring
from .i18n import Text
from .render import hint_order, write_atomically
from .results import Report, Status

FILE_NAME = ".grader-state.json"
VERSION = 1
OWNER = "kata-day30"


@dataclass
class TopicState:
    score: float
    max_score: float
    #: Names (without parameters) of the tests that did not pass.
    failed: list[str]
    when: float
    #: How many looks at the hints the student has had (1: the report's nudges).
    hint_level: int = 1
    #: The hints that apply (indices in the manifest), in the report's order.
    hint_order: list[int] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.failed and self.score == self.max_score


@dataclass
class State:
    path: Path | None
    topics: dict[str, TopicState] = field(default_factory=dict)
    #: Why an existing file was ignored, for the one-line note.
    note: Text | None = None

    def record(self, report: Report) -> None:
        """Keep the result of each topic graded in full (not under -k, not interrupted)."""
        for topic in report.topics:
            if topic.broken:
                continue
            failed = sorted({t.base for t in topic.tests if t.outcome not in (Status.PASSED, Status.SKIPPED)})
            before = self.topics.get(topic.name)
            # The hint level goes on while the same tests fail, and starts again otherwise.
            level = before.hint_level if before is not None and set(before.failed) & set(failed) else 1
            self.topics[topic.name] = TopicState(
                score=scoring.topic_score(topic), max_score=scoring.topic_max(topic),
                failed=failed, when=time.time(), hint_level=level, hint_order=hint_order(topic))

    def save(self) -> None:
        if self.path is None:
            return
        data = {"version": VERSION, "owner": OWNER,
                "topics": {name: vars(t) for name, t in self.topics.items()}}
        try:
            write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True) + "\n")
        except OSError:
            pass  # a read-only workspace: no memory, but the grade stands


def location(workspace: Path, environ: dict[str, str] | None = None) -> Path | None:
    env = os.environ if environ is None else environ
    chosen = env.get("GRADER_STATE", "").strip()
    if chosen.lower() in ("off", "0", "no", "none"):
        return None
    return Path(chosen) if chosen else workspace / FILE_NAME


def load(workspace: Path, environ: dict[str, str] | None = None) -> State:
    path = location(workspace, environ)
    state = State(path)
    if path is None or not path.exists():
        return state
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("owner") != OWNER or data.get("version") != VERSION:
            raise ValueError("not ours")
        state.topics = {str(name): _topic(value) for name, value in data["topics"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        state.topics = {}
        state.note = IGNORED.format(path=path.name)
    return state


def _topic(value: Any) -> TopicState:
    if not isinstance(value, dict):
        raise TypeError
    failed = value["failed"]
    if not isinstance(failed, list):
        raise TypeError
    return TopicState(score=float(value["score"]), max_score=float(value["max_score"]),
                      failed=[str(x) for x in failed], when=float(value["when"]),
                      hint_level=max(1, int(value.get("hint_level", 1))),
                      hint_order=[int(i) for i in value.get("hint_order", [])])


IGNORED = Text(
    en="Note: {path} could not be read (corrupt, or not this grader's); the last results are forgotten.",
    zh="注意：无法读取 {path}（已损坏，或不是本评分程序的文件）；之前的结果已忽略。",
)
