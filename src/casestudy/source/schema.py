"""The series schema, defined once.

The sections of a study, their order, which are required and their word ranges,
and the models of ``study.yaml`` and ``series.yaml``. The checker, the cookiecutter
template, the JSON Schema (``casestudy schema``) and the series report all derive
from what is written here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import langcodes
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    model_validator,
)

from .labels import names as label_names

SCHEMA_VERSION = 1
STATUSES = ("draft", "review", "final")

# the study template's version (template/, from this schema): bump when it changes in a
# way `casestudy upgrade` should apply to the studies made from an older one
TEMPLATE_VERSION = 1


@dataclass(frozen=True)
class SectionSpec:
    """One section of the series schema."""

    number: int
    id: str
    heading: str  # may use {adjective}, e.g. "US-{adjective}"
    required: bool
    min_words: int
    max_words: int
    purpose: str  # what the section is for: shown to authors in the stubs

    @property
    def filename(self) -> str:
        return f"{self.number:02d}-{self.id}.md"

    def default_heading(self, adjective: str) -> str:
        return self.heading.format(adjective=adjective)


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec(1, "summary", "Key points", True, 80, 400,
                "Four to six key points, one bulleted item each: the brief's argument "
                "for a reader with two minutes. Shown in a box at the head of the brief."),
    SectionSpec(2, "imperative", "The imperative of allied industrial integration", True,
                300, 1200,
                "Why integrating the US defense-industrial base with this ally's matters "
                "now: the series framing, applied to this country."),
    SectionSpec(3, "relationship", "The state of the US-{adjective} defense-industrial "
                "relationship", True, 400, 1500,
                "The bilateral relationship as it stands: trade in both directions, "
                "programs, agreements, and how it has changed over the last decades."),
    SectionSpec(4, "sectors", "Sector by sector", True, 800, 3000,
                "One `##` subsection per sector (for example land systems, combat "
                "aircraft, surface warships): who builds what for whom, and why it matters."),
    SectionSpec(5, "ownership", "Cross-border ownership", False, 300, 1500,
                "Acquisitions and subsidiaries across the border in both directions, "
                "and how investment screening has treated them."),
    SectionSpec(6, "supply-chain", "Security of supply: contact, contracts, and control",
                True, 300, 1500,
                "Security of supply in crisis or war: contact between governments and "
                "firms, the contracts that bind them, and the controls that govern trade."),
    SectionSpec(7, "recommendations", "Recommendations", True, 200, 1200,
                "Concrete, numbered recommendations for Washington and for the ally's "
                "government and industry."),
    SectionSpec(8, "conclusion", "Conclusion", True, 100, 600,
                "What the case shows for the series as a whole."),
)

SECTION_BY_FILENAME = {s.filename: s for s in SECTIONS}
PLACEHOLDER = "TODO"


def _iso_date(value: Any) -> Any:
    """Accept a YAML date or an ISO 8601 string; refuse numbers and other types."""
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a real date") from exc
    raise ValueError(f"must be an ISO 8601 date such as 2026-11-25, got {value!r}")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


_TAG_SYNTAX = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")  # langcodes also takes en_US


def _language_tag(value: str) -> str:
    """A BCP 47 tag as IANA's registry and CLDR write it (langcodes): a withdrawn or
    aliased code (``iw``, ``in``, ``iw-IL``) is refused with the tag to write instead,
    so that every later stage (dates, labels, direction) reads one spelling. Case is
    free, as BCP 47 says; the value is kept as the author wrote it."""
    try:
        standard = langcodes.standardize_tag(value)
    except (ValueError, langcodes.LanguageTagError):
        standard = ""
    if not _TAG_SYNTAX.fullmatch(value) or not langcodes.tag_is_valid(value):
        hint = f"; did you mean {standard!r}?" if standard and langcodes.tag_is_valid(
            standard) else " such as en, fr-CA, he or zh-Hant"
        raise ValueError(f"{value!r} is not a BCP 47 language tag{hint}")
    if standard.lower() != value.lower():
        raise ValueError(f"{value!r} is a withdrawn or non-standard language code; "
                         f"did you mean {standard!r}?")
    return value


LanguageTag = Annotated[str, AfterValidator(_language_tag), Field(
    description="The study's language, a BCP 47 tag: en, fr-CA, he, zh-Hant, sr-Latn.",
    json_schema_extra={"pattern": f"^{_TAG_SYNTAX.pattern}$"})]
Text = Annotated[str, Field(min_length=1)]


def _label_name(value: str) -> str:
    """A label's name as the catalogue spells it (branding/labels/en.yaml)."""
    known = label_names()
    if value not in known:
        hint = difflib.get_close_matches(value, known, n=1)
        raise ValueError("unknown label" + (f"; did you mean {hint[0]!r}?" if hint else
                                            "; the labels are " + ", ".join(known)))
    return value


LabelName = Annotated[str, AfterValidator(_label_name)]
# series.yaml ``labels``: per language, the labels the series prints its own way
LabelOverrides = Annotated[dict[LanguageTag, dict[LabelName, Text]], Field(
    default_factory=dict,
    description="Labels printed the series' own way, per language (a BCP 47 tag): "
                "{it: {key-points: In sintesi}}. Names: branding/labels/en.yaml.")]


class _Model(BaseModel):
    # strict: a YAML number never becomes a string or the reverse without being asked
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Country(_Model):
    name: Text = Field(description="The ally's common English name, e.g. Italy.")
    code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = Field(
        description="ISO 3166-1 alpha-2 code, upper case, e.g. IT.")
    adjective: Text = Field(description="Demonym used in headings, e.g. Italian.")


