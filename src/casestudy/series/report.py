"""The series report: every study side by side, and the rules only a whole series can see.

``series_report`` loads and checks every study in ``countries/`` (it writes nothing) and
makes one row per study: metadata, each schema section present or missing and its words
against its range, notes, figures, problems, the template version, and whether the built
PDF is older than its sources. The cross-study rules live in ``consistency.py``; the
table, JSON, CSV and HTML renderings in ``report.py``.

Every problem is a located :class:`~casestudy.errors.Problem`. Besides ``error`` and
``warning`` the report uses ``info``: worth a manager's eye, never a failure.

With a cache folder (the command's default, as for ``check``), each study's row and the
facts the cross-study rules read of it are remembered under the digest the check cache
uses, so an unchanged study is not parsed again. What depends on anything else is
worked out on every run: the PDF's status (``build/``) and the cross-study rules
(other studies, and ``today``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..brand.fontmap import brand_fonts_key
from ..brand.load import load_brand
from ..brand.model import Brand
from ..check.consistency import cross_study, house_style
from ..check.facts import StudyFacts
from ..check.memory import StudyCache
from ..check.study import check_study
from ..errors import ERROR, WARNING, Problem, StudyNotFound, error
from ..files.folders import walk
from ..files.yamlfile import YamlDoc
from ..parallel import fork_map
from ..render.cache import has_record, inputs_digest, up_to_date
from ..render.provenance import compare, pdf_bytes
from ..source.load import (
    COUNTRIES,
    SERIES_FILE,
    STUDY_FILE,
    Section,
    Study,
    load_study,
    read_series,
    read_text,
)
from ..source.references import Entry
from ..source.schema import SECTIONS, TEMPLATE_VERSION, SectionSpec, SeriesConfig, StudyMeta

MIN_STUDIES_PER_JOB = 8  # fewer, and a process costs more than it saves


@dataclass
class SectionRow:
    """One schema section of one study. ``status``: ``ok``, ``short``, ``long``,
    ``missing`` (required and absent), ``optional`` (optional and absent), ``unreadable``."""

    spec: SectionSpec
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
    """Everything the report shows about one study; the metadata fields are None when
    study.yaml is missing or invalid (its findings say why)."""

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
    placeholders: int = 0  # TODO markers in the sections
    footnotes: int = 0
    figures: int = 0
    figures_missing_alt: int = 0
    charts: int = 0  # ::: chart blocks, drawn from CSV (numbered with the figures)
    citations: int = 0  # citations of a reference list ([@key]), each key counted
    sources: list[dict[str, object]] = field(default_factory=list)  # the study's references
    template_version: int | None = None
    template_status: str = "unknown"  # current, outdated, newer, unknown
    pdf: Path | None = None
    pdf_status: str = "missing"  # missing, stale, current
    # what the PDF says it was made from, against the sources now (render/provenance.py):
    # missing, current, stale (pdf_changed: each file added, removed or changed), foreign,
    # unknown (not a regular file, or too large to read)
    pdf_made_from: str = "missing"
    pdf_changed: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(f.problem.severity == severity for f in self.findings)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    def failed(self, strict: bool = False) -> bool:
        """Errors; with ``strict`` also warnings when the study's status is final."""
        return bool(self.errors or (strict and self.status == "final" and self.warnings))


@dataclass
class SeriesReport:
    """The whole series: one row per study, in folder order."""

    repo: Path
    series_name: str
    as_of: dt.date
    current_template_version: int
    rows: list[StudyRow]
    colors: dict[str, str] = field(default_factory=dict)
    series_findings: list[Finding] = field(default_factory=list)  # about series.yaml

    def findings(self) -> list[Finding]:
        """Every finding, series.yaml's and every study's, sorted by path and line."""
        return sorted([*self.series_findings, *(f for r in self.rows for f in r.findings)],
                      key=lambda f: f.problem)

    def count(self, severity: str) -> int:
        return (sum(r.count(severity) for r in self.rows)
                + sum(f.problem.severity == severity for f in self.series_findings))

    def failed(self, strict: bool = False) -> bool:
        """Errors anywhere; with ``strict`` also warnings in a study whose status is final
        (series.yaml's house-style findings are warnings: they never fail the report)."""
        return (any(r.failed(strict) for r in self.rows)
                or any(f.problem.is_error for f in self.series_findings))


