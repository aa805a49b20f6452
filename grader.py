"""Grade the exercises: ``python grader.py --help``."""

import sys

from grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
