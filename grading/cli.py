"""``python grader.py``: arguments in, exit status out, the one place errors are printed.

Exit status: 0 when every graded test passed, 1 when some did not, 2 on a
usage error or when the grader itself could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from . import catalog, contain, formats, render, runner, scoring, state
from .errors import GradingError
from .i18n import LANGS, UNKNOWN_LANG, Lang, Text, default_lang, unknown_lang
from .live import Board
from .processes import REAPER, become_subreaper, kill_everything_below, stop_on_signals
from .results import Report

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKSPACE = PROJECT_ROOT / "exercises"
EXIT_PASSED, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: The live display of the grade now running; told to stop at an interrupt.
_BOARD: list[Board] = []


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader.py", description=DESCRIPTION,
        epilog="exit status: 0 all tests passed, 1 some did not, 2 usage error or grader failure. "
               "Instructor's commands: grader.py verify|batch|merge|export|gradescope-bundle --help")
    parser.add_argument("topics", nargs="*", metavar="TOPIC",
                        help="grade only these topics (default: all; --list shows them)")
    parser.add_argument("--workspace", type=_existing_folder, default=DEFAULT_WORKSPACE,
                        help="folder holding the modules to grade (default: exercises/)")
    parser.add_argument("--tests", type=Path, default=PROJECT_ROOT / "tests", metavar="DIR",
                        help="folder holding topics.toml and the hidden tests test_<topic>.py "
                             "(default: tests/ beside grader.py)")
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
    parser.add_argument("--list", action="store_true",
                        help="list the topics in teaching order, with points and your last result")
    parser.add_argument("--hint", metavar="TOPIC", default=None,
                        help="show the next level of the hints for TOPIC's failed tests")
    parser.add_argument("--all", action="store_true", help="with --hint: every level of every hint")
    parser.add_argument("--watch", action="store_true",
                        help="regrade a topic each time its file is saved (Ctrl-C stops)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="show every failure in full, and the topics not started yet")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the total")
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


def _speak_utf8(stream: object) -> None:
    """Chinese and ✓✗ whatever the console or redirect: a stream whose encoding
    cannot write them (cp936, cp1252 when redirected on Windows) writes UTF-8."""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "✓✗⏱中文".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


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
    for stream in (sys.stdout, sys.stderr):
        _speak_utf8(stream)
    parser = build_parser()
    args = parser.parse_args(argv)
    extra = _pair_formats(parser, args.formats, args.outputs)
    if args.all and args.hint is None:
        parser.error("--all goes with --hint TOPIC")
    lang: Lang = args.lang or default_lang()
    odd = unknown_lang()
    if odd is not None and args.lang is None:
        # One line, whatever the language: a note, not a page.
        print(UNKNOWN_LANG.format(value=odd, lang=lang).render(lang).replace("\n", " / "), file=sys.stderr)
    try:
        topics = catalog.load(args.tests)
        memory = state.load(args.workspace)
        if memory.note is not None:
            print(memory.note.render(lang), file=sys.stderr)
        if args.list:
            sys.stdout.write(_list(topics, memory, lang))
            return EXIT_PASSED
        if args.hint is not None:
            return _hint(topics, memory, args.hint, args.all, lang)
        chosen = catalog.select(topics, args.topics)
        if args.watch:
            from . import watch
            return watch.run(chosen, args.workspace, argv=_watch_argv(args), lang=lang,
                             initial=bool(args.topics))
        for path in (args.json, args.junit, *(p for _, p in extra)):
            if path is not None:
                _check_writable(path)
        report = _grade(chosen, args, lang)
        colour = _use_colour(sys.stdout)
        if args.quiet:
            total, best = scoring.total_score(report), scoring.total_max(report)
            print(render.TOTAL.format(score=f"{total:g}", max=f"{best:g}",
                                      seconds=f"{report.duration:.1f}").render(lang))
        else:
            sys.stdout.write(render.render_text(report, lang, colour=colour, verbose=args.verbose))
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
        if args.keyword is None:
            memory.record(report)
            memory.save()
        if not args.quiet and not render.is_welcome(report, args.verbose):
            print(_next_step(topics, memory, args.workspace).render(lang))
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


def _grade(chosen: list[catalog.Topic], args: argparse.Namespace, lang: Lang) -> Report:
    become_subreaper()
    # Our /proc/<pid>/fd (the report pipe), memory and environment closed to
    # other processes of our uid (docs/trust.md, the user tier).
    contain.protect_self()
    # SIGTERM (a CI job cancelled, a `kill`) and Ctrl-C stop the grade alike: the
    # display stops at once, then the runner kills every test process.
    stop_on_signals(first=_stop_boards)
    live = not args.quiet and _use_colour(sys.stdout) and not os.environ.get("NO_COLOR")
    board = Board(chosen, lang, live=live)
    _BOARD[:] = [board]
    try:
        with board:
            report = runner.run(chosen, args.workspace, jobs=args.jobs,
                                progress=None if args.quiet else board.progress,
                                keyword=args.keyword, on_start=board.started if live else None)
    finally:
        _clean_up()
    if args.keyword is not None and not any(t.tests for t in report.topics):
        raise GradingError(NOTHING_SELECTED.format(expr=args.keyword), NOTHING_SELECTED_TIP)
    stubs = {t.name for t in chosen if catalog.is_stub(t, args.workspace)}
    return replace(report, topics=tuple(replace(t, stub=t.name in stubs) for t in report.topics))


def _stop_boards() -> None:
    for board in _BOARD:
        board.stop()


def _watch_argv(args: argparse.Namespace) -> list[str]:
    """The options a regrade in watch mode passes on."""
    argv = ["--workspace", str(args.workspace)]
    if args.lang:
        argv += ["--lang", args.lang]
    if args.verbose:
        argv.append("--verbose")
    if args.jobs:
        argv += ["--jobs", str(args.jobs)]
    return argv


def _list(topics: list[catalog.Topic], memory: state.State, lang: Lang) -> str:
    lines = []
    for number, topic in enumerate(topics, start=1):
        last = memory.topics.get(topic.name)
        mark = "" if last is None else "✓" if last.done else "✗"
        result = "—" if last is None else f"{mark} {last.score:g}/{last.max_score:g}"
        lines.append(f"{number:>2}. {topic.name:<18} {topic.points:>4g}  {result:<10} "
                     f"{render._title(topic.title, lang)}")
    return "\n".join(lines) + "\n"


def _next_step(topics: list[catalog.Topic], memory: state.State, workspace: Path) -> Text:
    where = ("" if workspace == DEFAULT_WORKSPACE.resolve()
             else f" --workspace {render._shown_path(str(workspace))}")
    for topic in topics:
        last = memory.topics.get(topic.name)
        if last is None or not last.done:
            return NEXT_TOPIC.format(topic=topic.name, where=where)
    return ALL_DONE


def _hint(topics: list[catalog.Topic], memory: state.State, name: str, everything: bool,
          lang: Lang) -> int:
    (topic,) = catalog.select(topics, [name])
    last = memory.topics.get(topic.name)
    if last is not None and last.done and not everything:
        print(HINT_PASSES.format(topic=topic.name).render(lang))
        return EXIT_PASSED
    # The report's order of the hints that applied last time; never graded: all of them.
    order = last.hint_order if last is not None and last.hint_order else list(range(len(topic.hints)))
    step = (last.hint_level if last is not None else 0) + 1
    if everything:
        page, final = [(topic.hints[i], topic.hints[i].levels) for i in range(len(topic.hints))], True
    else:
        page, final = render.hint_page(topic.hints, order, step)
    sys.stdout.write(render.render_hints(topic.name, topic.title, page, lang))
    if not everything:
        print((HINT_LAST if final else HINT_AGAIN).format(topic=topic.name).render(lang))
    if last is not None and not everything:
        last.hint_level = step
        memory.save()
    return EXIT_PASSED


def _check_writable(path: Path) -> None:
    """Fail before grading, not after, when a report cannot be written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK):
        why = "it is a folder" if path.is_dir() else "its folder does not exist or is not writable"
        raise GradingError(CANNOT_WRITE.format(path=path, why=why))


