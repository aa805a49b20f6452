"""Python errors the lesson's mistakes raise, each with the sentence that teaches it.

A failure's message may quote an exception the student's code raised (its
traceback, or the end of what a server printed to stderr). ``explain`` finds
the first known one and returns a line that names the real mistake, which the
report shows before anything else of the topic. The table is data: a pattern
(every regular expression must match the English text of the message) and a
bilingual sentence. Order matters: the more particular pattern first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .i18n import Text


@dataclass(frozen=True)
class Cause:
    name: str
    patterns: tuple[re.Pattern[str], ...]
    text: Text

    def matches(self, message: str) -> bool:
        return all(p.search(message) for p in self.patterns)


def _cause(name: str, *patterns: str, en: str, zh: str) -> Cause:
    return Cause(name, tuple(re.compile(p) for p in patterns), Text(en=en, zh=zh))


CAUSES: tuple[Cause, ...] = (
    _cause("accept_without_listen", r"accept\(", r"OSError: \[Errno 22\]|EINVAL",
           en="The socket was never put in listening mode: call listen() before accept().",
           zh="套接字没有进入监听状态：在 accept() 之前先调用 listen()。"),
    _cause("write_bytes_to_text_file", r"write\(\) argument must be str, not bytes",
           en="The file was opened in text mode, but recv() gives bytes: open it with 'wb'.",
           zh="文件是以文本模式打开的，而 recv() 得到的是 bytes：用 'wb' 模式打开文件。"),
    _cause("decode_body", r"UnicodeDecodeError",
           en="Bytes were decoded as text: a file's content is bytes (any bytes); "
              "decode only the JSON header, write the body as it arrives.",
           zh="把字节当成文本解码了：文件内容就是字节（可以是任意字节）；"
              "只有 JSON 报头需要解码，文件内容收到什么就写什么。"),
    _cause("str_to_socket", r"a bytes-like object is required, not 'str'",
           en="A socket sends and receives bytes, not str: encode the text first.",
           zh="套接字收发的是 bytes，不是 str：先把文本编码成字节。"),
    _cause("address_in_use", r"(?:Errno 98|Errno 48|WinError 10048)\] \w|EADDRINUSE",
           en="The address is already in use: bind() to the host and port you were given "
              "(not a fixed one), and set SO_REUSEADDR before bind().",
           zh="地址已被占用：bind() 要用传进来的 host 和 port（不要写死端口），"
              "并在 bind() 之前设置 SO_REUSEADDR。"),
    # The class name: a refused connect() of the student's code, not one of the test's own.
    _cause("connection_refused", r"ConnectionRefusedError",
           en="Nothing was listening at that address: connect to the host and port you were given.",
           zh="那个地址上没有服务在监听：连接传进来的 host 和 port。"),
    _cause("short_header", r"unpack requires a buffer of 4 bytes",
           en="recv(4) returned fewer than 4 bytes (the client closed, or the bytes came in pieces): "
              "stop on b'', and keep reading until you have all 4.",
           zh="recv(4) 返回的不足 4 个字节（客户端已关闭，或数据分几次到达）：遇到 b'' 就停止，"
              "否则继续读，直到凑满 4 个字节。"),
    _cause("local_target_under_spawn", r"Can't pickle local object|Can't get attribute|PicklingError"
                                       r"|Can't pickle <function <lambda>",
           en="Under spawn (Windows, macOS) the child gets its target by pickling: the target must be "
              "a function defined at the top level of the module, not inside another function or a lambda.",
           zh="在 spawn 启动方式下（Windows、macOS），子进程通过 pickle 拿到 target：target 必须是模块顶层"
              "定义的函数，不能是函数里面定义的函数或 lambda。"),
    _cause("bootstrapping", r"before the current process has finished its bootstrapping phase",
           en="A process was started while the module was being imported: under spawn every child "
              "imports the module again; start processes only inside functions or under "
              "if __name__ == '__main__':.",
           zh="模块被导入时就启动了进程：spawn 方式下每个子进程都会重新导入模块；"
              "只在函数里、或 if __name__ == '__main__': 之下启动进程。"),
    _cause("lesson_typo", r"No module named 'muliprocessing'",
           en="The module is multiprocessing (the lesson's code misspells it muliprocessing).",
           zh="模块名是 multiprocessing（课程代码里误写成了 muliprocessing）。"),
    _cause("lowercase_lock", r"cannot import name 'lock' from 'multiprocessing'",
           en="The class is Lock, with a capital L (the lesson's import writes lock).",
           zh="类名是 Lock，首字母大写（课程的 import 写成了 lock）。"),
    _cause("no_super_init", r"has no attribute '_(?:config|popen|identity|parent_pid|closed|start_method)'"
                            r"|Process\.__init__\(\) was not called",
           en="Process.__init__ never ran: call super().__init__() first in your __init__.",
           zh="Process.__init__ 没有执行：在你的 __init__ 里首先调用 super().__init__()。"),
    _cause("wrong_arity", r"\w\(\) takes \d+ positional arguments? but \d+ (?:were|was) given"
                          r"|\w\(\) missing \d+ required positional argument",
           en="A function or method of yours takes other arguments than the grader passes: "
              "compare its parameters with the signature in the task (the module's docstring).",
           zh="你的函数或方法的参数与评分程序传入的不一致：请对照题目（模块开头的说明）中的签名检查参数。"),
    _cause("daemon_called", r"'bool' object is not callable",
           en="daemon is an attribute, not a method: assign True to it, do not call it.",
           zh="daemon 是属性，不是方法：给它赋值 True，不要调用它。"),
    _cause("daemon_after_start", r"cannot set daemon status of active thread|"
                                 r"process has already started",
           en="daemon must be set before start(): once the process runs, it is too late.",
           zh="daemon 必须在 start() 之前设置：进程一旦运行就来不及了。"),
    _cause("join_before_start", r"can only join a started process",
           en="join() came before start(): start the process first, then wait for it.",
           zh="join() 在 start() 之前被调用：先启动进程，再等待它。"),
    _cause("start_returns_none", r"'NoneType' object has no attribute '(?:join|start|is_alive|pid|"
                                 r"terminate|exitcode|daemon|name)'",
           en="start() returns None: keep the Process object in a variable, and call start() on it "
              "as a statement of its own.",
           zh="start() 的返回值是 None：把 Process 对象存进变量，再单独一行对它调用 start()。"),
    _cause("none_value", r"'NoneType' object (?:has no attribute|is not subscriptable|is not iterable)",
           en="A value was None where your code expected something: a function without a return "
              "statement gives None.",
           zh="你的代码以为这里有值，实际却是 None：没有 return 语句的函数返回的就是 None。"),
    _cause("global_missing", r"UnboundLocalError: (?:cannot access )?local variable 'money'",
           en="Assigning to money inside a function makes a new local variable: "
              "declare global money first.",
           zh="在函数里给 money 赋值会新建一个局部变量：先写 global money 声明。"),
)


def explain(message: str) -> Cause | None:
    """The first known cause quoted in ``message`` (its English text), if any."""
    for cause in CAUSES:
        if cause.matches(message):
            return cause
    return None
