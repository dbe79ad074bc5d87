"""The size of a brief in other scripts, beside Italy's: what the PDF weighs and what its
fonts weigh, per page.

    python bench/sizes.py [--write BENCHMARKS.md]

Builds, in one run and one process, the Italy brief and the Hebrew and Korean study the
tests build (tests/render/test_scripts.py: the minimal study with a Hebrew paragraph,
Hebrew spans and citation, and a Korean passage; Heebo, Noto Sans Arabic and the Nanum
Gothic subset of tests/fixtures/scripts). When Debian's fonts-nanum is installed, the
same study again with the whole Nanum Gothic in place of the subset, as a series
would declare it: what subsetting leaves of a 4 MB Hangul font.

Sizes do not depend on how busy the machine is: the same code and fonts give the same
bytes. Ratios are per page, against Italy's. With --write, the results replace this
benchmark's section of the file (headed "## PDF sizes"), leaving the rest as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## PDF sizes"
TARGET_KB = 60  # per page, as (f) of bench/run.py
NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")  # Debian's fonts-nanum
NOTES = """\
"fonts" is the font programs embedded (compressed streams), "per page" the whole file
divided by its pages. Every face is cut to the glyphs the brief draws (HarfBuzz, glyph
ids kept: tests/render/test_embedded_glyphs.py holds each font to the glyphs drawn), so
a Hangul font weighs what the brief's syllables weigh, not what the font file does."""


def scripts_study(folder: Path, hangul: Path | None = None) -> Path:
    """The Hebrew and Korean study of tests/render/test_scripts.py, made in ``folder``
    as its fixture makes it; ``hangul`` in place of the fixture's Nanum Gothic subset."""
    sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "render")]
    import test_scripts  # the study the tests build: its text, references and brand

    from conftest import make_study

    (folder / "countries").mkdir(parents=True)
    (folder / "fonts").mkdir()
    shutil.copyfile(hangul or test_scripts.SCRIPTS / "fonts" / "NanumGothic-subset.ttf",
                    folder / "fonts" / "NanumGothic-subset.ttf")
    (folder / "series.yaml").write_text((REPO / "series.yaml").read_text("utf-8")
                                        + "citations:\n  bibliography: true\n", "utf-8")
    (folder / "_brand.yml").write_text(test_scripts.BRAND, "utf-8")
    study = make_study(folder / "countries" / "israel")
    (study / "references.json").write_text(
        json.dumps(test_scripts.REFERENCES, ensure_ascii=False), "utf-8")
    with open(study / "sections" / "04-sectors.md", "a", encoding="utf-8") as handle:
        handle.write(test_scripts.SECTION)
    return study


def measure(study: Path, series: Path, out: Path) -> tuple[int, int, int, int, int]:
    """Build ``study``'s PDF; its bytes, pages, embedded font bytes, fonts, and the
    bytes of its Hangul font (Nanum Gothic)."""
    import pikepdf

    from casestudy.series.build import build_study
    from casestudy.source.load import load_series

    build_study(study, out, ("pdf",), load_series(series))
    pdf = out / f"{study.name}.pdf"
    font_bytes = fonts = hangul = 0
    with pikepdf.open(pdf) as document:
        pages = len(document.pages)
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        size = len(obj[key].read_raw_bytes())
                        font_bytes, fonts = font_bytes + size, fonts + 1
                        hangul += size if "Nanum" in str(obj.FontName) else 0
    return pdf.stat().st_size, pages, font_bytes, fonts, hangul


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="write the results as Markdown here")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="casestudy-sizes-") as tmp:
        work = Path(tmp)
        italy = measure(REPO / "countries" / "italy", REPO, work / "italy")
        rows.append(("Italy", "countries/italy, the series' brand", italy))
        study = scripts_study(work / "scripts")
        rows.append(("Hebrew and Korean", "the study of tests/render/test_scripts.py, "
                     "Nanum Gothic subset of tests/fixtures/scripts (32 KB file)",
                     measure(study, work / "scripts", work / "scripts-out")))
        if NANUM.exists():
            study = scripts_study(work / "whole", NANUM)
            rows.append(("Hebrew and Korean, whole Nanum Gothic", "the same, with Debian's "
                         f"{NANUM.name} ({NANUM.stat().st_size / 1024 / 1024:.1f} MB file) "
                         "as the Hangul font", measure(study, work / "whole", work / "whole-out")))
    per_page = italy[0] / italy[1]
    table = ["| brief | size | pages | per page | per page / Italy's | fonts | target "
             f"(< {TARGET_KB} KB a page) | detail |", "|---|---|---|---|---|---|---|---|"]
    for name, detail, (size, pages, font_bytes, fonts, hangul) in rows:
        met = "yes" if size / pages < TARGET_KB * 1024 else "NO"
        detail += f"; the Hangul font embedded: {hangul / 1024:.1f} KB" if hangul else ""
        table.append(f"| {name} | {size / 1024:.0f} KB | {pages} | "
                     f"{size / pages / 1024:.1f} KB | {size / pages / per_page:.2f}x | "
                     f"{font_bytes / 1024:.0f} KB in {fonts} | {met} | {detail} |")
    if not NANUM.exists():
        table.append(f"| Hebrew and Korean, whole Nanum Gothic | not measured | | | | | | "
                     f"needs {NANUM} (apt-get install fonts-nanum) |")
    text = "\n".join(table) + "\n\n" + NOTES
    print(text)
    if args.write:
        section = (f"{HEADING}\n\nMeasured by `python bench/sizes.py --write BENCHMARKS.md` "
                   f"on {dt.date.today().isoformat()}, all in one run (sizes do not depend "
                   "on the machine's load).\n\n" + text + "\n")
        old = args.write.read_text("utf-8") if args.write.exists() else "# Benchmarks\n"
        at = old.find(HEADING)
        if at >= 0:
            end = old.find("\n## ", at + len(HEADING))
            old = old[:at] + section + (old[end + 1:] if end >= 0 else "")
        else:
            old = old.rstrip("\n") + "\n\n" + section
        args.write.write_text(old, "utf-8")


if __name__ == "__main__":
    main()
