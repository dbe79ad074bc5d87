"""What the SVG sanitizer reports: findings at the figure's ``line:col``, gathered once
per message, and the exception that refuses a figure outright."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """A problem at ``line:col`` of the figure; an error refuses it, a warning notes a removal."""

    line: int
    col: int
    severity: str
    message: str


class Refuse(Exception):
    """The figure cannot be judged or depends on something outside itself: stop here."""

    def __init__(self, line: int, col: int, message: str):
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def short(ref: str) -> str:
    """A reference as a message quotes it: in quotes, cut to 60 characters."""
    return repr(ref if len(ref) <= 60 else ref[:57] + "...")


class Notes:
    """Findings gathered once per message: the first place, and how many more."""

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], tuple[int, int]] = {}
        self.count: dict[tuple[str, str], int] = {}
        self.total = 0
        self.clean: dict[str, str] = {}  # style values already judged clean: charts repeat them

    def add(self, severity: str, line: int, col: int, message: str) -> None:
        key = (severity, message)
        self.first.setdefault(key, (line, col))
        self.count[key] = self.count.get(key, 0) + 1
        self.total += 1

    def findings(self) -> list[Finding]:
        out = []
        for (severity, message), (line, col) in self.first.items():
            more = self.count[(severity, message)] - 1
            if more:
                message += f" (and {more} more time{'s' if more > 1 else ''})"
            out.append(Finding(line, col, severity, message))
        return sorted(out)
