"""The mistaken (and the correct) variants of each topic's solution, as ``expect.toml`` lists them.

``selftests/mistakes/<topic>/expect.toml`` holds ``[[mistake]]`` entries (the
file, the tests that must lose points on it, a phrase their message must
contain) and ``[[correct]]`` entries (another style that must score full
marks). A variant is a ``.patch`` against ``solutions/<topic>.py`` (applied
strictly by ``grading.patching``) or a whole ``.py``. ``verify`` and the
self-tests read them through this module.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from . import patching
from .errors import GradingError
from .i18n import Text


@dataclass(frozen=True)
class Variant:
    topic: str
    #: The ``.patch`` or ``.py`` file.
    path: Path
    #: ``mistake`` or ``correct``.
    kind: str
    #: Tests that must lose points on it (mistakes only).
    fails: tuple[str, ...] = ()
    #: A phrase the losing tests' messages must contain (mistakes only).
    says: str = ""

    @property
    def id(self) -> str:
        return f"{self.topic}-{self.path.stem}"


def load(mistakes_dir: Path, topics: list[str] | None = None) -> list[Variant]:
    """Every variant, topic by topic; an ``expect.toml`` that does not match its folder is an error."""
    found: list[Variant] = []
    for expect in sorted(mistakes_dir.glob("*/expect.toml")):
        topic = expect.parent.name
        if topics is not None and topic not in topics:
            continue
        try:
            data = tomllib.loads(expect.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise GradingError(BAD_EXPECT.format(path=expect, why=str(exc))) from None
        entries = [(kind, e) for kind in ("mistake", "correct") for e in data.get(kind, [])]
        listed = {str(e.get("file")) for _, e in entries}
        present = {p.name for p in expect.parent.iterdir() if p.suffix in (".py", ".patch")}
        if listed != present:
            raise GradingError(BAD_EXPECT.format(
                path=expect, why=f"listed and present files differ: {sorted(listed ^ present)}"))
        for kind, entry in entries:
            found.append(Variant(topic=topic, path=expect.parent / str(entry["file"]), kind=kind,
                                 fails=tuple(entry.get("fails", ())), says=str(entry.get("says", ""))))
    return found


def source(variant: Variant, solutions_dir: Path) -> str:
    """The variant's module text; ``patching.PatchError`` when its patch no longer applies."""
    text = variant.path.read_text(encoding="utf-8")
    if variant.path.suffix != ".patch":
        return text
    solution = (solutions_dir / f"{variant.topic}.py").read_text(encoding="utf-8")
    return patching.apply(solution, text)


def write(variant: Variant, solutions_dir: Path, workspace: Path) -> Path:
    """The variant as ``workspace/<topic>.py``, ready to grade."""
    workspace.mkdir(parents=True, exist_ok=True)
    target = workspace / f"{variant.topic}.py"
    target.write_text(source(variant, solutions_dir), encoding="utf-8")
    return target


BAD_EXPECT = Text(en="{path} cannot be used: {why}.", zh="{path} 无法使用：{why}。")
