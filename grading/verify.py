"""``grader.py verify``: is every topic sound? The instructor's check before a class uses it.

For each topic: stub, solution, hidden tests and hints exist; the solution
scores full marks; the untouched stub scores zero on every test, each with
a message; every mistaken variant in ``selftests/mistakes/<topic>/`` loses
points on each test its ``expect.toml`` names, with the phrase it names, and
every correct variant scores full marks. ``--coverage`` also measures the
lines and branches of ``solutions/`` the hidden tests run, child processes
included (see ``grading/_coverage.py``).

It prints a table, then one line per breach: what is wrong, where, and the
command to run next. Exit status 0 when all is sound, 1 on any breach, 2
when it could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import catalog, runner, variants
from .catalog import Topic
from .errors import GradingError
from .i18n import Lang, Text, default_lang
from .patching import PatchError
from .processes import become_subreaper, kill_everything_below, stop_on_signals
from .results import Report, Status, TopicResult
from .zygote import uncontained

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Coverage goal, per topic, for lines and for branches (percent).
COVERAGE_GOAL = 95.0
CHECKS = ("files", "solution", "stub", "variants")


@dataclass(frozen=True)
class Breach:
    topic: str
    check: str
    what: Text
    where: str
    command: str


@dataclass
class Coverage:
    lines: float
    branches: float
    missing_lines: list[int] = field(default_factory=list)
    missing_branches: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    breaches: list[Breach] = field(default_factory=list)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    variants: dict[str, tuple[int, int]] = field(default_factory=dict)  # topic -> (sound, total)


def verify(topics: list[Topic], root: Path, jobs: int | None = None, coverage: bool = False,
           progress: Callable[[str], None] | None = None) -> Outcome:
    """Every check on ``topics`` of the checkout at ``root``."""
    note = progress or (lambda _: None)
    outcome = Outcome()
    outcome.breaches += check_files(topics, root)
    complete = [t for t in topics if not any(b.topic == t.name and b.check == "files"
                                             for b in outcome.breaches)]
    with tempfile.TemporaryDirectory(prefix="kata-verify-") as scratch:
        data_dir = Path(scratch) / "coverage"
        note("solutions")
        if coverage:
            _prepare_coverage(data_dir, root / "solutions")
            os.environ["GRADING_COVERAGE"] = str(data_dir)
        try:
            # Coverage measures the instructor's own solutions: uncontained,
            # so that its hooks reach the coverage package and write their data.
            with uncontained() if coverage else contextlib.nullcontext():
                solved = runner.run(complete, root / "solutions", jobs=jobs)
        finally:
            os.environ.pop("GRADING_COVERAGE", None)
        outcome.breaches += check_solutions(solved)
        if coverage:
            outcome.coverage = measure(data_dir, root / "solutions", complete)
            outcome.breaches += check_coverage(outcome.coverage, root)
        note("stubs")
        outcome.breaches += check_stubs(runner.run(complete, root / "exercises", jobs=jobs))
        note("variants")
        found = variants.load(root / "selftests" / "mistakes", [t.name for t in complete])
        breaches, counts = check_variants(found, complete, root, Path(scratch), jobs)
        outcome.breaches += breaches
        outcome.variants = counts
    return outcome


# -- the checks ------------------------------------------------------------------


def check_files(topics: list[Topic], root: Path) -> list[Breach]:
    found = []
    for topic in topics:
        for path in (root / "exercises" / f"{topic.name}.py", root / "solutions" / f"{topic.name}.py",
                     topic.test_file):
            if not path.is_file():
                found.append(Breach(topic.name, "files", MISSING_FILE, _rel(path, root),
                                    "see docs/writing-tests.md (a topic is stub, solution and tests)"))
        if not topic.hints:
            found.append(Breach(topic.name, "files", NO_HINTS, "tests/topics.toml",
                                "add [[topic.hint]] tables (tests, nudge, api) to the topic; "
                                "see docs/writing-tests.md"))
    return found


def check_solutions(report: Report) -> list[Breach]:
    found = []
    for topic in report.topics:
        where, command = f"solutions/{topic.name}.py", f"python grader.py --workspace solutions {topic.name}"
        if topic.problem is not None:
            found.append(Breach(topic.name, "solution", SOLUTION_TOPIC_FAILED.format(problem=topic.problem),
                                where, command))
        if not topic.tests:
            continue
        for test in topic.tests:
            # A skipped test is one this host cannot observe: no verdict either way here.
            if test.outcome is not Status.PASSED and test.graded:
                found.append(Breach(topic.name, "solution", SOLUTION_LOSES.format(
                    test=test.name, outcome=test.outcome.value, message=_first(test.message)),
                    where, command))
    return found


def check_stubs(report: Report) -> list[Breach]:
    found = []
    for topic in report.topics:
        where, command = f"exercises/{topic.name}.py", f"python grader.py {topic.name}"
        if not topic.tests:
            found.append(Breach(topic.name, "stub", STUB_NOT_GRADED.format(
                problem=topic.problem or Text(en="no test ran", zh="没有测试运行")), where, command))
        for test in topic.tests:
            if test.outcome is Status.PASSED:
                found.append(Breach(topic.name, "stub", STUB_PASSES.format(test=test.name), where, command))
            elif test.message is None or len(test.message.en.strip()) < 10:
                found.append(Breach(topic.name, "stub", STUB_SILENT.format(test=test.name), where, command))
    return found


def check_variants(found: list[variants.Variant], topics: list[Topic], root: Path, scratch: Path,
                   jobs: int | None) -> tuple[list[Breach], dict[str, tuple[int, int]]]:
    by_name = {t.name: t for t in topics}
    breaches: list[Breach] = []
    counts = {t.name: (0, 0) for t in topics}

    def one(index: int, variant: variants.Variant) -> list[Breach]:
        where = _rel(variant.path, root)
        command = f"python -m pytest selftests/test_mistakes.py -k {variant.id}"
        try:
            workspace = scratch / f"variant{index}"
            variants.write(variant, root / "solutions", workspace)
        except PatchError as exc:
            return [Breach(variant.topic, "variants", PATCH_STALE.format(
                topic=variant.topic, why=str(exc)), where, command)]
        keyword = " or ".join(variant.fails) if variant.kind == "mistake" else None
        report = runner.run([by_name[variant.topic]], workspace, jobs=1, keyword=keyword)
        result = next((t for t in report.topics if t.name == variant.topic), None)
        if variant.kind == "correct":
            return _judge_correct(variant, result, where, command)
        return _judge_mistake(variant, result, where, command)

    with ThreadPoolExecutor(max_workers=jobs or runner.default_jobs()) as pool:
        results = list(pool.map(lambda pair: one(*pair), enumerate(found)))
    for variant, breached in zip(found, results, strict=True):
        sound, total = counts[variant.topic]
        counts[variant.topic] = (sound + (not breached), total + 1)
        breaches += breached
    return breaches, counts


def _judge_mistake(variant: variants.Variant, topic: TopicResult | None, where: str,
                   command: str) -> list[Breach]:
    found = []
    tests = topic.tests if topic is not None else ()
    for name in variant.fails:
        mine = [t for t in tests if t.name.split("[")[0] == name]
        if not mine:
            found.append(Breach(variant.topic, "variants", NO_SUCH_TEST.format(
                test=name, file=variant.path.name), where, command))
            continue
        if not any(t.graded for t in mine):
            continue  # this host cannot observe that test: judged on another
        lost = [t for t in mine if t.outcome is not Status.PASSED and t.graded]
        if not lost:
            found.append(Breach(variant.topic, "variants", MISTAKE_NOT_CAUGHT.format(
                file=variant.path.name, test=name), where, command))
            continue
        said = " ".join(f"{t.message.en} {t.message.zh}" for t in lost if t.message).lower()
        if variant.says.lower() not in said:
            found.append(Breach(variant.topic, "variants", MISTAKE_NOT_NAMED.format(
                file=variant.path.name, test=name, says=variant.says), where, command))
    return found


def _judge_correct(variant: variants.Variant, topic: TopicResult | None, where: str,
                   command: str) -> list[Breach]:
    if topic is None:
        return [Breach(variant.topic, "variants", CORRECT_LOSES.format(
            file=variant.path.name, test="?"), where, command)]
    return [Breach(variant.topic, "variants", CORRECT_LOSES.format(file=variant.path.name, test=t.name),
                   where, command) for t in topic.tests if t.outcome is not Status.PASSED and t.graded]


# -- coverage --------------------------------------------------------------------


def _prepare_coverage(data_dir: Path, solutions: Path) -> None:
    import coverage

    data_dir.mkdir(parents=True)
    rcfile = data_dir / "coveragerc"
    platform_only = "" if sys.platform == "win32" else PLATFORM_PRAGMA
    rcfile.write_text(COVERAGERC.format(data_file=data_dir / ".coverage", source=solutions.resolve(),
                                        platform_only=platform_only), encoding="utf-8")
    setup = {"path": [str(Path(coverage.__file__).resolve().parent.parent)], "rcfile": str(rcfile)}
    (data_dir / "setup.json").write_text(json.dumps(setup), encoding="utf-8")


def measure(data_dir: Path, solutions: Path, topics: list[Topic]) -> dict[str, Coverage]:
    """Combine every process's data; lines and branches per topic's solution."""
    import coverage

    cov = coverage.Coverage(config_file=str(data_dir / "coveragerc"), data_file=str(data_dir / ".coverage"))
    cov.combine([str(data_dir)], keep=False, strict=False)
    cov.save()
    files = [str((solutions / f"{t.name}.py").resolve()) for t in topics]
    out = data_dir / "coverage.json"
    try:
        cov.json_report(morfs=files, outfile=str(out), show_contexts=False)
    except coverage.exceptions.NoDataError:
        return {t.name: Coverage(0.0, 0.0) for t in topics}
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    measured: dict[str, Coverage] = {}
    by_file = {str(Path(name).resolve()): info for name, info in data.get("files", {}).items()}
    for topic, path in zip(topics, files, strict=True):
        info = by_file.get(path)
        if info is None:
            measured[topic.name] = Coverage(0.0, 0.0)
            continue
        s = info["summary"]
        lines = 100.0 * s["covered_lines"] / s["num_statements"] if s["num_statements"] else 100.0
        branches = 100.0 * s["covered_branches"] / s["num_branches"] if s.get("num_branches") else 100.0
        measured[topic.name] = Coverage(
            round(lines, 1), round(branches, 1), list(info.get("missing_lines", [])),
            [f"{a}->{'exit' if b < 0 else b}" for a, b in info.get("missing_branches", [])])
    return measured


def check_coverage(measured: dict[str, Coverage], root: Path) -> list[Breach]:
    found = []
    for name, cov in measured.items():
        if cov.lines < COVERAGE_GOAL or cov.branches < COVERAGE_GOAL:
            found.append(Breach(name, "coverage", COVERAGE_LOW.format(
                lines=f"{cov.lines:g}", branches=f"{cov.branches:g}", goal=f"{COVERAGE_GOAL:g}",
                missing=_ranges(cov.missing_lines) or "-",
                branch_list=", ".join(cov.missing_branches) or "-"),
                f"solutions/{name}.py", f"python grader.py verify --coverage {name}"))
    return found


# -- the command -----------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="grader.py verify", description=DESCRIPTION)
    parser.add_argument("topics", nargs="*", metavar="TOPIC", help="verify only these topics")
    parser.add_argument("--coverage", action="store_true",
                        help="also measure line and branch coverage of solutions/ "
                             f"(goal {COVERAGE_GOAL:g} %%)")
    parser.add_argument("--jobs", "-j", type=int, default=None, help="grades at once (default: cores)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    args = parser.parse_args(list(argv[1:]))
    lang: Lang = default_lang()
    try:
        topics = catalog.select(catalog.load(PROJECT_ROOT / "tests"), args.topics)
        become_subreaper()
        stop_on_signals()

        def note(stage: str) -> None:
            if not args.quiet:
                print(STAGE.format(stage=stage).render(lang), file=sys.stderr, flush=True)
        try:
            outcome = verify(topics, PROJECT_ROOT, jobs=args.jobs, coverage=args.coverage, progress=note)
        finally:
            _clean_up()
    except GradingError as exc:
        print(f"ERROR {exc.text.render(lang)}", file=sys.stderr)
        if exc.tip is not None:
            print(f"TIP {exc.tip.render(lang)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ERROR {INTERRUPTED.render(lang)}", file=sys.stderr)
        return 2
    sys.stdout.write(render(outcome, topics, lang, coverage=args.coverage))
    return 1 if outcome.breaches else 0


def render(outcome: Outcome, topics: list[Topic], lang: Lang, coverage: bool = False) -> str:
    """The table, then one block per breach (what, where, what to run), then the verdict."""
    console = Console(file=io.StringIO(), width=110, no_color=True, highlight=False, markup=False,
                      emoji=False, color_system=None)
    table = Table(show_edge=False, pad_edge=False)
    for column in ("topic", *CHECKS, *(("lines", "branches") if coverage else ())):
        table.add_column(column, justify="right" if column in ("lines", "branches") else "left")
    for topic in topics:
        cells = []
        for check in CHECKS:
            count = sum(1 for b in outcome.breaches if b.topic == topic.name and b.check == check)
            cell = "✓" if not count else f"✗ {count}"
            if check == "variants" and topic.name in outcome.variants:
                sound, total = outcome.variants[topic.name]
                cell = f"{'✓' if sound == total else '✗'} {sound}/{total}"
            cells.append(cell)
        if coverage:
            cov = outcome.coverage.get(topic.name)
            cells += [f"{cov.lines:g} %", f"{cov.branches:g} %"] if cov else ["-", "-"]
        table.add_row(topic.name, *cells)
    console.print(table)
    for breach in outcome.breaches:
        console.print(f"\n✗ {breach.topic} [{breach.check}]: {breach.what.render(lang)}", soft_wrap=True)
        console.print(f"   {WHERE.render(lang)}: {breach.where}", soft_wrap=True)
        console.print(f"   {NEXT.render(lang)}: {breach.command}", soft_wrap=True)
    console.print()
    verdict = SOUND if not outcome.breaches else BREACHED.format(count=len(outcome.breaches))
    console.print(verdict.render(lang))
    out: Any = console.file
    text: str = out.getvalue()
    return text


def _clean_up() -> None:
    kill_everything_below()


def _first(text: Text | None) -> Text:
    if text is None:
        return Text(en="(no message)", zh="（没有消息）")
    return Text(en=(text.en.strip().splitlines() or [""])[0][:200],
                zh=(text.zh.strip().splitlines() or [""])[0][:200])


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _ranges(numbers: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3, 7'."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


COVERAGERC = """\
[run]
branch = true
parallel = true
concurrency = multiprocessing,thread
data_file = {data_file}
source = {source}

