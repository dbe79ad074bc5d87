"""The labels a brief prints ("Contents", "Figure 1.", "Page 3 of 12"), in the study's
language: the catalogue shipped in ``branding/labels/<tag>.yaml`` and the series'
overrides (series.yaml ``labels:``), matched to the study's BCP 47 tag.

Matching is langcodes' distance between tags, not string prefixes: ``pt-BR`` finds
``pt``, ``zh-TW`` finds ``zh-Hant``, and a tag of another language finds nothing, so the
label falls back to English, which the checker reports. The choice made here is plain
data; render/labels.py formats it (Babel) and check/labels.py reports what is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import babel
import langcodes
from fontTools import unicodedata as ucd

from ..errors import ConfigError
from ..files.yamlfile import read_yaml

CATALOGUE = Path(__file__).parent.parent / "branding" / "labels"
ENGLISH = "en"
# langcodes' distance under which two tags share their labels: the same language in
# another region (pt-PT for pt, 5; de-CH for de, 4), never another language (he for en: 134)
_SAME_LANGUAGE = 10


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Each shipped language's labels, by tag; English has every name, the others a
    subset of them (a broken file here is our bug, said with its line)."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE.glob("*.yaml")):
        doc = read_yaml(path)
        if doc.problems:
            first = doc.problems[0]
            raise ConfigError(first.message, path, first.line, first.col)
        out[path.stem] = {str(k): str(v) for k, v in (doc.data or {}).items()}
    unknown = {(tag, name) for tag, texts in out.items() for name in texts
               if name not in out[ENGLISH]}
    if unknown:
        tag, name = min(unknown)
        raise ConfigError(f"label {name!r} is not in {ENGLISH}.yaml", CATALOGUE / f"{tag}.yaml")
    return out


def names() -> tuple[str, ...]:
    """Every label's name, in the order of the English catalogue."""
    return tuple(catalogue()[ENGLISH])


def direction(tag: str) -> str:
    """``rtl`` when the language's (likely) script is written right to left, else ``ltr``:
    CLDR's likely subtags (langcodes) give the script, Unicode's data its direction."""
    try:
        script = langcodes.Language.get(tag).maximize().script or ""
    except (ValueError, langcodes.LanguageTagError):
        return "ltr"
    return "rtl" if ucd.script_horizontal_direction(script, "LTR") == "RTL" else "ltr"


@dataclass(frozen=True)
class Choice:
    """The labels for one language: ``texts`` by name, ``missing`` the names that fell
    back to English (none for an English study)."""

    language: str
    texts: dict[str, str]
    missing: tuple[str, ...]


def matching(language: str, tags: list[str]) -> list[str]:
    """The tags of ``tags`` in ``language``, closest first (``pt-BR``: ``pt-BR``, ``pt``)."""
    near = []
    for tag in tags:
        try:
            distance = langcodes.tag_distance(language, tag)
        except (ValueError, langcodes.LanguageTagError):
            continue
        if distance < _SAME_LANGUAGE:
            near.append((distance, tag != language, tag))
    return [tag for *_, tag in sorted(near)]


def choose(language: str, overrides: Mapping[str, Mapping[str, str]] | None = None,
           series_label: str | None = None) -> Choice:
    """The labels of a study in ``language``: for each name, the series' override in the
    closest matching language, else our catalogue's there, else English (the series'
    English, then ours). ``series_label`` (series.yaml ``label``) is the series' own
    English name for its briefs; when it is not ours, our translations of ours no longer
    translate it."""
    overrides = dict(overrides or {})
    shipped = {tag: dict(texts) for tag, texts in catalogue().items()}
    english = shipped[ENGLISH]
    if series_label is not None and series_label != english["series-label"]:
        for tag, own in shipped.items():
            if tag == ENGLISH:
                own["series-label"] = series_label
            else:
                own.pop("series-label", None)
    near = matching(language, sorted(set(shipped) | set(overrides)))
    fallback = [] if ENGLISH in near or _is_english(language) else [ENGLISH]
    texts: dict[str, str] = {}
    missing: list[str] = []
    for name in english:
        for tag in [*near, *fallback]:
            found = overrides.get(tag, {}).get(name) or shipped.get(tag, {}).get(name)
            if found is not None:
                texts[name] = found
                if tag in fallback:
                    missing.append(name)
                break
    return Choice(language, texts, tuple(missing))


def _is_english(language: str) -> bool:
    return bool(matching(language, [ENGLISH]))


def locale_for(tag: str) -> babel.Locale:
    """Babel's locale (CLDR's dates, lists and numbers) for a BCP 47 tag: the tag, then
    shorter ones (``sr-Latn-RS``, ``sr-Latn``, ``sr``), then English for a language
    CLDR does not have."""
    parts = tag.replace("_", "-").split("-")
    for end in range(len(parts), 0, -1):
        try:
            return babel.Locale.parse("_".join(parts[:end]))
        except (ValueError, babel.UnknownLocaleError):
            continue
    return babel.Locale.parse(ENGLISH)


def printed_text(language: str, overrides: Mapping[str, Mapping[str, str]] | None = None,
                 series_label: str | None = None) -> list[str]:
    """Every word a study in ``language`` may print from here: its labels, the month
    names and the words of its dates, and the words that join its lists of names (the
    glyph rule checks them, and the web fonts are cut to them)."""
    locale = locale_for(language)
    return [*choose(language, overrides, series_label).texts.values(),
            *locale.months["format"]["wide"].values(), str(locale.date_formats["long"]),
            *locale.list_patterns["standard"].values()]
