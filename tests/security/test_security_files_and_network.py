"""Local files and network: a build reads nothing outside the study and the branding,
and opens no connection.

Two layers are proven separately: the checker (fetch.local_image, fetch.sniff_image,
load.py, check.py) refuses with the section's line before anything renders, and the
URL fetcher (fetch.make_fetcher) refuses at render time whatever slips past, so that
HTML which never went through the checker still reads nothing. An audit hook over a
whole build in a child process records every file opened and every connection.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import casestudy
from casestudy.brand.load import default_brand
from casestudy.brand.model import BRANDING
from casestudy.errors import BuildError, ProblemsFound
from casestudy.files.fetch import FetchLog, make_fetcher
from casestudy.series.build import build_study
from casestudy.source.load import load_series
from conftest import REPO, invoke
from hostile import (
    HELPER,
    Listener,
    check_cli,
    check_in_child,
    errors_of,
    hostile_study,
    run_child,
)
from pdfinfo import read_pdf

SERIES = load_series(REPO)
S03 = "study/sections/03-relationship.md"


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def canary(tmp_path: Path) -> Path:
    """A folder outside every study, holding files a build must never read."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text("# Secret\n\nCANARY-SECRET-TEXT\n")
    (folder / "secret.yaml").write_text("title: CANARY-SECRET-TEXT\n")
    (folder / "chart.png").write_bytes((REPO / "tests/fixtures/minimal/figures/chart.svg")
                                       .read_bytes())
    return folder


# ------------------------------------------------------------------ the checker


def test_paths_outside_the_study_are_located_errors(tmp_path):
    hostile_study(tmp_path / "study", "outside-paths")
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert errors_of(result.stdout) == [
        f"{S03}:5:1: error: image path '/etc/hostname.png' is absolute; write it relative "
        "to the section file (../figures/name.png)",
        f"{S03}:7:1: error: image path '../../../etc/hostname.png' leads outside the study "
        "folder",
        # decoded before the containment check: %2e%2e is ..
        f"{S03}:9:1: error: image path 'figures/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/"
        "hostname.png' leads outside the study folder",
        f"{S03}:11:1: error: image 'file:///etc/passwd' is not a file in the study: remote, "
        "data: and file: images are not allowed; put the file in figures/",
        f"{S03}:13:11: error: raw HTML is not allowed ('<img src=\"file:///etc/passwd\">'); "
        "use Markdown",
        f"{S03}:13:46: error: raw HTML is not allowed ('<a rel=\"attachment\" "
        "href=\"/etc/hostname\"'); use Markdown",
        f"{S03}:13:88: error: raw HTML is not allowed ('</a>'); use Markdown",
    ]


def test_a_study_with_outside_paths_is_not_built(tmp_path):
    study = hostile_study(tmp_path / "study", "outside-paths")
    with pytest.raises(ProblemsFound):
        build_study(study, tmp_path / "out", ("pdf",), SERIES)
    assert not (tmp_path / "out" / "study.pdf").exists()


def test_the_cli_build_refuses_with_located_errors_and_writes_nothing(series_repo):
    hostile_study(series_repo / "countries" / "norway", "outside-paths")
    result = invoke(series_repo, "build", "norway")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stdout.splitlines()
    assert lines[0] == ("countries/norway/sections/03-relationship.md:5:1: error: image path "
                        "'/etc/hostname.png' is absolute; write it relative to the section "
                        "file (../figures/name.png)")
    assert len(lines) == 7
    assert "norway: not built" in result.stderr
    assert not list(series_repo.glob("build/*.pdf"))


def _special_files(study: Path, canary: Path) -> None:
    figures = study / "figures"
    (figures / "escape.png").symlink_to(canary / "chart.png")
    os.mkfifo(figures / "fifo.png")
    (figures / "random.png").symlink_to("/dev/urandom")
    (figures / "loop.png").symlink_to("loop2.png")
    (figures / "loop2.png").symlink_to("loop.png")
    section = study / "sections" / "05-ownership.md"
    section.unlink()
    section.symlink_to(canary / "secret.md")


