"""Start a study from the cookiecutter template, and bring an old study up to date.

The template (``template/`` in the repository, ``casestudy/template/`` in the wheel)
is an ordinary cookiecutter template, so ``cookiecutter template/`` works on its
own. ``casestudy new`` drives it through cookiecutter's library functions rather
than its ``cookiecutter()`` entry point, because that one reads ``~/.cookiecutterrc``,
writes a replay file into HOME and runs hooks; here only the vendored template is
used, no user configuration is read, nothing is written outside ``countries/`` and
answers are never rendered as Jinja (a title ``{{ 7*7 }}`` stays ``{{ 7*7 }}``).

The section stubs in the template are generated from the schema (:func:`stub_source`)
and committed; :func:`template_drift` says where the template and the schema disagree.
After a change of the schema, regenerate them with
``CASESTUDY_REGEN=1 python -m pytest tests/test_scaffold.py`` and review the diff.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import tempfile
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ..errors import ScaffoldError
from ..files.fetch import inside, real
from ..files.folders import remove_tree
from ..files.write import check_target
from ..files.yamlfile import read_yaml
from ..source.countries import SLUG, check_code, resolve
from ..source.countries import Country as Nation
from ..source.schema import SECTIONS, TEMPLATE_VERSION, Author, Country, SectionSpec, StudyMeta

PROJECT = "{{cookiecutter.slug}}"
# the hidden folder `new` works in (tempfile.mkdtemp's names), and when a left one is dead
_WORK = re.compile(r"\.new-[a-z0-9-]+-[a-z0-9_]{8}")
_WORK_STALE_SECONDS = 3600
COUNTRIES = "countries"
STUDY_FILE = "study.yaml"
_ADJECTIVE = "{{ cookiecutter.adjective }}"


def template_root() -> Path:
    """The cookiecutter template: inside the installed package, or in the source tree."""
    here = Path(__file__).resolve().parent.parent  # the package
    for candidate in (here / "template", here.parent.parent / "template"):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise ScaffoldError("the study template is missing from this installation of casestudy",
                        here / "template")


# ---------------------------------------------------------------- stubs from the schema

def _literal(text: str) -> str:
    """Schema text as Jinja source that renders to itself."""
    if any(mark in text for mark in ("{{", "{%", "{#")):
        return "{% raw %}" + text + "{% endraw %}"
    return text


EXAMPLE_FIGURE = "example-chart.svg"  # in the template's figures/, so the stub builds
# One example of a block in the stub of the section that uses it most.
EXAMPLES = {
    "imperative": ("::: pullquote\nTODO: the one sentence of this section worth setting "
                   "large.\n:::"),
    "relationship": ("::: figure\n![TODO: what the chart shows, for readers who cannot see "
                     f"it](../figures/{EXAMPLE_FIGURE})\n\nCaption: TODO: US-{_ADJECTIVE} "
                     "defense trade, 2015-2025.\n\nSource: TODO: where the data come from."
                     "\n:::"),
    "ownership": ("::: table\nCaption: TODO: acquisitions across the border since 2015."
                  "\n\n| Year | Buyer | Firm bought | Value (US$ m) |\n| --- | --- | --- | "
                  "--: |\n| TODO | TODO | TODO | TODO |\n\nSource: TODO: where the figures "
                  "come from.\n:::"),
}

CHART_EXAMPLE = """<!-- To show a chart drawn from data (docs/authors.md), put its CSV in figures/
and delete these two lines and the last line of this example.

::: chart
data: ../figures/trade.csv
type: line
x: year
y: us_exports, us_imports
legend: US exports, US imports
title: Defense trade with the United States, 2015-2025
unit: Millions of US dollars

Caption: What the reader should see in the chart, in one sentence.

