"""grading.records: the test process's records, validated and scored by the
rule of docs/trust.md (what counts after a crash, a time-out, a forged line)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grading import records
from grading.catalog import Topic
from grading.i18n import plain
from grading.results import Status

TOPIC = Topic(name="demo", title=plain("Demo"), points=3.0, time_limit=60.0, test_timeout=30.0,
              hints=(), test_file=Path("/somewhere/tests/test_demo.py"))
NODES = [f"tests/test_demo.py::test_{n}" for n in ("a", "b", "c")]


def collected(nodeid: str) -> dict[str, Any]:
    name = nodeid.split("::")[1]
    return {"event": "collected", "nodeid": nodeid, "name": name, "title": name, "points": 1.0}


def result(nodeid: str, outcome: str = "passed", message: Any = None) -> dict[str, Any]:
    return {**collected(nodeid), "event": "result", "outcome": outcome, "message": message}


def stream(*items: dict[str, Any] | str, key: bytes | None = None) -> bytes:
    """JSON lines (a str item is written as it is, a raw line)."""
    signer = records.Signer(key) if key else None
    out = b""
    for item in items:
        if isinstance(item, str):
            out += item.encode() + b"\n"
        elif signer is not None:
            out += signer.line(item)
        else:
            out += (json.dumps(item, ensure_ascii=False) + "\n").encode()
    return out


FULL = [*(collected(n) for n in NODES), *(result(n) for n in NODES)]


def grade(report: bytes, returncode: int | None = 0, timed_out: bool = False,
          key: bytes | None = None) -> tuple[float, dict[str, str], str]:
    got = records.collect(TOPIC, report, returncode, timed_out, key=key)
    outcomes = {t.name: t.outcome.value for t in got.tests}
    score = sum(t.points for t in got.tests)
    return score, outcomes, got.problem.en if got.problem else ""


# -- the shape of a record ----------------------------------------------------------


def test_a_clean_stream_scores_what_it_says() -> None:
    score, outcomes, problem = grade(stream(*FULL))
    assert score == 3 and set(outcomes.values()) == {"passed"} and problem == ""


@pytest.mark.parametrize("line", [
    '{"event": "collected"}',                                   # the KeyError
    '{"event": "collected", "nodeid": "tests/test_demo.py::x"}',
    '{"event": "result", "nodeid": 5}',
    '[1, 2]', 'null', '"text"', '{not json', '\udcff'.encode("utf-8", "surrogateescape").decode("latin-1"),
    '{"event": "collected", "nodeid": "tests/test_demo.py::x", "name": "x", "title": "x", "points": true}',
    '{"event": "collected", "nodeid": "tests/test_demo.py::x", "name": "x", "title": "x", "points": -1}',
    '{"event": "collected", "nodeid": "tests/test_demo.py::x", "name": "x", "title": "x", "points": NaN}',
    '{"event": "collected", "nodeid": "tests/test_other.py::x", "name": "x", "title": "x", "points": 1}',
    '{"event": "deleted", "nodeid": "tests/test_demo.py::x"}',
])
def test_a_malformed_line_never_raises_and_is_noted(line: str) -> None:
    score, outcomes, problem = grade(stream(*[collected(n) for n in NODES], line,
                                            *[result(n) for n in NODES]))
    assert score == 0
    assert "ignored" in problem and "line 4" in problem
    assert set(outcomes) == {"test_a", "test_b", "test_c"}


def test_malformed_before_anything_is_a_broken_topic_not_a_traceback() -> None:
    got = records.collect(TOPIC, b'{"event": "collected"}\n', 1, False, log_tail="log")
    assert got.broken and got.tests == ()


@pytest.mark.parametrize(("items", "why"), [
    ([*(collected(n) for n in NODES), result(NODES[1])], "before one for"),
    ([*(collected(n) for n in NODES), result(NODES[0]), result(NODES[0])], "second result"),
    ([collected(NODES[0]), result(NODES[0]), collected(NODES[1])], "collected after results"),
    ([collected(NODES[0]), collected(NODES[0])], "collected twice"),
    ([collected(NODES[0]), result("tests/test_demo.py::test_z")], "not collected"),
    ([collected(NODES[0]), {**result(NODES[0]), "points": 50.0}], "describes another test"),
    ([collected(NODES[0]), result(NODES[0], outcome="great")], "is not one of"),
    ([collected(NODES[0]), result(NODES[0], message="text")], "neither null"),
    ([collected(NODES[0]), result(NODES[0], message={"en": "hidden"})], "neither null"),
    ([collected(NODES[0]), result(NODES[0], message={"en": "a", "zh": "b"})], "passed result with"),
])
def test_out_of_order_or_inconsistent_records_are_trouble(items: list[dict[str, Any]], why: str) -> None:
    parsed = records.parse(stream(*items), test_file="tests/test_demo.py")
    assert parsed.troubled and why in parsed.notes[0]


def test_forged_passes_before_the_genuine_result_are_taken_back() -> None:
    """Student code writes passes for the running test and the rest, then the
    plugin writes the genuine result of the running test: from the first
    record of the test reported twice, nothing counts."""
    items = [*(collected(n) for n in NODES), result(NODES[0]),
             result(NODES[1]), result(NODES[2]),                # forged, in order
             result(NODES[1], "failed", {"en": "e", "zh": "z"})]  # the genuine one
    score, outcomes, problem = grade(stream(*items), returncode=1)
    assert score == 1
    assert outcomes == {"test_a": "passed", "test_b": "error", "test_c": "error"}
    assert "second result" in problem


def test_collected_tests_worth_more_than_the_topic_are_trouble() -> None:
    extra = [collected(f"tests/test_demo.py::test_x{i}") for i in range(3)]
    parsed = records.parse(stream(*(collected(n) for n in NODES), *extra), max_points=3.0)
    assert list(parsed.collected) == NODES and "more than the topic's" in parsed.notes[0]


def test_nodeids_outside_the_expected_set_are_trouble() -> None:
    parsed = records.parse(stream(collected(NODES[0]), collected(NODES[1])), expected={NODES[0]})
    assert list(parsed.collected) == [NODES[0]] and "not expected" in parsed.notes[0]


def test_a_record_after_a_forged_line_does_not_count() -> None:
    """A forger appends a bad line then good-looking passes: none count."""
    items: list[dict[str, Any] | str] = [
        *(collected(n) for n in NODES), result(NODES[0], "failed", {"en": "e", "zh": "z"}),
        '{"event": "result"}', result(NODES[1]), result(NODES[2])]
    score, outcomes, problem = grade(stream(*items), returncode=1)
    assert score == 0
    assert outcomes == {"test_a": "failed", "test_b": "error", "test_c": "error"}
    assert "2 record" in problem or "3 record" in problem


def test_a_line_cut_short_at_the_end_is_dropped() -> None:
    data = stream(*[collected(n) for n in NODES], result(NODES[0]))
    data += b'{"event": "result", "nodeid": "tests/te'
    score, outcomes, _ = grade(data, returncode=-9)
    assert outcomes["test_a"] == "error" and outcomes["test_b"] == "error"


# -- how the process ended ------------------------------------------------------------


def test_a_crash_after_forged_passes_scores_nothing_unsigned() -> None:
    """The issue's attack: every test reported passed, then the test process
    was killed. Unsigned, a crashed stream keeps no pass."""
    score, outcomes, problem = grade(stream(*FULL), returncode=-9)
    assert score == 0
    assert set(outcomes.values()) == {"error"}
    assert "crashed" in problem


def test_a_crash_keeps_failures_as_recorded() -> None:
    items = [*(collected(n) for n in NODES), result(NODES[0], "failed", {"en": "wrong", "zh": "错"})]
    got = records.collect(TOPIC, stream(*items), -9, False)
    first = got.tests[0]
    assert first.outcome is Status.FAILED and first.message is not None
    assert [t.outcome for t in got.tests[1:]] == [Status.ERROR, Status.ERROR]


def test_a_time_out_keeps_what_was_recorded_before_it() -> None:
    items = [*(collected(n) for n in NODES), result(NODES[0])]
    score, outcomes, _ = grade(stream(*items), returncode=-9, timed_out=True)
    assert score == 1
    assert outcomes == {"test_a": "passed", "test_b": "timeout", "test_c": "error"}


def test_normal_exit_with_missing_results_never_passes_them() -> None:
    items = [*(collected(n) for n in NODES), result(NODES[0])]
    score, outcomes, _ = grade(stream(*items), returncode=1)
    assert score == 1 and outcomes["test_b"] == "error" and outcomes["test_c"] == "error"


def test_exit_5_with_nothing_collected_is_not_broken() -> None:
    got = records.collect(TOPIC, b"", 5, False)
    assert not got.broken and got.tests == ()


# -- signed records -------------------------------------------------------------------------


KEY = b"k" * records.KEY_BYTES


def test_signed_stream_keeps_its_passes_through_a_crash() -> None:
    """Signed, a crash costs the running test only: what came before is the plugin's."""
    items = [*(collected(n) for n in NODES), result(NODES[0])]
    score, outcomes, _ = grade(stream(*items, key=KEY), returncode=-9, key=KEY)
    assert score == 1
    assert outcomes == {"test_a": "passed", "test_b": "error", "test_c": "error"}


def test_an_unsigned_line_in_a_signed_stream_and_all_after_it_are_ignored() -> None:
    good = stream(*[collected(n) for n in NODES], result(NODES[0]), key=KEY)
    forged = stream(result(NODES[1]), result(NODES[2]))
    score, outcomes, problem = grade(good + forged, returncode=-9, key=KEY)
    assert score == 1 and "not signed" in problem


def test_a_replayed_signed_line_is_ignored() -> None:
    lines = stream(*[collected(n) for n in NODES], result(NODES[0]), key=KEY).splitlines(True)
    replayed = b"".join(lines) + lines[-1]
    parsed = records.parse(replayed, key=KEY)
    assert "sequence number" in parsed.notes[0] and len(parsed.results) == 1


def test_a_wrong_key_trusts_nothing() -> None:
    parsed = records.parse(stream(*FULL, key=b"x" * 32), key=KEY)
    assert parsed.collected == {} and "bad signature" in parsed.notes[0]


def test_signer_lines_are_plain_records_plus_seq_and_mac() -> None:
    line = json.loads(records.Signer(KEY).line(collected(NODES[0])))
    assert line["seq"] == 0 and len(line["mac"]) == 64 and line["nodeid"] == NODES[0]
