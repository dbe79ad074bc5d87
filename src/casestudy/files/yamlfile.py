"""Read a YAML 1.2 file into plain Python data and a map of where each value stands.

We compose the node graph ourselves instead of using a loader, so that only the
core schema is accepted (no ``!!python/...`` tags, no aliases that could expand
without bound), duplicate keys are reported with both lines, dates stay strings
for the schema to judge, and every key and value keeps its line and column.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.main import CParser
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import Problem, error

Loc = tuple[str | int, ...]
_CORE = "tag:yaml.org,2002:"
_MAX_BYTES = 1_000_000
_MAX_DEPTH = 50  # a study file nests four levels; deeper is a mistake or an attack
# a %YAML 1.1 directive would switch the parser to 1.1's coercions (yes/no/on/off)
_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)
# Characters a string value may not hold once its escapes are decoded ("\0", "\e",
# "\x07"): controls other than tab and newline, which no brief can print and a terminal
# or spreadsheet would obey, and the bidi embeddings and overrides (U+202A-U+202E),
# which reorder text invisibly; right-to-left text needs at most the marks U+200E and
# U+200F or the isolates U+2066-U+2069, which are allowed.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]")
_CONTROL_NAMES = {0x00: "NUL", 0x07: "BEL", 0x08: "BS", 0x0D: "CR", 0x1B: "ESC", 0x7F: "DEL",
                  0x9B: "CSI", 0x202D: "LEFT-TO-RIGHT OVERRIDE",
                  0x202E: "RIGHT-TO-LEFT OVERRIDE"}


@dataclass
class YamlDoc:
    """Plain data plus ``(line, col)`` of every key (``keys``) and value (``values``), 1-based."""

    path: Path
    data: Any = None
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    refused: set[Loc] = field(default_factory=set)  # values already reported (bad tag, alias)
    sha256: str = ""  # of the bytes read: what was read, without reading the file again

    def where(self, loc: Loc) -> tuple[int, int]:
        """The most precise position known for ``loc``: the value, the key, or a parent."""
        for i in range(len(loc), 0, -1):
            part = tuple(loc[:i])
            if part in self.values and i == len(loc):
                return self.values[part]
            if part in self.keys:
                return self.keys[part]
            if part in self.values:
                return self.values[part]
        return (1, 1)


def _pos(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, doc: YamlDoc):
        self.doc = doc
        self.seen: set[int] = set()

    def fail(self, node: Node, message: str, loc: Loc | None = None) -> None:
        self.doc.problems.append(error(self.doc.path, *_pos(node), message))
        if loc is not None:
            self.doc.refused.add(loc)

    def build(self, node: Node, loc: Loc) -> Any:
        if len(loc) > _MAX_DEPTH:
            self.fail(node, f"nested more than {_MAX_DEPTH} levels deep", loc)
            return None
        if id(node) in self.seen:  # an alias: already reported at its anchor
            self.doc.refused.add(loc)
            return None
        self.seen.add(id(node))
        if getattr(node, "anchor", None):
            self.fail(node, "YAML anchors and aliases are not allowed in a study file", loc)
            return None
        self.doc.values[loc] = _pos(node)
        tag = str(node.tag) if node.tag is not None else ""
        if isinstance(node, MappingNode):
            if tag != _CORE + "map":
                self.fail(node, f"tag {tag!r} is not allowed here", loc)
                return None
            return self.mapping(node, loc)
        if isinstance(node, SequenceNode):
            if tag != _CORE + "seq":
                self.fail(node, f"tag {tag!r} is not allowed here", loc)
                return None
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)  # the composer makes only these three kinds
        return self.scalar(node, tag, loc)

    def mapping(self, node: MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or str(key_node.tag) == _CORE + "merge":
                self.fail(key_node, "keys must be plain names (no merge keys, no complex keys)")
                continue
            key = str(key_node.value)
            line, col = _pos(key_node)
            if key in first_line:
                self.fail(key_node, f"duplicate key {key!r} (first defined on line "
                                    f"{first_line[key]})")
                continue
            first_line[key] = line
            self.doc.keys[(*loc, key)] = (line, col)
            out[key] = self.build(value_node, (*loc, key))
        return out

    def scalar(self, node: ScalarNode, tag: str, loc: Loc) -> Any:
        value = node.value
        if node.style == ">":  # ruamel marks the fold points of folded scalars with BEL
            value = value.replace("\a", "")
        kind = tag.removeprefix(_CORE) if tag.startswith(_CORE) else None
        if kind in ("str", "timestamp"):  # a date stays text: the schema decides
            bad = _FORBIDDEN.search(value)
            if bad:
                code = ord(bad.group())
                name = f"U+{code:04X}" + (f" ({_CONTROL_NAMES[code]})" if code in
                                          _CONTROL_NAMES else "")
                field_name = ".".join(str(p) for p in loc) or "value"
                what = "bidi override" if code >= 0x202A else "control character"
                self.fail(node, f"{field_name}: {what} {name} in the text; remove it")
            return value
        if kind == "null":
            return None
        if kind == "bool":  # only true/false: never a YAML 1.1 yes/no/on/off
            return value.lower() == "true" if value.lower() in ("true", "false") else value
        if kind == "int":
            try:
                return int(value.replace("_", ""), 0)
            except ValueError:
                return value
        if kind == "float":
            try:
                return float(value.replace("_", ""))
            except ValueError:
                return value
        self.fail(node, f"tag {tag!r} is not allowed here", loc)
        return None


def _deepest_line(text: str) -> int:
    """The line where flow brackets first nest past _MAX_DEPTH (1 if they never do)."""
    depth = 0
    for n, line in enumerate(text.splitlines(), 1):
        for char in line:
            depth += char in "[{"
            depth -= char in "]}"
            if depth > _MAX_DEPTH:
                return n
    return 1


def _open_quote(text: str, error_line: int) -> tuple[int, int] | None:
    """An unclosed quote swallows the lines after it, so the parser fails further down:
    the line and column where the first unbalanced double quote opened."""
    for n, line in enumerate(text.splitlines()[: error_line - 1], 1):
        code = line.split(" #", 1)[0].replace('\\"', "")
        if code.count('"') % 2:
            return n, code.rindex('"') + 1
    return None


def _tab_indent(text: str, error_line: int) -> tuple[int, int] | None:
    """Line and column of the first tab in the indentation up to the error (a tab may
    never indent YAML; the parser's own message for it is about "tokens")."""
    for n, line in enumerate(text.splitlines()[:error_line + 1], 1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return n, indent.index("\t") + 1
    return None


# The parser's words for common mistakes, and what they mean to an author.
_PLAIN = (
    ("mapping values are not allowed here", "a ':' that does not start a key; put a value "
     "holding ': ' in quotes"),
    ("expected ',' or ']'", "a [list] is not closed with ']', or lacks a comma"),
    ("expected ',' or '}'", "a {mapping} is not closed with '}', or lacks a comma"),
    ("expected a single document", "a second document ('---') follows the first; a study "
     "file holds one"),
    ("found unexpected end of stream", "a quote or bracket is never closed"),
    ("could not find expected ':'", "a line that is neither 'key: value' nor a '- ' list "
     "item"),
    ("expected <block end>, but found", "a line indented differently from the keys "
     "around it"),
)


def _plain(message: str) -> str:
    return next((plain for jargon, plain in _PLAIN if jargon in message), message)


_SLOW = object()


def _composer(typ: str) -> YAML:
    yaml = YAML(typ=typ)
    yaml.version = (1, 2)
    return yaml


def _fast_compose(text: str) -> Any:
    """The node graph from libyaml (ruamel.yaml.clib: ten times faster), or ``_SLOW``.

    Only plain documents take this path: no anchors, aliases, tags or directives, and
    no error. Everything else goes to ruamel's own parser, whose error messages and
    positions the reports are written for; on plain documents both give the same nodes.
    """
    if CParser is None or any(c in text for c in "&*!%"):
        return _SLOW
    try:
        return _composer("safe").compose(text)
    except (YAMLError, RecursionError):
        return _SLOW


def read_yaml(path: Path) -> YamlDoc:
    """Read ``path``; problems (syntax, tags, duplicates) land in ``doc.problems``."""
    doc = YamlDoc(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the read
            doc.problems.append(error(path, 1, 1, "not a regular file"))
            return doc
        raw = path.read_bytes()
    except OSError as exc:
        doc.problems.append(error(path, 1, 1, f"cannot read file: {exc.strerror}"))
        return doc
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    if len(raw) > _MAX_BYTES:
        doc.problems.append(error(path, 1, 1, f"file is larger than {_MAX_BYTES} bytes"))
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        doc.problems.append(error(path, line, col, "file is not valid UTF-8"))
        return doc
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        doc.problems.append(error(path, line, 1, "file contains a NUL byte"))
        return doc
    directive = _DIRECTIVE.search(text)
    if directive and directive.group(1) != "1.2":
        line = text[: directive.start()].count("\n") + 1
        doc.problems.append(error(path, line, 1, f"YAML {directive.group(1)} is not read: study "
                                                 "files are YAML 1.2; remove the %YAML line"))
        return doc
    try:
        node = _fast_compose(text)
        if node is _SLOW:
            node = _composer("rt").compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        tab = _tab_indent(text, line)
        if tab is not None:
            doc.problems.append(error(path, *tab, "invalid YAML: a tab in the indentation; "
                                                  "indent with spaces, not tabs"))
            return doc
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        quote = _open_quote(text, line)
        if quote is not None:  # located where the author must look, not where it failed
            line, col = quote
            message = "this quote is never closed"
        doc.problems.append(error(path, line, col, f"invalid YAML: {_plain(message)}"))
        return doc
    except YAMLError as exc:
        doc.problems.append(error(path, 1, 1, f"invalid YAML: {exc}"))
        return doc
    except RecursionError:  # the composer recurses once per level of nesting
        line = _deepest_line(text)
        doc.problems.append(error(path, line, 1, "invalid YAML: nested too deeply"))
        return doc
    if node is None:
        doc.data = {}
        return doc
    doc.data = _Builder(doc).build(node, ())
    return doc
