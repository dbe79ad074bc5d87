"""The cross-study rules that compare the studies with each other.

The identity rules (series number, country) give errors: two briefs with the same
number or the same ally would confuse readers. The others (one person described one
way, sponsor acknowledgements, dates in number order, the series' headings, one work
cited one way) give warnings, or ``info`` for what deserves a look but may be intended.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable

from ..errors import error, info, warning
from ..source.load import COUNTRIES, STUDY_FILE
from ..source.references import Entry
from ..source.schema import StudyMeta
from .facts import Found, Series, StudyFacts

HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "sir", "dame"}


def _meta(study: StudyFacts) -> StudyMeta:
    assert study.meta is not None  # Series holds only studies with a valid study.yaml
    return study.meta


def _where(study: StudyFacts, *loc: str | int) -> str:
    """``countries/x/study.yaml:12``: how a message points at another study."""
    line, _ = study.yaml.where(loc)
    return f"{COUNTRIES}/{study.slug}/{STUDY_FILE}:{line}"


# ---------------------------------------------------------------- identity and metadata


def _clashes(series: Series, key: Callable[[StudyMeta], object], loc: tuple[str, ...],
             describe: Callable[[StudyMeta], str]) -> Found:
    """An error at each study that shares ``key`` with another, naming the others."""
    groups: dict[object, list[StudyFacts]] = defaultdict(list)
    for study in series.studies:
        groups[key(_meta(study))].append(study)
    for group in groups.values():
        for study in group if len(group) > 1 else ():
            others = ", ".join(_where(o, *loc) for o in group if o is not study)
            yield study, error(study.study_file, *study.yaml.where(loc),
                               f"{describe(_meta(study))} {others}")


def series_numbers(series: Series) -> Found:
    return _clashes(series, lambda m: m.series_number, ("series_number",),
                    lambda m: f"series number {m.series_number} is also used by")


def countries(series: Series) -> Found:
    return _clashes(series, lambda m: m.country.code, ("country", "code"),
                    lambda m: f"country {m.country.code} ({m.country.name}) is also the "
                              "subject of")


def person_key(name: str) -> str:
    """A name reduced to what identifies the person: no accents, case, honorifics or
    initials ("Dr. Jane Q. Doe" and "Jane Doe" are one person)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = [w for w in re.findall(r"[a-z]+", plain) if len(w) > 1 and w not in HONORIFICS]
    return " ".join(words) or name.casefold()


def people(series: Series) -> Found:
    """One person, one description: the same name, title, affiliation and bio wherever
    they appear (authors and project managers). An empty bio is ``check``'s business."""
    Loc = tuple[str | int, ...]
    seen: dict[str, list[tuple[StudyFacts, Loc, dict[str, str]]]] = defaultdict(list)
    for study in series.studies:
        meta = _meta(study)
        entries: list[tuple[Loc, dict[str, str]]] = [
            (("authors", i), a.model_dump()) for i, a in enumerate(meta.authors)]
        if meta.project_manager is not None:
            entries.append((("project_manager",), meta.project_manager.model_dump()))
        for loc, person in entries:
            seen[person_key(person["name"])].append((study, loc, person))
    for group in seen.values():
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
                yield study, warning(study.study_file, *study.yaml.where((*loc, key)), message)


def sponsors(series: Series) -> Found:
    """An empty sponsor acknowledgement where other studies have one."""
    have = [s for s in series.studies if _meta(s).sponsor.strip()]
    if not have:
        return
    for study in series.studies:
        if not _meta(study).sponsor.strip():
            yield study, warning(study.study_file, *study.yaml.where(("sponsor",)),
                                 f"sponsor acknowledgement is empty, but {len(have)} other "
                                 f"{'study has' if len(have) == 1 else 'studies have'} one "
                                 f"(e.g. {_where(have[0], 'sponsor')})")


