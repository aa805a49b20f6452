"""Containment of student code: what the kernel can enforce, per tier.

Standard library only at import: this module runs inside the warm launcher
(``python -I -S -B``), which has no site-packages.

Three tiers, told apart by ``probe()``:

- ``trusted`` (Linux, as root): each call joins a cgroup of its own (memory,
  pids, freeze-then-kill), gets a mount namespace (private ``/tmp`` and
  ``/dev/shm``; the checkout, the hidden tests, the solutions and the
  grader's scratch hidden under empty tmpfs; the workspace a read-only bind;
  a ``/proc`` that shows only its own uid's processes), an IPC, UTS and
  cgroup namespace, then drops to an unprivileged uid of its own (no
  supplementary groups, no capabilities, ``no_new_privs``) under rlimits.
- ``user`` (Linux without root): rlimits, ``no_new_privs``,
  ``PR_SET_DUMPABLE(0)`` for the grader's own processes, and, where the
  kernel allows user namespaces, private ``/tmp`` and ``/dev/shm``.
- ``none``: rlimits where the platform has them, nothing else.

The pid and network namespaces are the *topic's*, not the call's
(``topic_command``): the topic's test process runs as pid 1 of a new pid
namespace, with its own ``/proc`` and a network namespace holding only
loopback. Tests compare the pids student code reports (``os.getpid()``)
with the process table they read themselves, and connect to the student's
server on 127.0.0.1: both hold only when the test and the student's code
share the two namespaces. Killing the topic's pid 1 makes the kernel kill
everything in the namespace, however fast it forks; within a topic a call's
whole tree is stopped at once through its cgroup (``Cgroup.kill``).

The interface for the launcher (see docs/trust.md for the sequence)::

    parent, before fork:   group = Cgroup.create(name, memory=..., pids=...)
    child, after dup2:     enforced = enter(policy)        # then student code
                           # or, in a spare: begun = begin(fixed_part(policy), ahead) ahead,
                           # enforced = finish(begun, policy) once its call came
                           # (ahead: the cgroup the parent keeps for the next call)
    parent, after the end: group.kill(); memory_exceeded(group); group.remove()
                           # or, to use it again: group.kill(); group.renew()
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import functools
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

try:  # imported here, not in the forked child: enter() must cost no import
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

# -- kernel constants (Linux uapi) -------------------------------------------

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

#: The last capability number this module drops from the bounding set (the
#: kernel answers EINVAL past its own last one, which ends the loop).
CAP_LAST_GUESS = 63

#: The uids of the trusted tier: ``UID_BASE + slot`` (one slot per topic).
#: High enough to collide with no account or subordinate-id range in use.
UID_BASE = 2_100_000_000
#: Exit status of a launcher child whose containment failed (fail closed).
CONTAIN_FAILED = 121

#: Environment variables passed to student code (an allow-list).
ENV_ALLOWED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TERM",
               "SYSTEMROOT", "PYTHONIOENCODING")


class ContainError(OSError):
    """A containment step failed; the child must not run student code."""


# -- libc ------------------------------------------------------------------------

#: libc, loaded when this module is imported (in the launcher, before any
#: fork): ``find_library`` would run ``ldconfig`` in every child.
_libc: ctypes.CDLL | None = None
if sys.platform.startswith("linux"):
    _libc = ctypes.CDLL(None, use_errno=True)


def _lib() -> ctypes.CDLL:
    if _libc is None:
        raise ContainError(errno.ENOSYS, "libc calls need Linux")
    return _libc


def _warm_up() -> None:
    """Look up, once, the libc functions ``enter`` calls (ctypes caches them on
    the library object), so that a forked child does not, and empty the
    bounding set where we may (the helper never executes a program: what
    it forks inherits the empty set): for the warm call helper, before its
    first fork."""
    if _libc is not None:
        for name in ("prctl", "unshare", "mount", "capset", "capget", "setns"):
            getattr(_libc, name)
    interpreter_paths()
    with contextlib.suppress(ContainError):
        _drop_bounding_set()


def _check(result: int, what: str) -> int:
    if result == -1:
        err = ctypes.get_errno()
        raise ContainError(err, f"{what}: {os.strerror(err)} ({errno.errorcode.get(err, err)})")
    return result


def prctl(option: int, arg: int = 0) -> int:
    return _check(int(_lib().prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(0),
                                   ctypes.c_ulong(0), ctypes.c_ulong(0))), f"prctl({option})")


def unshare(flags: int) -> None:
    _check(int(_lib().unshare(ctypes.c_int(flags))), f"unshare({flags:#x})")
    if flags & CLONE_NEWUSER:
        _bounding_lost()


def setns(fd: int, nstype: int) -> None:
    _check(int(_lib().setns(ctypes.c_int(fd), ctypes.c_int(nstype))), f"setns({nstype:#x})")
    if nstype in (0, CLONE_NEWUSER):
        _bounding_lost()  # (0: whatever namespace ``fd`` is, a user one too)


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    enc = os.fsencode
    _check(int(_lib().mount(enc(source) if source else None, enc(target),
                            enc(fstype) if fstype else None, ctypes.c_ulong(flags),
                            enc(data) if data else None)),
           f"mount({source!r}, {target!r}, {fstype!r})")


# -- what to apply -------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """rlimits for the call (``None``: leave as inherited)."""

    cpu_seconds: int | None = None
    file_size: int | None = 256 << 20
    open_files: int | None = 256
    address_space: int | None = None   # the memory cgroup is the cap where there is one
    processes: int | None = None       # RLIMIT_NPROC counts per uid: the cgroup's pids.max is better
    core: int = 0


@dataclass(frozen=True)
class Policy:
    """What ``enter`` applies in the launcher's child. ``begin`` applies the
    part that is the same for every call of a topic (``fixed_part``):
    namespaces, hidden folders, private /tmp and /dev/shm, the ``expose_ro``
    binds, /proc, the bounding set. ``finish`` applies the rest, in this
    order: cgroup (and its namespace), the call's own folders, descriptors,
    rlimits, environment, working folder, then the uid drop."""

    #: ``None``: stay who we are (user tier).
    uid: int | None = None
    gid: int | None = None
    #: The call's cgroup (made by the parent with ``Cgroup.create``).
    cgroup: Cgroup | None = None
    #: A mount namespace with the folders below (root, or a user namespace).
    mount_namespace: bool = False
    #: Also IPC, UTS and cgroup namespaces (cheap; trusted tier).
    extra_namespaces: bool = False
    #: A network namespace for this call alone, loopback up. Off by default:
    #: the network namespace is the topic's (see ``topic_command``).
    net_namespace: bool = False
    #: Use a user namespace (user tier, to get a mount namespace without root).
    user_namespace: bool = False
    #: Folders made unreadable: an empty tmpfs is mounted over each.
    hide: tuple[str, ...] = ()
    #: Folders visible read-only at their own path (inside hidden ones too):
    #: the workspace copy, the interpreter's prefix.
    expose_ro: tuple[str, ...] = ()
    #: Folders visible read-write at their own path (the call's working
    #: folder, folders a test hands to the code); chowned to ``uid``. Bound
    #: by ``finish``, as ``call_ro`` is: they differ from call to call.
    expose_rw: tuple[str, ...] = ()
    #: Folders of this call alone visible read-only (a test's driver module).
    call_ro: tuple[str, ...] = ()
    #: Private tmpfs sizes (bytes) for ``/tmp`` and ``/dev/shm``.
    tmp_size: int = 256 << 20
    shm_size: int = 64 << 20
    #: A fresh ``/proc`` where the call sees only its own uid's processes.
    hide_pids: bool = True
    #: Working folder to change to after the mounts (``None``: stay).
    cwd: str | None = None
    limits: Limits = field(default_factory=Limits)
    #: Descriptors kept open besides 0, 1 and 2 (the answer channel); every
    #: other one is closed, so none can point into a hidden folder.
    keep_fds: tuple[int, ...] = ()
    #: The environment student code gets (``None``: the allow-list of the current one).
    environment: dict[str, str] | None = None


@dataclass(frozen=True)
class Tier:
    """What this machine can give: the tier's name and the things it enforces."""

    name: str
    enforced: tuple[str, ...]
    #: Why something a higher tier would have is missing (for the report).
    missing: tuple[str, ...] = ()


