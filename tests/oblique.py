"""No synthetic oblique of a script without italics, in any PDF the test suite builds.

Han, Hangul, Kana, Hebrew and Arabic have no italics: a brief must draw them upright
inside emphasis and quotations (render/scripts.py wraps their runs in
``<span class="upright">``). A slanted run is easy to miss on a page and reaches every
kind of brief, so the rule is held over every PDF of the suite, not one study: at the
end of each test process's session this plugin finds every ``*.pdf`` under that
process's base temporary folder (``tmp_path_factory.getbasetemp()``: with xdist each
worker has its own), reads each distinct file once (by content digest) with PDFium's
raw API, and reports each text object that draws one of those scripts with a skewed
matrix or an italic or oblique face: the PDF, the page, the font and the text. Only
PDFs that WeasyPrint wrote are judged (their Producer says so): the briefs, and any
page a test renders with WeasyPrint; another program's file (LibreOffice's rendering
of the Word copy, a hand-made PDF) is not ours to judge here.

Why a session hook and not a test placed last: the PDFs are made all over the suite, in
whichever process xdist sends each file to, and only the end of a process's session
sees all of its own. A test "placed last" would have to run last in every worker, an
order xdist does not give (``--dist loadfile`` hands out files as workers free up). The
hook runs once per process, after all of its tests and their fixtures:

- in a worker (or a run with ``-n 0``) it scans that process's base temporary folder
  (pytest keeps it after the session), before the tmp_path plugin's own hook, which
  may prune folders (``tryfirst``);
- a worker hands its findings to the controller in ``workeroutput`` (sent with its
  finish report); the controller gathers them in ``pytest_testnodedown``;
- the process that reports (the controller, or the only one) sets
  ``session.exitstatus`` to 1 when anything was found (pytest returns the status as the
  hook leaves it) and lists each finding in a section of the terminal summary.

A finding names no test: the PDF's path says which test made it (``.../test_name0/...``).
The cost is one PDFium pass over each distinct PDF (``CASESTUDY_OBLIQUE_COST=1`` prints
it in the summary).

Set ``CASESTUDY_OBLIQUE=0`` to skip the scan (when timing something else).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

# the scripts with no italics: Hebrew, Arabic (and its supplements and presentation
# forms), Hangul (jamo, compatibility jamo, syllables), Kana, Han (radicals to
# ideographs, extensions, compatibility ideographs), and the punctuation and fullwidth
# forms only their fonts draw (「」、。：); written out here, not taken from
# render/scripts.py, so that a gap there is not copied into the check
NO_ITALIC = re.compile(
    "[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb1d-\ufb4f\ufb50-\ufdff"
    "\ufe70-\ufeff\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
    "\u3040-\u30ff\u31f0-\u31ff\u2e80-\u2fdf\u3000-\u303f\ufe10-\ufe1f\ufe30-\ufe4f"
    "\uff00-\uffef\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
_SLANTED_NAME = re.compile("italic|oblique", re.I)
_ITALIC_FLAG = 1 << 6  # PDF 32000-1, table 123: bit 7, Italic
# a matrix is skewed when its axes are not at right angles: |cos| of the angle between
# them above this (a synthetic oblique is about 0.2; rounding is far below 0.01)
_SKEW = 0.01
_FOUND = pytest.StashKey[list]()
_COST = pytest.StashKey[list]()


@dataclass(frozen=True)
class Slant:
    pdf: Path
    page: int  # from 1
    font: str
    text: str
    why: str

    def __str__(self) -> str:
        return f"{self.pdf}: page {self.page}: {self.text!r} in {self.font} ({self.why})"


def _text_objects(container, is_form: bool = False):
    """Every text object of a page, and of the form XObjects it draws (SVG figures)."""
    count = (pdfium_c.FPDFFormObj_CountObjects(container) if is_form
             else pdfium_c.FPDFPage_CountObjects(container))
    for i in range(count):
        obj = (pdfium_c.FPDFFormObj_GetObject(container, i) if is_form
               else pdfium_c.FPDFPage_GetObject(container, i))
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            yield obj
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            yield from _text_objects(obj, is_form=True)


def _text(obj, textpage) -> str:
    size = pdfium_c.FPDFTextObj_GetText(obj, textpage, None, 0)  # in bytes, with the NUL
    if size <= 2:
        return ""
    buffer = (ctypes.c_ushort * (size // 2))()
    pdfium_c.FPDFTextObj_GetText(obj, textpage, buffer, size)
    return bytes(buffer).decode("utf-16-le", "replace").rstrip("\x00")


def _font(obj) -> tuple[str, bool]:
    """The font's base name, and whether its descriptor says italic (flag or angle)."""
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    name = ctypes.create_string_buffer(256)
    pdfium_c.FPDFFont_GetBaseFontName(font, name, 256)
    angle = ctypes.c_int()
    has_angle = pdfium_c.FPDFFont_GetItalicAngle(font, ctypes.byref(angle))
    italic = bool(pdfium_c.FPDFFont_GetFlags(font) & _ITALIC_FLAG) or (
        bool(has_angle) and angle.value != 0)
    return name.value.decode("latin-1"), italic


