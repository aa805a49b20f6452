"""大文件上传 · 客户端 / large-file upload: the client

中文
----
写出课程里「大文件上传」的客户端。一次上传在 TCP 连接上发送三段数据：

1. 4 个字节：``struct.pack('<i', n)``，n 是下面 JSON 报头的 **字节数**；
2. n 个字节：UTF-8 编码的 JSON 字典 ``{"file_name": 文件名, "file_size": 文件大小, ...}``；
3. 正好 ``file_size`` 个字节的文件内容。

要写的四个函数：

- ``list_files(folder)``：返回 ``folder`` 里直接包含的普通文件的名字，排好序；
  不要文件夹。
- ``make_header(path, **extra)``：返回 4 字节长度前缀加 JSON 报头
  ``{"file_name": 文件的 basename, "file_size": 文件大小, **extra}``。
  ``extra`` 里的键也写进报头，但不能覆盖 ``file_name`` 和 ``file_size``。
  长度是编码后的字节数：中文文件名一个字在 UTF-8 里占 3 个字节。
- ``upload(sock, path)``：在已经连接好的 ``sock`` 上发送报头和文件内容。
  内容要分块读、分块发（例如每次 1 MiB）：不要一行行发送（没有换行符的文件
  就是一整行），也不要一次把整个文件读进内存。用 ``sendall``。
- ``main(folder, host, port)``：只连接一次服务端；然后循环：打印文件列表，
  从 1 开始编号，每行一个，先编号后文件名（``1. a.txt`` 或 ``1 a.txt``）；
  用 ``input()`` 读用户的选择。输入 ``q`` 或输入结束（``EOFError``）就退出并
  关闭连接；不是列表里的编号（``abc``、``0``、``99``、空行……）就打印一句提示
  再问一次；合法的编号就在同一个连接上上传那个文件。

English
-------
Write the client of the lesson's large-file upload. One upload sends three
parts on a TCP connection:

1. 4 bytes: ``struct.pack('<i', n)``, n being the number of **bytes** of the
   JSON header below;
2. n bytes: a UTF-8 JSON object ``{"file_name": name, "file_size": size, ...}``;
3. exactly ``file_size`` bytes of file content.

The four functions to write:

- ``list_files(folder)``: the names of the regular files directly in
  ``folder``, sorted; no folders.
- ``make_header(path, **extra)``: the 4-byte length prefix plus the JSON header
  ``{"file_name": basename of the file, "file_size": its size, **extra}``.
  Keys in ``extra`` go into the header too, but cannot replace ``file_name``
  or ``file_size``. The length counts encoded bytes: a Chinese character takes
  3 bytes in UTF-8.
- ``upload(sock, path)``: send the header and the file's content on the
  already connected ``sock``. Read and send the content in chunks (say 1 MiB at
  a time): not line by line (a file with no newline is one single line), and
  never the whole file in memory. Use ``sendall``.
- ``main(folder, host, port)``: connect to the server once; then loop: print
  the files numbered from 1, one per line, the number then the name
  (``1. a.txt`` or ``1 a.txt``); read the choice with ``input()``. ``q`` or the
  end of input (``EOFError``) quits and closes the connection; anything that is
  not a listed number (``abc``, ``0``, ``99``, an empty line, ...) prints a
  message and asks again; a valid number uploads that file on the same
  connection.
"""
from __future__ import annotations

import json
import os
import socket
import struct


def list_files(folder: str) -> list[str]:
    """Names of the regular files directly in ``folder``, sorted."""
    # TODO: os.listdir + os.path.isfile, then sort
    raise NotImplementedError("list_files")


def make_header(path: str, **extra: object) -> bytes:
    """The 4-byte length prefix followed by the JSON header for ``path``."""
    # TODO: build the dict, json.dumps, encode to bytes, pack the length of the bytes
    raise NotImplementedError("make_header")


def upload(sock: socket.socket, path: str) -> None:
    """Send the header and then the content of ``path`` on a connected socket."""
    # TODO: sendall the header, then read the file in chunks ("rb") and sendall each
    raise NotImplementedError("upload")


def main(folder: str, host: str, port: int) -> None:
    """Connect once, then upload the files the user picks until q or end of input."""
    # TODO: connect, then loop: menu from 1, input(), check the choice, upload
    raise NotImplementedError("main")


if __name__ == "__main__":
    # A manual try: python upload_client.py FOLDER HOST PORT
    import sys

    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