Source: Who published the data, and where.
:::
-->"""


def stub_source(spec: SectionSpec) -> str:
    """The template source of the stub for ``spec``: heading, guidance, shape, a footnote."""
    heading = _literal(spec.heading).replace("{adjective}", _ADJECTIVE) if "{adjective}" in \
        spec.heading else _literal(spec.heading)
    note = f"{spec.id}-source"
    guidance = (f"TODO (guidance; delete this paragraph once the section is written): "
                f"{_literal(spec.purpose)} It should run to {spec.min_words:,}-"
                f"{spec.max_words:,} words.")
    if not spec.required:
        guidance += " This section is optional: delete the file if the study does not need it."
    example = (f"TODO: write the section here. A claim that needs a source ends with a "
               f"footnote like this one.[^{note}]")
    if spec.id == "summary":  # the checker wants a bulleted list
        body = "\n".join(f"- TODO: the {n} key point, in one or two sentences."
                         + (f"[^{note}]" if n == "first" else "")
                         for n in ("first", "second", "third", "fourth"))
    elif spec.id == "sectors":  # ... and one `##` subsection per sector
        body = (f"## TODO: the first sector, for example land systems\n\n{example}\n\n"
                "## TODO: the second sector, for example combat aircraft\n\n"
                "TODO: who builds what for whom, and why it matters.")
    elif spec.id in EXAMPLES:  # the block this section uses most, as a pattern to copy
        body = f"{example}\n\n{EXAMPLES[spec.id]}"
        if spec.id == "relationship":  # where trade and budget figures go: a chart too
            body += f"\n\n{CHART_EXAMPLE}"
    elif spec.id == "recommendations":
        body = (f"1. TODO: a recommendation for Washington.[^{note}]\n"
                f"2. TODO: a recommendation for the {_ADJECTIVE} government.\n"
                f"3. TODO: a recommendation for {_ADJECTIVE} and American industry.")
    else:
        body = example
    source = ("TODO: Author, *Title of the source* (Publisher, 2025), page; or the "
              "address of a web page, https://www.example.org/report.")
    return f"# {heading}\n\n{guidance}\n\n{body}\n\n[^{note}]: {source}\n"


def write_stubs(root: Path | None = None) -> list[Path]:
    """(Re)write the template's section stubs from the schema; remove stubs of no section."""
    sections = (root or template_root()) / PROJECT / "sections"
    sections.mkdir(parents=True, exist_ok=True)
    wanted = {spec.filename: stub_source(spec) for spec in SECTIONS}
    for stale in sections.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (sections / name).write_text(text, encoding="utf-8")
    return [sections / name for name in wanted]


