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
from collections.abc import Callable
from multiprocessing.connection import Listener
from typing import IO, Protocol, runtime_checkable

#: Seconds the runner waits for a test process to connect (socket channel).
CONNECT_TIMEOUT = 60.0


@runtime_checkable
class Sender(Protocol):
    """The test process's end of a socket channel."""

    def send_bytes(self, buf: bytes) -> None: ...


class Channel(Protocol):
    def args(self) -> list[str]: ...
    def stdin(self) -> bytes | None: ...
    def inherited(self) -> int | None: ...
    def started(self) -> None: ...
    def collect(self, timeout: float = 5.0) -> bytes: ...


#: Called with each chunk of records as it arrives (live progress).
Feed = Callable[[bytes], None]


class PipeChannel:
    def __init__(self, feed: Feed | None = None) -> None:
        self._feed = feed
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
                if self._feed is not None:
                    self._feed(data)
        finally:
            os.close(self._read)


class SocketChannel:
    def __init__(self, feed: Feed | None = None) -> None:
        self._feed = feed
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
                    data = conn.recv_bytes()
                except (EOFError, OSError):
                    return
                self._chunks.append(data)
                if self._feed is not None:
                    self._feed(data)


def open_channel(inherit: bool, feed: Feed | None = None) -> Channel:
    """A pipe where descriptors can be inherited, else a socket; ``feed`` sees
    each chunk as it arrives."""
    return PipeChannel(feed) if inherit else SocketChannel(feed)


#: The key a test process read from its stdin before pytest took stdin over.
_KEY: list[str] = []


def read_key(stream: IO[str]) -> None:
    """Read the channel's key (the first line of stdin): before pytest starts,
    which puts stdin aside while it captures."""
    _KEY.append(stream.readline().strip())


def connect(address: str) -> Sender:
    """The test process's end of a ``SocketChannel``."""
    from multiprocessing.connection import Client

    host, _, port = address.rpartition(":")
    return Client((host, int(port)), authkey=bytes.fromhex(_KEY[-1] if _KEY else ""))
