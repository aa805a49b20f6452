"""What the terminal shows while grading, so a long wait is never silent.

On a terminal (and without ``NO_COLOR``), a live table drawn by rich: each
topic waiting, running (with the test now running and the seconds so far) or
done (its score). Elsewhere (a pipe, a CI log), one plain line per topic as it
ends, on stderr. The runner feeds both through its two callbacks: ``started``
with the raw report stream of each topic's test process (the plugin writes a
``start`` line as each test begins) and ``progress`` with each topic's result.
After an interrupt nothing more is shown: a topic cut short is not a result.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import IO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text as RichText

from . import scoring
from .catalog import Topic
from .i18n import Lang, Text
from .results import TopicResult


@dataclass
class _Row:
    name: str
    started: float | None = None
    test: str = ""
    result: TopicResult | None = None
    pending: bytes = b""


@dataclass
class Board:
    """The grade in progress: fed by the runner's threads, drawn by the main one."""

    topics: list[Topic]
    lang: Lang
    live: bool
    stream: IO[str] = field(default_factory=lambda: sys.stderr)
    stopped: bool = False

    def __post_init__(self) -> None:
        self._rows = {t.name: _Row(t.name) for t in self.topics}
        self._lock = threading.Lock()
        self._began = time.monotonic()
        self._live: Live | None = None

    # The runner's callbacks (called from its worker threads) ------------------

    def started(self, name: str, data: bytes) -> None:
        with self._lock:
            row = self._rows[name]
            if not data:
                row.started = time.monotonic()
                return
            lines = (row.pending + data).split(b"\n")
            row.pending = lines.pop()
            for line in lines:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("event") == "start":
                    row.test = str(record.get("name", ""))

    def progress(self, result: TopicResult) -> None:
        with self._lock:
            # After an interrupt, or a topic where -k selected nothing: not a result.
            if self.stopped or not (result.tests or result.problem or result.broken):
                return
            self._rows[result.name].result = result
        if not self.live:
            score, best = scoring.topic_score(result), scoring.topic_max(result)
            mark = "✓" if score == best and result.problem is None else "✗"
            print(f"  {mark} {result.name:<18} {score:g}/{best:g}  ({result.duration:.1f} s)",
                  file=self.stream, flush=True)

    def stop(self) -> None:
        """An interrupt: nothing more is reported."""
        with self._lock:
            self.stopped = True

    # Drawing ------------------------------------------------------------------

    def __enter__(self) -> Board:
        if self.live:
            console = Console(file=sys.stdout, highlight=False, emoji=False)
            self._live = Live(get_renderable=self._draw, console=console, refresh_per_second=4,
                              transient=True, redirect_stdout=False, redirect_stderr=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.__exit__(None, None, None)
            self._live = None

    def _draw(self) -> RenderableType:
        now = time.monotonic()
        table = Table(show_header=False, show_edge=False, pad_edge=False, box=None)
        with self._lock:
            rows = list(self._rows.values())
        for row in rows:
            if row.result is not None:
                score, best = scoring.topic_score(row.result), scoring.topic_max(row.result)
                good = score == best and row.result.problem is None
                table.add_row(RichText("✓" if good else "✗", style="green" if good else "red"),
                              row.name, f"{score:g}/{best:g}", f"{row.result.duration:.1f} s", "")
            elif row.started is not None:
                table.add_row(RichText("▶", style="yellow"), row.name, "", f"{now - row.started:.1f} s",
                              RichText(row.test, style="dim"))
            else:
                table.add_row(RichText("·", style="dim"), row.name, "", "", "")
        done = sum(r.result is not None for r in rows)
        head = RichText(_say(GRADING.format(done=done, total=len(rows),
                                            seconds=f"{now - self._began:.0f}"), self.lang), style="bold")
        return Group(head, table)


def _say(text: Text, lang: Lang) -> str:
    return text.render(lang).replace("\n", " / ")


GRADING = Text(en="Grading… {done}/{total} topics done, {seconds} s (Ctrl-C stops)",
               zh="评分中…… 已完成 {done}/{total} 个题目，{seconds} 秒（Ctrl-C 可停止）")