def _clean_up() -> None:
    """Nothing graded outlives the grader: kill what is left below us, then
    stop reaping (a caller that goes on, a self-test, keeps its own children's
    exit statuses)."""
    kill_everything_below()
    REAPER.stop()


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
NOTHING_SELECTED = Text(en="-k {expr} selects no test in the topics chosen.",
                        zh="-k {expr} 没有选中所选题目中的任何测试。")
NOTHING_SELECTED_TIP = Text(
    en="-k matches test names (python grader.py TOPIC --verbose shows them); "
       "leave -k out to grade everything.",
    zh="-k 匹配的是测试名（python grader.py 题目 --verbose 可以看到）；去掉 -k 就会评全部测试。",
)
NEXT_TOPIC = Text(en="Next: python grader.py {topic}{where}", zh="下一步：python grader.py {topic}{where}")
ALL_DONE = Text(en="Every topic passes. Well done!", zh="所有题目都通过了。干得好！")
HINT_AGAIN = Text(en="Still stuck? python grader.py --hint {topic} gives a stronger hint.",
                  zh="还是卡住了？再运行 python grader.py --hint {topic} 可以得到更具体的提示。")
HINT_LAST = Text(en="That is the last level. Re-read the lesson's section, then grade again: "
                    "python grader.py {topic}",
                 zh="这已经是最后一级提示了。重读课程相应的一节，再评分：python grader.py {topic}")
HINT_PASSES = Text(en="{topic} passes already: no hint needed (--all shows them anyway).",
                   zh="{topic} 已经全部通过，不需要提示（加 --all 仍可查看）。")
DESCRIPTION = ("Grade the lesson's exercises: run the hidden tests of each topic against the "
               "modules in a workspace and report the score. 运行隐藏测试，为练习评分。")
