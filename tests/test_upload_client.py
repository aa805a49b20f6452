"""Hidden tests for `upload_client` (大文件上传 · 客户端).

The student's client talks to a capturing server that lives in the test
process: a thread on 127.0.0.1 that accepts connections (with a time-out, so
it can stop) and reads every byte of each one. It parses the stream as it
arrives (4-byte prefix, JSON header, ``file_size`` bytes of content, and
again), hashing the content instead of keeping it, so a 128 MiB upload costs
the test no memory. ``upload`` takes a connected socket, which cannot cross
the process boundary: the test passes ``Connect(host, port)`` and the
sandbox's child connects it.

Memory is the RSS of the interpreter running ``upload``, sampled from here
with psutil while it sends a 128 MiB file that holds no newline; the
reference is the same interpreter kind after uploading a one-byte file. A
client that reads in chunks grows by a few MiB, one that holds the file (or
its single "line") grows by 128 MiB or more: the limit of 32 MiB sits far
from both.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import select
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest

from grading.testing import Call, Connect, Sandbox, Text, fail, wait_for

MiB = 1024 * 1024
#: Largest header length the capturing server believes (the server's rule).
MAX_HEADER = 64 * 1024
#: Bytes of each connection's stream kept verbatim, for messages.
HEAD_KEEP = 4096
#: The bounded-memory file: one "line" of this many bytes.
BIG_SIZE = 128 * MiB
#: Allowed growth of the client's RSS while it sends BIG_SIZE bytes.
MEMORY_LIMIT = 32 * MiB
#: Seconds the BIG_SIZE upload may take (a chunked client needs about 1 s;
#: this stays under the engine's 60 s per test).
BIG_TIMEOUT = 30.0
#: Seconds the capturing server waits for a client's connections to close.
CLOSE_WAIT = 5.0
#: What int() or files[n] raise on a choice that was not checked first.
CHOICE_CRASHES = ("ValueError", "IndexError", "KeyError", "TypeError")
#: Files of the folder main() is run on: names with no digits (the menu's
#: numbers are told apart from the names) and sizes that differ.
MENU_FILES = {"alpha.txt": 1500, "beta.bin": 2600, "gamma.md": 700}


# -- the capturing server ------------------------------------------------------


@dataclass
class Upload:
    """One upload as the server read it: the header and a hash of the content."""

    prefix: int
    header: dict[str, Any]
    size: int
    received: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    @property
    def name(self) -> Any:
        """The file_name as sent, down to its basename: the server keeps only that,
        and the exact value is test_header_prefix_and_fields' business."""
        name = self.header.get("file_name")
        return name.replace("\\", "/").rsplit("/", 1)[-1] if isinstance(name, str) else name

    @property
    def complete(self) -> bool:
        return self.received == self.size


class Stream:
    """One connection, parsed as uploads while the bytes arrive."""

    def __init__(self) -> None:
        self.head = bytearray()  # the first HEAD_KEEP bytes, verbatim
        self.total = 0
        self.closed = False
        self.uploads: list[Upload] = []
        #: Why parsing stopped (a header the server could not read), or None.
        self.problem: Text | None = None
        self.unparsed = 0  # bytes after the problem
        self._buf = bytearray()  # a prefix or header being collected
        self._want = 4  # bytes still needed by the part being collected
        self._in_header = False
        self._body_left = 0
        self._prefix = 0

    @property
    def pending(self) -> int:
        """Bytes of an unfinished prefix or header (the connection ended there)."""
        return len(self._buf)

    def feed(self, data: memoryview) -> None:
        self.total += len(data)
        if len(self.head) < HEAD_KEEP:
            self.head += data[: HEAD_KEEP - len(self.head)]
        pos = 0
        while pos < len(data):
            if self.problem is not None:
                self.unparsed += len(data) - pos
                return
            if self._body_left:
                take = min(self._body_left, len(data) - pos)
                upload = self.uploads[-1]
                upload.digest.update(data[pos:pos + take])
                upload.received += take
                self._body_left -= take
                pos += take
                continue
            take = min(self._want, len(data) - pos)
            self._buf += data[pos:pos + take]
            self._want -= take
            pos += take
            if self._want == 0:
                self._part_done()

    def _part_done(self) -> None:
        raw = bytes(self._buf)
        self._buf.clear()
        if not self._in_header:
            (length,) = struct.unpack("<i", raw)
            if not 0 < length <= MAX_HEADER:
                self.problem = BAD_PREFIX.format(length=length, raw=raw)
                return
            self._in_header, self._want = True, length
            self._prefix = length
            return
        self._in_header, self._want = False, 4
        try:
            header = json.loads(raw.decode("utf-8"))
        except ValueError:
            self.problem = NOT_JSON.format(length=len(raw), raw=_show(raw))
            return
        size = header.get("file_size") if isinstance(header, dict) else None
        if type(size) is not int or size < 0:
            self.problem = NO_SIZE.format(raw=_show(raw))
            return
        self.uploads.append(Upload(prefix=self._prefix, header=header, size=size))
        self._body_left = size


