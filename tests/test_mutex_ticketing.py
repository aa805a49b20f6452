"""Hidden tests of ``mutex_ticketing``: a mutex around the buying.

Every test runs under both start methods (the ``start_method`` fixture). The
ticket store lives in the test's own temporary folder; the student's code
only ever runs through the sandbox.

Timing: nothing here compares durations. The tests that can catch a missing
lock only *give it the chance* to show (several buyers at once, a delay of a
tenth of a second or more between reading and writing); a correct solution
passes them whatever the machine's speed, because the lock makes the result
exact.

Half-written files: code that rewrites the file in place (as the lesson does)
may let a concurrent ``search`` read an empty file and crash that buyer. That
flaw costs the extra credit only: the sales tests count such buyers out, and
run a sale again when the crash left ``grab_tickets`` waiting forever.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from grading.testing import Call, Running, Sandbox, Text, check, fail, skip, status_of

#: The delay passed to buy/grab_tickets where only correctness is checked:
#: ten buyers hold the lock one after another, so keep it small.
DELAY = 0.05
#: The delay for the "last ticket" race: long compared with the time between
#: two children starting, so that two unlocked buyers both read "1 left".
RACE_DELAY = 0.25
#: Seconds a grab_tickets call may take before the grader gives up on it.
GRAB_TIMEOUT = 60.0
#: Seconds a call may go on waiting once all its children have ended.
STUCK_AFTER = 4.0
#: How many times a sale broken by a half-written file is tried.
ATTEMPTS = 4
#: The delay of such a sale when it is tried again: the longer the pause
#: between two writes, the less often a search meets a write half done.
RETRY_DELAY = 0.2
#: The last line of a buyer's traceback when it met the file half written
#: (json.load of an empty or half file) or, on Windows, met it open in
#: another process (os.replace refused: PermissionError).
HALF_READ = re.compile(r"^(json\.decoder\.JSONDecodeError|PermissionError)", re.MULTILINE)


def _make_db(folder: Path, tickets: int) -> Path:
    """A fresh ticket store ``{"ticket": tickets}`` alone in its own folder."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "data.json"
    db.write_text(json.dumps({"ticket": tickets}), encoding="utf-8")
    return db


def _read_db(db: Path) -> tuple[int | None, str]:
    """The ticket count in the file (None unless valid JSON with an int) and its text."""
    try:
        text = db.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return None, f"<{type(exc).__name__}: {exc}>"
    try:
        data = json.loads(text)
    except ValueError:
        return None, text[:200]
    if isinstance(data, dict) and type(data.get("ticket")) is int:
        return data["ticket"], text[:200]
    return None, text[:200]


def _check_round(tickets: int, buyers: int, delay: float, winners: Any, db: Path,
                 crashed: int = 0) -> None:
    """One sale: the winners and the file agree with the number of tickets.

    ``crashed`` buyers died in ``search`` reading a half-written file (the
    flaw the extra-credit test is about): they bought nothing, so at least
    ``min(tickets, buyers - crashed)`` winners are expected.
    """
    called = f"grab_tickets(db_path, buyers={buyers}, delay={delay})"
    facts = dict(called=called, tickets=tickets, buyers=buyers, winners=repr(winners)[:120])
    if not isinstance(winners, (list, tuple)) or not all(type(w) is int for w in winners):
        fail(NOT_A_LIST, **facts)
    if len(set(winners)) != len(winners) or any(not 0 <= w < buyers for w in winners):
        fail(BAD_IDS, **facts, last=buyers - 1)
    count, text = _read_db(db)
    facts.update(text=text, count=count, n=len(winners))
    if count is None:
        fail(BAD_FILE, **facts)
    sold = tickets - count
    if len(winners) > tickets or count < 0:
        fail(OVERSOLD.format(**facts) + NAME_THE_LOCK)
    if sold < len(winners):
        # More buyers were told "yes" than the file lost tickets: two of them
        # read the same count and wrote the same new count.
        fail(LOST_UPDATE.format(**facts, sold=sold) + NAME_THE_LOCK)
    if sold > len(winners):
        fail(WINNERS_MISSING, **facts, sold=sold)
    expected = min(tickets, buyers)
    if not min(tickets, buyers - crashed) <= len(winners) <= expected:
        fail(NOT_ALL_SOLD, **facts, expected=expected)
    if list(winners) != sorted(winners):
        fail(NOT_SORTED, **facts)


