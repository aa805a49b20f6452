"""Hidden tests of ``concepts``: eight multiple-choice answers.

The right answers are not stored here, only salted SHA-256 hashes of
``SALT + qid + ":" + letter``: reading this file does not give them away.
One test per question, one point each; the student's ``ANSWERS`` is read
through the sandbox, never imported here.
"""

from __future__ import annotations

import hashlib

import pytest

from grading.testing import Sandbox, Text, fail

SALT = "day30-concepts/7f3c91e2:"

ANSWER_HASHES: dict[str, str] = {
    "q1": "d87c463e87d2e00079ff5893dc1d2ab8ff453cf108237905157baf2a2f2c1ecc",
    "q2": "f585ab397c3cc49b24dd8c20ad8b5690e3a5e2f61095430799ee569dafb2311f",
    "q3": "a4dc8e61c20f6fed1ac1ac94af5e9697af69ffe88870a84332673f06b225ee7e",
    "q4": "abcd3b33efa4b42274a001722fb5b56180a95172eb11c166f676e6b83d7bf59a",
    "q5": "63e9ffc54ea5f08b58d3fa468c434f2e1755e1a20cce701245aa9eacf2a3dd9b",
    "q6": "50857e5725e6c6dc049d51903ebc4204b6ccd63e08efed144ec45f4f88933920",
    "q7": "b08819ecf461232d052c5a9c2d9b6b07fae209b4ae7964b83fa89b0a8645eeb0",
    "q8": "40ba00c590ce49d16ab8af2b3df0933e6bdaa4e66e0c47a09ea87e7ee4935859",
}

CHOICES = ("A", "B", "C", "D")


def _hash(qid: str, letter: str) -> str:
    return hashlib.sha256(f"{SALT}{qid}:{letter}".encode()).hexdigest()


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
    if _hash(qid, letter) != ANSWER_HASHES[qid]:
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
