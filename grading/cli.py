"""``python grader.py``: arguments in, exit status out, the one place errors are printed.

Exit status: 0 when every graded test passed, 1 when some did not, 2 on a
usage error or when the grader itself could not run.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import catalog, formats, render, runner, scoring
from .errors import GradingError
from .i18n import LANGS, Lang, Text, default_lang
from .processes import become_subreaper, kill_everything_below
from .results import TopicResult

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader.py", description=DESCRIPTION,
        epilog="exit status: 0 all tests passed, 1 some did not, 2 usage error or grader failure. "
               "Instructor's commands: grader.py verify|batch|merge|export|gradescope-bundle --help")
    parser.add_argument("topics", nargs="*", metavar="TOPIC",
                        help="grade only these topics (default: all; --list shows them)")
    parser.add_argument("--workspace", type=_existing_folder, default=PROJECT_ROOT / "exercises",
                        help="folder holding the modules to grade (default: exercises/)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the result as JSON")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML (for CI)")
    parser.add_argument("--format", dest="formats", action="append", default=[], metavar="NAME",
                        choices=sorted(formats.FORMATS),
                        help="also write the result in this format (repeatable: "
                             f"{', '.join(sorted(formats.FORMATS))}); each takes the next --output")
    parser.add_argument("--output", dest="outputs", action="append", default=[], type=Path,
                        metavar="FILE", help="where the --format of the same rank goes; a markdown "
                                             "--format without one is appended to $GITHUB_STEP_SUMMARY")
    parser.add_argument("--lang", choices=LANGS, default=None,
                        help="language of the feedback: zh, en or both (default: GRADER_LANG, "
                             "else zh for a Chinese locale, else both)")
    parser.add_argument("--jobs", "-j", type=_positive_int, default=None,
                        help="topics graded at once (default: the number of cores)")
    parser.add_argument("-k", dest="keyword", metavar="EXPR", default=None,
                        help="run only the tests whose names match this pytest -k expression "
                             "(the score then covers those tests only)")
    parser.add_argument("--list", action="store_true", help="list the topics and exit")
    parser.add_argument("--quiet", "-q", action="store_true", help="no live progress lines")
    return parser


def _existing_folder(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} is not a folder (it should hold the topic modules, "
                                         "like exercises/ or solutions/)")
    return path.resolve()


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number >= 1")
    return number


#: ``grader.py COMMAND ...``: the instructor's commands, each its module's ``main(argv)``.
COMMANDS = {"verify": "verify", "batch": "batch", "merge": "batch",
            "export": "bundle", "gradescope-bundle": "bundle"}


def main(argv: Sequence[str] | None = None) -> int:
    """The grader; an unexpected error is one ERROR line and exit status 2,
    never a traceback that could be mistaken for a grade (exit 1)."""
    try:
        return _main(argv)
    except Exception as exc:  # noqa: BLE001 - the grader itself failed: say so, once
        details = _save_traceback()
        _error(UNEXPECTED.format(error=f"{type(exc).__name__}: {exc}", details=details), None,
               default_lang())
        return EXIT_USAGE


def _save_traceback() -> str:
    """The traceback, in a file for whoever reports the bug (the screen gets one line)."""
    import tempfile
    import traceback
    try:
        fd, path = tempfile.mkstemp(prefix="grader-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(traceback.format_exc())
        return path
    except OSError:
        return "?"


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        import importlib
        command = importlib.import_module(f".{COMMANDS[argv[0]]}", __package__)
        code: int = command.main(argv)
        return code
    parser = build_parser()
    args = parser.parse_args(argv)
    extra = _pair_formats(parser, args.formats, args.outputs)
    lang: Lang = args.lang or default_lang()
    try:
        topics = catalog.load(PROJECT_ROOT / "tests")
        if args.list:
            for topic in topics:
                print(f"{topic.name:<20} {topic.points:>4g}  {render._title(topic.title, lang)}")
            return EXIT_PASSED
        chosen = catalog.select(topics, args.topics)
        for path in (args.json, args.junit, *(p for _, p in extra)):
            if path is not None:
                _check_writable(path)
        become_subreaper()
        # SIGTERM (a CI job cancelled, a `kill`) stops the grade as Ctrl-C does:
        # the runner then kills every test process before the grader exits.
        signal.signal(signal.SIGTERM, _interrupt)
        progress = None if args.quiet else _progress(lang)
        try:
            report = runner.run(chosen, args.workspace, jobs=args.jobs, progress=progress,
                                keyword=args.keyword)
        finally:
            _clean_up()
        colour = _use_colour(sys.stdout)
        sys.stdout.write(render.render_text(report, lang, colour=colour))
        outputs: tuple[tuple[Path | None, render.Renderer], ...] = (
            (args.json, render.render_json), (args.junit, render.render_junit),
            *((path, formats.FORMATS[name]) for name, path in extra if path is not None))
        for path, renderer in outputs:
            if path is not None:
                try:
                    render.write_atomically(path, renderer(report, lang))
                except OSError as exc:
                    raise GradingError(CANNOT_WRITE.format(path=path, why=exc.strerror or exc)) from None
        if any(path is None for _, path in extra):
            try:
                formats.append_step_summary(report, lang)
            except OSError as exc:
                raise GradingError(CANNOT_WRITE.format(path=os.environ.get("GITHUB_STEP_SUMMARY"),
                                                       why=exc.strerror or exc)) from None
    except GradingError as exc:
        _error(exc.text, exc.tip, lang)
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error(INTERRUPTED, None, lang)
        return EXIT_USAGE
    if any(topic.broken for topic in report.topics):
        _error(BROKEN_TOPICS.format(names=", ".join(t.name for t in report.topics if t.broken)),
               None, lang)
        return EXIT_USAGE
    return EXIT_PASSED if scoring.all_passed(report) else EXIT_FAILED


def _pair_formats(parser: argparse.ArgumentParser, names: list[str],
                  outputs: list[Path]) -> list[tuple[str, Path | None]]:
    """``--format A --output X --format B --output Y``: each format with the output of its rank."""
    if len(outputs) > len(names):
        parser.error("more --output than --format: each --output FILE follows the --format NAME it is for")
    pairs: list[tuple[str, Path | None]] = [
        (name, outputs[i] if i < len(outputs) else None) for i, name in enumerate(names)]
    for name, path in pairs:
        if path is None and (name != "markdown" or not os.environ.get("GITHUB_STEP_SUMMARY")):
            parser.error(f"--format {name} needs an --output FILE (only markdown may go to "
                         "$GITHUB_STEP_SUMMARY, when that variable is set)")
    return pairs


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _check_writable(path: Path) -> None:
    """Fail before grading, not after, when a report cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        why = "it is a folder" if path.is_dir() else "its folder does not exist or is not writable"
        raise GradingError(CANNOT_WRITE.format(path=path, why=why))


