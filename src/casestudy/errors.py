"""The project's one error family and the Problem record.

Every problem a user can cause is reported as ``path:line:col: severity: message``.
Library code collects :class:`Problem` records and raises a :class:`CasestudyError`
subclass only when it cannot go on; the CLI catches the base class and prints it
instead of a traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"
INFO = "info"  # the series report's notes: worth a manager's look, never a failure


def display_path(path: Path | str) -> str:
    """A path as a user wants to read it: relative to the working folder when inside it."""
    return _display(str(path), os.getcwd())


@functools.lru_cache(maxsize=256)
def _display(name: str, cwd: str) -> str:
    # a study's problems share a few files: 10,000 of them took 0.7 s of path arithmetic
    path = Path(name)
    try:
        inside = path.is_absolute() and Path(cwd) in path.parents
        return os.path.relpath(path, cwd) if inside else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


# What could steer a terminal or hide the text around it: C0 controls (but tab and
# newline), DEL, C1 controls (U+009B is a one-character CSI), the bidirectional
# embeddings, overrides and isolates (which reorder the rest of a line), and the
# surrogates that stand for undecodable bytes 0x80-0x9F of a file name.
UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
                               "\udc80-\udc9f]")
_UNSAFE_LINE = re.compile(UNSAFE_CHARACTERS.pattern[:-1] + "\n]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDC9F:  # the byte itself, as surrogateescape kept it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, lines: bool = True) -> str:
    """``text`` safe to print: every character that a terminal would act on (ESC, BEL,
    CR, ...) or that reorders a line is shown as its escape (``\\x1b``, ``\\u202e``).

    This is the one filter for every message the command line prints. With ``lines``
    false a newline is shown as ``\\x0a`` too, so one problem stays on one line.
    """
    return (UNSAFE_CHARACTERS if lines else _UNSAFE_LINE).sub(_visible, text)


class PrintableFormatter(logging.Formatter):
    """A logging formatter that passes every record (and traceback) through printable."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


@dataclass(frozen=True, order=True)
class Problem:
    """One located finding: an error stops a build, a warning does not (unless --strict)."""

    path: str
    line: int
    col: int
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def error(path: Path | str, line: int, col: int, message: str) -> Problem:
    return Problem(str(path), line, col, ERROR, message)


def warning(path: Path | str, line: int, col: int, message: str) -> Problem:
    return Problem(str(path), line, col, WARNING, message)


def info(path: Path | str, line: int, col: int, message: str) -> Problem:
    return Problem(str(path), line, col, INFO, message)


class CasestudyError(Exception):
    """Base of every error a user can cause; carries the file and line it is about."""

    def __init__(self, message: str, path: Path | str | None = None, line: int = 1, col: int = 1):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.col = col

    def __str__(self) -> str:
        if self.path is None:
            return f"error: {self.message}"
        return f"{display_path(self.path)}:{self.line}:{self.col}: error: {self.message}"


class StudyNotFound(CasestudyError):
    """Raised when a STUDY argument names no study folder."""


class ProblemsFound(CasestudyError):
    """Raised when a study has errors and so cannot be built; carries every problem."""

    def __init__(self, problems: list[Problem]):
        first = next((p for p in problems if p.is_error), problems[0])
        super().__init__(first.message, first.path, first.line, first.col)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class BuildError(CasestudyError):
    """Raised when rendering or writing an output fails; the previous output is kept."""


class UnsafeTarget(CasestudyError):
    """Raised when an output would be written through a symbolic link (or over a FIFO,
    device or folder): a hostile repository could aim it anywhere. Nothing is written."""


class ScaffoldError(CasestudyError):
    """Raised when `new` or `upgrade` cannot create or update a study; nothing is written."""


class ConfigError(CasestudyError):
    """Raised when series.yaml is missing or invalid."""
