"""The sandbox on its own: values, errors, time-outs, and nothing left behind."""

from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from grading import processes, zygote
from grading.call import Answer, Output
from grading.errors import NotWritten, StudentCrashed, StudentTimedOut
from grading.host import HOST
from grading.processes import REAPER
from grading.sandbox import Connect, Opaque, ProcessSnapshot, Sandbox, become_subreaper
from grading.zygote import ColdLauncher, Launcher, WarmLauncher

from .conftest import ROOT

MODULE = '''
import multiprocessing, os, socket, sys, time

def echo(*args, **kwargs):
    return args, kwargs

def weird():
    return object()

def boom():
    return 1 / 0

def todo():
    raise NotImplementedError

def hang():
    while True:
        time.sleep(0.05)

def chatty(n):
    sys.stdout.write("x" * n)
    return n

def reopen(path):
    os.closerange(3, 1024)  # the harness's descriptors too
    keep = open(path, "w")  # takes the lowest free number
    keep.write("mine")
    keep.flush()
    return 1

def ask():
    return input("name? ")

def child(seconds):
    time.sleep(seconds)

def start(seconds):
    p = multiprocessing.Process(target=child, args=(seconds,))
    p.start()
    return p

def escape(pid_file):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            with open(pid_file, "w") as f:
                f.write(str(os.getpid()))
            time.sleep(60)
        os._exit(0)
    time.sleep(0.3)

def exit_now():
    os._exit(7)

OPEN = []

def leave_open(path):
    log = open(path, "w", encoding="utf-8")
    log.write("written, never closed")
    OPEN.append(log)  # still open when the call ends
    sys.stdout.write("no newline")
    return "left open"

def session_orphan(pid_file):
    if os.fork() == 0:
        os.setsid()
        with open(pid_file + ".part", "w") as f:
            f.write(str(os.getpid()))
        os.replace(pid_file + ".part", pid_file)
        time.sleep(30)
        os._exit(0)
    while not os.path.exists(pid_file):
        time.sleep(0.01)

def peer(sock):
    return sock.getpeername()[1]

money = 100
'''


#: Both launchers: a fork of the warm helper, and a fresh interpreter per call.
LAUNCHERS: dict[str, Launcher] = {"warm": WarmLauncher(), "cold": ColdLauncher()}


