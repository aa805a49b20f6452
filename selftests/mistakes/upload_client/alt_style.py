"""upload_client, correct, in another style: pathlib, os.scandir, socket.sendfile,
a menu printed once, and sys.exit() to quit."""
from __future__ import annotations

import json
import os
import socket
import struct
import sys
from pathlib import Path


def list_files(folder: str) -> list[str]:
    with os.scandir(folder) as entries:
        return sorted(e.name for e in entries if e.is_file())


def make_header(path: str, **extra: object) -> bytes:
    p = Path(path)
    header = dict(extra)
    header.update(file_name=p.name, file_size=p.stat().st_size)
    data = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    return struct.pack("i", len(data)) + data


def upload(sock: socket.socket, path: str) -> None:
    sock.sendall(make_header(path))
    with open(path, "rb") as f:
        sock.sendfile(f)  # the kernel copies file -> socket, nothing in our memory


def main(folder: str, host: str, port: int) -> None:
    sock = socket.socket()
    sock.connect((host, port))
    files = list_files(folder)
    print("\n".join(f"{i} {name}" for i, name in enumerate(files, 1)))
    try:
        while True:
            try:
                text = input(">>> ")
            except EOFError:
                break
            if text == "q":
                sock.close()
                sys.exit()
            try:
                n = int(text)
            except ValueError:
                print("please type a number")
                continue
            if n < 1 or n > len(files):
                print("out of range")
                continue
            upload(sock, str(Path(folder) / files[n - 1]))
    finally:
        sock.close()
