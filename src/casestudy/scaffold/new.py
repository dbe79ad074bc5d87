"""Start a study from the cookiecutter template (``casestudy new``): all or nothing.

``casestudy new`` drives the template (see :mod:`.template`) through cookiecutter's
library functions rather than its ``cookiecutter()`` entry point, because that one reads
``~/.cookiecutterrc``, writes a replay file into HOME and runs hooks; here only the
vendored template is used, no user configuration is read, nothing is written outside
``countries/`` and answers are never rendered as Jinja (a title ``{{ 7*7 }}`` stays
``{{ 7*7 }}``).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

from cookiecutter.generate import generate_files

from ..brand.load import default_brand
from ..check.study import check_study
from ..errors import ScaffoldError
from ..files.folders import remove_tree
from ..files.write import check_target
from ..source.load import COUNTRIES, load_study
from .answers import make_answers
from .template import template_root

# the hidden folder `new` works in (tempfile.mkdtemp's names), and when a left one is dead
_WORK = re.compile(r"\.new-[a-z0-9-]+-[a-z0-9_]{8}")
_WORK_STALE_SECONDS = 3600


def new_study(repo: Path, name: str, **given: Any) -> Path:
    """Create ``countries/<slug>/`` from the template; all or nothing, never over a study.

    Rendered into a hidden folder beside the target, checked, then renamed into place.
    """
    answers = make_answers(repo, name, **given)
    countries = Path(repo) / COUNTRIES
    target = countries / answers.slug
    check_target(countries, (repo,), folder=True)  # a link would put the study elsewhere
    countries.mkdir(exist_ok=True)
    _remove_dead_work(countries)
    work = Path(tempfile.mkdtemp(dir=countries, prefix=f".new-{answers.slug}-"))
    try:
        made = Path(generate_files(repo_dir=str(template_root()), output_dir=str(work),
                                   context={"cookiecutter": answers.variables()},
                                   accept_hooks=False))
        # the template's study, as a study of no series and without the glyph rule: no
        # brand is judged (a series' broken _brand.yml is check's to report, not new's)
        made_study = load_study(made)
        errors = [p for p in check_study(made_study, glyphs=False, brand=default_brand())
                  if p.is_error]
        if errors:  # a bug of the template, not of the answers: say where
            raise ScaffoldError(f"the template made a study with errors: {errors[0]}")
        if target.exists() or target.is_symlink():
            raise ScaffoldError(f"{COUNTRIES}/{answers.slug} appeared while generating; "
                                "nothing was written")
        os.rename(made, target)
    finally:
        remove_tree(work)
    return target


def _remove_dead_work(countries: Path) -> None:
    """Remove what a ``new`` that was killed (kill -9, power loss) left: its hidden work
    folder. Only folders named as ``new`` names them, and over an hour old (a live run
    takes a second), so no folder of an author's is touched."""
    for folder in countries.glob(".new-*"):
        try:
            info = folder.lstat()
            if (_WORK.fullmatch(folder.name) and folder.is_dir() and not folder.is_symlink()
                    and time.time() - info.st_mtime > _WORK_STALE_SECONDS):
                remove_tree(folder)
        except OSError:
            pass