[report]
exclude_also =
    if __name__ == .__main__.:
{platform_only}
"""
#: Code marked ``# pragma: win32`` runs only on Windows (a retry for a file
#: another process holds open, say): left out of the figures elsewhere, where
#: no test could run it, and counted on Windows.
PLATFORM_PRAGMA = "    pragma: win32"

DESCRIPTION = ("Check every topic: stub, solution, hidden tests and hints exist; solutions score full "
               "marks; untouched stubs score zero; every mistaken variant is caught. "
               "检查每个题目是否完整可靠。")
MISSING_FILE = Text(en="this file is missing: a topic needs a stub, a solution and hidden tests",
                    zh="缺少这个文件：每个题目都需要练习桩、参考答案和隐藏测试")
NO_HINTS = Text(en="the topic has no hints", zh="这个题目没有提示")
SOLUTION_LOSES = Text(en="the solution loses points on {test} ({outcome}): {message}",
                      zh="参考答案在 {test} 上失分（{outcome}）：{message}")
SOLUTION_TOPIC_FAILED = Text(en="grading the solution did not finish cleanly: {problem}",
                             zh="参考答案的评分没有正常结束：{problem}")
STUB_PASSES = Text(en="the untouched stub passes {test}: a stub must score zero on every test "
                      "(is it solved by accident, or does the test accept anything?)",
                   zh="未修改的练习桩通过了 {test}：练习桩在每个测试上都应得 0 分"
                      "（是不小心写好了，还是测试什么都接受？）")
STUB_SILENT = Text(en="the untouched stub fails {test} without a message saying what to do",
                   zh="未修改的练习桩在 {test} 上失败，但没有说明该做什么")
STUB_NOT_GRADED = Text(en="the untouched stub could not be graded: {problem}",
                       zh="未修改的练习桩无法评分：{problem}")
MISTAKE_NOT_CAUGHT = Text(en="the mistaken variant {file} is no longer caught: {test} passed on it",
                          zh="错误示例 {file} 不再被发现：{test} 在它上面通过了")
MISTAKE_NOT_NAMED = Text(en="{test} catches {file}, but its message does not say {says!r}",
                         zh="{test} 发现了 {file}，但消息中没有 {says!r}")
NO_SUCH_TEST = Text(en="expect.toml says {test} catches {file}, but the topic has no test of that name",
                    zh="expect.toml 说 {test} 能发现 {file}，但这个题目没有这个名字的测试")
PATCH_STALE = Text(en="the patch no longer applies to solutions/{topic}.py ({why}): make it again "
                      "against today's solution",
                   zh="补丁已无法应用到 solutions/{topic}.py（{why}）：请对照现在的参考答案重新生成")
CORRECT_LOSES = Text(en="the correct variant {file} loses points on {test}: the test is unfair to that style",
                     zh="正确示例 {file} 在 {test} 上失分：测试对这种写法不公平")
COVERAGE_LOW = Text(
    en="the hidden tests run {lines} % of the lines and {branches} % of the branches (goal {goal} %); "
       "lines not run: {missing}; branches not taken: {branch_list}",
    zh="隐藏测试运行了 {lines}% 的代码行和 {branches}% 的分支（目标 {goal}%）；未运行的行：{missing}；"
       "未走到的分支：{branch_list}")
WHERE = Text(en="where", zh="位置")
NEXT = Text(en="next", zh="下一步")
STAGE = Text(en="verify: grading the {stage} …", zh="verify：正在评分 {stage} …")
SOUND = Text(en="verify: every topic is sound.", zh="verify：所有题目都没有问题。")
BREACHED = Text(en="verify: {count} problem(s); each says where, and what to run next.",
                zh="verify：发现 {count} 个问题；每条都写明了位置和下一步要运行的命令。")
INTERRUPTED = Text(en="Interrupted: verify stopped.", zh="已中断：verify 停止。")
