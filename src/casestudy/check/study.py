"""The series rules over a loaded study: every problem at once, located.

``check_study`` is a build that writes nothing: a study with no errors here is a
study the builder can render. Warnings are what an editor must see before the
brief is final (placeholders, lengths, loose footnotes); ``--strict`` fails on them.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from ..brand.fontmap import brand_fonts_key
from ..errors import ConfigError, Problem, error, warning
from ..files.fetch import SAFE_LINK, Refused, image_problem, inside, real, resolve_image, svg_figure
from ..files.folders import MAX_FOLDER_DEPTH, FolderTooDeep, walk
from ..files.yamlfile import read_yaml
from ..parallel import fork_map
from ..source.bibliography import as_pandoc_reads, style_prints
from ..source.chart import load_chart, parse_settings
from ..source.citations import ibid_variant, style_path
from ..source.load import SERIES_FILE, Section, Study, load_study, series_root
from ..source.references import Entry
from ..source.schema import PLACEHOLDER, CitationSettings, SeriesConfig
from .consistency import house_style
from .glyphs import study_problems
from .labels import label_problems
from .memory import CheckCache

if TYPE_CHECKING:
    from ..brand.model import Brand
    from ..source.section import Block


def check_study(study: Study, series: SeriesConfig | None = None,
                glyphs: bool = True, house: bool = True, *, brand: Brand) -> list[Problem]:
    """All problems of ``study``, sorted by file and line.

    ``brand`` (the series' brand, ``load_brand(repo)``; the neutral ``default_brand()``
    for a study of no series) brings the fonts the build uses to the glyph coverage rule;
    ``series`` (from series.yaml) brings its prose to it, and its house style.
    ``glyphs=False`` leaves that rule out (``new`` checks what its template made, not the
    author's answers).
    """

    problems = list(study.problems)
    if series is not None and house:  # the series report runs these rules itself

        problems += [problem for _, problem in house_style(study, series)]
    problems += _check_meta(study)
    problems += label_problems(study, series, brand if glyphs else None)
    adjective = study.meta.country.adjective if study.meta else "{adjective}"
    final = study.meta is not None and study.meta.status == "final"
    for section in study.sections:
        problems += _check_section(study, section, adjective, final)
    problems += _check_figure_files(study)
    if glyphs:
        problems += study_problems(study, series, brand)
    problems += _check_citations(study, series.citations if series else CitationSettings())
    if series is not None:
        problems += _check_style(study, series)
    for path in study.extra_files:
        names = ", ".join(s.spec.filename for s in study.sections)
        problems.append(warning(path, 1, 1, f"not a section of the series schema; it is not "
                                            f"built (sections are {names})"))
    return sorted(set(problems))


def _check_figure_files(study: Study) -> list[Problem]:
    """figures/ may hold only regular files and links that stay inside the study.

    The builder hashes every file there, so a link to /etc or a FIFO would be read (or
    block) even if no section shows it. (It publishes only the files sections show.)
    """
    root = real(study.root)
    folder = study.root / "figures"
    if folder.is_symlink() and not inside(real(folder), root):  # the walk would follow it
        return [error(folder, 1, 1, "symbolic link leads outside the study folder; make "
                                    "figures/ a real folder")]
    out = []

    def unlisted(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else folder
        if isinstance(exc, FolderTooDeep):
            out.append(error(where, 1, 1, f"figures/ nests folders more than "
                                          f"{MAX_FOLDER_DEPTH} deep; this folder is not read"))
        elif not isinstance(exc, FileNotFoundError) or where != folder:
            out.append(error(where, 1, 1, f"cannot list this folder: {exc.strerror}"))

    for dirpath, _, names in walk(folder, unlisted):
        for name in names:  # links and files; the walk enters only real folders
            path = dirpath / name
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode) and not inside(real(path), root):
                out.append(error(path, 1, 1, "symbolic link leads outside the study folder; "
                                             "copy the file into figures/ instead"))
            elif not (stat.S_ISLNK(mode) or stat.S_ISREG(mode)):
                out.append(error(path, 1, 1, "not a regular file (a FIFO, socket or device); "
                                             "remove it"))
    return out


def _check_citations(study: Study, settings: CitationSettings) -> list[Problem]:
    """Every cited key is in a reference list, with what the style prints; every entry of
    the study's own list is cited. An entry no one cites is never judged."""
    import difflib

    entries = study.library.entries
    out, cited = [], set()
    for section in study.sections:
        for ref in section.parsed.citations if section.parsed else []:
            cited.add(ref.value)
            if ref.value in entries:
                continue
            if not entries:
                out.append(error(section.path, ref.line, ref.col,
                                 f"@{ref.value} cites a reference list, but the study has "
                                 "none: add references.json or references.bib (exported "
                                 "from Zotero) to the study or the series"))
                continue
            hint = difflib.get_close_matches(ref.value, list(entries), n=1)
            out.append(error(section.path, ref.line, ref.col,
                             f"unknown reference key @{ref.value}"
                             + (f"; did you mean @{hint[0]}?" if hint else "")))
    out += _incomplete(study, [entries[key] for key in sorted(cited) if key in entries],
                       settings)
    out += _uncited(study, cited)
    return out


def _incomplete(study: Study, cited: list[Entry], settings: CitationSettings
                ) -> list[Problem]:
    """A cited entry without a title or a date that the style prints: a warning at the
    entry (pandoc prints it all the same, as the style prints a source without one:
    "n.d.", or the date a web page was accessed, in Chicago). Judged as pandoc reads the
    entry, after it resolves BibLaTeX's crossref and xdata; only an entry that seems to
    lack one by its own fields is read so."""
    lacking = [entry for entry in cited if not entry.title or not entry.year]
    if not lacking:
        return []
    repo = series_root(study.root) or study.root
    try:
        prints = style_prints(style_path(
            ibid_variant(settings.style) if settings.ibid else settings.style, repo))
    except ConfigError:
        return []  # the style is refused, and _check_style says so at series.yaml
    read, out = as_pandoc_reads(lacking, study.library)
    unread = {(p.path, p.line) for p in out}
    for entry in lacking:
        if (str(entry.path), entry.line) in unread:
            continue  # pandoc cannot read it: that error is enough
        item = read.get(entry.key)  # none for CSL-JSON, which is read as it is written
        has = {"title": item.get("title") if item else entry.title,
               "issued": "issued" in item if item else entry.year}
        lacks = [name for name, variable in (("title", "title"), ("date", "issued"))
                 if variable in prints and not has[variable]]
        if not lacks:
            continue
        often = " (often \"n.d.\")" if "date" in lacks else ""
        message = (f"reference {entry.key!r} has no {' and no '.join(lacks)}, which the "
                   "citation style prints; its notes will print as the style prints a "
                   f"source without {'them' if len(lacks) > 1 else 'one'}{often}")
        if entry.kind == "set" and entry.links:
            members = ", ".join(f"@{key}" for key in entry.links)
            message += f"; pandoc does not expand a @set: cite its members ({members})"
        out.append(warning(entry.path, entry.line, entry.col, message))
    return out


# past this many uncited entries in one file, one warning says so for all of them: a
# whole Zotero library exported into the study would otherwise bury the other problems
_UNCITED_ONE_BY_ONE = 10


def _uncited(study: Study, cited: set[str]) -> list[Problem]:
    """Entries of the study's own lists that nothing cites (the series' lists may hold
    what other studies cite). A warning: pandoc formats only what is cited. An entry a
    cited one draws on (its crossref parent, its xdata) is in use; an @xdata entry is
    never cited by design."""
    used = study.library.in_use(cited)
    by_file: dict[Path, list[Entry]] = {}
    for entry in study.library.entries.values():
        if entry.path in study.library.study_files and entry.kind != "xdata":
            by_file.setdefault(entry.path, []).append(entry)
    out = []
    for path, listed in by_file.items():
        idle = [entry for entry in listed if entry.key not in used]
        if len(idle) <= _UNCITED_ONE_BY_ONE:
            out += [warning(entry.path, entry.line, entry.col,
                            f"reference {entry.key!r} is never cited") for entry in idle]
            continue
        first = ", ".join(repr(entry.key) for entry in idle[:3])
        out.append(warning(path, idle[0].line, idle[0].col,
                           f"{len(idle)} of the {len(listed)} references in this file are "
                           f"never cited ({first}...); a study's list may hold only what "
                           "it cites, and the series' list what several studies cite"))
    return out


def _check_style(study: Study, series: SeriesConfig) -> list[Problem]:
    """The citation style a citing study is formatted with: found as the renderer will
    find it (a name of the CSL collection, or a .csl file in the series, never one that
    names a URL), or an error at series.yaml's citations.style."""
    if not any(s.parsed and s.parsed.citations for s in study.sections):
        return []
    settings = series.citations
    repo = series_root(study.root) or study.root
    try:
        style_path(ibid_variant(settings.style) if settings.ibid else settings.style, repo)
    except ConfigError as exc:
        series_file = repo / SERIES_FILE
        line, col = (read_yaml(series_file).where(("citations", "style"))
                     if series_file.is_file() else (1, 1))
        return [error(series_file, line, col, exc.message)]
    return []


def check_path(root: Path, series: SeriesConfig | None, brand: Brand) -> list[Problem]:
    """Load and check the study in ``root``."""
    return check_study(load_study(root), series, brand=brand)


def check_paths(roots: list[Path], cache_dir: Path | None = None,
                series: SeriesConfig | None = None, *, brand: Brand) -> list[list[Problem]]:
    """The problems of each study in ``roots`` (of ``series``, in ``brand``: see
    :func:`check_study`); many studies are checked in parallel.

    With ``cache_dir``, a study unchanged since it was last checked there is not read
    again: its problems are remembered (see :class:`casestudy.check.memory.CheckCache`). The
    lookup happens here, before any worker starts, so a series with nothing changed
    neither forks nor loads the Markdown parser.
    """
    from functools import partial


    roots = list(roots)
    check = partial(check_path, series=series, brand=brand)
    if cache_dir is None:
        return fork_map(check, roots)

    store = CheckCache(cache_dir)
    # the findings depend on the series too: its fonts (by content), its settings, and
    # series.yaml as written (the glyph rule points into its prose, by line)
    extra = brand_fonts_key(brand) + (series.model_dump_json() if series else "")
    if series is not None and series.root is not None:
        try:
            extra += hashlib.sha256((series.root / SERIES_FILE).read_bytes()).hexdigest()
        except OSError:  # gone since it was read: nothing is remembered this time
            return fork_map(check, roots)
        # and on the series' own .csl style: what it prints decides the date warnings
        style = series.root / series.citations.style
        if style.suffix == ".csl" and style.is_file() and inside(real(style), real(series.root)):
            extra += hashlib.sha256(style.read_bytes()).hexdigest()
    # each digest is taken before its study is checked, so an edit made meanwhile is seen
    digests = [store.digest(root, extra) for root in roots]
    found = [store.get(root, d) for root, d in zip(roots, digests, strict=True)]
    todo = [i for i, problems in enumerate(found) if problems is None]
    if todo:
        from ..source import parse  # noqa: F401  # once, before forking, not in every worker
    for i, problems in zip(todo, fork_map(check, [roots[i] for i in todo]), strict=True):
        found[i] = problems
        store.put(roots[i], digests[i], problems)
    return [problems or [] for problems in found]


def _check_meta(study: Study) -> list[Problem]:
    meta = study.meta
    if meta is None:
        return []
    import pycountry  # here, not at import time: only checks of a valid study.yaml need it

    doc = study.yaml
    out = []
    country = pycountry.countries.get(alpha_2=meta.country.code)
    line, col = doc.where(("country", "code"))
    if country is None:
        out.append(error(doc.path, line, col, f"country.code: {meta.country.code!r} is not an "
                                              "ISO 3166-1 alpha-2 country code"))
    else:
        names = {getattr(country, a, "") for a in ("name", "common_name", "official_name")}
        if meta.country.name not in names:
            line, col = doc.where(("country", "name"))
            out.append(warning(doc.path, line, col,
                               f"country.name {meta.country.name!r} does not match code "
                               f"{meta.country.code} ({country.name})"))
    for i, author in enumerate(meta.authors):
        if not author.bio.strip():
            line, col = doc.where(("authors", i))
            out.append(warning(doc.path, line, col, f"author {author.name!r} has no bio "
                                                    "for the back page"))
    for key in ("title", "subtitle", "sponsor"):
        value = getattr(meta, key)
        if PLACEHOLDER in value:
            out.append(_placeholder(doc.path, *doc.where((key,)), meta.status == "final"))
    return out


def _placeholder(path: object, line: int, col: int, final: bool) -> Problem:
    make = error if final else warning
    return make(str(path), line, col, f"placeholder {PLACEHOLDER} left in"
                + (" (the study's status is final)" if final else ""))


def _check_section(study: Study, section: Section, adjective: str, final: bool) -> list[Problem]:
    spec, path, parsed = section.spec, section.path, section.parsed
    if parsed is None:
        folder = section.path.parent
        if (section.path.exists() or section.path.is_symlink()
                or (folder.is_symlink() and not inside(real(folder), real(study.root)))):
            return []  # unreadable, or sections/ leads outside: already reported by load
        if spec.required:
            return [error(path, 1, 1, f"required section {spec.id!r} is missing "
                                      f"(expected sections/{spec.filename})")]
        return []
    out: list[Problem] = []
    if parsed.heading is None:
        out.append(warning(path, 1, 1, "heading missing: the first line must be '# "
                                       f"{spec.default_heading(adjective)}' or your own heading"))
    if not (spec.min_words <= parsed.words <= spec.max_words):
        out.append(warning(path, 1, 1, f"{parsed.words} words of body text (headings, "
                                       "footnotes, tables and figures not counted); the "
                                       f"{spec.id} section should have "
                                       f"{spec.min_words}-{spec.max_words}"))
    for ref in parsed.placeholders:
        out.append(_placeholder(path, ref.line, ref.col, final))
    if spec.id == "summary" and not parsed.has_list:
        out.append(warning(path, 1, 1, "key points should be a bulleted list"))
    if spec.id == "sectors" and len([h for h in parsed.subheadings if h.extra == "h2"]) < 2:
        out.append(warning(path, 1, 1, "expected one '## ' subsection per sector"))

    defined, used = parsed.footnote_defs, {r.value for r in parsed.footnote_refs}
    for ref in parsed.footnote_refs:
        if ref.value not in defined:  # it would print nothing where the author cites
            out.append(error(path, ref.line, ref.col,
                             f"footnote [^{ref.value}] is used but never defined; add a "
                             f"line '[^{ref.value}]: text' (or fix the label's spelling)"))
    for label, ref in defined.items():
        if label not in used:
            out.append(warning(path, ref.line, ref.col, f"footnote [^{label}] is defined but "
                                                        "never used; its text is not printed"))
    for ref in parsed.nested_refs:  # WeasyPrint would print such a note on another page,
        # and a chain of them nests without bound
        out.append(error(path, ref.line, ref.col, f"footnote [^{ref.value}] is cited inside "
                                                  f"footnote [^{ref.extra}]; a note cannot "
                                                  "have a note of its own: merge their text"))
    for ref in parsed.literal:
        out.append(error(path, ref.line, ref.col, ref.value))
    for ref in parsed.duplicate_defs:
        out.append(error(path, ref.line, ref.col, f"footnote [^{ref.value}] is defined twice"))

    if parsed.too_deep is not None:
        ref = parsed.too_deep
        out.append(error(path, ref.line, ref.col, f"quotes or lists nested {ref.value} levels "
                                                  "deep; the text inside would be lost"))
    if parsed.inline_too_deep is not None:
        ref = parsed.inline_too_deep
        out.append(error(path, ref.line, ref.col, f"emphasis or links nested more than "
                                                  f"{ref.value} levels deep"))
    for ref in parsed.raw_html:
        out.append(error(path, ref.line, ref.col, f"raw HTML is not allowed ({ref.value!r}); "
                                                  "use Markdown"))
    for ref in parsed.links:
        if not SAFE_LINK.match(ref.value):
            out.append(error(path, ref.line, ref.col, f"link {ref.value[:60]!r} is not allowed: "
                                                      "links must be http, https, mailto or #"))
    for ref in parsed.images:
        if not ref.extra.strip():
            out.append(error(path, ref.line, ref.col, f"image {ref.value!r} has no alt text "
                                                      "(write it inside ![...])"))
        try:
            file, instead = resolve_image(study.root, ref.value, path.parent)
            if instead:
                out.append(warning(path, ref.line, ref.col, f"image path {ref.value!r} is "
                                   f"written from the study folder; write {instead!r}, "
                                   "relative to this section file, as Markdown previewers "
                                   "(VS Code, GitHub, Quarto) read it"))
            if file.suffix.lower() == ".svg":  # judged where the problem is, in the figure
                out += [Problem(str(file), f.line, f.col, f.severity, f.message)
                        for f in svg_figure(file).findings]
                continue
            reason = image_problem(file)
        except Refused as exc:
            out.append(error(path, ref.line, ref.col, str(exc)))
        except OSError as exc:
            out.append(error(path, ref.line, ref.col, f"image {ref.value!r}: {exc.strerror}"))
        else:
            if reason:
                out.append(error(path, ref.line, ref.col, f"image {ref.value!r} {reason}"))
    for block in parsed.blocks:
        if block.kind == "figure":
            if not block.images:
                out.append(error(path, block.line, 1, "figure block holds no image"))
            if not block.caption:
                out.append(warning(path, block.line, 1, "figure has no 'Caption:' line"))
            if not block.source:
                out.append(warning(path, block.line, 1, "figure has no 'Source:' line"))
        elif block.kind == "chart":
            out += _check_chart(study, path, block)
        elif block.kind == "table":
            if not block.has_table:
                out.append(warning(path, block.line, 1, "table block holds no table"))
            if not block.caption:
                out.append(warning(path, block.line, 1, "table has no 'Caption:' line"))
    return out


def _check_chart(study: Study, path: Path, block: Block) -> list[Problem]:
    """A chart's settings and its CSV (read here, so every data error is found now)."""

    settings, out = parse_settings(block.settings, path, study.charts)
    out += load_chart(study.root, path, settings, block.line,  # the good settings too
                      study.charts)[1]
    if not block.caption:
        out.append(warning(path, block.line, 1, "chart has no 'Caption:' line"))
    if not block.source:
        out.append(warning(path, block.line, 1, "chart has no 'Source:' line"))
    return out