def test_symlinks_fifos_and_devices_are_refused_at_once(tmp_path, canary):
    """A FIFO or /dev/urandom read would block or never end: the child must finish."""
    study = hostile_study(tmp_path / "study", "special-files")
    _special_files(study, canary)
    result = check_in_child(study, timeout=60)  # a hang raises TimeoutExpired: a failure
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "CANARY-SECRET-TEXT" not in result.stdout + result.stderr
    assert errors_of(result.stdout) == [
        "study/figures/escape.png:1:1: error: symbolic link leads outside the study folder; "
        "copy the file into figures/ instead",
        "study/figures/fifo.png:1:1: error: not a regular file (a FIFO, socket or device); "
        "remove it",
        "study/figures/random.png:1:1: error: symbolic link leads outside the study folder; "
        "copy the file into figures/ instead",
        f"{S03}:5:1: error: image path 'figures/escape.png' leads outside the study folder",
        f"{S03}:7:1: error: image 'figures/fifo.png' is not a regular file",
        f"{S03}:9:1: error: image path 'figures/random.png' leads outside the study folder",
        f"{S03}:11:1: error: image 'figures/loop.png' not found (paths are relative to the "
        "section file, e.g. ../figures/name.png)",
        "study/sections/05-ownership.md:1:1: error: symbolic link leads outside the study "
        "folder; not read",
    ]


def test_an_unreferenced_link_in_figures_stops_the_build(tmp_path, canary):
    """The builder hashes and copies all of figures/: a link out must stop it first."""
    study = hostile_study(tmp_path / "study", None)
    (study / "figures" / "data.csv").symlink_to(canary / "secret.md")
    with pytest.raises(ProblemsFound) as caught:
        build_study(study, tmp_path / "out", ("pdf", "html"), SERIES)
    assert [str(p) for p in caught.value.problems if p.is_error] == [
        f"{study}/figures/data.csv:1:1: error: symbolic link leads outside the study folder; "
        "copy the file into figures/ instead"]
    assert not (tmp_path / "out" / "study.pdf").exists()


def test_symlinked_figures_and_sections_folders_are_not_read(tmp_path, canary):
    """os.walk and rglob follow a symlinked top folder: the web edition would copy /etc."""
    study = hostile_study(tmp_path / "study", None)
    for name in ("figures", "sections"):
        shutil.rmtree(study / name)
        (study / name).symlink_to(canary, target_is_directory=True)
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert "CANARY-SECRET-TEXT" not in result.output and "secret" not in result.output
    assert errors_of(result.stdout) == [
        "study/figures:1:1: error: symbolic link leads outside the study folder; make "
        "figures/ a real folder",
        "study/sections:1:1: error: symbolic link leads outside the study folder; not read"]
    with pytest.raises(ProblemsFound):
        build_study(study, tmp_path / "out", ("pdf", "html"), SERIES)
    assert not (tmp_path / "out" / "study").exists()


def test_a_symlinked_study_yaml_is_not_read(tmp_path, canary):
    study = hostile_study(tmp_path / "study", None)
    (study / "study.yaml").unlink()
    (study / "study.yaml").symlink_to(canary / "secret.yaml")
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    assert "CANARY-SECRET-TEXT" not in result.output
    assert errors_of(result.stdout) == [
        "study/study.yaml:1:1: error: symbolic link leads outside the study folder; not read"]


