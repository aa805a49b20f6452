"""大文件上传 · 服务端（参考答案） / large-file upload: the server (reference solution).

Wire format of one upload: a 4-byte little-endian length ``n``
(``struct.pack('<i', n)``), ``n`` bytes of UTF-8 JSON header
``{"file_name": str, "file_size": int, ...}``, then exactly ``file_size``
bytes of content. Several uploads may follow one another on one connection.

MISTAKE (whole_body_in_memory): collects the whole body in memory, then writes it.
"""
from __future__ import annotations

import json
import os
import socket
import struct
import tempfile
import threading

CHUNK = 1024 * 1024  # read the body 1 MiB at a time: memory stays bounded
MAX_HEADER = 64 * 1024


class BadHeader(Exception):
    """The header breaks the wire format: drop the connection."""


def recv_exact(conn: socket.socket, n: int) -> bytes:
    """Return exactly ``n`` bytes; raise ConnectionError if the peer closes first.

    TCP is a stream: one recv() may return fewer bytes than asked for, so keep
    asking until the count is reached.
    """
    parts: list[bytes] = []
    missing = n
    while missing:
        data = conn.recv(missing)
        if not data:  # b'' means the client has closed: it never comes back
            raise ConnectionError(f"connection closed with {missing} bytes missing")
        parts.append(data)
        missing -= len(data)
    return b"".join(parts)


def read_header(conn: socket.socket) -> dict | None:
    """Read one header; ``None`` when the client closed cleanly between uploads."""
    first = conn.recv(4)
    if not first:  # closed before a new upload began: the normal end of a connection
        return None
    prefix = first + recv_exact(conn, 4 - len(first))
    (size,) = struct.unpack("<i", prefix)
    if not 0 < size <= MAX_HEADER:  # refuse before allocating anything
        raise BadHeader(f"header length {size}")
    try:
        header = json.loads(recv_exact(conn, size).decode("utf-8"))
    except ValueError as exc:  # bad UTF-8 and bad JSON are both ValueError
        raise BadHeader("header is not UTF-8 JSON") from exc
    if not isinstance(header, dict):
        raise BadHeader("header is not a JSON object")
    name, file_size = header.get("file_name"), header.get("file_size")
    # bool is a subclass of int, so `true` would pass isinstance(): test the type itself
    if type(file_size) is not int or file_size < 0:
        raise BadHeader(f"bad file_size {file_size!r}")
    if not isinstance(name, str):
        raise BadHeader(f"bad file_name {name!r}")
    # Keep only the last path component: "../x", "/etc/x" and "a/../../x" all become
    # "x", so nothing is ever written outside dest_dir.
    base = os.path.basename(name)
    if base in ("", ".", "..") or "\0" in base:
        raise BadHeader(f"bad file_name {name!r}")
    header["file_name"] = base
    return header


def receive_file(conn: socket.socket, dest_dir: str, name: str, size: int) -> None:
    """Stream ``size`` bytes into ``dest_dir/name``, which appears only when complete."""
    # A hidden temporary file in the same folder: os.replace() within one
    # file system is atomic, so nobody ever sees a half-written file under the
    # final name.
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=dest_dir)
    try:
        with open(fd, "wb") as f:  # binary, and a fresh file: never decode, never append
            received = 0
            body = bytearray()  # MISTAKE: grows with the file
            while received < size:
                # Ask for no more than is still missing: bytes past the end of the
                # body are the next upload's header.
                data = conn.recv(min(CHUNK, size - received))
                if not data:
                    raise ConnectionError(f"connection closed after {received} of {size} bytes")
                body += data
                received += len(data)  # count what arrived, not what was asked for
            f.write(body)
        os.replace(tmp, os.path.join(dest_dir, name))
    except BaseException:
        os.unlink(tmp)  # an upload that died leaves nothing behind
        raise


def handle(conn: socket.socket, dest_dir: str) -> None:
    """Communication loop: uploads one after another until the client closes."""
    with conn:
        try:
            while (header := read_header(conn)) is not None:
                receive_file(conn, dest_dir, header["file_name"], header["file_size"])
        except (BadHeader, OSError):
            # OSError covers ConnectionError and a failing disk. Only this client
            # is dropped: leaving the `with` block closes its socket.
            pass


def serve(host: str, port: int, dest_dir: str) -> None:
    """Connection loop: accept clients for ever, each served in its own thread."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(5)
        while True:
            conn, _addr = server.accept()
            # A thread per client: a slow client cannot hold up the others.
            threading.Thread(target=handle, args=(conn, dest_dir), daemon=True).start()


if __name__ == "__main__":
    os.makedirs("uploads", exist_ok=True)
    serve("127.0.0.1", 8080, "uploads")