def probe() -> Tier:
    """Which tier this process can give its children (cheap; no fork)."""
    if not sys.platform.startswith("linux"):
        return Tier("none", ("rlimits",) if _has_resource() else (), ("not Linux",))
    missing: list[str] = []
    if os.geteuid() == 0:
        layout = cgroup_layout()
        if layout is None:
            missing.append("no writable cgroup hierarchy with memory and pids")
        else:
            return Tier("trusted", trusted_enforced(layout))
    userns = _userns_allowed()
    enforced = ["rlimits", "no_new_privs", "dumpable=0 for the grader"]
    if userns:
        enforced += ["user namespace", "private /tmp and /dev/shm"]
    else:
        missing.append("user namespaces not allowed by the kernel")
    return Tier("user", tuple(enforced), tuple(missing))


def trusted_enforced(layout: CgroupLayout) -> tuple[str, ...]:
    kill = "cgroup.kill" if layout.v2_kill else "freezer" if "freezer" in layout.v1 else "signals"
    return ("uid drop (no groups, no capabilities)", "no_new_privs", "rlimits",
            "pid namespace (topic)", "network namespace (topic, loopback only)",
            "mount namespace (checkout, tests and scratch hidden; workspace read-only)",
            "private /tmp and /dev/shm", "ipc namespace",
            f"cgroup {layout.kind}: memory, pids, kill by {kill}")


def _has_resource() -> bool:
    return resource is not None


def _userns_allowed() -> bool:
    for path, bad in (("/proc/sys/kernel/unprivileged_userns_clone", "0"),
                      ("/proc/sys/user/max_user_namespaces", "0")):
        try:
            if Path(path).read_text().strip() == bad:
                return False
        except OSError:
            continue
    return True


# -- entering: the launcher's child, before student code ---------------------------


def enter(policy: Policy) -> tuple[str, ...]:
    """Contain the calling process (the launcher's forked child) for good.

    Call it after setsid, chdir and dup2 and before the student's module is
    imported; it returns what it enforced. Any failure raises
    ``ContainError``: the child must then exit (``CONTAIN_FAILED``) without
    running student code. Nothing here can be undone by the process.
    ``begin`` then ``finish``: the warm launcher's spare processes do the
    first while they wait for a call (see ``_child``).
    """
    return finish(begin(policy), policy)


@dataclass(frozen=True)
class Begun:
    """What ``begin`` did in this process, for ``finish``."""

    #: The policy's part it applied (``fixed_part``): ``finish`` takes only a policy with the same.
    fixed: Policy
    done: tuple[str, ...]
    #: Folders covered by an empty tmpfs (real paths), each with an ``O_PATH``
    #: handle of the folder it covers, opened before: what ``finish`` binds
    #: from inside them is reached through it. Closed by ``finish``.
    handles: dict[str, int] = field(default_factory=dict)
    #: The folders to cover with their tmpfs options, shortest first; what
    #: was exposed so far (real path, writable).
    covers: tuple[tuple[str, str], ...] = ()
    exposed: tuple[tuple[str, bool], ...] = ()
    #: The cgroup joined ahead (``Cgroup.describe``), if any: ``finish``
    #: joins the call's own only when it is another.
    joined: dict[str, object] | None = None


#: A policy's fields that differ from call to call: ``finish`` applies them.
_CALL_FIELDS = ("cgroup", "expose_rw", "call_ro", "cwd", "limits", "keep_fds", "environment")

#: The fields ``begin`` applies, the same for every call of a topic.
_FIXED_FIELDS = tuple(f.name for f in dataclasses.fields(Policy) if f.name not in _CALL_FIELDS)


def fixed_part(policy: Policy) -> Policy:
    """What ``begin`` applies of ``policy``: it with the call's own fields at their defaults."""
    blank = Policy()
    return dataclasses.replace(policy, **{name: getattr(blank, name) for name in _CALL_FIELDS})


def _fixed_alike(policy: Policy, fixed: Policy) -> bool:
    """``fixed_part(policy) == fixed`` for a ``fixed`` made by ``fixed_part``,
    without making another policy (in every call, before student code)."""
    return all(getattr(policy, name) == getattr(fixed, name) for name in _FIXED_FIELDS)


#: ``begin`` keeps its handles at or above this descriptor number, out of the
#: way of the descriptors a call is given (0, 1, 2, 3) and of ``_place``'s.
HANDLES_FROM = 600


