"""The records a topic's test process writes, read as evidence: validated,
in order, and scored by a rule that a dying or forged stream cannot beat.

The plugin writes one JSON line per event: first ``collected`` for each test
(before any student code runs), then ``result`` for each test as it ends, in
collection order. ``parse`` checks every line against that shape: an object
with the right keys and types, a nodeid from the expected set (the topic's
test file, collected once, never twice), results in collection order and one
per test. A line that breaks a rule is ignored and noted, and so is every
line after it: once the stream cannot be trusted, nothing later in it is
evidence. With a ``key`` (see ``Signer``), each line must also carry its
sequence number and an HMAC over both, so a line written by anyone but the
plugin is detected as such.

``collect`` turns the stream and how the process ended into the topic's
result (the rule, with its reasons, is in docs/trust.md):

- valid results recorded before the first sign of trouble count as recorded;
- the first test without a result was running when the process stopped: a
  time-out if the runner stopped it, else an error; the rest were not run;
- a process that crashed (an exit the runner did not cause) with an
  unsigned stream keeps no pass: an unsigned record from a process that was
  killed by someone else is exactly what a forger leaves, so those passes
  are shown as not counted. A signed stream keeps them (a forger cannot sign).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from . import messages as msg
from .catalog import Topic
from .i18n import Text, plain
from .results import Kind, Status, TestResult, TopicResult, text_of

#: pytest's exit statuses for a run that ended by itself: all passed, some
#: failed, (5) no test selected.
NORMAL_EXITS = (0, 1, 5)
#: Bytes of the key that signs records.
KEY_BYTES = 32
OUTCOMES = frozenset(s.value for s in Status)
KINDS = frozenset(k.value for k in Kind)
SECOND_RESULT = "a second result for"


@dataclass(frozen=True)
class Collected:
    nodeid: str
    name: str
    title: Text
    points: float


@dataclass(frozen=True)
class Result:
    nodeid: str
    outcome: Status
    message: Text | None
    kind: Kind = Kind.NONE


@dataclass
class Stream:
    """What a test process's records say, up to the first sign of trouble."""

    collected: dict[str, Collected] = field(default_factory=dict)
    results: dict[str, Result] = field(default_factory=dict)
    #: Why lines were ignored, in order (the first is the first sign of trouble).
    notes: list[str] = field(default_factory=list)
    #: Lines ignored, the trouble's and everything after it.
    ignored: int = 0
    signed: bool = False
    #: The line each result came on, and the nodeid reported twice (if any).
    lines: dict[str, int] = field(default_factory=dict)
    duplicate: str = ""

    @property
    def troubled(self) -> bool:
        return bool(self.notes)


