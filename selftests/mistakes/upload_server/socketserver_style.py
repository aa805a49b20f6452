"""大文件上传 · 服务端：socketserver 写法 / the upload server in socketserver style.

A correct variant in another style: ``socketserver.ThreadingTCPServer`` gives
the connection loop and a thread per client; the handler reads the stream
through ``self.rfile``, whose ``read(n)`` keeps reading until it has n bytes
or the client has closed.
"""
from __future__ import annotations

import json
import os
import socketserver
import struct
import uuid

LIMIT = 64 * 1024


class UploadHandler(socketserver.StreamRequestHandler):
    dest_dir = "."

    def handle(self) -> None:
        while True:  # communication loop: one upload after another
            prefix = self.rfile.read(4)
            if len(prefix) < 4:
                return  # the client closed (or died in the prefix)
            length = struct.unpack("<i", prefix)[0]
            if length <= 0 or length > LIMIT:
                return
            raw = self.rfile.read(length)
            try:
                header = json.loads(raw.decode("utf-8"))
                name = os.path.basename(header["file_name"])
                size = header["file_size"]
            except (ValueError, KeyError, TypeError):
                return  # not JSON, not an object, a key missing, a name not a str
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                return
            if name in {"", ".", ".."}:
                return
            if not self.save(name, size):
                return

    def save(self, name: str, size: int) -> bool:
        part = os.path.join(self.dest_dir, f".{uuid.uuid4().hex}.tmp")
        left = size
        with open(part, "wb") as out:
            while left > 0:
                piece = self.rfile.read1(min(left, 256 * 1024))  # what is there, at most this
                if not piece:
                    break
                out.write(piece)
                left -= len(piece)
        if left:
            os.remove(part)  # the client went away in the middle
            return False
        os.rename(part, os.path.join(self.dest_dir, name))
        return True


def serve(host: str, port: int, dest_dir: str) -> None:
    handler = type("Handler", (UploadHandler,), {"dest_dir": dest_dir})
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer((host, port), handler) as server:
        server.daemon_threads = True
        server.serve_forever()