def dates(series: Series) -> Found:
    """A final study dated in the future (warning); a final study dated before a final
    study with a lower series number (info: sometimes intended, always worth a look)."""
    finals = sorted((s for s in series.studies if _meta(s).status == "final"),
                    key=lambda s: _meta(s).series_number)
    latest: StudyFacts | None = None  # the latest-dated final study among lower numbers
    pending: list[StudyFacts] = []  # studies of the current number, not yet in ``latest``
    for study in finals:
        meta, where = _meta(study), study.yaml.where(("date",))
        if meta.date > series.today:
            yield study, warning(study.study_file, *where, f"status is final but the date "
                                                           f"{meta.date} is in the future")
        if pending and _meta(pending[0]).series_number != meta.series_number:
            latest = max([*pending, *([latest] if latest else [])], key=lambda s: _meta(s).date)
            pending = []
        pending.append(study)
        if latest is not None and _meta(latest).date > meta.date:
            other = _meta(latest)
            yield study, info(study.study_file, *where,
                              f"No. {meta.series_number} is dated {meta.date}, before "
                              f"No. {other.series_number} ({latest.slug}, {other.date}): "
                              "numbers and dates disagree")


def _normal(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def headings(series: Series) -> Found:
    """A heading close to the schema's wording has drifted (warning); a different one is
    the author's own, which ``check`` allows (info)."""
    for study in series.studies:
        adjective = _meta(study).country.adjective
        for spec, path, heading in study.headings:
            default = spec.default_heading(adjective)
            if heading == default:
                continue
            if (_normal(heading) == _normal(default)
                    or difflib.SequenceMatcher(None, heading, default).ratio() >= 0.8):
                yield study, warning(path, 1, 1, f"heading {heading!r} drifted from "
                                                         f"the series wording {default!r}")
            else:
                yield study, info(path, 1, 1, f"own heading {heading!r} instead of "
                                                      f"the series wording {default!r}")


# ---------------------------------------------------------------- sources


def _entry_at(entry: Entry) -> str:
    parts = entry.path.parts
    rel = "/".join(parts[parts.index(COUNTRIES):]) if COUNTRIES in parts else entry.path.name
    return f"{rel}:{entry.line}"


def sources(series: Series) -> Found:
    """One work cited two ways: the same key with other details in another study, or
    the same work (title and year, or URL/DOI) under another key."""
    own = [(study, entry) for study in series.studies for entry in study.sources]
    by_key: dict[str, list[tuple[StudyFacts, Entry]]] = defaultdict(list)
    by_work: dict[tuple[str, ...], list[tuple[StudyFacts, Entry]]] = defaultdict(list)
    for study, entry in own:
        by_key[entry.key].append((study, entry))
        by_work[("title", _normal(entry.title), entry.year)].append((study, entry))
        if entry.url:
            by_work[("url", entry.url.rstrip("/").lower())].append((study, entry))
    for study, entry in own:
        for other_study, other in by_key[entry.key]:
            if other_study is study:
                continue
            differ = [name for name, a, b in (("title", entry.title, other.title),
                                               ("year", entry.year, other.year),
                                               ("URL", entry.url, other.url)) if a != b]
            if differ:
                yield study, warning(entry.path, entry.line, entry.col,
                                     f"reference {entry.key!r} differs from "
                                     f"{_entry_at(other)} in its {', '.join(differ)}")
        others = {id(o): (s, o) for group in (by_work[("title", _normal(entry.title),
                                                        entry.year)],
                                               by_work.get(("url", entry.url.rstrip("/")
                                                            .lower()), []))
                  for s, o in group if s is not study and o.key != entry.key}
        for _, other in sorted(others.values(), key=lambda so: _entry_at(so[1])):
            yield study, warning(entry.path, entry.line, entry.col,
                                 f"reference {entry.key!r} is the same work as "
                                 f"{other.key!r} at {_entry_at(other)}; cite it by one key")
