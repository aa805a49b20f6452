"""Grades a lesson's exercises: runs hidden tests against student code, safely.

``python grader.py`` calls ``grading.cli.main``; see README.md.
"""

__version__ = "0.1.0"
