"""The answers of ``casestudy new``: each checked, defaults filled in, asked one by one.

Every answer is validated before anything is written; defaults come from
cookiecutter.json rendered over the answers so far (never the answers themselves, so
a title ``{{ 7*7 }}`` stays ``{{ 7*7 }}``).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cookiecutter.prompt import render_variable

from ..errors import ScaffoldError
from ..files.fetch import inside, real
from ..files.yamlfile import read_yaml
from ..source.countries import SLUG, check_code, resolve
from ..source.countries import Country as Nation
from ..source.load import COUNTRIES, STUDY_FILE
from .template import Answers, cookiecutter_json, template_environment, template_root


@dataclass(frozen=True)
class Question:
    """One prompt: the variable, its text (from cookiecutter.json), a default, a parser."""

    key: str
    text: str
    default: str | None
    parse: Callable[[str], Any]


def _text(key: str, value: str | None, flag: str, required: bool = True) -> str:
    text = " ".join((value or "").split()) if value is not None else ""
    if required and not text:
        raise ScaffoldError(f"{key} is required ({flag})")
    bad = [c for c in (value or "") if (unicodedata.category(c) in ("Cc", "Zl", "Zp")
                                        or "\u202a" <= c <= "\u202e") and c not in " \t"]
    if bad:
        raise ScaffoldError(f"{key} must be one line of text, without control characters "
                            f"(found {bad[0]!r})")
    if len(text) > 300:
        raise ScaffoldError(f"{key} is longer than 300 characters")
    return text


def _authors(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    names = value.split(";") if isinstance(value, str) else list(value or [])
    out = tuple(_text("author", n, "--author", required=False) for n in names)
    if any(";" in n for n in out):
        raise ScaffoldError("an author's name cannot contain ';' (give --author once per author)")
    out = tuple(n for n in out if n)
    if not out:
        raise ScaffoldError("at least one author is required (--author \"Name\")")
    return out


def answer_date(value: str | dt.date | None) -> str:
    if value is None:
        return dt.date.today().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ScaffoldError(f"date {value!r} is not an ISO date (YYYY-MM-DD, e.g. 2026-11-25)")


def existing_studies(repo: Path) -> dict[Path, dict[str, Any]]:
    """``countries/*/study.yaml`` of the series, read leniently (a broken file reads as {})."""
    folder = Path(repo) / COUNTRIES
    out = {}
    for path in sorted(folder.glob(f"*/{STUDY_FILE}")) if folder.is_dir() else []:
        if not inside(real(path), real(path.parent)):  # never read outside a study
            continue
        data = read_yaml(path).data
        out[path.parent] = data if isinstance(data, dict) else {}
    return out


def next_series_number(repo: Path) -> int:
    """One more than the highest series number in ``countries/``; 1 for the first study."""
    numbers = [d.get("series_number") for d in existing_studies(repo).values()]
    return max((n for n in numbers if type(n) is int), default=0) + 1


def _series_number(repo: Path, value: int | str | None) -> int:
    if value is None:
        return next_series_number(repo)
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise ScaffoldError(f"series number {value} must be a whole number from 1 up")
    for root, data in existing_studies(repo).items():
        if data.get("series_number") == number:
            raise ScaffoldError(f"series number {number} is already used by "
                                f"{COUNTRIES}/{root.name}; the next free one is "
                                f"{next_series_number(repo)}")
    return number


def _default(key: str, known: dict[str, Any]) -> str:
    """A default of cookiecutter.json rendered over the answers so far (never the answers)."""
    raw = cookiecutter_json()[key]
    return str(render_variable(template_environment(template_root()), raw, dict(known)))


def _refuse_existing(repo: Path, country: Nation) -> None:
    """A new study may not take an existing folder, nor a country the series already has."""
    target = Path(repo) / COUNTRIES / country.slug
    if target.exists() or target.is_symlink():
        raise ScaffoldError(f"{COUNTRIES}/{country.slug} already exists; casestudy new never "
                            "overwrites a study (to add what the template gained, run: "
                            f"casestudy upgrade {country.slug})")
    for root, data in existing_studies(repo).items():
        other = data.get("country")
        if isinstance(other, dict) and other.get("code") == country.code:
            raise ScaffoldError(f"{COUNTRIES}/{root.name} already studies {country.name} "
                                f"({country.code}); the series has one study per country")


def make_answers(repo: Path, name: str, *, code: str | None = None,
                 adjective: str | None = None, authors: Any = None, title: str | None = None,
                 subtitle: str | None = None, date: str | dt.date | None = None,
                 series_number: int | str | None = None) -> Answers:
    """Validate every answer, fill in the defaults; raise ScaffoldError before any write."""
    country = resolve(_text("the country's name", name, "NAME"), code)
    slug = country.slug
    if not SLUG.match(slug):
        raise ScaffoldError(f"cannot make a folder name from {name!r}")
    adjective = _text("adjective", adjective, "--adjective, e.g. Japanese")
    known = {"country": country.name, "code": country.code, "adjective": adjective, "slug": slug}
    known["title"] = _text("title", title if title is not None else _default("title", known),
                           "--title")
    known["subtitle"] = _text("subtitle", subtitle if subtitle is not None else
                              _default("subtitle", known), "--subtitle", required=False)
    _refuse_existing(repo, country)
    return Answers(country.name, country.code, adjective, slug, known["title"],
                   known["subtitle"], _authors(authors), answer_date(date),
                   _series_number(repo, series_number))


def next_question(repo: Path, name: str, given: dict[str, Any]) -> Question | None:
    """The first answer still missing from ``given``, with its default; None when complete.

    The CLI asks these one by one in a terminal; defaults follow from earlier answers.
    """
    country = resolve(_text("the country's name", name, "NAME"), given.get("code"))
    _refuse_existing(repo, country)  # before asking anything else
    prompts = cookiecutter_json().get("__prompts__", {})
    known = {"country": country.name, "code": country.code, "slug": country.slug,
             "adjective": given.get("adjective") or ""}
    parsers: dict[str, tuple[Callable[[], str | None], Callable[[str], Any]]] = {
        "code": (lambda: country.code, lambda v: resolve(country.name, check_code(v)).code),
        "adjective": (lambda: None, lambda v: _text("adjective", v, "--adjective")),
        "title": (lambda: _default("title", known), lambda v: _text("title", v, "--title")),
        "subtitle": (lambda: _default("subtitle", {**known, "title": given.get("title", "")}),
                     lambda v: _text("subtitle", v, "--subtitle", required=False)),
        "authors": (lambda: None, _authors),
        "date": (lambda: answer_date(None), answer_date),
        "series_number": (lambda: str(next_series_number(repo)),
                          lambda v: _series_number(repo, v)),
    }
    for key, (default, parse) in parsers.items():
        if given.get(key) in (None, (), []):
            return Question(key, prompts.get(key, key), default(), parse)
    return None
