"""Hidden tests for `isolation` (进程间数据隔离).

Each call runs in a fresh interpreter, so `money` starts from the value the
student's module gives it at import. The mistake this topic is about is
seeing the child's change in the parent: with shared memory
(`multiprocessing.Value`, a `Manager`) or by calling `change_money` in the
parent itself.

A return value alone proves nothing (100 and 888888 can be written in), so
each call is watched from outside (``grading.testing.watch``): a child must
have been seen running or reaped. The parent's money is set by a driver to a
number of the test's choosing before ``parent_money_after_child`` runs, so the
parent must return its own money, not a written-in 100.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from grading.testing import Sandbox, Text, check, fail, require_children, watch

START = 100
CHANGED = 888888
DRIVER = Path(__file__).parent / "drivers" / "drive_isolation.py"


@pytest.mark.points(0.5)
def test_money_starts_at_100(sandbox: Sandbox, start_method: str) -> None:
    """模块顶层 money = 100 / the module-level money is 100"""
    value = sandbox.get("money").unwrap()
    check(value == START and not isinstance(value, bool), START_WRONG, got=repr(value))


@pytest.mark.points(0.5)
def test_change_money_sets_global(sandbox: Sandbox, start_method: str) -> None:
    """change_money 修改全局 money / change_money sets the global money"""
    result = sandbox.call("change_money", report=("money",))
    result.unwrap()
    if "money" not in result.attributes:
        fail(NO_MONEY)
    after = result.attributes["money"]
    if after == START:
        fail(NO_GLOBAL)
    check(after == CHANGED, CHANGE_WRONG, got=repr(after))


@pytest.mark.points(1.5)
def test_parent_keeps_its_money(sandbox: Sandbox, start_method: str) -> None:
    """子进程改了 money，父进程仍是自己的值 / the parent keeps its own money after the child changed its copy"""
    # The parent's money is set to a number of the test's choosing just before
    # the call (under spawn the child imports the module afresh and starts from
    # 100; under fork it inherits this number): the parent must return its own.
    mine = random.randrange(1000, 99999)
    watched = watch(sandbox, "parent_money_with", mine, driver=DRIVER,
                    label="parent_money_after_child")
    value = watched.result.unwrap()
    if value == CHANGED:
        fail(SHARED)
    require_children(watched, NO_CHILD, call="parent_money_after_child()", got=repr(value))
    if not watched.reaped and watched.reaped is not None:
        fail(NOT_JOINED, got=repr(value))
    if value == START:
        fail(HARD_CODED, mine=mine)
    check(value == mine and not isinstance(value, bool), PARENT_WRONG, got=repr(value), mine=mine)


@pytest.mark.points(1)
def test_queue_brings_back_childs_money(sandbox: Sandbox, start_method: str) -> None:
    """Queue 送回子进程的 888888 / a Queue brings the child's 888888 back"""
    watched = watch(sandbox, "child_money_via_queue")
    value = watched.result.unwrap()
    if value == START:
        fail(QUEUE_GOT_100)
    require_children(watched, NO_CHILD, call="child_money_via_queue()", got=repr(value))
    check(value == CHANGED, QUEUE_WRONG, got=repr(value))


# -- messages ------------------------------------------------------------------