def _half_reads(call: Call) -> int:
    """How many processes of the call died of a JSONDecodeError (a half-written file)."""
    return len(HALF_READ.findall(call.stderr or ""))


def _children(running: Running) -> tuple[bool, bool]:
    """(any live child, any child at all) of the call's interpreter.

    A child that ended but was not joined yet is a zombie: it shows that
    children were started.
    """
    kids = [status_of(kid) for kid in running.student_children()]
    return any(st not in (None, psutil.STATUS_ZOMBIE) for st in kids), bool(kids)


@dataclass
class Sale:
    """One grab_tickets call, watched: its Call, whether it was stuck, and
    whether a buyer process was seen (running, or reaped by the call)."""

    call: Call
    stuck: bool
    buyers_seen: bool | None


def _wait_sale(running: Running, started_at: float) -> Sale:
    """Wait for one grab_tickets call (started with hold=True).

    A buyer that crashed never reports, and code that waits for one report
    per buyer then waits forever. So once the call has started children and
    none of them is alive any more, it has STUCK_AFTER seconds to return
    before it is stopped, instead of waiting for the whole GRAB_TIMEOUT.
    Winners can be written in without a single process: a buyer must have
    been seen, or reaped by the call when it returned.
    """
    deadline = started_at + GRAB_TIMEOUT
    idle_since: float | None = None
    seen = False
    while time.monotonic() < deadline:
        if running.returned(0.1) or not running.alive():
            reaped = running.reaped_any_child()
            seen = seen or _children(running)[1]
            call = running.finish(timeout=max(deadline - time.monotonic(), 0.1))
            return Sale(call, False, True if seen else reaped)
        live, started = _children(running)
        seen = seen or started
        now = time.monotonic()
        if live or not started:
            idle_since = None
        elif idle_since is None:
            idle_since = now
        elif now - idle_since > STUCK_AFTER:
            return Sale(running.stop(), True, True)
    return Sale(running.finish(timeout=0.1), False, seen or None)


def _sales(sandbox: Sandbox, tmp_path: Path, rounds: list[tuple[str, int, int, float]]) -> None:
    """Run several sales at the same time, each on its own file, and judge each.

    A sale that never returned because a buyer crashed on a half-written file
    is run again (up to ATTEMPTS times, with a longer delay when its own delay
    is shorter): in these tests that flaw costs only the extra credit, whose
    own test finds it every time.
    """
    pending = list(rounds)
    for attempt in range(1, ATTEMPTS + 1):
        started = []
        for label, tickets, buyers, delay in pending:
            db = _make_db(tmp_path / f"{label}-{attempt}", tickets)
            running = sandbox.start("grab_tickets", str(db), kwargs={"buyers": buyers, "delay": delay},
                                    hold=True)
            started.append(((label, tickets, buyers, delay), db, running, time.monotonic()))
        # Wait for every sale before judging any, so none is still running.
        finished = [(sale, db, _wait_sale(running, at)) for sale, db, running, at in started]
        pending = []
        for sale, db, watched in finished:
            label, tickets, buyers, delay = sale
            call, stuck = watched.call, watched.stuck
            crashed = _half_reads(call)
            if not call.returned and crashed:
                pending.append((label, tickets, buyers, max(delay, RETRY_DELAY)))
                continue
            if stuck:
                fail(STUCK, buyers=buyers, delay=delay, tickets=tickets, after=STUCK_AFTER, stderr=_tail(call.stderr))
            winners = call.unwrap()
            if watched.buyers_seen is None:
                skip(CANNOT_SEE_BUYERS)
            if not watched.buyers_seen:
                fail(NO_BUYERS, buyers=buyers, delay=delay, tickets=tickets, winners=repr(winners)[:120])
            _check_round(tickets, buyers, delay, winners, db, crashed)
        if not pending:
            return
    fail(HALF_READ_EVERY_TIME, attempts=ATTEMPTS)


