"""`casestudy preview`: the server serves its own files only; checks, renders and stops
cleanly. (What a browser sees, reload and overlay, is in test_browser.py.)"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from casestudy.preview.serve import safe_parts
from casestudy.preview.session import Preview, pick_study
from conftest import FIXTURES, REPO, make_study

SECRET = "TOP-SECRET-OUTSIDE-THE-PREVIEW"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A series with one study, and a secret file beside it that must never be served."""
    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    make_study(tmp_path / "countries" / "norway")
    (tmp_path / "secret.txt").write_text(SECRET)
    return tmp_path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    """One preview shared by the tests that only send it requests (paths, hosts,
    methods): it starts in a quarter of a second, and they are thirty."""
    repo = tmp_path_factory.mktemp("served")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    make_study(repo / "countries" / "norway")
    (repo / "secret.txt").write_text(SECRET)
    with pytest.MonkeyPatch.context() as patch:  # its own check cache, as each test's
        patch.setenv("CASESTUDY_CACHE_DIR", str(tmp_path_factory.mktemp("served-cache")))
        with Preview(repo / "countries" / "norway", repo, pdf=False) as preview:
            preview.repo = repo
            yield preview


@pytest.fixture
def session(repo: Path):
    events = []
    with Preview(repo / "countries" / "norway", repo, pdf=False,
                 on_event=events.append) as preview:
        preview.events = events
        yield preview


def get(session: Preview, path: str, host: str | None = None,
        method: str = "GET") -> tuple[int, dict, bytes]:
    """One raw request: the path goes out exactly as written (no client normalising)."""
    with socket.create_connection(("127.0.0.1", session.server.port), timeout=10) as sock:
        name = host if host is not None else f"127.0.0.1:{session.server.port}"
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
                     .encode("latin-1"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, dict(response.getheaders()), response.read()


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def settled(session: Preview, quiet: float = 1.5) -> int:
    """The page version once no new page has come for ``quiet`` seconds."""
    version, since = session.state()["version"], time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.1)
        if session.state()["version"] != version:
            version, since = session.state()["version"], time.monotonic()
    return version


# ------------------------------------------------------------------ only its own files


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/norway/../../secret.txt", "/norway/../../../etc/passwd",
    "/%2e%2e/secret.txt", "/norway/%2e%2e/%2e%2e/secret.txt", "/%2E%2E/%2E%2E/etc/passwd",
    "/norway/..%2f..%2fsecret.txt", "/norway%2f..%2f..%2fsecret.txt", "/assets/..%5csecret.txt",
    "/norway/%252e%252e/%252e%252e/secret.txt", "//etc/passwd", "/etc/passwd",
    "/norway//etc/passwd", "/norway/index.html%00.css", "/norway/%00", "/norway/.hidden",
    "/assets/../../secret.txt", "/norway\\..\\..\\secret.txt", "http://127.0.0.1/../secret.txt",
    "/norway/./index.html", "/norway/figures/%c0%ae%c0%ae/secret.txt", "*",
])
def test_no_path_leads_outside_the_preview(served, path):
    status, _, body = get(served, path)
    assert status in (400, 404)
    assert SECRET.encode() not in body and b"root:" not in body


def test_its_own_files_are_served(served):
    status, headers, body = get(served, "/norway/")
    assert status == 200 and b"Minimal study" in body
    assert "nonce-" in headers["Content-Security-Policy"]
    status, headers, body = get(served, "/norway/figures/chart.svg")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert get(served, "/assets/web.css")[0] == 200
    assert get(served, "/assets/brand.css")[0] == 200
    assert get(served, "/", method="HEAD")[0] == 302
    status, headers, body = get(served, "/_preview/events", method="HEAD")
    assert (status, body) == (200, b"") and headers["Content-Type"].startswith("text/event-")


