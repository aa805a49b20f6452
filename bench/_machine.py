"""What the machine did while a benchmark ran: the share of CPU time its
host took for others (``steal`` in ``/proc/stat``, on a virtual machine).

A figure measured while the host took a large share is a figure of the
host, not of the code: the benchmarks print this share beside their own.
"""

from __future__ import annotations

from pathlib import Path


def ticks() -> tuple[int, int] | None:
    """(stolen, all) CPU ticks so far, or None where the system does not say (not Linux)."""
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if fields[0] != "cpu" or len(fields) < 9:
        return None
    counts = [int(f) for f in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return counts[7], sum(counts)


def stolen_since(before: tuple[int, int] | None) -> str:
    """'N% of the CPU time taken by the host' since ``before`` (``ticks()``), or ''."""
    after = ticks()
    if before is None or after is None or after[1] <= before[1]:
        return ""
    share = (after[0] - before[0]) / (after[1] - before[1])
    return f"{share:.0%} of the CPU time taken by the host"
