"""The draft's citation items merged into the study's CSL JSON reference list.

Reference managers give their items opaque ids (Zotero 101, Mendeley ITEM-1, EndNote's
record number); each gets a readable key, family name and year (``park2023``), as the
series writes them. An item the study already has (same title, year and first author)
keeps the study's key; a key that the study uses for another item is renamed
(``park2023a``) and reported. Existing entries are kept as they are.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_KEY_CHARS = re.compile(r"[^\w]+")


def _identity(item: dict[str, Any]) -> tuple[str, str, str]:
    authors = item.get("author") or item.get("editor") or [{}]
    first = authors[0] if isinstance(authors, list) and authors else {}
    family = str(first.get("family") or first.get("literal") or "") if isinstance(first, dict) \
        else ""
    return (" ".join(str(item.get("title", "")).casefold().split()), _year(item),
            family.casefold())


def _year(item: dict[str, Any]) -> str:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts") or [[]]
        if parts and parts[0]:
            return str(parts[0][0])
        return str(issued.get("raw", issued.get("literal", "")))[:4]
    return str(issued or "")[:4]


def readable_key(item: dict[str, Any]) -> str:
    """``family`` + ``year`` in lower case, letters of any script kept (김2021)."""
    _title, year, family = _identity(item)
    base = unicodedata.normalize("NFKC", family.split()[-1] if family else "")
    base = _KEY_CHARS.sub("", base.casefold()) or "item"
    if not base[0].isalpha():
        base = "item" + base
    return base + (re.sub(r"\D", "", year) or "nd")


def merge(existing: list[dict[str, Any]], draft: list[dict[str, Any]]
          ) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    """The merged list, the draft's ids -> keys, and report lines for renamed keys."""
    merged = list(existing)
    by_key = {str(item.get("id")): item for item in existing}
    by_identity = {_identity(item): str(item.get("id")) for item in existing}
    keys: dict[str, str] = {}
    said: list[str] = []
    for item in draft:
        old = str(item.get("id"))
        if old in keys:
            continue
        same = by_identity.get(_identity(item))
        if same is not None:
            keys[old] = same
            continue
        wanted = key = readable_key(item)
        suffix = 0
        while key in by_key:
            key = wanted + "abcdefghijklmnopqrstuvwxyz"[suffix % 26] * (1 + suffix // 26)
            suffix += 1
        if key != wanted and wanted in {str(e.get("id")) for e in existing}:
            said.append(f"citation key {wanted} is already used by another item of the "
                        f"study's references: this draft's \"{item.get('title', '')}\" is "
                        f"{key}")
        entry = {**item, "id": key}
        merged.append(entry)
        by_key[key] = entry
        by_identity[_identity(item)] = key
        keys[old] = key
    return merged, keys, said
