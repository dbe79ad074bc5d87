"""The consistency rules, and running them: what no single-study check can see.

Each rule looks at every study with a valid study.yaml and returns ``(study, problem)``
pairs, the study being the one whose file the problem points at. The cross-study rules
(:mod:`.compare`) need the whole series; the house-style rules (:mod:`.style`) hold the
studies' text and series.yaml's printed prose to the ``style`` block of series.yaml.
``cross_study`` runs them all for the series report; ``house_style`` runs the rules that
need one study only, for ``check``. The rules read a study as :class:`.facts.StudyFacts`,
plain data the series report keeps between runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator

from ..errors import Problem
from ..files.yamlfile import YamlDoc
from ..source.load import Study
from ..source.schema import SeriesConfig
from .compare import countries, dates, headings, people, series_numbers, sources, sponsors
from .facts import Found, Series, StudyFacts
from .style import acronyms, banned, formats, series_prose, spelling


def cross_study(studies: Iterable[Study | StudyFacts], config: SeriesConfig, today: dt.date,
                series_doc: YamlDoc | None = None
                ) -> Iterator[tuple[str, StudyFacts | None, Problem]]:
    """Every cross-study problem as ``(rule, study, problem)``; studies without valid
    metadata are left out (``check`` already reports them). With ``series_doc`` (series.yaml
    as read), its printed prose is held to the house style too, with ``study`` None.
    The house style sees the text of the studies given as facts without it only where
    it was applied already."""
    facts = (s if isinstance(s, StudyFacts) else StudyFacts.of(s) for s in studies)
    series = Series([s for s in facts if s.meta is not None], config, today,
                    series_prose(series_doc) if series_doc else None)
    for name, rule in RULES.items():
        for study, problem in rule(series):
            yield name, study, problem


def house_style(study: Study, config: SeriesConfig) -> list[tuple[str, Problem]]:
    """The house-style rules that need one study only (``check`` runs them; the series
    report runs them in ``cross_study``), as ``(rule, problem)``."""
    series = Series([StudyFacts.of(study)], config, dt.date.today())
    return [(name, problem) for name in STUDY_STYLE for _, problem in RULES[name](series)]


RULES: dict[str, Callable[[Series], Found]] = {
    "series-number": series_numbers, "country": countries, "person": people,
    "sponsor": sponsors, "date": dates, "heading": headings, "spelling": spelling,
    "banned": banned, "acronym": acronyms, "format": formats, "source": sources,
}
STUDY_STYLE = ("spelling", "banned", "acronym", "format")
