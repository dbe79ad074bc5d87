"""Regenerate docs/cover.png and docs/body.png from the Italy brief, docs/cover-harbor.png
(the same brief in a second brand), docs/series.png, docs/index.png and
docs/preview-error.png.

    python docs/make_screenshots.py

Builds countries/italy into a temporary folder, then renders the cover and the first
page that shows a figure with its footnotes to PNG with PDFium (pypdfium2, a test
extra: `pip install -e ".[test]"`). The
second cover is Italy built in a copy of this repository whose _brand.yml and brand/
are those of tests/fixtures/brands/harbor (another logo, palette, typefaces and cover).
The series report is Italy beside the two new studies of tests/fixtures/series-three,
as HTML, photographed by headless Chromium (skipped, with a note, without it).
The series index is the web edition of a copy of the series, and the preview is
`casestudy preview` of that copy with a broken link saved into a section: both are
photographed by Chromium through Playwright (skipped, with a note, without them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdfium2
from pypdf import PdfReader

from casestudy.brand.load import load_brand
from casestudy.series.build import build_study
from casestudy.series.formats import render
from casestudy.series.report import series_report
from casestudy.source.load import load_series

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"


def page_png(pdf: Path, page: int, target: Path, dpi: int = 60) -> None:
    """Page ``page`` (1-based) of ``pdf`` as a PNG."""
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        document[page - 1].render(scale=dpi / 72).to_pil().convert("RGB").save(target)
    finally:
        document.close()


def series_png(target: Path) -> bool:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium not found: docs/series.png left as it is", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(REPO / "tests" / "fixtures" / "series-three", repo)
        shutil.copytree(REPO / "countries" / "italy", repo / "countries" / "italy")
        shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
        shutil.copyfile(REPO / "_brand.yml", repo / "_brand.yml")
        shutil.copytree(REPO / "brand", repo / "brand")
        page = Path(tmp) / "series.html"
        page.write_text(render(series_report(repo), "html"), "utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", "--window-size=1280,760",
                        f"--screenshot={target}", page.as_uri()],
                       check=True, capture_output=True, timeout=120)
    return True


def harbor_cover(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        shutil.copytree(REPO / "countries" / "italy", repo / "countries" / "italy")
        shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
        shutil.copytree(REPO / "tests" / "fixtures" / "brands" / "harbor", repo,
                        dirs_exist_ok=True)
        build_study(repo / "countries" / "italy", repo / "build")
        page_png(repo / "build" / "italy.pdf", 1, target)


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def web_pngs(index_png: Path, preview_png: Path) -> bool:
    """The series index, and the preview showing a check error over the page."""
    import re

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("chromium or playwright not found: docs/index.png and docs/preview-error.png "
              "left as they are", file=sys.stderr)
        return False
    from casestudy.preview.session import Preview
    from casestudy.series.build import build_series

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        repo = Path(tmp) / "repo"
        shutil.copytree(REPO / "countries" / "italy", repo / "countries" / "italy")
        shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
        shutil.copyfile(REPO / "_brand.yml", repo / "_brand.yml")  # this series' brand
        shutil.copytree(REPO / "brand", repo / "brand")
        out = repo / "build"
        build_series([repo / "countries" / "italy"], out, ("html",), load_series(repo),
                     repo=repo, brand=load_brand(repo))
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto((out / "index.html").as_uri())
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(index_png))
        with Preview(repo / "countries" / "italy", repo) as preview:
            page.goto(preview.url)
            page.locator(".cs-status").filter(has_text="PDF: ready").wait_for(timeout=300_000)
            section = repo / "countries" / "italy" / "sections" / "02-imperative.md"
            text = section.read_text("utf-8")
            text = re.sub(r"\[\^(\w+)\]", r"[^\1-typo]", text, count=1)  # an undefined note
            section.write_text(text.replace("\n\n", "\n\nSee [the draft](file:///home/"
                                            "author/draft.docx).\n\n", 1), "utf-8")
            page.locator(".cs-overlay").wait_for(timeout=30_000)
            page.screenshot(path=str(preview_png))
        browser.close()
    return True


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        build_study(REPO / "countries" / "italy", out, ("pdf",), load_series(REPO),
                    brand=load_brand(REPO))
        pdf = out / "italy.pdf"
        texts = [page.extract_text() for page in PdfReader(str(pdf)).pages]
        body = next(i for i, text in enumerate(texts, 1) if "Figure 1." in text)
        page_png(pdf, 1, DOCS / "cover.png")
        page_png(pdf, body, DOCS / "body.png")
    print(f"wrote {DOCS / 'cover.png'} and {DOCS / 'body.png'} (body page {body})")
    harbor_cover(DOCS / "cover-harbor.png")
    print(f"wrote {DOCS / 'cover-harbor.png'}")
    if series_png(DOCS / "series.png"):
        print(f"wrote {DOCS / 'series.png'}")
    if web_pngs(DOCS / "index.png", DOCS / "preview-error.png"):
        print(f"wrote {DOCS / 'index.png'} and {DOCS / 'preview-error.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