def series_report(repo: Path, studies: list[Path] | None = None,
                  build_dir: Path | None = None, today: dt.date | None = None,
                  jobs: int | None = None, cache_dir: Path | None = None) -> SeriesReport:
    """Load and check every study (default: every folder in ``countries/``); write nothing
    (but the cache).

    ``jobs`` processes load and check the studies (default: one per CPU once there are
    enough studies to pay for the processes). With ``cache_dir``, a study unchanged since
    a report was made with it is not read again (see the module's doc). Raises
    ConfigError for a missing or bad series.yaml and StudyNotFound when there is no
    ``countries/`` folder.
    """
    repo = Path(repo)
    config, series_doc = read_series(repo)  # the doc: series.yaml's prose is checked too
    brand = load_brand(repo)
    build_dir = repo / "build" if build_dir is None else Path(build_dir)
    today = today or dt.date.today()
    roots = [Path(p) for p in (_study_folders(repo) if studies is None else studies)]
    loaded = _load_all(roots, config, brand, jobs, cache_dir, repo / SERIES_FILE)
    rows = [row for row, _ in loaded]
    for row in rows:  # build/ is outside the study: judged afresh every time
        row.pdf = build_dir / f"{row.slug}.pdf"
        row.pdf_status = _pdf_status(row.pdf, row.root, build_dir, config, brand)
        row.pdf_made_from, row.pdf_changed = _made_from(row.pdf, row.root, config, brand)
    by_root = {row.root: row for row in rows}
    series_findings: list[Finding] = []
    series_file = str(repo / "series.yaml")
    for row in rows:  # the glyph rule's findings in series.yaml's prose: once, for the series
        moved = [f for f in row.findings if f.problem.path == series_file]
        row.findings = [f for f in row.findings if f.problem.path != series_file]
        series_findings += [f for f in moved if f not in series_findings]
    for rule, study, problem in cross_study([f for _, f in loaded if f is not None], config,
                                            today, series_doc):
        found = by_root[study.root].findings if study else series_findings
        found.append(Finding(rule, problem))
    for row in rows:
        row.findings.sort(key=lambda f: (f.problem, f.rule))

    series_findings += [Finding("brand", problem) for problem in brand.problems]
    return SeriesReport(repo, config.series_name, today, TEMPLATE_VERSION, rows,
                        dict(brand.colors),
                        sorted(series_findings, key=lambda f: (f.problem, f.rule)))


Loaded = tuple[StudyRow, StudyFacts | None]


def _load_all(roots: list[Path], config: SeriesConfig, brand: Brand, jobs: int | None,
              cache_dir: Path | None, series_file: Path) -> list[Loaded]:
    """Each study's row and facts, in order. Parsing Markdown and YAML is most of the
    report's time, and studies are independent: with many, processes share the work;
    with ``cache_dir``, only the studies changed since the last report are read."""

    read = functools.partial(_study_and_row, config=config, brand=brand)
    extra = _cache_extra(config, brand, series_file) if cache_dir is not None else None
    if cache_dir is None or extra is None:
        from ..source import parse  # noqa: F401  # once, before forking, not in every worker

        return fork_map(read, roots, jobs, min_per_job=MIN_STUDIES_PER_JOB)
    store = StudyCache(cache_dir, "series")
    # each digest is taken before its study is read, so an edit made meanwhile is seen
    digests = [store.digest(root, extra) for root in roots]
    found = [_from_json(store.read(root, d)) for root, d in zip(roots, digests, strict=True)]
    todo = [i for i, done in enumerate(found) if done is None]
    if todo:
        from ..source import parse  # noqa: F401  # as above
    for i, done in zip(todo, fork_map(read, [roots[i] for i in todo], jobs,
                                      min_per_job=MIN_STUDIES_PER_JOB), strict=True):
        found[i] = done
        store.write(roots[i], digests[i], _to_json(*done))
    return [done for done in found if done is not None]


def _cache_extra(config: SeriesConfig, brand: Brand, series_file: Path) -> str | None:
    """What a row depends on besides its study: the series' fonts by content (the glyph
    rule), every setting (the house style) and series.yaml as written (the glyph rule
    points into its prose); None if series.yaml went away since it was read."""

    try:
        written = hashlib.sha256(series_file.read_bytes()).hexdigest()
    except OSError:
        return None
    return f"{brand_fonts_key(brand)}\n{written}\n{config.model_dump_json()}"


