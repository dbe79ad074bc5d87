"""The house: the import-linter contract in pyproject.toml holds, catches an upward
import, and the diagram in docs/architecture.md is the one the code draws today."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "docs"))
from make_architecture import diagram, package_imports  # noqa: E402

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(repo: Path) -> subprocess.CompletedProcess:
    """lint-imports over the package in ``repo/src``, with ``repo``'s contract."""
    env = {**os.environ, "PYTHONPATH": str(repo / "src")}
    return subprocess.run([str(LINT), "--config", str(repo / "pyproject.toml"), "--no-cache"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "src" / "casestudy", tmp_path / "src" / "casestudy",
                    ignore=shutil.ignore_patterns("__pycache__", "branding"))
    shutil.copyfile(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_package_keeps_the_contract(copy):
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_one_upward_import_breaks_the_contract(copy):
    """The reading of files reaching up into the series build: a layer and a circle."""
    write = copy / "src" / "casestudy" / "files" / "write.py"
    write.write_text(write.read_text() + "\nfrom ..series import build  # noqa\n")
    result = _lint(copy)
    assert result.returncode != 0
    assert "casestudy.files is not allowed to import casestudy.series" in result.stdout
    assert "Contracts: 0 kept, 2 broken." in result.stdout


def test_no_package_imports_one_above_it():
    """What the diagram draws: every arrow between packages points down the layers."""
    order = ["files", "source", "brand", "check", "render", "web", "series", "preview",
             "scaffold"]
    for importer, imported in package_imports():
        if importer in order and imported in order:
            assert order.index(imported) < order.index(importer), (importer, imported)


def test_the_diagram_in_the_docs_is_the_codes():
    page = (REPO / "docs" / "architecture.md").read_text("utf-8")
    assert diagram() in page, "docs/architecture.md: run python docs/make_architecture.py"


def test_check_and_help_never_import_weasyprint():
    """What the imports kept inside functions buy: the commands that need no renderer
    start without it (a fresh interpreter each, as a person runs them)."""
    for args in (["check", str(REPO / "countries" / "italy")], ["--help"], ["series", "--help"]):
        code = ("import runpy, sys\nsys.argv = ['casestudy', *sys.argv[1:]]\n"
                "try:\n    runpy.run_module('casestudy', run_name='__main__')\n"
                "except SystemExit:\n    pass\n"
                "print('weasyprint' in sys.modules, 'casestudy.render.pdf' in sys.modules)\n")
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                                text=True, cwd=REPO, timeout=120)
        assert result.stdout.split()[-2:] == ["False", "False"], (args, result.stderr)


def test_every_package_ships_in_the_wheel():
    """A package left out of pyproject.toml's list is left out of the wheel (the word
    and cli packages were, until CI's wheel check said so): every folder of the source
    with an __init__.py is named there."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
                 ["tool"]["setuptools"]["packages"])
    source = REPO / "src"
    found = {".".join(p.parent.relative_to(source).parts)
             for p in (source / "casestudy").rglob("__init__.py")}
    assert found - listed == set()