def test_a_symbolic_link_inside_its_folders_is_not_followed(session, repo):
    page = session.page_folder()
    (page / "figures" / "leak.txt").symlink_to(repo / "secret.txt")
    (page / "up").symlink_to(repo)
    (session.assets_folder() / "leak.css").symlink_to(repo / "secret.txt")
    for path in ("/norway/figures/leak.txt", "/norway/up/secret.txt", "/assets/leak.css"):
        status, _, body = get(session, path)
        assert status == 404 and SECRET.encode() not in body, path


def test_an_absolute_path_or_a_study_folder_file_is_not_served(served):
    repo = served.repo
    for path in (f"/norway{repo}/secret.txt", f"/assets{repo}/secret.txt", str(repo / "secret.txt"),
                 "/norway/study.yaml", "/norway/sections/01-summary.md"):
        status, _, body = get(served, path)
        assert status == 404 and SECRET.encode() not in body, path


def test_another_host_name_is_refused(served):
    """A page on another site cannot read the preview by rebinding its name to 127.0.0.1."""
    assert get(served, "/norway/", host="attacker.example:80")[0] == 403
    assert get(served, "/norway/", host=f"attacker.example:{served.server.port}")[0] == 403
    assert get(served, "/norway/", host=f"localhost:{served.server.port}")[0] == 200


def test_only_reading_methods(served):
    for method in ("POST", "PUT", "DELETE"):
        assert get(served, "/norway/", method=method)[0] == 501


@pytest.mark.parametrize("raw, parts", [
    ("/norway/", ["norway", ""]), ("/norway/figures/a%20b.svg", ["norway", "figures", "a b.svg"]),
    ("/assets/web.css?v=2", ["assets", "web.css"]), ("/%2e%2e/x", None), ("/a/../b", None),
    ("/a/%2fb", None), ("/a\\b", None), ("/a/%ff", None), ("a/b", None), ("/a//b", None),
])
def test_request_paths(raw, parts):
    assert safe_parts(raw) == parts


# ------------------------------------------------------------ check, render, overlay


