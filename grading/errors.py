"""What can go wrong, as exceptions whose text is the reader's sentence.

Two families. ``GradingError``: the grader itself cannot go on (a bad
workspace, a broken manifest); ``cli`` prints it once and exits 2.
``StudentProblem``: something about the student's code that decides a test's
outcome; the pytest plugin maps each class to one of the contract's outcomes.
"""

from __future__ import annotations

from .i18n import Text
from .results import Status


class GradingError(Exception):
    """The grader cannot run; ``text`` says why, ``tip`` what to do next."""

    def __init__(self, text: Text, tip: Text | None = None) -> None:
        super().__init__(text.en)
        self.text = text
        self.tip = tip


class StudentProblem(Exception):
    """Decides a test's outcome; ``text`` is the message the student reads."""

    #: One of the contract's outcomes: failed, error, timeout.
    outcome = Status.ERROR

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


class Wrong(StudentProblem, AssertionError):
    """The code ran, and did the wrong thing (``grading.testing.fail``)."""

    outcome = Status.FAILED


class NotWritten(StudentProblem):
    """The function still raises ``NotImplementedError``: the stub is untouched."""

    outcome = Status.FAILED


class StudentCrashed(StudentProblem):
    """The code could not be imported, raised, or its interpreter died."""

    outcome = Status.ERROR


class StudentTimedOut(StudentProblem):
    """The grader had to stop the code: it ran past its time limit."""

    outcome = Status.TIMEOUT


class NotObservable(StudentProblem):
    """This host cannot observe what the test needs (``host.Host.observes``):
    skipped, with the reason; graded on another tier."""

    outcome = Status.SKIPPED
