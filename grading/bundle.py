"""What leaves the instructor's checkout: the Gradescope autograder and the student's copy.

``grader.py gradescope-bundle OUT.zip`` writes the zip Gradescope builds its
image from: ``setup.sh`` and ``run_autograder`` at the root (Gradescope's
rule), beside the grader itself (``grader.py``, ``grading/``, ``tests/``,
``requirements.txt``), which Gradescope unpacks into /autograder/source.

``grader.py export DIR`` writes what a student receives: the stubs as
``exercises/``, the README, the grader and its requirements, and the hidden
tests unless ``--no-hidden``. Never ``solutions/`` nor the self-tests (where
the mistaken variants live): both are built from an explicit list of what
goes in, not by copying the checkout and deleting.
"""

from __future__ import annotations

import argparse
import shutil
import stat
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import catalog
from .errors import GradingError
from .i18n import Text, default_lang

PROJECT_ROOT = Path(__file__).resolve().parent.parent
AUTOGRADER_SCRIPT = Path(__file__).with_name("_autograder.py")


def grader_files(root: Path, hidden: bool = True) -> Iterator[tuple[Path, str]]:
    """(source file, path in the bundle) for what the grader needs to run."""
    yield root / "grader.py", "grader.py"
    yield root / "requirements.txt", "requirements.txt"
    for folder in ("grading", "tests") if hidden else ("grading",):
        # Every file the engine reads (modules, its pytest.ini, the manifest), no bytecode.
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield path, path.relative_to(root).as_posix()


def write_gradescope_bundle(out: Path, root: Path = PROJECT_ROOT) -> list[str]:
    """The autograder zip; the names it holds."""
    catalog.load(root / "tests")  # a broken manifest fails here, not on Gradescope
    names = []
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder",
                                                     AUTOGRADER_SCRIPT.read_text(encoding="utf-8"))):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o755) << 16  # executable once unpacked
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, text)
            names.append(name)
        for path, name in grader_files(root):
            bundle.write(path, name)
            names.append(name)
    return names


def export_student_copy(dest: Path, root: Path = PROJECT_ROOT, hidden: bool = True) -> list[str]:
    """The student's copy in ``dest`` (which must not exist or be empty); the paths written."""
    if dest.exists() and any(dest.iterdir()):
        raise GradingError(NOT_EMPTY.format(path=dest))
    files = [*grader_files(root, hidden=hidden), (root / "README.md", "README.md")]
    files += [(p, f"exercises/{p.name}") for p in sorted((root / "exercises").glob("*.py"))]
    written = []
    for source, name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(name)
    return written


def main(argv: Sequence[str]) -> int:
    command, rest = argv[0], list(argv[1:])
    lang = default_lang()
    parser = argparse.ArgumentParser(prog=f"grader.py {command}")
    if command == "gradescope-bundle":
        parser.description = ("Write the Gradescope autograder zip (setup.sh, run_autograder and the "
                              "grader). 生成 Gradescope 自动评分包。")
        parser.add_argument("out", type=Path, metavar="OUT.zip")
    else:
        parser.description = ("Write what a student receives: stubs, README, grader and (unless "
                              "--no-hidden) the hidden tests; never solutions/. 导出发给学生的文件。")
        parser.add_argument("dest", type=Path, metavar="DIR")
        parser.add_argument("--no-hidden", action="store_true",
                            help="leave the hidden tests out (the copy then cannot grade itself)")
    args = parser.parse_args(rest)
    try:
        if command == "gradescope-bundle":
            names = write_gradescope_bundle(args.out)
            print(WROTE_BUNDLE.format(path=args.out, count=len(names)).render(lang))
        else:
            names = export_student_copy(args.dest, hidden=not args.no_hidden)
            print(WROTE_EXPORT.format(path=args.dest, count=len(names)).render(lang))
    except GradingError as exc:
        print(f"ERROR {exc.text.render(lang)}", file=sys.stderr)
        return 2
    return 0


NOT_EMPTY = Text(en="{path} is not empty: export writes into a new or empty folder.",
                 zh="{path} 不是空目录：导出只写入新的或空的目录。")
WROTE_BUNDLE = Text(
    en="Wrote {path} ({count} files). Upload it as the assignment's autograder on Gradescope "
       "(Ubuntu base image); see docs/formats.md.",
    zh="已写出 {path}（{count} 个文件）。在 Gradescope 上把它作为作业的自动评分程序上传"
       "（Ubuntu 基础镜像）；见 docs/formats.md。")
WROTE_EXPORT = Text(en="Wrote the student's copy to {path} ({count} files).",
                    zh="已把学生版写到 {path}（{count} 个文件）。")

#: Gradescope runs this once, as root, when it builds the autograder image.
SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope setup: a Python >= 3.11 with the grader's requirements, in a venv
# at /autograder/venv (run_autograder uses it). Runs once, when the image is built.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
export DEBIAN_FRONTEND=noninteractive
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PY="$candidate"; break
  fi
done
if [ -z "$PY" ]; then
  # Ubuntu 22.04 ships 3.10; 3.11 is in its universe archive.
  apt-get update -q
  apt-get install -y -q python3.11 python3.11-venv
  PY=python3.11
fi
if ! "$PY" -m venv "$ROOT/venv" 2>/dev/null; then
  apt-get update -q
  apt-get install -y -q "$("$PY" -c 'import sys; print(f"python3.{sys.version_info[1]}-venv")')"
  "$PY" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/python" -m pip install -q --upgrade pip
"$ROOT/venv/bin/python" -m pip install -q -r "$ROOT/source/requirements.txt"
"""
