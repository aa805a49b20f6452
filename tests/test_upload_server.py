"""Hidden tests of ``upload_server``: the student's ``serve(host, port, dest_dir)``.

The student's server runs in the sandbox; this test process is the client. It
speaks the wire format of the contract (a 4-byte ``'<i'`` length, the JSON
header, the body) and looks at ``dest_dir`` and at the server process from
outside: which files appear, whether a connection is dropped, how much CPU
time and memory the server uses. Every socket call has a time-out and every
wait a deadline, so a broken server fails a test instead of hanging it.
"""
from __future__ import annotations

import errno
import functools
import hashlib
import json
import operator
import os
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import psutil
import pytest

from grading.testing import NEVER_LISTENED, Running, Sandbox, Text, fail, free_port, timed_out, wait_for

MiB = 1024 * 1024
HOST = "127.0.0.1"
IO_TIMEOUT = 10.0  # no single socket call of a test blocks longer than this
START_TIMEOUT = 6.0  # the server must be listening within this
STORE_TIMEOUT = 12.0  # an upload must be stored within this after it was sent...
STALL = 3.0  # ...but stop waiting once nothing has changed on disk for this long,
CLOSED_STALL = 0.5  # or for this long after the server closed the connection
DROP_TIMEOUT = 2.0  # a bad header must close its connection within this
PORT_ATTEMPTS = 4  # another process may take the free port first: try a new one
PIECE_PAUSE = 0.01  # between the 1-byte pieces of a header
BODY = b"hello"  # the body sent after a bad header
BODY_SIZE = len(BODY)
FRAME = re.compile(r'\s*File "(.+)", line (\d+), in (\S+)')  # a traceback frame


# --- the server, seen from outside ------------------------------------------------


class Server:
    """The student's running server, its port and the folders around ``dest``."""

    def __init__(self, running: Running, port: int, dest: Path) -> None:
        self.running = running
        self.port = port
        self.dest = dest
        self.root = dest.parent  # holds dest and a sibling: both must stay clean

    def alive(self) -> bool:
        return bool(self.running.alive())

    def connect(self, *, nodelay: bool = False, did: Text | None = None) -> socket.socket:
        """A client connection; fails the test with the server's fate if refused."""
        try:
            sock = socket.create_connection((HOST, self.port), timeout=IO_TIMEOUT)
        except OSError as exc:
            wait_for(lambda: not self.alive(), 2.0)  # refused: the server may be ending
            self.fail(*[did] * bool(did), CANNOT_CONNECT.format(port=self.port, error=exc))
        if nodelay:  # each tiny send leaves at once instead of waiting to be merged
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def processes(self) -> list[psutil.Process]:
        """The server's interpreter and every process it started."""
        try:
            return [self.running.process, *self.running.process.children(recursive=True)]
        except psutil.Error:
            return []

    def cpu_seconds(self) -> float:
        total = 0.0
        for proc in self.processes():
            try:
                times = proc.cpu_times()
            except psutil.Error:
                continue
            total += times.user + times.system
        return total

    def rss(self) -> int:
        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total

    def post_mortem(self) -> tuple[Text | None, Text]:
        """Stop the server (the test is failing) and say how it ended: the
        Python error its code raised or printed, if any, with what it means
        (the cause, said first), and the rest of what is known."""
        died = not self.alive()
        call = self.running.stop()
        error = ""
        rest: list[Text] = []
        if call.error is not None:  # serve() itself raised: the whole server is gone
            error = f"{call.error.type}: {call.error.message}"
            cause: Text | None = SERVER_RAISED.format(error=error)
        else:
            printed = last_error(call.stderr or "")  # e.g. the traceback of a thread that died
            error = printed
            cause = SERVER_PRINTED.format(text=printed) if printed else None
            if died:
                rest.append(SERVER_ENDED.format(code=call.exit_code))
        if cause is None:
            return None, join(rest)
        return join([cause, *explain(error)]), join(rest)

    def fail(self, *parts: Text | None, hung: bool = False) -> NoReturn:
        """Fail the test: the server's own error first when it had one, then
        what was sent and what became of it (``parts``), then the rest.
        ``hung``: the server never got there, a time-out rather than a failure."""
        cause, rest = self.post_mortem()
        message = join([p for p in (cause, *parts, rest) if p is not None])
        if hung:
            timed_out(message)
        fail(message)


def explain(error: str) -> list[Text]:
    """What a Python error of the server means, in the words of the lesson."""
    said: list[Text] = []
    if "must be str, not bytes" in error:
        said.append(TEXT_MODE)
    elif "codec can't decode" in error:
        said.append(TEXT_HINT)
    if error.startswith("error:") and "unpack" in error:  # struct.error
        said.append(UNPACK_HINT)
    if error.startswith("JSONDecodeError"):
        said.append(JSON_HINT)
    return said


def _is_no_listen(error: str) -> bool:
    """accept() on a socket that was never put in listening mode: EINVAL."""
    return error.startswith("OSError") and (f"[Errno {errno.EINVAL}]" in error or "10022" in error)


def _is_port_taken(error: str) -> bool:
    return "Address already in use" in error or f"[Errno {errno.EADDRINUSE}]" in error or "10048" in error


