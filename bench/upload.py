"""Benchmark: the reference upload client and server against a raw baseline.

    python bench/upload.py [--size-mib 1024] [--repeat 3]

Sends one file of ``--size-mib`` MiB over 127.0.0.1 twice per round:

- reference: ``solutions/upload_client.upload`` (in this process) to
  ``solutions/upload_server.serve`` (a child interpreter), which stores it;
- baseline: ``socket.sendfile`` (in this process) to a minimal receiver (a
  child interpreter) that ``recv_into``s one buffer and writes it to a file.

A round is timed end to end: from the first byte sent until the receiving
side has stored the whole file and closed the connection (the client shuts
down its sending side and waits for the server to close). Meanwhile the
server's RSS is sampled with psutil; its growth above the idle server is what
an upload costs in memory. Prints each round, then the medians, the ratio
reference/baseline and whether the goals are met (>= 70 % of the baseline,
< 32 MiB above idle). Exit status 0 when both goals are met, 1 otherwise.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
MiB = 1024 * 1024
#: The goals: reference throughput share of the baseline, server memory growth.
GOAL_RATIO = 0.70
GOAL_MEMORY = 32 * MiB
#: Seconds between two RSS samples of the server.
SAMPLE_EVERY = 0.002

#: The reference server, run as ``python -c`` in a child: serve() for ever.
SERVER_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from upload_server import serve
serve("127.0.0.1", int(sys.argv[2]), sys.argv[3])
"""

#: The baseline receiver: one connection, raw bytes into one file, no header.
BASELINE_SCRIPT = """
import socket, sys
listener = socket.socket()
listener.bind(("127.0.0.1", int(sys.argv[1])))
listener.listen(1)
while True:
    conn, _ = listener.accept()
    buffer = bytearray(1024 * 1024)
    view = memoryview(buffer)
    with conn, open(sys.argv[2], "wb") as out:
        while n := conn.recv_into(buffer):
            out.write(view[:n])
"""