def test_a_preview_page_carries_the_live_script_and_the_published_page_does_not(session, repo):
    _, headers, body = get(session, "/norway/")
    nonce = re.search(r"'nonce-([^']+)'", headers["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}" id="casestudy-preview"'.encode() in body
    assert b"EventSource" in body
    # the published page's own policy (no script at all) is replaced by the header's
    assert b'http-equiv="Content-Security-Policy"' not in body
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    out = repo / "build"
    build_study(repo / "countries" / "norway", out, ("html",), load_series(repo), repo=repo)
    for page in (out / "norway" / "index.html", out / "index.html"):
        text = page.read_text("utf-8")
        assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';' in text
        assert "casestudy-preview" not in text and "EventSource" not in text
        assert "<script" not in text.replace('<script type="application/ld+json">', "")


def test_an_error_keeps_the_last_good_page_and_fixing_it_clears_it(session, repo):
    section = repo / "countries" / "norway" / "sections" / "02-imperative.md"
    good = section.read_text("utf-8")
    first = session.state()["version"]
    section.write_text(good.replace("marker sentence", "marker sentence [link](javascript:x)"))
    wait_until(lambda: session.state()["problems"])
    problems = session.state()["problems"]
    assert any(re.search(r"sections/02-imperative\.md:\d+:\d+: error: .*javascript", p)
               for p in problems), problems
    assert session.state()["version"] == first  # the page was not replaced
    status, _, body = get(session, "/norway/")
    assert status == 200 and b"The imperative marker sentence" in body
    assert any(e.kind == "problems" for e in session.events)
    section.write_text(good.replace("marker sentence", "marker sentence, edited"))
    wait_until(lambda: session.state()["version"] > first)
    assert session.state()["problems"] == []
    assert b"marker sentence, edited" in get(session, "/norway/")[2]


def test_series_yaml_is_watched_and_a_bad_one_is_reported_located(session, repo):
    series = repo / "series.yaml"
    good = series.read_text("utf-8")
    first = session.state()["version"]
    series.write_text(good.replace("page_size: letter", "page_size: letter\npage_size: a4"))
    wait_until(lambda: session.state()["problems"])
    assert re.search(r"series\.yaml:\d+:\d+: error: ", session.state()["problems"][0])
    series.write_text(good.replace('label: "Issue Brief"', 'label: "Policy Brief"'))
    wait_until(lambda: session.state()["version"] > first and not session.state()["problems"])
    assert b"Policy Brief" in get(session, "/norway/")[2]


def test_the_brand_is_watched_its_colours_fonts_and_logo_reach_the_page(session, repo):
    """A new _brand.yml: the page reloads whole with the brand's colour, its fonts (the
    whole files, every character typed shows) and its logo; a broken one is listed at
    its line and the last good page stays; brand/extra.css is linked last."""
    harbor = REPO / "tests" / "fixtures" / "brands" / "harbor"
    first = session.state()["version"]
    shutil.copytree(harbor / "brand", repo / "brand")
    shutil.copyfile(harbor / "_brand.yml", repo / "_brand.yml")
    wait_until(lambda: b"#0b5d3b" in get(session, "/assets/brand.css")[2], timeout=30)
    wait_until(lambda: session.state()["version"] > first and session.state()["full"])
    css = get(session, "/assets/brand.css")[2].decode()
    assert '"IBM Plex Serif"' in css and "Source Serif" not in css
    font = re.search(r'url\("(fonts/[^"?]+)\?s=\w+"\)', css).group(1)
    status, _, data = get(session, f"/assets/{font}")
    assert status == 200 and data[:4] in (b"\0\1\0\0", b"OTTO")
    page = get(session, "/norway/")[2].decode()
    assert 'src="../assets/logo.png" alt="Harbor Policy Group anchor"' in page
    assert page.index("assets/brand.css") < page.index("assets/brand/extra.css")
    assert get(session, "/assets/logo.png")[0] == 200
    good = (repo / "_brand.yml").read_text("utf-8")
    version = settled(session)  # a new brand/ restarts the watcher: one more page may come
    (repo / "_brand.yml").write_text(good.replace("primary: pine", "primary: no-such-colour"))
    wait_until(lambda: session.state()["problems"], timeout=30)
    assert any(re.search(r"_brand\.yml:\d+:\d+: error: 'no-such-colour' is neither a colour", p)
               for p in session.state()["problems"]), session.state()["problems"]
    assert session.state()["version"] == version
    (repo / "_brand.yml").write_text(good.replace("#0b5d3b", "#114477"))
    wait_until(lambda: not session.state()["problems"] and session.state()["version"] > version,
               timeout=30)
    assert b"#114477" in get(session, "/assets/brand.css")[2]


def test_a_study_broken_from_the_start_is_served_with_its_errors(repo):
    study = repo / "countries" / "norway"
    (study / "study.yaml").write_text("title: [unclosed\n")
    with Preview(study, repo, pdf=False) as preview:
        assert preview.state()["version"] == 0
        assert re.search(r"study\.yaml:\d+:\d+: error: ", preview.state()["problems"][0])
        status, _, body = get(preview, "/norway/")
        assert status == 200 and b"casestudy-preview" in body


def test_the_study_to_preview(repo, monkeypatch):
    norway = (repo / "countries" / "norway").resolve()
    assert pick_study(None, repo) == norway  # the only study
    make_study(repo / "countries" / "japan")
    from casestudy.errors import StudyNotFound

    with pytest.raises(StudyNotFound, match="japan, norway"):
        pick_study(None, repo)
    monkeypatch.chdir(norway / "sections")
    assert pick_study(None, repo) == norway  # the one we are in
    assert pick_study("japan", repo) == (repo / "countries" / "japan").resolve()


# ------------------------------------------------------------------ the command


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_ctrl_c_stops_it_cleanly(repo, tmp_path):
    """No traceback, no temporary folder and no worker process left."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    # PYTHONFAULTHANDLER: a SIGABRT makes it print where every thread is, should it hang
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1", "PYTHONFAULTHANDLER": "1"}
    child = subprocess.Popen([sys.executable, "-m", "casestudy", "preview", "norway"],
                             cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    try:
        line = ""
        deadline = time.monotonic() + 120
        while "previewing" not in line and time.monotonic() < deadline:
            line = child.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/norway/", line)
        assert url, line
        wait_until(lambda: any(p.name.startswith("casestudy-preview-") for p in temp.iterdir()))
        # wait for the PDF worker: the state says building or ready
        port = int(url.group(1))

        def pdf_started() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(f"GET /_preview/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
                             .encode())
                data = b""
                while b"\n\n" not in data:
                    chunk = sock.recv(4096)
                    if not chunk:  # closed: not this time (never loop on a closed socket)
                        return False
                    data += chunk
            state = json.loads(data.split(b"data: ", 1)[1].split(b"\n", 1)[0])
            return "building" in state["pdf"] or "ready" in state["pdf"]

        wait_until(pdf_started, timeout=60)
        kids = _children(child.pid)
        assert kids, "the PDF worker runs in a process of its own"
        os.killpg(child.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        try:
            _, err = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(child.pid, signal.SIGABRT)
            _, err = child.communicate(timeout=30)
            raise AssertionError(f"still running 60 s after Ctrl-C; its threads:\n{err}") from None
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    assert child.returncode == 0, err
    assert "Traceback" not in err and "preview stopped" in err
    wait_until(lambda: not any(_alive(pid) for pid in kids), timeout=20)
    assert list(temp.iterdir()) == []
    assert not (repo / "build").exists()


def test_a_host_off_the_machine_must_be_asked_for_and_is_warned_about(repo):
    from conftest import invoke

    result = invoke(repo, "preview", "norway", "--host", "256.1.1.1", "--no-pdf")
    assert result.exit_code == 2
    assert "warning: listening on 256.1.1.1" in result.output
    assert "cannot listen on 256.1.1.1:0" in result.output


def test_a_remembered_section_renders_as_a_fresh_one(session, repo):
    """The preview parses only the sections that changed; rendering a remembered parse
    again gives the same page as parsing anew."""
    from casestudy.brand.load import load_brand
    from casestudy.render.html import render_html
    from casestudy.source.load import load_series, load_study

    root, series = repo / "countries" / "norway", load_series(repo)
    brand = load_brand(repo)
    pages = [render_html(load_study(root, session._parse), series, "web", brand=brand)
             for _ in range(2)]
    assert pages[0] == pages[1] == render_html(load_study(root), series, "web", brand=brand)


def test_the_pdf_follows_the_newest_save(repo):
    """A save while the PDF renders stops that render; the PDF shown has the newest text."""
    from pypdf import PdfReader

    study = repo / "countries" / "norway"
    section = study / "sections" / "08-conclusion.md"
    good = section.read_text("utf-8")
    # a first version long enough that its render is still running when the save comes
    section.write_text(good + "\n\n".join(["A long paragraph of filler text. " * 40] * 400),
                       "utf-8")
    with Preview(study, repo) as preview:
        wait_until(lambda: "building" in preview.state()["pdf"], timeout=60)
        pid = preview._pdf._worker.process.pid
        section.write_text(good.replace("\n\n", "\n\nThe newest sentence.\n\n", 1), "utf-8")
        wait_until(lambda: preview.state()["pdf_version"] > 0, timeout=240)
        text = " ".join(p.extract_text() for p in PdfReader(preview.pdf_file()).pages)
        assert "The newest sentence." in text
        assert preview.state()["pdf"].startswith("PDF: ready")
        # the first render was stopped: its worker is gone, a new one built the PDF
        assert preview._pdf._worker.process.pid != pid and not _alive(pid)
        status, headers, body = get(preview, "/norway/norway.pdf")
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        assert body == preview.pdf_file().read_bytes()


@pytest.mark.parametrize("address, loopback", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("127.255.255.254", True), ("::1", True),
    ("::ffff:127.0.0.1", True), ("localhost", True), ("0.0.0.0", False),
    ("192.168.1.5", False), ("::", False), ("::ffff:10.0.0.1", False),
    ("rebind.attacker.example", False)])
def test_every_loopback_address_is_loopback(address, loopback):
    from casestudy.preview.serve import is_loopback

    assert is_loopback(address) is loopback


def test_on_any_loopback_address_another_host_name_is_refused(repo):
    """--host 127.0.0.2 let a page elsewhere read the preview and its events by
    rebinding its own name to that address (DNS rebinding)."""
    with Preview(repo / "countries" / "norway", repo, host="127.0.0.2", pdf=False) as preview:
        port = preview.server.port

        def status(host: str, path: str = "/norway/") -> int:
            with socket.create_connection(("127.0.0.2", port), timeout=10) as sock:
                sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n"
                             "Connection: close\r\n\r\n".encode())
                return int(sock.recv(64).split()[1])

        assert status(f"rebind.attacker.example:{port}") == 403
        assert status(f"rebind.attacker.example:{port}", "/_preview/events") == 403
        assert status(f"127.0.0.2:{port}") == 200
        assert status(f"localhost:{port}") == 200


def test_a_client_that_drops_or_idles_prints_nothing_and_holds_no_thread(repo, capfd,
                                                                          monkeypatch):
    """A client that dropped its connection printed BrokenPipeError tracebacks; 600 idle
    connections held 607 threads."""
    from casestudy.preview import serve

    monkeypatch.setattr(serve.PreviewHandler, "timeout", 1.0)
    monkeypatch.setattr(serve, "MAX_CONNECTIONS", 8)
    with Preview(repo / "countries" / "norway", repo, pdf=False) as preview:
        port = preview.server.port
        for _ in range(20):  # ask for the page and go before the answer
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(f"GET /norway/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00"
                            b"\x00\x00")  # a reset, not a polite close
            sock.close()
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(12)]
        try:
            # the surplus is closed at once, the rest after the idle time
            closed = [s.recv(1) == b"" for s in idle]
            assert all(closed)
        finally:
            for s in idle:
                s.close()
        wait_until(lambda: sum(t.name.startswith("Thread-") for t in threading.enumerate())
                   <= 2, timeout=15)
        assert get(preview, "/norway/")[0] == 200  # and it still serves
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Reset" not in err


def test_a_burst_of_connections_waits_for_no_retry():
    """socketserver queues 5 connections to be accepted: the sixth of a burst (a page, its
    stylesheets, fonts, figures and event stream) was dropped by the kernel and came
    back with the client's SYN retry, a second later (the test above took 6.8 s for it).
    The queue holds as many as may be served at once."""
    from casestudy.preview import serve

    assert serve.PreviewServer.request_queue_size >= serve.MAX_CONNECTIONS


def test_pandoc_in_the_preview_is_held_to_the_memory_limit_of_a_build(tmp_path, monkeypatch):
    """The preview's page ran pandoc with no memory limit: a bibliography that check
    passes grew it without bound on every save. Its heap is capped as in a build; the
    limit is set small here, and a title built of @string macros goes past it."""
    from casestudy.files import pandoc

    shutil.copyfile(REPO / "series.yaml", tmp_path / "series.yaml")
    shutil.copyfile(FIXTURES / "citations/series-references.json", tmp_path / "references.json")
    root = tmp_path / "countries" / "cited"
    make_study(root, FIXTURES / "citations/study")
    bib = root / "references.bib"
    macros = '@string{a0 = "ab cd "}\n' + "".join(
        f"@string{{a{i + 1} = a{i} # a{i}}}\n" for i in range(13))  # a13: 49,152 characters
    bib.write_text(macros + bib.read_text("utf-8").replace(
        "title     = {Italy's Defense Industry}", "title = a13, note = a13, addendum = a13"),
        "utf-8")
    monkeypatch.setattr(pandoc, "MEMORY_MB", 64)
    with Preview(root, tmp_path, pdf=False) as preview:
        assert preview.page_folder() is None  # no page: the citations could not be formatted
        assert preview.state()["problems"] == [
            "countries/cited/references.bib:1:1: error: pandoc could not format the "
            "citations: it needed more than 64 MB of memory and was stopped"]
        assert get(preview, "/cited/")[0] == 200  # and the server goes on


def _status(port: int, host: str, path: str = "/norway/") -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
                     .encode())
        return int(sock.recv(64).split()[1])


def test_off_loopback_only_its_address_and_the_names_allowed_are_served(repo):
    """Bound to every interface the Host header went unchecked: a page elsewhere could
    rebind its own name to the machine and read the study. Now only an address, localhost
    and the names given with --allow-host are served."""
    with Preview(repo / "countries" / "norway", repo, host="0.0.0.0", pdf=False,
                 allow_hosts=("Studio.Example",)) as preview:
        port = preview.server.port
        for host in ("rebind.attacker.example", "studio.example.attacker.example",
                     "127.0.0.1.nip.io", "studio.example@evil.example"):
            assert _status(port, f"{host}:{port}") == 403, host
            assert _status(port, f"{host}:{port}", "/_preview/events") == 403, host
        assert _status(port, f"studio.example:{port + 1}") == 403  # another port: another site
        for host in ("studio.example", "STUDIO.example", "192.0.2.7", "127.0.0.1", "localhost"):
            assert _status(port, f"{host}:{port}") == 200, host


def test_on_one_address_off_loopback_its_address_is_served_and_no_other(repo, monkeypatch):
    with Preview(repo / "countries" / "norway", repo, pdf=False,
                 allow_hosts=("studio.lan",)) as preview:
        server = preview.server
        monkeypatch.setattr(server, "server_address", ("192.0.2.10", server.port))
        port = server.port
        assert server.allowed_host(f"192.0.2.10:{port}")
        assert server.allowed_host(f"studio.lan:{port}")
        assert not server.allowed_host(f"192.0.2.11:{port}")  # bound to one address: that one
        assert not server.allowed_host(f"127.0.0.1:{port}")
        assert not server.allowed_host(f"rebind.attacker.example:{port}")
        assert not server.allowed_host(None)


@pytest.mark.parametrize("header, parsed", [
    ("studio.lan:8000", ("studio.lan", 8000)), ("[::1]:80", ("::1", 80)),
    ("Example.ORG", ("example.org", 80)), ("a.example.:9", ("a.example", 9)),
    ("user@host:1", (None, None)), ("host:1:2", (None, None)), ("[::1", (None, None)),
    ("", (None, None)), ("host/x:1", (None, None))])
def test_host_headers(header, parsed):
    from casestudy.preview.serve import split_host

    assert split_host(header) == parsed


def test_an_allowed_host_must_be_a_name(repo):
    from conftest import invoke

    result = invoke(repo, "preview", "norway", "--allow-host", "http://studio:80", "--no-pdf")
    assert result.exit_code == 2
    assert "'http://studio:80' is not a host name" in result.output


def test_a_page_that_goes_away_gives_back_its_event_stream(repo, monkeypatch):
    """Every reload opens a new event stream; a closed one held its connection until the
    next keep-alive (15 s), so a few quick reloads filled every slot and the page lost
    its live reload."""
    from casestudy.preview import serve

    monkeypatch.setattr(serve, "MAX_CONNECTIONS", 4)
    with Preview(repo / "countries" / "norway", repo, pdf=False) as preview:
        port = preview.server.port

        def first_event() -> bool:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(f"GET /_preview/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                             "\r\n".encode())
                data = b""
                while b"data: " not in data:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return False  # no slot: closed at once
                    data += chunk
            return True

        for _ in range(3 * 4):  # three times the slots, each stream closed after its event
            wait_until(first_event, timeout=5)