class Signer:
    """The plugin's side of signed records: ``line(record)`` is the bytes to
    write, with a sequence number and an HMAC-SHA256 over the record."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._seq = 0

    def line(self, record: dict[str, Any]) -> bytes:
        body = {**record, "seq": self._seq}
        self._seq += 1
        text = _canonical(body)
        mac = hmac.new(self._key, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return (json.dumps({**body, "mac": mac}, ensure_ascii=False) + "\n").encode("utf-8")


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse(report: bytes, *, key: bytes | None = None, test_file: str | None = None,
          expected: Collection[str] | None = None, max_points: float | None = None) -> Stream:
    """The valid records of ``report`` up to the first invalid one.

    ``test_file``: nodeids must be ``<test_file>::…``; ``expected``: the
    only nodeids allowed (when the caller knows them from elsewhere);
    ``max_points``: the collected tests may not be worth more (the manifest's).
    """
    stream = Stream(signed=key is not None)
    lines = report.split(b"\n")
    # The last piece has no newline: a line cut short by a dying process, or
    # nothing at all. Either way it is no record.
    complete, tail = lines[:-1], lines[-1]
    for number, raw in enumerate(complete):
        why = _take(stream, raw, number, key, test_file, expected, max_points)
        if why is None:
            continue
        stream.notes.append(f"line {number + 1}: {why}")
        stream.ignored = len(complete) - number
        if why.startswith(SECOND_RESULT):
            # The plugin writes one result per test: one of the two is not
            # its. The first may be, so the trouble began there at the latest.
            start = stream.lines[stream.duplicate]
            for nodeid in [n for n, line in stream.lines.items() if line >= start]:
                stream.results.pop(nodeid, None)
                del stream.lines[nodeid]
            stream.ignored = len(complete) - start
        break
    if tail.strip() and not stream.troubled:
        stream.notes.append(f"line {len(complete) + 1}: cut short (no newline)")
        stream.ignored = 1
    return stream


def _take(stream: Stream, raw: bytes, number: int, key: bytes | None,
          test_file: str | None, expected: Collection[str] | None,
          max_points: float | None) -> str | None:
    """Add the record to ``stream``; or say why it is not a valid one."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "not JSON"
    if not isinstance(record, dict):
        return "not a JSON object"
    if key is not None:
        why = _verify(record, key, number)
        if why is not None:
            return why
        record = {k: v for k, v in record.items() if k not in ("seq", "mac")}
    event = record.get("event")
    nodeid = record.get("nodeid")
    if not isinstance(nodeid, str) or not nodeid:
        return "no nodeid"
    # The file's name, wherever the tests folder is (--tests DIR) relative to the rootdir.
    if test_file is not None and nodeid.partition("::")[0].rpartition("/")[2] != test_file.rpartition("/")[2]:
        return f"nodeid {nodeid[:80]!r} is not of this topic's test file"
    if expected is not None and nodeid not in expected:
        return f"nodeid {nodeid[:80]!r} was not expected"
    if event == "collected":
        described = _described(record)
        if isinstance(described, str):
            return described
        if stream.results:
            return "a test collected after results began"
        if nodeid in stream.collected:
            return f"{nodeid[:80]!r} collected twice"
        worth = sum(c.points for c in stream.collected.values()) + described.points
        if max_points is not None and worth > max_points + 1e-9:
            return f"the collected tests are worth {worth:g}, more than the topic's {max_points:g}"
        stream.collected[nodeid] = described
        return None
    if event == "start":  # a test begins (live progress): it must be the next one due
        waiting = [n for n in stream.collected if n not in stream.results]
        if not waiting or waiting[0] != nodeid:
            return f"a start of {nodeid[:80]!r} out of turn"
        return None
    if event == "result":
        described = _described(record)
        if isinstance(described, str):
            return described
        if nodeid not in stream.collected:
            return f"a result for {nodeid[:80]!r}, which was not collected"
        if described != stream.collected[nodeid]:
            return f"the result for {nodeid[:80]!r} describes another test"
        if nodeid in stream.results:
            stream.duplicate = nodeid
            return f"{SECOND_RESULT} {nodeid[:80]!r}"
        waiting = [n for n in stream.collected if n not in stream.results]
        if waiting[0] != nodeid:
            return f"a result for {nodeid[:80]!r} before one for {waiting[0][:80]!r}"
        outcome = record.get("outcome")
        if not isinstance(outcome, str) or outcome not in OUTCOMES:
            return f"outcome {str(outcome)[:20]!r} is not one of {sorted(OUTCOMES)}"
        message = record.get("message")
        if message is not None and not (
                isinstance(message, dict) and isinstance(message.get("en"), str)
                and isinstance(message.get("zh"), str)):
            return "message is neither null nor {en, zh} strings"
        if outcome == Status.PASSED and message is not None:
            return "a passed result with a message"
        kind = record.get("kind", "")
        if not isinstance(kind, str) or kind not in KINDS:
            return f"kind {str(kind)[:20]!r} is not one of {sorted(KINDS)}"
        text = None if message is None else Text(en=message["en"], zh=message["zh"])
        stream.results[nodeid] = Result(nodeid, Status(outcome), text, Kind(kind))
        stream.lines[nodeid] = number
        return None
    return f"event {str(event)[:20]!r} is not collected, start or result"


def _described(record: dict[str, Any]) -> Collected | str:
    name, points = record.get("name"), record.get("points")
    title = text_of(record.get("title"))
    if not isinstance(name, str) or title is None:
        return "name must be a string, title {en, zh} strings"
    if isinstance(points, bool) or not isinstance(points, (int, float)) \
            or not math.isfinite(points) or points < 0:
        return "points must be a number >= 0"
    return Collected(str(record["nodeid"]), name, title, float(points))


def _verify(record: dict[str, Any], key: bytes, number: int) -> str | None:
    mac = record.get("mac")
    if not isinstance(mac, str):
        return "not signed"
    body = {k: v for k, v in record.items() if k != "mac"}
    want = hmac.new(key, _canonical(body).encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, want):
        return "bad signature"
    if body.get("seq") != number:
        return f"sequence number {body.get('seq')!r} where {number} was due"
    return None


def collect(topic: Topic, report: bytes, returncode: int | None, timed_out: bool,
            log_tail: str = "", duration: float = 0.0, key: bytes | None = None,
            expected: Collection[str] | None = None) -> TopicResult:
    """The topic's result from its records and how its process ended.

    A drop-in for ``runner.collect`` (same arguments, plus ``key`` when the
    plugin signs its records and ``expected`` when the runner knows the
    nodeids); it never raises on what the stream holds.
    """
    test_file = topic.test_file.name if topic.test_file else None
    stream = parse(report, key=key, test_file=test_file, expected=expected,
                   max_points=topic.points)
    crashed = not timed_out and returncode not in NORMAL_EXITS
    problem: Text | None = None
    if timed_out:
        problem = msg.TOPIC_TIMED_OUT.format(seconds=f"{topic.time_limit:g}")
    elif crashed:
        problem = msg.WORKER_CRASHED.format(status=returncode)
    # A crash leaves an unsigned stream unverifiable: its passes do not count.
    distrust_passes = crashed and not stream.signed
    tests: list[TestResult] = []
    first_missing = True
    for nodeid, info in stream.collected.items():
        done = stream.results.get(nodeid)
        if done is not None and not (distrust_passes and done.outcome is Status.PASSED):
            tests.append(TestResult(name=info.name, title=info.title, outcome=done.outcome,
                                    max_points=info.points, message=done.message, kind=done.kind))
            continue
        text: Text | None
        if done is not None:
            outcome, text = Status.ERROR, NOT_COUNTED.format(status=returncode)
        elif first_missing and timed_out:
            outcome = Status.TIMEOUT
            text = msg.TEST_TIMED_OUT.format(seconds=f"{topic.time_limit:g}")
        elif first_missing and (crashed or stream.troubled):
            outcome = Status.ERROR
            text = (msg.WORKER_CRASHED.format(status=returncode) if crashed
                    else UNTRUSTED_RECORD)
        else:
            outcome = Status.ERROR
            text = msg.NOT_RUN.format(why=problem) if problem else UNTRUSTED_RECORD \
                if stream.troubled else None
        if done is None:
            first_missing = False
        tests.append(TestResult(name=info.name, title=info.title, outcome=outcome,
                                max_points=info.points, message=text))
    broken = not stream.collected and not timed_out and returncode != 5  # 5: -k selected nothing
    if broken:
        # Nothing collected: the hidden test file itself could not load.
        problem = msg.COLLECT_FAILED + plain(log_tail)
    if stream.troubled:
        note = IGNORED_RECORDS.format(count=stream.ignored, why=stream.notes[0])
        problem = note if problem is None else problem + note
    return TopicResult(name=topic.name, title=topic.title, tests=tuple(tests), hints=topic.hints,
                       duration=duration, problem=problem, declared_points=topic.points,
                       broken=broken)


NOT_COUNTED = Text(
    en="This test was reported as passed, but the grader's test process for this topic then "
       "crashed (exit status {status}) and the report could not be verified: not counted. "
       "Code that kills processes it did not start (os.kill(-1, …), killpg) does this.",
    zh="这个测试曾被报告为通过，但该题目的测试进程随后崩溃了（退出状态 {status}），"
       "报告无法核实，因此不计分。杀死不是自己启动的进程的代码（os.kill(-1, …)、killpg）会造成这种情况。",
)
UNTRUSTED_RECORD = Text(
    en="No trustworthy record of this test: the grader's record stream for this topic "
       "held something it did not write, and nothing after that counts.",
    zh="这个测试没有可信的记录：该题目的评分记录中出现了不是评分程序写的内容，之后的记录都不计。",
)
IGNORED_RECORDS = Text(
    en="{count} record line(s) ignored, from the first invalid one on ({why}).",
    zh="忽略了 {count} 行记录，从第一行无效记录起（{why}）。",
)
