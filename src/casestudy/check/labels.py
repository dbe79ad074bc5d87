"""The labels a study prints in its language: a warning, at study.yaml's ``language``,
for each label that has no translation there and so prints in English; an error, at
series.yaml's value, for an override whose ``{placeholder}`` the label does not have.
"""

from __future__ import annotations

import string

import babel

from ..errors import Problem, error, warning
from ..files.yamlfile import read_yaml
from ..source.labels import ENGLISH, catalogue, choose, matching
from ..source.load import SERIES_FILE, Study
from ..source.schema import SeriesConfig


def label_problems(study: Study, series: SeriesConfig | None) -> list[Problem]:
    meta = study.meta
    if meta is None:
        return []
    overrides = series.labels if series is not None else {}
    choice = choose(meta.language, overrides, series.label if series is not None else None)
    problems = _placeholders(meta.language, series) if series is not None else []
    if choice.missing:
        line, col = study.yaml.where(("language",))
        problems.append(warning(study.study_file, line, col, _missing(meta.language,
                                                                      choice.missing)))
    return problems


def _missing(language: str, names: tuple[str, ...]) -> str:
    every = len(names) == len(catalogue()[ENGLISH])
    what = ("no label of the brief has" if every else
            ("label " if len(names) == 1 else "labels ") + _list(names)
            + (" has" if len(names) == 1 else " have"))
    return (f"{what} a translation for {_language_name(language)}: printed in English "
            f"(add {'them' if every or len(names) > 1 else 'it'} to series.yaml under "
            f"labels: {language}:)")


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
            path = series.root / SERIES_FILE if series.root else SERIES_FILE
            doc = read_yaml(path) if series.root else None
            line, col = doc.where(("labels", tag, name)) if doc else (1, 1)
            problems.append(error(path, line, col, f"labels.{tag}.{name}: {message}"))
    return problems


def _fields(text: str) -> set[str] | None:
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field}
    except ValueError:
        return None