def _tail(text: str, size: int = 600) -> str:
    text = (text or "").strip()
    return ("…" + text[-size:]) if len(text) > size else (text or "(nothing)")


@pytest.mark.points(1)
def test_search_prints_and_returns(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """search 打印用户自己的编号和余票并返回余票 / search prints the user's own number and the count, and returns it"""
    db = _make_db(tmp_path, 4)
    result = sandbox.call("search", 7, str(db), timeout=10)
    value = result.unwrap()
    expected = "用户7查询余票为:4"
    lines = [line.strip() for line in result.stdout.splitlines()]
    shown = result.stdout.strip()[:300] or "(nothing)"
    if expected not in lines:
        if "用户1查询余票为:4" in lines:
            fail(SEARCH_USER_ONE, shown=shown)
        if any(line.replace("：", ":") == expected for line in lines):
            fail(SEARCH_FULL_WIDTH, shown=shown)
        fail(SEARCH_WRONG_LINE, shown=shown)
    check(type(value) is int and value == 4, SEARCH_RETURNED, got=repr(value))


@pytest.mark.points(1)
def test_buy_takes_one_and_stops_at_zero(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """buy 有票时减一并写回，没票时返回 False 且不写负数 / buy takes one ticket and writes it back; with none left it returns False and writes no negative"""
    db = _make_db(tmp_path / "two", 2)
    got = sandbox.call("buy", 3, str(db), kwargs={"delay": 0.02}, timeout=10).unwrap()
    count, text = _read_db(db)
    check(got is True, BUY_NOT_TRUE, got=repr(got))
    check(count == 1, BUY_NOT_WRITTEN, text=repr(text))

    db = _make_db(tmp_path / "zero", 0)
    got = sandbox.call("buy", 3, str(db), kwargs={"delay": 0.02}, timeout=10).unwrap()
    count, text = _read_db(db)
    check(got is False, BUY_NOT_FALSE, got=repr(got))
    check(count == 0, BUY_BELOW_ZERO, text=repr(text))


@pytest.mark.points(1)
def test_counts_add_up(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """3、0、20 张票：抢到的人数和剩余票数都对 / 3, 0 and 20 tickets: the right winners and the right count left"""
    # 3 among 10: three winners, none left. 0: nobody wins. 20 among 10:
    # everybody wins, 10 left. The three sales run at the same time.
    _sales(sandbox, tmp_path, [
        ("three", 3, 10, DELAY),
        ("none", 0, 4, DELAY),
        ("plenty", 20, 10, DELAY),
    ])


@pytest.mark.points(1)
def test_last_ticket_never_sold_twice(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """两人同时抢最后一张票（三场同时进行）：从不超卖 / two buyers grab the last ticket at once, three sales side by side: never sold twice"""
    # Each buyer waits RACE_DELAY between reading and writing. Without one
    # shared lock both buyers read "1 left" and both win; with it, exactly one.
    _sales(sandbox, tmp_path, [
        (f"race{k}", 1, 2, RACE_DELAY) for k in range(3)
    ])


@pytest.mark.points(1)
def test_extra_credit_atomic_write(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """加分：buy 先写临时文件再 os.replace / extra credit: buy writes a temporary file, then os.replace"""
    # os.replace puts a *new* file under the old name, so the file's inode
    # changes; rewriting the file in place (open(db_path, "w")) keeps it.
    # That is observed from outside, whatever the code looks like.
    db = _make_db(tmp_path, 2)
    inode_before = os.stat(db).st_ino
    got = sandbox.call("buy", 0, str(db), kwargs={"delay": 0.02}, timeout=10).unwrap()
    count, text = _read_db(db)
    check(got is True and count == 1, BUY_FIRST, got=repr(got), text=repr(text))
    inode_after = os.stat(db).st_ino
    if inode_after == inode_before:
        fail(IN_PLACE, inode=inode_before)


# ---------------------------------------------------------------- messages

NO_BUYERS = Text(
    en="grab_tickets(db_path, buyers={buyers}, delay={delay}) with {tickets} ticket(s) returned "
       "{winners}, but no buyer process was seen: none was running while it ran and none was "
       "reaped (joined) when it returned. Each buyer runs in its own process: "
       "Process(target=..., args=(i, db_path, delay, mutex, ...)), start() all, join() all.",
    zh="grab_tickets(db_path, buyers={buyers}, delay={delay})（{tickets} 张票）返回了 {winners}，"
       "但评分程序没有看到任何买票的子进程：它运行期间没有子进程在运行，返回时也没有回收"
       "（join）过子进程。每个买家都在自己的进程里：Process(target=..., args=(i, db_path, delay, "
       "mutex, ...))，全部 start()，再全部 join()。",
)
CANNOT_SEE_BUYERS = Text(
    en="This platform does not let the grader see whether grab_tickets started its buyers' "
       "processes, so this test is not graded here.",
    zh="在这个平台上，评分程序看不到 grab_tickets 是否启动了买家的进程，所以这里不评这个测试。",
)
SEARCH_RETURNED = Text(
    en='search(7, db_path) with {{"ticket": 4}} in the file printed the right line but returned '
       "{got}; expected the count, the int 4.",
    zh='文件内容为 {{"ticket": 4}} 时 search(7, db_path) 打印正确，但返回了 {got}；应返回余票数，整数 4。',
)
BUY_NOT_TRUE = Text(
    en='buy(3, db_path, delay=0.02) with {{"ticket": 2}} in the file returned {got}; expected True '
       "(user 3 got a ticket).",
    zh='文件内容为 {{"ticket": 2}} 时 buy(3, db_path, delay=0.02) 返回了 {got}；应返回 True（用户 3 抢到了票）。',
)
BUY_NOT_WRITTEN = Text(
    en='after buy(3, db_path, delay=0.02) on {{"ticket": 2}} the file holds {text}; expected '
       '{{"ticket": 1}}: take one ticket and write the new count back.',
    zh='对 {{"ticket": 2}} 调用 buy(3, db_path, delay=0.02) 之后文件内容是 {text}；应为 {{"ticket": 1}}：'
       '票数减 1 并写回文件。',
)
BUY_NOT_FALSE = Text(
    en='buy(3, db_path, delay=0.02) with {{"ticket": 0}} in the file returned {got}; expected False: '
       "no ticket is left.",
    zh='文件内容为 {{"ticket": 0}} 时 buy(3, db_path, delay=0.02) 返回了 {got}；应返回 False：已经没票了。',
)
BUY_BELOW_ZERO = Text(
    en='after buy(3, db_path, delay=0.02) on {{"ticket": 0}} the file holds {text}; expected it '
       'unchanged, {{"ticket": 0}}: check that a ticket is left before taking one.',
    zh='对 {{"ticket": 0}} 调用 buy(3, db_path, delay=0.02) 之后文件内容是 {text}；应保持 {{"ticket": 0}} '
       '不变：先判断还有没有票，再减。',
)
BUY_FIRST = Text(
    en='buy(0, db_path, delay=0.02) on {{"ticket": 2}} returned {got} and left {text}; expected True '
       'and {{"ticket": 1}} (make buy work first).',
    zh='对 {{"ticket": 2}} 调用 buy(0, db_path, delay=0.02) 返回 {got}，文件内容为 {text}；应返回 True，'
       '文件为 {{"ticket": 1}}（先让 buy 本身正确）。',
)
SEARCH_USER_ONE = Text(
    en='search(7, db_path) with {{"ticket": 4}} printed:\n{shown}\nexpected the line '
       "用户7查询余票为:4. Every user calls itself user 1: that is the lesson's typo "
       "`%(1, t_d.get('ticket'))`; print the user's own number i.",
    zh='文件内容为 {{"ticket": 4}} 时 search(7, db_path) 打印了：\n{shown}\n应打印 '
       "用户7查询余票为:4。每个用户都说自己是用户 1：这是课程里 `%(1, t_d.get('ticket'))` "
       "的笔误，应打印用户自己的编号 i。",
)
SEARCH_FULL_WIDTH = Text(
    en='search(7, db_path) with {{"ticket": 4}} printed:\n{shown}\nexpected the line '
       "用户7查询余票为:4 with an ASCII colon ':', not the full-width '：'.",
    zh='文件内容为 {{"ticket": 4}} 时 search(7, db_path) 打印了：\n{shown}\n应打印 '
       "用户7查询余票为:4，冒号是英文冒号 ':'，不是中文冒号 '：'。",
)
SEARCH_WRONG_LINE = Text(
    en='search(7, db_path) with {{"ticket": 4}} printed:\n{shown}\nexpected a line that '
       'reads exactly 用户7查询余票为:4 (f"用户{{i}}查询余票为:{{N}}").',
    zh='文件内容为 {{"ticket": 4}} 时 search(7, db_path) 打印了：\n{shown}\n应有一行正好是 '
       '用户7查询余票为:4（f"用户{{i}}查询余票为:{{N}}"）。',
)
NOT_A_LIST = Text(
    en="{called} with {tickets} tickets returned {winners}; expected a list of the "
       "winners' ids (ints), e.g. [0, 2, 5].",
    zh="有 {tickets} 张票时 {called} 返回了 {winners}；应返回抢到票的用户编号列表（整数），"
       "例如 [0, 2, 5]。",
)
BAD_IDS = Text(
    en="{called} with {tickets} tickets returned {winners}; the ids should be the users' "
       "numbers 0 … {last} (as in range({buyers})), each at most once.",
    zh="有 {tickets} 张票时 {called} 返回了 {winners}；编号应是用户的编号 0 … {last}"
       "（像 range({buyers}) 那样），每个最多出现一次。",
)
BAD_FILE = Text(
    en="after {called} with {tickets} tickets the file holds {text!r}, which is not valid "
       'JSON with a ticket count; expected {{"ticket": N}}. Write it with json.dump, '
       "and only while holding the lock.",
    zh='有 {tickets} 张票时调用 {called} 之后，文件内容是 {text!r}，不是带票数的合法 JSON；'
       '应为 {{"ticket": N}}。用 json.dump 写，并且只在拿着锁的时候写。',
)
OVERSOLD = Text(
    en="{called} with {tickets} tickets: {n} buyers got a ticket (returned {winners}), "
       "the file now holds {text!r}. Tickets were sold that did not exist.",
    zh="有 {tickets} 张票时 {called}：{n} 个用户抢到了票（返回 {winners}），文件现在是 {text!r}。"
       "卖出了并不存在的票（超卖）。",
)
LOST_UPDATE = Text(
    en="{called} with {tickets} tickets: {n} buyers were told they got a ticket "
       "(returned {winners}), but the file holds {text!r}: only {sold} left the store. "
       "Two buyers read the same count and wrote the same new count.",
    zh="有 {tickets} 张票时 {called}：{n} 个用户被告知抢到了票（返回 {winners}），"
       "但文件是 {text!r}：票库只少了 {sold} 张。两个用户读到了同一个票数，又写回了同一个新票数。",
)
NAME_THE_LOCK = Text(
    en="Is there ONE Lock, created in the main process and passed to every Process, "
       "held around buy? A Lock() created inside each child (or no lock at all) keeps "
       "nobody out.",
    zh="是不是只有一把 Lock：在主进程里创建，作为参数传给每个 Process，并在 buy 周围加锁？"
       "在每个子进程里各自 Lock() 一把（或者根本不加锁）是锁不住别人的。",
)
WINNERS_MISSING = Text(
    en="{called} with {tickets} tickets returned {winners}, but the file holds {text!r}: "
       "{sold} tickets were sold. The winners are not all reported back: a list changed "
       "in a child stays in the child. Send each result back through a "
       "multiprocessing.Queue, and join every process before returning.",
    zh="有 {tickets} 张票时 {called} 返回了 {winners}，但文件是 {text!r}：卖出了 {sold} 张。"
       "抢到票的用户没有全部报回来：子进程里修改的列表只在子进程里（进程间数据隔离）。"
       "用 multiprocessing.Queue 把每个结果送回来，并在返回前 join 每个进程。",
)
NOT_ALL_SOLD = Text(
    en="{called} with {tickets} tickets returned {winners} and the file holds {text!r}; "
       "expected {expected} winners: as long as tickets are left, a buyer gets one.",
    zh="有 {tickets} 张票时 {called} 返回了 {winners}，文件是 {text!r}；"
       "应有 {expected} 人抢到票：只要还有票，买票的人就能买到。",
)
NOT_SORTED = Text(
    en="{called} with {tickets} tickets returned {winners}; the right winners, but "
       "expected them sorted (sorted(...)).",
    zh="有 {tickets} 张票时 {called} 返回了 {winners}；人是对的，但应从小到大排序（sorted(...)）。",
)
STUCK = Text(
    en="grab_tickets(db_path, buyers={buyers}, delay={delay}) with {tickets} tickets did not "
       "return: all its buyer processes had ended, yet {after:g} s later it was still waiting. "
       "Does every buyer report exactly once, and does grab_tickets wait only for that? "
       "What the processes printed on stderr:\n{stderr}",
    zh="有 {tickets} 张票时 grab_tickets(db_path, buyers={buyers}, delay={delay}) 没有返回："
       "所有买票的子进程都已经结束，{after:g} 秒之后它还在等。每个子进程是否正好报告一次结果，"
       "grab_tickets 是否只等这么多？进程在 stderr 上打印的内容：\n{stderr}",
)
HALF_READ_EVERY_TIME = Text(
    en="grab_tickets never returned, {attempts} times in a row: each time a buyer process "
       "crashed with JSONDecodeError, because its search read data.json while another buyer "
       "was rewriting it, and grab_tickets kept waiting for that buyer. Write the file "
       "atomically (a temporary file in the same folder, then os.replace: the extra credit), "
       "so a search never reads a half-written file.",
    zh="grab_tickets 连续 {attempts} 次都没有返回：每次都有一个买票的子进程因 JSONDecodeError "
       "崩溃——它 search 时读 data.json，正赶上另一个用户在改写这个文件——而 grab_tickets "
       "一直在等它的结果。原子地写文件（先写同一目录下的临时文件，再 os.replace，即加分项），"
       "search 就永远不会读到写了一半的文件。",
)
IN_PLACE = Text(
    en="buy(0, db_path) worked, but it rewrote data.json in place (the same file, inode "
       "{inode}, before and after). While it writes, a search at that moment can read an "
       "empty or half-written file. Write the new count to a temporary file in the same "
       "folder, then os.replace(temp_path, db_path).",
    zh="buy(0, db_path) 结果正确，但它是在原文件上直接改写的（前后是同一个文件，inode {inode}）。"
       "写的过程中，同时 search 的人可能读到空的或写了一半的文件。先把新票数写到同一目录下的"
       "临时文件，再 os.replace(临时文件, db_path)。",
)
