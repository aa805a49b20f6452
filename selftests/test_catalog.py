"""The catalog's errors: each says what is wrong and carries the TIP that tells the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grading import catalog
from grading.errors import GradingError
from grading.i18n import Text
from grading.results import Hint

from .conftest import ENGINE_TESTS, ROOT

GOOD_TOPIC = '[[topic]]\nname = "toy"\ntitle = { zh = "玩具", en = "toy" }\npoints = 2\n'


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def make_tests_folder(tmp_path: Path, manifest: str | None, *test_files: str) -> Path:
    folder = tmp_path / "tests"
    folder.mkdir()
    if manifest is not None:
        (folder / "topics.toml").write_text(manifest, encoding="utf-8")
    for name in test_files:
        (folder / name).write_text("", encoding="utf-8")
    return folder


def error_of(folder: Path, names: list[str] | None = None) -> GradingError:
    with pytest.raises(GradingError) as caught:
        catalog.select(catalog.load(folder), names or [])
    return caught.value


def assert_bilingual(text: Text | None) -> Text:
    assert text is not None, "the error carries no tip"
    assert text.en and not has_cjk(text.en), text
    assert has_cjk(text.zh), text
    return text


# (manifest, test files, topics named, words of the error, words of the tip)
CASES = {
    "manifest missing": (None, (), [], "the file is missing", "--tests DIR"),
    "toml syntax": ('version = 1\n[[topic]\nname = "toy"\n', (), [], "line 2", "line and column"),
    "version missing": (GOOD_TOPIC, ("test_toy.py",), [], "version None is not supported",
                        "`version = 2`"),
    "version wrong": ("version = 3\n" + GOOD_TOPIC, ("test_toy.py",), [], "version 3", "`version = 2`"),
    "unknown top-level key": ("version = 1\ntopics = []\n" + GOOD_TOPIC, (), [], "topics",
                              "topic, version"),
    "no topics": ("version = 1\n", (), [], "it lists no topic", "[[topic]]"),
    "name not a module name": ('version = 1\n[[topic]]\nname = "toy-1"\npoints = 1\n', (), [],
                               "'toy-1' is not a module name", "letters, digits and _"),
    "name missing": ("version = 1\n[[topic]]\npoints = 1\n", (), [], "None is not a module name",
                     'name = "process_function"'),
    "field misspelt": ("version = 1\n" + GOOD_TOPIC + "time_limt = 30\n", ("test_toy.py",), [],
                       "unknown field(s) time_limt", "time_limit"),
    "points quoted": ('version = 1\n[[topic]]\nname = "toy"\npoints = "7"\n', (), [],
                      "points = '7' is not allowed", "points = 7"),
    "points negative": ('version = 1\n[[topic]]\nname = "toy"\npoints = -1\n', (), [],
                        "points = -1", ">= 0"),
    "points boolean": ('version = 1\n[[topic]]\nname = "toy"\npoints = true\n', (), [],
                       "points = True", "points = 7"),
    "time limit zero": ("version = 1\n" + GOOD_TOPIC + "time_limit = 0\n", (), [],
                        "time_limit = 0", "time_limit = 120"),
    "test timeout a string": ("version = 1\n" + GOOD_TOPIC + 'test_timeout = "fast"\n', (), [],
                              "test_timeout = 'fast'", "test_timeout = 120"),
    "typical negative": ("version = 1\n" + GOOD_TOPIC + "typical = -2\n", (), [],
                         "typical = -2", "typical = 120"),
    "hints not a list": ("version = 1\n" + GOOD_TOPIC + 'hints = "read the lesson"\n', (), [],
                         "hints is not a list", "hints = ["),
    "topic twice": ("version = 1\n" + GOOD_TOPIC + GOOD_TOPIC, ("test_toy.py",), [],
                    "topics listed twice: toy", "one [[topic]] block per name"),
    "unknown topic named": ("version = 1\n" + GOOD_TOPIC, ("test_toy.py",), ["toi"],
                            "No topic named toi. The topics are: toy.", "--list"),
    "hidden tests missing": ("version = 1\n" + GOOD_TOPIC, (), [], "missing: test_toy.py",
                             "test_<topic>.py"),
}


@pytest.mark.parametrize(("manifest", "files", "names", "says", "tip"), CASES.values(), ids=CASES.keys())
def test_error_says_what_is_wrong_and_tips_the_fix(tmp_path: Path, manifest: str | None,
                                                  files: tuple[str, ...], names: list[str],
                                                  says: str, tip: str) -> None:
    error = error_of(make_tests_folder(tmp_path, manifest, *files), names)
    text = assert_bilingual(error.text)
    assert says in text.en, text.en
    assert tip in assert_bilingual(error.tip).en, error.tip


def test_a_valid_manifest_gives_its_topics_in_order(tmp_path: Path) -> None:
    manifest = ("version = 1\n" + GOOD_TOPIC + "time_limit = 30\nhints = [{ zh = \"想\", en = \"think\" }]\n"
                + '[[topic]]\nname = "first"\npoints = 1.5\n')
    folder = make_tests_folder(tmp_path, manifest, "test_toy.py", "test_first.py")
    topics = catalog.select(catalog.load(folder), [])
    assert [(t.name, t.points, t.time_limit) for t in topics] == [
        ("toy", 2.0, 30.0), ("first", 1.5, catalog.DEFAULT_TIME_LIMIT)]
    assert topics[0].hints == (Hint(levels=(Text(en="think", zh="想"),)),)
    assert topics[0].test_file == folder / "test_toy.py"


def test_a_relative_tests_folder_becomes_absolute(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner starts pytest in the project root: the test files' paths must not depend on
    the folder the grader was started in."""
    make_tests_folder(tmp_path, "version = 1\n" + GOOD_TOPIC, "test_toy.py")
    monkeypatch.chdir(tmp_path)
    (topic,) = catalog.load(Path("tests"))
    assert topic.test_file == tmp_path / "tests" / "test_toy.py"


def test_cli_prints_the_error_then_the_tip(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "grader.py", "--tests", str(tmp_path), "--lang", "en"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"}, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert [line.split()[0] for line in lines] == ["ERROR", "TIP"], proc.stderr
    assert "topics.toml cannot be used: the file is missing" in lines[0]
    assert "--tests DIR" in lines[1]


def test_cli_lists_the_topics_of_another_tests_folder() -> None:
    proc = subprocess.run([sys.executable, "grader.py", "--tests", str(ENGINE_TESTS), "--list",
                           "--lang", "en"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[1:3] for line in proc.stdout.splitlines()] == [["toy_math", "3"],
                                                                        ["toy_process", "5"]]