def template_drift(root: Path | None = None) -> list[str]:
    """Every disagreement between the template and the schema; empty when they agree."""
    root = root or template_root()
    out = []
    sections = root / PROJECT / "sections"
    present = {p.name for p in sections.glob("*")} if sections.is_dir() else set()
    for spec in SECTIONS:
        path = sections / spec.filename
        if spec.filename not in present:
            out.append(f"section {spec.id!r} has no stub (expected sections/{spec.filename})")
        elif path.read_text(encoding="utf-8") != stub_source(spec):
            out.append(f"sections/{spec.filename} differs from the stub the schema gives")
    for name in sorted(present - {spec.filename for spec in SECTIONS}):
        out.append(f"sections/{name} is a stub of no section in the schema")
    config = _cookiecutter_json(root)
    keys = [k for k in config if not k.startswith("_")]
    if keys != [f.name for f in fields(Answers)]:
        out.append(f"cookiecutter.json variables {keys} are not the answers casestudy asks for")
    if config.get("_template_version") != TEMPLATE_VERSION:
        out.append(f"cookiecutter.json _template_version {config.get('_template_version')!r} "
                   f"is not TEMPLATE_VERSION {TEMPLATE_VERSION}")
    sample = Answers("Norway", "NO", "Norwegian", "norway", "Title", "Subtitle",
                     ("A. Author", "B. Author"), "2026-01-02", 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / STUDY_FILE
        path.write_text(render_study_yaml(sample, root), encoding="utf-8")
        data = read_yaml(path).data or {}
    for where, model, keys_found in (
        ("study.yaml", StudyMeta, data), ("study.yaml country", Country, data.get("country")),
        ("study.yaml authors", Author, (data.get("authors") or [{}])[0]),
    ):
        expected, found = set(model.model_fields), set(keys_found or {})
        for key in sorted(expected - found):
            out.append(f"{where} lacks the schema's key {key!r}")
        for key in sorted(found - expected):
            out.append(f"{where} has {key!r}, which the schema does not know")
    return out


# ---------------------------------------------------------------- answers

@dataclass(frozen=True)
class Answers:
    """What a new study needs; the field names and order are cookiecutter.json's variables."""

    country: str
    code: str
    adjective: str
    slug: str
    title: str
    subtitle: str
    authors: tuple[str, ...]
    date: str
    series_number: int

    def variables(self) -> OrderedDict[str, Any]:
        """The cookiecutter context: these answers as strings, plus the private keys."""
        out: OrderedDict[str, Any] = OrderedDict()
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "; ".join(value) if f.name == "authors" else str(value)
        out["_template_version"] = TEMPLATE_VERSION
        return out


@dataclass(frozen=True)
class Question:
    """One prompt: the variable, its text (from cookiecutter.json), a default, a parser."""

    key: str
    text: str
    default: str | None
    parse: Callable[[str], Any]


def _cookiecutter_json(root: Path | None = None) -> dict[str, Any]:
    path = (root or template_root()) / "cookiecutter.json"
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)


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
    from cookiecutter.prompt import render_variable

    raw = _cookiecutter_json()[key]
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
    prompts = _cookiecutter_json().get("__prompts__", {})
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


# ---------------------------------------------------------------- generation

@functools.lru_cache(maxsize=4)  # compiled templates are kept: upgrade and tests render many
def template_environment(root: Path) -> Any:
    """cookiecutter's own Jinja environment (its extensions), loading the study folder."""
    from cookiecutter.utils import create_env_with_context
    from jinja2 import FileSystemLoader

    env = create_env_with_context({"cookiecutter": _cookiecutter_json(root)})
    env.loader = FileSystemLoader(str(root / PROJECT))
    return env


def render_study_yaml(answers: Answers, root: Path | None = None) -> str:
    """The study.yaml the template gives for ``answers`` (as ``new`` would write it)."""
    env = template_environment(root or template_root())
    return str(env.get_template(STUDY_FILE).render(cookiecutter=answers.variables()))


def new_study(repo: Path, name: str, **given: Any) -> Path:
    """Create ``countries/<slug>/`` from the template; all or nothing, never over a study.

    Rendered into a hidden folder beside the target, checked, then renamed into place.
    """
    from cookiecutter.generate import generate_files

    from ..check.study import check_study
    from ..source.load import load_study

    answers = make_answers(repo, name, **given)
    countries = Path(repo) / COUNTRIES
    target = countries / answers.slug
    check_target(countries, (repo,), folder=True)  # a link would put the study elsewhere
    countries.mkdir(exist_ok=True)
    _remove_dead_work(countries)
    work = Path(tempfile.mkdtemp(dir=countries, prefix=f".new-{answers.slug}-"))
    try:
        made = Path(generate_files(repo_dir=str(template_root()), output_dir=str(work),
                                   context={"cookiecutter": answers.variables()},
                                   accept_hooks=False))
        errors = [p for p in check_study(load_study(made), glyphs=False) if p.is_error]
        if errors:  # a bug of the template, not of the answers: say where
            raise ScaffoldError(f"the template made a study with errors: {errors[0]}")
        if target.exists() or target.is_symlink():
            raise ScaffoldError(f"{COUNTRIES}/{answers.slug} appeared while generating; "
                                "nothing was written")
        os.rename(made, target)
    finally:
        remove_tree(work)
    return target