def test_loopback_urls_are_refused_and_never_contacted(tmp_path, listener):
    study = hostile_study(tmp_path / "study", "loopback", port=listener.port)
    result = check_cli(tmp_path, "study")
    port = listener.port
    assert result.exit_code == 1
    assert errors_of(result.stdout)[4:] == [
        f"{S03}:5:1: error: image 'http://127.0.0.1:{port}/remote.png' is not a file in the "
        "study: remote, data: and file: images are not allowed; put the file in figures/",
        f"{S03}:7:1: error: image '//127.0.0.1:{port}/relative.png' is not a file in the "
        "study: remote, data: and file: images are not allowed; put the file in figures/",
    ]
    # judged where they are, in the figures, after the XML and CSS parsers decoded them
    self_contained = "an SVG figure must be self-contained (only #fragment references)"
    assert errors_of(result.stdout.replace(str(port), "PORT"))[:4] == [
        "study/figures/css-import.svg:3:5: error: <style> @import refers to "
        "'http://127.0.0.1:PORT/import.css'; an SVG figure must be self-contained (put the "
        "styles in its <style>)",
        "study/figures/css-url.svg:4:20: error: <style> refers to "
        f"'http://127.0.0.1:PORT/css-url.svg#f'; {self_contained}",
        "study/figures/font-face.svg:3:46: error: <style> @font-face refers to "
        f"'//127.0.0.1:PORT/font.woff2'; {self_contained}",
        "study/figures/image-href.svg:3:3: error: <image> refers to "
        f"'http://127.0.0.1:PORT/svg-image.png'; {self_contained}",
    ]
    with pytest.raises(ProblemsFound):
        build_study(study, tmp_path / "out", ("pdf",), SERIES)
    assert listener.accepted == 0


# ------------------------------------------------------------------ the URL fetcher


HOSTILE_HTML = """<!DOCTYPE html><html lang="en"><head>
<link rel="stylesheet" href="{url}/sheet.css">
<link rel="attachment" href="file:///etc/hostname" title="hostname">
<style>
@import url({url}/import.css);
@font-face {{ font-family: Remote; src: url(//127.0.0.1:{port}/font.woff2); }}
body {{ background: url({url}/background.png); font-family: Remote; }}
</style></head><body>
<p>Hostile HTML that never went through the checker.</p>
<img src="{url}/image.png" alt="">
<img src="file:///etc/passwd" alt="">
<img src="../../../../../../../../etc/hostname" alt="">
<img src="figures/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/hostname" alt="">
<img src="data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A//www.w3.org/2000/svg%22/%3E" alt="">
<a rel="attachment" href="/etc/passwd">attached</a>
<svg width="10" height="10"><image href="{url}/svg-image.png" width="10" height="10"/></svg>
<iframe src="{url}/frame.html"></iframe><object data="{url}/object.svg"></object>
<embed src="{url}/embed.svg">
</body></html>"""


@pytest.fixture(scope="module")
def fenced_render(tmp_path_factory):
    """Hostile HTML rendered with the project's fetcher, a loopback listener watching."""
    import weasyprint

    server = Listener()
    study = hostile_study(tmp_path_factory.mktemp("fenced") / "study", None)
    html = HOSTILE_HTML.format(url=server.url, port=server.port)
    log = FetchLog()
    fetcher = make_fetcher([study, BRANDING, *default_brand().font_roots()], log)
    try:
        pdf = weasyprint.HTML(string=html, base_url=str(study), url_fetcher=fetcher).write_pdf()
    finally:
        server.close()
    return server, log, pdf, html, study


def test_the_fetcher_refuses_every_outside_url(fenced_render):
    server, log, pdf, _, _ = fenced_render
    refused = {url for url, _ in log.refused}
    url = server.url
    for wanted in (f"{url}/sheet.css", f"{url}/import.css", f"{url}/background.png",
                   f"{url}/image.png", "file:///etc/passwd", "file:///etc/hostname",
                   f"{url}/svg-image.png"):
        assert wanted in refused, wanted
    assert any(u.startswith("data:") for u in refused)  # data: is not a file of the study
    assert any(u.endswith("/etc/hostname") and "%2e" not in u for u in refused)
    assert all(not p.startswith("/etc") for p in log.served)
    assert server.accepted == 0, server.requests


def test_the_pdf_holds_nothing_from_outside(fenced_render, tmp_path):
    _, _, pdf, _, _ = fenced_render
    path = tmp_path / "fenced.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(str(path))
    names = reader.trailer["/Root"].get("/Names") or {}
    assert "/EmbeddedFiles" not in names
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
    hostname = Path("/etc/hostname").read_bytes().strip()
    passwd_line = Path("/etc/passwd").read_bytes().split(b"\n")[0]
    assert passwd_line not in pdf and (not hostname or hostname not in pdf)


