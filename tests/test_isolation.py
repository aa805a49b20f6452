"""Hidden tests for `isolation` (进程间数据隔离).

Each call runs in a fresh interpreter, so `money` starts from the value the
student's module gives it at import. The mistake this topic is about is
seeing the child's change in the parent: with shared memory
(`multiprocessing.Value`, a `Manager`) or by calling `change_money` in the
parent itself.
"""
from __future__ import annotations

import pytest

from grading.testing import Text, check, fail

START = 100
CHANGED = 888888


@pytest.mark.points(0.5)
def test_money_starts_at_100(sandbox, start_method) -> None:
    """模块顶层 money = 100 / the module-level money is 100"""
    value = sandbox.get("money").unwrap()
    check(
        value == START and not isinstance(value, bool),
        en=START_WRONG.en.format(got=repr(value)),
        zh=START_WRONG.zh.format(got=repr(value)),
    )


@pytest.mark.points(0.5)
def test_change_money_sets_global(sandbox, start_method) -> None:
    """change_money 修改全局 money / change_money sets the global money"""
    result = sandbox.call("change_money", report=("money",))
    result.unwrap()
    if "money" not in result.attributes:
        fail(en=NO_MONEY.en, zh=NO_MONEY.zh)
    after = result.attributes["money"]
    if after == START:
        fail(en=NO_GLOBAL.en, zh=NO_GLOBAL.zh)
    check(
        after == CHANGED,
        en=CHANGE_WRONG.en.format(got=repr(after)),
        zh=CHANGE_WRONG.zh.format(got=repr(after)),
    )


@pytest.mark.points(1.5)
def test_parent_keeps_its_money(sandbox, start_method) -> None:
    """子进程改了 money，父进程仍是 100 / the parent still has 100 after the child changed its copy"""
    value = sandbox.call("parent_money_after_child").unwrap()
    if value == CHANGED:
        fail(en=SHARED.en, zh=SHARED.zh)
    check(
        value == START and not isinstance(value, bool),
        en=PARENT_WRONG.en.format(got=repr(value)),
        zh=PARENT_WRONG.zh.format(got=repr(value)),
    )


@pytest.mark.points(1)
def test_queue_brings_back_childs_money(sandbox, start_method) -> None:
    """Queue 送回子进程的 888888 / a Queue brings the child's 888888 back"""
    value = sandbox.call("child_money_via_queue").unwrap()
    if value == START:
        fail(en=QUEUE_GOT_100.en, zh=QUEUE_GOT_100.zh)
    check(
        value == CHANGED,
        en=QUEUE_WRONG.en.format(got=repr(value)),
        zh=QUEUE_WRONG.zh.format(got=repr(value)),
    )


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
       "Expected 100: a child process has its own copy of memory, and the point of this "
       "exercise is to see that. Either the parent and the child use shared memory "
       "(multiprocessing.Value, Manager, …: do not use them here), or change_money ran "
       "in the parent itself (run it with Process(target=change_money), start(), join()) "
       "— then return the parent's own global money.",
    zh="parent_money_after_child() 返回了 888888：父进程看到了子进程的修改。期望 100："
       "子进程有自己的一份内存，这道题就是要看到这一点。要么父子进程使用了共享内存"
       "（multiprocessing.Value、Manager 等，这里不要用），要么 change_money 在父进程里"
       "执行了（应当用 Process(target=change_money)、start()、join() 在子进程里运行）"
       "——然后返回父进程自己的全局变量 money。",
)
PARENT_WRONG = Text(
    en="parent_money_after_child() returned {got}. Expected 100: run change_money in a "
       "child, join() it, then return the parent's global money (the int itself).",
    zh="parent_money_after_child() 返回了 {got}。期望 100：在子进程里运行 change_money，"
       "join() 之后返回父进程的全局变量 money（这个整数本身）。",
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
