"""大文件上传 · 服务端：每个连接一个进程 / the upload server with a process per client.

A correct variant in another style, using the lesson's multiprocessing: the
parent only accepts; each connection is served by a child process, written
with plain functions (no threads, no socketserver).
"""
from __future__ import annotations

import json
import os
import socket
import struct
from multiprocessing import Process


def read_n(conn: socket.socket, n: int) -> bytes | None:
    """n bytes, or None if the client closed first."""
    buf = bytearray()
    while len(buf) < n:
        more = conn.recv(n - len(buf))
        if more == b"":
            return None
        buf += more
    return bytes(buf)


def one_upload(conn: socket.socket, dest_dir: str) -> bool:
    """Receive one upload; False when the connection should end."""
    prefix = read_n(conn, 4)
    if prefix is None:
        return False
    (n,) = struct.unpack("<i", prefix)
    if n < 1 or n > 65536:
        return False
    raw = read_n(conn, n)
    if raw is None:
        return False
    try:
        info = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    if type(info) is not dict:
        return False
    name, size = info.get("file_name"), info.get("file_size")
    if type(name) is not str or type(size) is not int or size < 0:
        return False
    name = name.split("/")[-1]  # the last path component (POSIX)
    if name in ("", ".", ".."):
        return False
    tmp = os.path.join(dest_dir, f".{name}.{os.getpid()}.incoming")
    done = 0
    f = open(tmp, "wb")
    try:
        while done < size:
            chunk = conn.recv(min(65536, size - done))
            if not chunk:
                break
            f.write(chunk)
            done += len(chunk)
    finally:
        f.close()
    if done < size:
        os.remove(tmp)
        return False
    os.replace(tmp, os.path.join(dest_dir, name))
    return True


def client(conn: socket.socket, dest_dir: str) -> None:
    try:
        while one_upload(conn, dest_dir):
            pass
    except OSError:
        pass
    finally:
        conn.close()


def serve(host: str, port: int, dest_dir: str) -> None:
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((host, port))
    server.listen(5)
    while True:
        conn, _ = server.accept()
        p = Process(target=client, args=(conn, dest_dir), daemon=True)
        p.start()
        conn.close()  # the child has its own copy