def _study_and_row(root: Path, config: SeriesConfig, brand: Brand) -> Loaded:
    study = _load(root)
    row = _row(study, config, brand)
    if study.meta is None:  # the rules leave out a study without valid metadata
        return row, None
    # the house style reads one study's text: applied here, it is remembered with the
    # row, and the facts the other rules read need not hold the text
    row.findings += [Finding(rule, problem) for rule, problem in house_style(study, config)]
    return row, StudyFacts.of(study, texts=False)


def _study_folders(repo: Path) -> list[Path]:
    countries = repo / COUNTRIES
    if not countries.is_dir():
        raise StudyNotFound(f"no {COUNTRIES}/ folder in {repo}", countries)
    return sorted(p for p in countries.iterdir() if p.is_dir() and not p.name.startswith("."))


def _load(root: Path) -> Study:
    """The study; a folder without study.yaml is still a row, with one error saying so."""
    try:
        return load_study(root)
    except StudyNotFound:
        from ..source.parse import parse_section  # here: a warm report never parses

        problems = [error(root / STUDY_FILE, 1, 1, f"no {STUDY_FILE}: this folder in "
                                                   f"{COUNTRIES}/ is not a study yet")]
        sections = [Section(spec, root / "sections" / spec.filename) for spec in SECTIONS]
        for section in sections:
            if section.path.is_file():
                text = read_text(section.path, problems)
                section.parsed = parse_section(text) if text is not None else None
        return Study(root, None, YamlDoc(root / STUDY_FILE), sections, [], problems)


def _row(study: Study, config: SeriesConfig, brand: Brand) -> StudyRow:
    version = TEMPLATE_VERSION
    meta = study.meta
    adjective = meta.country.adjective if meta else "{adjective}"
    row = StudyRow(study.slug, study.root, [_section_row(s, adjective) for s in study.sections])
    row.findings = [Finding("check", p)
                    for p in check_study(study, config, house=False, brand=brand)]
    for section in study.sections:
        if section.parsed is not None:
            row.placeholders += len(section.parsed.placeholders)
            row.footnotes += len(section.parsed.footnote_defs)
            row.figures += len(section.parsed.images)
            row.figures_missing_alt += sum(not i.extra.strip() for i in section.parsed.images)
            row.charts += sum(b.kind == "chart" for b in section.parsed.blocks)
            row.citations += len(section.parsed.citations)
    cited = {r.value for s in study.sections if s.parsed for r in s.parsed.citations}
    row.sources = [{"key": e.key, "title": e.title, "year": e.year, "url": e.url,
                    "type": e.kind, "file": str(e.path), "line": e.line,
                    "cited": e.key in cited,
                    "level": "study" if e.path in study.library.study_files else "series"}
                   for e in study.library.entries.values()]
    if meta is not None:
        row.title, row.status, row.date = meta.title, meta.status, meta.date
        row.country, row.country_code = meta.country.name, meta.country.code
        row.series_number, row.sponsor = meta.series_number, meta.sponsor
        row.authors = [a.name for a in meta.authors]
        row.template_version = meta.template_version
    if row.template_version is not None:
        row.template_status = ("current" if row.template_version == version else
                               "outdated" if row.template_version < version else "newer")
    return row


def _section_row(section: Section, adjective: str) -> SectionRow:
    spec, parsed = section.spec, section.parsed
    row = SectionRow(spec, spec.default_heading(adjective),
                     "missing" if spec.required else "optional")
    if parsed is None:
        if section.path.exists():
            row.status = "unreadable"
        return row
    row.heading, row.words = parsed.heading, parsed.words
    row.status = ("short" if parsed.words < spec.min_words else
                  "long" if parsed.words > spec.max_words else "ok")
    return row


