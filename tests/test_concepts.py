"""Hidden tests of ``concepts``: eight multiple-choice answers.

The right answers are not stored here, only keyed hashes: HMAC-SHA256 of
``qid + ":" + letter`` under the key in ``concepts.key`` beside this file
(32 random bytes, hex; the key is the hashes' salt). Without the key, this
file does not give the answers away: a copy or a leak of it alone is no
answer key. The key is read here, by the test process, and never handed to
student code (on the trusted tier the whole of ``tests/`` is hidden from it;
see docs/trust.md). One test per question, one point each; the student's
``ANSWERS`` is read through the sandbox, never imported here.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest

from grading.testing import Sandbox, Text, fail

#: The key file: one line of hex, kept with the hidden tests.
KEY_FILE = Path(__file__).with_name("concepts.key")
KEY = bytes.fromhex(KEY_FILE.read_text(encoding="ascii").strip())

ANSWER_HASHES: dict[str, str] = {
    "q1": "b32898902723c61a7d4c2b05f09fa38b10b059052cac13f1e6b71509b19480ed",
    "q2": "ae9fa4941afd8b6bc4f0e2c38f72251311031226d6653883245886e623fc31ef",
    "q3": "67eb6a7d38ec967f88e8b7a85b74959a2a6da56de7f46188f7f57dc00c7c8564",
    "q4": "9d117095a940d1af5dc68350b44f8efb8167ed514f8dfdef141a4ca2cf54e523",
    "q5": "3cab2a5d96178981b263fe1e84a9b2be30d3c7e30a91911daebad48e5987ad0d",
    "q6": "5c8b18f7aec783e5cb145d75b56b02fcde8b0560bd77afb5b1e6963745f60c51",
    "q7": "f11b981c17515d639ba0da63d14db4d866b64f7b3b12ab51e3a98a65b240d5ad",
    "q8": "8551e01b0751b1c1cabb4f6c17da43c3726ac45fbbc5f64288a1c94d29e9b0ed",
}

CHOICES = ("A", "B", "C", "D")


def _hash(qid: str, letter: str) -> str:
    """The keyed hash of one answer, as ANSWER_HASHES holds it."""
    return hmac.new(KEY, f"{qid}:{letter}".encode(), hashlib.sha256).hexdigest()


def _grade(sandbox: Sandbox, qid: str) -> None:
    """Read ANSWERS[qid] from the student's module and compare its hash."""
    answers = sandbox.get("ANSWERS").unwrap()
    if not isinstance(answers, dict):
        fail(NOT_A_DICT, got=repr(answers)[:80], kind=type(answers).__name__)
    if qid not in answers:
        fail(MISSING, qid=qid)
    raw = answers[qid]
    if not isinstance(raw, str):
        fail(NOT_A_STR, qid=qid, got=repr(raw)[:40], kind=type(raw).__name__)
    # "b", " B " and "B" are the same answer.
    letter = raw.strip().upper()
    if not letter:
        fail(UNANSWERED, qid=qid)
    if letter not in CHOICES:
        fail(NOT_A_CHOICE, qid=qid, got=repr(raw))
    if not hmac.compare_digest(_hash(qid, letter), ANSWER_HASHES[qid]):
        concept, section = REVISIT[qid]
        # The message names the concept and where to read, never the answer.
        fail(WRONG, qid=qid, got=letter, concept=concept, section=section)


@pytest.mark.points(1)
def test_q1_space_multiplexing(sandbox: Sandbox) -> None:
    """q1 空间上的复用 / q1 multiplexing in space"""
    _grade(sandbox, "q1")


@pytest.mark.points(1)
def test_q2_time_multiplexing(sandbox: Sandbox) -> None:
    """q2 时间上的复用：切换 + 保存状态 / q2 multiplexing in time: switch + save state"""
    _grade(sandbox, "q2")


@pytest.mark.points(1)
def test_q3_cpu_taken_on_io(sandbox: Sandbox) -> None:
    """q3 遇到 IO 时剥夺 CPU / q3 the OS takes the CPU away on I/O"""
    _grade(sandbox, "q3")


@pytest.mark.points(1)
def test_q4_cpu_taken_on_long_use(sandbox: Sandbox) -> None:
    """q4 长时间占用 CPU 时剥夺 CPU / q4 the OS takes the CPU away from a long computation"""
    _grade(sandbox, "q4")


@pytest.mark.points(1)
def test_q5_concurrency_vs_parallelism(sandbox: Sandbox) -> None:
    """q5 并发与并行：单核能否并行 / q5 concurrency vs parallelism: can one core run in parallel"""
    _grade(sandbox, "q5")


