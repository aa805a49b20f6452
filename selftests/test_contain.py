"""grading.contain: each test forks a child, contains it with ``enter``, runs
a tiny payload in it and checks the result from outside (``/proc/<pid>``,
the cgroup's files, the file system as the parent sees it).

The trusted-tier tests need Linux and root; the user-tier tests need root
too (to become an unprivileged user first, as a student's laptop would be).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grading import contain
from grading.processes import REAPER

from .conftest import ROOT

LINUX_ROOT = sys.platform.startswith("linux") and os.geteuid() == 0
needs_root = pytest.mark.skipif(not LINUX_ROOT, reason="needs Linux and root")
TRUSTED = LINUX_ROOT and contain.probe().name == "trusted"
needs_trusted = pytest.mark.skipif(not TRUSTED, reason="the trusted tier is not available here")

#: The uid the tests drop to (one slot above the grader's first topic's).
UID = contain.UID_BASE + 99


@pytest.fixture
def area(tmp_path: Path) -> dict[str, Path]:
    """A workspace, a call folder and a secret, all in a scratch tree the
    call must not see except for the first two."""
    scratch = tmp_path / "scratch"
    (scratch / "ws").mkdir(parents=True)
    (scratch / "ws" / "m.py").write_text("X = 1\n")
    (scratch / "call").mkdir()
    (scratch / "secret.txt").write_text("the answer key\n")
    return {"scratch": scratch, "ws": scratch / "ws", "cwd": scratch / "call",
            "secret": scratch / "secret.txt"}


def trusted_policy(area: dict[str, Path], **changes: Any) -> contain.Policy:
    made = contain.call_policy(slot=UID - contain.UID_BASE, checkout=str(ROOT),
                               scratch=str(area["scratch"]), workspace=str(area["ws"]),
                               cwd=str(area["cwd"]))
    return dataclasses.replace(made, **changes)


def fork() -> int:
    """``os.fork()``, for children that ``enter`` contains: Linux only."""
    if sys.platform != "linux":
        raise OSError("contained children: Linux only")
    # A reaper left running in this worker (by an earlier self-test) must not
    # take this child's exit status: it is a root, which the reaper leaves alone.
    with REAPER.lock:
        pid = os.fork()
        if pid:
            REAPER.roots.add(pid)
    return pid


class Child:
    """A forked child that ran ``enter(policy)`` then ``payload`` (Python
    source; it may set ``result``); ``hold`` keeps it alive afterwards until
    ``release``, so the parent can look at it."""

    def __init__(self, policy: contain.Policy, payload: str, hold: bool = False,
                 before: str = "") -> None:
        self._answer_r, answer_w = os.pipe()
        self._hold_r, self._hold_w = os.pipe()
        self.pid = fork()
        if self.pid == 0:  # pragma: no cover - the child
            status = 0
            try:
                os.close(self._answer_r)
                os.close(self._hold_w)
                exec(before, {})
                keep = (answer_w, self._hold_r, *policy.keep_fds)
                policy = contain.Policy(**{**policy.__dict__, "keep_fds": keep})
                scope: dict[str, Any] = {"enforced": contain.enter(policy), "result": None, "os": os}
                exec(textwrap.dedent(payload), scope)
                os.write(answer_w, json.dumps({"result": scope["result"],
                                               "enforced": scope["enforced"]}).encode() + b"\n")
                os.close(answer_w)
                if hold:
                    os.read(self._hold_r, 1)
            except BaseException as exc:  # noqa: BLE001
                os.write(2, f"child: {type(exc).__name__}: {exc}\n".encode())
                status = contain.CONTAIN_FAILED
            os._exit(status)
        os.close(answer_w)
        os.close(self._hold_r)
        self.status: int | None = None

    def answer(self, timeout: float = 120) -> dict[str, Any]:
        """The payload's answer: one line (what the payload forked may keep
        the pipe open after it)."""
        if sys.platform != "linux":
            raise OSError("contained children: Linux only")
        data = b""
        deadline = time.monotonic() + timeout
        os.set_blocking(self._answer_r, False)
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            try:
                chunk = os.read(self._answer_r, 1 << 16)
            except BlockingIOError:
                time.sleep(0.005)
                continue
            if not chunk:
                break
            data += chunk
        os.close(self._answer_r)
        return json.loads(data) if data.strip() else {}

    def release(self) -> int:
        os.close(self._hold_w)
        _, status = os.waitpid(self.pid, 0)
        self.status = os.waitstatus_to_exitcode(status)
        return self.status


def run_child(policy: contain.Policy, payload: str, before: str = "") -> tuple[int, Any]:
    child = Child(policy, payload, before=before)
    answer = child.answer()
    status = child.release()
    return status, answer.get("result")


def status_fields(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


@pytest.fixture
def group() -> Iterator[contain.Cgroup]:
    made = contain.Cgroup.create(f"kata-selftest-{os.getpid()}-{time.monotonic_ns()}",
                                 memory=128 << 20, pids=32)
    try:
        yield made
    finally:
        made.remove()


# -- probe ----------------------------------------------------------------------


def test_probe_names_a_tier_and_what_it_enforces() -> None:
    tier = contain.probe()
    assert tier.name in ("trusted", "user", "none")
    if LINUX_ROOT and contain.cgroup_layout() is not None:
        assert tier.name == "trusted"
        assert any("cgroup" in e for e in tier.enforced)
    assert tier.enforced or tier.missing


# -- the trusted tier -------------------------------------------------------------


@needs_trusted
def test_the_uid_drop_is_seen_from_outside(area: dict[str, Path]) -> None:
    child = Child(trusted_policy(area), "result = os.getuid()", hold=True)
    try:
        assert child.answer()["result"] == UID
        seen = status_fields(child.pid)
        assert seen["Uid"].split() == [str(UID)] * 4
        assert seen["Gid"].split() == [str(UID)] * 4
        assert seen["Groups"] == ""
        assert int(seen["CapEff"], 16) == 0 and int(seen["CapPrm"], 16) == 0
        assert int(seen["CapBnd"], 16) == 0
        assert seen["NoNewPrivs"] == "1"
    finally:
        assert child.release() == 0


@needs_trusted
def test_hidden_folders_are_empty_and_the_workspace_is_read_only(area: dict[str, Path]) -> None:
    payload = f"""
    import os
    def look(path):
        try:
            return open(path).read()
        except OSError as exc:
            return type(exc).__name__
    def write(path):
        try:
            open(path, "a").write("x")
            return "written"
        except OSError as exc:
            return type(exc).__name__
    result = {{
        "secret": look({str(area["secret"])!r}),
        "test_file": look({str(ROOT / "tests" / "test_concepts.py")!r}),
        "solution": look({str(ROOT / "solutions" / "concepts.py")!r}),
        "checkout": os.listdir({str(ROOT)!r}),
        "module": look({str(area["ws"] / "m.py")!r}),
        "ws_write": write({str(area["ws"] / "new.py")!r}),
        "cwd_write": write("out.txt"),
        "cwd": os.getcwd(),
        "parent_of_cwd": sorted(os.listdir("..")),
    }}
    """
    status, seen = run_child(trusted_policy(area), payload)
    assert status == 0
    assert seen["secret"] == "FileNotFoundError"
    assert seen["test_file"] == "FileNotFoundError"
    assert seen["solution"] == "FileNotFoundError"
    assert seen["checkout"] == ["grading"]  # the engine, read-only: public code
    assert seen["module"] == "X = 1\n"
    assert seen["ws_write"] in ("OSError", "PermissionError")  # EROFS or EACCES
    assert seen["cwd_write"] == "written"
    assert seen["cwd"] == str(area["cwd"])
    # Only what is exposed, even walking up from the working folder.
    assert seen["parent_of_cwd"] == ["call", "ws"]
    assert (area["cwd"] / "out.txt").read_text() == "x"  # seen by the parent
    assert not (area["ws"] / "new.py").exists()


@needs_trusted
def test_tmp_and_dev_shm_are_private_and_gone_with_the_call(area: dict[str, Path]) -> None:
    name = f"kata-selftest-{os.getpid()}"
    payload = f"""
    open("/dev/shm/{name}", "wb").write(b"x" * 1000)
    open("/tmp/{name}", "wb").write(b"x" * 1000)
    try:
        with open("/dev/shm/{name}-big", "wb") as out:
            out.write(b"x" * (100 << 20))
        result = "wrote 100 MiB"
    except OSError as exc:
        result = exc.errno
    """
    child = Child(trusted_policy(area), payload, hold=True)
    import errno
    assert child.answer()["result"] == errno.ENOSPC  # /dev/shm is 64 MiB
    assert not Path(f"/dev/shm/{name}").exists()
    assert not Path(f"/tmp/{name}").exists()
    assert child.release() == 0


SPAWN_SCRIPT = """
import json, multiprocessing, os, subprocess, sys
sys.path.insert(0, {root!r})
from grading import contain
policy = contain.call_policy(slot={slot}, checkout={root!r}, scratch={scratch!r},
                             workspace={ws!r}, cwd={cwd!r})
