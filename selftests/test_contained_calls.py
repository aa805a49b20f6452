"""The launcher's containment of calls (the trusted tier): what a call of
student code sees and may do, checked through the sandbox as the hidden
tests use it, and how its end reads (memory limit, a failed containment)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from grading import contain, processes, zygote
from grading.errors import StudentCrashed
from grading.processes import REAPER
from grading.sandbox import CONTAINED, Sandbox, become_subreaper

from .conftest import ROOT

needs_contained = pytest.mark.skipif(not CONTAINED, reason="calls are not contained here (trusted tier)")

MODULE = '''
import os, sys

def look(folder, out):
    def ls(path):
        try:
            return sorted(os.listdir(path))
        except OSError as exc:
            return type(exc).__name__
    open(out, "w").write("written")
    return {"uid": os.getuid(), "groups": os.getgroups(), "checkout": ls(%(checkout)r),
            "tests": ls(%(tests)r), "env": sorted(os.environ), "tmp": ls("/tmp"),
            "handed": ls(folder), "cwd": os.getcwd(), "fds": ls("/proc/self/fd")}

def hog():
    block = b"x" * (1 << 30)
    return len(block)

def one():
    return 1

def left():
    import subprocess
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            start_new_session=True).pid

def spawned():
    import multiprocessing
    p = multiprocessing.get_context("spawn").Process(target=os.getuid)
    p.start()
    p.join(30)
    return p.exitcode
'''


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Sandbox]:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "m.py").write_text(textwrap.dedent(MODULE % {
        "checkout": str(ROOT), "tests": str(ROOT / "tests")}), encoding="utf-8")
    handed = tmp_path / "handed"
    handed.mkdir()
    (handed / "given.txt").write_text("from the test")
    become_subreaper()
    # A launcher of its own, closed after: no call helper outlives the test in this worker.
    launcher = zygote.WarmLauncher()
    sandbox = Sandbox(workspace, "m", writable=[handed], launcher=launcher)
    yield sandbox
    sandbox.close()
    launcher.close()
    REAPER.stop()


@needs_contained
def test_a_call_runs_as_its_own_uid_and_sees_only_what_it_is_given(box: Sandbox, tmp_path: Path) -> None:
    handed = tmp_path / "handed"
    seen: dict[str, Any] = box.call("look", str(handed), str(handed / "out.txt")).unwrap()
    assert seen["uid"] >= contain.UID_BASE and seen["groups"] == []
    assert seen["checkout"] == ["grading"]          # the engine only, read-only
    assert seen["tests"] == "FileNotFoundError"     # the hidden tests are not there
    assert set(seen["env"]) <= {*contain.ENV_ALLOWED, "HOME", "TMPDIR"}
    assert seen["handed"] == ["given.txt", "out.txt"]
    assert (handed / "out.txt").read_text() == "written"  # seen by the test
    assert (handed / "out.txt").stat().st_uid == seen["uid"]


@needs_contained
def test_calls_from_spares_that_began_their_containment_see_the_same(box: Sandbox, tmp_path: Path) -> None:
    """From the second call on, each call is taken by a spare that began its
    containment while the previous one ran (the call's own folders were not
    known then): each sees what the first did, in its own folder, and holds
    no descriptor but its own four."""
    handed = tmp_path / "handed"
    seen = []
    for n in range(4):
        with box.start("look", str(handed), str(handed / f"out{n}.txt")) as running:
            waited = getattr(running._proc, "waited", 0.0)
            result = running.finish(timeout=30)
        look: dict[str, Any] = result.unwrap()
        seen.append(look)
        assert n == 0 or waited > 0, f"call {n} was not taken by a spare"
        assert (handed / f"out{n}.txt").read_text() == "written"
        assert look["fds"] == ["0", "1", "2", "3", look["fds"][-1]]  # the listing's own last
    for look in seen[1:]:
        assert {k: v for k, v in look.items() if k not in ("handed", "cwd", "fds")} == \
            {k: v for k, v in seen[0].items() if k not in ("handed", "cwd", "fds")}
        assert look["cwd"] != seen[0]["cwd"]
    assert seen[-1]["handed"] == ["given.txt", *(f"out{n}.txt" for n in range(4))]


def _memory_group(pid: int) -> str:
    """The name of ``pid``'s cgroup of the memory controller (v1) or its v2 group."""
    lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    paths = {c: path for _, controllers, path in (line.split(":", 2) for line in lines)
             for c in (controllers.split(",") if controllers else [""])}
    return Path(paths.get("memory", paths.get("", ""))).name