@dataclass
class Run:
    seconds: float
    peak_growth: int  # bytes of RSS above the idle receiver

    def mib_per_s(self, size: int) -> float:
        return size / MiB / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_child(script: str, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    """Start a receiver on a free port; return it once it accepts connections."""
    for _ in range(5):
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-B", "-c", script, *args_with_port(args, port)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc, port
            except OSError:
                time.sleep(0.02)
        stop(proc)  # the port was taken in between, or it failed: try again
    raise SystemExit("could not start the receiver: " + script.strip().splitlines()[0])


def args_with_port(args: tuple[str, ...], port: int) -> list[str]:
    return [str(port) if a == "{port}" else a for a in args]


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a child we started (by its pid, through its Popen)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def idle_rss(pid: int) -> int:
    """The receiver's RSS when nothing happens: the median of a few samples."""
    process = psutil.Process(pid)
    samples = []
    for _ in range(10):
        samples.append(process.memory_info().rss)
        time.sleep(0.01)
    return int(statistics.median(samples))


def timed(pid: int, send: Callable[[], None]) -> Run:
    """Run ``send`` while sampling the receiver's RSS; time it end to end."""
    process = psutil.Process(pid)
    idle = idle_rss(pid)
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    send()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    return Run(seconds, peak - idle)


def wait_closed(sock: socket.socket) -> None:
    """Shut our side, then wait until the receiver has stored all and closed."""
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(600)
    while sock.recv(65536):
        pass


def make_file(path: Path, size: int) -> None:
    """``size`` bytes of pseudo-random data, written 1 MiB at a time."""
    rng = random.Random(30)
    blocks = [rng.randbytes(MiB) for _ in range(4)]
    with open(path, "wb") as out:
        left = size
        i = 0
        while left:
            block = blocks[i % len(blocks)][: min(MiB, left)]
            out.write(block)
            left -= len(block)
            i += 1


def same_content(a: Path, b: Path, size: int) -> bool:
    """Same size and same bytes at a few spread-out places (cheap on 1 GiB)."""
    if not b.exists() or b.stat().st_size != size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        for offset in [0, size // 3, size // 2, max(0, size - 4096)]:
            fa.seek(offset)
            fb.seek(offset)
            if hashlib.sha256(fa.read(4096)).digest() != hashlib.sha256(fb.read(4096)).digest():
                return False
    return True


def reference_client() -> Any:
    """The reference solution's module (solutions/upload_client.py)."""
    if str(SOLUTIONS) not in sys.path:
        sys.dont_write_bytecode = True  # leave no __pycache__ in solutions/
        sys.path.insert(0, str(SOLUTIONS))
    import upload_client

    return upload_client


def send_reference(source: Path, port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        reference_client().upload(sock, str(source))
        wait_closed(sock)


def send_raw(source: Path, port: int, header: bool = False) -> None:
    """sendfile the content; with ``header``, the reference header first."""
    with socket.create_connection(("127.0.0.1", port)) as sock, open(source, "rb") as f:
        if header:
            sock.sendall(reference_client().make_header(str(source)))
        sock.sendfile(f)
        wait_closed(sock)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="file size in MiB (1024)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (3)")
    parser.add_argument("--dir", default=None, help="folder for the files (a temporary one)")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the reference client into the raw receiver, and "
                             "sendfile (after the header) into the reference server")
    args = parser.parse_args(argv)
    if args.size_mib < 1 or args.repeat < 1:
        parser.error("--size-mib and --repeat must be at least 1")
    size = args.size_mib * MiB

    with tempfile.TemporaryDirectory(prefix="bench-upload-", dir=args.dir) as scratch:
        root = Path(scratch)
        source, dest = root / "source.bin", root / "dest"
        dest.mkdir()
        print(f"writing a {args.size_mib} MiB file in {root} …", flush=True)
        make_file(source, size)
        baseline_out = root / "baseline.bin"
        server, server_port = start_child(SERVER_SCRIPT, str(SOLUTIONS), "{port}", str(dest))
        raw, raw_port = start_child(BASELINE_SCRIPT, "{port}", str(baseline_out))
        # name -> (send, receiver pid, where it stores, whether the stored
        # file is exactly the source: the raw receiver also keeps a header).
        pairs: dict[str, tuple[Callable[[], None], int, Path, bool]] = {
            "reference": (partial(send_reference, source, server_port), server.pid,
                          dest / source.name, True),
            "baseline": (partial(send_raw, source, raw_port), raw.pid, baseline_out, True),
        }
        if args.breakdown:
            pairs["ref client -> raw"] = (partial(send_reference, source, raw_port), raw.pid,
                                          baseline_out, False)
            pairs["sendfile -> ref server"] = (partial(send_raw, source, server_port, True),
                                               server.pid, dest / source.name, True)
        runs: dict[str, list[Run]] = {name: [] for name in pairs}
        try:
            for i in range(args.repeat):
                # Rotate the order, so that no pair always runs on a warmer
                # (or dirtier) page cache.
                names = list(pairs)
                names = names[i % len(names):] + names[:i % len(names)]
                for name in names:
                    send, pid, stored, exact = pairs[name]
                    run = timed(pid, send)
                    runs[name].append(run)
                    ok = same_content(source, stored, size) if exact else \
                        stored.stat().st_size > size
                    print(f"round {i + 1} {name:22s}: {run.seconds:6.2f} s  "
                          f"{run.mib_per_s(size):7.0f} MiB/s  receiver RSS +"
                          f"{run.peak_growth / MiB:5.1f} MiB  "
                          f"{'stored intact' if ok else 'STORED FILE DIFFERS'}", flush=True)
                    if not ok:
                        return 2
                    stored.unlink()  # do not keep GiBs on the disk
        finally:
            stop(server)
            stop(raw)

    medians = {name: statistics.median(r.mib_per_s(size) for r in rs) for name, rs in runs.items()}
    ref, base = medians["reference"], medians["baseline"]
    growth = max(r.peak_growth for r in runs["reference"])
    ratio = ref / base
    print(f"\nmedians over {args.repeat} round(s) of {args.size_mib} MiB "
          f"({os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}):")
    print(f"  reference client -> reference server : {ref:7.0f} MiB/s")
    print(f"  baseline sendfile -> recv_into        : {base:7.0f} MiB/s")
    print(f"  ratio reference / baseline            : {ratio:7.2f}  "
          f"(goal >= {GOAL_RATIO:.2f}: {'met' if ratio >= GOAL_RATIO else 'NOT met'})")
    for name in list(medians)[2:]:
        print(f"  {name:38s}: {medians[name]:7.0f} MiB/s")
    print(f"  server peak RSS above idle (max)      : {growth / MiB:7.1f} MiB "
          f"(goal < {GOAL_MEMORY // MiB}: {'met' if growth < GOAL_MEMORY else 'NOT met'})")
    return 0 if ratio >= GOAL_RATIO and growth < GOAL_MEMORY else 1


if __name__ == "__main__":
    sys.exit(main())