def _remove_dead_work(countries: Path) -> None:
    """Remove what a ``new`` that was killed (kill -9, power loss) left: its hidden work
    folder. Only folders named as ``new`` names them, and over an hour old (a live run
    takes a second), so no folder of an author's is touched."""
    for folder in countries.glob(".new-*"):
        try:
            info = folder.lstat()
            if (_WORK.fullmatch(folder.name) and folder.is_dir() and not folder.is_symlink()
                    and time.time() - info.st_mtime > _WORK_STALE_SECONDS):
                remove_tree(folder)
        except OSError:
            pass


# ---------------------------------------------------------------- a new series

SERIES_QUESTIONS = ("name", "publisher", "programme", "page_size")


def series_template_root() -> Path:
    """The cookiecutter template of a series repository (``casestudy init``)."""
    here = Path(__file__).resolve().parent.parent  # the package
    for candidate in (here / "series_template", here.parent.parent / "series-template"):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise ScaffoldError("the series template is missing from this installation of casestudy",
                        here / "series_template")


def series_defaults() -> dict[str, str]:
    """The prompts and defaults of the series template (its cookiecutter.json)."""
    config = json.loads((series_template_root() / "cookiecutter.json").read_text("utf-8"))
    return {key: (config[key][0] if isinstance(config[key], list) else config[key])
            for key in SERIES_QUESTIONS}


def series_prompts() -> dict[str, str]:
    config = json.loads((series_template_root() / "cookiecutter.json").read_text("utf-8"))
    return dict(config.get("__prompts__", {}))


def _series_text(key: str, value: str | None) -> str:
    if value is None or not value.strip():
        raise ScaffoldError(f"--{key.replace('_', '-')} is required (or answer the prompt)")
    value = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise ScaffoldError(f"--{key.replace('_', '-')} must be one line of text, without "
                            "control characters")
    return value


def page_size_answer(value: str) -> str:
    size = value.strip().lower()
    if size not in ("letter", "a4"):
        raise ScaffoldError(f"--page-size must be letter or a4, not {value!r}")
    return size


def init_series(target: Path, name: str | None = None, publisher: str | None = None,
                programme: str | None = None, page_size: str | None = "letter") -> Path:
    """Create a series repository in ``target`` from the series template; never over files.

    ``target`` must not exist or be an empty folder. Rendered into a hidden folder
    beside it, read back (series.yaml and _brand.yml must load), then moved into place.
    """
    from cookiecutter.generate import generate_files

    from ..brand.load import load_brand
    from ..source.load import load_series

    answers = {"name": _series_text("name", name),
               "publisher": _series_text("publisher", publisher),
               "programme": _series_text("programme", programme),
               "page_size": page_size_answer(page_size or "")}
    target = Path(target).absolute()
    refuse_occupied(target)
    existed = target.is_dir()  # an empty folder: work inside it (its parent may be closed)
    if not existed:
        target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target if existed else target.parent, prefix=".init-"))
    try:
        context = {**answers, "folder": "series"}
        made = Path(generate_files(repo_dir=str(series_template_root()), output_dir=str(work),
                                   context={"cookiecutter": context}, accept_hooks=False))
        load_series(made)
        load_brand(made)
        refuse_occupied(target, work)  # again: something may have appeared meanwhile
        if existed:
            for child in sorted(made.iterdir()):
                os.rename(child, target / child.name)
        else:
            os.rename(made, target)
    finally:
        remove_tree(work)
    return target


def refuse_occupied(target: Path, ours: Path | None = None) -> None:
    """Refuse a target that is a file, a link, or a folder with anything in it
    (``ours``: init's own work folder, inside an empty target)."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ScaffoldError("this exists and is not a folder; init writes a new series "
                            "repository only into a new or empty folder", target)
    if target.is_dir():
        present = sorted(p.name for p in target.iterdir() if p != ours)
        if present:
            shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
            raise ScaffoldError(f"the folder is not empty ({shown}); init never overwrites: "
                                "choose a new or empty folder", target)
