"""Fixture submissions graded by the real grader, and what the student reads pinned in goldens.

Each ``katas/<case>/`` is one scenario (a syntax error, a function that never
returns, a crash, …) against the engine's own fixture topics
(``selftests/engine/tests``, through ``grader.py --tests``), so that editing
the lesson's content never changes a golden here. ``kata.toml`` says what the
kata is and how its workspace is made (the fixture solution, a patch against
it, or a tiny module of its own); ``golden.txt`` holds what grading it says,
in both languages. After any kata, nothing it started is still running.

A golden that no longer matches fails with a unified diff; regenerate with
``python -m pytest selftests/test_katas.py --update-goldens`` and review the
diff of the golden files before committing them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import goldens
from .conftest import ENGINE_TESTS, Kata, all_katas, grade, noted_alive

KATAS = all_katas()


@pytest.mark.parametrize("kata", KATAS, ids=[k.name for k in KATAS])
def test_kata_says_what_its_golden_says(kata: Kata, tmp_path: Path,
                                        pytestconfig: pytest.Config) -> None:
    workspace = kata.build(tmp_path / "kata")
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    graded = grade("--tests", ENGINE_TESTS, "--workspace", workspace, "--lang", "both", *kata.topics,
                   tmp_path=tmp_path, env={"KATA_PID_DIR": str(pid_dir)})
    header = f"katas/{kata.name}: {kata.about}"
    goldens.compare(kata.golden, goldens.describe(graded, workspace, header),
                    update=bool(pytestconfig.getoption("--update-goldens")))
    # Nothing the kata started (the processes it noted) outlives the grade.
    noted = sorted(p.name for p in pid_dir.iterdir())
    assert len(noted) >= kata.noted_pids, f"the kata noted {noted}: did its processes start at all?"
    assert noted_alive(pid_dir) == []


def test_every_kata_has_a_golden_and_only_known_files() -> None:
    for kata in KATAS:
        files = {p.name for p in kata.folder.iterdir()}
        assert files == {"kata.toml", "golden.txt", *kata.modules.values()} - {"solution"}, kata.name
        assert kata.about, f"{kata.name}/kata.toml starts with a comment saying what the kata is"


def test_normalise_drops_what_varies_and_keeps_what_is_said(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    said = (f'File "{workspace}/toy.py", line 3; called in pid 4242, took 0.23 s / 1.5 秒; '
            "stopped after 4 s; read /etc/x/y.txt; fork/spawn; 中文 / English")
    assert goldens.normalise(said, workspace) == (
        'File "<workspace>/toy.py", line 3; called in pid <pid>, took <t> s / <t> 秒; '
        "stopped after 4 s; read <path>; fork/spawn; 中文 / English")


def test_a_changed_golden_fails_with_a_unified_diff(tmp_path: Path) -> None:
    golden = tmp_path / "golden.txt"
    golden.write_text("exit status 1\n[failed] test_a\n    | must not wait\n", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception) as failed:
        goldens.compare(golden, "exit status 1\n[failed] test_a\n    | should not wait\n", update=False)
    said = str(failed.value)
    assert "-    | must not wait\n+    | should not wait" in said
    assert goldens.REGENERATE in said
    goldens.compare(golden, "new\n", update=True)
    assert golden.read_text(encoding="utf-8") == "new\n"