def last_error(stderr: str) -> str:
    """The last exception line of what the server printed, with where it was raised."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    places = [m for m in map(FRAME.match, lines) if m]
    where = f" ({Path(places[-1][1]).name}, line {places[-1][2]}, in {places[-1][3]})" if places else ""
    return lines[-1].strip()[:300] + where


def _listening_ports(procs: list[psutil.Process]) -> set[int]:
    ports: set[int] = set()
    for proc in procs:
        try:
            conns = proc.net_connections(kind="tcp")
        except psutil.Error:
            continue
        ports.update(c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN)
    return ports


def _started(server: Server) -> bool:
    """The server process has ended or listens somewhere."""
    return not server.alive() or bool(_listening_ports(server.processes()))


def start_server(sandbox: Sandbox, dest: Path) -> Server:
    """Start ``serve(HOST, port, dest)`` on a free port and wait until it listens.

    Readiness is read from the process's listening sockets, not by connecting:
    a probe connection would itself be a client that closes without sending.
    """
    sandbox.refuse_if_hung("serve.listen", call="serve", text=NEVER_LISTENED)
    for _ in range(PORT_ATTEMPTS):
        port = free_port()
        running = sandbox.start("serve", HOST, port, str(dest))
        server = Server(running, port, dest)
        wait_for(functools.partial(_started, server), START_TIMEOUT)
        if running.alive():
            ports = _listening_ports(server.processes())
            if port in ports:
                return server
            if ports:
                server.fail(WRONG_PORT.format(port=port, ports=sorted(ports)))
            # It never listened: a hang of serve() itself, not waited for again in this topic.
            sandbox.record_hang("serve.listen", START_TIMEOUT)
            server.fail(NOT_LISTENING.format(port=port, seconds=START_TIMEOUT), hung=True)
        call = running.stop()
        error = "" if call.error is None else f"{call.error.type}: {call.error.message}"
        if _is_port_taken(error):
            continue  # someone took the port between free_port() and bind(): retry
        if _is_no_listen(error):
            fail(join([NO_LISTEN, SERVER_RAISED.format(error=error)]))
        call.unwrap()  # NotImplementedError, a crash at start: the engine's outcome
        fail(SERVE_RETURNED, value=call.value)
    fail(PORT_BUSY, attempts=PORT_ATTEMPTS)


# --- the client -----------------------------------------------------------------


def header(name: Any, size: Any, *, ascii_only: bool = False, **extra: Any) -> bytes:
    """The 4-byte length prefix and the JSON header of one upload."""
    data = json.dumps({"file_name": name, "file_size": size, **extra},
                      ensure_ascii=ascii_only).encode("utf-8")
    return struct.pack("<i", len(data)) + data


def raw(payload: bytes) -> bytes:
    """A length prefix for any header bytes, valid JSON or not."""
    return struct.pack("<i", len(payload)) + payload


def upload(name: str, data: bytes, **kw: Any) -> bytes:
    return header(name, len(data), **kw) + data


def send(sock: socket.socket, data: bytes) -> bool:
    """Send everything; False when the server closed, reset or stopped reading."""
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def close_abruptly(sock: socket.socket) -> None:
    """Close with a reset (RST), as when the client's process is killed mid-send."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def peer_closed(sock: socket.socket) -> bool:
    """Has the server closed (or reset) this connection? It never sends anything."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def snapshot(root: Path) -> dict[str, int]:
    """Every file under ``root`` (dest_dir, its sibling, the parent) with its size."""
    found: dict[str, int] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            try:
                found[path.relative_to(root).as_posix()] = path.stat().st_size
            except OSError:
                pass  # renamed or removed while we looked
    return found


def size_of(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def await_file(server: Server, name: str, size: int, timeout: float = STORE_TIMEOUT,
               sock: socket.socket | None = None) -> bool:
    """Wait until ``dest/name`` holds ``size`` bytes.

    Gives up early when the server died, or nothing under the parent folder has
    changed for STALL seconds (CLOSED_STALL once the server has closed ``sock``),
    so a broken server costs seconds, not minutes.
    """
    path = server.dest / name
    deadline = time.monotonic() + timeout
    last: dict[str, int] | None = None
    since = time.monotonic()
    while size_of(path) != size:
        now = time.monotonic()
        if now >= deadline or not server.alive():
            return size_of(path) == size
        seen = snapshot(server.root)
        if seen != last:
            last, since = seen, now
        elif now - since >= STALL or (
                now - since >= CLOSED_STALL and sock is not None and peer_closed(sock)):
            return False
        time.sleep(0.02)
    return True


def listing(server: Server) -> str:
    """What is under the parent folder, for messages."""
    seen = snapshot(server.root)
    if not seen:
        return "—"
    return ", ".join(f"{name} ({size:,} B)" for name, size in sorted(seen.items()))


def compare(got: bytes, sent: bytes, name: str) -> Text | None:
    """None when equal; otherwise what the difference says about the server."""
    if got == sent:
        return None
    if len(got) > len(sent) and got.startswith(sent):
        return STRAY_BYTES.format(name=name, sent=len(sent), extra=len(got) - len(sent))
    if len(got) < len(sent) and sent.startswith(got):
        return TRUNCATED.format(name=name, got=len(got), sent=len(sent))
    return DIFFERENT.format(name=name, got=len(got), sent=len(sent), at=first_difference(got, sent))


def first_difference(a: bytes, b: bytes, block: int = 64 * 1024) -> int:
    """Index of the first byte where a and b differ (block by block: files are big)."""
    end = min(len(a), len(b))
    for start in range(0, end, block):
        # Blocks are cut at `end`, so equal-length slices: a mismatch lies inside.
        stop = min(start + block, end)
        x, y = a[start:stop], b[start:stop]
        if x != y:
            return start + next((i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q), len(x))
    return end


def what_happened(server: Server, sock: socket.socket | None, name: str, sent: bytes,
                  did: Text, hint: Text | None = None) -> NoReturn:
    """Fail the test: what was sent (``did``), what became of it, what the server said."""
    path = server.dest / name
    if path.exists():
        found = compare(path.read_bytes(), sent, name) or LATE.format(name=name)
    elif not server.alive():
        found = NOT_STORED_DIED.format(name=name)
    elif sock is not None and peer_closed(sock):
        found = NOT_STORED_CLOSED.format(name=name, files=listing(server))
    else:
        found = NOT_STORED_OPEN.format(name=name, files=listing(server))
    server.fail(did, found, *[hint] * bool(hint))


def expect_stored(server: Server, sock: socket.socket | None, name: str, sent: bytes,
                  did: Text, hint: Text | None = None) -> None:
    """``dest/name`` must appear holding exactly ``sent``; ``hint`` names the likely mistake."""
    if not await_file(server, name, len(sent), sock=sock):
        what_happened(server, sock, name, sent, did, hint)
    found = compare((server.dest / name).read_bytes(), sent, name)
    if found is not None:
        server.fail(did, found, *[hint] * bool(hint))


def random_bytes(n: int) -> bytes:
    return os.urandom(n)


def mib_chunk(block: bytes, i: int) -> bytes:
    """MiB number ``i`` of a big upload: a random block stamped with its number.

    Cheap to make and to check, and no two MiB are alike; the stamp is ASCII
    digits, so a block without newlines gives a file without newlines.
    """
    return b"%08d" % i + block[8:]


def big_bytes(mib: int, block: bytes) -> bytes:
    return b"".join(mib_chunk(block, i) for i in range(mib))


# --- message plumbing -------------------------------------------------------------


def join(parts: list[Text]) -> Text:
    """One message from its parts, a line each (Text + Text); empty parts are left out."""
    kept = [p for p in parts if p.en or p.zh]
    return functools.reduce(operator.add, kept) if kept else Text(en="", zh="")


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
def dest(tmp_path: Path) -> Iterator[Path]:
    """``root/dest`` is dest_dir; ``root/sibling`` and ``root`` itself must stay empty."""
    root = tmp_path / "root"
    (root / "dest").mkdir(parents=True)
    (root / "sibling").mkdir()
    yield root / "dest"
    # Uploads of up to 128 MiB: do not leave them on disk after the test.
    for path in sorted(root.rglob("*"), reverse=True):
        try:
            path.rmdir() if path.is_dir() else path.unlink()
        except OSError:
            pass


# --- round trips ------------------------------------------------------------------


@pytest.mark.points(1)
def test_small_file(sandbox: Sandbox, dest: Path) -> None:
    """小文件原样保存 / a small file is stored byte for byte"""
    server = start_server(sandbox, dest)
    data = random_bytes(50_000)
    with server.connect() as sock:
        send(sock, upload("small.bin", data))
        expect_stored(server, sock, "small.bin", data, DID_ONE.format(name="small.bin", size=len(data)))


@pytest.mark.points(0.5)
def test_zero_byte_file(sandbox: Sandbox, dest: Path) -> None:
    """空文件（0 字节） / a zero-byte file"""
    server = start_server(sandbox, dest)
    with server.connect() as sock:
        send(sock, upload("empty.txt", b""))
        expect_stored(server, sock, "empty.txt", b"", DID_ONE.format(name="empty.txt", size=0))


@pytest.mark.points(0.5)
def test_non_ascii_name(sandbox: Sandbox, dest: Path) -> None:
    """中文文件名 / a file name that is not ASCII"""
    server = start_server(sandbox, dest)
    # Once as raw UTF-8 in the JSON, once escaped (\\u62a5): the contract allows both.
    for name, ascii_only in (("报告 ü.bin", False), ("数据 é.bin", True)):
        data = random_bytes(20_000)
        with server.connect() as sock:
            send(sock, upload(name, data, ascii_only=ascii_only))
            expect_stored(server, sock, name, data, DID_NON_ASCII.format(name=name, size=len(data)))


@pytest.mark.points(1)
def test_large_file_no_newline(sandbox: Sandbox, dest: Path) -> None:
    """64 MiB 无换行的二进制文件 / a 64 MiB binary file without a single newline"""
    server = start_server(sandbox, dest)
    data = big_bytes(64, random_bytes(MiB).translate(NO_NEWLINE))
    with server.connect() as sock:
        if send(sock, header("big.bin", len(data))):
            send(sock, data)
        if not await_file(server, "big.bin", len(data), sock=sock):
            what_happened(server, sock, "big.bin", data, DID_LARGE)
    with open(dest / "big.bin", "rb") as f:
        stored = hashlib.file_digest(f, "sha256").digest()
    if stored != hashlib.sha256(data).digest():
        found = compare((dest / "big.bin").read_bytes(), data, "big.bin")
        server.fail(DID_LARGE, found or LATE.format(name="big.bin"))


@pytest.mark.points(0.5)
def test_body_is_binary(sandbox: Sandbox, dest: Path) -> None:
    """文件内容按字节保存（不当作文本） / the body is stored as bytes, not decoded as text"""
    server = start_server(sandbox, dest)
    # Every byte value, CR/LF pairs and byte sequences that are not UTF-8.
    data = bytes(range(256)) * 4 + b"\r\n\n\r\x00\xff\xfe\xc3\x28\xe2\x82" * 50
    with server.connect() as sock:
        send(sock, upload("bytes.bin", data))
        expect_stored(server, sock, "bytes.bin", data, DID_BINARY.format(size=len(data)), TEXT_HINT)


# --- loops ----------------------------------------------------------------------


@pytest.mark.points(1)
def test_several_uploads_one_connection(sandbox: Sandbox, dest: Path) -> None:
    """同一连接上连续上传多个文件（通信循环） / several uploads on one connection (communication loop)"""
    server = start_server(sandbox, dest)
    files = [("one.bin", random_bytes(30_000)), ("two.bin", b""), ("three.bin", random_bytes(40_000))]
    with server.connect() as sock:
        for i, (name, data) in enumerate(files):
            send(sock, upload(name, data))
            did = DID_SEQUENCE.format(n=i + 1, name=name, size=len(data))
            if not await_file(server, name, len(data), sock=sock):
                if i and peer_closed(sock):
                    server.fail(did, ONE_PER_CONNECTION.format(first=files[0][0]))
                what_happened(server, sock, name, data, did)
            expect_stored(server, sock, name, data, did)


@pytest.mark.points(1)
def test_back_to_back_uploads(sandbox: Sandbox, dest: Path) -> None:
    """两个上传紧挨着发送（一次 sendall） / two uploads sent back to back in one sendall"""
    server = start_server(sandbox, dest)
    first, second = random_bytes(20_007), random_bytes(10_003)
    with server.connect() as sock:
        send(sock, upload("first.bin", first) + upload("second.bin", second))
        did = DID_BACK_TO_BACK.format(a=len(first), b=len(second))
        expect_stored(server, sock, "first.bin", first, did)
        expect_stored(server, sock, "second.bin", second, did, LOOP_HINT)


@pytest.mark.points(1)
def test_connections_one_after_another(sandbox: Sandbox, dest: Path) -> None:
    """多个客户端先后连接（连接循环） / several clients, one after another (connection loop)"""
    server = start_server(sandbox, dest)
    for i in range(3):
        name, data = f"client{i + 1}.bin", random_bytes(10_000 + i)
        did = DID_CONNECTIONS.format(n=i + 1, name=name)
        with server.connect(did=did) as sock:
            send(sock, upload(name, data))
        # The client has closed: the server must store the file and accept the next one.
        expect_stored(server, None, name, data, did)


@pytest.mark.points(1)
def test_header_in_pieces(sandbox: Sandbox, dest: Path) -> None:
    """报头分成 1 字节的小块到达 / the header arrives in 1-byte pieces"""
    server = start_server(sandbox, dest)
    data = random_bytes(10_000)
    head = header("pieces.bin", len(data))
    with server.connect(nodelay=True) as sock:
        for i in range(len(head)):
            if peer_closed(sock) or not send(sock, head[i:i + 1]):
                server.fail(DID_PIECES.format(n=len(head)), CLOSED_AFTER_PIECES.format(got=i))
            time.sleep(PIECE_PAUSE)
        send(sock, data)
        expect_stored(server, sock, "pieces.bin", data, DID_PIECES.format(n=len(head)), SHORT_RECV_HINT)


@pytest.mark.points(0.5)
def test_same_name_overwrites(sandbox: Sandbox, dest: Path) -> None:
    """同名文件再次上传时覆盖旧内容 / uploading the same name again replaces the old content"""
    server = start_server(sandbox, dest)
    old, new = random_bytes(40_000), random_bytes(10_000)
    did = DID_TWICE.format(old=len(old), new=len(new))
    with server.connect() as sock:
        send(sock, upload("same.bin", old))
        expect_stored(server, sock, "same.bin", old, did)
        send(sock, upload("same.bin", new))
        if not await_file(server, "same.bin", len(new), sock=sock):
            got = (dest / "same.bin").read_bytes() if (dest / "same.bin").exists() else b""
            if got == old + new:
                server.fail(did, APPENDED)
            if got == old and peer_closed(sock):
                server.fail(did, ONE_PER_CONNECTION.format(first="same.bin"))
            what_happened(server, sock, "same.bin", new, did)
        expect_stored(server, sock, "same.bin", new, did)


# --- clients that go away -----------------------------------------------------------


@pytest.mark.points(0.5)
def test_client_closes_without_sending(sandbox: Sandbox, dest: Path) -> None:
    """客户端连上后什么都不发就关闭 / a client connects and closes without sending"""
    server = start_server(sandbox, dest)
    server.connect().close()
    time.sleep(0.2)
    data = random_bytes(10_000)
    with server.connect(did=DID_SILENT) as sock:
        send(sock, upload("after.bin", data))
        expect_stored(server, sock, "after.bin", data, DID_SILENT)


@pytest.mark.points(0.5)
def test_client_dies_mid_header(sandbox: Sandbox, dest: Path) -> None:
    """客户端发到报头一半时断开 / a client dies in the middle of its header"""
    server = start_server(sandbox, dest)
    head = header("lost.bin", 1000)
    sock = server.connect()
    send(sock, head[: 4 + (len(head) - 4) // 2])
    time.sleep(0.1)
    close_abruptly(sock)
    time.sleep(0.2)
    data = random_bytes(10_000)
    did = DID_MID_HEADER.format(half=4 + (len(head) - 4) // 2, n=len(head))
    with server.connect(did=did) as sock:
        send(sock, upload("after.bin", data))
        expect_stored(server, sock, "after.bin", data, did)


def _die_mid_body(server: Server, name: str) -> tuple[int, int, bool]:
    """A client announces 64 MiB, sends 1 MiB and closes. Returns (sent,
    announced, whether anything appeared on disk before it closed)."""
    announced, part = 64 * MiB, random_bytes(MiB)
    sock = server.connect()
    send(sock, header(name, announced) + part)
    # Let the server write what arrived (its temporary file appears), then hang up.
    wrote = wait_for(lambda: bool(snapshot(server.root)), 2.0)
    sock.close()
    return len(part), announced, wrote


@pytest.mark.points(1)
def test_client_dies_mid_body_server_goes_on(sandbox: Sandbox, dest: Path) -> None:
    """客户端传到一半断开：服务端不空转，继续服务 / a client dies mid-body: the server does not spin and goes on"""
    server = start_server(sandbox, dest)
    sent, announced, _ = _die_mid_body(server, "cut.bin")
    did = DID_MID_BODY.format(sent=sent, announced=announced)
    time.sleep(0.2)  # time to notice that the client is gone
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    time.sleep(1.0)
    used, spent = server.cpu_seconds() - cpu0, time.monotonic() - t0
    # An idle server uses next to nothing. A spinning one uses a whole core, or less
    # on a busy machine: a low bar, which a waiting server never comes near.
    if used > 0.15 * spent:
        server.fail(did, SPINS.format(used=used, spent=spent))
    data = random_bytes(10_000)
    with server.connect(did=join([did, NEXT_UPLOAD])) as sock:
        send(sock, upload("after.bin", data))
        expect_stored(server, sock, "after.bin", data, join([did, NEXT_UPLOAD]))


@pytest.mark.points(0.5)
def test_client_dies_mid_body_leaves_nothing(sandbox: Sandbox, dest: Path) -> None:
    """客户端传到一半断开：不留下半个文件 / a client dies mid-body: no half file is left"""
    server = start_server(sandbox, dest)
    sent, announced, wrote = _die_mid_body(server, "cut.bin")
    did = DID_MID_BODY.format(sent=sent, announced=announced)
    # Nothing left behind counts only from a server that was storing the body.
    if not wrote:
        server.fail(did, NOTHING_WRITTEN)
    wait_for(lambda: not snapshot(server.root), 3.0)
    left = snapshot(server.root)
    if "dest/cut.bin" in left:
        server.fail(did, PARTIAL_LEFT.format(size=left["dest/cut.bin"]))
    if left:
        server.fail(did, TEMP_LEFT.format(files=listing(server)))


# --- names and headers --------------------------------------------------------------


@pytest.mark.points(1)
def test_path_escaping_names(sandbox: Sandbox, dest: Path) -> None:
    """文件名中的路径不能逃出目标目录 / a path in the file name never escapes dest_dir"""
    server = start_server(sandbox, dest)
    sibling = server.root / "sibling"
    names = {"../escape_up.bin": "escape_up.bin",
             f"{sibling}/escape_abs.bin": "escape_abs.bin",
             "sub/../../escape_mixed.bin": "escape_mixed.bin"}
    problems: list[str] = []
    problems_zh: list[str] = []
    for sent_name, base in names.items():
        data = random_bytes(5_000)
        with server.connect() as sock:
            send(sock, upload(sent_name, data))
            stored = await_file(server, base, len(data), 5.0, sock)
        if not stored or (dest / base).read_bytes() != data:
            problems.append(f"{sent_name!r} was not stored as dest_dir/{base}")
            problems_zh.append(f"{sent_name!r} 没有保存为 dest_dir/{base}")
    outside = sorted(n for n in snapshot(server.root) if not n.startswith("dest/"))
    if outside or problems:
        en = "; ".join(problems + [f"written outside dest_dir: {', '.join(outside)}"] * bool(outside))
        zh = "；".join(problems_zh + [f"写到了 dest_dir 之外：{', '.join(outside)}"] * bool(outside))
        server.fail(DID_ESCAPE.format(names=", ".join(map(repr, names))), Text(en=en + ".", zh=zh + "。"),
                    ESCAPE_HINT)


def _expect_dropped(server: Server, cases: list[tuple[str, str, bytes]], topic: Text) -> None:
    """Each (label_en, label_zh, bytes) on its own connection must be dropped, storing nothing."""
    problems: list[Text] = []
    for label_en, label_zh, payload in cases:
        with server.connect() as sock:
            send(sock, payload)
            wait_for(lambda: peer_closed(sock) or bool(snapshot(server.root)) or not server.alive(),
                     DROP_TIMEOUT)
            stored = snapshot(server.root)
            closed = peer_closed(sock)
        what = Text(en=label_en, zh=label_zh)
        if not server.alive():
            server.fail(BAD_DIED.format(label=what))
        if stored:
            problems.append(BAD_STORED.format(label=what, files=listing(server)))
            for name in stored:
                (server.root / name).unlink(missing_ok=True)  # the next case starts clean
        elif not closed:
            problems.append(BAD_OPEN.format(label=what, seconds=DROP_TIMEOUT))
    data = random_bytes(10_000)
    with server.connect(did=join([topic, AFTER_BAD])) as sock:
        send(sock, upload("good.bin", data))
        expect_stored(server, sock, "good.bin", data, join([topic, AFTER_BAD]))
    if problems:
        fail(join([topic, join(problems), BAD_HINT]))


def _bad(size: Any = BODY_SIZE, name: Any = "bad.bin") -> bytes:
    return header(name, size) + BODY


@pytest.mark.points(0.5)
def test_bad_length_prefix(sandbox: Sandbox, dest: Path) -> None:
    """报头长度不合理时断开该连接 / a bad header length drops the connection"""
    server = start_server(sandbox, dest)
    big = json.dumps({"file_name": "bad.bin", "file_size": len(BODY), "pad": ""}).encode()
    big = big.replace(b'"pad": ""', b'"pad": "' + b"x" * (64 * 1024 + 1 - len(big)) + b'"')
    _expect_dropped(server, [
        ("the length prefix 0", "长度前缀 0", struct.pack("<i", 0) + _bad()),
        ("the length prefix -5", "长度前缀 -5", struct.pack("<i", -5) + _bad()),
        (f"a well-formed header of {len(big):,} bytes (more than 64 KiB)",
         f"一个 {len(big):,} 字节（超过 64 KiB）的合法报头", raw(big) + BODY),
    ], BAD_PREFIX_TOPIC)


@pytest.mark.points(0.5)
def test_bad_json_header(sandbox: Sandbox, dest: Path) -> None:
    """报头不是 JSON 对象时断开该连接 / a header that is not a JSON object drops the connection"""
    server = start_server(sandbox, dest)
    _expect_dropped(server, [
        ("a header that is not UTF-8", "不是 UTF-8 的报头", raw(b"\xff\xfe{}") + BODY),
        ("a header that is not JSON", "不是 JSON 的报头", raw(b"file_name=bad.bin") + BODY),
        ("a JSON list", "JSON 列表", raw(b'["bad.bin", 5]') + BODY),
        ("a JSON string", "JSON 字符串", raw(b'"bad.bin"') + BODY),
        ('a header without "file_size"', '缺少 "file_size" 的报头', raw(b'{"file_name": "bad.bin"}') + BODY),
        ('a header without "file_name"', '缺少 "file_name" 的报头', raw(b'{"file_size": 5}') + BODY),
    ], BAD_JSON_TOPIC)


@pytest.mark.points(0.5)
def test_bad_file_size(sandbox: Sandbox, dest: Path) -> None:
    """file_size 不是非负整数时断开该连接 / a file_size that is not an int >= 0 drops the connection"""
    server = start_server(sandbox, dest)
    _expect_dropped(server, [
        (f"file_size {json.dumps(v)}", f"file_size 为 {json.dumps(v)}", _bad(size=v))
        for v in (-1, True, 1.5, "5", None)
    ], BAD_SIZE_TOPIC)


@pytest.mark.points(0.5)
def test_bad_file_name(sandbox: Sandbox, dest: Path) -> None:
    """文件名无效时断开该连接 / a bad file name drops the connection"""
    server = start_server(sandbox, dest)
    _expect_dropped(server, [
        (f"file_name {json.dumps(v)}", f"file_name 为 {json.dumps(v)}", _bad(name=v))
        for v in ("", ".", "..", "sub/", 123)
    ], BAD_NAME_TOPIC)


# --- how the file is written --------------------------------------------------------


@pytest.mark.points(1)
def test_final_name_only_when_complete(sandbox: Sandbox, dest: Path) -> None:
    """先写以 . 开头的临时文件，完整后才改名 / a hidden temporary file, renamed only when complete"""
    server = start_server(sandbox, dest)
    data = big_bytes(16, random_bytes(MiB))
    part = 256 * 1024
    did = DID_HALF.format(part=part, size=len(data))
    with server.connect() as sock:
        send(sock, header("whole.bin", len(data)) + data[:part])
        wait_for(lambda: bool(snapshot(server.root)), 3.0)
        seen = snapshot(server.root)
        if "dest/whole.bin" in seen:
            server.fail(did, FINAL_TOO_EARLY.format(size=seen["dest/whole.bin"]))
        temps = [n for n in seen if n.startswith("dest/.")]
        if not temps:
            server.fail(did, NO_TEMP.format(files=listing(server)))
        send(sock, data[part:])
        expect_stored(server, sock, "whole.bin", data, did)
        wait_for(lambda: set(snapshot(server.root)) == {"dest/whole.bin"}, 2.0)
        left = sorted(set(snapshot(server.root)) - {"dest/whole.bin"})
        if left:
            server.fail(did, TEMP_AFTER_RENAME.format(files=", ".join(left)))


@pytest.mark.points(1)
def test_bounded_memory(sandbox: Sandbox, dest: Path) -> None:
    """接收 128 MiB 文件时内存不随文件增长 / memory stays bounded while receiving 128 MiB"""
    server = start_server(sandbox, dest)
    block, chunks = random_bytes(MiB), 128
    baseline = peak = server.rss()
    done = threading.Event()

    def sample() -> None:  # from outside: the resident memory of the server's processes
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.rss())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    did = DID_MEMORY.format(size=chunks)
    try:
        with server.connect() as sock:
            # Each 1 MiB chunk starts with its own number: a cheap pattern that is
            # still checkable, streamed without ever holding 128 MiB here.
            ok = send(sock, header("huge.bin", chunks * MiB))
            for i in range(chunks):
                ok = ok and send(sock, mib_chunk(block, i))
            if not await_file(server, "huge.bin", chunks * MiB, sock=sock):
                got = size_of(dest / "huge.bin")
                found = (TRUNCATED.format(name="huge.bin", got=got, sent=chunks * MiB)
                         if got is not None and got < chunks * MiB
                         else NOT_STORED_BIG.format(files=listing(server)))
                server.fail(did, found)
    finally:
        done.set()
        sampler.join()
    with open(dest / "huge.bin", "rb") as f:
        for i in range(0, chunks, 15):  # every 15th MiB: the 64 MiB test checks all bytes
            f.seek(i * MiB)
            if f.read(MiB) != mib_chunk(block, i):
                server.fail(did, BIG_DIFFERENT.format(mib=i))
    grew = (peak - baseline) / MiB
    if grew >= 32:
        server.fail(did, MEMORY_GREW.format(grew=grew, size=chunks))


@pytest.mark.points(0.5)
def test_slow_client_extra_credit(sandbox: Sandbox, dest: Path) -> None:
    """加分：慢客户端不会挡住其他客户端 / extra credit: a slow client does not hold up the others"""
    server = start_server(sandbox, dest)
    slow_data, quick_data = random_bytes(10_000), random_bytes(10_000)
    head = header("slow.bin", len(slow_data))
    half = 4 + (len(head) - 4) // 2
    with server.connect(nodelay=True) as slow:
        send(slow, head[:half])
        time.sleep(0.1)
        with server.connect() as quick:
            send(quick, upload("quick.bin", quick_data))
            if not await_file(server, "quick.bin", len(quick_data), STALL, quick):
                if server.alive() and not peer_closed(quick):  # B is waiting its turn
                    server.fail(SLOW_BLOCKS.format(half=half, seconds=STALL))
                what_happened(server, quick, "quick.bin", quick_data,
                              DID_SLOW_QUICK.format(half=half))
            expect_stored(server, quick, "quick.bin", quick_data, DID_SLOW_QUICK.format(half=half))
        send(slow, head[half:] + slow_data)
        expect_stored(server, slow, "slow.bin", slow_data, DID_SLOW_REST.format(half=half),
                      SHORT_RECV_HINT)


# --- texts ------------------------------------------------------------------------

NO_NEWLINE = bytes.maketrans(b"\n", b" ")  # the lesson's "line by line" has no line here

CANNOT_CONNECT = Text(
    en="Connecting to 127.0.0.1:{port} failed ({error}).",
    zh="连接 127.0.0.1:{port} 失败（{error}）。")
TEXT_MODE = Text(
    en="The file was opened in text mode ('w'), and recv() gives bytes: open it with 'wb' and "
       "write the bytes exactly as they came.",
    zh="文件是用文本模式（'w'）打开的，而 recv() 得到的是字节：用 'wb' 打开文件，原样写入收到的字节。")
NO_LISTEN = Text(
    en="The socket was never put in listening mode: call listen() after bind() and before accept().",
    zh="套接字没有进入监听状态：在 bind() 之后、accept() 之前调用 listen()。")
NOTHING_WRITTEN = Text(
    en="It was not stored at all: while 1 MiB of the body arrived, nothing appeared under "
       "dest_dir; the server must write the body to a temporary file in dest_dir as it arrives (that file is what must then "
       "be removed when the client dies).",
    zh="文件根本没有被保存：收到 1 MiB 文件内容期间，dest_dir 下什么也没有出现；"
       "服务端要边收边把内容写进 dest_dir 里的临时文件（客户端中途断开时，要删除的正是这个文件）。")
SERVER_RAISED = Text(
    en="Your server stopped with {error}.",
    zh="你的服务端异常退出：{error}。")
SERVER_ENDED = Text(
    en="Your server's process ended (exit code {code}).",
    zh="你的服务端进程结束了（退出码 {code}）。")
SERVER_PRINTED = Text(
    en="Your server printed: {text}",
    zh="你的服务端输出了：{text}")
UNPACK_HINT = Text(
    en="struct.unpack() needs exactly 4 bytes. recv() returns b'' when the client has closed "
       "the connection (then leave the communication loop and accept() the next client), and "
       "may return fewer bytes than asked (then keep reading).",
    zh="struct.unpack() 需要正好 4 个字节。客户端关闭连接后 recv() 返回 b''（此时应退出通信循环，"
       "accept() 下一个客户端）；recv() 也可能返回比请求少的字节（此时要继续读）。")
JSON_HINT = Text(
    en="json.loads() got an empty or incomplete header: recv() returns b'' when the client has "
       "closed, and may return fewer bytes than asked. A header that is not JSON is one "
       "client's fault: drop that connection, never let it stop the server.",
    zh="json.loads() 收到的报头为空或不完整：客户端关闭后 recv() 返回 b''，recv() 也可能返回比请求"
       "少的字节。报头不是 JSON 只是这个客户端的错：断开这个连接，不能让整个服务端停下。")
WRONG_PORT = Text(
    en="serve('127.0.0.1', {port}, dest_dir) was called, but your server listens on port(s) "
       "{ports}: bind to the host and port passed to serve().",
    zh="调用的是 serve('127.0.0.1', {port}, dest_dir)，你的服务端却监听在端口 {ports}："
       "请绑定 serve() 传入的 host 和 port。")
NOT_LISTENING = Text(
    en="serve('127.0.0.1', {port}, dest_dir) was called; nothing was listening on that port "
       "after {seconds:g} s. Expected: bind(), listen(), then accept() clients for ever.",
    zh="调用了 serve('127.0.0.1', {port}, dest_dir)；{seconds:g} 秒后该端口仍无人监听。"
       "应当 bind()、listen()，然后不停地 accept()。")
SERVE_RETURNED = Text(
    en="serve() returned {value!r}; a server runs for ever: accept clients in a loop.",
    zh="serve() 返回了 {value!r}；服务端应一直运行：在循环里 accept() 客户端。")
PORT_BUSY = Text(
    en="The server could not bind a free port in {attempts} attempts (Address already in use).",
    zh="尝试 {attempts} 次，服务端都无法绑定空闲端口（Address already in use）。")

DID_ONE = Text(
    en="Uploaded {name} ({size:,} bytes of random binary data) on one connection.",
    zh="在一个连接上上传了 {name}（{size:,} 字节随机二进制数据）。")
DID_NON_ASCII = Text(
    en="Uploaded {name!r} ({size:,} bytes); the header is UTF-8 JSON, so its length prefix "
       "counts bytes, not characters.",
    zh="上传了 {name!r}（{size:,} 字节）；报头是 UTF-8 编码的 JSON，长度前缀是字节数而不是字符数。")
DID_LARGE = Text(
    en="Uploaded big.bin: 64 MiB of random bytes with no newline at all.",
    zh="上传了 big.bin：64 MiB 随机字节，没有一个换行符。")
DID_BINARY = Text(
    en="Uploaded bytes.bin ({size:,} bytes: every byte value 0–255, \\r\\n pairs, bytes that "
       "are not UTF-8).",
    zh="上传了 bytes.bin（{size:,} 字节：0–255 的每个字节值、\\r\\n、非 UTF-8 的字节）。")
TEXT_HINT = Text(
    en="The body is bytes: write it exactly as it came, to a file opened with 'wb'; never "
       "decode it or open the file in text mode.",
    zh="文件内容是字节：原样写入以 'wb' 打开的文件；不要 decode，也不要用文本模式打开文件。")
DID_SEQUENCE = Text(
    en="On one connection, uploaded one.bin, two.bin (0 bytes) and three.bin one after another, "
       "each after the previous one was stored; upload {n} was {name} ({size:,} bytes).",
    zh="在同一个连接上依次上传 one.bin、two.bin（0 字节）、three.bin，每个都等上一个保存后才发；"
       "第 {n} 个是 {name}（{size:,} 字节）。")
ONE_PER_CONNECTION = Text(
    en="After storing {first}, your server closed the connection: keep a communication loop "
       "that reads the next header on the same connection until recv() returns b''.",
    zh="保存 {first} 之后你的服务端就关闭了连接：需要通信循环，在同一连接上继续读下一个报头，"
       "直到 recv() 返回 b''。")
DID_BACK_TO_BACK = Text(
    en="Sent two uploads back to back in one sendall(): first.bin ({a:,} bytes) immediately "
       "followed by the header and body of second.bin ({b:,} bytes).",
    zh="用一次 sendall() 紧挨着发送两个上传：first.bin（{a:,} 字节）后面紧跟 second.bin"
       "（{b:,} 字节）的报头和内容。")
STRAY_BYTES = Text(
    en="{name} holds the {sent:,} bytes sent and then {extra:,} stray bytes: they belong to what "
       "the client sent next. Ask recv() for at most the bytes still missing: "
       "recv(min(chunk, file_size - received)), not recv(1024).",
    zh="{name} 先是发送的 {sent:,} 字节，后面多了 {extra:,} 个字节：那是客户端接着发的下一段数据。"
       "每次最多只收还差的字节数：recv(min(chunk, file_size - received))，而不是 recv(1024)。")
TRUNCATED = Text(
    en="{name} holds only {got:,} of the {sent:,} bytes sent. Count the bytes recv() "
       "really returned (len(data)), not the size you asked for, and keep reading until "
       "file_size bytes have arrived.",
    zh="{name} 只有发送的 {sent:,} 字节中的 {got:,} 字节。要累加 recv() 实际返回的字节数"
       "（len(data)），而不是你请求的大小，一直收到 file_size 个字节为止。")
DIFFERENT = Text(
    en="{name} holds {got:,} bytes instead of the {sent:,} bytes sent; they differ from byte "
       "{at:,} on.",
    zh="{name} 有 {got:,} 字节，而发送的是 {sent:,} 字节；从第 {at:,} 个字节起内容不同。")
LATE = Text(
    en="{name} reached its full size only after the time allowed.",
    zh="{name} 超出等待时间后才达到完整大小。")
NOT_STORED_DIED = Text(
    en="{name} was not stored.",
    zh="{name} 没有被保存。")
NOT_STORED_CLOSED = Text(
    en="{name} was not stored and your server closed the connection. Under the folder: {files}.",
    zh="{name} 没有被保存，而且你的服务端关闭了连接。目录中有：{files}。")
NOT_STORED_OPEN = Text(
    en="{name} was not stored; the connection is still open, as if your server were still "
       "waiting for bytes. Under the folder: {files}.",
    zh="{name} 没有被保存；连接仍然打开，好像你的服务端还在等数据。目录中有：{files}。")
DID_CONNECTIONS = Text(
    en="Three clients connected one after another, each uploaded one file and closed; "
       "client {n} sent {name}.",
    zh="三个客户端先后连接，各上传一个文件后关闭；第 {n} 个客户端发送的是 {name}。")
DID_PIECES = Text(
    en="Sent the {n}-byte header (the 4-byte length and the JSON) in 1-byte pieces, 10 ms apart.",
    zh="把 {n} 字节的报头（4 字节长度加 JSON）拆成 1 字节的小块发送，每块间隔 10 毫秒。")
CLOSED_AFTER_PIECES = Text(
    en="Your server closed the connection after {got} byte(s): a single recv() may return "
       "fewer bytes than asked. Loop until you have them all (recv_exact).",
    zh="你的服务端在收到 {got} 个字节后关闭了连接：一次 recv() 可能只返回一部分数据，"
       "要循环读满所需的字节（recv_exact）。")
LOOP_HINT = Text(
    en="After one upload, keep a communication loop: read the next header on the same "
       "connection, until recv() returns b''.",
    zh="一个上传结束后要继续通信循环：在同一连接上读下一个报头，直到 recv() 返回 b''。")
SHORT_RECV_HINT = Text(
    en="A single recv() may return fewer bytes than asked: loop until you have them all.",
    zh="一次 recv() 可能只返回一部分数据：要循环读满。")
DID_SILENT = Text(
    en="A client connected and closed without sending anything; then another client "
       "uploaded after.bin.",
    zh="一个客户端连上后什么都没发就关闭了；之后另一个客户端上传 after.bin。")
DID_MID_HEADER = Text(
    en="A client sent {half} of the {n} header bytes and then its connection was reset "
       "(as when the client is killed); then another client uploaded after.bin.",
    zh="一个客户端发送了报头 {n} 字节中的 {half} 字节，然后连接被重置（就像客户端被杀死）；"
       "之后另一个客户端上传 after.bin。")
DID_MID_BODY = Text(
    en="A client announced cut.bin of {announced:,} bytes, sent {sent:,} of them and closed "
       "the connection.",
    zh="一个客户端声明 cut.bin 有 {announced:,} 字节，只发了 {sent:,} 字节就关闭了连接。")
SPINS = Text(
    en="In the {spent:.2f} s after that your server used {used:.2f} s of CPU time (expected "
       "nearly none): once the client has closed, recv() returns b'' at once, for ever — a "
       "receiving loop that does not stop on b'' spins at 100 % CPU.",
    zh="此后 {spent:.2f} 秒里你的服务端占用了 {used:.2f} 秒 CPU（应接近 0）：客户端关闭后 recv() "
       "会立即、永远返回 b''——不在 b'' 时退出的接收循环会让 CPU 空转到 100%。")
NEXT_UPLOAD = Text(
    en="Then another client uploaded after.bin.",
    zh="之后另一个客户端上传了 after.bin。")
PARTIAL_LEFT = Text(
    en="dest_dir still holds cut.bin ({size:,} bytes), a half file under the final name: write "
       "to a temporary file (its name starting with '.') and rename it only when complete.",
    zh="dest_dir 中留下了 cut.bin（{size:,} 字节），最终文件名下是半个文件：先写入以 '.' 开头的"
       "临时文件，完整后再改名。")
TEMP_LEFT = Text(
    en="3 s later the folder still holds {files}: remove the temporary file when the upload "
       "fails (stop when recv() returns b'', the client is gone).",
    zh="3 秒后目录中仍有 {files}：上传失败时要删除临时文件（recv() 返回 b'' 说明客户端已断开，应停止接收）。")
DID_ESCAPE = Text(
    en="Uploaded files named {names}, each on its own connection; dest_dir is root/dest.",
    zh="分别在各自的连接上上传了名为 {names} 的文件；dest_dir 是 root/dest。")
ESCAPE_HINT = Text(
    en="Keep only the last part of the name: os.path.basename(file_name), then join it to "
       "dest_dir; nothing may be written outside dest_dir.",
    zh="只取文件名的最后一部分：os.path.basename(file_name)，再与 dest_dir 拼接；"
       "绝不能写到 dest_dir 之外。")
BAD_DIED = Text(
    en="Sent {label} (then 5 bytes of body).",
    zh="发送了{label}（后面跟 5 字节内容）。")
BAD_STORED = Text(
    en="After {label} your server stored a file ({files}).",
    zh="发送{label}后，你的服务端保存了文件（{files}）。")
BAD_OPEN = Text(
    en="After {label} your server kept the connection open for {seconds:g} s.",
    zh="发送{label}后，你的服务端在 {seconds:g} 秒内没有关闭连接。")
AFTER_BAD = Text(
    en="Then a client uploaded good.bin on a new connection.",
    zh="之后一个客户端在新连接上上传 good.bin。")
BAD_HINT = Text(
    en="Expected for a bad header: store nothing, close that connection and go on serving "
       "the next client.",
    zh="遇到错误的报头：什么都不保存，关闭这个连接，继续服务下一个客户端。")
BAD_PREFIX_TOPIC = Text(
    en="Sent headers whose 4-byte length is 0, negative, or more than 64 KiB (65,536), each on "
       "its own connection.",
    zh="在各自的连接上发送了长度前缀为 0、负数、超过 64 KiB（65,536）的报头。")
BAD_JSON_TOPIC = Text(
    en="Sent headers that are not a JSON object with both keys, each on its own connection.",
    zh="在各自的连接上发送了不是「含两个键的 JSON 对象」的报头。")
BAD_SIZE_TOPIC = Text(
    en="Sent headers whose file_size is not an int >= 0 (true is not a size; neither is "
       "\"5\"), each on its own connection.",
    zh="在各自的连接上发送了 file_size 不是非负整数的报头（true 不是大小，\"5\" 也不是）。")
BAD_NAME_TOPIC = Text(
    en="Sent headers whose file_name has no usable base name (empty, '.', '..', a folder) or is "
       "not a string, each on its own connection.",
    zh="在各自的连接上发送了 file_name 没有可用文件名（空、'.'、'..'、目录）或不是字符串的报头。")
DID_HALF = Text(
    en="Announced whole.bin of {size:,} bytes, sent the first {part:,} and paused, then sent "
       "the rest.",
    zh="声明 whole.bin 有 {size:,} 字节，先发送前 {part:,} 字节并暂停，再发送其余部分。")
FINAL_TOO_EARLY = Text(
    en="During the pause dest_dir already held whole.bin ({size:,} bytes): a file must appear "
       "under its final name only when complete — write a temporary file whose name starts "
       "with '.' in dest_dir, then os.replace() it.",
    zh="暂停期间 dest_dir 中已经有 whole.bin（{size:,} 字节）：文件完整后才能以最终文件名出现——"
       "先在 dest_dir 中写以 '.' 开头的临时文件，再 os.replace() 改名。")
NO_TEMP = Text(
    en="During the pause there was no temporary file in dest_dir whose name starts with '.' "
       "(under the folder: {files}): stream the body into such a file as it arrives.",
    zh="暂停期间 dest_dir 中没有以 '.' 开头的临时文件（目录中有：{files}）："
       "应当边收边写进这样的临时文件。")
TEMP_AFTER_RENAME = Text(
    en="After whole.bin was stored the folder still held {files}: rename the temporary file, "
       "do not leave a copy behind.",
    zh="whole.bin 保存后目录中仍有 {files}：应把临时文件改名，而不是留下一份。")
DID_MEMORY = Text(
    en="Streamed huge.bin: {size} MiB in 1 MiB chunks.",
    zh="以 1 MiB 的块流式发送了 huge.bin：共 {size} MiB。")
NOT_STORED_BIG = Text(
    en="huge.bin was not stored in full. Under the folder: {files}.",
    zh="huge.bin 没有被完整保存。目录中有：{files}。")
BIG_DIFFERENT = Text(
    en="huge.bin has the right size but MiB number {mib} differs from what was sent.",
    zh="huge.bin 大小正确，但第 {mib} 个 MiB 的内容与发送的不同。")
MEMORY_GREW = Text(
    en="Your server's memory grew by {grew:.0f} MiB while receiving it (allowed: under 32 MiB): "
       "write each chunk to the file as it arrives instead of collecting the body in memory.",
    zh="接收期间你的服务端内存增长了 {grew:.0f} MiB（允许：少于 32 MiB）："
       "每收到一块就写入文件，不要把整个内容攒在内存里。")
DID_TWICE = Text(
    en="On one connection, uploaded same.bin ({old:,} bytes), then same.bin again with other "
       "content ({new:,} bytes).",
    zh="在同一个连接上先上传 same.bin（{old:,} 字节），再上传内容不同的 same.bin（{new:,} 字节）。")
APPENDED = Text(
    en="same.bin now holds the old content followed by the new: the file was opened in append "
       "mode ('ab'). Open it with 'wb' so the second upload replaces the first.",
    zh="same.bin 现在是旧内容后面接着新内容：文件是以追加模式（'ab'）打开的。"
       "应使用 'wb'，让第二次上传替换第一次的内容。")
SLOW_BLOCKS = Text(
    en="Client A sent {half} bytes of its header and paused; meanwhile client B uploaded "
       "quick.bin, which was not stored within {seconds:g} s: your server serves one client at "
       "a time. Serve each connection in its own thread (or process) so that one slow client "
       "does not hold up the others.",
    zh="客户端 A 发送了报头的 {half} 个字节后暂停；这期间客户端 B 上传 quick.bin，{seconds:g} 秒内"
       "没有被保存：你的服务端一次只服务一个客户端。为每个连接开一个线程（或进程），"
       "慢客户端就不会挡住其他客户端。")
DID_SLOW_QUICK = Text(
    en="Client A sent {half} bytes of its header and paused; meanwhile client B uploaded quick.bin.",
    zh="客户端 A 发送了报头的 {half} 个字节后暂停；这期间客户端 B 上传 quick.bin。")
DID_SLOW_REST = Text(
    en="Client A sent {half} bytes of its header, paused while client B uploaded, then sent "
       "the rest of its header and slow.bin.",
    zh="客户端 A 发送了报头的 {half} 个字节，在客户端 B 上传期间暂停，然后发送报头其余部分和 slow.bin。")
