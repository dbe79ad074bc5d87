"""``casestudy import``: a Word draft into a new study, or into the empty sections of one.

Read, judge and convert everything first (draft.py, convert.py); only then write. A new
study is made by ``casestudy new`` itself (scaffold/new.py, its answers validated the same
way) and filled; if filling fails, the new study is removed, so a failed import leaves
nothing. In an existing study only sections that still hold the template's placeholder
are filled; a section with an author's text is never touched.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CasestudyError
from ..files.folders import remove_tree
from ..files.write import atomic_write
from ..files.yamlfile import read_yaml
from ..scaffold.answers import make_answers
from ..scaffold.new import new_study
from ..source.load import STUDY_FILE
from ..source.parse import parse_section
from ..source.schema import SECTIONS
from .citations import merge
from .convert import Converted, Shaper, place_comments, split_sections, write_markdown
from .draft import Draft, image_sources
from .package import DraftError
from .sections import is_placeholder

REFERENCES = "references.json"


@dataclass
class ImportReport:
    """What came over and what did not, each with its place in the draft."""

    study: Path
    sections: list[tuple[str, int]] = field(default_factory=list)  # heading, words
    missing: list[str] = field(default_factory=list)  # schema sections the draft lacks
    notes: int = 0
    figures: int = 0
    tables: int = 0
    citations: int = 0
    references_added: int = 0
    said: list[str] = field(default_factory=list)  # carried, but worth a look
    lost: list[str] = field(default_factory=list)  # not carried: exit 1

    @property
    def words(self) -> int:
        return sum(words for _heading, words in self.sections)


def import_draft(repo: Path, draft: Draft, *, into: Path | None = None,
                 name: str | None = None, **answers: Any) -> ImportReport:
    """Import ``draft`` into ``into`` (an existing study) or a new study of the country
    ``name`` (with ``new``'s answers); DraftError or ScaffoldError before any write."""
    if into is not None:
        adjective = _adjective_of(into)
    else:
        if not name:
            raise DraftError("a new study needs its country (--country NAME), or name an "
                             "existing study with --into", draft.package.path)
        adjective = make_answers(repo, name, **answers).adjective  # refused before any write
    existing = _existing_references(into)
    converted, report = _convert(draft, adjective, existing, into)
    if into is None:
        into = new_study(repo, name or "", **answers)
        try:
            _write(into, draft, converted, report, fresh=True)
        except BaseException:
            remove_tree(into)  # all or nothing: the study new made goes too
            raise
    else:
        _write(into, draft, converted, report, fresh=False)
    report.study = into
    return report


def _adjective_of(study: Path) -> str:
    path = study / STUDY_FILE
    if not path.is_file():
        raise DraftError("is not a study: it has no study.yaml", study)
    data = read_yaml(path).data
    country = data.get("country") if isinstance(data, dict) else None
    adjective = country.get("adjective") if isinstance(country, dict) else None
    if not isinstance(adjective, str) or not adjective.strip():
        raise DraftError("study.yaml has no country.adjective; fix it (casestudy check)", path)
    return adjective


def _existing_references(study: Path | None) -> list[dict[str, Any]]:
    if study is None or not (study / REFERENCES).is_file():
        return []
    try:
        data = json.loads((study / REFERENCES).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DraftError(f"cannot be read as CSL JSON ({exc}); fix it first (casestudy "
                         "check)", study / REFERENCES) from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DraftError("is not a list of CSL JSON items; fix it first", study / REFERENCES)
    return data


def _convert(draft: Draft, adjective: str, existing: list[dict[str, Any]],
             into: Path | None) -> tuple[Converted, ImportReport]:
    report = ImportReport(study=into or Path("."))
    converted = Converted()
    split_sections(draft.ast, adjective, converted)
    merged, keys, renamed = merge(existing, draft.items)
    converted.references = merged
    report.references_added = len(merged) - len(existing)
    report.said += renamed
    figures = _figure_names(draft, into)
    shaper = Shaper(keys, figures, draft.refused, converted)
    for shaped in converted.sections.values():
        shaped.blocks = shaper.blocks(shaped.blocks)
    report.said += converted.unmatched
    report.lost += converted.lost
    report.said += place_comments(converted.sections, draft.scan.comments, adjective)
    for what, where in draft.scan.uncarried:
        report.lost.append(f"{where}: {what} could not be carried over")
    for what, where in draft.scan.flattened:
        report.said.append(f"{where}: {what}: its text came over as plain paragraphs")
    for part, kind, target in draft.scan.external:
        report.lost.append(f"{part}: a link to outside the file ({kind}: {target}) was not "
                           "followed (never fetched)")
    converted.images = {f"../figures/{name}": src for src, name in figures.items()}
    api = draft.ast.get("pandoc-api-version", [1, 23])
    present = [(converted.sections[spec.id], spec.default_heading(adjective))
               for spec in SECTIONS if spec.id in converted.sections]
    report.missing = [spec.default_heading(adjective) for spec in SECTIONS
                      if spec.id not in converted.sections]
    write_markdown(present, draft.package, api)
    for section, heading in present:
        parsed = parse_section(section.markdown)
        report.sections.append((heading, parsed.words))
        report.notes += len(parsed.footnote_defs)
        report.figures += len(parsed.images)
        report.tables += sum(1 for b in parsed.blocks if b.kind == "table")
        report.citations += len(parsed.citations)
    return converted, report


def _figure_names(draft: Draft, into: Path | None) -> dict[str, str]:
    """pandoc's image src -> the file name it gets in figures/ (never one in use)."""
    taken = {p.name for p in (into / "figures").iterdir()} if into and \
        (into / "figures").is_dir() else set()
    out: dict[str, str] = {}
    number = 0
    for src in image_sources(draft.ast.get("blocks", [])):
        member = draft.member(src)
        if member not in draft.pictures or src in out:
            continue
        suffix = posixpath.splitext(member)[1].lower()
        while True:
            number += 1
            name = f"word-figure-{number}{suffix}"
            if name not in taken:
                break
        out[src] = name
    return out


def _write(study: Path, draft: Draft, converted: Converted, report: ImportReport,
           fresh: bool) -> None:
    """Write what was converted: sections (placeholders only), figures, references."""
    for spec in SECTIONS:
        section = converted.sections.get(spec.id)
        if section is None:
            continue
        path = study / "sections" / spec.filename
        if not fresh and path.exists() and not is_placeholder(
                path.read_text(encoding="utf-8", errors="replace")):
            report.lost.append(f'section "{spec.default_heading(_adjective_of(study))}" '
                               f"was not imported: sections/{spec.filename} holds an "
                               "author's text, which an import never overwrites")
            continue
        atomic_write(path, section.markdown.encode("utf-8"))
    for target, src in converted.images.items():
        member = draft.member(src)
        if member is None:
            raise CasestudyError(f"picture {src} vanished from the draft", draft.package.path)
        atomic_write(study / "figures" / posixpath.basename(target), draft.pictures[member])
    if report.references_added:
        data = json.dumps(converted.references, indent=2, ensure_ascii=False) + "\n"
        atomic_write(study / REFERENCES, data.encode("utf-8"))
