"""casestudy: build a multi-country case-study series of branded issue briefs.

The public API, in pipeline order::

    study = casestudy.load_study(Path("countries/italy"))
    problems = casestudy.check_study(study)
    casestudy.build_study(Path("countries/italy"), out=Path("build"))
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .check import check_study
from .errors import CasestudyError, Problem
from .load import Study, find_repo, load_series, load_study, resolve_studies
from .schema import SECTIONS, SeriesConfig, StudyMeta

try:
    __version__ = version("casestudy")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

__all__ = [
    "SECTIONS", "CasestudyError", "Problem", "SeriesConfig", "Study", "StudyMeta",
    "__version__", "build_study", "check_study", "find_repo", "load_series", "load_study",
    "resolve_studies",
]


def __getattr__(name: str) -> object:
    # the build pulls in WeasyPrint (half a second): only import it when asked for
    if name == "build_study":
        from .build import build_study

        return build_study
    raise AttributeError(name)