@pytest.fixture(params=sorted(LAUNCHERS))
def box(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    become_subreaper()
    # tmp_path is handed to the code too (pid files): writable for a contained call.
    sandbox = Sandbox(tmp_path, "mod", launcher=LAUNCHERS[request.param], writable=[tmp_path])
    yield sandbox
    sandbox.close()
    # This worker goes on to other self-tests: their subprocess children must
    # keep their exit statuses, so nothing reaps behind their backs.
    REAPER.stop()


def test_values_cross_both_ways(box: Sandbox) -> None:
    # The student's keyword arguments go in kwargs=, even one named like a harness option.
    result = box.call("echo", 1, "二", (2.5, None), [b"\x00\xff"], {"k": True},
                      kwargs={"key": (1,), "timeout": 3})
    assert result.unwrap() == ((1, "二", (2.5, None), [b"\x00\xff"], {"k": True}),
                               {"key": (1,), "timeout": 3})
    assert result.exit_code == 0 and result.pid != os.getpid()


def test_other_objects_arrive_as_opaque(box: Sandbox) -> None:
    value = box.call("weird").unwrap()
    assert isinstance(value, Opaque) and value.type_name == "object"


def test_exception_keeps_student_frames_only(box: Sandbox) -> None:
    result = box.call("boom")
    assert result.raised("ZeroDivisionError") and result.error is not None
    assert 'File "mod.py"' in result.error.traceback
    assert "_child.py" not in result.error.traceback
    with pytest.raises(StudentCrashed):
        result.unwrap()


#: In a fresh interpreter: the helper's side (``compile_ahead``) and a call's
#: (``_import``) of one module, edited in between without a change of size or
#: modification time; prints the loader and the value of each import.
EDITED = """
import os, sys
sys.path.insert(0, sys.argv[1])
import _child
folder = sys.argv[2]
source = os.path.join(folder, "edited.py")
sys.path.insert(0, folder)
with open(source, "w") as out:
    out.write("def value():\\n    return 1\\n")
_child.compile_ahead({"workspace": folder, "module": "edited"})
module = _child._import("edited", folder)
print(type(module.__loader__).__name__, module.value())
before = os.stat(source)
with open(source, "w") as out:
    out.write("def value():\\n    return 2\\n")
os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
del sys.modules["edited"]
module = _child._import("edited", folder)
print(type(module.__loader__).__name__, module.value())
"""


def test_code_compiled_ahead_serves_only_the_bytes_it_was_compiled_from(tmp_path: Path) -> None:
    """The warm helper compiles a module ahead for the next calls, which use
    that code only for the bytes they read themselves: an edit keeping the
    size and the modification time runs as edited."""
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", EDITED, str(ROOT / "grading"),
                           str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.stdout.split("\n")[:2] == ["_Ahead 1", "_Ahead 2"], done.stderr


@pytest.mark.timeout(30)
def test_the_helper_compiles_ahead_only_a_regular_file_of_the_workspace(tmp_path: Path) -> None:
    """Not a symlink (the helper, uncontained, could read what the call may
    not, and the call can read what its helper holds), nor a FIFO (which
    would keep the helper waiting)."""
    if sys.platform == "win32":
        pytest.skip("no warm helper there")
    from grading import _child

    secret = tmp_path / "secret.py"
    secret.write_text("KEY = 42\n", encoding="utf-8")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "linked.py").symlink_to(secret)
    os.mkfifo(workspace / "piped.py")
    (workspace / "plain.py").write_text("X = 1\n", encoding="utf-8")
    before = dict(_child.COMPILED)
    try:
        for name in ("linked", "piped", "plain"):
            _child.compile_ahead({"workspace": str(workspace), "module": name})
        added = {os.path.basename(p) for p in _child.COMPILED if p not in before}
    finally:
        _child.COMPILED.clear()
        _child.COMPILED.update(before)
    assert added == {"plain.py"}


def test_the_warm_helper_compiles_a_module_for_the_calls_after_the_first(tmp_path: Path) -> None:
    (tmp_path / "named.py").write_text("def loader():\n    return type(__loader__).__name__\n",
                                       encoding="utf-8")
    become_subreaper()
    sandbox = Sandbox(tmp_path, "named", launcher=LAUNCHERS["warm"])
    try:
        loaders = [sandbox.call("loader").unwrap() for _ in range(4)]
    finally:
        sandbox.close()
        REAPER.stop()
    assert loaders == ["SourceFileLoader", "_Ahead", "_Ahead", "_Ahead"]


@pytest.mark.parametrize("layout, error", [("package", "ModuleNotFoundError"), ("syntax", "SyntaxError")])
def test_a_module_the_import_system_does_not_take_fails_alike_in_every_call(
        box: Sandbox, tmp_path: Path, layout: str, error: str) -> None:
    """A package of the same name goes before ``name.py`` (the import system's
    order), and a source that does not compile fails in the call: not only
    in the first one, before the helper has seen the module."""
    if layout == "package":
        (tmp_path / "other.py").write_text("def value():\n    return 1\n", encoding="utf-8")
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "__init__.py").write_text("", encoding="utf-8")
    else:
        (tmp_path / "other.py").write_text("def value(:\n    return 1\n", encoding="utf-8")
    for _ in range(3):
        result = box.call("value", module="other")
        assert result.raised(error), result


def test_not_implemented_is_a_failure_not_a_crash(box: Sandbox) -> None:
    with pytest.raises(NotWritten, match="not written yet"):
        box.call("todo").unwrap()


def test_missing_function_is_not_written_yet(box: Sandbox) -> None:
    with pytest.raises(NotWritten, match="no nothing_here"):
        box.call("nothing_here").unwrap()