def _pdf_status(pdf: Path, root: Path, build_dir: Path, config: SeriesConfig,
                brand: Brand) -> str:
    """``missing``; ``stale`` or ``current``.

    A PDF that ``casestudy build`` recorded is judged as the build judges it: current
    when nothing that makes it (sources, series.yaml, branding, fonts, code) changed and
    the file is the one it wrote. Any other PDF is stale when a source of the study was
    modified after it (series.yaml and the branding are not counted then).
    """
    try:
        built = pdf.stat().st_mtime
    except OSError:
        return "missing"
    if has_record(build_dir, root.name):
        digest = inputs_digest(root, config, brand)
        return "current" if up_to_date(build_dir, root.name, digest, ("pdf",)) else "stale"
    newest = max((p.stat().st_mtime for p in _sources(root)), default=0.0)
    return "stale" if newest > built else "current"


def _made_from(pdf: Path, root: Path, config: SeriesConfig, brand: Brand
               ) -> tuple[str, list[str]]:
    """What ``casestudy verify`` would say of the PDF, and the files that differ."""
    try:
        data = pdf_bytes(pdf)
    except OSError:
        return "missing", []
    if data is None:
        return "unknown", []
    found = compare(data, root, config, brand)
    return found.status, [*found.added, *found.removed, *found.changed]


def _sources(root: Path) -> Iterator[Path]:
    """The files a study's PDF is made from: study.yaml, its sections, its figures
    (found from the folder alone: a remembered study is not loaded)."""
    candidates = [root / STUDY_FILE, *(root / "sections" / s.filename for s in SECTIONS)]
    for folder, _, names in walk(root / "figures"):  # iterative: any depth
        candidates += (folder / name for name in names)
    return (p for p in candidates if p.is_file())


# ---------------------------------------------------------------- the cache's entries

# the row's fields that are plain JSON already; the others are converted below, and the
# PDF's are never stored
_ROW_SPECIAL = ("root", "sections", "date", "findings", "pdf", "pdf_status", "pdf_made_from",
                "pdf_changed")
_ROW_PLAIN = tuple(f.name for f in fields(StudyRow) if f.name not in _ROW_SPECIAL)
_SPECS = {spec.id: spec for spec in SECTIONS}


def _to_json(row: StudyRow, facts: StudyFacts | None) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(row, name) for name in _ROW_PLAIN}
    data.update(
        root=str(row.root), date=row.date.isoformat() if row.date else None,
        sections=[[s.spec.id, s.default_heading, s.status, s.heading, s.words]
                  for s in row.sections],
        findings=[[f.rule, *_problem(f.problem)] for f in row.findings])
    entry: dict[str, Any] = {"row": data, "facts": None}
    if facts is not None and facts.meta is not None:
        entry["facts"] = {
            "meta": facts.meta.model_dump(mode="json"),
            "keys": [[list(loc), *pos] for loc, pos in facts.yaml.keys.items()],
            "values": [[list(loc), *pos] for loc, pos in facts.yaml.values.items()],
            "headings": [[spec.id, str(path), heading] for spec, path, heading in facts.headings],
            "sources": [[e.key, str(e.path), e.line, e.col, e.kind, e.title, e.year, e.url,
                         list(e.printed)] for e in facts.sources]}
    return entry


def _problem(p: Problem) -> list[object]:
    return [p.path, p.line, p.col, p.severity, p.message]


def _from_json(entry: dict[str, Any] | None) -> Loaded | None:
    """A row and facts as stored by ``_to_json``; None for anything else (a cache
    written by hand or broken costs only the reading of the study)."""
    if entry is None:
        return None
    try:
        data = entry["row"]
        row = StudyRow(**{name: data[name] for name in _ROW_PLAIN}, root=Path(data["root"]),
                       sections=[SectionRow(_SPECS[spec], default, status, heading, words)
                                 for spec, default, status, heading, words in data["sections"]],
                       date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
                       findings=[Finding(rule, Problem(path, line, col, severity, message))
                                 for rule, path, line, col, severity, message
                                 in data["findings"]])
        known = entry["facts"]
        if known is None:
            return row, None
        doc = YamlDoc(row.root / STUDY_FILE, None,
                      {tuple(loc): (line, col) for loc, line, col in known["keys"]},
                      {tuple(loc): (line, col) for loc, line, col in known["values"]})
        facts = StudyFacts(
            row.root, StudyMeta.model_validate(known["meta"]), doc,
            [(_SPECS[spec], Path(path), heading) for spec, path, heading in known["headings"]],
            [Entry(key, Path(path), line, col, kind, title, year, url, tuple(printed))
             for key, path, line, col, kind, title, year, url, printed in known["sources"]])
        return row, facts
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
