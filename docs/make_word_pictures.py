"""Remake the pictures of docs/word.md: the Word copy of Italy as LibreOffice shows it
(``docs/word-copy.png``) and the same copy after a review with a tracked change
(``docs/word-review.png``, the change made by python-docx as in tests/word/).

    python docs/make_word_pictures.py

Needs LibreOffice (``apt-get install libreoffice-writer-nogui``) and the test extra.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pypdfium2
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "tests" / "word"))

from reviewing import comment, review, track_replace  # noqa: E402

from casestudy.brand.load import load_brand  # noqa: E402
from casestudy.render.docx import docx_bytes, word_copy  # noqa: E402
from casestudy.render.docxstyle import reference_docx  # noqa: E402
from casestudy.source.load import load_study  # noqa: E402


def to_pdf(docx: Path, folder: Path) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        sys.exit("needs LibreOffice: apt-get install libreoffice-writer-nogui")
    subprocess.run([soffice, "--headless", "--norestore",
                    f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "pdf",
                    "--outdir", str(folder), str(docx)], check=True, capture_output=True)
    return folder / (docx.stem + ".pdf")


def page(pdf: Path, number: int, scale: float = 0.9) -> Image.Image:
    document = pypdfium2.PdfDocument(str(pdf))
    image = document[number].render(scale=scale).to_pil().convert("RGB")
    document.close()
    return image


def side_by_side(images: list[Image.Image]) -> Image.Image:
    gap = 16
    out = Image.new("RGB", (sum(i.width for i in images) + gap * (len(images) + 1),
                            max(i.height for i in images) + 2 * gap), "#d7dade")
    x = gap
    for image in images:
        out.paste(image, (x, gap))
        x += image.width + gap
    return out


def main() -> None:
    study = load_study(REPO / "countries" / "italy")
    brand = load_brand(REPO)
    assert study.meta is not None
    date = study.meta.date
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        copy = folder / "italy.docx"
        with reference_docx(brand, REPO) as reference:
            copy.write_bytes(docx_bytes(word_copy(study, brand), reference, study.root,
                                        (date.year, date.month, date.day)))
        pdf = to_pdf(copy, folder)
        side_by_side([page(pdf, 0), page(pdf, 4)]).save(HERE / "word-copy.png",
                                                        optimize=True)

        def edit(document) -> None:
            track_replace(document, "The record is mixed.", "largely", "mostly",
                          "Ana Ruiz", 501)
            comment(document, "Key points", "Key points", "Shorter, please.", "Ana Ruiz")

        reviewed = review(copy, folder / "italy-reviewed.docx", edit)
        image = page(to_pdf(reviewed, folder), 0, 1.2)
        image.crop((0, int(image.height * 0.22), image.width,
                    int(image.height * 0.62))).save(HERE / "word-review.png", optimize=True)
    print("wrote docs/word-copy.png and docs/word-review.png")


if __name__ == "__main__":
    main()
