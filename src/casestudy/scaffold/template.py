"""The study template: where it is, the answers it is rendered with, its Jinja environment.

The template (``template/`` in the repository, ``casestudy/template/`` in the wheel)
is an ordinary cookiecutter template, so ``cookiecutter template/`` works on its own;
its variables are the fields of :class:`Answers`, in cookiecutter.json's order.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from cookiecutter.utils import create_env_with_context
from jinja2 import FileSystemLoader

from ..errors import ScaffoldError
from ..source.load import STUDY_FILE
from ..source.schema import TEMPLATE_VERSION

PROJECT = "{{cookiecutter.slug}}"


def packaged_template(inside: str, outside: str, what: str) -> Path:
    """A cookiecutter template: ``inside`` the installed package, or ``outside`` it at
    the top of the source tree (where cookiecutter users look for it)."""
    here = Path(__file__).resolve().parent.parent  # the package
    for candidate in (here / inside, here.parent.parent / outside):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise ScaffoldError(f"the {what} template is missing from this installation of casestudy",
                        here / inside)


def template_root() -> Path:
    """The cookiecutter template of a study."""
    return packaged_template("template", "template", "study")


def cookiecutter_json(root: Path | None = None) -> dict[str, Any]:
    """The template's cookiecutter.json: its variables with their defaults, and prompts."""
    path = (root or template_root()) / "cookiecutter.json"
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=OrderedDict)


@dataclass(frozen=True)
class Answers:
    """What a new study needs; the field names and order are cookiecutter.json's variables."""

    country: str
    code: str
    adjective: str
    slug: str
    title: str
    subtitle: str
    authors: tuple[str, ...]
    date: str
    series_number: int

    def variables(self) -> OrderedDict[str, Any]:
        """The cookiecutter context: these answers as strings, plus the private keys."""
        out: OrderedDict[str, Any] = OrderedDict()
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = "; ".join(value) if f.name == "authors" else str(value)
        out["_template_version"] = TEMPLATE_VERSION
        return out


@functools.lru_cache(maxsize=4)  # compiled templates are kept: upgrade and tests render many
def template_environment(root: Path) -> Any:
    """cookiecutter's own Jinja environment (its extensions), loading the study folder."""
    env = create_env_with_context({"cookiecutter": cookiecutter_json(root)})
    env.loader = FileSystemLoader(str(root / PROJECT))
    return env


def render_study_yaml(answers: Answers, root: Path | None = None) -> str:
    """The study.yaml the template gives for ``answers`` (as ``new`` would write it)."""
    env = template_environment(root or template_root())
    return str(env.get_template(STUDY_FILE).render(cookiecutter=answers.variables()))
