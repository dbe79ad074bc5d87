"""The template's section stubs, generated from the schema, and its drift from the schema.

The section stubs in the template are generated from the schema (:func:`stub_source`)
and committed; :func:`template_drift` says where the template and the schema disagree.
After a change of the schema, regenerate them with
``CASESTUDY_REGEN=1 python -m pytest tests/scaffold/test_scaffold.py`` and review the diff.
"""

from __future__ import annotations

import tempfile
from dataclasses import fields
from pathlib import Path

from ..files.yamlfile import read_yaml
from ..source.load import STUDY_FILE
from ..source.schema import SECTIONS, TEMPLATE_VERSION, Author, Country, SectionSpec, StudyMeta
from .template import PROJECT, Answers, cookiecutter_json, render_study_yaml, template_root

_ADJECTIVE = "{{ cookiecutter.adjective }}"


def _literal(text: str) -> str:
    """Schema text as Jinja source that renders to itself."""
    if any(mark in text for mark in ("{{", "{%", "{#")):
        return "{% raw %}" + text + "{% endraw %}"
    return text


EXAMPLE_FIGURE = "example-chart.svg"  # in the template's figures/, so the stub builds
# One example of a block in the stub of the section that uses it most.
EXAMPLES = {
    "imperative": ("::: pullquote\nTODO: the one sentence of this section worth setting "
                   "large.\n:::"),
    "relationship": ("::: figure\n![TODO: what the chart shows, for readers who cannot see "
                     f"it](../figures/{EXAMPLE_FIGURE})\n\nCaption: TODO: US-{_ADJECTIVE} "
                     "defense trade, 2015-2025.\n\nSource: TODO: where the data come from."
                     "\n:::"),
    "ownership": ("::: table\nCaption: TODO: acquisitions across the border since 2015."
                  "\n\n| Year | Buyer | Firm bought | Value (US$ m) |\n| --- | --- | --- | "
                  "--: |\n| TODO | TODO | TODO | TODO |\n\nSource: TODO: where the figures "
                  "come from.\n:::"),
}

CHART_EXAMPLE = """<!-- To show a chart drawn from data (docs/authors.md), put its CSV in figures/
and delete these two lines and the last line of this example.

::: chart
data: ../figures/trade.csv
type: line
x: year
y: us_exports, us_imports
legend: US exports, US imports
title: Defense trade with the United States, 2015-2025
unit: Millions of US dollars

Caption: What the reader should see in the chart, in one sentence.

Source: Who published the data, and where.
:::
-->"""


def stub_source(spec: SectionSpec) -> str:
    """The template source of the stub for ``spec``: heading, guidance, shape, a footnote."""
    heading = _literal(spec.heading).replace("{adjective}", _ADJECTIVE) if "{adjective}" in \
        spec.heading else _literal(spec.heading)
    note = f"{spec.id}-source"
    guidance = (f"TODO (guidance; delete this paragraph once the section is written): "
                f"{_literal(spec.purpose)} It should run to {spec.min_words:,}-"
                f"{spec.max_words:,} words.")
    if not spec.required:
        guidance += " This section is optional: delete the file if the study does not need it."
    example = (f"TODO: write the section here. A claim that needs a source ends with a "
               f"footnote like this one.[^{note}]")
    if spec.id == "summary":  # the checker wants a bulleted list
        body = "\n".join(f"- TODO: the {n} key point, in one or two sentences."
                         + (f"[^{note}]" if n == "first" else "")
                         for n in ("first", "second", "third", "fourth"))
    elif spec.id == "sectors":  # ... and one `##` subsection per sector
        body = (f"## TODO: the first sector, for example land systems\n\n{example}\n\n"
                "## TODO: the second sector, for example combat aircraft\n\n"
                "TODO: who builds what for whom, and why it matters.")
    elif spec.id in EXAMPLES:  # the block this section uses most, as a pattern to copy
        body = f"{example}\n\n{EXAMPLES[spec.id]}"
        if spec.id == "relationship":  # where trade and budget figures go: a chart too
            body += f"\n\n{CHART_EXAMPLE}"
    elif spec.id == "recommendations":
        body = (f"1. TODO: a recommendation for Washington.[^{note}]\n"
                f"2. TODO: a recommendation for the {_ADJECTIVE} government.\n"
                f"3. TODO: a recommendation for {_ADJECTIVE} and American industry.")
    else:
        body = example
    source = ("TODO: Author, *Title of the source* (Publisher, 2025), page; or the "
              "address of a web page, https://www.example.org/report.")
    return f"# {heading}\n\n{guidance}\n\n{body}\n\n[^{note}]: {source}\n"


def write_stubs(root: Path | None = None) -> list[Path]:
    """(Re)write the template's section stubs from the schema; remove stubs of no section."""
    sections = (root or template_root()) / PROJECT / "sections"
    sections.mkdir(parents=True, exist_ok=True)
    wanted = {spec.filename: stub_source(spec) for spec in SECTIONS}
    for stale in sections.glob("*.md"):
        if stale.name not in wanted:
            stale.unlink()
    for name, text in wanted.items():
        (sections / name).write_text(text, encoding="utf-8")
    return [sections / name for name in wanted]


def template_drift(root: Path | None = None) -> list[str]:
    """Every disagreement between the template and the schema; empty when they agree."""
    root = root or template_root()
    out = []
    sections = root / PROJECT / "sections"
    present = {p.name for p in sections.glob("*")} if sections.is_dir() else set()
    for spec in SECTIONS:
        path = sections / spec.filename
        if spec.filename not in present:
            out.append(f"section {spec.id!r} has no stub (expected sections/{spec.filename})")
        elif path.read_text(encoding="utf-8") != stub_source(spec):
            out.append(f"sections/{spec.filename} differs from the stub the schema gives")
    for name in sorted(present - {spec.filename for spec in SECTIONS}):
        out.append(f"sections/{name} is a stub of no section in the schema")
    config = cookiecutter_json(root)
    keys = [k for k in config if not k.startswith("_")]
    if keys != [f.name for f in fields(Answers)]:
        out.append(f"cookiecutter.json variables {keys} are not the answers casestudy asks for")
    if config.get("_template_version") != TEMPLATE_VERSION:
        out.append(f"cookiecutter.json _template_version {config.get('_template_version')!r} "
                   f"is not TEMPLATE_VERSION {TEMPLATE_VERSION}")
    sample = Answers("Norway", "NO", "Norwegian", "norway", "Title", "Subtitle",
                     ("A. Author", "B. Author"), "2026-01-02", 3)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / STUDY_FILE
        path.write_text(render_study_yaml(sample, root), encoding="utf-8")
        data = read_yaml(path).data or {}
    for where, model, keys_found in (
        ("study.yaml", StudyMeta, data), ("study.yaml country", Country, data.get("country")),
        ("study.yaml authors", Author, (data.get("authors") or [{}])[0]),
    ):
        expected, found = set(model.model_fields), set(keys_found or {})
        for key in sorted(expected - found):
            out.append(f"{where} lacks the schema's key {key!r}")
        for key in sorted(found - expected):
            out.append(f"{where} has {key!r}, which the schema does not know")
    return out