@pytest.mark.points(1)
def test_q6_sync_vs_async(sandbox: Sandbox) -> None:
    """q6 同步与异步：任务的提交方式 / q6 sync vs async: how a task is submitted"""
    _grade(sandbox, "q6")


@pytest.mark.points(1)
def test_q7_blocking_vs_non_blocking(sandbox: Sandbox) -> None:
    """q7 阻塞与非阻塞：进程的状态 / q7 blocking vs non-blocking: a process's state"""
    _grade(sandbox, "q7")


@pytest.mark.points(1)
def test_q8_three_process_states(sandbox: Sandbox) -> None:
    """q8 进程的三种状态 / q8 the three states of a process"""
    _grade(sandbox, "q8")


# ---------------------------------------------------------------- messages

#: Per question: the concept (both languages) and the lesson section to re-read.
REVISIT: dict[str, tuple[Text, str]] = {
    "q1": (Text(en="multiplexing in space", zh="空间上的复用"),
           "多道技术 → 1.空间上的复用"),
    "q2": (Text(en="multiplexing in time", zh="时间上的复用"),
           "多道技术 → 2.时间上的复用"),
    "q3": (Text(en="what the OS does when a program does I/O", zh="程序遇到 IO 时操作系统做什么"),
           "多道技术 → 2.时间上的复用 → 切换+保存状态, 第 1 条 / point 1"),
    "q4": (Text(en="what the OS does when a program holds the CPU for long, and what it costs that program",
                zh="程序长时间占用 CPU 时操作系统做什么，对该程序有什么影响"),
           "多道技术 → 2.时间上的复用 → 切换+保存状态, 第 2 条 / point 2"),
    "q5": (Text(en="concurrency vs parallelism (one core)", zh="并发与并行（单核）"),
           "多道技术 → 并发 / 并行"),
    "q6": (Text(en="sync vs async: how a task is submitted", zh="同步与异步：任务的提交方式"),
           "进程的同步与异步 → 同步异步"),
    "q7": (Text(en="blocking vs non-blocking: a process's state", zh="阻塞与非阻塞：程序的运行状态"),
           "进程的同步与异步 → 阻塞非阻塞, 强调"),
    "q8": (Text(en="the three states of a process (ready, running, blocked)", zh="进程的三种状态（就绪态、运行态、阻塞态）"),
           "进程的同步与异步 → 阻塞非阻塞"),
}

NOT_A_DICT = Text(
    en="ANSWERS is a {kind} ({got}); it should be a dict from question id to letter, "
       'e.g. {{"q1": "A", "q2": "C"}}.',
    zh='ANSWERS 是一个 {kind}（{got}）；它应该是一个字典，题号对应字母，例如 {{"q1": "A", "q2": "C"}}。',
)
MISSING = Text(
    en='ANSWERS has no key "{qid}": keep every key of the stub, "q1" to "q8", '
       'and put your letter in it, e.g. ANSWERS["{qid}"] = "A".',
    zh='ANSWERS 里没有 "{qid}" 这个键：保留练习文件里的全部键 "q1" 到 "q8"，'
       '填上你选的字母，例如 ANSWERS["{qid}"] = "A"。',
)
NOT_A_STR = Text(
    en='ANSWERS["{qid}"] is {got} (a {kind}); the answer is a letter in a str, e.g. "A".',
    zh='ANSWERS["{qid}"] 是 {got}（{kind} 类型）；答案应是一个字母字符串，例如 "A"。',
)
UNANSWERED = Text(
    en='{qid} is not answered yet: ANSWERS["{qid}"] is empty. Read the question in the '
       'docstring of concepts.py and put the letter you choose, e.g. ANSWERS["{qid}"] = "A".',
    zh='{qid} 还没有作答：ANSWERS["{qid}"] 是空的。读 concepts.py 开头的题目，'
       '把你选的字母填进去，例如 ANSWERS["{qid}"] = "A"。',
)
NOT_A_CHOICE = Text(
    en='ANSWERS["{qid}"] is {got}, which is not one of the choices A, B, C, D.',
    zh='ANSWERS["{qid}"] 是 {got}，不是选项 A、B、C、D 之一。',
)
WRONG = Text(
    en="{qid}: your answer {got} is not right. The question is about {concept}; "
       "re-read the lesson's section 「{section}」 and try again.",
    zh="{qid}：你的答案 {got} 不对。这道题考的是{concept}；"
       "重读课程「{section}」一节，再试一次。",
)