class Person(_Model):
    name: Text
    title: str = Field("", description="Job title.")
    affiliation: str = ""


class Author(Person):
    bio: str = Field("", description="Two or three sentences, third person, for the back page.")


class Related(_Model):
    author: Text
    title: Text
    year: Annotated[int, Field(ge=1900, le=2100)]
    publisher: str = ""
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None = None


class StudyMeta(_Model):
    """The contents of a study's ``study.yaml``."""

    model_config = ConfigDict(title="casestudy study.yaml")

    schema_version: Literal[1] = Field(description="Version of the series schema.")
    title: Text
    subtitle: str = ""
    short_title: str = Field("", description="Running head; defaults to the title.")
    country: Country
    status: Literal["draft", "review", "final"]
    date: IsoDate = Field(description="Publication date, ISO 8601 (YYYY-MM-DD).",
                          json_schema_extra={"type": "string", "format": "date"})
    series_number: Annotated[int, Field(ge=1)]
    language: LanguageTag = "en"
    authors: Annotated[list[Author], Field(min_length=1)]
    project_manager: Person | None = None
    sponsor: str = Field(description="Funding acknowledgement; may be empty but must be present.")
    topics: list[Text] = []
    related: list[Related] = []
    template_version: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Version of the cookiecutter template that generated the study.")

    @property
    def running_head(self) -> str:
        return self.short_title or self.title


_COLOR = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]


class Colors(_Model):
    """The colours series.yaml held before the brand moved to ``_brand.yml``: still read
    (with a warning; brand.py applies them) until ``casestudy upgrade`` moves them."""

    primary: _COLOR | None = None
    accent: _COLOR | None = None
    muted: _COLOR | None = None
    tint: _COLOR | None = None


class StyleRules(_Model):
    """House-style rules the series report applies to every study."""

    preferred: dict[str, str] = Field(default_factory=dict,
                                      description="Spelling to avoid -> spelling to use.")
    banned: list[str] = []
    acronyms: dict[str, str] = Field(default_factory=dict,
                                     description="Acronym -> expansion due on first use.")


class FallbackFont(_Model):
    """A font for scripts the brand fonts lack (Japanese, Arabic, ...): embedded and subset
    like the brand fonts, and placed after them in every font stack."""

    family: Text = Field(description="The family name the brief's CSS gives this font.")
    file: Text = Field(description="A .ttf or .otf file: relative to the series folder, "
                                   "or to the installed font package named in `package`.")
    package: str = Field("", description="An installed Python font package (fontpkg-*) "
                                         "that holds `file`; empty: a file of the series.")
    scripts: list[Text] = Field(default_factory=list, description=(
        "Unicode scripts this font is for (Han, Hiragana, Arabic, ...); empty: every "
        "character it has that the brand fonts lack."))
    unicode_range: str = Field("", description="Or a CSS unicode-range, e.g. U+3000-30FF.")


class CitationSettings(_Model):
    """How the series formats citations (``[@key]``) from reference lists."""

    style: str = Field("chicago-notes-bibliography-17th-edition",
                       description="A CSL style by name (the CSL style collection) or a "
                                   ".csl file in the series repository.")
    ibid: bool = Field(False, description="'Ibid.' for a source cited in the note just "
                                          "before (Chicago 17th edition prefers short notes).")
    bibliography: bool = Field(False, description="A bibliography at the back of each brief.")


class SeriesConfig(_Model):
    """The contents of ``series.yaml``: what every brief of the series shares."""

    model_config = ConfigDict(title="casestudy series.yaml")

    series_name: Text
    publisher: Text
    programme: Text
    programme_boilerplate: str = ""
    label: str = "Issue Brief"
    website: str = ""
    site_url: Annotated[str, Field(
        pattern=r"^(https?://[^\s<>\"']+)?$",
        description="Where the web edition is published (the folder of build/index.html); "
                    "makes the citation and Open Graph links absolute.")] = ""
    page_size: Literal["letter", "a4"] = "letter"
    colors: Colors | None = Field(None, description="Moved to _brand.yml (color).")
    style: StyleRules = StyleRules()
    fallback_fonts: list[FallbackFont] = []
    _root: Path | None = PrivateAttr(default=None)  # see ``root``
    _sha256: str = PrivateAttr(default="")  # see ``sha256``
    citations: CitationSettings = CitationSettings()
    labels: LabelOverrides

    @model_validator(mode="after")
    def _read_from(self, info: ValidationInfo) -> SeriesConfig:
        """The folder series.yaml was read from comes beside its data, never in it:
        ``SeriesConfig.model_validate(data, context={"root": folder})``."""
        root = (info.context or {}).get("root")
        if root is not None:
            self._root = Path(root)
        self._sha256 = (info.context or {}).get("sha256", "")
        return self

    @property
    def root(self) -> Path | None:
        """The folder series.yaml was read from (the series repository: its fallback
        font files and ``_brand.yml`` are there); None for a series not read from a
        folder. Not a key of series.yaml: neither in the schema nor in the model's dumps
        (``model_dump_json``, which the build digest and the check cache hash)."""
        return self._root

    @property
    def sha256(self) -> str:
        """The SHA-256 of series.yaml as it was read ("" for a series not read from a
        file): what a brief's manifest names, without reading the file again."""
        return self._sha256


def study_json_schema() -> dict[str, Any]:
    """JSON Schema of study.yaml, with the section list for documentation."""
    schema = StudyMeta.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$comment"] = "Sections (sections/NN-id.md): " + ", ".join(
        f"{s.filename}{'' if s.required else ' (optional)'}" for s in SECTIONS)
    return schema
