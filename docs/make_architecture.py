"""Draw the house: which package imports which, read from the code, as a Mermaid diagram
in docs/architecture.md (between its two marker lines), so the picture cannot drift.

    python docs/make_architecture.py          # rewrite the diagram in the page
    python docs/make_architecture.py --print  # print it

tests/house/test_architecture.py fails when the page's diagram is not the one the code draws.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "casestudy"
PAGE = REPO / "docs" / "architecture.md"
BEGIN = "<!-- the diagram: made by docs/make_architecture.py, do not edit -->"
END = "<!-- end of the diagram -->"
# the stages in the order data flows, top of the page first; cli sits above them all
LAYERS = ["cli", "word", "scaffold", "preview", "series", "web", "render", "check", "brand",
          "source", "files"]
LEAVES = {"errors", "version", "parallel", "__init__", "__main__"}


def _owner(module: Path) -> str:
    """The package (or top-level module) a file belongs to: files, source, ..., cli."""
    parts = module.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _target(module: Path, node: ast.ImportFrom) -> str | None:
    """The top-level part of casestudy an ``import from`` names, if it is ours."""
    if node.level == 0:
        name = node.module or ""
        if not name.startswith("casestudy."):
            return None
        return name.split(".")[1]
    here = list(module.relative_to(PACKAGE).with_suffix("").parts[:-1])
    up = node.level - 1
    if up > len(here):
        return None
    base = here[:len(here) - up] if up else here
    parts = base + (node.module.split(".") if node.module else [])
    if not parts:  # from .. import x (x a package or module of casestudy)
        return node.names[0].name
    return parts[0]


def package_imports() -> set[tuple[str, str]]:
    """(importer, imported) for every import between two parts of casestudy."""
    edges = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        owner = _owner(path)
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom):
                target = _target(path, node)
                if target and target != owner and (PACKAGE / target).exists() or (
                        target and (PACKAGE / f"{target}.py").exists() and target != owner):
                    edges.add((owner, target))
    return edges


def diagram() -> str:
    """The Mermaid flowchart: the stages top to bottom, an arrow from each importer to
    what it imports (the leaves every stage may use are left out)."""
    edges = sorted((a, b) for a, b in package_imports() if a not in LEAVES and b not in LEAVES)
    lines = [BEGIN, "```mermaid", "flowchart TB"]
    lines += [f"    {name}" for name in LAYERS]
    lines += [f"    {a} --> {b}" for a, b in sorted(
        edges, key=lambda e: (LAYERS.index(e[0]), LAYERS.index(e[1])))]
    lines += ["```", END]
    return "\n".join(lines)


def main() -> int:
    drawn = diagram()
    if "--print" in sys.argv:
        print(drawn)
        return 0
    page = PAGE.read_text("utf-8")
    start, end = page.index(BEGIN), page.index(END) + len(END)
    PAGE.write_text(page[:start] + drawn + page[end:], "utf-8")
    print(f"wrote the diagram in {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
