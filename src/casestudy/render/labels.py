"""The labels of one brief, ready for the templates: chosen for the study's language
(source/labels.py: the catalogue and the series' overrides), with its dates, numbers
and lists of names written the language's way by Babel (CLDR).

A label is text, autoescaped by the templates like any other; the one that goes into
CSS (the page footer, ``page_css``) is written as CSS strings here.
"""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass

import babel
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal
from markupsafe import Markup

from ..source.labels import Choice, choose, direction, locale_for
from ..source.schema import SeriesConfig, StudyMeta


class _AsTyped(dict):
    """A placeholder the label does not know stays as typed (check reports it)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Labels:
    """What the templates print in the study's language (``labels["contents"]``,
    ``labels.format("byline", names=...)``), and its direction (``ltr``/``rtl``)."""

    choice: Choice
    locale: babel.Locale
    direction: str

    def __getitem__(self, name: str) -> str:
        return self.choice.texts[name]

    def format(self, name: str, **values: object) -> str:
        text = self.choice.texts[name]
        try:
            return text.format_map(_AsTyped(values))
        except (ValueError, IndexError, AttributeError):  # a stray brace: as typed
            return text

    def number(self, value: int) -> str:
        """A series or figure number: the language's digits, never grouped ("No. 1000")."""
        return format_decimal(value, format="0", locale=self.locale)

    def date(self, day: dt.date) -> str:
        return format_date(day, "long", locale=self.locale)

    def names(self, names: list[str]) -> str:
        return format_list(names, locale=self.locale) if names else ""

    def size(self, size: int) -> str:
        """A file's size: "162 KB", "1.2 MB" (the decimal mark the language's)."""
        if size >= 1e6:
            return self.format("megabytes", size=format_decimal(
                round(size / 1e6, 1), format="0.0", locale=self.locale))
        return self.format("kilobytes", size=self.number(max(1, round(size / 1e3))))

    @property
    def page_css(self) -> Markup:
        """The page footer's label as a CSS ``content`` value, its placeholders the page
        counters: ``"Page " counter(page) " of " counter(pages)``."""
        parts = []
        try:
            pieces = list(string.Formatter().parse(self.choice.texts["page"]))
        except ValueError:
            pieces = [(self.choice.texts["page"], None, None, None)]
        for literal, field, _, _ in pieces:
            if literal:
                parts.append(_css_string(literal))
            if field in ("page", "pages"):
                parts.append(f"counter({field})")
            elif field is not None:
                parts.append(_css_string("{" + field + "}"))
        return Markup(" ".join(parts) or '""')


def _css_string(text: str) -> str:
    """``text`` as a CSS string that cannot end its string or the <style> it is in."""
    out = []
    for char in text:
        if char in '"\\<>&' or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def study_labels(meta: StudyMeta, series: SeriesConfig) -> Labels:
    """The labels of a study of ``series``, in its language."""
    choice = choose(meta.language, series.labels, series.label)
    return Labels(choice, locale_for(meta.language), direction(meta.language))