def test_time_out_kills_the_call(box: Sandbox) -> None:
    started = time.monotonic()
    result = box.call("hang", timeout=0.5)
    assert result.timed_out and time.monotonic() - started < 3
    assert not psutil.pid_exists(result.pid) or psutil.Process(result.pid).status() == "zombie"
    with pytest.raises(StudentTimedOut):
        result.unwrap()


def test_output_is_capped_with_a_marker(box: Sandbox) -> None:
    result = box.call("chatty", 200_000)
    assert result.unwrap() == 200_000
    assert len(result.stdout) < 70_000 and "output cut" in result.stdout


@pytest.mark.parametrize("in_memory", [True, False], ids=["memory file", "file"])
def test_an_output_keeps_what_was_written_and_cuts_the_rest(tmp_path: Path, in_memory: bool) -> None:
    """call.Output, as a call's stdout: written by another process, cut at
    the cap; a memory file (Linux) leaves nothing in the folder."""
    if in_memory and sys.platform != "linux":
        pytest.skip("memory files are Linux's")
    out = Output(tmp_path, "stdout", in_memory=in_memory)
    writer = subprocess.run([sys.executable, "-c", "import sys; sys.stdout.write('x' * 5000 + 'end')"],
                            stdout=out.fileno(), timeout=60)
    out.launched()
    assert writer.returncode == 0
    assert [p.name for p in tmp_path.iterdir()] == ([] if in_memory else ["stdout"])
    text = out.read(cap=4000)
    assert text.startswith("x" * 4000) and "end" not in text
    assert "output cut" in text and "5003" in text
    if in_memory:
        assert out.read() == ""  # read once: its descriptor was all there was, and it is closed


@pytest.mark.parametrize("in_memory", [True, False], ids=["memory file", "file"])
def test_an_answer_is_there_only_when_whole(tmp_path: Path, in_memory: bool) -> None:
    """call.Answer and _child.write_answer: written by another process; a
    memory file's answer counts once its closing newline is there."""
    if in_memory and sys.platform != "linux":
        pytest.skip("memory files are Linux's")
    answer = Answer(tmp_path, in_memory=in_memory)
    assert not answer.ready() and answer.read() == {}
    if in_memory:
        os.write(answer.fileno(), b'{"returned": tr')  # half of it: not there yet
        assert not answer.ready() and answer.read() == {}
    request = {"answer": str(answer.path)} if answer.fileno() < 0 else {"answer_fd": answer.fileno()}
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from grading import _child; "
            "_child.write_answer(json.loads(sys.argv[2]), {'returned': True, 'value': 3})")
    written = subprocess.run([sys.executable, "-c", code, str(ROOT), json.dumps(request)],
                             pass_fds=[answer.fileno()] if in_memory else [], timeout=60)
    assert written.returncode == 0
    assert answer.ready() and answer.read() == {"returned": True, "value": 3}
    assert [p.name for p in tmp_path.iterdir()] == ([] if in_memory else ["answer.json"])
    answer.close()
    assert answer.ready() and answer.read() == {"returned": True, "value": 3}  # still, once closed


def test_a_file_opened_on_the_answers_old_number_is_never_written_to(box: Sandbox, tmp_path: Path) -> None:
    """The student's code closes every descriptor and opens a file: it may
    get the number the answer had; the answer is then not written (the call
    gave none), and the student's file is left as it wrote it."""
    result = box.call("reopen", str(tmp_path / "mine.txt"))
    assert (tmp_path / "mine.txt").read_text() == "mine"
    assert not result.returned


def test_a_call_makes_no_files_of_its_own_but_its_folder_on_linux(box: Sandbox) -> None:
    result = box.call("chatty", 10)
    assert result.unwrap() == 10 and result.stdout
    made = {p.name for p in result.cwd.parent.iterdir()} - {"request.json"}  # (the cold path's)
    if HOST.memory_files:
        assert made == {result.cwd.name}, made
    else:
        assert made >= {"stdout", "stderr", "answer.json"}, made