class CaptureServer:
    """Accepts on 127.0.0.1 and records every connection as a Stream."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Port 0: the OS picks a free port, with no race between tests.
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(16)
        self._listener.settimeout(0.05)
        self.host, self.port = self._listener.getsockname()
        self.streams: list[Stream] = []
        self._stop = threading.Event()
        # Readable once close() is called: wakes every select() below at once.
        self._wake_r, self._wake_w = os.pipe()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept_loop, daemon=True)
        self._accepter.start()

    def connect_arg(self) -> Connect:
        return Connect(self.host, self.port)

    def all_closed(self, timeout: float = CLOSE_WAIT) -> bool:
        """Every connection made so far (accepted or still queued) has ended."""
        return wait_for(self._settled, timeout)

    def _settled(self) -> bool:
        # Under the lock: a connection is either queued or in self.streams.
        with self._lock:
            return not self._queued() and all(s.closed for s in self.streams)

    def _queued(self) -> bool:
        # A listening socket is readable while a connection waits to be accepted.
        try:
            return bool(select.select([self._listener], [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def uploads(self) -> list[Upload]:
        return [u for s in self.streams for u in s.uploads]

    def close(self) -> None:
        self._stop.set()
        os.write(self._wake_w, b"x")
        self._accepter.join(2)
        self._listener.close()
        for thread in self._threads:
            thread.join(2)
        os.close(self._wake_r)
        os.close(self._wake_w)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                listener = self._listener.fileno()
                if listener not in select.select([listener, self._wake_r], [], [])[0]:
                    continue
            except (OSError, ValueError):
                return
            with self._lock:
                try:
                    conn, _ = self._listener.accept()
                except (TimeoutError, BlockingIOError):
                    continue
                except OSError:
                    return
                stream = Stream()
                self.streams.append(stream)
            thread = threading.Thread(target=self._read_loop, args=(conn, stream), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read_loop(self, conn: socket.socket, stream: Stream) -> None:
        buffer = bytearray(MiB)
        view = memoryview(buffer)
        with conn:
            while not self._stop.is_set():
                try:
                    if conn.fileno() not in select.select([conn.fileno(), self._wake_r], [], [])[0]:
                        continue
                    n = conn.recv_into(buffer)
                except (OSError, ValueError):
                    break
                if n == 0:
                    break
                stream.feed(view[:n])
        stream.closed = True


@pytest.fixture
def server() -> Iterator[CaptureServer]:
    capture = CaptureServer()
    yield capture
    capture.close()


# -- helpers -------------------------------------------------------------------


def _show(data: bytes | str, limit: int = 120) -> str:
    text = repr(data[:limit])
    return text + (" …" if len(data) > limit else "")


def _short(path: Path, root: Path) -> str:
    """The path as messages show it: the test's temporary folder shortened to '…'."""
    return "…/" + path.relative_to(root).as_posix()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _binary(size: int, seed: int) -> bytes:
    """Deterministic bytes of every value but b'\\n' (so: no lines at all)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        counter += 1
    return bytes(out[:size]).replace(b"\n", b"\x00")


def _split_header(value: Any, call: str) -> tuple[int, bytes, dict[str, Any]]:
    """make_header's bytes as (prefix, JSON bytes, decoded header), or fail."""
    if isinstance(value, str):
        fail(HEADER_IS_STR, call=call, got=_show(value))
    if not isinstance(value, bytes) or len(value) < 4:
        fail(HEADER_NOT_BYTES, call=call, got=_show(value) if isinstance(value, bytes)
              else repr(value)[:120])
    (prefix,) = struct.unpack("<i", value[:4])
    body = value[4:]
    try:
        header = json.loads(body.decode("utf-8"))
    except ValueError:
        fail(HEADER_NOT_JSON, call=call, got=_show(value))
    if not isinstance(header, dict):
        fail(HEADER_NOT_OBJECT, call=call, got=_show(body))
    return prefix, body, header


def _check_upload(server: CaptureServer, did: Text, name: str, size: int, sha: str) -> None:
    """The server got exactly one connection carrying exactly this one upload."""
    if not server.all_closed():
        fail(STILL_OPEN, did=did, wait=CLOSE_WAIT)
    streams = list(server.streams)
    if not any(s.total for s in streams):
        fail(NOTHING_SENT, did=did)
    stream = next(s for s in streams if s.total)
    _check_stream(stream, did)
    if not stream.uploads:
        fail(PARTIAL_HEADER, did=did, got=stream.total,
              head=_show(bytes(stream.head)))
    upload = stream.uploads[0]
    if upload.name != name:
        fail(WRONG_NAME, did=did, got=repr(upload.name), name=repr(name))
    if upload.size != size:
        fail(WRONG_SIZE, did=did, got=upload.size, size=size)
    if not upload.complete:
        fail(SHORT_BODY, did=did, size=size, got=upload.received)
    if upload.digest.hexdigest() != sha:
        fail(WRONG_CONTENT, did=did, size=size)
    extra = stream.total - 4 - upload.prefix - upload.size
    if len(stream.uploads) > 1 or stream.pending or extra:
        fail(EXTRA_BYTES, did=did, size=size, extra=extra)
    if len(streams) > 1:
        fail(MANY_CONNECTIONS_UPLOAD, did=did, count=len(streams))


def _check_stream(stream: Stream, did: Text) -> None:
    if stream.problem is not None:
        fail(UNREADABLE, did=did, why=stream.problem, head=_show(bytes(stream.head)))


def _menu_folder(root: Path) -> tuple[Path, dict[str, bytes]]:
    folder = root / "to_upload"
    contents = {}
    for seed, (name, size) in enumerate(MENU_FILES.items()):
        contents[name] = _binary(size, seed)
        _write(folder / name, contents[name])
    return folder, contents


def _menu(stdout: str, names: list[str]) -> dict[str, int]:
    """The number printed before each name, as in '1. a.txt' or '1 a.txt' (first menu)."""
    numbers = {}
    stdout = stdout.replace("\r\n", "\n")  # print() on Windows ends lines with CR LF
    for name in names:
        # Anything may precede the number (an input() prompt has no newline),
        # but not a digit; an optional separator; the name ends the line.
        pattern = rf"(?<!\d)(\d+)\s*[.、:：)\]-]?\s*{re.escape(name)}[ \t\r]*$"
        found = re.search(pattern, stdout, re.MULTILINE)
        if found:
            numbers[name] = int(found.group(1))
    return numbers


def _number_of(stdout: str, names: list[str], number: int) -> str:
    """The file the student's menu shows as ``number`` (sorted order if no menu)."""
    for name, shown in _menu(stdout, names).items():
        if shown == number:
            return name
    return sorted(names)[number - 1]


