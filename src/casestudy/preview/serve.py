"""The preview's HTTP server: its own files only, and the live-reload channel.

It serves three things and nothing else:

- ``/<slug>/...``: the study's web edition as the preview last rendered it, and the
  PDF the preview last built beside it;
- ``/assets/...``: the shared stylesheets, logo and fonts the preview wrote;
- ``/_preview/events`` (server-sent events: the page's version, the check's errors,
  the PDF's state) and ``/_preview/pdf`` (the PDF view).

A request path is decoded once and refused (404) when it holds ``..``, ``.``, an empty
segment, a NUL, a backslash, an encoded slash or backslash, or a hidden name; a file is
served only when no part of its path is a symbolic link and it is a regular file inside
one of the two folders. A request must name the server itself in its Host header,
its address or a name given with --allow-host (a web page elsewhere cannot reach it
through DNS rebinding). Preview pages get a small script, injected into the response only, and a
Content-Security-Policy header that allows that script by nonce and nothing else; the
published edition's own policy is replaced in the preview's copy of the page.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import mimetypes
import os
import re
import secrets
import select
import socket
import stat
import sys
import threading
import time
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from ..brand.model import BRANDING

log = logging.getLogger(__name__)

PREVIEW_FILES = BRANDING / "preview"
MAX_CONNECTIONS = 64  # a page and its PDF view take a handful; more is not a browser
IDLE_SECONDS = 60.0  # past the event stream's keep-alive (15 s), which writes
_CSP_META = re.compile(r"<meta\s+http-equiv=[\"']?content-security-policy[\"']?[^>]*>",
                       re.IGNORECASE)
_KEEPALIVE = 15.0  # seconds between comments on an idle event stream


_STYLE_SOURCES = re.compile(r"'(?:sha256-[A-Za-z0-9+/=]+|unsafe-hashes)'")


def _csp(nonce: str, styles: tuple[str, ...] = ()) -> str:
    # ``styles``: the hashes the page's own policy allows (its inlined SVG figures' <style>)
    return ("default-src 'none'; " f"script-src 'nonce-{nonce}'; "
            f"style-src 'self' 'nonce-{nonce}'{''.join(' ' + s for s in styles)}; "
            "img-src 'self' data:; font-src 'self'; "
            "connect-src 'self'; frame-src 'self'; object-src 'self'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'self'")


def safe_parts(raw: str) -> list[str] | None:
    """The segments of a request path, or None when it is not a plain path of ours."""
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or "\\" in path:
        return None
    if re.search(r"%(2f|5c|00)", path, re.IGNORECASE):  # encoded separators and NUL
        return None
    try:
        decoded = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = decoded.split("/")[1:]
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if (part == "" and not last) or part.startswith("."):
            return None
    return parts


def open_inside(base: Path, parts: list[str]) -> tuple[int, os.stat_result] | None:
    """An open descriptor of ``base/parts...`` if it is a regular file reached without
    following any symbolic link; None otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    current = base
    for part in parts[:-1]:
        current = current / part
        try:
            if not stat.S_ISDIR(os.lstat(current).st_mode):  # a link is not a folder here
                return None
        except OSError:
            return None
    target = current / parts[-1]
    try:
        fd = os.open(target, flags)
    except OSError:  # missing, a link (ELOOP with O_NOFOLLOW), no permission
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return fd, info


