"""Texts in two languages, and the choice of which one a reader gets.

Every sentence a student or an instructor reads exists in Chinese and in
English (the lesson is taught in Chinese; the code, and many readers, speak
English). A ``Text`` holds both; renderers pick with ``Text.render(lang)``.
"""

from __future__ import annotations

import locale
import os
from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["zh", "en", "both"]
LANGS: tuple[Lang, ...] = ("zh", "en", "both")


@dataclass(frozen=True)
class Text:
    """One sentence (or paragraph) in Chinese and English."""

    en: str
    zh: str

    def format(self, **values: Any) -> Text:
        """Fill ``{name}`` fields in both languages; a ``Text`` value fills each
        language with its own."""
        en = {k: v.en if isinstance(v, Text) else v for k, v in values.items()}
        zh = {k: v.zh if isinstance(v, Text) else v for k, v in values.items()}
        return Text(en=self.en.format(**en), zh=self.zh.format(**zh))

    def render(self, lang: Lang) -> str:
        if lang == "zh":
            return self.zh
        if lang == "en":
            return self.en
        if self.zh == self.en:
            return self.en
        return f"{self.zh}\n{self.en}"

    def __add__(self, other: Text) -> Text:
        return Text(en=f"{self.en}\n{other.en}", zh=f"{self.zh}\n{other.zh}")

    def __str__(self) -> str:
        return self.render("both")


def plain(text: str) -> Text:
    """Text that reads the same in both languages (code, paths, output)."""
    return Text(en=text, zh=text)


def default_lang(environ: dict[str, str] | None = None) -> Lang:
    """``GRADER_LANG`` if set, else Chinese for a Chinese locale, else both."""
    env = os.environ if environ is None else environ
    chosen = env.get("GRADER_LANG", "").strip().lower()
    for lang in LANGS:
        if chosen == lang:
            return lang
    name = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    if not name:
        name = locale.getlocale()[0] or ""
    return "zh" if name.lower().startswith("zh") else "both"


def unknown_lang(environ: dict[str, str] | None = None) -> str | None:
    """``GRADER_LANG`` when it names no language the grader speaks (so the reader is told)."""
    env = os.environ if environ is None else environ
    chosen = env.get("GRADER_LANG", "").strip()
    return chosen if chosen and chosen.lower() not in LANGS else None


UNKNOWN_LANG = Text(
    en="Note: GRADER_LANG={value} is not a language of this grader (zh, en or both); using {lang}.",
    zh="注意：GRADER_LANG={value} 不是本评分程序支持的语言（zh、en 或 both）；改用 {lang}。",
)