def begin(policy: Policy, ahead: Cgroup | None = None) -> Begun:
    """The part of ``enter`` that is the same for every call of a topic
    (see ``Policy``); ``finish`` does the rest. ``ahead``: a cgroup to join
    first, the one the parent keeps for the next call (joining one is the
    dearest step of ``finish``: a spare takes it while it waits). Raises
    ``ContainError``."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "containment: Linux only")
    if ahead is not None:
        ahead.attach(os.getpid())
    done: list[str] = []
    handles: dict[str, int] = {}
    covers: tuple[tuple[str, str], ...] = ()
    exposed: tuple[tuple[str, bool], ...] = ()
    if policy.mount_namespace or policy.net_namespace or policy.user_namespace:
        flags = 0
        if policy.user_namespace:
            flags |= CLONE_NEWUSER
        if policy.mount_namespace:
            flags |= CLONE_NEWNS
        if policy.extra_namespaces:
            flags |= CLONE_NEWIPC | CLONE_NEWUTS  # the cgroup one in finish, once in the call's group
        if policy.net_namespace:
            flags |= CLONE_NEWNET
        outer_uid, outer_gid = os.getuid(), os.getgid()
        unshare(flags)
        if policy.user_namespace:
            _map_self(outer_uid, outer_gid)
            done.append("user namespace")
        if policy.net_namespace:
            loopback_up()
            done.append("network namespace (loopback)")
        if policy.mount_namespace:
            handles, covers = _cover(policy)
            exposed = tuple((os.path.realpath(p), False) for p in policy.expose_ro)
            try:
                _expose(handles, covers, exposed, exposed, owner=None)
                if policy.hide_pids:
                    try:
                        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
                    except ContainError:
                        if not policy.user_namespace:
                            raise  # a user namespace outside the pid namespace's owner may not
            except BaseException:
                _close_handles(handles)
                raise
            done.append("mount namespace")
    if policy.uid is not None:
        _drop_bounding_set()  # needs CAP_SETPCAP, which the uid drop takes away: before it
    return Begun(fixed_part(policy), tuple(done), handles, covers, exposed,
                 ahead.describe() if ahead is not None else None)


def finish(begun: Begun, policy: Policy) -> tuple[str, ...]:
    """The rest of ``enter`` after ``begin(fixed_part(policy))`` (in this
    process); what was enforced, both parts. Raises ``ContainError``, also
    for a ``policy`` whose fixed part is not the one ``begun`` applied."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "containment: Linux only")
    try:
        if not _fixed_alike(policy, begun.fixed):
            raise ContainError(errno.EINVAL, "containment begun for another policy")
        done = list(begun.done)
        if policy.cgroup is not None:
            if policy.cgroup.describe() != begun.joined:
                policy.cgroup.attach(os.getpid())
            done.append(f"cgroup {policy.cgroup.kind}")
        if policy.extra_namespaces and (policy.mount_namespace or policy.net_namespace
                                        or policy.user_namespace):
            unshare(CLONE_NEWCGROUP)  # after the attach: its root is the call's group
            done.append("ipc, uts, cgroup namespaces")
        if policy.mount_namespace:
            # Real paths as the launcher's parent sees them (this view hides their parents).
            mine = (*((p, False) for p in policy.call_ro), *((p, True) for p in policy.expose_rw))
            owner = None if policy.uid is None else (
                policy.uid, policy.gid if policy.gid is not None else policy.uid)
            _expose(begun.handles, begun.covers, mine, (*begun.exposed, *mine), owner)
    finally:
        _close_handles(begun.handles)
    _close_fds(policy.keep_fds)
    _apply_limits(policy.limits)
    done.append("rlimits")
    environment = (policy.environment if policy.environment is not None
                   else allowed_environment(dict(os.environ)))
    if dict(os.environ) != environment:  # (a spare sets its last call's ahead)
        os.environ.clear()
        os.environ.update(environment)
    if policy.user_namespace and policy.mount_namespace:
        # Mounts made in a namespace can be unmounted by whoever holds
        # CAP_SYS_ADMIN there: the student's code, in its own user
        # namespace. One more level locks them (mounts inherited by a
        # less privileged mount namespace cannot be taken apart).
        unshare(CLONE_NEWUSER | CLONE_NEWNS)
        _map_self(os.getuid(), os.getgid())
    if policy.user_namespace:
        # A new user namespace grants every capability inside it: gone
        # before student code (the uid is not 0 there, so none come back).
        _drop_bounding_set()
        drop_capabilities()
    if policy.cwd is not None:
        # After the mounts: the old working folder may lie in a hidden tree.
        os.chdir("/")
        os.chdir(policy.cwd)
    if policy.uid is not None:
        _drop_privileges(policy.uid, policy.gid if policy.gid is not None else policy.uid)
        done.append(f"uid {policy.uid}, no groups, no capabilities")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    done.append("no_new_privs")
    if (policy.uid is not None or policy.user_namespace) and own_capabilities() != 0:
        raise ContainError(errno.EPERM, "capabilities left after the uid drop")
    return tuple(done)


def call_policy(*, slot: int, checkout: str, scratch: str, workspace: str, cwd: str,
                writable: Sequence[str] = (), cgroup: Cgroup | None = None,
                keep_fds: Sequence[int] = (), limits: Limits | None = None,
                engine: bool = True, readable: Sequence[str] = (), hidden: Sequence[str] = (),
                environment: dict[str, str] | None = None) -> Policy:
    """The trusted tier's policy for one call of topic number ``slot``.

    Hidden: the checkout, the grader's scratch tree, root's home and
    ``hidden``. Seen read-only: the workspace copy, the interpreter, and
    (``engine``) the checkout's ``grading/`` package, which a ``spawn``
    child may need when the launcher's ``__main__`` lives there; for this
    call alone, ``readable``. Read-write: the call's working folder and
    ``writable`` (folders a test hands to the code). ``environment``: the
    student code's (None: the allow-list of the current one).
    """
    engine_dir = os.path.join(checkout, "grading")
    return Policy(
        uid=UID_BASE + slot, cgroup=cgroup, mount_namespace=True, extra_namespaces=True,
        hide=(checkout, scratch, *home_folders(), *hidden),
        expose_ro=(workspace, *interpreter_paths((checkout, scratch, *home_folders(), *hidden)),
                   *((engine_dir,) if engine and os.path.isdir(engine_dir) else ())),
        expose_rw=(cwd, *writable), call_ro=tuple(readable), cwd=cwd, keep_fds=tuple(keep_fds),
        limits=limits or Limits(), environment=environment)


