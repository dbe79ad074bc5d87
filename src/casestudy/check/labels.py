"""The labels a study prints in its language: a warning, at study.yaml's ``language``,
for the labels that have no translation there and so print in English; an error there
for a label's character no brief font has (Japanese labels in a brand without a Han
font); an error, at series.yaml's value, for an override whose ``{placeholder}`` the
label does not have.
"""

from __future__ import annotations

import string
from pathlib import Path

import babel

from ..brand.fontmap import coverage_for
from ..brand.model import Brand
from ..errors import Problem, error, warning
from ..files.yamlfile import read_yaml
from ..source.labels import ENGLISH, catalogue, choose, matching, printed_text
from ..source.load import SERIES_FILE, Study
from ..source.schema import SeriesConfig


def label_problems(study: Study, series: SeriesConfig | None,
                   brand: Brand | None) -> list[Problem]:
    """What is wrong with the labels ``study`` prints; ``brand`` (None: not asked) brings
    the fonts they must be drawn in."""
    meta = study.meta
    if meta is None:
        return []
    overrides = series.labels if series is not None else {}
    choice = choose(meta.language, overrides, series.label if series is not None else None)
    problems = _placeholders(meta.language, series) if series is not None else []
    line, col = study.yaml.where(("language",))
    if choice.missing:
        problems.append(warning(study.study_file, line, col, _missing(meta.language,
                                                                      choice.missing)))
    if brand is not None:
        coverage = coverage_for(brand)
        text = "\n".join(printed_text(meta.language, overrides,
                                      series.label if series is not None else None))
        runs = coverage.uncovered(text)
        if runs:
            every = "".join(text[start:end] for start, end in runs)
            problems.append(error(study.study_file, line, col, "the labels in "
                                  f"{_language_name(meta.language)}: {coverage.message(every)}"))
    return problems


def _missing(language: str, names: tuple[str, ...]) -> str:
    """"no label of the brief has a translation for 'sw' (Swahili): printed in English
    (...)", or "labels 'contents', 'page' have no translation for ..."."""
    if len(names) == len(catalogue()[ENGLISH]):
        what, them = "no label of the brief has a translation", "them"
    elif len(names) == 1:
        what, them = f"label {names[0]!r} has no translation", "it"
    else:
        what, them = f"labels {_list(names)} have no translation", "them"
    return (f"{what} for {_language_name(language)}: printed in English (add {them} to "
            f"series.yaml under labels: {language}:)")


def _list(names: tuple[str, ...]) -> str:
    shown = [repr(n) for n in names[:4]]
    more = f" and {len(names) - 4} more" if len(names) > 4 else ""
    return ", ".join(shown) + more


def _language_name(tag: str) -> str:
    """``'pt-BR' (Portuguese)``: the tag, and the language's English name from CLDR."""
    try:
        name = babel.Locale.parse(tag.replace("-", "_")).get_display_name("en")
    except (ValueError, babel.UnknownLocaleError):
        name = babel.Locale("en").languages.get(tag.split("-")[0].lower())
    return f"{tag!r} ({name})" if name else repr(tag)


def _placeholders(language: str, series: SeriesConfig) -> list[Problem]:
    """Each override the study prints (in its language or English) that names a
    placeholder its label does not fill, or has a lone brace."""
    english = catalogue()[ENGLISH]
    problems = []
    for tag in matching(language, list(series.labels)) + [ENGLISH]:
        for name, text in series.labels.get(tag, {}).items():
            allowed = _fields(english[name]) or set()
            found = _fields(text)
            if found is None:
                message = "a lone { or }: write {{ or }} for a brace"
            elif found - allowed:
                message = (f"{{{sorted(found - allowed)[0]}}} is not filled in this label"
                           + (f"; it has {', '.join('{' + f + '}' for f in sorted(allowed))}"
                              if allowed else "; it has no placeholder"))
            else:
                continue
            path = (series.root or Path()) / SERIES_FILE
            line, col = (read_yaml(path).where(("labels", tag, name)) if path.is_file()
                         else (1, 1))
            problems.append(error(path, line, col, f"labels.{tag}.{name}: {message}"))
    return problems


def _fields(text: str) -> set[str] | None:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}
    except ValueError:
        return None
