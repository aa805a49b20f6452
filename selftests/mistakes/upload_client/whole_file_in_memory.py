"""upload_client with one mistake: the whole file is read into memory with f.read()."""
from __future__ import annotations

import json
import os
import socket
import struct

# 1 MiB: big enough that each sendall() is one cheap system call, small enough
# that memory stays flat whatever the size of the file.
CHUNK_SIZE = 1024 * 1024


def list_files(folder: str) -> list[str]:
    """Names of the regular files directly in ``folder``, sorted."""
    # os.listdir also returns sub-folders, and in no particular order.
    return sorted(
        name for name in os.listdir(folder) if os.path.isfile(os.path.join(folder, name))
    )


def make_header(path: str, **extra: object) -> bytes:
    """The 4-byte length prefix followed by the JSON header for ``path``."""
    # The required keys come last so that ``extra`` cannot replace them.
    header = {**extra, "file_name": os.path.basename(path), "file_size": os.path.getsize(path)}
    data = json.dumps(header).encode("utf-8")
    # Count the *bytes*: a non-ASCII character takes several bytes in UTF-8,
    # and the receiver reads exactly this many bytes.
    return struct.pack("<i", len(data)) + data


def upload(sock: socket.socket, path: str) -> None:
    """Send the header and then the content of ``path`` on a connected socket."""
    sock.sendall(make_header(path))
    # "rb": the content is bytes, whatever the file holds. Read fixed-size
    # chunks: a file with no newline would be one huge "line", and f.read()
    # would load the whole file into memory.
    with open(path, "rb") as f:
        sock.sendall(f.read())  # MISTAKE: the whole file in memory at once


def choose(files: list[str]) -> int | None:
    """Print the menu and ask until a valid number is typed; None means quit."""
    while True:
        for number, name in enumerate(files, start=1):
            print(f"{number}. {name}")
        try:
            choice = input("请输入文件编号 / file number (q 退出 / q to quit): ").strip()
        except EOFError:  # end of input (Ctrl-D, or a closed pipe) quits too
            return None
        if choice == "q":
            return None
        # Check before int(): int("abc") would raise and crash the client.
        if choice.isdecimal() and 1 <= int(choice) <= len(files):
            return int(choice) - 1
        print(f"没有这个编号: {choice!r} / no such number: {choice!r}")


def main(folder: str, host: str, port: int) -> None:
    """Connect once, then upload the files the user picks until q or end of input."""
    # One connection for the whole session: the server's communication loop
    # receives upload after upload on it. ``with`` closes it on every way out.
    with socket.create_connection((host, port)) as sock:
        while True:
            files = list_files(folder)  # read again each time: the folder may change
            index = choose(files)
            if index is None:
                return
            upload(sock, os.path.join(folder, files[index]))
            print(f"已上传 / uploaded: {files[index]}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