def _skew(obj) -> float:
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(matrix)):
        return 0.0
    a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
    lengths = ((a * a + b * b) * (c * c + d * d)) ** 0.5
    return abs(a * c + b * d) / lengths if lengths else 0.0


def slanted_runs(pdf: Path) -> list[Slant] | None:
    """Each text object of ``pdf`` that draws a script without italics slanted; None for
    a PDF that WeasyPrint did not write (not a brief: LibreOffice's rendering of the Word
    copy, a test's hand-made file), which is not ours to judge."""
    found = []
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        if not document.get_metadata_dict().get("Producer", "").startswith("WeasyPrint"):
            return None
        for number in range(len(document)):
            page = document[number]
            textpage = page.get_textpage()
            for obj in _text_objects(page.raw):
                text = _text(obj, textpage)
                runs = NO_ITALIC.findall(text)
                if not runs:
                    continue
                font, italic = _font(obj)
                skew = _skew(obj)
                why = [w for w, hit in (("italic or oblique face", _SLANTED_NAME.search(font)
                                         or italic),
                                        (f"skewed matrix, {skew:.2f}", skew > _SKEW)) if hit]
                if why:
                    found.append(Slant(pdf, number + 1, font, " ".join(runs), "; ".join(why)))
            textpage.close()
            page.close()
    finally:
        document.close()
    return found


def scan(root: Path) -> tuple[list[Slant], int]:
    """The slanted runs of every distinct PDF under ``root``, and how many were judged."""
    seen: set[bytes] = set()
    found: list[Slant] = []
    judged = 0
    for pdf in sorted(root.rglob("*.pdf")):
        if not pdf.is_file() or pdf.is_symlink():
            continue
        try:
            digest = hashlib.blake2b(pdf.read_bytes(), digest_size=16).digest()
        except OSError:
            continue
        if digest in seen:
            continue
        seen.add(digest)
        try:
            slants = slanted_runs(pdf)
        except pypdfium2.PdfiumError:
            continue  # a test's deliberately broken or partial file is not a brief
        if slants is not None:
            judged += 1
            found.extend(slants)
    return found, judged


def _is_xdist_controller(config: pytest.Config) -> bool:
    return getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)  # before the tmp_path plugin may remove folders
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if os.environ.get("CASESTUDY_OBLIQUE") == "0":
        return
    if _is_xdist_controller(config):  # it builds nothing: its workers report to it
        found = config.stash.get(_FOUND, [])
    else:
        factory = getattr(config, "_tmp_path_factory", None)
        if factory is None or getattr(factory, "_basetemp", None) is None:
            return  # no test asked for a temporary folder: nothing was built
        started, clock = time.process_time(), time.perf_counter()
        slants, read = scan(Path(factory.getbasetemp()))
        found = [str(s) for s in slants]
        seconds = (time.process_time() - started, time.perf_counter() - clock)
        if hasattr(config, "workerinput"):  # sent to the controller with the finish
            config.workeroutput["slanted"] = found  # type: ignore[attr-defined]
            config.workeroutput["oblique_scan"] = (read, seconds)  # type: ignore[attr-defined]
        config.stash[_COST] = [(read, seconds)]
    config.stash[_FOUND] = found
    if found and session.exitstatus == pytest.ExitCode.OK:
        # pytest returns session.exitstatus after this hook: the run fails
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)  # an xdist hook: a run with -p no:xdist lacks it
def pytest_testnodedown(node, error) -> None:
    """On the xdist controller: gather what each worker found."""
    output = getattr(node, "workeroutput", None) or {}
    config = node.config
    config.stash.setdefault(_FOUND, []).extend(output.get("slanted", []))
    if "oblique_scan" in output:
        config.stash.setdefault(_COST, []).append(tuple(output["oblique_scan"]))


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    found = config.stash.get(_FOUND, [])
    costs = config.stash.get(_COST, [])
    if costs and os.environ.get("CASESTUDY_OBLIQUE_COST"):
        read = sum(c[0] for c in costs)
        cpu = sum(c[1][0] for c in costs)
        wall = max(c[1][1] for c in costs)
        terminalreporter.write_line(f"oblique scan: {read} PDFs read in {cpu:.2f} s of CPU "
                                    f"over {len(costs)} process(es), {wall:.2f} s the longest")
    if found:
        terminalreporter.section("scripts without italics drawn slanted", red=True)
        for line in found:
            terminalreporter.write_line(line, red=True)
