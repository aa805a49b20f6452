"""大文件上传 · 服务端

写一个 TCP 服务端 ``serve(host, port, dest_dir)``，接收客户端上传的文件并保存到
``dest_dir``。它一直运行，不会返回。

一次上传的格式（课上的格式）：
1. 4 个字节：``struct.pack('<i', n)``，即 JSON 报头的长度 n；
2. n 个字节：UTF-8 编码的 JSON 对象，至少有 ``"file_name"``（字符串）和
   ``"file_size"``（大于等于 0 的整数），其他键（如 ``"md5"``）可以忽略；
3. 正好 ``file_size`` 个字节的文件内容。

要求：
- 连接循环（accept 一个客户端，服务完再 accept 下一个）和通信循环（同一个连接上
  可以一个接一个地上传多个文件，直到客户端关闭连接，这时 recv() 返回 b''）；
- 一次 recv() 可能只返回一部分数据：报头和内容都要按报头说的字节数读满，
  也不能多读（多读的字节属于下一个上传）；
- 文件内容是字节：边收边写进以 'wb' 打开的文件，内存占用不随文件大小增长；
  0 字节的文件、没有换行符的二进制文件、中文文件名都要能正确保存；
- 文件保存为 ``dest_dir/<file_name 的 basename>``（``../x``、``/etc/x``、
  ``a/../../x`` 都保存为 ``x``），绝不写到 dest_dir 之外；basename 为空、``.``
  或 ``..`` 的文件名是错误的报头；
- 先写入 dest_dir 中以 ``.`` 开头的临时文件，完整收完后再改名为最终文件名；
  连接中途断开时，最终文件名下不能有文件，临时文件要删除；
- 错误的报头（不是 JSON、不是对象、缺少键、file_size 为负数或不是 int——``true``
  不算——、文件名无效、长度前缀 <= 0 或 > 64 KiB）：关闭这个连接，继续服务别的客户端；
- 加分：一个慢客户端不会挡住其他客户端。

Large-file upload: the server

Write a TCP server ``serve(host, port, dest_dir)`` that receives the files
clients upload and stores them in ``dest_dir``. It runs for ever and never
returns.

One upload on the wire (the course's format):
1. 4 bytes: ``struct.pack('<i', n)``, the length n of the JSON header;
2. n bytes: a UTF-8 JSON object with at least ``"file_name"`` (str) and
   ``"file_size"`` (int >= 0); other keys (``"md5"``, ...) may be ignored;
3. exactly ``file_size`` bytes of file content.

Requirements:
- a connection loop (accept a client, serve it, accept the next one) and a
  communication loop (several uploads one after another on one connection,
  until the client closes it: then recv() returns b'');
- one recv() may return fewer bytes than asked: read exactly as many bytes as
  the header says, never more (bytes past the end belong to the next upload);
- the body is bytes: write it as it arrives to a file opened with 'wb', so
  memory does not grow with the file; zero-byte files, binary files without
  newlines and non-ASCII names must all work;
- store the file as ``dest_dir/<basename of file_name>`` (``../x``, ``/etc/x``
  and ``a/../../x`` are all stored as ``x``); never write outside dest_dir; a
  name whose basename is empty, ``.`` or ``..`` is a bad header;
- write to a temporary file in dest_dir whose name starts with ``.``, and
  rename it to the final name only when complete; if the connection dies early,
  nothing is left under the final name and the temporary file is removed;
- a bad header (not JSON, not an object, a missing key, a file_size that is
  negative or not an int — ``true`` is not a size —, a bad name, a length
  prefix <= 0 or > 64 KiB): close that connection and go on serving others;
- extra credit: one slow client does not hold up the others.
"""
from __future__ import annotations


def serve(host: str, port: int, dest_dir: str) -> None:
    """Accept clients on (host, port) for ever and store their uploads in dest_dir."""
    # TODO: socket() -> bind((host, port)) -> listen() -> loop: accept() and serve
    #       the connection: read 4 bytes, unpack the length, read and parse the
    #       header, then receive exactly file_size bytes into a temporary file.
    raise NotImplementedError("serve")


if __name__ == "__main__":
    import os

    os.makedirs("uploads", exist_ok=True)
    serve("127.0.0.1", 8080, "uploads")