class PreviewServer(ThreadingHTTPServer):
    """The server; ``session`` is the preview (session.py) it shows."""

    daemon_threads = True
    allow_reuse_address = True
    # connections waiting to be accepted: socketserver's 5 made the sixth of a burst (a
    # page, its stylesheets, fonts and figures, the event stream) wait for the client's
    # SYN retry, a second later; as many as may be served at once
    request_queue_size = MAX_CONNECTIONS

    def __init__(self, address: tuple[str, int], session: Any,
                 allow_hosts: tuple[str, ...] = ()):
        self.session = session
        self.allowed_names = frozenset(h.lower().strip("[]") for h in allow_hosts)
        self.closing = threading.Event()
        self.script = (PREVIEW_FILES / "live.js").read_text("utf-8")
        self.style = (PREVIEW_FILES / "live.css").read_text("utf-8")
        self.pdf_page = (PREVIEW_FILES / "pdf.html").read_text("utf-8")
        self.waiting = (PREVIEW_FILES / "waiting.html").read_text("utf-8")
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, PreviewHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def allowed_host(self, host: str | None) -> bool:
        """Whether a request's Host header names this server (DNS rebinding: a page
        elsewhere that points its own name at our address sends that name).

        Always: the bound address, localhost and the names given with --allow-host. On a
        loopback address (any of 127.0.0.0/8, ::1, ::ffff:127.x), also 127.0.0.1 and
        [::1]; bound to every interface (0.0.0.0, ::), any address
        written as digits, since a rebinding page can only send a name.
        """
        if not host:
            return False
        name, port = split_host(host)
        if port != self.port or name is None:
            return False
        bound = str(self.server_address[0]).lower()
        if name in self.allowed_names or name in (bound, "localhost"):
            return True  # (no page elsewhere can point "localhost" at us)
        if is_loopback(bound):
            return name in ("127.0.0.1", "localhost", "::1")
        return _unspecified(bound) and _is_address(name)

    def process_request(self, request: Any, client_address: Any) -> None:
        # a thread a connection, and no more than MAX_CONNECTIONS of them: an idle one
        # is closed after IDLE_SECONDS (PreviewHandler.timeout), a surplus one at once
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops its connection, or never speaks, is its own business: no
        traceback on the author's terminal; anything else is a bug, logged."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        log.exception("preview server")


