"""Hidden tests: 创建进程方式二 / create a process by subclassing Process.

A driver (``tests/drivers/drive_process_subclass.py``) builds, starts and
joins a ``MyProcess`` in the student's interpreter and reports the pid and
exit code the Process object holds; the log is read from outside and its
pids compared with the parent's (``Call.pid``) and the child's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from grading.testing import Call, ProcessSnapshot, Sandbox, Text, check, fail

NAME = "egon"
DRIVER = Path(__file__).parent / "drivers" / "drive_process_subclass.py"


def log_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def start_and_join(sandbox: Sandbox, log: Path) -> tuple[Call, dict[str, Any]]:
    """MyProcess(NAME, log); start(); join() in the student's interpreter."""
    result = sandbox.call("start_and_join", NAME, str(log), driver=DRIVER,
                          label="MyProcess", timeout=15)
    message = result.error.message if result.error is not None else ""
    if result.raised("AttributeError") and "MyProcess" in message:
        fail(NO_SUPER, name=NAME, message=message)
    _bad_init(result)
    if result.raised("AssertionError") and "started process" in message:
        fail(OVERRIDES_START, message=repr(message))
    info: dict[str, Any] = result.unwrap()
    return result, info


def _bad_init(result: Call) -> None:
    """MyProcess(name, log_path) refused its two arguments: say so."""
    if result.raised("TypeError") and result.error is not None and "__init__" in result.error.message:
        fail(BAD_INIT, name=NAME, message=result.error.message)


@pytest.mark.points(1)
def test_constructs_a_named_process(sandbox: Sandbox, tmp_path: Path) -> None:
    """MyProcess(name, log_path) 是一个 Process，名字为 name / MyProcess(name, log_path) is a Process named name"""
    result = sandbox.call("MyProcess", NAME, str(tmp_path / "log.txt"))
    _bad_init(result)
    value = result.unwrap()
    if not isinstance(value, ProcessSnapshot):
        fail(NOT_A_PROCESS, got=repr(value))
    check(value.name == NAME, WRONG_NAME, name=NAME, got=repr(value.name))


@pytest.mark.points(1)
def test_calls_super_init(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """__init__ 调用了 super().__init__()，进程能启动 / __init__ calls super().__init__(): the process starts"""
    _, info = start_and_join(sandbox, tmp_path / "log.txt")
    check(info["exitcode"] == 0, BAD_EXIT, exitcode=info["exitcode"])


@pytest.mark.points(1)
def test_start_runs_run_in_a_child(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """start() 在子进程中执行 run() / start() runs run() in a child process"""
    log = tmp_path / "log.txt"
    result, info = start_and_join(sandbox, log)
    lines = log_lines(log)
    if any(str(result.pid) in line for line in lines):
        fail(RAN_IN_PARENT, lines=lines, pid=result.pid)
    check(info["alive_after_start"], NOT_ALIVE_AFTER_START)


@pytest.mark.points(1)
def test_run_writes_the_log(sandbox: Sandbox, start_method: str, tmp_path: Path) -> None:
    """run() 用子进程的 pid 写两行日志 / run() writes the two lines with the child's pid"""
    log = tmp_path / "log.txt"
    _, info = start_and_join(sandbox, log)
    lines = log_lines(log)
    want = [f"{NAME} is running {info['pid']}", f"{NAME} is over {info['pid']}"]
    check(lines == want, CHILD_LOG, lines=lines, want=want, pid=info["pid"])


# -- messages ------------------------------------------------------------------

NO_SUPER = Text(
    en="MyProcess({name!r}, log_path).start() failed with AttributeError: {message}. "
       "MyProcess.__init__ must call super().__init__() first: it sets up what start() and "
       "join() need.",
    zh="MyProcess({name!r}, log_path).start() 报 AttributeError：{message}。"
       "MyProcess.__init__ 必须先调用 super().__init__()：start() 和 join() 依赖它设置的状态。",
)
BAD_INIT = Text(
    en="MyProcess({name!r}, log_path) failed: {message}. __init__ takes exactly (self, name, "
       "log_path); the object needs no target=.",
    zh="MyProcess({name!r}, log_path) 失败：{message}。__init__ 的参数应为 (self, name, log_path)；"
       "子类对象不需要 target=。",
)
OVERRIDES_START = Text(
    en="MyProcess(...).start() returned without starting a process (join() then says {message}). "
       "Do not override start(): it is Process's own, and it makes the child; put the child's "
       "work in run().",
    zh="MyProcess(...).start() 返回了，却没有启动进程（随后 join() 报 {message}）。不要重写 "
       "start()：它属于 Process，由它创建子进程；子进程要做的事写在 run() 里。",
)
NOT_A_PROCESS = Text(
    en="MyProcess(...) made {got}, not a Process: the class must inherit from multiprocessing.Process.",
    zh="MyProcess(...) 得到的是 {got}，不是 Process：这个类必须继承 multiprocessing.Process。",
)
WRONG_NAME = Text(
    en="MyProcess({name!r}, log_path).name is {got}; expected {name!r} (set self.name = name "
       "after super().__init__(), which names it 'MyProcess-1').",
    zh="MyProcess({name!r}, log_path).name 是 {got}；应为 {name!r}（在 super().__init__() 之后写 "
       "self.name = name，否则名字是 'MyProcess-1'）。",
)
BAD_EXIT = Text(
    en="MyProcess started and joined, but its exit code is {exitcode} (0 means run() finished "
       "normally).",
    zh="MyProcess 启动并 join 之后，退出码是 {exitcode}（0 表示 run() 正常结束）。",
)
RAN_IN_PARENT = Text(
    en="the log {lines!r} carries the parent's pid {pid}: the work ran in the main process. Put "
       "it in run(), and do not call run() yourself (in __init__ or anywhere): start() makes the "
       "child, and the child calls run().",
    zh="日志 {lines!r} 中是父进程的 pid {pid}：任务在主进程里运行了。把任务写在 run() 里，"
       "不要自己调用 run()（无论在 __init__ 还是别处）：start() 创建子进程，由子进程调用 run()。",
)
NOT_ALIVE_AFTER_START = Text(
    en="right after p.start() the child was not alive: start() should return at once while run() "
       "works in the child for about 0.2 s. Did you override start()?",
    zh="p.start() 刚返回时子进程已经不在运行：start() 应当立即返回，run() 在子进程里运行约 0.2 秒。"
       "是否重写了 start()？",
)
CHILD_LOG = Text(
    en="after start() and join() the log holds {lines!r}; expected {want!r} (the child's pid is {pid}).",
    zh="start() 和 join() 之后日志内容是 {lines!r}；应为 {want!r}（子进程 pid 是 {pid}）。",
)
