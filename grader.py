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

# The runner's warm topic helper loads pytest while the grader imports itself.
from grading import early  # noqa: E402

early.start(sys.argv[1:])

from grading.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