def _run_main(sandbox: Sandbox, server: CaptureServer, folder: Path, stdin: str) -> Call:
    """main() with scripted input; a SystemExit(0) on quitting counts as a return."""
    result = sandbox.call("main", str(folder), server.host, server.port, stdin=stdin,
                          timeout=6)
    if not _quit_by_exit(result):
        result.unwrap()
    server.all_closed()
    return result


def _quit_by_exit(result: Call) -> bool:
    return result.raised("SystemExit") and result.error is not None \
        and result.error.message in ("", "0", "None")


def _inputs(stdin: str) -> str:
    """The scripted input lines, as the student would type them."""
    return ", ".join(repr(line) for line in stdin.splitlines())


def _printed(result: Call, limit: int = 700) -> str:
    out = result.stdout.strip()
    return out if len(out) <= limit else out[:limit] + " …"


# -- list_files ----------------------------------------------------------------


@pytest.mark.points(1)
def test_list_files_sorted(sandbox: Sandbox, tmp_path: Path) -> None:
    """list_files 返回排好序的文件名 / list_files returns the names sorted"""
    folder = tmp_path / "files"
    # Created in neither sorted nor reverse order: os.listdir's own order
    # (the file system's) is then very unlikely to be sorted by chance.
    names = ["delta.py", "alpha.txt", "zeta.log", "beta.bin", "gamma.md", "epsilon.csv",
             "报告.txt"]
    for name in names:
        _write(folder / name, b"x")
    got = sandbox.call("list_files", str(folder)).unwrap()
    expected = sorted(names)
    if isinstance(got, (list, tuple)) and sorted(map(str, got)) == expected and list(got) != expected:
        fail(NOT_SORTED, got=list(got), expected=expected)
    if not isinstance(got, list) or got != expected:
        fail(WRONG_LIST, folder=names, got=repr(got), expected=expected)