def user_policy(*, checkout: str, workspace: str, cwd: str, writable: Sequence[str] = (),
                keep_fds: Sequence[int] = (), limits: Limits | None = None) -> Policy:
    """The user tier's policy: a user namespace where the kernel allows one
    (private /tmp and /dev/shm, the checkout out of the call's view, the
    workspace read-only), rlimits with an address-space cap (no cgroup), and
    ``no_new_privs``. Hiding here is no secret: see docs/trust.md."""
    userns = sys.platform.startswith("linux") and _userns_allowed()
    return Policy(
        user_namespace=userns, mount_namespace=userns, hide_pids=False,
        hide=(checkout,), expose_ro=(workspace, *interpreter_paths((checkout,))),
        expose_rw=(cwd, *writable), cwd=cwd, keep_fds=tuple(keep_fds),
        limits=limits or Limits(address_space=4 << 30))


def allowed_environment(env: dict[str, str], home: str | None = None) -> dict[str, str]:
    """The allow-listed part of ``env``, with ``HOME`` and ``TMPDIR`` set."""
    kept = {k: v for k, v in env.items() if k in ENV_ALLOWED or k.startswith("LC_")}
    kept.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    kept["TMPDIR"] = "/tmp"
    kept["HOME"] = home or "/tmp"
    return kept


def _close_fds(keep: Iterable[int]) -> None:
    """Close every descriptor but 0, 1, 2 and ``keep``: the open ones, as
    listed by ``/proc/self/fd`` (exact, whatever the fd limit)."""
    kept = {0, 1, 2, *keep}
    try:
        open_now = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        open_now = list(range(3, 1 << 16))
    for fd in open_now:
        if fd not in kept:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own descriptor, already closed


def _apply_limits(limits: Limits) -> None:
    if sys.platform == "win32" or resource is None:
        return  # no rlimits there
    wanted = [(resource.RLIMIT_CORE, limits.core),
              (resource.RLIMIT_FSIZE, limits.file_size),
              (resource.RLIMIT_NOFILE, limits.open_files),
              (resource.RLIMIT_AS, limits.address_space),
              (resource.RLIMIT_CPU, limits.cpu_seconds),
              (resource.RLIMIT_NPROC, limits.processes)]
    for which, value in wanted:
        if value is None:
            continue
        soft, hard = resource.getrlimit(which)
        new = value if hard == resource.RLIM_INFINITY else min(value, hard)
        # Hard and soft alike: the student's code cannot raise them again.
        resource.setrlimit(which, (new, new))


def _map_self(uid: int, gid: int) -> None:
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


#: Whether this process has emptied its bounding set (a fork inherits both):
#: the warm helper does it once (``_warm_up``), not each of its spares.
_bounding_dropped = False


def _bounding_lost() -> None:
    """A new user namespace gives a full bounding set back."""
    global _bounding_dropped
    _bounding_dropped = False


def _drop_bounding_set() -> None:
    # Needs CAP_SETPCAP, which goes with the uid drop: done first.
    global _bounding_dropped
    if _bounding_dropped:
        return
    for cap in range(CAP_LAST_GUESS + 1):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except ContainError as exc:
            if exc.errno == errno.EINVAL:
                break
            raise
    _bounding_dropped = True


def drop_capabilities() -> None:
    """capset(2) to nothing: effective, permitted and inheritable."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = ctypes.create_string_buffer(24)     # two empty __user_cap_data_struct
    _check(int(_lib().capset(ctypes.c_char_p(header), data)), "capset")


def _drop_privileges(uid: int, gid: int) -> None:
    """Groups, gid and uid (the bounding set went in ``begin``)."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "uid drop: Linux only")
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        raise ContainError(exc.errno or errno.EPERM, f"uid drop: {exc}") from exc


def own_capabilities() -> int:
    """This thread's effective and permitted capabilities, or-ed (capget(2):
    no ``/proc`` parsing in every call)."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = ctypes.create_string_buffer(24)
    _check(int(_lib().capget(ctypes.c_char_p(header), data)), "capget")
    words = struct.unpack("6I", data.raw)  # (effective, permitted, inheritable) × 2
    return int(words[0] | words[1] | words[3] << 32 | words[4] << 32)


def effective_capabilities(pid: str = "self") -> int:
    """CapEff of a process, from ``/proc/<pid>/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return 0


def loopback_up() -> None:
    """Bring up ``lo`` in the current network namespace (no ``ip`` binary)."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "network namespaces: Linux only")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        import fcntl  # POSIX only: imported where it is used, so Windows can import this module

        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def _cover(policy: Policy) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """Private propagation, then an empty tmpfs over each hidden folder and
    over /tmp and /dev/shm; the handles of what they cover, and the folders."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "mount namespaces: Linux only")
    import fcntl  # POSIX only: imported where it is used, so Windows can import this module

    mount(None, "/", None, MS_REC | MS_PRIVATE)
    options = {os.path.realpath(h): "mode=0755,size=1m" for h in policy.hide}
    for target, size in (("/tmp", policy.tmp_size), ("/dev/shm", policy.shm_size)):
        options[os.path.realpath(target)] = f"mode=1777,size={size}"
    covers = tuple(sorted(options.items(), key=lambda item: len(item[0])))
    handles: dict[str, int] = {}
    try:
        # Opened before anything is covered: a bind from /proc/self/fd/N
        # reaches a folder whose path a tmpfs covers.
        for folder, _ in covers:
            if os.path.isdir(folder):
                fd = os.open(folder, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
                handles[folder] = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, HANDLES_FROM)
                os.close(fd)
        for folder, option in covers:
            if os.path.isdir(folder):  # (not inside one covered already)
                mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, option)
    except BaseException:
        _close_handles(handles)
        raise
    return handles, covers


