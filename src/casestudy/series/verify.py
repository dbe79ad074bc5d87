"""`casestudy verify`: a PDF in hand against the current sources of its study and series
(the manifest it carries: render/provenance.py)."""

from __future__ import annotations

from pathlib import Path

from ..brand.load import load_brand
from ..errors import CasestudyError, StudyNotFound
from ..render.provenance import Provenance, compare, pdf_bytes, read_manifest
from ..source.load import COUNTRIES, STUDY_FILE, load_series


def describe(result: Provenance, pdf: Path, root: Path | None) -> list[str]:
    """What ``casestudy verify`` prints: the verdict, then each file that differs."""
    name = str(pdf)
    if result.status == "foreign":
        return [f"{name}: not built by casestudy (it carries no manifest of its sources)"]
    where = str(root) if root is not None else result.study
    tools = f"casestudy {result.built_with.get('casestudy')}, " \
            f"WeasyPrint {result.built_with.get('weasyprint')}"
    if result.status == "current":
        return [f"{name}: current: built from the sources of {where} as they are ({tools})"]
    lines = [f"{name}: stale: built from older sources of {where} ({tools}); since then:"]
    lines += [f"  added    {file}" for file in result.added]
    lines += [f"  removed  {file}" for file in result.removed]
    lines += [f"  changed  {file}" for file in result.changed]
    return lines


def verify_pdf(pdf: Path, study: Path | None, repo: Path) -> tuple[Provenance, Path | None]:
    """Compare the PDF at ``pdf`` with the current sources of ``study`` (by default the
    study the PDF names, in ``repo``'s countries/) and of the series in ``repo``."""
    try:
        data = pdf_bytes(pdf)
    except OSError as exc:
        raise CasestudyError(f"cannot read the PDF: {exc.strerror}", pdf) from None
    if data is None:
        raise CasestudyError("not a regular file of at most 64 MB", pdf)
    if not data.startswith(b"%PDF-") and not _is_page(data):
        raise CasestudyError("neither a PDF file nor a page of the web edition", pdf)
    then = read_manifest(data)
    if then is None:
        return Provenance("foreign"), study
    if study is None:
        slug = str(then.get("study") or "")
        study = repo / COUNTRIES / slug
        if not slug or "/" in slug or slug.startswith(".") or not (study / STUDY_FILE).is_file():
            raise StudyNotFound(f"the PDF was built from study {slug!r}, which is not in "
                             f"{repo / COUNTRIES}; name its folder", pdf)
    series = load_series(repo)
    return compare(data, study, series, load_brand(repo)), study


def _is_page(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html"))
