"""The series report: every study side by side, and the rules only a whole series can see.

``series_report`` loads and checks every study (it writes nothing), makes one row per
study (sections and their lengths, notes, figures, template version, PDF freshness)
and adds the cross-study problems that no single-study check can find: clashing series
numbers and countries, one person described differently in different studies, a missing
sponsor line, headings that drifted from the schema, and the house style of
``series.yaml``. ``report.py`` renders the result as a table, JSON, CSV or HTML.

Every problem is a located :class:`~casestudy.errors.Problem`. Besides ``error`` and
``warning`` the report uses ``info``: worth a manager's eye, never a failure.
"""

from __future__ import annotations

import datetime as dt
import difflib
import importlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .check import check_study
from .errors import ERROR, WARNING, Problem, StudyNotFound, error, warning
from .load import COUNTRIES, STUDY_FILE, Section, Study, load_series, load_study, read_text
from .markdown import parse_section
from .schema import SECTIONS, SeriesConfig, StudyMeta
from .yamlfile import YamlDoc

INFO = "info"
CURRENT_TEMPLATE_VERSION = 1  # until casestudy.scaffold defines TEMPLATE_VERSION
MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
          "December")
# House formats, applied to prose (not to tables, figures, code or link targets):
# "12 percent", not "12%" or "12 per cent"; "March 3, 2024", not "3 March 2024".
_NUMBER = r"(?<![\w.,])\d+(?:[.,]\d+)*"
FORMATS = (
    (re.compile(rf"{_NUMBER}\s?%"), "write 'percent' in prose, not '%'"),
    (re.compile(rf"{_NUMBER}\s+per\s+cent\b"), "write 'percent', not 'per cent'"),
    (re.compile(rf"(?<!\w)\d{{1,2}}\s+(?:{MONTHS})\s+\d{{4}}(?!\w)"),
     "write dates as 'March 3, 2024' (month day, year)"),
)
HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "sir", "dame"}


@dataclass
class SectionRow:
    """One schema section of one study: ``status`` is ok, short, long, missing (required
    and absent), optional (optional and absent) or unreadable."""

    id: str
    number: int
    required: bool
    min_words: int
    max_words: int
    default_heading: str
    status: str
    heading: str | None = None
    words: int | None = None


@dataclass(frozen=True)
class Finding:
    """A problem and the rule that found it (``check`` for the single-study checker)."""

    rule: str
    problem: Problem


@dataclass
class StudyRow:
    """Everything the report shows about one study; metadata is None when study.yaml is
    missing or invalid (its problems say why)."""

    slug: str
    root: Path
    sections: list[SectionRow]
    title: str | None = None
    country: str | None = None
    country_code: str | None = None
    series_number: int | None = None
    status: str | None = None
    date: dt.date | None = None
    authors: list[str] = field(default_factory=list)
    sponsor: str | None = None
    footnotes: int = 0
    figures: int = 0
    figures_missing_alt: int = 0
    template_version: int | None = None
    template_status: str = "unknown"  # current, outdated, newer, unknown
    pdf: Path | None = None
    pdf_status: str = "missing"  # missing, stale, current
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(f.problem.severity == severity for f in self.findings)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)


@dataclass
class SeriesReport:
    """The whole series: one row per study, in folder order."""

    repo: Path
    series_name: str
    as_of: dt.date
    current_template_version: int
    rows: list[StudyRow]
    colors: dict[str, str] = field(default_factory=dict)

    def findings(self) -> list[Finding]:
        return sorted((f for r in self.rows for f in r.findings), key=lambda f: f.problem)

    def count(self, severity: str) -> int:
        return sum(r.count(severity) for r in self.rows)

    def failed(self, strict: bool = False) -> bool:
        """Errors anywhere; with ``strict`` also warnings in a study whose status is final."""
        return any(r.errors or (strict and r.status == "final" and r.warnings)
                   for r in self.rows)


def current_template_version() -> int:
    """The template version ``casestudy new`` writes today (scaffold.TEMPLATE_VERSION)."""
    try:
        module = importlib.import_module(f"{__package__}.scaffold")
    except ImportError:
        return CURRENT_TEMPLATE_VERSION
    return int(getattr(module, "TEMPLATE_VERSION", CURRENT_TEMPLATE_VERSION))