def _expose(handles: dict[str, int], covers: Sequence[tuple[str, str]],
            now: Sequence[tuple[str, bool]], every: Sequence[tuple[str, bool]],
            owner: tuple[int, int] | None) -> None:
    """Bind each of ``now`` (real path, writable) at its own path, reached
    through the handle of the outermost covered folder it lies in, or in
    place (read-only ones) where none does; writable ones go to ``owner``.
    A covered folder inside one is covered again, and what of ``every``
    lies inside it bound back."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "mount namespaces: Linux only")
    for path, writable in sorted(now, key=lambda item: len(item[0])):
        outer = next((c for c, _ in covers if c in handles and (path == c or _within(path, c))), None)
        if outer is None and writable:
            if owner is not None:
                os.chown(path, *owner)
            continue  # in plain sight, and writable already
        if outer is None:
            fd = os.open(path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        else:
            fd = os.open(os.path.relpath(path, outer), os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC,
                         dir_fd=handles[outer])
        try:
            if writable and owner is not None:
                os.chown(f"/proc/self/fd/{fd}", *owner)
            os.makedirs(path, mode=0o755, exist_ok=True)
            _bind(fd, path, writable)
        finally:
            os.close(fd)
        for inner, option in covers:
            if _within(inner, path) and os.path.isdir(inner):
                mount("tmpfs", inner, "tmpfs", MS_NOSUID | MS_NODEV, option)
                _expose(handles, covers, [e for e in every if e[0] == inner or _within(e[0], inner)],
                        every, owner)


def _close_handles(handles: dict[str, int]) -> None:
    for fd in handles.values():
        try:
            os.close(fd)
        except OSError:
            pass
    handles.clear()


def _bind(fd: int, path: str, writable: bool) -> None:
    source = f"/proc/self/fd/{fd}"
    mount(source, path, None, MS_BIND | MS_REC)
    if not writable:
        mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _within(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip("/") + "/")


@functools.cache
def interpreter_paths(hidden: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Folders the interpreter needs at its own path (spawn children exec it);
    found once per process and ``hidden``, in the view ``begin`` changes: the
    warm helper finds them before it forks (``_warm_up``, and the fixed part
    of its spares' policy, ``_child._fixed_policy``, whose ``hidden`` is a
    spare's call's), and a spare, whose view has changed, reuses them.

    Its prefixes and the folder of its binary, and the folder of
    ``sys.executable`` as it is spelled: a spawn child executes that path,
    which in a virtual environment is a link to the binary (and ``-S``
    leaves ``sys.prefix`` at the base interpreter's). Where ``pyvenv.cfg``
    marks a virtual environment, all of it: an interpreter copied into one
    finds its standard library through that file. None of ``hidden``, /tmp
    or /dev/shm: an environment made in the checkout itself shows only the
    folder of its interpreter. (Cached: per process, once for each ``hidden``.)"""
    named = os.path.realpath(os.path.dirname(os.path.abspath(sys.executable)))
    found = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
             os.path.dirname(os.path.realpath(sys.executable)), named}
    environment = os.path.dirname(named)
    if os.path.isfile(os.path.join(environment, "pyvenv.cfg")):
        found.add(environment)
    found -= {os.path.realpath(h) for h in (*hidden, "/tmp", "/dev/shm")}
    # One folder within another: the outer one is enough.
    return tuple(sorted(p for p in found if not any(_within(p, q) for q in found)))


def home_folders() -> tuple[str, ...]:
    """Root's home (the grader's), and the folder holding the checkout's
    tree up to the first folder other users may not read."""
    return tuple(p for p in ("/root",) if os.path.isdir(p))


def protect_self() -> bool:
    """``PR_SET_DUMPABLE(0)``: this process's ``/proc/<pid>/fd``, memory and
    environment are closed to processes of the same uid (the user tier's
    main defence of the grader and the test processes). False if not Linux."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl(PR_SET_DUMPABLE, 0)
    except ContainError:
        return False
    return True


# -- cgroups: the parent side -------------------------------------------------------

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class CgroupLayout:
    """Where the controllers are: ``v2`` (one tree with memory and pids
    enabled), or ``v1`` (one tree per controller), maybe beside a v2 tree
    that has no controllers but can still kill (``v2_kill``)."""

    kind: str                      # "v2" or "v1"
    #: v2: the folder new groups go into (the grader's own group's parent side).
    v2: Path | None = None
    #: v1: controller -> the folder new groups go into.
    v1: dict[str, Path] = field(default_factory=dict)
    #: A v2 folder (maybe controller-less) where cgroup.kill works.
    v2_kill: Path | None = None


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path ("" is the v2 tree)."""
    found: dict[str, str] = {}
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            found[name] = path
    return found


def _mounts() -> list[tuple[str, str, str]]:
    rows = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 4:
            rows.append((parts[1], parts[2], parts[3]))
    return rows


def cgroup_layout(keep_freezer: bool = False) -> CgroupLayout | None:
    """Where this machine's cgroups can be made, nested under the grader's
    own groups (so every limit above the grader still holds); None when no
    usable hierarchy is writable. ``keep_freezer``: the v1 freezer even
    where cgroup.kill makes it unneeded (its own kill path, self-tested)."""
    own = _own_cgroups()
    v2_mount: Path | None = None
    v1: dict[str, Path] = {}
    for target, fstype, options in _mounts():
        if fstype == "cgroup2":
            v2_mount = Path(target)
        elif fstype == "cgroup":
            for name in ("memory", "pids", "freezer"):
                if name in options.split(","):
                    v1[name] = Path(target) / own.get(name, "/").lstrip("/")
    v2_here = v2_mount / own.get("", "/").lstrip("/") if v2_mount else None
    if v2_here is not None and _v2_controllers(v2_here) >= {"memory", "pids"}:
        return CgroupLayout("v2", v2=v2_here, v2_kill=v2_here)
    if {"memory", "pids"} <= set(v1) and all(os.access(p, os.W_OK) for p in v1.values()):
        kill = v2_here if v2_here is not None and (v2_here / "cgroup.procs").exists() \
            and os.access(v2_here, os.W_OK) else None
        if kill is not None and not keep_freezer and _children_have_kill(kill):
            # cgroup.kill ends a group at once, however fast it forks: the
            # freezer would be one more hierarchy to join and leave per call.
            v1.pop("freezer", None)
        return CgroupLayout("v1", v1=v1, v2_kill=kill)
    return None


_KILL_FILES: dict[Path, bool] = {}


def _children_have_kill(folder: Path) -> bool:
    """Whether groups made under the v2 ``folder`` get ``cgroup.kill``
    (Linux 5.14 and later; a hierarchy's root has none of its own): a
    group made and removed at once, the answer kept for the process."""
    if folder not in _KILL_FILES:
        probe = folder / f"kata-probe-{os.urandom(6).hex()}"  # a topic process is pid 1: not its pid
        try:
            probe.mkdir()
        except OSError:
            return False
        try:
            _KILL_FILES[folder] = (probe / "cgroup.kill").exists()
        finally:
            try:
                probe.rmdir()
            except OSError:
                pass
    return _KILL_FILES[folder]


def _v2_controllers(folder: Path) -> set[str]:
    try:
        return set((folder / "cgroup.controllers").read_text().split())
    except OSError:
        return set()