pid = os.fork()
if pid == 0:
    try:
        contain.enter(policy)
        ctx = multiprocessing.get_context("spawn")
        p = ctx.Process(target=os.getuid)  # importable by spawn: a builtin
        p.start(); p.join(60)
        out = subprocess.run([sys.executable, "-c", "import os; print(os.getuid())"],
                             capture_output=True, text=True, timeout=60)
        print(json.dumps([p.exitcode, out.stdout.strip(), sys.executable]), flush=True)
        os._exit(0)
    except BaseException as exc:
        print(f"child: {{type(exc).__name__}}: {{exc}}", file=sys.stderr, flush=True)
        os._exit(contain.CONTAIN_FAILED)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@needs_trusted
def test_the_interpreter_runs_for_the_dropped_uid_spawn_too(area: dict[str, Path]) -> None:
    """A spawn child and a subprocess exec sys.executable as the dropped uid.

    Run from a fresh interpreter (the way the launcher is one), not forked
    from this test process."""
    script = SPAWN_SCRIPT.format(root=str(ROOT), slot=UID - contain.UID_BASE,
                                 scratch=str(area["scratch"]), ws=str(area["ws"]),
                                 cwd=str(area["cwd"]))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=120, cwd=area["cwd"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [0, str(UID), sys.executable]


@needs_trusted
def test_the_grader_cannot_be_signalled_or_read(area: dict[str, Path]) -> None:
    me = os.getpid()
    payload = f"""
    import os, signal
    tries = {{}}
    for name, sig in (("stop", signal.SIGSTOP), ("kill", signal.SIGKILL), ("term", signal.SIGTERM)):
        try:
            os.kill({me}, sig)
            tries[name] = "sent"
        except OSError as exc:
            tries[name] = type(exc).__name__
    try:
        import resource
        resource.prlimit({me}, resource.RLIMIT_FSIZE, (1, 1))
        tries["prlimit"] = "set"
    except OSError as exc:
        tries["prlimit"] = type(exc).__name__
    for what in ("fd", "environ", "cmdline"):
        try:
            tries[what] = str(os.listdir("/proc/{me}/fd") if what == "fd"
                              else open("/proc/{me}/" + what).read()[:20])
        except OSError as exc:
            tries[what] = type(exc).__name__
    result = tries
    """
    status, seen = run_child(trusted_policy(area), payload)
    assert status == 0
    assert seen["stop"] == seen["kill"] == seen["term"] == "PermissionError"
    assert seen["prlimit"] == "PermissionError"
    # hidepid=2: not even visible.
    assert seen["fd"] == seen["environ"] == seen["cmdline"] == "FileNotFoundError"
    assert status_fields(me)["State"].startswith(("R", "S"))


@needs_trusted
def test_limits_are_in_force_from_outside(area: dict[str, Path]) -> None:
    limits = contain.Limits(file_size=1 << 20, open_files=64)
    child = Child(trusted_policy(area, limits=limits), "result = 1", hold=True)
    try:
        child.answer()
        rows = {line[:26].strip(): line[26:].split()
                for line in Path(f"/proc/{child.pid}/limits").read_text().splitlines()[1:]}
        assert rows["Max file size"][:2] == [str(1 << 20)] * 2
        assert rows["Max open files"][:2] == ["64", "64"]
        assert rows["Max core file size"][:2] == ["0", "0"]
    finally:
        child.release()


@needs_trusted
def test_environment_is_an_allow_list(area: dict[str, Path]) -> None:
    before = "import os; os.environ['GRADER_SECRET'] = 'x'; os.environ['LANG'] = 'C.UTF-8'"
    status, env = run_child(trusted_policy(area), "import os; result = dict(os.environ)",
                            before=before)
    assert status == 0
    assert "GRADER_SECRET" not in env
    assert env["LANG"] == "C.UTF-8" and env["TMPDIR"] == "/tmp"


@needs_trusted
def test_no_descriptor_but_the_kept_ones_reaches_the_call(area: dict[str, Path]) -> None:
    """``begin`` holds handles of the folders it hides (for the call's own
    folders, bound later): none is open when the call's code runs."""
    child = Child(trusted_policy(area), "import os; result = sorted(map(int, os.listdir('/proc/self/fd')))",
                  hold=True)
    try:
        fds = child.answer()["result"]
        seen = {int(fd) for fd in os.listdir(f"/proc/{child.pid}/fd")}
    finally:
        assert child.release() == 0
    # 0-2, the answer pipe and the hold pipe (Child's), and the listing's own;
    # from outside, once the answer is written (and its pipe closed): 0-2 and the hold pipe.
    assert len(fds) == 6 and max(fds) < contain.HANDLES_FROM
    assert len(seen) == 4 and max(seen) < contain.HANDLES_FROM


def test_a_spares_fixed_keys_are_what_the_fixed_part_is_made_of(tmp_path: Path) -> None:
    """A spare compares only ``_child.FIXED_KEYS`` of a request's ``contain``
    part with the one it began for: a change to any of them changes the
    fixed part of the call's policy, a change to any other key does not."""
    from grading import _child

    spec: dict[str, Any] = {
        "slot": 3, "checkout": str(ROOT), "scratch": str(tmp_path / "scratch"),
        "workspace": str(tmp_path / "ws"), "cwd": str(tmp_path / "cwd"),
        "writable": [str(tmp_path / "w")], "readable": [str(tmp_path / "r")],
        "hidden": [str(tmp_path / "h")], "environment": {"PATH": "/bin"},
        "cgroup": None, "next": None}
    changed: dict[str, Any] = {
        "slot": 4, "checkout": str(tmp_path), "scratch": str(tmp_path / "s2"),
        "workspace": str(tmp_path / "ws2"), "cwd": str(tmp_path / "c2"),
        "writable": [], "readable": [], "hidden": [], "environment": {},
        "cgroup": {"name": "g", "kind": "v2", "folders": {}}, "next": {"name": "n"}}
    assert set(changed) == set(spec) >= set(_child.FIXED_KEYS)

    def fixed(part: dict[str, Any]) -> contain.Policy:
        # (The call helper's own copy of the module, as in a spare: its classes are its own.)
        made: contain.Policy = _child._load_contain().fixed_part(_child.call_policy(part, {"answer_fd": 3}))
        return made

    for key, value in changed.items():
        differs = fixed({**spec, key: value}) != fixed(spec)
        assert differs == (key in _child.FIXED_KEYS), key
        # The helper's one fixed part for its spares is made again exactly then.
        first = _child._fixed_policy(spec)
        again = _child._fixed_policy({**spec, key: value})
        assert (again is first) == (key not in _child.FIXED_KEYS), key
        assert again == fixed({**spec, key: value}), key


@needs_trusted
def test_a_user_namespace_gives_the_bounding_set_back_and_it_is_dropped_again() -> None:
    """The helper empties its bounding set once, for all it forks
    (``_bounding_dropped``); a new user namespace fills it again, and the
    next drop is then done, not skipped."""
    if not contain._userns_allowed():
        pytest.skip("user namespaces are not allowed here")
    pid = fork()
    if pid == 0:
        code = 1
        try:
            contain._drop_bounding_set()
            empty = int(status_fields(os.getpid())["CapBnd"], 16) == 0 and contain._bounding_dropped
            contain.unshare(contain.CLONE_NEWUSER)
            full = int(status_fields(os.getpid())["CapBnd"], 16) != 0 and not contain._bounding_dropped
            contain._drop_bounding_set()
            code = 0 if empty and full and int(status_fields(os.getpid())["CapBnd"], 16) == 0 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    REAPER.roots.discard(pid)
    assert os.waitstatus_to_exitcode(status) == 0


@needs_trusted
def test_finish_refuses_a_policy_begun_for_another(area: dict[str, Path]) -> None:
    """A spare begins the containment of the calls it expects: a call whose
    fixed part differs (another workspace) is refused, not half applied."""
    if sys.platform != "linux":  # (needs_trusted skips it there; this tells mypy)
        pytest.skip("Linux only")
    other = area["scratch"] / "other-ws"
    other.mkdir()
    r, w = os.pipe()
    pid = fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            begun = contain.begin(contain.fixed_part(trusted_policy(area)))
            contain.finish(begun, trusted_policy(area, expose_ro=(str(other),)))
            os.write(w, b"finished")
        except contain.ContainError as exc:
            os.write(w, f"refused: {exc} {os.getuid()}".encode())
        os._exit(0)
    os.close(w)
    said = os.read(r, 1 << 12).decode()
    os.close(r)
    os.waitpid(pid, 0)
    assert said == "refused: [Errno 22] containment begun for another policy 0"


@needs_trusted
def test_a_hidden_folder_inside_a_handed_folder_stays_hidden(area: dict[str, Path]) -> None:
    """The call's own folders are bound after the hidden ones are covered:
    one hidden inside them is covered again, and what is exposed inside it
    bound back."""
    handed = area["scratch"] / "handed"
    (handed / "keys" / "public").mkdir(parents=True)
    (handed / "keys" / "secret.txt").write_text("hidden")
    (handed / "keys" / "public" / "p.txt").write_text("shown")
    (handed / "mine.txt").write_text("handed")
    policy = trusted_policy(area, expose_rw=(str(area["cwd"]), str(handed)),
                            hide=(*trusted_policy(area).hide, str(handed / "keys")),
                            call_ro=(str(handed / "keys" / "public"),))
    payload = f"""
    import os
    base = {str(handed)!r}
    result = [sorted(os.listdir(base)), sorted(os.listdir(base + "/keys")),
              open(base + "/keys/public/p.txt").read(), open(base + "/mine.txt").read()]
    """
    status, seen = run_child(policy, payload)
    assert status == 0
    assert seen == [["keys", "mine.txt"], ["public"], "shown", "handed"]


# -- cgroups ------------------------------------------------------------------------


@needs_trusted
def test_memory_cap_gives_memory_exceeded(area: dict[str, Path], group: contain.Cgroup) -> None:
    if sys.platform != "linux":
        pytest.skip("needs Linux")
    payload = "block = b'x' * (512 << 20)\nresult = len(block)"
    status, seen = run_child(trusted_policy(area, cgroup=group), payload)
    assert status == -signal.SIGKILL and seen is None
    assert contain.memory_exceeded(group)


@needs_trusted
def test_a_small_call_is_not_memory_exceeded(area: dict[str, Path], group: contain.Cgroup) -> None:
    status, seen = run_child(trusted_policy(area, cgroup=group), "result = len(b'x' * (8 << 20))")
    assert (status, seen) == (0, 8 << 20)
    assert not contain.memory_exceeded(group)


@needs_trusted
@pytest.mark.parametrize("via", ["cgroup.kill", "freezer"])
def test_fork_and_exit_chain_ignoring_sigterm_is_killed_whole(area: dict[str, Path], via: str) -> None:
    """Each process forks its successor and exits at once; none listens to
    SIGTERM. One ``kill`` of the group leaves nothing (v2's cgroup.kill where
    there is one, v1's freezer otherwise)."""
    chain = contain.Cgroup.create(f"kata-selftest-chain-{os.getpid()}", memory=256 << 20, pids=64,
                                  layout=contain.cgroup_layout(keep_freezer=via == "freezer"))
    unified = chain.folders.pop("unified", None) if via == "freezer" else None
    if via == "freezer" and "freezer" not in chain.folders:
        pytest.skip("no v1 freezer here")
    if via == "cgroup.kill" and "unified" not in chain.folders:
        pytest.skip("no cgroup.kill here")
    payload = """
    import os, signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    result = os.getpid()
    if os.fork() == 0:
        while True:
            try:
                if os.fork():
                    os._exit(0)
            except OSError:
                time.sleep(0.001)
    """
    try:
        child = Child(trusted_policy(area, cgroup=chain), payload)
        child.answer()
        child.release()
        time.sleep(0.3)
        seen = set(chain.procs())
        assert seen, "the chain should be running"
        started = time.monotonic()
        assert chain.kill()
        took = time.monotonic() - started
        assert chain.procs() == []
        time.sleep(0.2)
        assert chain.procs() == []
        assert not [pid for pid in seen if _running(pid) and _uid_of(Path(f"/proc/{pid}")) == UID]
        print(f"killed the chain via {via} in {took * 1000:.1f} ms")
    finally:
        chain.remove()
        if unified is not None:
            unified.rmdir()


def _uid_of(proc: Path) -> int | None:
    try:
        return int(status_fields(int(proc.name))["Uid"].split()[0])
    except (OSError, KeyError, ValueError):
        return None


@needs_trusted
def test_pids_cap_stops_a_fork_bomb(area: dict[str, Path], group: contain.Cgroup) -> None:
    payload = """
    import os, time
    kids = 0
    try:
        for _ in range(200):
            if os.fork() == 0:
                time.sleep(5)
                os._exit(0)
            kids += 1
    except OSError as exc:
        result = [kids, exc.errno]
    """
    child = Child(trusted_policy(area, cgroup=group), payload)
    kids, err = child.answer()["result"]
    import errno
    assert err == errno.EAGAIN and kids < 32
    assert group.kill()
    child.release()


@needs_root
def test_finish_takes_a_policy_exactly_when_its_fixed_part_is_the_one_begun(
        area: dict[str, Path]) -> None:
    """``finish`` compares the fixed part field by field, without making it:
    the same verdict as ``fixed_part(policy) == begun.fixed`` for a change of
    every field, one at a time."""
    base = trusted_policy(area)
    fixed = contain.fixed_part(base)
    other: dict[type, Any] = {tuple: ("/elsewhere",), str: "/elsewhere", bool: None, int: 7}
    for field in dataclasses.fields(contain.Policy):
        value = getattr(base, field.name)
        if isinstance(value, bool):
            changed: Any = not value
        elif isinstance(value, contain.Limits):
            changed = contain.Limits(open_files=3)
        elif isinstance(value, dict):
            changed = {"X": "1"}
        elif value is None:
            changed = {"X": "1"} if field.name == "environment" else 5 if field.name in ("uid", "gid") \
                else "/elsewhere"
        else:
            changed = other[type(value)]
        policy = dataclasses.replace(base, **{field.name: changed})
        assert contain._fixed_alike(policy, fixed) == (contain.fixed_part(policy) == fixed), field.name
    assert contain._fixed_alike(base, fixed)


@needs_trusted
def test_a_group_is_empty_only_when_no_process_is_left_in_it(group: contain.Cgroup) -> None:
    """``empty`` reads one folder's list: a process joins every folder."""
    assert group.empty()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        group.attach(sleeper.pid)
        assert not group.empty() and group.procs() == [sleeper.pid]
    finally:
        sleeper.kill()
        sleeper.wait()
    assert group.empty()
    gone = contain.Cgroup(group.layout, {k: f.with_name(f.name + "-gone") for k, f in group.folders.items()},
                          group.name + "-gone")
    assert not gone.empty(), "a list that cannot be read says nothing"


def test_cgroup_create_and_remove_leave_nothing() -> None:
    made = contain.Cgroup.create(f"kata-selftest-empty-{os.getpid()}", memory=1 << 26, pids=8)
    folders = list(made.folders.values())
    assert all(f.is_dir() for f in folders)
    made.remove()
    assert not any(f.exists() for f in folders)


# -- the topic's namespaces --------------------------------------------------------


@needs_trusted
def test_topic_runs_as_pid_1_with_loopback_only() -> None:
    code = textwrap.dedent("""
    import json, os, socket
    server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
    client = socket.create_connection(server.getsockname()); conn, _ = server.accept()
    client.sendall(b"ping")
    try:
        socket.create_connection(("192.0.2.1", 9), timeout=1)
        outside = "reached"
    except OSError as exc:
        outside = exc.errno
    print(json.dumps({"pid": os.getpid(), "procs": [p for p in os.listdir("/proc") if p.isdigit()],
                      "echo": conn.recv(4).decode(), "outside": outside}))
    """)
    out = subprocess.run(contain.topic_command([sys.executable, "-c", code]),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout)
    import errno
    assert seen == {"pid": 1, "procs": ["1"], "echo": "ping", "outside": errno.ENETUNREACH}


@needs_trusted
def test_the_wrapped_topic_has_its_scratch_in_memory(tmp_path: Path) -> None:
    scratch = tmp_path / "t"
    scratch.mkdir()
    code = textwrap.dedent(f"""
    import json
    print(json.dumps([line.split(" - ")[1].split()[0] for line in open("/proc/self/mountinfo")
                      if line.split()[4] == {str(scratch)!r}]))
    open({str(scratch / "inside")!r}, "w").close()
    """)
    out = subprocess.run(contain.topic_command([sys.executable, "-c", code], scratch=str(scratch)),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["tmpfs"]
    assert list(scratch.iterdir()) == []


@needs_trusted
def test_topic_exit_status_passes_through() -> None:
    out = subprocess.run(contain.topic_command([sys.executable, "-c", "raise SystemExit(3)"]),
                         timeout=60)
    assert out.returncode == 3


@needs_trusted
def test_killing_the_topic_kills_everything_in_it(tmp_path: Path) -> None:
    """A tree that forks and exits as fast as it can, under the topic's pid 1:
    SIGKILL to the wrapper ends all of it."""
    if sys.platform != "linux":
        pytest.skip("needs Linux")
    marker = tmp_path / "pids"
    code = textwrap.dedent(f"""
    import os, signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.fork() == 0:
        while True:
            try:
                if os.fork():
                    os._exit(0)
                open({str(marker)!r}, "a").write(str(os.getpid()) + "\\n")
            except OSError:
                pass
    time.sleep(60)
    """)
    wrapper = subprocess.Popen(contain.topic_command([sys.executable, "-c", code]))
    try:
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        inner = {p.name for p in Path("/proc").iterdir() if p.name.isdigit()
                 and _in_namespace_of(int(p.name), wrapper.pid)}
        assert inner, "the topic should have processes"
    finally:
        wrapper.send_signal(signal.SIGKILL)
        wrapper.wait(10)
    deadline = time.monotonic() + 10
    while (left := [p for p in inner if _running(int(p))]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == []


def _running(pid: int) -> bool:
    """Alive and not a zombie (a zombie waits for its reaper, it runs nothing)."""
    try:
        return not status_fields(pid)["State"].startswith("Z")
    except (OSError, KeyError):
        return False


def _in_namespace_of(pid: int, wrapper: int) -> bool:
    """Whether ``pid`` is in a pid namespace below the wrapper's."""
    try:
        nspid = status_fields(pid)["NSpid"].split()
        ours = os.readlink(f"/proc/{pid}/ns/pid")
        return len(nspid) > 1 and ours != os.readlink("/proc/self/ns/pid")
    except (OSError, KeyError):
        return False


# -- the user tier ----------------------------------------------------------------------

USER_UID = 65534


@needs_root
def test_user_tier_private_tmp_and_limits_as_an_ordinary_user(tmp_path: Path) -> None:
    """Become an ordinary user first (as on a laptop), then contain with a
    user namespace: private /tmp and /dev/shm, rlimits, no_new_privs."""
    if not contain._userns_allowed():
        pytest.skip("user namespaces are not allowed here")
    name = f"kata-selftest-user-{os.getpid()}"
    before = "import os, resource, ctypes, json; os.setgroups([]); " \
             f"os.setresgid({USER_UID}, {USER_UID}, {USER_UID}); " \
             f"os.setresuid({USER_UID}, {USER_UID}, {USER_UID}); " \
             "from grading import contain; contain.prctl(contain.PR_SET_DUMPABLE, 1)"
    # (dumpable again, as a process of an ordinary user is: the uid change
    # from root above cleared it)
    policy = contain.Policy(user_namespace=True, mount_namespace=True, hide_pids=False,
                            limits=contain.Limits(file_size=1 << 20))
    payload = f"""
    import os, resource
    open("/tmp/{name}", "w").write("x")
    try:
        os.umount = None
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        undone = libc.umount2(b"/tmp", 2)
    except Exception:
        undone = "?"
    result = {{"uid": os.getuid(), "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[1],
               "nnp": open("/proc/self/status").read().split("NoNewPrivs:")[1].split()[0],
               "umount": undone}}
    """
    child = Child(policy, payload, hold=True, before=before)
    try:
        seen = child.answer()["result"]
        assert seen["uid"] == USER_UID
        assert seen["fsize"] == 1 << 20
        assert seen["nnp"] == "1"
        assert seen["umount"] == -1  # the private /tmp is locked in place
        assert not Path(f"/tmp/{name}").exists()
        assert int(status_fields(child.pid)["CapEff"], 16) == 0  # as seen from outside
    finally:
        assert child.release() == 0


@needs_root
def test_protect_self_closes_fds_to_the_same_uid() -> None:
    """A non-dumpable process's /proc/<pid>/fd is closed to another process
    of the same (unprivileged) uid; a dumpable one's is open."""
    if sys.platform != "linux":
        pytest.skip("needs Linux")
    results = {}
    for protect in (False, True):
        ready_r, ready_w = os.pipe()
        target = os.fork()
        if target == 0:  # pragma: no cover - the child
            os.setresgid(USER_UID, USER_UID, USER_UID)
            os.setresuid(USER_UID, USER_UID, USER_UID)
            contain.prctl(contain.PR_SET_DUMPABLE, 1)
            if protect:
                contain.protect_self()
            os.write(ready_w, b"1")
            time.sleep(30)
            os._exit(0)
        os.read(ready_r, 1)
        out = subprocess.run(
            [sys.executable, "-c", f"import os; os.setresgid({USER_UID},{USER_UID},{USER_UID}); "
             f"os.setresuid({USER_UID},{USER_UID},{USER_UID}); "
             f"print(len(os.listdir('/proc/{target}/fd')))"],
            capture_output=True, text=True, timeout=30)
        results[protect] = out.returncode == 0
        os.kill(target, signal.SIGKILL)
        os.waitpid(target, 0)
        os.close(ready_r)
        os.close(ready_w)
    assert results == {False: True, True: False}


def test_loopback_socket_roundtrip_still_works_here() -> None:
    """The grader's own loopback is untouched by anything above."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()):
            pass


# -- the hostile corpus's payloads under enter() alone -------------------------------------

HOSTILE = ROOT / "selftests" / "hostile"


def _hostile_area(area: dict[str, Path], case: str) -> None:
    for module in (HOSTILE / case).glob("*.py"):
        (area["ws"] / module.name).write_bytes(module.read_bytes())


def _contained_call(area: dict[str, Path], group: contain.Cgroup | None, code: str) -> tuple[int, Any]:
    """Import from the workspace and run ``code`` in a contained child, as the
    launcher will: the module's own files only, the checkout hidden."""
    payload = f"""
    import sys, traceback
    sys.path.insert(0, {str(area["ws"])!r})
    try:
        {code}
    except BaseException as exc:
        result = {{"raised": type(exc).__name__, "message": str(exc)}}
    """
    return run_child(trusted_policy(area, cgroup=group), payload)


@needs_trusted
def test_quiz_inversion_finds_no_key(area: dict[str, Path]) -> None:
    _hostile_area(area, "quiz_inversion")
    status, seen = _contained_call(area, None, "import concepts; result = concepts.ANSWERS")
    assert status == 0
    assert seen == {}, "the hidden test file was read"


@needs_trusted
def test_leak_hidden_leaks_nothing(area: dict[str, Path]) -> None:
    _hostile_area(area, "leak_hidden")
    status, seen = _contained_call(area, None, "import process_function as m; m.task('x', 'log')")
    assert status == 0 and seen["raised"] == "RuntimeError"
    hidden = (ROOT / "tests" / "test_process_function.py").read_text(encoding="utf-8")
    assert not [line for line in seen["message"].splitlines() if len(line) > 20 and line in hidden]


@needs_trusted
def test_sitecustomize_cannot_be_planted(area: dict[str, Path]) -> None:
    _hostile_area(area, "sitecustomize")
    before = (ROOT / ".git").read_bytes() if (ROOT / ".git").is_file() else None
    status, seen = _contained_call(area, None, "import process_function as m; m.task('x', 'log')")
    assert status == 0 and seen["raised"] == "NotImplementedError"
    assert not (ROOT / "sitecustomize.py").exists()
    if before is not None:
        assert (ROOT / ".git").read_bytes() == before


@needs_trusted
def test_shm_2g_is_stopped_and_leaves_nothing(area: dict[str, Path]) -> None:
    _hostile_area(area, "shm_2g")
    status, seen = _contained_call(area, None, "import process_function as m; m.task('x', 'log')")
    assert status == 0 and seen["raised"] == "NotImplementedError"
    # Nothing the call's uid wrote is in the machine's /dev/shm.
    assert not [p for p in Path("/dev/shm").iterdir() if p.stat().st_uid == UID]


@needs_trusted
def test_memory_6g_at_import_is_memory_exceeded(area: dict[str, Path], group: contain.Cgroup) -> None:
    """The corpus's 6 GiB import under a 128 MiB call group: killed, and said so."""
    if sys.platform != "linux":
        pytest.skip("needs Linux")
    _hostile_area(area, "memory_6g")
    status, seen = _contained_call(area, group, "import process_function; result = 'imported'")
    assert status == -signal.SIGKILL and seen is None
    assert contain.memory_exceeded(group)
    peak = group.memory_peak()
    assert peak is None or peak <= 130 << 20


@pytest.mark.parametrize("kind", ["cgroup", "cgroup2"])
def test_the_room_for_the_scratch_counts_a_container_limit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """contain._available_memory: the least room under the memory limits of
    the grader's cgroup and those above it (a container's 2 GiB on a big
    machine), the file cache it could drop counted as room, not only the
    machine's free memory; no limit anywhere: the machine's figure."""
    limit_file, usage_file, cache_key = (
        ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file") if kind == "cgroup"
        else ("memory.max", "memory.current", "inactive_file"))
    unlimited = "max" if kind == "cgroup2" else str(1 << 62)
    top = tmp_path / "memory"
    own = top / "docker" / "abc"
    own.mkdir(parents=True)
    for folder, limit, usage in ((top, unlimited, 5 << 30), (top / "docker", unlimited, 3 << 30),
                                 (own, str(2 << 30), 1 << 30)):
        (folder / limit_file).write_text(f"{limit}\n")
        (folder / usage_file).write_text(f"{usage}\n")
    (own / "memory.stat").write_text(f"anon 1234\n{cache_key} {1 << 29}\nactive_file 99\n")
    options = "rw,nosuid,memory" if kind == "cgroup" else "rw,nosuid"
    monkeypatch.setattr(contain, "_mounts", lambda: [("/proc", "proc", "rw"), (str(top), kind, options)])
    monkeypatch.setattr(contain, "_machine_available", lambda: 20 << 30)
    controller = "memory" if kind == "cgroup" else ""  # v2: the one tree
    path = "/docker/abc"
    monkeypatch.setattr(contain, "_own_cgroups", lambda: {controller: path})
    room = (2 << 30) - (1 << 30) + (1 << 29)  # limit - usage + the inactive file cache
    assert contain._cgroup_memory_room() == room
    assert contain._available_memory() == room
    # The scratch (1 GiB, four times that asked) goes on disk in such a container.
    assert contain._available_memory() < 4 * contain.SCRATCH_SIZE

    # Docker on v1: the container's group is the mount's root, the path the host's.
    path = "/docker/abc/grader"
    assert contain._cgroup_memory_room() == room
    path = "/../elsewhere"  # above the namespace's root: not read
    assert contain._cgroup_memory_room() is None
    path = "/docker/abc"
    (own / limit_file).write_text(f"{unlimited}\n")
    expected = None if kind == "cgroup2" else (1 << 62) - (5 << 30)
    assert contain._cgroup_memory_room() == expected
    assert contain._available_memory() == 20 << 30
    monkeypatch.setattr(contain, "_own_cgroups", lambda: {})  # not in that hierarchy
    assert contain._cgroup_memory_room() is None
