"""casestudy: build a multi-country case-study series of branded issue briefs.

The public API, in pipeline order::

    series, brand = casestudy.load_series(repo), casestudy.load_brand(repo)
    study = casestudy.load_study(Path("countries/italy"))
    problems = casestudy.check_study(study, series, brand=brand)
    casestudy.build_study(Path("countries/italy"), out=Path("build"))
    casestudy.build_series([...], Path("build"), ("pdf",), series, brand=brand)
    with casestudy.Preview(Path("countries/italy")) as preview: preview.wait()
    report = casestudy.series_report(repo)
    casestudy.new_study(repo, "Japan", code="JP", adjective="Japanese", authors=["..."])
    draft = casestudy.read_draft(Path("draft.docx"))  # a Word draft, judged and read
    casestudy.import_draft(repo, draft, name="Japan", adjective="Japanese")
    result, root = casestudy.verify_pdf(Path("build/italy.pdf"), None, repo)

A series always has a brand: ``load_brand(repo)`` (the package's neutral brand when
the series has no ``_brand.yml``); what checks, renders or builds takes it as given.
Only ``build_study`` reads the series and its brand itself when not given them.

Names are imported when first used: ``check`` must not pay for the builder (WeasyPrint
costs half a second) nor a no-op ``build`` for the Markdown parser.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

_HOME = {
    "CasestudyError": "errors", "Problem": "errors",
    "SECTIONS": "source.schema", "SeriesConfig": "source.schema", "StudyMeta": "source.schema",
    "Study": "source.load", "find_repo": "source.load", "load_series": "source.load",
    "load_study": "source.load", "resolve_studies": "source.load",
    "check_study": "check.study", "check_paths": "check.study",
    "build_study": "series.build", "build_series": "series.build", "write_site": "web.site",
    "Preview": "preview.session",
    "new_study": "scaffold.new", "upgrade_study": "scaffold.upgrade",
    "init_series": "scaffold.series",
    "load_brand": "brand.load",
    "series_report": "series.report", "verify_pdf": "series.verify",
    "read_draft": "word.draft", "import_draft": "word.importer",
}
__all__ = [
    "SECTIONS", "CasestudyError", "Preview", "Problem", "SeriesConfig", "Study", "StudyMeta",
    "__version__", "build_series", "build_study", "check_paths", "check_study", "find_repo",
    "init_series", "load_brand", "load_series", "load_study", "new_study", "resolve_studies",
    "import_draft", "read_draft", "series_report", "upgrade_study", "verify_pdf",
    "write_site",
]

if TYPE_CHECKING:
    from .brand.load import load_brand
    from .check.study import check_paths, check_study
    from .errors import CasestudyError, Problem
    from .preview.session import Preview
    from .scaffold.new import new_study
    from .scaffold.series import init_series
    from .scaffold.upgrade import upgrade_study
    from .series.build import build_series, build_study
    from .series.report import series_report
    from .series.verify import verify_pdf
    from .source.load import Study, find_repo, load_series, load_study, resolve_studies
    from .source.schema import SECTIONS, SeriesConfig, StudyMeta
    from .web.site import write_site
    from .word.draft import read_draft
    from .word.importer import import_draft


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value