def enable_v2_controllers(layout: CgroupLayout) -> None:
    """On v2 a group's children get memory and pids only when the group
    delegates them (``cgroup.subtree_control``), which a group holding
    processes may not do: the grader's own processes are moved into a leaf
    ``grader`` first. Called once per grade, by the grader, before any
    ``Cgroup.create``."""
    assert layout.v2 is not None
    control = layout.v2 / "cgroup.subtree_control"
    if {"memory", "pids"} <= set(control.read_text().split()):
        return
    try:
        control.write_text("+memory +pids")
    except OSError as exc:
        if exc.errno != errno.EBUSY:
            raise
        leaf = layout.v2 / "grader"
        leaf.mkdir(exist_ok=True)
        for pid in (layout.v2 / "cgroup.procs").read_text().split():
            try:
                (leaf / "cgroup.procs").write_text(pid)
            except OSError:
                pass  # a process that ended meanwhile
        control.write_text("+memory +pids")


class Cgroup:
    """One group of processes: a call (or a topic) with its limits.

    ``create`` (parent, before fork), ``attach`` (the child itself, first
    thing in ``enter``), ``procs``, ``kill`` (freeze, then SIGKILL to all,
    then thaw: nothing can fork in between), ``remove``.
    """

    def __init__(self, layout: CgroupLayout, folders: dict[str, Path], name: str) -> None:
        self.layout = layout
        #: controller ("unified" for the v2 folder) -> folder.
        self.folders = folders
        self.name = name
        #: The kernel's count of memory kills in the group when its current
        #: use began (``renew``, when the last use ended): a group is used
        #: again once it is empty.
        self.oom_kills_before = 0

    def renew(self) -> bool:
        """End a use of this group, now empty, and begin the next: whether
        the kernel killed a process of it for memory during the use that
        ended (``memory_exceeded``); memory kills count from now on, and
        v1's peak usage starts again from zero. One read of the counters."""
        kills = self.memory_events().get("oom_kill", 0)
        exceeded = kills > self.oom_kills_before
        self.oom_kills_before = kills
        if self.kind == "v1":
            _write(self.folders["memory"] / "memory.max_usage_in_bytes", "0", optional=True)
        return exceeded

    @property
    def kind(self) -> str:
        return self.layout.kind

    def describe(self) -> dict[str, object]:
        """The group as plain data (JSON), for the child that joins it."""
        return {"name": self.name, "kind": self.kind,
                "folders": {k: str(v) for k, v in self.folders.items()}}

    @classmethod
    def described(cls, data: dict[str, object]) -> Cgroup:
        """The group ``describe`` gave (the child side: it only attaches)."""
        folders = data["folders"]
        assert isinstance(folders, dict)
        return cls(CgroupLayout(str(data["kind"])), {str(k): Path(str(v)) for k, v in folders.items()},
                   str(data["name"]))

    @classmethod
    def create(cls, name: str, memory: int | None = None, pids: int | None = None,
               layout: CgroupLayout | None = None, parent: Cgroup | None = None) -> Cgroup:
        """Make the group ``name`` (under ``parent``'s folders if given) with
        a memory cap in bytes (no swap on top) and a cap on its tasks."""
        found = layout or (parent.layout if parent else cgroup_layout())
        if found is None:
            raise ContainError(errno.ENOENT, "no writable cgroup hierarchy")
        bases: dict[str, Path] = {}
        if found.kind == "v2":
            assert found.v2 is not None
            bases["unified"] = found.v2
        else:
            bases.update(found.v1)
            if found.v2_kill is not None:
                bases["unified"] = found.v2_kill
        folders = {}
        for key, base in bases.items():
            if parent is not None:
                base = parent.folders[key]
            folder = base / name
            try:
                folder.mkdir()
            except FileExistsError:
                pass
            folders[key] = folder
        group = cls(found, folders, name)
        group._limit(memory, pids)
        return group

    def _limit(self, memory: int | None, pids: int | None) -> None:
        if self.kind == "v2":
            folder = self.folders["unified"]
            if memory is not None:
                _write(folder / "memory.max", str(memory))
                _write(folder / "memory.swap.max", "0", optional=True)
                _write(folder / "memory.oom.group", "1", optional=True)
            if pids is not None:
                _write(folder / "pids.max", str(pids))
            return
        if memory is not None:
            folder = self.folders["memory"]
            _write(folder / "memory.limit_in_bytes", str(memory))
            _write(folder / "memory.memsw.limit_in_bytes", str(memory), optional=True)
        if pids is not None:
            _write(self.folders["pids"] / "pids.max", str(pids))

    def attach(self, pid: int) -> None:
        """Move ``pid`` into every folder of the group (the v2 one last)."""
        for key in sorted(self.folders, key=lambda k: k == "unified"):
            try:
                _write(self.folders[key] / "cgroup.procs", str(pid))
            except ContainError:
                if key == "unified" and self.kind == "v1":
                    continue  # a hybrid machine's kill folder is a bonus
                raise

    def procs(self) -> list[int]:
        """The processes in the group now (every folder, deduplicated)."""
        found: set[int] = set()
        for folder in self.folders.values():
            try:
                found.update(int(p) for p in _read(folder / "cgroup.procs").split())
            except (OSError, ValueError):
                continue
        return sorted(found)

    def empty(self) -> bool:
        """Whether the group holds no process now, from one folder's list
        (every process of the group is in each: ``attach`` joins them all;
        a hybrid machine's kill folder, which it may skip, is not the one
        read). False when the list cannot be read."""
        folder = self.folders.get("unified") if self.kind == "v2" else (
            self.folders.get("pids") or self.folders.get("memory"))
        try:
            return folder is not None and not _read(folder / "cgroup.procs").split()
        except OSError:
            return False

    def kill(self, timeout: float = 5.0) -> bool:
        """Kill every process in the group, however fast it forks; True when
        the group is empty afterwards."""
        if sys.platform != "linux":
            raise ContainError(errno.ENOSYS, "cgroups: Linux only")
        unified = self.folders.get("unified")
        if unified is not None and (unified / "cgroup.kill").exists() and self._in(unified):
            _write(unified / "cgroup.kill", "1")
        elif "freezer" in self.folders:
            freezer = self.folders["freezer"]
            _write(freezer / "freezer.state", "FROZEN")
            deadline = time.monotonic() + timeout
            while (freezer / "freezer.state").read_text().strip() != "FROZEN":
                if time.monotonic() > deadline:
                    break
                time.sleep(0.001)
            for pid in self.procs():
                _signal(pid, signal.SIGKILL)
            _write(freezer / "freezer.state", "THAWED")
        elif unified is not None and (unified / "cgroup.freeze").exists():
            _write(unified / "cgroup.freeze", "1")
            for pid in self.procs():
                _signal(pid, signal.SIGKILL)
            _write(unified / "cgroup.freeze", "0")
        else:
            for _ in range(100):  # no freezer: repeat until nothing is left
                left = self.procs()
                if not left:
                    break
                for pid in left:
                    _signal(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while self.procs():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.002)
        return True

    def _in(self, folder: Path) -> bool:
        """Whether the group's processes were placed in ``folder`` (hybrid
        machines: the v2 folder is joined after the v1 ones)."""
        try:
            return bool((folder / "cgroup.procs").read_text().split()) or not any(
                (f / "cgroup.procs").read_text().split() for k, f in self.folders.items()
                if k != "unified")
        except OSError:
            return False

    def memory_events(self) -> dict[str, int]:
        """The kernel's memory event counters for the group (oom, oom_kill, …)."""
        if self.kind == "v2":
            path = self.folders["unified"] / "memory.events"
        else:
            path = self.folders["memory"] / "memory.oom_control"
        events = _counters(path)
        if self.kind == "v1":
            failcnt = self.folders["memory"] / "memory.failcnt"
            try:
                events["max"] = int(_read(failcnt))
            except (OSError, ValueError):
                pass
        return events

    def memory_peak(self) -> int | None:
        path = (self.folders["unified"] / "memory.peak" if self.kind == "v2"
                else self.folders["memory"] / "memory.max_usage_in_bytes")
        try:
            return int(path.read_text())
        except (OSError, ValueError):
            return None

    def remove(self, timeout: float = 5.0) -> None:
        """Kill what is left and remove the group's folders."""
        if self.procs():
            self.kill(timeout)
        deadline = time.monotonic() + timeout
        for folder in sorted(self.folders.values(), key=lambda p: -len(str(p))):
            while True:
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    # EBUSY: a killed task not yet fully gone.
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        raise ContainError(exc.errno or errno.EBUSY,
                                           f"rmdir {folder}: {exc.strerror}") from exc
                    time.sleep(0.002)