def _progress(lang: Lang):  # type: ignore[no-untyped-def]
    def show(topic: TopicResult) -> None:
        score, best = scoring.topic_score(topic), scoring.topic_max(topic)
        mark = "✓" if score == best and topic.problem is None else "✗"
        print(f"  {mark} {topic.name:<18} {score:g}/{best:g}  ({topic.duration:.1f} s)",
              file=sys.stderr, flush=True)
    return show


def _clean_up() -> None:
    """Nothing graded outlives the grader: kill what is left below us."""
    kill_everything_below()


def _use_colour(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _error(text: Text, tip: Text | None, lang: Lang) -> None:
    print(f"ERROR {text.render(lang)}", file=sys.stderr)
    if tip is not None:
        print(f"TIP {tip.render(lang)}", file=sys.stderr)


UNEXPECTED = Text(
    en="The grader itself failed ({error}); no score was given. Details: {details}",
    zh="评分程序本身出错（{error}），没有给出分数。详情见：{details}",
)
CANNOT_WRITE = Text(en="Cannot write the report {path}: {why}.", zh="无法写入报告 {path}：{why}。")
INTERRUPTED = Text(en="Interrupted: grading stopped, no report written.", zh="已中断：评分停止，未写出报告。")
BROKEN_TOPICS = Text(
    en="The hidden tests of {names} could not be loaded: the grader is broken, the score is incomplete.",
    zh="{names} 的隐藏测试无法加载：评分程序本身有问题，分数不完整。",
)
DESCRIPTION = ("Grade the lesson's exercises: run the hidden tests of each topic against the "
               "modules in a workspace and report the score. 运行隐藏测试，为练习评分。")
