"""The grader's own sentences, in Chinese and English, in one place.

Topic-specific messages live in each topic's test file; these are the ones
the engine says about any topic: how a call ended, what the grader needs.
"""

from __future__ import annotations

from .i18n import Text

# -- how a call of student code ended (sandbox) ------------------------------

TIMED_OUT = Text(
    en="{call}() was stopped after {seconds} s: it did not finish in time. "
       "Look for a loop that never ends, a recv()/input()/join() that waits for ever, "
       "or a sleep that is too long.",
    zh="{call}() 运行超过 {seconds} 秒，被评分程序强制停止：没有在限定时间内结束。"
       "检查是否有永不结束的循环、永远等待的 recv()/input()/join()，或过长的 sleep。",
)
TIMED_OUT_AFTER_RETURN = Text(
    en="{call}() returned, but the program did not end within {seconds} s: "
       "a child process or a thread was still running (at exit Python waits for every "
       "non-daemon child process and thread).",
    zh="{call}() 已经返回，但程序在 {seconds} 秒内没有结束：还有子进程或线程在运行"
       "（主进程结束时会等待所有非守护的子进程和线程）。",
)
DIED = Text(
    en="{call}() never returned: the Python process running it ended ({status}) "
       "before the function finished.",
    zh="{call}() 没有返回：运行它的 Python 进程在函数结束前就退出了（{status}）。",
)
IMPORT_FAILED = Text(
    en="Your module could not be imported, so none of its functions could run:",
    zh="无法导入你的模块，其中的函数都无法运行：",
)
MISSING_NAME = Text(
    en="Your module has no {call}: define it with exactly this name (see the task in the module docstring).",
    zh="你的模块里没有 {call}：请按题目（模块开头的说明）用这个名字定义它。",
)
NOT_WRITTEN = Text(
    en="{call}() is not written yet: it still raises NotImplementedError. "
       "Replace the `# TODO` and the `raise NotImplementedError` with your code.",
    zh="{call}() 还没有完成：它仍然抛出 NotImplementedError。"
       "把 `# TODO` 和 `raise NotImplementedError` 换成你的代码。",
)
RAISED = Text(
    en="{call}() raised an exception:",
    zh="{call}() 抛出了异常：",
)
STDERR_TAIL = Text(
    en="What it printed to stderr (the end):\n{tail}",
    zh="它输出到 stderr 的内容（末尾）：\n{tail}",
)
OUTPUT_CUT = Text(
    en="\n[… output cut: {kept} of {total} bytes kept …]",
    zh="\n[… 输出过长已截断：保留 {total} 字节中的 {kept} 字节 …]",
)

# -- the module as a whole (plugin) -------------------------------------------

IMPORT_SIDE_EFFECTS = Text(
    en="Importing your module started processes ({count}). Put demo code under "
       "`if __name__ == '__main__':` — under the spawn start method (Windows, macOS) "
       "every child imports your module again.",
    zh="导入你的模块时就启动了进程（{count} 个）。请把演示代码放进 "
       "`if __name__ == '__main__':` 代码块——在 spawn 启动方式下（Windows、macOS），"
       "每个子进程都会重新导入你的模块。",
)
IMPORT_TIMED_OUT = Text(
    en="Importing your module took longer than {seconds} s. Code at module level runs at import: "
       "put it under `if __name__ == '__main__':`.",
    zh="导入你的模块超过了 {seconds} 秒。模块顶层的代码在导入时就会执行："
       "请把它放进 `if __name__ == '__main__':` 代码块。",
)
MODULE_MISSING = Text(
    en="{path} does not exist: the grader looks for this file in the workspace.",
    zh="找不到 {path}：评分程序在工作目录中寻找这个文件。",
)
TEST_TIMED_OUT = Text(
    en="This test was stopped after {seconds} s: the code under test did not finish in time.",
    zh="该测试运行超过 {seconds} 秒被停止：被测代码没有在限定时间内结束。",
)
TEST_BROKE = Text(
    en="The test could not judge your code ({error}). This is usually a value of an unexpected "
       "type; check the return type against the task.",
    zh="测试无法评判你的代码（{error}）。通常是返回值类型不符合要求；请对照题目检查返回类型。",
)
NOT_RUN = Text(
    en="Not run: the grader stopped this topic ({why}).",
    zh="未运行：评分程序停止了这个题目（{why}）。",
)
WORKER_CRASHED = Text(
    en="The grader's test process for this topic crashed while running this test "
       "(exit status {status}).",
    zh="评分程序运行这个测试时，该题目的测试进程崩溃了（退出状态 {status}）。",
)
TOPIC_TIMED_OUT = Text(
    en="the whole topic ran past its {seconds} s limit",
    zh="整个题目运行超过了 {seconds} 秒的上限",
)
COLLECT_FAILED = Text(
    en="The hidden tests of this topic could not be loaded: a problem of the grader, not of your code. "
       "Tell your instructor. What pytest said:",
    zh="这个题目的隐藏测试无法加载：这是评分程序的问题，不是你的代码的问题。请告诉老师。pytest 的输出：",
)
HUNG_BEFORE = Text(
    en="{call}() was not run again: it already hung for {seconds} s in {test}, "
       "so the grader did not wait for it a second time. Fix that first.",
    zh="{call}() 没有再次运行：它在 {test} 中已经卡住了 {seconds} 秒，"
       "评分程序不再重复等待。请先修好那里。",
)
NEVER_LISTENED = Text(
    en="{call}() was not run again: in {test} it did not listen on its port within {seconds} s, "
       "so the grader did not wait for it a second time. Fix that first.",
    zh="{call}() 没有再次运行：它在 {test} 中 {seconds} 秒内都没有在端口上监听，"
       "评分程序不再重复等待。请先修好那里。",
)
GRADE_DEADLINE = Text(
    en="Not graded: the whole grade ran past its time limit before this topic ended; everything was stopped.",
    zh="未评分：整个评分在这个题目结束之前就超过了总时限，所有进程都已停止。",
)

# -- containment (grading.contain) ----------------------------------------------

MEMORY_EXCEEDED = Text(
    en="{call}() was stopped: memory limit exceeded. It used more than {limit} MiB of memory, "
       "the limit of one call (the whole process tree counts, children included; code at module "
       "level too, as it runs at import). Read files and sockets in chunks instead of all at "
       "once, and do not keep what you no longer need.",
    zh="{call}() 被停止：超出内存上限（memory limit exceeded）。它使用的内存超过了每次调用 "
       "{limit} MiB 的上限（整个进程树都计算在内，包括子进程；模块顶层的代码在导入时运行，也算在内）。"
       "请分块读取文件和套接字数据，不要一次全部读入，也不要保留不再需要的数据。",
)
MEMORY_EXCEEDED_AT_IMPORT = Text(
    en="Importing your module was stopped: memory limit exceeded. Code at module level used more "
       "than {limit} MiB of memory, the limit of one call, so none of its functions could run. "
       "Do not build large data at import: put demo code under `if __name__ == '__main__':`.",
    zh="导入你的模块时被停止：超出内存上限（memory limit exceeded）。模块顶层的代码使用的内存超过了"
       "每次调用 {limit} MiB 的上限，因此其中的函数都无法运行。不要在导入时构造大量数据："
       "请把演示代码放进 `if __name__ == '__main__':` 代码块。",
)
CONTAIN_FAILED = Text(
    en="The grader could not set up the sandbox for this call ({why}): a problem of the grader, "
       "not of your code. Tell your instructor.",
    zh="评分程序无法为这次调用建立沙箱（{why}）：这是评分程序的问题，不是你的代码的问题。请告诉老师。",
)
