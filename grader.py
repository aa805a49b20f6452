"""Grade the exercises: ``python grader.py --help``."""

import sys

#: The oldest Python the grader runs on (it reads its manifest with tomllib).
NEEDED = (3, 11)

if sys.version_info < NEEDED:
    # Said before anything else is imported: older Pythons cannot even import the grader.
    have = "{}.{}".format(*sys.version_info[:2])
    need = "{}.{}".format(*NEEDED)
    sys.stderr.write(
        f"ERROR This grader needs Python {need} or newer; this is Python {have} ({sys.executable}).\n"
        "TIP Install a newer Python from python.org and run the grader with it "
        "(Windows: py -3.12 grader.py; macOS: python3.12 grader.py).\n"
        f"错误：评分程序需要 Python {need} 或更高版本；当前是 Python {have}。\n")
    sys.exit(2)

#: What the grader imports from outside the standard library: (module, package).
PACKAGES = (("pytest", "pytest"), ("pytest_timeout", "pytest-timeout"), ("psutil", "psutil"),
            ("rich", "rich"))


def _missing() -> list[str]:
    import importlib.util

    return [package for module, package in PACKAGES if importlib.util.find_spec(module) is None]


MISSING = _missing()
if MISSING:
    # Said plainly, not as the traceback of an import: the fix is one command.
    import os

    here = os.path.dirname(os.path.abspath(__file__))
    wanted = os.path.join(here, "requirements.txt")
    if os.path.abspath(os.getcwd()) == here:
        wanted = "requirements.txt"
    install = f'"{sys.executable}" -m pip install -r {wanted}'
    names = ", ".join(MISSING)
    sys.stderr.write(
        f"ERROR The grader needs packages that are not installed for this Python: {names}.\n"
        f"TIP Install them, then grade again: {install}\n"
        f"错误：评分程序需要的软件包没有为这个 Python 安装：{names}。\n"
        f"提示：先安装，再评分：{install}\n")
    sys.exit(2)

# The runner's warm topic helper loads pytest while the grader imports itself.
from grading import early  # noqa: E402

early.start(sys.argv[1:])

from grading.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