@needs_contained
def test_every_warm_call_has_no_capability_and_an_empty_bounding_set(box: Sandbox) -> None:
    """Seen from outside while each call is held: the first (forked afresh)
    and those taken by spares, whose helper emptied its bounding set once."""
    if sys.platform != "linux":  # (needs_contained skips it there; this tells mypy)
        pytest.skip("Linux only")
    for n in range(3):
        with box.start("one", hold=True) as running:
            assert running.returned(30)
            status = dict(line.split(":", 1) for line in
                          Path(f"/proc/{running.pid}/status").read_text().splitlines())
            assert n == 0 or getattr(running._proc, "waited", 0.0) > 0, f"call {n} was not taken by a spare"
            for field in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
                assert int(status[field], 16) == 0, (n, field, status[field])
            assert running.finish(timeout=30).unwrap() == 1


@needs_contained
def test_a_spare_waits_in_the_group_kept_for_the_next_call_and_nowhere_else(box: Sandbox) -> None:
    """Each request names the group kept for the launcher's next call; the
    spare begun after it joins that group while it waits, and the next call,
    which it takes, runs there, in a group no other call has at the time."""
    if sys.platform != "linux":  # (needs_contained skips it there; this tells mypy)
        pytest.skip("Linux only")
    import psutil

    from grading.zygote import _GROUPS, containment

    kept = containment()
    assert kept is not None
    assert box.call("one").unwrap() == 1
    for _ in range(3):
        kept_next = kept._next[box.launcher]
        assert isinstance(box.launcher, zygote.WarmLauncher)
        helper = box.launcher._helper
        assert helper is not None and helper.pid is not None
        wait_until = time.monotonic() + 10
        while time.monotonic() < wait_until:
            spares = [p.pid for p in psutil.Process(helper.pid).children()
                      if os.getpgid(p.pid) == os.getpgid(helper.pid)]
            if spares and _memory_group(spares[0]) == kept_next.name:
                break
            time.sleep(0.01)
        assert spares and _memory_group(spares[0]) == kept_next.name, "the spare did not join the kept group"
        with box.start("one") as running:
            group = _GROUPS[running._proc].group
            assert running._proc.pid == spares[0] and group is not None and group.name == kept_next.name
            assert kept._next[box.launcher].name != group.name
            assert running.finish(timeout=30).unwrap() == 1


@needs_contained
def test_a_call_unlike_the_last_is_forked_afresh(box: Sandbox, tmp_path: Path) -> None:
    """Calls that alternate between two workspaces: the spare began for the
    other one refuses each, and the helper forks the call anew, contained
    for its own workspace."""
    other_ws = tmp_path / "ws2"
    other_ws.mkdir()
    (other_ws / "m.py").write_text("def one():\n    return 2\n", encoding="utf-8")
    other = Sandbox(other_ws, "m", launcher=box.launcher)
    try:
        for _ in range(2):
            assert box.call("one").unwrap() == 1
            with other.start("one") as running:
                waited = getattr(running._proc, "waited", 0.0)
                assert running.finish(timeout=30).unwrap() == 2
            assert waited == 0.0, "a spare begun for the other workspace took the call"
    finally:
        other.close()


