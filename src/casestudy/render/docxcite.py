"""Citations in the Word copy: each ``[@key]`` a Zotero citation field carrying its items'
CSL JSON, which Word with Zotero can edit and refresh in any style, and which pandoc's
docx reader (``+citations``, as the importer runs it) reads back as ``[@key]``.

pandoc's CommonMark reader has no citations, so a citation is found here in its words
(``[`` ``@`` key ... ``]``, each with its place) and the keys are read from the text the
author wrote there. The field shows a short author-year text until Zotero refreshes it.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from ..source.load import Study

_KEY = re.compile(r"-?@([\w][\w:.#$%&+?<>~/-]*)")
ZOTERO_SCHEMA = "https://github.com/citation-style-language/schema/raw/master/csl-citation.json"


def citation_keys(written: str) -> list[str]:
    return _KEY.findall(written)


def _leaf(node: Any) -> str | None:
    """The text of a sourcepos word (a wrapper span around one Str), else None."""
    if node.get("t") == "Span" and len(node["c"][1]) == 1 and node["c"][1][0].get("t") == "Str":
        return str(node["c"][1][0]["c"])
    return None


def citation_end(inlines: list[Any], i: int) -> int | None:
    """The index of the ``]`` closing a ``[@key...]`` citation starting at ``i``."""
    if _leaf(inlines[i]) != "[" or i + 1 >= len(inlines) or \
            _leaf(inlines[i + 1]) not in ("@", "-"):
        return None
    for j in range(i + 2, min(len(inlines), i + 200)):
        text = _leaf(inlines[j])
        if text == "]":
            return j
        if text == "[" or inlines[j].get("t") not in ("Span",):
            return None
    return None


def _short(item: dict[str, Any], key: str) -> str:
    names = item.get("author") or item.get("editor") or []
    name = ""
    if names and isinstance(names[0], dict):
        name = str(names[0].get("family") or names[0].get("literal") or "")
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    year = str(parts[0][0]) if parts and parts[0] else ""
    return " ".join(p for p in (name, year) if p) or key


def library_items(study: Study) -> dict[str, dict[str, Any]]:
    """The CSL JSON items the study may cite, by key (BibTeX entries: the key alone)."""
    items: dict[str, dict[str, Any]] = {}
    for path in study.library.files:
        if path.suffix.lower() != ".json":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # check reports it
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and "id" in item:
                items[str(item["id"])] = item
    return items


def zotero_field(keys: list[str], items: dict[str, dict[str, Any]], number: int) -> str:
    """The OpenXML runs of a Zotero citation field citing ``keys``."""
    shown = "; ".join(_short(items.get(k, {}), k) for k in keys)
    data = {"citationID": f"cs{number}",
            "properties": {"plainCitation": f"({shown})", "noteIndex": 0},
            "citationItems": [{"id": k, "uris": [], "itemData": {**items.get(k, {}), "id": k}}
                              for k in keys],
            "schema": ZOTERO_SCHEMA}
    instr = " ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(
        data, ensure_ascii=False, sort_keys=True) + " "
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve">{escape(instr)}</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t xml:space="preserve">({escape(shown)})</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')