def series_report(repo: Path, studies: list[Path] | None = None,
                  build_dir: Path | None = None, today: dt.date | None = None) -> SeriesReport:
    """Load and check every study (default: every folder in ``countries/``); write nothing."""
    repo = Path(repo)
    config = load_series(repo)
    build_dir = repo / "build" if build_dir is None else Path(build_dir)
    today = today or dt.date.today()
    version = current_template_version()
    if studies is None:
        studies = _study_folders(repo)
    loaded = [_load(Path(path)) for path in studies]
    rows = [_row(study, build_dir, version) for study in loaded]
    valid = [s for s in loaded if s.meta is not None]
    by_root = {row.root: row for row in rows}
    for rule, problems in _cross_study(valid, config, today):
        for problem in problems:
            owner = next(s for s in valid if s.root in Path(problem.path).parents)
            by_root[owner.root].findings.append(Finding(rule, problem))
    for row in rows:
        row.findings.sort(key=lambda f: f.problem)
    return SeriesReport(repo, config.series_name, today, version, rows,
                        config.colors.model_dump())


def _study_folders(repo: Path) -> list[Path]:
    countries = repo / COUNTRIES
    if not countries.is_dir():
        raise StudyNotFound(f"no {COUNTRIES}/ folder in {repo}", countries)
    return sorted(p for p in countries.iterdir() if p.is_dir() and not p.name.startswith("."))


def _load(root: Path) -> Study:
    """The study, or for a folder without study.yaml its sections and one error."""
    try:
        return load_study(root)
    except StudyNotFound:
        problems = [error(root / STUDY_FILE, 1, 1, f"no {STUDY_FILE}: this folder in "
                                                   f"{COUNTRIES}/ is not a study yet")]
        sections = []
        for spec in SECTIONS:
            section = Section(spec, root / "sections" / spec.filename)
            if section.path.is_file():
                text = read_text(section.path, problems)
                section.parsed = parse_section(text) if text is not None else None
            sections.append(section)
        return Study(root, None, YamlDoc(root / STUDY_FILE), sections, [], problems)


def _row(study: Study, build_dir: Path, version: int) -> StudyRow:
    meta = study.meta
    adjective = meta.country.adjective if meta else "{adjective}"
    row = StudyRow(study.slug, study.root, [_section_row(s, adjective) for s in study.sections])
    row.findings = [Finding("check", p) for p in check_study(study)]
    for section in study.sections:
        if section.parsed is not None:
            row.footnotes += len(section.parsed.footnote_defs)
            row.figures += len(section.parsed.images)
            row.figures_missing_alt += sum(not i.extra.strip() for i in section.parsed.images)
    if meta is not None:
        row.title, row.status, row.date = meta.title, meta.status, meta.date
        row.country, row.country_code = meta.country.name, meta.country.code
        row.series_number, row.sponsor = meta.series_number, meta.sponsor
        row.authors = [a.name for a in meta.authors]
        row.template_version = meta.template_version
    if row.template_version is not None:
        row.template_status = ("current" if row.template_version == version else
                               "outdated" if row.template_version < version else "newer")
    row.pdf = build_dir / f"{study.slug}.pdf"
    if row.pdf.is_file():
        newest = max((p.stat().st_mtime for p in _sources(study)), default=0.0)
        row.pdf_status = "stale" if row.pdf.stat().st_mtime < newest else "current"
    return row


def _section_row(section: Section, adjective: str) -> SectionRow:
    spec, parsed = section.spec, section.parsed
    row = SectionRow(spec.id, spec.number, spec.required, spec.min_words, spec.max_words,
                     spec.default_heading(adjective), "missing" if spec.required else "optional")
    if parsed is None:
        if section.path.exists():
            row.status = "unreadable"
        return row
    row.heading, row.words = parsed.heading, parsed.words
    row.status = ("short" if parsed.words < spec.min_words else
                  "long" if parsed.words > spec.max_words else "ok")
    return row


def _sources(study: Study) -> Iterator[Path]:
    """The files a built PDF depends on: study.yaml, sections/*, figures/**."""
    yield study.study_file
    for folder, pattern in (("sections", "*"), ("figures", "**/*")):
        yield from (p for p in (study.root / folder).glob(pattern) if p.is_file())


# ---------------------------------------------------------------- cross-study rules

Rule = Callable[[list[Study], SeriesConfig, dt.date], list[Problem]]


def _cross_study(studies: list[Study], config: SeriesConfig,
                 today: dt.date) -> Iterator[tuple[str, list[Problem]]]:
    rules: dict[str, Rule] = {
        "series-number": _series_numbers, "country": _countries, "person": _people,
        "sponsor": _sponsors, "date": _dates, "heading": _headings, "spelling": _spelling,
        "banned": _banned, "acronym": _acronyms, "format": _formats,
    }
    for name, rule in rules.items():
        yield name, rule(studies, config, today)