def test_html_to_pdf_fails_the_build_on_a_refused_resource(fenced_render):
    from casestudy.render.pdf import html_to_pdf

    server = Listener()
    _, _, _, _, study = fenced_render
    html = HOSTILE_HTML.format(url=server.url, port=server.port)
    try:
        with pytest.raises(BuildError) as caught:
            roots = [study, BRANDING, *default_brand().font_roots()]
            html_to_pdf(html, study, roots, b"0" * 16, study, 0)
    finally:
        server.close()
    assert "the brief asked for a resource that may not be read" in str(caught.value)
    assert server.accepted == 0


def test_the_fetcher_serves_drawn_charts_and_nothing_they_refer_to(tmp_path):
    """Charts reach WeasyPrint as data:image/svg+xml;base64 URLs made by render.py; the
    fetcher serves them through the SVG sanitizer (no read), refusing one whose SVG
    points anywhere."""
    import base64

    from casestudy.files.fetch import CHART_URL, Refused
    from casestudy.files.svg import sanitize

    log = FetchLog()
    fetcher = make_fetcher([tmp_path], log)
    clean = b'<svg xmlns="http://www.w3.org/2000/svg"><title id="t">x</title></svg>'
    response = fetcher.fetch(CHART_URL + base64.b64encode(clean).decode())
    assert response.read() == sanitize(clean).data  # what every SVG figure gets
    assert response.headers["Content-Type"] == "image/svg+xml"
    hostile = [b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>',
               b'<svg><style>@import "http://127.0.0.1:1/x.css";</style></svg>',
               b'<!DOCTYPE svg [<!ENTITY x SYSTEM "/etc/passwd">]><svg>&x;</svg>', b"\xff\xfe"]
    for svg in hostile:
        with pytest.raises(Refused):
            fetcher.fetch(CHART_URL + base64.b64encode(svg).decode())
    with pytest.raises(Refused):
        fetcher.fetch(CHART_URL + "not base64!")
    with pytest.raises(Refused):  # only the chart form: other data: URLs are refused
        fetcher.fetch("data:image/svg+xml," + clean.decode())
    assert log.served == ["chart"] and len(log.refused) == 6


# ------------------------------------------------------------------ a whole build, audited


