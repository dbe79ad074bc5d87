"""Editing series.yaml and _brand.yml in place, for ``upgrade``'s moves between them.

series.yaml loses a top-level block as text (its other lines, comments included, stay
byte for byte) and is read back to prove that nothing else changed; _brand.yml is
edited as a round-trip mapping, so that its comments and quoting survive.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from ..errors import ScaffoldError
from ..files.yamlfile import read_yaml


def brand_for_edit(brand_path: Path, yaml: Any) -> tuple[bytes | None, Any, Any]:
    """_brand.yml as it is (its bytes, None when there is none), as read for its places,
    and as a round-trip mapping to edit; a file that does not read cleanly as a mapping
    is the author's to fix first."""
    if not brand_path.is_file():
        return None, None, CommentedMap()
    before = brand_path.read_bytes()
    brand_doc = read_yaml(brand_path)
    brand = yaml.load(before.decode("utf-8")) or CommentedMap()
    if brand_doc.problems or not isinstance(brand, dict):
        raise ScaffoldError("fix _brand.yml first (casestudy check)", brand_path)
    return before, brand_doc, brand


def only_without(series_path: Path, before: dict[str, Any], series_text: str,
                 key: str) -> None:
    """``series_text`` reads as ``before`` without ``key``: nothing else moved."""
    if read_yaml_text(series_text) != {k: v for k, v in before.items() if k != key}:
        raise ScaffoldError(f"moving {key} would change other series.yaml keys; "
                            "move them by hand", series_path)


def round_trip() -> Any:
    """A round-trip YAML reader and writer that keeps comments and quotes."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def without_block(text: str, line: int) -> str:
    """``text`` without the top-level block whose key is on ``line`` (1-based): its
    indented lines go; blank and comment lines after it stay with the next key."""
    lines = text.splitlines(keepends=True)
    start = end = line - 1
    last = start
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if stripped and not lines[i][0].isspace() and not stripped.startswith("#"):
            break
        if stripped and lines[i][0].isspace():
            last = i
    end = last + 1
    return "".join(lines[:start] + lines[end:])


def read_yaml_text(text: str) -> Any:
    """YAML text as plain data (for comparing a file before and after an edit)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.yaml"
        path.write_text(text, "utf-8")
        return read_yaml(path).data