def memory_exceeded(group: Cgroup) -> bool:
    """Whether the kernel killed a process of the group for going over its
    memory cap (the cap of the group, not the machine's)."""
    return group.memory_events().get("oom_kill", 0) > group.oom_kills_before


#: (Not on Windows, where this module is imported but its functions are not used.)
_CLOEXEC: int = getattr(os, "O_CLOEXEC", 0)


def _write(path: Path, value: str, optional: bool = False) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC, 0o666)
        try:
            os.write(fd, value.encode())  # (a kernel file takes it whole, or fails)
        finally:
            os.close(fd)
    except OSError as exc:
        if optional and exc.errno in (errno.ENOENT, errno.EACCES, errno.EINVAL):
            return
        raise ContainError(exc.errno or errno.EIO, f"write {value!r} to {path}: {exc.strerror}") from exc


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# -- the topic's namespaces -------------------------------------------------------


def topic_command(command: Sequence[str], scratch: str | None = None) -> list[str]:
    """``command`` wrapped so that it runs as pid 1 of a new pid namespace,
    with its own ``/proc`` and a network namespace holding loopback only;
    ``scratch``, the topic's own empty folder, is in memory there
    (``scratch_in_memory``).

    For the runner (as root) when it starts a topic's test process. The
    wrapper stays outside, waits, and ends as the command ended (its exit
    status, or the same signal); if the wrapper is killed, the namespace's
    pid 1 gets SIGKILL, and with it every process in the namespace.
    """
    where = ["--scratch", scratch] if scratch else []
    return [sys.executable, "-I", "-S", "-B", os.path.abspath(__file__), "topic", *where, "--",
            *command]


def enter_topic(net: bool = True, scratch: str | None = None) -> bool:
    """Move the calling process into the topic's own pid, mount and network
    namespaces, in process: the warm topic runner's forked child calls it
    before pytest starts. The caller forks once more: the new child returns
    from here as pid 1 of the namespace, with its own ``/proc``, loopback up
    and ``scratch`` in memory; this process stays outside, waits, and ends
    as that child ended (its exit status, or the same signal), never
    returning. Killed, it takes pid 1 with it (``PR_SET_PDEATHSIG``), and the
    kernel everything in the namespace. The process must be single-threaded.
    Returns whether ``scratch`` is in memory (see ``scratch_in_memory``)."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "topic namespaces: Linux only")
    unshare(CLONE_NEWPID | CLONE_NEWNS | (CLONE_NEWNET if net else 0))
    child = os.fork()
    if child == 0:
        try:
            return _become_topic(net, scratch)
        except BaseException as exc:  # noqa: BLE001 - never run the topic half contained
            os.write(2, f"topic namespace: {exc}\n".encode())
            os._exit(CONTAIN_FAILED)
    os._exit(_wait_as(child))


def _become_topic(net: bool, scratch: str | None) -> bool:
    """pid 1 of a topic's new namespaces, before its test process runs;
    whether ``scratch`` is in memory."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "topic namespaces: Linux only")
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    if net:
        loopback_up()
    if not scratch:
        return False
    return scratch_in_memory(scratch)


#: The size of a topic's scratch in memory (``scratch_in_memory``). What is
#: written there is small: the calls' folders and what student code writes in
#: its working folder (the tests' own files, uploads included, are under
#: pytest's basetemp, on disk), and each test's calls' folders go at its end.
SCRATCH_SIZE = 1 << 30


def scratch_in_memory(folder: str) -> bool:
    """Mount a tmpfs over ``folder`` (the topic's scratch, still empty), in this
    process's own mount namespace, with the folder's owner and mode: the
    test process makes folders for every call (and, where output and answer
    are not memory files, files), and on a journaled disk each one costs a
    quarter of a millisecond or more, on tmpfs a hundredth of that. What a
    call writes there is charged to the call's memory cgroup, as its other
    memory is; the namespace's end frees it all. Only where four times
    ``SCRATCH_SIZE`` of memory is available, to the machine and under the
    grader's memory cgroups (``_available_memory``): otherwise, and if the
    mount fails, the scratch stays on disk (False)."""
    if _available_memory() < 4 * SCRATCH_SIZE:
        return False
    found = os.stat(folder)
    options = f"mode={found.st_mode & 0o7777:o},uid={found.st_uid},gid={found.st_gid},size={SCRATCH_SIZE}"
    try:
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, options)
    except ContainError:
        return False
    return True