def _allowed_roots(study: Path, out: Path) -> list[Path]:
    """Where a build may open files, and why (SECURITY.md repeats this list)."""
    paths = sysconfig.get_paths()
    roots = [study, out,                      # the sources, and the outputs
             Path(casestudy.__file__).parent,  # the package: its code and branding
             *default_brand().font_roots(),                    # the brand font packages
             # the Python installation: code and package data loaded lazily (pycountry's
             # ISO database, pyphen's dictionaries, encodings, importlib metadata)
             *(Path(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")),
             *(Path(p) for p in sys.path if p.endswith(".zip"))]
    return [Path(os.path.realpath(r)) for r in roots]


def _weasyprint_temp(path: Path) -> bool:
    """WeasyPrint writes each @font-face font to a weasyprint-* folder for fontconfig (the
    build opens the folder itself to remove it afterwards)."""
    temp = Path(os.path.realpath(tempfile.gettempdir()))
    folder = path if path.parent == temp else path.parent
    return folder.parent == temp and folder.name.startswith("weasyprint-")


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A whole build of a study linking to a loopback listener, under an audit hook."""
    server = Listener()
    base = tmp_path_factory.mktemp("audited")
    study = hostile_study(base / "study", "loopback-link", port=server.port)
    out, events = base / "out", base / "events.json"
    try:
        result = run_child([str(HELPER), "audit", str(study), str(out), str(events)], base,
                           timeout=300)
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    return server, study, out, json.loads(events.read_text())


def test_a_build_opens_files_only_in_the_allowed_roots(audited):
    _, study, out, events = audited
    roots = _allowed_roots(study, out)
    opened = [Path(os.path.realpath(e[1])) for e in events if e[0] == "open"]
    assert len(opened) > 10  # the hook saw the build (sections, figures, fonts, output)
    assert any(p.suffix == ".pdf" for p in opened)
    assert any(p.name == "index.html" for p in opened)  # the web edition too
    assert study / "figures" / "values.csv" in opened  # the chart's data, read for drawing
    assert any(p.parent == out / ".casestudy" / "charts" for p in opened)  # and kept
    outside = [str(p) for p in opened
               if not any(p == r or r in p.parents for r in roots) and not _weasyprint_temp(p)]
    assert outside == []
    written = [Path(os.path.realpath(e[1])) for e in events if e[0] == "open" and (
        any(c in e[2] for c in "wax+") or int(e[3] or 0) & _WRITE_FLAGS)]
    assert written, "the build wrote its PDF"
    assert [str(p) for p in written if out not in p.parents and not _weasyprint_temp(p)] == []


def test_a_build_makes_no_connection_and_runs_no_program(audited):
    server, _, _, events = audited
    assert [e for e in events if e[0] not in ("open", "os.listdir", "os.scandir")] == []
    assert server.accepted == 0


def test_links_stay_links_nothing_is_embedded(audited):
    server, study, out, _ = audited
    facts = read_pdf(out / "study.pdf")
    uris, _ = facts.links()
    assert f"{server.url}/link" in uris and f"{server.url}/autolink" in uris
    assert "/EmbeddedFiles" not in (facts.reader.trailer["/Root"].get("/Names") or {})


def test_a_branded_build_opens_only_the_study_the_brand_and_the_allowed_roots(
        tmp_path_factory):
    """The same audit over a series with its own brand (a PNG logo, fonts from other
    packages, extra.css and a template override): the brand's files are opened, and
    nothing else of the series folder (a stray file beside _brand.yml) but the text of
    the other study: its study.yaml and sections, which the web edition's series index
    lists, and the SVG figures and chart data its sections show, whose characters the
    series' shared web fonts must draw too (site.py); never a file it does not show."""
    from casestudy.brand.load import load_brand

    repo = tmp_path_factory.mktemp("audited-brand") / "repo"
    shutil.copytree(REPO / "tests/fixtures/brands/harbor", repo)
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    study = hostile_study(repo / "countries" / "study", "loopback-link", port=9)
    hostile_study(repo / "countries" / "other", "loopback-link", port=9)
    (repo / "countries" / "other" / "figures" / "unshown.svg").write_bytes(
        (repo / "countries" / "other" / "figures" / "chart.svg").read_bytes())
    (repo / "notes.txt").write_text("not the brand's")
    out, events = repo / "build", repo.parent / "events.json"
    result = run_child([str(HELPER), "audit", str(study), str(out), str(events)], repo.parent,
                       timeout=300)
    assert result.returncode == 0, result.stderr
    brand = load_brand(repo)
    roots = _allowed_roots(study, out) + [
        Path(os.path.realpath(p)) for p in (*brand.font_roots(), repo / "series.yaml")]
    opened = [Path(os.path.realpath(e[1])) for e in json.loads(events.read_text())
              if e[0] == "open"]
    assert Path(os.path.realpath(repo / "brand/harbor-logo.png")) in opened
    assert Path(os.path.realpath(repo / "_brand.yml")) in opened
    other = Path(os.path.realpath(repo / "countries" / "other"))
    text = [p for p in opened if p == other / "study.yaml"
            or (p.parent == other / "sections" and p.suffix == ".md")
            or p in (other / "figures" / "chart.svg", other / "figures" / "values.csv")]
    assert other / "study.yaml" in text and other / "figures" / "chart.svg" in text
    assert other / "figures" / "unshown.svg" not in opened
    outside = [str(p) for p in opened if p not in text
               and not any(p == r or r in p.parents for r in roots) and not _weasyprint_temp(p)]
    assert outside == []