@needs_contained
def test_a_call_whose_group_is_empty_after_it_is_not_looked_for_in_the_process_table(
        box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every process a contained call starts stays in its cgroup: an empty
    group after the call's end says that nothing was left, and the process
    table is not read (``zygote.tree_ended``). A process left behind, in a
    session of its own, is still found and killed."""
    assert box.call("one").unwrap() == 1  # (the helper and its spare started)

    def read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the process table was read")

    with monkeypatch.context() as patched:
        patched.setattr(processes, "call_tree", read)
        patched.setattr(processes, "kill_group", read)
        for _ in range(3):
            assert box.call("one").unwrap() == 1
    result = box.call("left")
    orphan = result.unwrap()
    assert orphan in {p.pid for p in result.leftovers}, result.leftovers
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == "zombie"


def _mount_namespaces_held() -> list[str]:
    """The mount namespaces this process holds a descriptor of."""
    held = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("mnt:["):
            held.append(target)
    return held


@needs_contained
def test_a_warm_calls_mount_namespace_is_held_here_while_it_runs_and_let_go_after(box: Sandbox) -> None:
    """The spare hands its mount namespace on with its pid: the call's exit
    is not the namespace's last reference (whose teardown waits for an RCU
    grace period), and the test process lets it go once the call has ended."""
    assert box.call("one").unwrap() == 1  # (a spare that began a containment takes the next call)
    before = _mount_namespaces_held()
    with box.start("one", hold=True) as running:
        assert running.returned(10)
        during = _mount_namespaces_held()
        ours = os.readlink(f"/proc/{running.pid}/ns/mnt")
    assert ours in during and ours not in before, (ours, before, during)
    for _ in range(5):
        assert box.call("one").unwrap() == 1
    deadline = time.monotonic() + 10
    while len(_mount_namespaces_held()) > len(before) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _mount_namespaces_held() == before, "a call's mount namespace was kept after its end"


@needs_contained
def test_a_call_over_the_memory_cap_says_memory_limit_exceeded(box: Sandbox) -> None:
    result = box.call("hog")
    assert result.memory_limit == zygote.CALL_MEMORY >> 20
    with pytest.raises(StudentCrashed, match="memory limit exceeded"):
        result.unwrap()


@needs_contained
def test_the_next_call_reuses_the_empty_group_without_its_memory_kill(box: Sandbox) -> None:
    """A call's cgroup, empty after the call, serves the topic's next call
    (making and removing one per call cost more than joining it): a memory
    kill counts for the call it happened in only."""
    assert box.call("hog").memory_limit == zygote.CALL_MEMORY >> 20
    containment = zygote.containment()
    assert containment is not None
    made = containment._count
    for _ in range(3):
        result = box.call("one")
        assert (result.unwrap(), result.memory_limit) == (1, None)
    assert containment._count == made, "a new group was made for each call"


@needs_contained
def test_spawn_children_run_contained_too(box: Sandbox) -> None:
    assert box.call("spawned", timeout=30).unwrap() == 0


@needs_contained
def test_spawn_children_start_where_the_grader_runs_from_a_virtual_environment(tmp_path: Path) -> None:
    """A spawn child executes ``sys.executable`` as it is spelled: in a
    virtual environment (here under /tmp, which every call sees as a tmpfs
    of its own) a link to the interpreter, outside its prefixes."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(tmp_path / "venv")], check=True)
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "mod.py").write_text(MODULE % {"checkout": str(ROOT), "tests": str(ROOT / "tests")},
                                            encoding="utf-8")
    # The packages this interpreter has (it may run from a venv itself: a
    # venv made from one sees the base interpreter's, not that venv's).
    packages = [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    code = textwrap.dedent(f"""
        import sys
        sys.path[:0] = [{str(ROOT)!r}, *{packages!r}]
        from pathlib import Path
        from grading.sandbox import Sandbox, become_subreaper
        become_subreaper()
        box = Sandbox(Path({str(tmp_path / "ws")!r}), "mod")
        try:
            print(box.call("spawned", timeout=30).unwrap())
        finally:
            box.close()
    """)
    done = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c", code],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0"], done.stderr[-2000:]