@pytest.mark.points(1)
def test_list_files_regular_only(sandbox: Sandbox, tmp_path: Path) -> None:
    """list_files 只列出文件，不列文件夹 / list_files lists regular files only, no folders"""
    folder = tmp_path / "mixed"
    for name in ("notes.txt", "photo.jpg"):
        _write(folder / name, b"data")
    for name in ("archive", "music.d", "old.txt"):  # folders, one with a file-like name
        (folder / name).mkdir(parents=True)
    _write(folder / "archive" / "inner.txt", b"inside a sub-folder: not listed")
    only_dirs = tmp_path / "only_dirs"
    (only_dirs / "sub").mkdir(parents=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [(folder, ["notes.txt", "photo.jpg"]), (only_dirs, []), (empty, [])]
    for path, expected in cases:
        got = sandbox.call("list_files", str(path)).unwrap()
        if isinstance(got, (list, tuple)) and set(got) - set(expected):
            fail(LISTS_FOLDERS, folder=path.name, entries=sorted(os.listdir(path)),
                  got=list(got), expected=expected)
        # Order is test_list_files_sorted's business: compared as sorted here.
        if not isinstance(got, list) or sorted(map(str, got)) != expected:
            fail(WRONG_LIST, folder=sorted(os.listdir(path)), got=repr(got),
                  expected=expected)


# -- make_header -----------------------------------------------------------------


@pytest.mark.points(1)
def test_header_prefix_and_fields(sandbox: Sandbox, tmp_path: Path) -> None:
    """报头：4 字节长度 + file_name 与 file_size / the header: 4-byte length, file_name, file_size"""
    path = _write(tmp_path / "docs" / "report.txt", b"hello\n" * 200)
    call = f"make_header({_short(path, tmp_path)!r})"
    value = sandbox.call("make_header", str(path)).unwrap()
    prefix, body, header = _split_header(value, call)
    if prefix != len(body):
        fail(PREFIX_MISMATCH, call=call, prefix=prefix, length=len(body), body=_show(body))
    if header.get("file_name") != "report.txt":
        fail(HEADER_NAME, call=call, got=repr(header.get("file_name")),
              expected="'report.txt'")
    size = header.get("file_size")
    if type(size) is not int or size != 1200:
        fail(HEADER_SIZE, call=call, got=repr(size), expected=1200)


@pytest.mark.points(1)
def test_header_length_counts_bytes(sandbox: Sandbox, tmp_path: Path) -> None:
    """中文文件名：长度按编码后的字节数 / non-ASCII name: the length counts encoded bytes"""
    name = "第30天 课堂笔记.txt"
    path = _write(tmp_path / name, "并发与并行\n".encode())
    call = f"make_header({_short(path, tmp_path)!r})"
    value = sandbox.call("make_header", str(path)).unwrap()
    prefix, body, _ = _split_header(value, call)
    if prefix != len(body):
        chars = len(body.decode("utf-8", errors="replace"))
        hint = LEN_OF_STR if prefix == chars else Text(en="", zh="")
        fail(PREFIX_MISMATCH_NON_ASCII, call=call, prefix=prefix, length=len(body),
              chars=chars, hint=hint)


@pytest.mark.points(1)
def test_header_non_ascii_name_round_trips(sandbox: Sandbox, tmp_path: Path) -> None:
    """中文文件名解码后不变 / a non-ASCII name decodes back unchanged"""
    name = "大文件上传-客户端.md"
    path = _write(tmp_path / "课程" / name, b"")
    call = f"make_header({_short(path, tmp_path)!r})"
    value = sandbox.call("make_header", str(path)).unwrap()
    _, _, header = _split_header(value, call)
    if header.get("file_name") != name:
        fail(HEADER_NAME, call=call, got=repr(header.get("file_name")), expected=repr(name))


@pytest.mark.points(1)
def test_header_extra_keys(sandbox: Sandbox, tmp_path: Path) -> None:
    """额外的键写进报头，但不能覆盖必需的键 / extra keys are included, and cannot override the required ones"""
    path = _write(tmp_path / "movie.mp4", b"\x00\x01" * 500)
    extra = {"md5": "9e107d9d372bb6826bd81d3542a419d6", "msg": "第30天"}
    call = f"make_header({_short(path, tmp_path)!r}, md5=..., msg='第30天')"
    value = sandbox.call("make_header", str(path), kwargs=extra).unwrap()
    _, _, header = _split_header(value, call)
    for key, wanted in extra.items():
        if header.get(key) != wanted:
            fail(EXTRA_MISSING, call=call, key=key, got=_show(json.dumps(header,
                  ensure_ascii=False), 300))
    own = (header.get("file_name"), header.get("file_size"))  # what it says with no clash
    tricky = {"file_name": "evil.exe", "file_size": 1, "md5": extra["md5"]}
    call = f"make_header({_short(path, tmp_path)!r}, file_name='evil.exe', file_size=1, md5=...)"
    result = sandbox.call("make_header", str(path), kwargs=tricky)
    if result.raised("TypeError"):
        fail(EXTRA_TYPEERROR, call=call, error=result.error.message if result.error else "")
    _, _, header = _split_header(result.unwrap(), call)
    if (header.get("file_name"), header.get("file_size")) != own:
        fail(EXTRA_OVERRIDES, call=call, name=repr(header.get("file_name")),
              size=repr(header.get("file_size")), own_name=repr(own[0]), own_size=repr(own[1]))


# -- upload --------------------------------------------------------------------


@pytest.mark.points(1)
def test_upload_binary_file(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """上传没有换行的二进制文件 / upload a binary file with no newlines"""
    content = _binary(2 * MiB + 12345, seed=7)
    path = _write(tmp_path / "image.bin", content)
    sandbox.call("upload", server.connect_arg(), str(path), timeout=10).unwrap()
    did = DID_UPLOAD.format(path=path.name, size=len(content), kind=KIND_BINARY)
    _check_upload(server, did, "image.bin", len(content), _sha(content))


@pytest.mark.points(1)
def test_upload_empty_file(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """上传 0 字节的文件 / upload a zero-byte file"""
    path = _write(tmp_path / "empty.txt", b"")
    sandbox.call("upload", server.connect_arg(), str(path)).unwrap()
    did = DID_UPLOAD.format(path=path.name, size=0, kind=KIND_EMPTY)
    _check_upload(server, did, "empty.txt", 0, _sha(b""))


@pytest.mark.points(1)
def test_upload_large_file_bounded_memory(sandbox: Sandbox, server: CaptureServer,
                                          tmp_path: Path) -> None:
    """大文件完整送达，内存不随文件变大 / a large file arrives whole, in bounded memory"""
    # The reference: the same kind of interpreter, held alive after uploading
    # one byte (modules imported, socket made, file opened).
    small = _write(tmp_path / "one.bin", b"1")
    with sandbox.start("upload", server.connect_arg(), str(small), hold=True) as running:
        running.returned(10)
        try:
            idle = running.process.memory_info().rss
        except psutil.Error:
            idle = 0
        running.finish().unwrap()
    server.all_closed()
    server.streams.clear()

    # 128 MiB, one single "line": a 1 MiB block with no b"\n", written again and again.
    path = tmp_path / "one_line.bin"
    block = _binary(MiB, seed=3)
    digest = hashlib.sha256()
    try:
        with open(path, "wb") as out:
            for _ in range(BIG_SIZE // MiB):
                out.write(block)
                digest.update(block)
        peak = 0
        started = time.monotonic()
        with sandbox.start("upload", server.connect_arg(), str(path)) as running:
            while not running.returned(0) and running.alive() \
                    and time.monotonic() - started < BIG_TIMEOUT:
                try:
                    peak = max(peak, running.process.memory_info().rss)
                except psutil.Error:
                    break
                time.sleep(0.005)
            result = running.finish(timeout=BIG_TIMEOUT)
        did = DID_UPLOAD.format(path=path.name, size=BIG_SIZE, kind=KIND_ONE_LINE)
        if result.memory_limit is not None:  # stopped by the call's memory cap (trusted tier)
            peak = max(peak, idle + result.memory_limit * MiB)
        else:
            result.unwrap()
        growth = max(0, peak - idle) if idle else 0
        if growth >= MEMORY_LIMIT or result.memory_limit is not None:
            fail(TOO_MUCH_MEMORY, did=did, growth=growth / MiB,
                  limit=MEMORY_LIMIT // MiB, idle=idle / MiB, peak=peak / MiB)
        _check_upload(server, did, path.name, BIG_SIZE, digest.hexdigest())
    finally:
        path.unlink(missing_ok=True)  # pytest keeps tmp_path of recent runs


# -- main ----------------------------------------------------------------------


@pytest.mark.points(1)
def test_main_menu_numbered_from_1(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """菜单从 1 开始编号，列出每个文件 / the menu numbers every file from 1"""
    folder, _ = _menu_folder(tmp_path)
    stdin = "q\n"
    result = _run_main(sandbox, server, folder, stdin)
    names = sorted(MENU_FILES)
    shown = _menu(result.stdout, names)
    missing = [n for n in names if n not in shown]
    if missing:
        fail(MENU_MISSING, inputs=_inputs(stdin), missing=missing, names=names,
              printed=_printed(result))
    numbers = sorted(shown.values())
    if numbers != list(range(1, len(names) + 1)):
        hint = FROM_ZERO if min(numbers) == 0 else Text(en="", zh="")
        fail(MENU_NUMBERS, inputs=_inputs(stdin), got=numbers,
              expected=list(range(1, len(names) + 1)), hint=hint,
              printed=_printed(result))


@pytest.mark.points(1)
def test_main_uploads_chosen_file(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """输入编号就上传那个文件 / a valid number uploads that file"""
    folder, contents = _menu_folder(tmp_path)
    stdin = "2\nq\n"
    result = _run_main(sandbox, server, folder, stdin)
    name = _number_of(result.stdout, list(contents), 2)
    uploads = server.uploads()
    for stream in server.streams:
        _check_stream(stream, DID_MAIN.format(inputs=_inputs(stdin)))
    got = [u.name for u in uploads]
    if got != [name]:
        fail(CHOICE_NOT_UPLOADED, inputs=_inputs(stdin), name=name, got=got,
              printed=_printed(result))
    upload = uploads[0]
    if upload.size != len(contents[name]) or not upload.complete \
            or upload.digest.hexdigest() != _sha(contents[name]):
        fail(CHOICE_BAD_CONTENT, inputs=_inputs(stdin), name=name,
              size=len(contents[name]), announced=upload.size, got=upload.received)


@pytest.mark.points(1)
def test_main_rejects_bad_choices(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """abc、0、99、空行被拒绝并再问一次 / abc, 0, 99 and an empty line are refused, and asked again"""
    folder, contents = _menu_folder(tmp_path)
    plain_input = "2\nq\n"
    plain = _run_main(sandbox, server, folder, plain_input)
    server.streams.clear()
    stdin = "abc\n0\n99\n\n2\nq\n"
    result = sandbox.call("main", str(folder), server.host, server.port, stdin=stdin,
                          timeout=6)
    # The crashes that are this test's mistake: int() or indexing an unchecked choice.
    if result.error is not None and result.error.type in CHOICE_CRASHES:
        fail(CRASHED_ON_CHOICE, inputs=_inputs(stdin), error=result.error.type,
              trace=result.error.traceback.strip()[-800:])
    if not _quit_by_exit(result):
        result.unwrap()
    server.all_closed()
    name = _number_of(result.stdout, list(contents), 2)
    got = [u.name for u in server.uploads()]
    if got != [name]:
        shown = _menu(result.stdout, list(contents))
        hint = FROM_ZERO if got and 0 in shown.values() else Text(en="", zh="")
        fail(BAD_CHOICE_ACCEPTED, inputs=_inputs(stdin), name=name, got=got,
              hint=hint, printed=_printed(result))
    if len(result.stdout) <= len(plain.stdout):
        fail(NO_MESSAGE, inputs=_inputs(stdin), plain=_inputs(plain_input),
              printed=_printed(result))


@pytest.mark.points(1)
def test_main_one_connection(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """多次上传走同一个连接 / several uploads go over one connection"""
    folder, contents = _menu_folder(tmp_path)
    # Numbers 1 and 2 only: valid on any menu, so only the connections count here.
    stdin = "1\n2\n1\nq\n"
    result = _run_main(sandbox, server, folder, stdin)
    expected = [_number_of(result.stdout, list(contents), n) for n in (1, 2, 1)]
    streams = [s for s in server.streams]
    for stream in streams:
        _check_stream(stream, DID_MAIN.format(inputs=_inputs(stdin)))
    if len(streams) != 1:
        fail(CONNECT_ONCE, inputs=_inputs(stdin), count=len(streams),
              per=[[u.name for u in s.uploads] for s in streams])
    got = [u.name for u in streams[0].uploads]
    if got != expected or not all(u.complete for u in streams[0].uploads):
        fail(SEQUENCE_WRONG, inputs=_inputs(stdin), got=got, expected=expected)
    for upload in streams[0].uploads:
        if upload.digest.hexdigest() != _sha(contents[upload.name]):
            fail(CHOICE_BAD_CONTENT, inputs=_inputs(stdin), name=upload.name,
                  size=len(contents[upload.name]), announced=upload.size, got=upload.received)


@pytest.mark.points(1)
def test_main_quits(sandbox: Sandbox, server: CaptureServer, tmp_path: Path) -> None:
    """q 或输入结束就退出并关闭连接 / q or the end of input quits and closes the connection"""
    folder, _ = _menu_folder(tmp_path)
    # q: hold=True keeps the interpreter alive after main() returns, so the
    # connection must have been closed by main itself, not by the exit.
    with sandbox.start("main", str(folder), server.host, server.port, stdin="q\n",
                       hold=True) as running:
        returned = running.returned(5)
        closed = returned and server.all_closed(3)
        result = running.finish(timeout=5)  # closes stdin: input() now gets EOF
    if not returned:
        fail(Q_NOT_QUIT, printed=_printed(result))
    if not _quit_by_exit(result):
        result.unwrap()
    if server.uploads():
        fail(Q_UPLOADED, got=[u.name for u in server.uploads()])
    if not closed:
        fail(NOT_CLOSED)
    if result.exit_code != 0:
        fail(Q_EXIT_STATUS, code=result.exit_code)
    # End of input: input() raises EOFError, which must end main() quietly.
    server.streams.clear()
    result = sandbox.call("main", str(folder), server.host, server.port, stdin="",
                          timeout=5)
    if result.raised("EOFError"):
        fail(EOF_CRASH)
    if result.timed_out:
        fail(EOF_LOOPS, printed=_printed(result, 300))
    if not _quit_by_exit(result):
        result.unwrap()
    if server.uploads():
        fail(Q_UPLOADED, got=[u.name for u in server.uploads()])


# -- messages ------------------------------------------------------------------

BAD_PREFIX = Text(
    en="the first 4 bytes {raw!r} read as struct '<i' give a header length of {length}, "
       "which is not a length between 1 and 65536",
    zh="开头 4 个字节 {raw!r} 按 struct '<i' 解出的报头长度是 {length}，不是 1 到 65536 之间的长度",
)
NOT_JSON = Text(
    en="the {length} header bytes after the prefix are not UTF-8 JSON: {raw}",
    zh="长度前缀后面的 {length} 个报头字节不是 UTF-8 编码的 JSON：{raw}",
)
NO_SIZE = Text(
    en="the header has no \"file_size\" that is an int >= 0: {raw}",
    zh="报头里没有 >= 0 的整数 \"file_size\"：{raw}",
)
DID_UPLOAD = Text(
    en="The test called upload(sock, path) with a socket connected to its server and "
       "the file {path} ({size} bytes, {kind}).",
    zh="测试调用了 upload(sock, path)，sock 已连接到测试的服务端，文件是 {path}"
       "（{size} 字节，{kind}）。",
)
KIND_BINARY = Text(en="binary, no newline", zh="二进制，没有换行符")
KIND_EMPTY = Text(en="empty", zh="空文件")
KIND_ONE_LINE = Text(en="a single line: no newline at all", zh="只有一行：没有任何换行符")
DID_MAIN = Text(
    en="The test ran main(folder, host, port) with the input {inputs}.",
    zh="测试运行了 main(folder, host, port)，输入依次是 {inputs}。",
)
STILL_OPEN = Text(
    en="{did} The connection was still open {wait} s after the call ended.",
    zh="{did}调用结束 {wait} 秒后连接仍然没有关闭。",
)
NOTHING_SENT = Text(
    en="{did} The server received nothing. Expected the 4-byte length, the JSON header, "
       "then the file's content, all sent with sock.sendall().",
    zh="{did}服务端什么也没收到。期望依次收到 4 字节长度、JSON 报头和文件内容，"
       "都用 sock.sendall() 发送。",
)
UNREADABLE = Text(
    en="{did} The server could not read the upload: {why}. The first bytes it received: "
       "{head}. Expected struct.pack('<i', n), then n bytes of JSON (n counted on the "
       "encoded bytes), then the content.",
    zh="{did}服务端无法解析这次上传：{why}。收到的开头几个字节：{head}。"
       "期望先是 struct.pack('<i', n)，再是 n 个字节的 JSON（n 按编码后的字节数计算），"
       "然后是文件内容。",
)
PARTIAL_HEADER = Text(
    en="{did} Only {got} bytes arrived, not a whole length prefix and header: {head}.",
    zh="{did}只收到 {got} 个字节，连完整的长度前缀和报头都不够：{head}。",
)
WRONG_NAME = Text(
    en="{did} The header's file_name was {got}; expected {name}, the file's name "
       "without its folders (os.path.basename).",
    zh="{did}报头里的 file_name 是 {got}；期望 {name}，即不带文件夹的文件名"
       "（os.path.basename）。",
)
WRONG_SIZE = Text(
    en="{did} The header's file_size was {got}; expected {size} (os.path.getsize).",
    zh="{did}报头里的 file_size 是 {got}；期望 {size}（os.path.getsize）。",
)
SHORT_BODY = Text(
    en="{did} The header announced {size} bytes, but only {got} bytes of content arrived "
       "before the connection closed. Send every chunk until the end of the file, with "
       "sendall() (send() may send only part of what it is given).",
    zh="{did}报头说有 {size} 字节，但连接关闭前只收到 {got} 字节内容。"
       "要一直发送到文件末尾，并用 sendall()（send() 可能只发出一部分）。",
)
WRONG_CONTENT = Text(
    en="{did} {size} bytes of content arrived, but they differ from the file (SHA-256 "
       "compared). Open the file in binary mode 'rb' and send each chunk once, as read.",
    zh="{did}收到了 {size} 字节内容，但与文件内容不同（比较了 SHA-256）。"
       "用二进制模式 'rb' 打开文件，每块读到的数据原样发送一次。",
)
EXTRA_BYTES = Text(
    en="{did} After the header and the file's {size} bytes, {extra} more bytes arrived. "
       "Expected exactly the prefix, the header and the content: send the header once "
       "and each chunk once.",
    zh="{did}在报头和文件的 {size} 字节之后，又多收到了 {extra} 个字节。"
       "期望正好是长度前缀、报头和文件内容：报头只发一次，每块数据只发一次。",
)
MANY_CONNECTIONS_UPLOAD = Text(
    en="{did} The server saw {count} connections. upload() must send on the socket it is "
       "given, not connect again.",
    zh="{did}服务端看到了 {count} 个连接。upload() 应该在传入的 sock 上发送，"
       "不要再建立新连接。",
)
TOO_MUCH_MEMORY = Text(
    en="{did} While it ran, the process grew by {growth:.0f} MiB (from {idle:.0f} MiB to "
       "{peak:.0f} MiB); expected under {limit} MiB. It holds the whole file in memory: "
       "f.read() with no size reads all of it, and reading line by line "
       "(for line in f) reads a file with no newline as one huge line. Read "
       "fixed-size chunks in a loop, e.g. f.read(1024 * 1024), and sendall each one.",
    zh="{did}运行期间进程内存增长了 {growth:.0f} MiB（从 {idle:.0f} MiB 到 "
       "{peak:.0f} MiB）；期望少于 {limit} MiB。整个文件被放进了内存：不带大小的 "
       "f.read() 会读入整个文件；一行行读取（for line in f）时，没有换行符的文件就是"
       "一整行。请循环读取固定大小的块，例如 f.read(1024 * 1024)，每块用 sendall 发送。",
)
HEADER_IS_STR = Text(
    en="{call} returned a str: {got}. Expected bytes: the 4-byte length then the "
       "JSON encoded with .encode('utf-8').",
    zh="{call} 返回了 str：{got}。期望返回 bytes：4 字节长度加上用 .encode('utf-8') "
       "编码后的 JSON。",
)
HEADER_NOT_BYTES = Text(
    en="{call} returned {got}. Expected bytes: struct.pack('<i', n) followed by the n "
       "bytes of the JSON header.",
    zh="{call} 返回了 {got}。期望返回 bytes：struct.pack('<i', n) 后面接 n 个字节的"
       " JSON 报头。",
)
HEADER_NOT_JSON = Text(
    en="{call} returned {got}. After the first 4 bytes the test expected UTF-8 JSON "
       "(json.dumps(header).encode('utf-8')), and could not decode it.",
    zh="{call} 返回了 {got}。测试期望前 4 个字节之后是 UTF-8 编码的 JSON"
       "（json.dumps(header).encode('utf-8')），但无法解码。",
)
HEADER_NOT_OBJECT = Text(
    en="{call}: the JSON after the prefix is {got}; expected a JSON object (a dict).",
    zh="{call}：长度前缀后面的 JSON 是 {got}；期望是 JSON 对象（字典）。",
)
PREFIX_MISMATCH = Text(
    en="{call}: the 4-byte prefix says {prefix}, but {length} bytes of JSON follow it "
       "({body}). Expected struct.pack('<i', len(header_bytes)).",
    zh="{call}：4 字节前缀的值是 {prefix}，但后面跟着 {length} 个字节的 JSON（{body}）。"
       "期望 struct.pack('<i', len(header_bytes))。",
)
PREFIX_MISMATCH_NON_ASCII = Text(
    en="{call}: the 4-byte prefix says {prefix}, but the JSON header after it is "
       "{length} bytes long ({chars} characters).{hint} The server reads exactly "
       "the number of bytes the prefix gives.",
    zh="{call}：4 字节前缀的值是 {prefix}，但后面的 JSON 报头有 {length} 个字节"
       "（{chars} 个字符）。{hint}服务端按前缀给出的字节数读取报头。",
)
LEN_OF_STR = Text(
    en=" That is the length of the str: count the encoded bytes instead, "
       "len(json_str.encode('utf-8')) — a Chinese character is 3 bytes in UTF-8.",
    zh="这是字符串的长度：应该计算编码后的字节数 len(json_str.encode('utf-8'))——"
       "一个汉字在 UTF-8 里占 3 个字节。",
)
HEADER_NAME = Text(
    en="{call}: the header's file_name is {got}; expected {expected} "
       "(os.path.basename of the path, decoded from the UTF-8 JSON).",
    zh="{call}：报头里的 file_name 是 {got}；期望 {expected}"
       "（路径的 os.path.basename，从 UTF-8 JSON 解码后比较）。",
)
HEADER_SIZE = Text(
    en="{call}: the header's file_size is {got}; expected the int {expected} "
       "(os.path.getsize(path)).",
    zh="{call}：报头里的 file_size 是 {got}；期望整数 {expected}（os.path.getsize(path)）。",
)
EXTRA_MISSING = Text(
    en="{call}: the header has no {key!r} with the value passed: {got}. Expected every "
       "keyword argument in the header: {{'file_name': ..., 'file_size': ..., **extra}}.",
    zh="{call}：报头里没有传入的 {key!r}（或值不对）：{got}。期望每个关键字参数都写进"
       "报头：{{'file_name': ..., 'file_size': ..., **extra}}。",
)
EXTRA_TYPEERROR = Text(
    en="{call} raised TypeError ({error}). An extra key named like a required one must "
       "not break make_header, nor override it: put the required keys after **extra, "
       "e.g. {{**extra, 'file_name': ..., 'file_size': ...}}.",
    zh="{call} 抛出了 TypeError（{error}）。和必需键同名的额外键既不能让 make_header "
       "出错，也不能覆盖它：把必需的键写在 **extra 后面，例如 "
       "{{**extra, 'file_name': ..., 'file_size': ...}}。",
)
EXTRA_OVERRIDES = Text(
    en="{call}: the header says file_name={name}, file_size={size}; expected what it "
       "says with no clashing key: {own_name} and {own_size}. The extra keys override "
       "the required ones: put file_name and "
       "file_size after **extra, e.g. {{**extra, 'file_name': ..., 'file_size': ...}}.",
    zh="{call}：报头里 file_name={name}，file_size={size}；期望与没有同名额外键时一样："
       "{own_name} 和 {own_size}。"
       "额外的键覆盖(override)了必需的键：把 file_name 和 file_size 写在 **extra 后面，例如 "
       "{{**extra, 'file_name': ..., 'file_size': ...}}。",
)
NOT_SORTED = Text(
    en="list_files returned {got}: the right names, but not sorted. os.listdir gives "
       "no particular order; expected sorted(...): {expected}.",
    zh="list_files 返回了 {got}：文件名对了，但没有排序(sorted)。os.listdir 的顺序是不确定的；"
       "期望 sorted(...) 之后的 {expected}。",
)
WRONG_LIST = Text(
    en="For a folder holding {folder}, list_files returned {got}; expected the list "
       "{expected}.",
    zh="文件夹里有 {folder}，list_files 返回了 {got}；期望列表 {expected}。",
)
LISTS_FOLDERS = Text(
    en="The folder {folder!r} holds {entries}, some of them folders. list_files returned "
       "{got}; expected only the regular files: {expected}. Leave folders out with "
       "os.path.isfile(os.path.join(folder, name)).",
    zh="文件夹 {folder!r} 里有 {entries}，其中有些是文件夹(folder)。list_files 返回了 {got}；"
       "期望只有普通文件：{expected}。用 os.path.isfile(os.path.join(folder, name)) "
       "去掉文件夹。",
)
MENU_MISSING = Text(
    en="main() was given the input {inputs}. Its menu did not show {missing} as a "
       "number then the name (like '1. alpha.txt' or '1 alpha.txt', one per line). "
       "Expected every file of {names}. It printed:\n{printed}",
    zh="main() 的输入是 {inputs}。它的菜单里没有以“编号 文件名”的形式列出 {missing}"
       "（例如 '1. alpha.txt' 或 '1 alpha.txt'，每行一个）。期望列出 {names} 中的每个文件。"
       "它的输出：\n{printed}",
)
MENU_NUMBERS = Text(
    en="main() was given the input {inputs}. Its menu numbered the files {got}; "
       "expected {expected}.{hint} It printed:\n{printed}",
    zh="main() 的输入是 {inputs}。它的菜单给文件的编号是 {got}；期望 {expected}。"
       "{hint}它的输出：\n{printed}",
)
FROM_ZERO = Text(
    en=" The menu starts at 0: number the files from 1, e.g. enumerate(files, start=1), "
       "and upload files[choice - 1].",
    zh="菜单从 0 开始了：要从 1 开始编号，例如 enumerate(files, start=1)，"
       "上传 files[choice - 1]。",
)
CHOICE_NOT_UPLOADED = Text(
    en="main() was given the input {inputs}. Choice 2 is {name!r} on its menu, so "
       "expected exactly that upload; the server received uploads of {got}. "
       "It printed:\n{printed}",
    zh="main() 的输入是 {inputs}。它的菜单上 2 号是 {name!r}，期望正好上传这一个文件；"
       "服务端收到的上传是 {got}。它的输出：\n{printed}",
)
CHOICE_BAD_CONTENT = Text(
    en="main() was given the input {inputs}. The upload of {name!r} ({size} bytes) "
       "announced {announced} bytes and {got} arrived, or the content differs from "
       "the file. Expected the header then the file's exact content.",
    zh="main() 的输入是 {inputs}。上传 {name!r}（{size} 字节）时报头说有 {announced} 字节，"
       "收到了 {got} 字节，或者内容与文件不同。期望先发报头，再发文件的完整内容。",
)
CRASHED_ON_CHOICE = Text(
    en="main() was given the input {inputs} and crashed with {error}. Anything that is "
       "not a number on the menu must print a message and ask again: check the text "
       "(choice.isdigit(), 1 <= n <= len(files)) before int() and indexing.\n{trace}",
    zh="main() 的输入是 {inputs}，程序崩溃了(crashed)：{error}。不是菜单上编号的输入，"
       "都要打印提示并再问一次：先检查（choice.isdigit()、1 <= n <= len(files)），"
       "再 int() 和取下标。\n{trace}",
)
BAD_CHOICE_ACCEPTED = Text(
    en="main() was given the input {inputs}. Only the last number, 2 ({name!r}), is "
       "a valid choice, so expected exactly that one upload; the server received "
       "uploads of {got}.{hint} It printed:\n{printed}",
    zh="main() 的输入是 {inputs}。只有最后的 2（{name!r}）是合法的编号，期望只上传"
       "这一个文件；服务端收到的上传是 {got}。{hint}它的输出：\n{printed}",
)
NO_MESSAGE = Text(
    en="main() printed nothing more for the input {inputs} than for {plain}: the "
       "invalid choices were refused without a message. Print one (e.g. 'no such "
       "number') before asking again. It printed:\n{printed}",
    zh="输入 {inputs} 时，main() 的输出并不比输入 {plain} 时多：无效的选择被拒绝了，"
       "却没有任何提示。再问一次之前先打印一句提示（例如“没有这个编号”）。"
       "它的输出：\n{printed}",
)
CONNECT_ONCE = Text(
    en="main() was given the input {inputs} (three uploads). The server saw {count} "
       "connections (uploads on each: {per}); expected one. Connect once, before the "
       "loop, and send every upload on that same connection.",
    zh="main() 的输入是 {inputs}（三次上传）。服务端看到了 {count} 个连接"
       "（每个连接上的上传：{per}）；期望只有一个。在循环之前只连接一次(connect once)，"
       "每次上传都用这同一个连接。",
)
SEQUENCE_WRONG = Text(
    en="main() was given the input {inputs}. The server received, in order, {got}; "
       "expected {expected}, each complete.",
    zh="main() 的输入是 {inputs}。服务端依次收到 {got}；期望依次完整收到 {expected}。",
)
Q_NOT_QUIT = Text(
    en="main() was given the input 'q' and did not return: q must end the loop. "
       "It printed:\n{printed}",
    zh="main() 的输入是 'q'，但它没有返回：输入 q 要结束循环。它的输出：\n{printed}",
)
Q_UPLOADED = Text(
    en="main() was given only 'q' (or no input at all) and still uploaded {got}; "
       "expected no upload.",
    zh="main() 的输入只有 'q'（或者没有任何输入），却上传了 {got}；期望不上传任何文件。",
)
NOT_CLOSED = Text(
    en="main() returned after 'q', but its connection was still open while the program "
       "kept running. Close the socket before returning (sock.close(), or "
       "`with socket.create_connection(...) as sock:`).",
    zh="输入 'q' 后 main() 返回了，但程序继续运行时它的连接仍然没有关闭。"
       "返回之前关闭 socket（sock.close()，或 `with socket.create_connection(...) as sock:`）。",
)
Q_EXIT_STATUS = Text(
    en="main() was given 'q'; the program then ended with exit status {code}; expected 0.",
    zh="main() 的输入是 'q'；程序随后以退出码 {code} 结束；期望 0。",
)
EOF_CRASH = Text(
    en="main() was given no input at all (end of input right away) and crashed with "
       "EOFError. input() raises EOFError at the end of input (Ctrl-D, a closed pipe): "
       "catch it and quit like 'q'.",
    zh="main() 没有得到任何输入（输入立即结束），程序因 EOFError 崩溃。输入结束时"
       "（Ctrl-D、管道关闭）input() 会抛出 EOFError：捕获它，像输入 'q' 一样退出。",
)
EOF_LOOPS = Text(
    en="main() was given no input at all (end of input right away) and never returned: "
       "after EOFError there is nothing more to read, so quit. It printed:\n{printed}",
    zh="main() 没有得到任何输入（输入立即结束），却一直没有返回：EOFError 之后再也读不到"
       "输入，应该退出。它的输出：\n{printed}",
)
