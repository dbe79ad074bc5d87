"""CSS inside an SVG figure (``<style>`` and style-bearing attributes), judged through
tinycss2 after it has decoded its escapes, and what is kept written out again.

Refused (an error): brackets nested too deep, a fetch of anything but a ``#fragment``,
``@import``. Removed with a warning: ``expression()`` and properties that run code,
``@font-face``, nested rules, unknown at-rules, what cannot be parsed.
"""

from __future__ import annotations

# Not imported lazily: every command that sanitizes a figure has tinycss2 loaded
# already (`casestudy check` reads the brand's colours with it, WeasyPrint uses it).
import tinycss2

from ..errors import ERROR, WARNING
from .svgfindings import Notes, short
from .svgrules import CODE_PROPERTIES, FETCHING, MAX_CSS_DEPTH


def _too_deep(css: str) -> bool:
    depth = deepest = 0
    for char in css:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    return deepest > MAX_CSS_DEPTH


def _at(start: tuple[int, int], node: object) -> tuple[int, int]:
    """The figure's line:col of a tinycss2 node inside text that starts at ``start``."""
    line, col = getattr(node, "source_line", 1), getattr(node, "source_column", 1)
    return (start[0] + line - 1, start[1] + col - 1 if line == 1 else col)


def _judge_tokens(tokens: list, start: tuple[int, int], what: str, notes: Notes) -> None:
    """Any fetch among ``tokens`` (url(), image-set("..."), ...) that is not a #fragment."""
    todo: list[tuple[object, bool]] = [(t, False) for t in tokens]
    while todo:
        token, fetching = todo.pop()
        kind = getattr(token, "type", "")
        ref = None
        if kind == "url" or (kind == "string" and fetching):
            ref = str(token.value).strip()  # type: ignore[attr-defined]
        elif kind == "function":
            name = token.lower_name  # type: ignore[attr-defined]
            todo.extend((t, name in FETCHING) for t in token.arguments)  # type: ignore
        elif kind in ("() block", "[] block", "{} block"):
            todo.extend((t, fetching) for t in token.content)  # type: ignore[attr-defined]
        if ref is not None and not (ref.startswith("#") and len(ref) > 1):
            notes.add(ERROR, *_at(start, token), f"{what} refers to {short(ref)}; an SVG "
                                                 "figure must be self-contained (only "
                                                 "#fragment references)")


def _runs_code(tokens: list) -> bool:
    """Old IE's expression() anywhere among ``tokens`` (it runs script)."""
    todo = list(tokens)
    while todo:
        token = todo.pop()
        if getattr(token, "type", "") == "function":
            if token.lower_name == "expression":
                return True
            todo.extend(token.arguments)
        elif hasattr(token, "content") and isinstance(token.content, list):
            todo.extend(token.content)
    return False


def judge_css_value(value: str, start: tuple[int, int], what: str, notes: Notes) -> bool:
    """Judge a presentation attribute's value; False when it must be removed."""
    if _too_deep(value):
        notes.add(ERROR, *start, f"{what} nests CSS brackets more than {MAX_CSS_DEPTH} deep")
        return False
    tokens = tinycss2.parse_component_value_list(value)
    if _runs_code(tokens):
        notes.add(WARNING, *start, f"removed {what}: CSS expression() runs code")
        return False
    _judge_tokens(tokens, start, what, notes)
    return True


def clean_declarations(css: str | list, start: tuple[int, int], notes: Notes,
                       what: str = "the style attribute") -> str:
    """A declaration list (a style attribute, a rule's body) with every value judged."""
    if isinstance(css, str) and _too_deep(css):
        notes.add(ERROR, *start, f"{what} nests CSS brackets more than {MAX_CSS_DEPTH} deep")
        return ""
    kept = []
    for item in tinycss2.parse_blocks_contents(css, skip_comments=True, skip_whitespace=True):
        if item.type == "declaration":
            if item.lower_name in CODE_PROPERTIES or _runs_code(item.value):
                notes.add(WARNING, *_at(start, item), f"removed the CSS property "
                                                      f"{short(item.name)} from {what}: it "
                                                      "runs code")
                continue
            _judge_tokens(item.value, start, what, notes)
            kept.append(item)
        elif item.type != "error":  # a nested rule or at-rule
            notes.add(WARNING, *_at(start, item), f"removed a nested CSS rule from {what}")
    return "; ".join(f"{d.name}: {tinycss2.serialize(d.value).strip()}"
                     + (" !important" if d.important else "") for d in kept)


def clean_stylesheet(css: str, start: tuple[int, int], notes: Notes) -> str:
    """A <style> element's text: rules and @media kept, every value judged, the rest noted."""
    if _too_deep(css):
        notes.add(ERROR, *start, f"<style> nests CSS brackets more than {MAX_CSS_DEPTH} deep")
        return ""
    out = []
    levels = [iter(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))]
    while levels:
        rule = next(levels[-1], None)
        if rule is None:
            levels.pop()
            if levels:
                out.append("}")  # the end of an @media block
            continue
        where = _at(start, rule)
        keyword = getattr(rule, "lower_at_keyword", None)
        if rule.type == "qualified-rule":
            _judge_tokens(rule.prelude, start, "a <style> selector", notes)
            body = clean_declarations(rule.content, start, notes, "<style>")
            out.append(f"{tinycss2.serialize(rule.prelude).strip()} {{ {body} }}")
        elif keyword == "import":  # whatever it names, a string or url(), even #x
            named = [t for t in rule.prelude if t.type in ("string", "url", "function")]
            ref = short(tinycss2.serialize(named[:1]).strip() if named else "")
            if named and named[0].type in ("string", "url"):
                ref = short(str(named[0].value).strip())
            notes.add(ERROR, *where, f"<style> @import refers to {ref}; an SVG figure must "
                                     "be self-contained (put the styles in its <style>)")
        elif keyword == "font-face":
            _judge_tokens(rule.content or [], start, "<style> @font-face", notes)
            notes.add(WARNING, *where, "removed a CSS @font-face rule: figures use the "
                                       "brief's fonts")
        elif keyword == "media" and rule.content is not None:
            _judge_tokens(rule.prelude, start, "<style> @media", notes)
            out.append(f"@media {tinycss2.serialize(rule.prelude).strip()} {{")
            levels.append(iter(tinycss2.parse_rule_list(rule.content, skip_comments=True,
                                                        skip_whitespace=True)))
        elif rule.type == "at-rule":
            if keyword != "charset":
                notes.add(WARNING, *where, f"removed a CSS rule {short('@' + rule.at_keyword)} "
                                           "from <style>")
        elif rule.type == "error":
            notes.add(WARNING, *where, "removed CSS that cannot be parsed")
    return "\n".join(out)