START_WRONG = Text(
    en="Imported the module and read money: got {got}. Expected the module global "
       "money = 100, defined at the top level of the file.",
    zh="导入模块后读取 money，得到 {got}。期望在文件顶层定义全局变量 money = 100。",
)
NO_MONEY = Text(
    en="Called change_money(), then looked for the module global money: there is "
       "none. Define money = 100 at the top level of the file.",
    zh="调用 change_money() 后查看模块的全局变量 money：没有这个变量。"
       "请在文件顶层定义 money = 100。",
)
NO_GLOBAL = Text(
    en="Called change_money(); the module's money is still 100. Expected 888888. "
       "Without `global money` inside the function, money = 888888 only makes a "
       "new local variable: write `global money` first.",
    zh="调用 change_money() 之后，模块的 money 还是 100，期望 888888。函数里没有 "
       "`global money` 的话，money = 888888 只是新建了一个局部变量：先写 `global money`。",
)
CHANGE_WRONG = Text(
    en="Called change_money(); the module's money became {got}. Expected 888888.",
    zh="调用 change_money() 之后，模块的 money 变成了 {got}，期望 888888。",
)
SHARED = Text(
    en="parent_money_after_child() returned 888888: the parent saw the child's change. "
       "Expected the parent's own money (100 unless changed): a child process has its own copy of memory, and the point of this "
       "exercise is to see that. Either the parent and the child use shared memory "
       "(multiprocessing.Value, Manager, …: do not use them here), or change_money ran "
       "in the parent itself (run it with Process(target=change_money), start(), join()) "
       "— then return the parent's own global money.",
    zh="parent_money_after_child() 返回了 888888：父进程看到了子进程的修改。期望父进程自己的 money（没改过就是 100）："
       "子进程有自己的一份内存，这道题就是要看到这一点。要么父子进程使用了共享内存"
       "（multiprocessing.Value、Manager 等，这里不要用），要么 change_money 在父进程里"
       "执行了（应当用 Process(target=change_money)、start()、join() 在子进程里运行）"
       "——然后返回父进程自己的全局变量 money。",
)
PARENT_WRONG = Text(
    en="parent_money_after_child() returned {got}. Expected the parent's own money, {mine} "
       "here: run change_money in a child, join() it, then return the parent's global money "
       "(the int itself).",
    zh="parent_money_after_child() 返回了 {got}。期望父进程自己的 money，这里是 {mine}："
       "在子进程里运行 change_money，join() 之后返回父进程的全局变量 money（这个整数本身）。",
)
HARD_CODED = Text(
    en="parent_money_after_child() returned 100, but the parent's money was {mine} when it was "
       "called (the grader set it just before the call, to tell a computed answer from a "
       "written-in one). Return the parent's global money itself (return money), not the "
       "number 100.",
    zh="parent_money_after_child() 返回了 100，但调用时父进程的 money 是 {mine}（评分程序在调用"
       "之前设置了它，用来区分算出来的答案和写死的答案）。要返回父进程的全局变量 money 本身"
       "（return money），而不是数字 100。",
)
NO_CHILD = Text(
    en="{call} returned {got}, but no child process was seen: none was running while it ran "
       "and none was reaped (joined) when it returned. The answer must come from a real child: "
       "p = Process(target=...), p.start(), p.join().",
    zh="{call} 返回了 {got}，但评分程序没有看到任何子进程：它运行期间没有子进程在运行，"
       "返回时也没有回收（join）过子进程。答案必须来自一个真正的子进程："
       "p = Process(target=...)、p.start()、p.join()。",
)
NOT_JOINED = Text(
    en="parent_money_after_child() returned {got} without having joined its child (no child "
       "had been reaped when it returned). Call p.join() before reading money: only then has "
       "the child surely finished changing its copy, and what you see is isolation, not a race.",
    zh="parent_money_after_child() 返回了 {got}，但没有 join 它的子进程（返回时没有回收过任何"
       "子进程）。读取 money 之前先调用 p.join()：这样子进程一定已经改完了自己的那份，"
       "看到的才是隔离，而不是竞争。",
)
QUEUE_GOT_100 = Text(
    en="child_money_via_queue() returned 100, the money from before the change. "
       "Expected 888888: in the child, change the global money first (call "
       "change_money(), which needs `global money`), then q.put(money); in the parent, "
       "return what q.get() gives, not the parent's own money.",
    zh="child_money_via_queue() 返回了 100，这是修改之前的 money。期望 888888："
       "在子进程里先修改全局变量 money（调用 change_money()，它需要 `global money`），"
       "再 q.put(money)；父进程返回 q.get() 拿到的值，而不是父进程自己的 money。",
)
QUEUE_WRONG = Text(
    en="child_money_via_queue() returned {got}. Expected 888888, the child's money "
       "sent back through a multiprocessing.Queue (q.put in the child, q.get in the parent).",
    zh="child_money_via_queue() 返回了 {got}。期望 888888：子进程的 money，通过 "
       "multiprocessing.Queue 送回来（子进程 q.put，父进程 q.get）。",
)
