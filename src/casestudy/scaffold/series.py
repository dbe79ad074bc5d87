"""A new series repository from the series template (``casestudy init``).

The series template (``series-template/`` in the repository, ``casestudy/series_template/``
in the wheel) is generated as ``new`` generates a study: through cookiecutter's library
functions, without hooks, into a hidden folder that is read back and then moved into
place, never over anything.
"""

from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from pathlib import Path

from cookiecutter.generate import generate_files

from ..brand.load import load_brand
from ..errors import ScaffoldError
from ..files.folders import remove_tree
from ..source.load import load_series
from .template import packaged_template

SERIES_QUESTIONS = ("name", "publisher", "programme", "page_size")


def series_template_root() -> Path:
    """The cookiecutter template of a series repository (``casestudy init``)."""
    return packaged_template("series_template", "series-template", "series")


def series_defaults() -> dict[str, str]:
    """The prompts and defaults of the series template (its cookiecutter.json)."""
    config = json.loads((series_template_root() / "cookiecutter.json").read_text("utf-8"))
    return {key: (config[key][0] if isinstance(config[key], list) else config[key])
            for key in SERIES_QUESTIONS}


def series_prompts() -> dict[str, str]:
    config = json.loads((series_template_root() / "cookiecutter.json").read_text("utf-8"))
    return dict(config.get("__prompts__", {}))


def _series_text(key: str, value: str | None) -> str:
    if value is None or not value.strip():
        raise ScaffoldError(f"--{key.replace('_', '-')} is required (or answer the prompt)")
    value = unicodedata.normalize("NFC", value.strip())
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise ScaffoldError(f"--{key.replace('_', '-')} must be one line of text, without "
                            "control characters")
    return value


def page_size_answer(value: str) -> str:
    size = value.strip().lower()
    if size not in ("letter", "a4"):
        raise ScaffoldError(f"--page-size must be letter or a4, not {value!r}")
    return size


def init_series(target: Path, name: str | None = None, publisher: str | None = None,
                programme: str | None = None, page_size: str | None = "letter") -> Path:
    """Create a series repository in ``target`` from the series template; never over files.

    ``target`` must not exist or be an empty folder. Rendered into a hidden folder
    beside it, read back (series.yaml and _brand.yml must load), then moved into place.
    """
    answers = {"name": _series_text("name", name),
               "publisher": _series_text("publisher", publisher),
               "programme": _series_text("programme", programme),
               "page_size": page_size_answer(page_size or "")}
    target = Path(target).absolute()
    refuse_occupied(target)
    existed = target.is_dir()  # an empty folder: work inside it (its parent may be closed)
    if not existed:
        target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target if existed else target.parent, prefix=".init-"))
    try:
        context = {**answers, "folder": "series"}
        made = Path(generate_files(repo_dir=str(series_template_root()), output_dir=str(work),
                                   context={"cookiecutter": context}, accept_hooks=False))
        load_series(made)
        load_brand(made)
        refuse_occupied(target, work)  # again: something may have appeared meanwhile
        if existed:
            for child in sorted(made.iterdir()):
                os.rename(child, target / child.name)
        else:
            os.rename(made, target)
    finally:
        remove_tree(work)
    return target


def refuse_occupied(target: Path, ours: Path | None = None) -> None:
    """Refuse a target that is a file, a link, or a folder with anything in it
    (``ours``: init's own work folder, inside an empty target)."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ScaffoldError("this exists and is not a folder; init writes a new series "
                            "repository only into a new or empty folder", target)
    if target.is_dir():
        present = sorted(p.name for p in target.iterdir() if p != ours)
        if present:
            shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
            raise ScaffoldError(f"the folder is not empty ({shown}); init never overwrites: "
                                "choose a new or empty folder", target)