def test_stdin_feeds_input(box: Sandbox) -> None:
    assert box.call("ask", stdin="egon\n").unwrap() == "egon"


def test_files_left_open_are_flushed_at_the_end(box: Sandbox, tmp_path: Path) -> None:
    # As at a normal interpreter exit: buffered writes reach the file and stdout.
    log = tmp_path / "log.txt"
    result = box.call("leave_open", str(log))
    assert result.unwrap() == "left open"
    assert log.read_text(encoding="utf-8") == "written, never closed"
    assert result.stdout == "no newline"


def test_returned_process_is_a_snapshot(box: Sandbox) -> None:
    value = box.call("start", 0.2).unwrap()
    assert isinstance(value, ProcessSnapshot) and value.alive and value.pid


def test_os_exit_means_no_answer(box: Sandbox) -> None:
    result = box.call("exit_now")
    assert not result.returned and result.exit_code == 7
    with pytest.raises(StudentCrashed, match="never returned"):
        result.unwrap()


def test_escaped_double_fork_is_recorded_and_killed(box: Sandbox, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    result = box.call("escape", str(pid_file))
    assert result.returned and pid_file.exists()
    pid = int(pid_file.read_text())
    assert pid in {p.pid for p in result.leftovers}
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"


def test_keep_children_leaves_them_until_close(box: Sandbox, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    result = box.call("escape", str(pid_file), keep_children=True)
    pid = int(pid_file.read_text())
    assert pid in {p.pid for p in result.leftovers}
    assert psutil.Process(pid).status() != "zombie"
    box.close()
    assert not psutil.pid_exists(pid)


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_start_methods(tmp_path: Path, method: str, launcher: str) -> None:
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    sandbox = Sandbox(tmp_path, "mod", start_method=method, launcher=LAUNCHERS[launcher])
    try:
        value = sandbox.call("start", 0.1).unwrap()
        assert value.exitcode is None and value.alive
    finally:
        sandbox.close()


def test_held_call_waits_for_finish(box: Sandbox) -> None:
    running = box.start("start", 5, hold=True)
    assert running.returned(10)
    assert running.alive() and running.process.children()
    result = running.stop()
    assert result.returned and not running.alive()


def test_get_reads_an_attribute(box: Sandbox) -> None:
    assert box.get("money").unwrap() == 100


def test_connect_argument_is_a_socket(box: Sandbox) -> None:
    import socket
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = box.call("peer", Connect("127.0.0.1", port))
        assert result.unwrap() == port


def test_a_function_that_hung_is_not_waited_for_again(box: Sandbox) -> None:
    box.test = "test_first"
    first = box.call("hang", timeout=0.5)
    assert first.timed_out
    started = time.monotonic()
    with pytest.raises(StudentTimedOut, match="test_first"):
        box.call("hang", timeout=30)
    assert time.monotonic() - started < 1
    # Another function, or the same one under a key of its own, still runs.
    assert box.call("echo", 1).unwrap() == ((1,), {})
    assert box.call("hang", timeout=0.3, hang_key="other input").timed_out


def test_a_server_stopped_on_purpose_is_not_a_hang(box: Sandbox) -> None:
    running = box.start("hang")
    running.stop()
    assert box.call("hang", timeout=0.3).timed_out  # waited for: no earlier hang recorded


#: A process that is no subreaper (as on macOS) keeps a call whose orphan it
#: cannot adopt; what it prints is the orphan's pid once the sandbox closed.
NO_SUBREAPER = '''
import sys
from pathlib import Path
from grading.sandbox import Sandbox
from grading.zygote import ColdLauncher, WarmLauncher

folder = Path(sys.argv[1])
launcher = WarmLauncher() if sys.argv[2] == "warm" else ColdLauncher()
box = Sandbox(folder, "mod", launcher=launcher, writable=[folder])
box.call("orphan", str(folder / "orphan.pid"), keep_children=True)
box.close()
print((folder / "orphan.pid").read_text())
'''


@pytest.mark.parametrize("launcher", sorted(LAUNCHERS))
def test_an_orphan_no_subreaper_adopts_is_ended_with_its_group(launcher: str, tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(textwrap.dedent('''
        import os, time
        def orphan(pid_file):
            if os.fork() == 0:
                with open(pid_file, "w") as f:
                    f.write(str(os.getpid()))
                time.sleep(30)
                os._exit(0)
            while not os.path.exists(pid_file):
                time.sleep(0.01)
            os._exit(0)
        '''), encoding="utf-8")
    # Uncontained: a call's cgroup would end the orphan too, and this is about the group.
    done = subprocess.run([sys.executable, "-c", NO_SUBREAPER, str(tmp_path), launcher],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "GRADING_CONTAIN": "off"})
    assert done.returncode == 0, done.stderr
    pid = int(done.stdout.strip())
    try:
        status: str = psutil.Process(pid).status()
    except psutil.NoSuchProcess:
        status = "gone"
    assert status in ("gone", psutil.STATUS_ZOMBIE)  # a zombie of the machine's init is dead


def _spares(helper: int) -> list[int]:
    """The warm helper's children that wait for a request (still in its process group)."""
    if sys.platform == "win32":
        return []  # no warm helper there
    return [p.pid for p in psutil.Process(helper).children() if os.getpgid(p.pid) == os.getpgid(helper)]


@pytest.mark.skipif(sys.platform == "win32", reason="no fork: no warm helper")
def test_the_warm_helpers_spare_is_harness_and_a_killed_one_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    become_subreaper()
    launcher = WarmLauncher()
    box = Sandbox(tmp_path, "mod", launcher=launcher, writable=[tmp_path])
    try:
        assert box.call("echo", 1).unwrap() == ((1,), {})
        helper = launcher._helper
        assert helper is not None and helper.pid is not None
        wait_until = time.monotonic() + 10
        while not _spares(helper.pid) and time.monotonic() < wait_until:
            time.sleep(0.01)
        [spare] = _spares(helper.pid)
        assert spare in processes.harness_pids()
        # A sandbox made before it, closing, leaves it alone (it is no call of its own).
        other = Sandbox(tmp_path, "mod", launcher=launcher, writable=[tmp_path])
        other.baseline.clear()
        other.close()
        assert psutil.Process(spare).status() != psutil.STATUS_ZOMBIE
        # Killed from outside, it is replaced, and calls go on.
        os.kill(spare, 9)
        assert box.call("echo", 2).unwrap() == ((2,), {})
        assert box.call("echo", 3).unwrap() == ((3,), {})
        wait_until = time.monotonic() + 10
        while not _spares(helper.pid) and time.monotonic() < wait_until:
            time.sleep(0.01)
        assert _spares(helper.pid) and spare not in _spares(helper.pid)
        # An exit reported long ago under the number the next call gets (pids
        # are reused) is not that call's: it still runs to its end.
        [spare] = _spares(helper.pid)
        with launcher.changed:
            launcher._exits[spare] = 3
        result = box.call("child", 0.3)
        assert result.pid == spare and result.exit_code == 0 and result.returned, result
        # Stopped from outside, it cannot take the request: killed, and the call forked anew.
        wait_until = time.monotonic() + 10
        while not _spares(helper.pid) and time.monotonic() < wait_until:
            time.sleep(0.01)
        [spare] = _spares(helper.pid)
        os.kill(spare, 19)  # SIGSTOP
        result = box.call("echo", 4)
        assert result.unwrap() == ((4,), {}) and result.pid != spare
        assert not psutil.pid_exists(spare) or psutil.Process(spare).status() == psutil.STATUS_ZOMBIE
    finally:
        box.close()
        launcher.close()
        REAPER.stop()


@pytest.mark.skipif(sys.platform != "linux", reason="orphans are adopted by the test process on Linux only")
def test_a_call_from_a_spare_does_not_claim_an_orphan_born_before_it_began(tmp_path: Path) -> None:
    """call_tree counts an orphan with a session of its own as the call's when
    it was born after the call began: for a spare, when it got the request."""
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    become_subreaper()
    launcher = WarmLauncher()
    box = Sandbox(tmp_path, "mod", launcher=launcher, writable=[tmp_path])
    try:
        pid_file = tmp_path / "orphan.pid"
        first = box.call("session_orphan", str(pid_file), keep_children=True)
        assert first.returned, first
        orphan = int(pid_file.read_text())
        time.sleep(0.3)  # more than call_tree's slack, and many clock ticks
        second = box.call("echo", 1)
        assert second.returned and orphan not in {p.pid for p in second.leftovers}, second.leftovers
    finally:
        box.close()
        launcher.close()
        REAPER.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="no fork: no warm helper")
def test_a_pause_ends_when_the_warm_call_ends(tmp_path: Path) -> None:
    """Running.returned waits between its looks with zygote.ended_within: a
    warm call's end (the helper's report) cuts the wait short."""
    (tmp_path / "mod.py").write_text(textwrap.dedent(MODULE), encoding="utf-8")
    become_subreaper()
    launcher = WarmLauncher()
    box = Sandbox(tmp_path, "mod", launcher=launcher, writable=[tmp_path])
    try:
        running = box.start("child", 0.2)
        started = time.monotonic()
        assert zygote.ended_within(running._proc, 30)
        assert time.monotonic() - started < 15 and not running.alive()
        running.finish()
    finally:
        box.close()
        launcher.close()
        REAPER.stop()


def test_the_child_environment_follows_the_graders_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """child_environment is made again only when os.environ changed: a
    variable set, changed or removed in the grader is seen at the next call,
    and what a caller does to the dict it got changes nothing."""
    monkeypatch.delenv("KATA_ENV_PROBE", raising=False)
    assert "KATA_ENV_PROBE" not in zygote.child_environment()
    monkeypatch.setenv("KATA_ENV_PROBE", "1")
    assert zygote.child_environment()["KATA_ENV_PROBE"] == "1"
    monkeypatch.setenv("KATA_ENV_PROBE", "2")
    got = zygote.child_environment()
    assert got["KATA_ENV_PROBE"] == "2"
    got["KATA_ENV_PROBE"] = "changed by a caller"
    assert zygote.child_environment()["KATA_ENV_PROBE"] == "2"
    monkeypatch.delenv("KATA_ENV_PROBE")
    assert "KATA_ENV_PROBE" not in zygote.child_environment()
    monkeypatch.setenv("NOT_ALLOWED_PROBE", "x")
    assert "NOT_ALLOWED_PROBE" not in zygote.child_environment()


def test_a_process_gone_before_it_was_looked_at_answers_every_look_as_gone() -> None:
    """``Running.process`` for a call that ended before the harness found it
    in the process table: every question a test asks it (psutil's) raises
    ``psutil.NoSuchProcess``, which tests catch as ``psutil.Error``, and
    never looks the pid up (it may be another process's by now)."""
    gone = processes.Gone(os.getpid())  # a live pid: nothing may be read from it
    assert gone.pid == os.getpid()
    assert gone.children(recursive=True) == [] and not gone.is_running()
    for look in ("status", "cpu_times", "memory_info", "name", "cmdline", "ppid", "create_time",
                 "net_connections", "open_files", "num_threads", "wait"):
        with pytest.raises(psutil.NoSuchProcess):
            getattr(gone, look)()
    assert str(os.getpid()) in repr(gone)
    assert gone == processes.Gone(os.getpid()) and len({gone, processes.Gone(os.getpid())}) == 1
    assert gone != psutil.Process(os.getpid())
    # As any object: a name it lacks is an AttributeError, and it copies and pickles.
    assert not hasattr(gone, "no_such_name") and getattr(gone, "no_such_name", None) is None
    assert copy.copy(gone) == gone == pickle.loads(pickle.dumps(gone))
