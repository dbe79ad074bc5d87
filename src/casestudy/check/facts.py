"""What the consistency rules read: a study as plain facts, and the series they look at.

:class:`StudyFacts` is a plain summary of one study that the series report keeps
between runs, so that an unchanged study is not parsed again; :class:`Series` is the
valid studies with series.yaml and the report's date, and a rule is a function of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..errors import Problem
from ..files.yamlfile import YamlDoc
from ..source.load import STUDY_FILE, Study
from ..source.references import Entry
from ..source.schema import SectionSpec, SeriesConfig, StudyMeta
from .mask import mask


@dataclass
class StudyFacts:
    """What the rules read of one study: plain data, so that the series report can keep
    it between runs and not parse an unchanged study again."""

    root: Path
    meta: StudyMeta | None
    yaml: YamlDoc  # where study.yaml's keys and values are (its data is not needed)
    headings: list[tuple[SectionSpec, Path, str]]  # each present section's own heading
    sources: list[Entry]  # the entries of the study's own reference list
    # the present sections' text for the house style, (path, text); empty when it was
    # applied already (the series report applies it with the check, per study)
    texts: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return self.root.name

    @property
    def study_file(self) -> Path:
        return self.root / STUDY_FILE

    @classmethod
    def of(cls, study: Study, texts: bool = True) -> StudyFacts:
        present = [(s, s.parsed) for s in study.sections if s.parsed is not None]
        own = set(study.library.study_files)
        return cls(study.root, study.meta,
                   YamlDoc(study.yaml.path, None, study.yaml.keys, study.yaml.values),
                   [(s.spec, s.path, p.heading) for s, p in present if p.heading is not None],
                   [e for e in study.library.entries.values() if e.path in own],
                   [(s.path, p.text) for s, p in present] if texts else [])


Found = Iterator[tuple[StudyFacts | None, Problem]]


@dataclass(frozen=True)
class Text:
    """A present section of a study, or series.yaml's prose (``study`` None), as masked
    text: positions found in it are positions in the file."""

    study: StudyFacts | None
    path: Path
    masked: str


@dataclass
class Series:
    """What the rules look at: the valid studies, series.yaml and the report's date."""

    studies: list[StudyFacts]
    config: SeriesConfig
    today: dt.date
    series_text: Text | None = None

    @cached_property
    def texts(self) -> list[Text]:
        """The studies' sections, then series.yaml's prose."""
        return [Text(study, path, mask(text)) for study in self.studies
                for path, text in study.texts] + (
            [self.series_text] if self.series_text else [])
