"""The result channel: how a topic's test process sends its records to the runner.

Two kinds, one use (``open_channel``; the plugin's ``connect`` on the other end):

``PipeChannel`` (POSIX)
    An anonymous pipe the test process inherits (``--grading-report-fd N``):
    no name on a command line that another process could open.

``SocketChannel`` (where descriptors cannot be inherited: Windows)
    A ``multiprocessing.connection`` listener on 127.0.0.1 for one client
    (``--grading-report-connect HOST:PORT``); the random key that client must
    prove is written to the test process's standard input, never its
    command line.

Either way the records are JSON lines, read by one thread per topic until
the test process is gone.
"""

from __future__ import annotations

import os
import secrets
import threading
from multiprocessing.connection import Connection, Listener
from typing import IO, Protocol

#: Seconds the runner waits for a test process to connect (socket channel).
CONNECT_TIMEOUT = 60.0


class Channel(Protocol):
    def args(self) -> list[str]: ...
    def stdin(self) -> bytes | None: ...
    def inherited(self) -> int | None: ...
    def started(self) -> None: ...
    def collect(self, timeout: float = 5.0) -> bytes: ...


class PipeChannel:
    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._drain, daemon=True, name="report-pipe")

    def args(self) -> list[str]:
        # The warm runner's child gets the pipe as descriptor 3; a cold one keeps its number.
        return ["--grading-report-fd", str(self._write)]

    def stdin(self) -> bytes | None:
        return None

    def inherited(self) -> int | None:
        return self._write

    def started(self) -> None:
        os.close(self._write)  # only the child holds it now: its end is our EOF
        self._reader.start()

    def collect(self, timeout: float = 5.0) -> bytes:
        self._reader.join(timeout=timeout)
        return b"".join(self._chunks)

    def _drain(self) -> None:
        try:
            while data := os.read(self._read, 1 << 16):
                self._chunks.append(data)
        finally:
            os.close(self._read)


class SocketChannel:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)
        self._listener = Listener(("127.0.0.1", 0), authkey=self._key)
        self._chunks: list[bytes] = []
        self._connected = threading.Event()
        self._reader = threading.Thread(target=self._drain, daemon=True, name="report-socket")

    def args(self) -> list[str]:
        host, port = self._listener.address
        return ["--grading-report-connect", f"{host}:{port}"]

    def stdin(self) -> bytes | None:
        return self._key.hex().encode("ascii") + b"\n"

    def inherited(self) -> int | None:
        return None

    def started(self) -> None:
        self._reader.start()

    def collect(self, timeout: float = 5.0) -> bytes:
        if self._connected.is_set():
            self._reader.join(timeout=timeout)
        self._listener.close()  # ends an accept() that nobody came to
        self._reader.join(timeout=timeout)
        return b"".join(self._chunks)

    def _drain(self) -> None:
        try:
            conn = self._listener.accept()
        except (OSError, EOFError, Exception):  # a wrong key, or closed before anyone came
            return
        self._connected.set()
        with conn:
            while True:
                try:
                    self._chunks.append(conn.recv_bytes())
                except (EOFError, OSError):
                    return


def open_channel(inherit: bool) -> Channel:
    """A pipe where descriptors can be inherited, else a socket."""
    return PipeChannel() if inherit else SocketChannel()


#: The key a test process read from its stdin before pytest took stdin over.
_KEY: list[str] = []


def read_key(stream: IO[str]) -> None:
    """Read the channel's key (the first line of stdin): before pytest starts,
    which puts stdin aside while it captures."""
    _KEY.append(stream.readline().strip())


def connect(address: str) -> Connection:
    """The test process's end of a ``SocketChannel``."""
    from multiprocessing.connection import Client

    host, _, port = address.rpartition(":")
    return Client((host, int(port)), authkey=bytes.fromhex(_KEY[-1] if _KEY else ""))
