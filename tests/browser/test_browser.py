"""In a real browser: Playwright for Python driving Debian's Chromium.

The preview (edit and see, the error overlay, the PDF view) and the published web
edition (series index, links, requests, accessibility with axe-core). Without Chromium,
Playwright or axe-core these tests are skipped, except in CI (CI=true), where they fail:
.ci/run installs all three.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import REPO

CHROMIUM = Path(os.environ.get("CASESTUDY_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(os.environ.get("CASESTUDY_AXE", REPO / ".ci/node/node_modules/axe-core/axe.min.js"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SEEN = 8_000  # ms: "within a few seconds"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


if (why := _missing()) is not None:
    if os.environ.get("CI"):
        raise RuntimeError(f"browser tests cannot run in CI: {why}")
    pytest.skip(why, allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    yield tab
    context.close()


def copy_series(dest: Path, brand: Path = REPO) -> Path:
    """Italy in a copy of this series, in its brand (Meridian's) or another's."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "series.yaml", dest / "series.yaml")
    shutil.copytree(REPO / "countries" / "italy", dest / "countries" / "italy")
    shutil.copyfile(brand / "_brand.yml", dest / "_brand.yml")
    shutil.copytree(brand / "brand", dest / "brand")
    return dest


# ------------------------------------------------------------------ the preview


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """`casestudy preview italy` as the author runs it, on a copy of the series."""
    repo = copy_series(tmp_path_factory.mktemp("preview") / "repo")
    child = subprocess.Popen([sys.executable, "-m", "casestudy", "preview", "italy"], cwd=repo,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []

    def read(stream) -> None:
        for line in stream:
            lines.append(line)

    for stream in (child.stdout, child.stderr):
        threading.Thread(target=read, args=(stream,), daemon=True).start()
    deadline = time.monotonic() + 120
    url = None
    while url is None and time.monotonic() < deadline and child.poll() is None:
        url = next((m.group(0) for m in map(re.compile(r"http://127\.0\.0\.1:\d+/italy/").search,
                                               list(lines)) if m), None)
        time.sleep(0.1)
    assert url, "".join(lines)
    yield repo, url, lines
    child.terminate()
    child.wait(timeout=60)


def test_an_edit_shows_in_the_open_page(preview, page: Page):
    repo, url, _ = preview
    page.goto(url)
    expect(page.locator("h1")).to_have_text("Una squadra vincente")
    page.wait_for_load_state("load")
    page.evaluate("window.scrollTo(0, 3000)")
    section = repo / "countries" / "italy" / "sections" / "08-conclusion.md"
    text = section.read_text("utf-8")
    section.write_text(text.replace("\n\n", "\n\nA sentence the author just wrote, è così.\n\n", 1),
                       "utf-8")
    expect(page.get_by_text("A sentence the author just wrote, è così.")).to_be_attached(
        timeout=SEEN)
    page.wait_for_function("window.scrollY > 2500")  # still where the author was reading


def test_an_error_shows_located_over_the_last_good_page_and_fixing_it_clears_it(
        preview, page: Page):
    repo, url, lines = preview
    page.goto(url)
    overlay = page.locator(".cs-overlay")
    expect(overlay).to_have_count(0)
    section = repo / "countries" / "italy" / "sections" / "03-relationship.md"
    good = section.read_text("utf-8")
    number = good.split("\n").index("") + 2  # the first line after the heading's blank
    section.write_text(good.replace("\n\n", "\n\nSee [the file](file:///etc/passwd).\n\n", 1),
                       "utf-8")
    expect(overlay).to_be_visible(timeout=SEEN)
    message = overlay.locator("li").first
    expect(message).to_contain_text(
        re.compile(rf"countries/italy/sections/03-relationship\.md:{number}:\d+: error: "))
    expect(page.locator("h1")).to_have_text("Una squadra vincente")  # the page stays behind
    assert any("03-relationship.md" in line and "error" in line for line in lines)  # terminal
    section.write_text(good, "utf-8")
    expect(overlay).to_have_count(0, timeout=SEEN)


def test_the_pdf_view_shows_the_latest_pdf(preview, page: Page):
    _, url, _ = preview
    page.goto(url.replace("/italy/", "/_preview/pdf"))
    frame = page.locator("#cs-pdf")
    expect(frame).to_have_attribute("src", re.compile(r"/italy/italy\.pdf\?v=\d+"),
                                    timeout=180_000)
    first = frame.get_attribute("src")
    response = page.request.get(urljoin(page.url, first))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    expect(page.locator(".cs-status")).to_contain_text("PDF: ready")


# ------------------------------------------------------------------ the published site


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _served_site(repo: Path):
    """Italy built with `casestudy build --format html`, served as a web server would."""
    result = subprocess.run([sys.executable, "-m", "casestudy", "build", "--format", "html"],
                            cwd=repo, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    out = repo / "build"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield out, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    yield from _served_site(copy_series(tmp_path_factory.mktemp("site") / "repo"))


@pytest.fixture(scope="module")
def harbor_site(tmp_path_factory):
    harbor = REPO / "tests" / "fixtures" / "brands" / "harbor"
    yield from _served_site(copy_series(tmp_path_factory.mktemp("harbor") / "repo", harbor))


def test_the_index_links_to_each_study_and_its_pdf(site, page: Page):
    out, base = site
    page.goto(f"{base}/index.html")
    expect(page.locator("h1")).to_have_text("Allied Defense-Industrial Partnerships")
    study = page.locator("li.study")
    expect(study).to_have_count(1)
    expect(study).to_contain_text("No. 1 · Italy")
    expect(study.locator("ul.points li").first).to_have_text(
        "Italy is no longer just a customer for American weapons.")
    pdf_href = study.get_by_role("link", name=re.compile(r"^PDF")).get_attribute("href")
    study.get_by_role("link", name="Una squadra vincente").click()
    expect(page).to_have_url(f"{base}/italy/index.html")
    expect(page.locator("h1")).to_have_text("Una squadra vincente")
    page_pdf = page.get_by_role("link", name=re.compile(r"^PDF")).get_attribute("href")
    assert page_pdf == "italy.pdf" and pdf_href == "italy/italy.pdf"
    response = page.request.get(f"{base}/italy/{page_pdf}")
    assert response.ok and response.body() == (out / "italy.pdf").read_bytes()
    page.get_by_role("link", name="Allied Defense-Industrial Partnerships").click()
    expect(page).to_have_url(f"{base}/index.html")


def test_the_web_edition_requests_nothing_outside_its_own_folder(site, page: Page):
    _, base = site
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{base}/italy/index.html", wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    assert failed == []
    paths = [urlsplit(url).path for url in requested]
    assert all(url.startswith(base + "/") for url in requested), requested
    assert all(p.startswith(("/italy/", "/assets/")) for p in paths), paths
    assert any(p.endswith(".woff2") for p in paths)  # the shared fonts, not copies
    assert page.locator("figure svg").count() >= 1  # Italy's chart, drawn inline: no request


def _loaded_fonts(page: Page) -> set[str]:
    page.evaluate("document.fonts.ready.then(() => true)")
    return set(page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"))


def test_the_web_edition_is_drawn_in_the_series_brand(harbor_site, site, page: Page, tmp_path):
    """The same Italy page in Harbor's brand: its typefaces are the ones the browser
    loads, its primary colour fills the masthead, its PNG logo is drawn, its extra.css
    applies; and in Meridian's brand, Meridian's. Screenshots in tmp_path."""
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    seen = {}
    for name, (_, base) in (("harbor", harbor_site), ("meridian", site)):
        page.goto(f"{base}/italy/index.html", wait_until="networkidle")
        fonts = _loaded_fonts(page)
        masthead = page.evaluate(
            "getComputedStyle(document.querySelector('.masthead')).backgroundColor")
        logo = page.locator(".masthead img")
        drawn = logo.evaluate("img => img.complete && img.naturalWidth > 0")
        title_font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
        page.screenshot(path=str(tmp_path / f"{name}.png"))
        seen[name] = (fonts, masthead, logo.get_attribute("src"), drawn, title_font)
    assert failed == []
    fonts, masthead, src, drawn, title_font = seen["harbor"]
    assert fonts == {"IBM Plex Serif", "IBM Plex Sans"}
    assert masthead == "rgb(11, 93, 59)"  # color.primary: pine
    assert src == "../assets/logo.png" and drawn
    assert title_font.startswith('"IBM Plex Sans"')  # the headings face
    fonts, masthead, src, drawn, title_font = seen["meridian"]
    assert fonts == {"Source Serif 4", "Source Sans 3"}
    assert masthead == "rgb(27, 42, 74)"
    assert src == "../assets/logo.svg" and drawn
    assert title_font.startswith('"Source Serif 4"')  # Meridian's extra.css: serif titles


def _axe(page: Page) -> list[dict]:
    page.evaluate(AXE.read_text("utf-8"))  # evaluated, not a <script>: the page's CSP stays
    found = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [v for v in found["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("path", ["/index.html", "/italy/index.html"])
def test_no_serious_accessibility_violation(site, page: Page, path):
    if not AXE.is_file():
        if os.environ.get("CI"):
            raise AssertionError(f"axe-core missing at {AXE}: .ci/run installs it")
        pytest.skip(f"axe-core missing at {AXE} (npm install --prefix .ci/node axe-core@4)")
    _, base = site
    page.goto(base + path, wait_until="networkidle")
    violations = _axe(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                              for v in violations]


def test_the_accessibility_check_can_fail(page: Page):
    """axe really runs: a page with an image without alt text and an unlabeled field fails."""
    if not AXE.is_file():
        pytest.skip(f"axe-core missing at {AXE}")
    page.set_content('<html lang="en"><title>x</title><img src="data:,"><input type="text">')
    assert {v["id"] for v in _axe(page)} >= {"image-alt", "label"}
