"""Apply a unified diff to a text, strictly: every context and removed line must match.

Mistaken variants are stored as patches against the reference solution, so
each shows its one mistake and nothing else; a patch that no longer applies
(the solution changed under it) fails loudly instead of drifting.
"""

from __future__ import annotations

import re

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(Exception):
    """The patch does not apply: its text says at which line and what differs."""


def apply(original: str, patch: str) -> str:
    source = original.splitlines(keepends=True)
    result: list[str] = []
    position = 0  # next line of source not yet copied
    lines = patch.splitlines(keepends=True)
    i = 0
    while i < len(lines) and not lines[i].startswith("@@"):
        i += 1  # the ---/+++ header
    while i < len(lines):
        match = HUNK.match(lines[i])
        if not match:
            raise PatchError(f"expected a hunk header, got {lines[i]!r}")
        start = int(match.group(1)) - (0 if match.group(2) == "0" else 1)
        if start < position:
            raise PatchError("hunks overlap or are out of order")
        result.extend(source[position:start])
        position = start
        i += 1
        while i < len(lines) and not lines[i].startswith("@@"):
            line = lines[i]
            tag, text = line[:1], line[1:]
            if line.startswith("\\"):  # "\ No newline at end of file"
                if result and result[-1].endswith("\n") and lines[i - 1][:1] in "+ ":
                    result[-1] = result[-1][:-1]
            elif tag in " -":
                if position >= len(source) or source[position].rstrip("\n") != text.rstrip("\n"):
                    got = source[position] if position < len(source) else "<end of file>"
                    raise PatchError(f"line {position + 1}: expected {text!r}, found {got!r}")
                if tag == " ":
                    result.append(source[position])
                position += 1
            elif tag == "+":
                result.append(text)
            else:
                raise PatchError(f"unexpected line {line!r}")
            i += 1
    result.extend(source[position:])
    return "".join(result)