def test_the_interpreters_folders_include_its_virtual_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if sys.platform == "win32":
        pytest.skip("no call is contained on Windows (and a symlink there needs a privilege)")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {os.path.dirname(sys.executable)}\n", encoding="utf-8")
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    monkeypatch.setattr(sys, "executable", str(venv / "bin" / "python"))
    found = contain.interpreter_paths.__wrapped__()
    assert str(venv.resolve()) in found
    assert os.path.dirname(os.path.realpath(sys.executable)) in found or any(
        os.path.realpath(sys.executable).startswith(p + "/") for p in found)
    # An environment that is a hidden folder itself (made in the checkout):
    # only its interpreter's folder shows.
    whole, folder = str(venv.resolve()), str((venv / "bin").resolve())
    assert contain.interpreter_paths.__wrapped__((str(venv),)) == tuple(sorted(
        set(contain.interpreter_paths.__wrapped__()) - {whole} | {folder}))
    (venv / "pyvenv.cfg").unlink()  # not an environment: the folder of the link alone
    assert str((venv / "bin").resolve()) in contain.interpreter_paths.__wrapped__()


@needs_contained
def test_a_failed_containment_is_the_graders_error(box: Sandbox, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    real = zygote.Containment.prepare

    def broken(self: zygote.Containment, spec: zygote.Launch,
               ahead: object = None) -> tuple[dict[str, Any], contain.Cgroup]:
        request, group = real(self, spec, ahead)
        request["contain"]["cgroup"]["folders"] = {"memory": str(tmp_path / "no-such-group")}
        return request, group

    monkeypatch.setattr(zygote.Containment, "prepare", broken)
    result = box.call("look", str(tmp_path), str(tmp_path / "never.txt"))
    assert result.contain_failed and result.exit_code == contain.CONTAIN_FAILED
    assert not (tmp_path / "never.txt").exists()
    with pytest.raises(StudentCrashed, match="could not set up the sandbox") as raised:
        result.unwrap()
    assert "not of your code" in str(raised.value)


@needs_contained
def test_the_topic_child_is_pid_1_with_loopback_and_ends_as_it_did() -> None:
    """contain.enter_topic, as the warm topic runner's forked child uses it."""
    code = textwrap.dedent(f"""
        import json, os, socket, sys
        sys.path.insert(0, {str(ROOT)!r})
        from grading import contain
        contain.enter_topic()
        server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
        socket.create_connection(server.getsockname()).close()
        print(json.dumps([os.getpid(), sorted(p for p in os.listdir("/proc") if p.isdigit())]), flush=True)
        sys.exit(4)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 4, out.stderr
    assert json.loads(out.stdout) == [1, ["1"]]


@needs_contained
@pytest.mark.parametrize("room", ["enough", "too little"])
def test_the_topic_scratch_is_in_memory_where_there_is_room(tmp_path: Path, room: str) -> None:
    """contain.enter_topic(scratch=…): a tmpfs of the topic's own over its
    scratch folder, with the folder's mode, unseen outside; on disk as before
    where the machine's free memory is short."""
    scratch = tmp_path / "t"
    scratch.mkdir(mode=0o750)
    code = textwrap.dedent(f"""
        import json, os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from grading import contain
        if {room!r} == "too little":
            contain.SCRATCH_SIZE = 1 << 60
        contain.enter_topic(scratch={str(scratch)!r})
        with open({str(scratch / "inside")!r}, "w") as out:
            out.write("x")
        kinds = [line.split(" - ")[1].split()[0] for line in open("/proc/self/mountinfo")
                 if line.split()[4] == {str(scratch)!r}]
        print(json.dumps([kinds, oct(os.stat({str(scratch)!r}).st_mode & 0o777)]), flush=True)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    kinds, mode = json.loads(out.stdout)
    assert mode == "0o750"
    if room == "enough":
        assert kinds == ["tmpfs"]
        assert not (scratch / "inside").exists(), "the topic's files are its own"
    else:
        assert kinds == []
        assert (scratch / "inside").read_text() == "x"


def test_the_switch_turns_containment_off() -> None:
    env = {**os.environ, zygote.CONTAIN_ENV: "off"}
    out = subprocess.run([sys.executable, "-c", "from grading import sandbox; print(sandbox.CONTAINED)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


@needs_contained
def test_the_report_lists_what_the_trusted_tier_enforced() -> None:
    listed = zygote.enforced()
    assert listed[:len(contain.probe().enforced)] == contain.probe().enforced
    assert any("512 MiB" in item for item in listed)



#: A topic's test process in miniature, under a factory of the grade's
#: (zygote.CallFactory): pid 1 of its own namespaces, one call. ``mode``:
#: "served" (the factory answers), "closed" (its socket is closed: the topic
#: cannot even ask) or "silent" (nobody reads the requests).
FACTORY_TOPIC = """
import json, os, socket, sys
sys.path.insert(0, {root!r})
from grading import contain, processes, zygote
from grading.sandbox import Sandbox
zygote.REPLY_TIMEOUT = 2.0
mode = {mode!r}
if mode == "served":
    factory = zygote.CallFactory()
    fd = factory.socket()
else:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    if mode == "closed":
        theirs.close()
    fd = ours.fileno()
os.environ[zygote.FACTORY_ENV] = str(fd)
if os.fork() == 0:
    contain.enter_topic()  # returns in pid 1 of the topic's namespaces
    processes.become_subreaper()
    launcher = zygote.WarmLauncher()
    box = Sandbox({workspace!r}, "m", launcher=launcher)
    value = box.call("one").unwrap()
    helper = launcher._helper
    with open(f"/proc/{{helper.pid}}/stat") as stat:
        ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{{helper.pid}}/cmdline") as cmdline:
        command = cmdline.read().split("\\0")
    seen = {{"value": value, "adopted": isinstance(helper, zygote.AdoptedHelper), "ppid": ppid,
            "factory": "--factory" in command, "net": os.readlink(f"/proc/{{helper.pid}}/ns/net")
            == os.readlink("/proc/self/ns/net")}}
    box.close()
    launcher.close()
    zygote.close_containment()  # the kept call group: this fork ends with os._exit
    print(json.dumps(seen), flush=True)
    os._exit(0)
code = os.waitstatus_to_exitcode(os.wait()[1])
if mode == "served":
    factory.close()
sys.exit(code)
"""


def _factory_topic(tmp_path: Path, mode: str) -> dict[str, Any]:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "m.py").write_text(textwrap.dedent(MODULE % {
        "checkout": str(ROOT), "tests": str(ROOT / "tests")}), encoding="utf-8")
    code = FACTORY_TOPIC.format(root=str(ROOT), mode=mode, workspace=str(workspace))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    seen: dict[str, Any] = json.loads(out.stdout)
    return seen


@needs_contained
def test_a_topic_gets_its_call_helper_from_the_factory_as_its_own_child(tmp_path: Path) -> None:
    seen = _factory_topic(tmp_path, "served")
    assert seen == {"value": 1, "adopted": True, "ppid": 1, "factory": True, "net": True}


@needs_contained
@pytest.mark.parametrize("mode", ["closed", "silent"])
def test_a_topic_starts_its_own_call_helper_when_the_factory_fails(tmp_path: Path, mode: str) -> None:
    seen = _factory_topic(tmp_path, mode)
    assert seen == {"value": 1, "adopted": False, "ppid": 1, "factory": False, "net": True}
