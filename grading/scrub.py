"""Paths as a student may read them: the one place messages lose the grader's paths.

A message can quote a path from anywhere: the student's file (shown relative
to the workspace), the grader's scratch folders (``/tmp/kata-grade-…/<topic>
/basetemp/…`` becomes ``<scratch>/…``) or the grader's own checkout, where
the hidden tests live (``<grader>/…``). The plugin passes every result's
message through ``Scrubber.text`` before it leaves the test process, so the
text, JSON and JUnit reports all read the same.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .i18n import Text

SCRATCH = "<scratch>"
GRADER = "<grader>"
#: Folders the runner and the sandbox create, wherever the temporary folder is.
_SCRATCH_PATTERN = re.compile(
    r"""[^\s'"(\[]*?kata-(?:grade|sandbox)-[A-Za-z0-9_]+(?:/[^\s/'"]+?/(?:basetemp|tmp))?""")

_REPEATED = re.compile(re.escape(SCRATCH) + "(?:/?" + re.escape(SCRATCH) + ")+")


class Scrubber:
    def __init__(self, workspace: Path, scratch: Path | None, grader: Path) -> None:
        # Longest first: the workspace usually lies inside the grader's checkout.
        pairs: list[tuple[str, str]] = []
        for path, shown in ((workspace, ""), (grader, GRADER + "/")):
            for spelling in _spellings(path):
                pairs.append((spelling + os.sep, shown))
                pairs.append((spelling, shown.rstrip("/") or "."))
        if scratch is not None:
            for spelling in _spellings(scratch):
                for sub in ("basetemp", "tmp", ""):
                    pairs.append((os.path.join(spelling, sub).rstrip(os.sep), SCRATCH))
        self._pairs = sorted(set(pairs), key=lambda pair: -len(pair[0]))

    def __call__(self, text: str) -> str:
        text = _SCRATCH_PATTERN.sub(SCRATCH, text)
        for path, shown in self._pairs:
            text = text.replace(path, shown)
        # The sandbox's folders live inside the runner's: one placeholder for both.
        return _REPEATED.sub(SCRATCH, text)

    def text(self, text: Text) -> Text:
        return Text(en=self(text.en), zh=self(text.zh))


def _spellings(path: Path) -> set[str]:
    """A path as given and with links resolved (``/tmp`` is ``/private/tmp`` on macOS)."""
    return {str(path), os.path.realpath(path)} - {"", os.sep}