def _available_memory() -> int:
    """Bytes this process may still take: ``MemAvailable`` of ``/proc/meminfo``,
    or less where a memory cgroup above it leaves less room (a container's
    limit: the machine's figure says nothing of it). 0 when unknown."""
    found = _machine_available()
    try:
        room = _cgroup_memory_room()
    except (OSError, ValueError):  # an unreadable mount table: the machine's figure
        room = None
    return found if room is None else min(found, room)


def _machine_available() -> int:
    """``MemAvailable`` of ``/proc/meminfo``, in bytes (0 when unknown)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


#: Per memory hierarchy kind: the controller's name in ``/proc/self/cgroup``,
#: the files of a group's limit and usage, and the ``memory.stat`` key of the
#: file pages it could drop (usage counts the page cache; MemAvailable does not).
_MEMORY_FILES = {"cgroup2": ("", "memory.max", "memory.current", "inactive_file"),
                 "cgroup": ("memory", "memory.limit_in_bytes", "memory.usage_in_bytes",
                            "total_inactive_file")}


def _cgroup_memory_room() -> int | None:
    """The least room (limit minus usage, the file cache it could drop counted in)
    among this process's memory cgroups and those above them, up to the
    hierarchy's root; None where none has a limit that can be read."""
    own = _own_cgroups()
    rooms = []
    for target, fstype, options in _mounts():
        if fstype not in _MEMORY_FILES:
            continue
        controller, limit_file, usage_file, cache_key = _MEMORY_FILES[fstype]
        path = own.get(controller)
        if path is None or (controller and controller not in options.split(",")) \
                or ".." in Path(path).parts:
            continue  # not this hierarchy's memory, or above the namespace's root
        top = Path(target)
        folder = top / path.lstrip("/")
        while True:
            limit, usage = _read_bytes(folder / limit_file), _read_bytes(folder / usage_file)
            if limit is not None and usage is not None:
                rooms.append(max(0, limit - usage + _counters(folder / "memory.stat").get(cache_key, 0)))
            if folder == top or top not in folder.parents:
                break
            folder = folder.parent
    return min(rooms) if rooms else None


def _read(path: Path) -> str:
    """A kernel file, whole: no buffered text layer (a cgroup's files are
    read after every call)."""
    fd = os.open(path, os.O_RDONLY | _CLOEXEC)
    try:
        chunks = [os.read(fd, 1 << 16)]
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 16))
    finally:
        os.close(fd)
    return b"".join(chunks).decode("ascii", "replace")


def _counters(path: Path) -> dict[str, int]:
    """A cgroup file of "name number" lines (``memory.stat``, ``memory.events``);
    empty when unreadable."""
    try:
        rows = [line.split() for line in _read(path).splitlines()]
    except OSError:
        return {}
    return {r[0]: int(r[1]) for r in rows if len(r) == 2 and r[1].isdigit()}


def _read_bytes(path: Path) -> int | None:
    """A cgroup file's number of bytes; None for "max", or when unreadable."""
    try:
        text = path.read_text(encoding="ascii").strip()
        return None if text == "max" else int(text)
    except (OSError, ValueError):
        return None


#: The namespaces a topic's call helper shares with the topic's test process,
#: in the order ``join_topic`` enters them (a mount namespace's ``/proc``
#: belongs to its pid namespace, which applies to children only).
TOPIC_NAMESPACES = (("net", CLONE_NEWNET), ("mnt", CLONE_NEWNS), ("pid", CLONE_NEWPID))


def join_topic(fds: Sequence[int]) -> None:
    """Enter the topic's namespaces, open as ``fds`` (in ``TOPIC_NAMESPACES``
    order, from the topic's ``/proc/self/ns``): the grade's call-helper
    factory does this in a fresh fork, for one topic's call helper. The pid
    namespace applies to the children made after this; the process must be
    single-threaded (a mount namespace cannot be joined otherwise)."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "topic namespaces: Linux only")
    if len(fds) != len(TOPIC_NAMESPACES):
        raise ContainError(errno.EINVAL, "join_topic: one descriptor per namespace")
    for fd, (_, kind) in zip(fds, TOPIC_NAMESPACES, strict=True):
        setns(fd, kind)


def _wait_as(child: int) -> int:
    """Wait for ``child``, passing on SIGTERM, SIGINT and SIGHUP; end by the
    same signal as the child, or return its exit status."""
    if sys.platform == "win32":
        raise ContainError(errno.ENOSYS, "topic namespaces: Linux only")
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        # Passed on: pid 1 gets only the signals it has a handler for (Python
        # has one for SIGINT; pytest-timeout's SIGALRM); SIGKILL always works.
        signal.signal(sig, lambda s, _f: _signal(child, s))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    if os.WIFSIGNALED(status):
        ended_by = os.WTERMSIG(status)
        signal.signal(ended_by, signal.SIG_DFL)
        os.kill(os.getpid(), ended_by)
    return os.waitstatus_to_exitcode(status)


def run_topic(command: Sequence[str], net: bool = True, scratch: str | None = None) -> int:
    """The wrapper's work (see ``topic_command``); returns an exit status."""
    if sys.platform != "linux":
        raise ContainError(errno.ENOSYS, "topic namespaces: Linux only")
    unshare(CLONE_NEWPID | CLONE_NEWNS | (CLONE_NEWNET if net else 0))
    child = os.fork()
    if child == 0:
        try:
            _become_topic(net, scratch)
            os.execvp(command[0], list(command))
        except BaseException as exc:  # noqa: BLE001 - report, never return into the wrapper
            os.write(2, f"topic namespace: {exc}\n".encode())
        os._exit(CONTAIN_FAILED)
    return _wait_as(child)


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["topic"]:
        scratch = None
        if argv[1:2] == ["--scratch"] and len(argv) > 2:
            scratch, argv = argv[2], argv[2:]
        if argv[1:2] == ["--"]:
            return run_topic(argv[2:], scratch=scratch)
    if argv[:1] == ["probe"]:
        tier = probe()
        print(tier.name)
        for item in tier.enforced:
            print(f"  + {item}")
        for item in tier.missing:
            print(f"  - {item}")
        return 0
    print("usage: contain.py probe | topic [--scratch FOLDER] -- COMMAND...", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
