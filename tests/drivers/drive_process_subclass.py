"""Runs in the student's interpreter: builds, starts and joins a MyProcess."""

from __future__ import annotations

from typing import Any

import process_subclass


def start_and_join(name: str, log_path: str) -> dict[str, Any]:
    p = process_subclass.MyProcess(name, log_path)
    p.start()
    alive_after_start = p.is_alive()
    p.join(15)
    return {"pid": p.pid, "name": p.name, "alive_after_start": alive_after_start,
            "exitcode": p.exitcode}