def _meta(study: Study) -> StudyMeta:
    assert study.meta is not None  # the rules only see studies with a valid study.yaml
    return study.meta


def _where(study: Study, *loc: str | int) -> str:
    """``countries/x/study.yaml:12``: how a message points at another study."""
    line, _ = study.yaml.where(loc)
    return f"{COUNTRIES}/{study.slug}/{STUDY_FILE}:{line}"


def _clashes(studies: list[Study], key: Callable[[StudyMeta], object], loc: tuple[str, ...],
             describe: Callable[[StudyMeta], str]) -> list[Problem]:
    """An error at each study sharing ``key`` with another: readers would confuse them."""
    groups: dict[object, list[Study]] = defaultdict(list)
    for study in studies:
        groups[key(_meta(study))].append(study)
    out = []
    for group in groups.values():
        for study in group if len(group) > 1 else ():
            others = ", ".join(_where(o, *loc) for o in group if o is not study)
            out.append(error(study.study_file, *study.yaml.where(loc),
                             f"{describe(_meta(study))} {others}"))
    return out


def _series_numbers(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    return _clashes(studies, lambda m: m.series_number, ("series_number",),
                    lambda m: f"series number {m.series_number} is also used by")


def _countries(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    return _clashes(studies, lambda m: m.country.code, ("country", "code"),
                    lambda m: f"country {m.country.code} ({m.country.name}) is also the subject "
                                      "of")


def person_key(name: str) -> str:
    """A name reduced to what identifies the person: no accents, case, honorifics or
    initials ("Dr. Jane Q. Doe" and "Jane Doe" are one person)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return " ".join(w for w in re.findall(r"[a-z]+", plain) if len(w) > 1 and w not in HONORIFICS)


def _people(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """One person (by name), one description: name spelling, title, affiliation, bio.
    An empty bio is left to ``check``, which already warns about it."""
    Loc = tuple[str | int, ...]
    people: dict[str, list[tuple[Study, Loc, dict[str, str]]]] = defaultdict(list)
    for study in studies:
        meta = _meta(study)
        entries: list[tuple[Loc, dict[str, str]]] = [
            (("authors", i), a.model_dump()) for i, a in enumerate(meta.authors)]
        if meta.project_manager is not None:
            entries.append((("project_manager",), meta.project_manager.model_dump()))
        for loc, person in entries:
            people[person_key(person["name"])].append((study, loc, person))
    out = []
    for group in people.values():
        for key in ("name", "title", "affiliation", "bio"):
            told = [(s, loc, p["name"], p[key]) for s, loc, p in group
                    if key in p and (p[key] or key != "bio")]
            if len({value for *_, value in told}) < 2:
                continue
            for study, loc, name, value in told:
                other, other_loc, _, other_value = next(t for t in told if t[3] != value)
                where = _where(other, *other_loc, key)
                if key == "name":
                    message = f"{name!r} is written {other_value!r} in {where}"
                elif key == "bio":
                    message = f"{name!r}: this bio differs from the one in {where}"
                else:
                    message = (f"{name!r}: {key} {value or '(none)'!r} here, but "
                               f"{other_value or '(none)'!r} in {where}")
                out.append(warning(study.study_file, *study.yaml.where((*loc, key)), message))
    return out


def _sponsors(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    have = [s for s in studies if _meta(s).sponsor.strip()]
    if not have:
        return []
    return [warning(s.study_file, *s.yaml.where(("sponsor",)),
                    f"sponsor acknowledgement is empty, but {len(have)} other "
                    f"{'study has' if len(have) == 1 else 'studies have'} one "
                    f"(e.g. {_where(have[0], 'sponsor')})")
            for s in studies if s not in have]


def _dates(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """A final study dated in the future (warning); final studies whose dates run against
    their series numbers (info: sometimes intended, always worth a look)."""
    out = []
    finals = [s for s in studies if _meta(s).status == "final"]
    for study in finals:
        meta, where = _meta(study), study.yaml.where(("date",))
        if meta.date > today:
            out.append(warning(study.study_file, *where, f"status is final but the date "
                                                         f"{meta.date} is in the future"))
        earlier = [o for o in finals if _meta(o).series_number < meta.series_number
                   and _meta(o).date > meta.date]
        if earlier:
            other = max(earlier, key=lambda s: _meta(s).date)
            out.append(Problem(str(study.study_file), *where, INFO,
                               f"No. {meta.series_number} is dated {meta.date}, before "
                               f"No. {_meta(other).series_number} ({other.slug}, "
                               f"{_meta(other).date}): numbers and dates disagree"))
    return out


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _headings(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """A heading near the schema's wording has drifted (warning); a different one is the
    author's own, which ``check`` allows (info)."""
    out = []
    for study in studies:
        adjective = _meta(study).country.adjective
        for section in study.sections:
            heading = section.parsed.heading if section.parsed else None
            default = section.spec.default_heading(adjective)
            if heading is None or heading == default:
                continue
            if (_normal(heading) == _normal(default)
                    or difflib.SequenceMatcher(None, heading, default).ratio() >= 0.8):
                out.append(warning(section.path, 1, 1,
                                   f"heading {heading!r} drifted from the series wording "
                                   f"{default!r}"))
            else:
                out.append(Problem(str(section.path), 1, 1, INFO,
                                   f"own heading {heading!r} instead of the series wording "
                                   f"{default!r}"))
    return out


# ---------------------------------------------------------------- house style

def _mask(text: str) -> str:
    """The text with code, link targets, URLs and note labels blanked (same length and
    lines, so positions found in it are positions in the file)."""
    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group())

    for pattern in (r"`[^`\n]*`", r"\]\([^)\n]*\)", r"<https?://[^>\s]*>", r"https?://\S+",
                    r"\[\^[^\]\n]*\]"):
        text = re.sub(pattern, blank, text)
    return text


def _prose(text: str) -> str:
    """The masked text with table and figure blocks and table rows blanked as well."""
    lines, inside = text.split("\n"), False
    for i, line in enumerate(lines):
        if line.startswith(":::"):
            inside = line[3:].strip().split(" ")[0] in ("table", "figure")
        if inside or line.lstrip().startswith("|"):
            lines[i] = " " * len(line)
    return "\n".join(lines)


def _at(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _texts(studies: list[Study]) -> Iterator[tuple[Study, Path, str]]:
    """Each present section of each study, in order, as masked text."""
    for study in studies:
        for section in study.sections:
            if section.parsed is not None:
                yield study, section.path, _mask(section.parsed.text)


def _spelling(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """series.yaml ``style.preferred``: whole words (and their plurals), case-sensitive as
    written, so a rule for "defence" leaves the name "Ministry of Defence" alone."""
    rules = []
    for bad, good in config.style.preferred.items():
        end = r"(?=s?(?!\w))" if bad[-1:].isalpha() else r"(?!\w)"
        rules.append((re.compile(rf"(?<![\w.]){re.escape(bad)}{end}"), bad, good))
    return [warning(path, *_at(text, m.start()), f"write {good!r}, not {bad!r}")
            for _, path, text in _texts(studies) for pattern, bad, good in rules
            for m in pattern.finditer(text)]


def _phrase(words: str) -> str:
    return r"\s+".join(map(re.escape, words.split()))


def _banned(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """series.yaml ``style.banned``: whole phrases, any case, across line breaks."""
    rules = [re.compile(rf"(?<!\w){_phrase(p)}(?!\w)", re.IGNORECASE)
             for p in config.style.banned]
    return [warning(path, *_at(text, m.start()), f"banned phrase {' '.join(m.group().split())!r}")
            for _, path, text in _texts(studies) for pattern in rules
            for m in pattern.finditer(text)]


def _acronyms(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """series.yaml ``style.acronyms``: the first use in each study must come after the
    expansion or be followed by it: "the Committee ... (CFIUS)" or "CFIUS (Committee ...)"."""
    out = []
    for study in studies:
        pending, before = dict(config.style.acronyms), ""
        for _, path, text in _texts([study]):
            for acronym, expansion in list(pending.items()):
                use = re.search(rf"(?<!\w){re.escape(acronym)}(?!\w)", text)
                if use is None:
                    continue
                del pending[acronym]
                window = before + text[:use.end() + len(expansion) + 8]
                if not re.search(_phrase(expansion), window, re.IGNORECASE):
                    out.append(warning(path, *_at(text, use.start()),
                                       f"first use of {acronym} in the study: spell it out, "
                                       f"'{expansion} ({acronym})'"))
            before += text + "\n"
    return out


def _formats(studies: list[Study], config: SeriesConfig, today: dt.date) -> list[Problem]:
    """The house formats in prose (tables and figures may use '%'): see FORMATS."""
    return [warning(path, *_at(prose, m.start()), f"{' '.join(m.group().split())!r}: {advice}")
            for _, path, text in _texts(studies) for prose in (_prose(text),)
            for pattern, advice in FORMATS for m in pattern.finditer(prose)]
