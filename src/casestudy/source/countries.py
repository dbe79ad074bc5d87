"""Countries for new studies: ISO 3166-1 alpha-2 codes, the names they go by, and slugs.

pycountry carries the ISO data (the short name, and for some countries a common and
an official name). Authors type the names they use in English prose, some of which
ISO does not list ("Turkey", "Ivory Coast", "Russia"): :data:`ALIASES` holds those,
one per line, so that the code agrees with the name whichever spelling the author
chose. pycountry's fuzzy search is only used for did-you-mean suggestions: it
matches subdivisions and fragments ("Georgia" finds the US state), so it never
chooses a country on its own.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pycountry

from ..errors import ScaffoldError

# Common English names that pycountry does not list, normalised (see _key) -> code.
ALIASES = {
    "turkey": "TR", "ivory coast": "CI", "russia": "RU", "republic of korea": "KR",
    "korea south": "KR", "korea north": "KP", "united states": "US", "usa": "US",
    "us": "US", "america": "US", "uk": "GB", "britain": "GB", "great britain": "GB",
    "macedonia": "MK", "swaziland": "SZ", "burma": "MM", "cape verde": "CV",
    "east timor": "TL", "vatican": "VA", "vatican city": "VA", "holy see": "VA",
    "brunei": "BN", "micronesia": "FM", "palestine": "PS", "dr congo": "CD",
    "drc": "CD", "democratic republic of the congo": "CD", "congo kinshasa": "CD",
    "congo brazzaville": "CG", "czech republic": "CZ", "the netherlands": "NL",
    "holland": "NL",
}
# Letters that Unicode does not decompose into an ASCII base letter plus accents.
_ASCII = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                        "ß": "ss", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i",
                        "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D"})
_APOSTROPHES = re.compile(r"['’ʼ‘`´]")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Country:
    """A resolved country: the name as the study will print it, and its ISO code."""

    name: str
    code: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


def ascii_fold(text: str) -> str:
    """``text`` with accents removed and the remaining non-ASCII letters spelled in ASCII."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(name: str) -> str:
    """The folder name of a study: ASCII, lower case, words joined by hyphens.

    Apostrophes join rather than split ("Côte d'Ivoire" -> ``cote-divoire``); the
    template's ``slug`` default does the same with cookiecutter's slugify filter.
    """
    text = _APOSTROPHES.sub("", ascii_fold(name)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _key(name: str) -> str:
    """A name reduced for comparison: case, accents, punctuation and a leading "the" dropped."""
    text = _APOSTROPHES.sub("", ascii_fold(name)).casefold()
    text = " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())
    return text.removeprefix("the ")


def names_of(code: str) -> list[str]:
    """Every name pycountry gives the country ``code``: short, common, official."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return []
    names = (getattr(country, attr, None) for attr in ("common_name", "name", "official_name"))
    return list(dict.fromkeys(n for n in names if n))


@functools.cache  # built once: pycountry's 249 countries do not change while we run
def _index() -> dict[str, tuple[str, str]]:
    """Normalised name -> (code, spelling to print), for every ISO name and alias."""
    index: dict[str, tuple[str, str]] = {}
    for country in pycountry.countries:
        for name in names_of(country.alpha_2):
            index.setdefault(_key(name), (country.alpha_2, name))
    for alias, code in ALIASES.items():
        index.setdefault(alias, (code, ""))
    return index


def check_code(code: str) -> str:
    """``code`` as an upper-case ISO 3166-1 alpha-2 code, or a ScaffoldError."""
    value = code.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", value) or pycountry.countries.get(alpha_2=value) is None:
        raise ScaffoldError(f"{code!r} is not an ISO 3166-1 alpha-2 country code "
                            "(two letters, e.g. JP for Japan)")
    return value


def resolve(name: str, code: str | None = None) -> Country:
    """The country called ``name``; with ``code``, make sure that they agree.

    The name is kept as the author typed it, with the ISO spelling's accents and case
    when it is an ISO name ("cote d'ivoire" -> "Côte d'Ivoire").
    """
    typed = " ".join(name.split())
    found = _index().get(_key(typed)) if typed else None
    wanted = check_code(code) if code else None
    if found is None:
        hint = _suggest(typed, wanted)
        raise ScaffoldError(f"{name!r} is not a country name known to ISO 3166-1"
                            + (f"; did you mean {hint}?" if hint else ".")
                            + " Use the country's common English name, e.g. 'South Korea'.")
    found_code, spelling = found
    if wanted and wanted != found_code:
        raise ScaffoldError(f"country {typed!r} has the code {found_code}, not {wanted} "
                            f"({wanted} is {names_of(wanted)[0]})")
    return Country(spelling or typed, found_code)


def _suggest(name: str, code: str | None) -> str:
    candidates: list[str] = []
    if code:
        candidates.append(names_of(code)[0])
    try:
        matches = pycountry.countries.search_fuzzy(name) if name.strip() else []
    except LookupError:
        matches = []
    candidates += [names_of(c.alpha_2)[0] for c in matches[:3]]
    return " or ".join(repr(c) for c in dict.fromkeys(candidates))
