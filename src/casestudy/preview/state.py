"""What a preview session shows and tells: its state, and the events its caller hears.

The state (page version, check errors, PDF state) is what the server's event stream
sends to the open page; every thread that changes it does so through ``changed``, which
wakes the streams waiting for a change. The events go to the caller's ``on_event`` (the
command line prints them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass
class Event:
    """What the preview tells its caller: ``kind`` is page, problems, pdf or error."""

    kind: str
    message: str
    lines: tuple[str, ...] = ()
    seconds: float = 0.0


class State:
    """The session's state, shared by its threads; ``stop`` is set when it closes."""

    def __init__(self, pdf: bool, on_event: Callable[[Event], None]):
        self.on_event = on_event
        self.lock = threading.Condition()
        self.stop = threading.Event()
        self.serial = 0  # bumps on every change of the state below
        self.page_version = 0  # bumps with every page rendered without errors
        self.page: Path | None = None
        self.problems: list[str] = []
        self.full = False  # the last new page needs a full reload (brand or series changed)
        self.pdf_state = "PDF: waiting for a page without errors" if pdf else "PDF: off"
        self.pdf_version = 0
        self.pdf_file: Path | None = None

    def as_dict(self) -> dict:
        return {"version": self.page_version, "problems": list(self.problems),
                "pdf": self.pdf_state, "pdf_version": self.pdf_version, "full": self.full}

    def wait_for_change(self, seen: int, timeout: float) -> tuple[dict, int]:
        """The state once it differs from serial ``seen`` (or after ``timeout``)."""
        with self.lock:
            self.lock.wait_for(lambda: self.serial != seen or self.stop.is_set(), timeout)
            return self.as_dict(), self.serial

    def changed(self, **values: Any) -> None:
        """Set the named fields and wake whoever waits for a change."""
        with self.lock:
            for name, value in values.items():
                setattr(self, name, value)
            self.serial += 1
            self.lock.notify_all()

    def wake(self) -> None:
        """Wake the waiting event streams (the session is closing)."""
        with self.lock:
            self.lock.notify_all()

    def report(self, event: Event) -> None:
        try:
            self.on_event(event)
        except Exception:  # a caller's printing must not stop the preview
            log.exception("preview event handler")