def is_loopback(address: str) -> bool:
    """Whether ``address`` (an IP address or localhost) is this machine's loopback."""
    if address.lower() == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def split_host(header: str) -> tuple[str | None, int | None]:
    """A Host header's name (lower case, an IPv6 address without brackets) and port
    (80 when none is written); (None, None) when it is not a host and port."""
    header = header.strip().lower()
    match = re.fullmatch(r"\[([0-9a-f:.]+)\](?::(\d{1,5}))?|([^\[\]:/@\s]+)(?::(\d{1,5}))?",
                         header)
    if match is None:
        return None, None
    name = match.group(1) or match.group(3)
    port = match.group(2) or match.group(4)
    return name.rstrip("."), int(port) if port else 80


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _unspecified(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_unspecified
    except ValueError:
        return False


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    timeout = IDLE_SECONDS  # a connection that sends nothing for this long is closed
    protocol_version = "HTTP/1.1"
    server_version = "casestudy-preview"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # the terminal shows what the author needs: checks and renders, not requests

    def do_HEAD(self) -> None:  # noqa: N802
        self._route(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._route(head=False)

    def _refuse(self, code: HTTPStatus) -> None:
        body = f"{code.value} {code.phrase}\n".encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        self._refuse(HTTPStatus(code))  # no HTML error page echoing the request

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.FOUND)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route(self, head: bool) -> None:
        if not self.server.allowed_host(self.headers.get("Host")):
            return self._refuse(HTTPStatus.FORBIDDEN)
        parts = safe_parts(self.path)
        if parts is None:
            return self._refuse(HTTPStatus.NOT_FOUND)
        session = self.server.session
        slug = session.slug
        if parts in ([""], ["index.html"]) or parts == [slug]:
            return self._redirect(f"/{slug}/")
        if parts == ["_preview", "events"]:
            return self._events(head)
        if parts == ["_preview", "pdf"]:
            return self._page(self.server.pdf_page.replace("{{slug}}", escape(slug)), head)
        if parts[0] == "assets" and len(parts) > 1:
            return self._file(session.assets_folder(), parts[1:], head, parts[1] == "fonts")
        if parts[0] == slug and len(parts) > 1:
            rest = parts[1:] if parts[-1] else [*parts[1:-1], "index.html"]
            if rest == [f"{slug}.pdf"]:
                pdf = session.pdf_file()
                if pdf is None:
                    return self._refuse(HTTPStatus.NOT_FOUND)
                return self._file(pdf.parent, [pdf.name], head)
            folder = session.page_folder()
            if folder is None and rest == ["index.html"]:  # no page without errors yet
                return self._page(self.server.waiting.replace("{{slug}}", escape(slug)), head)
            if folder is None:
                return self._refuse(HTTPStatus.NOT_FOUND)
            if rest == ["index.html"]:
                try:
                    html = (folder / "index.html").read_text("utf-8")
                except OSError:
                    return self._refuse(HTTPStatus.NOT_FOUND)
                return self._page(html, head)
            return self._file(folder, rest, head)
        return self._refuse(HTTPStatus.NOT_FOUND)

    def _common_headers(self, cache: bool = False) -> None:
        # the fonts are written once per session: kept; everything else is asked for anew
        self.send_header("Cache-Control", "max-age=86400" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")

    def _page(self, html: str, head: bool) -> None:
        """A preview page: the published page plus the live script, under our CSP."""
        nonce = secrets.token_urlsafe(16)
        state = json.dumps({"slug": self.server.session.slug,
                            "version": self.server.session.page_version})
        inject = (f'<style nonce="{nonce}" id="casestudy-preview-style">{self.server.style}'
                  "</style>\n"
                  f'<script nonce="{nonce}" id="casestudy-preview" '
                  f'data-state="{escape(state)}">{self.server.script}</script>\n')
        own = _CSP_META.search(html)
        styles = tuple(dict.fromkeys(_STYLE_SOURCES.findall(own.group()))) if own else ()
        html = _CSP_META.sub("", html)
        at = html.rfind("</body>")
        html = html[:at] + inject + html[at:] if at >= 0 else html + inject
        body = html.encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", _csp(nonce, styles))
        self._common_headers()
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _file(self, base: Path, parts: list[str], head: bool, cache: bool = False) -> None:
        opened = open_inside(base, parts)
        if opened is None:
            return self._refuse(HTTPStatus.NOT_FOUND)
        fd, info = opened
        with os.fdopen(fd, "rb") as handle:
            kind = mimetypes.guess_type(parts[-1])[0] or "application/octet-stream"
            if kind.startswith("text/") or kind in ("image/svg+xml", "application/json"):
                kind += "; charset=utf-8"
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(info.st_size))
            self.send_header("Content-Security-Policy", _csp(secrets.token_urlsafe(16)))
            self._common_headers(cache)
            self.end_headers()
            if not head:
                while chunk := handle.read(1 << 16):
                    self.wfile.write(chunk)

    def _events(self, head: bool) -> None:
        """Server-sent events: the preview's state now, then each time it changes."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self._common_headers()
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        if head:
            return
        session = self.server.session
        seen = -1
        written = time.monotonic()
        try:
            while not self.server.closing.is_set() and not self._client_gone():
                # in short waits: a page that went away (a reload opens a new stream)
                # gives back its connection within a second, not at the next keep-alive
                state, serial = session.wait_for_change(seen, 1.0)
                if self.server.closing.is_set():
                    break
                if serial != seen:
                    seen = serial
                    self.wfile.write(f"data: {json.dumps(state)}\n\n".encode())
                elif time.monotonic() - written >= _KEEPALIVE:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    continue
                self.wfile.flush()
                written = time.monotonic()
        except OSError:  # the page went away
            pass

    def _client_gone(self) -> bool:
        """Whether the client closed its end (a browser sends nothing on this stream)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True


def start_server(host: str, port: int, session: Any,
                 allow_hosts: tuple[str, ...] = ()) -> PreviewServer:
    """Bind and serve in a daemon thread; raises OSError if the address is taken."""
    server = PreviewServer((host, port), session, allow_hosts)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="preview-server", daemon=True)
    thread.start()
    return server
