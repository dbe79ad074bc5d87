"""The package of the reviewers' Word copy: its styles, from a reference document made
from the brand, and its zip, made reproducible.

Pandoc takes its styles from a reference .docx. A publisher may put their own in
``brand/reference.docx``; without one, pandoc's default is given the brand: its
headings' and body's typefaces as the theme's fonts (so every style that follows the
theme follows the brand), its primary colour on the title and headings, its accent on
pull quotes. The typefaces are named, not embedded: a reviewer without them sees
Word's substitute, which is enough to review text.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

from ..brand.model import BRAND_DIR, Brand
from ..files.pandoc import run_pandoc

REFERENCE = "reference.docx"
_COLOR = re.compile(r'<w:color w:val="0F4761"[^>]*/>')
_OURS = """
  <w:style w:type="paragraph" w:customStyle="1" w:styleId="PullQuote">
    <w:name w:val="Pull Quote" /><w:basedOn w:val="BodyText" /><w:qFormat />
    <w:pPr><w:ind w:left="720" w:right="720" /></w:pPr>
    <w:rPr><w:i /><w:color w:val="{accent}" /><w:sz w:val="28" /></w:rPr>
  </w:style>
  <w:style w:type="paragraph" w:customStyle="1" w:styleId="AltText">
    <w:name w:val="Alt Text" /><w:basedOn w:val="BodyText" /><w:qFormat />
    <w:rPr><w:color w:val="{muted}" /><w:sz w:val="18" /></w:rPr>
  </w:style>
</w:styles>"""


def brand_reference(brand: Brand) -> Path | None:
    """The publisher's own reference document, if the brand has one."""
    if brand.file is None:
        return None
    path = brand.root / BRAND_DIR / REFERENCE
    return path if path.is_file() and not path.is_symlink() else None


def _hex(value: str, default: str) -> str:
    found = re.fullmatch(r"#?([0-9a-fA-F]{6})", value.strip())
    return found.group(1).upper() if found else default


def branded_reference(brand: Brand, blame: Path) -> bytes:
    """pandoc's reference document in the brand's typefaces and colours."""
    data = run_pandoc(["--print-default-data-file", REFERENCE], b"", blame,
                      "give its reference document")
    primary = _hex(brand.colors.get("primary", ""), "1B2A4A")
    accent = _hex(brand.colors.get("accent", ""), primary)
    muted = _hex(brand.colors.get("muted", ""), "5F6B7A")
    heads = brand.headings.families[0] if brand.headings.families else ""
    body = brand.base.families[0] if brand.base.families else ""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "word/styles.xml":
                text = _COLOR.sub(f'<w:color w:val="{primary}"/>', part.decode("utf-8"))
                text = text.replace("</w:styles>", _OURS.format(accent=accent, muted=muted))
                part = text.encode("utf-8")
            elif info.filename == "word/theme/theme1.xml":
                text = part.decode("utf-8")
                for tag, family in (("majorFont", heads), ("minorFont", body)):
                    if family:
                        text = _typeface(text, tag, family)
                part = text.encode("utf-8")
            info.date_time = (1980, 1, 1, 0, 0, 0)
            target.writestr(info, part)
    return out.getvalue()


def _typeface(theme: str, tag: str, family: str) -> str:
    """The theme's ``tag`` (majorFont: headings, minorFont: body) set in ``family``."""
    pattern = re.compile(rf'(<a:{tag}>\s*<a:latin typeface=)"[^"]*"')
    return pattern.sub(lambda found: found.group(1) + quoteattr(family), theme, count=1)


_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def reproducible(data: bytes, stamp: tuple[int, ...]) -> bytes:
    """``data`` (a .docx) zipped again: members in name order, each at ``stamp``, with
    the document properties' dates at ``stamp`` too."""
    year, month, day = stamp[:3]
    when = f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = sorted(source.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
        for name in names:
            body = source.read(name)
            if name == "docProps/core.xml":
                body = _DATES.sub(rb"\g<1>" + when.encode() + rb"\g<3>", body)
            info = zipfile.ZipInfo(name, date_time=(year, month, day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, body)
    return out.getvalue()


@contextmanager
def reference_docx(brand: Brand, blame: Path) -> Iterator[Path]:
    """A path to the reference document for the Word copy, for as long as it is used."""
    own = brand_reference(brand)
    if own is not None:
        yield own
        return
    with tempfile.TemporaryDirectory(prefix="casestudy-docx-") as tmp:
        path = Path(tmp) / REFERENCE
        path.write_bytes(branded_reference(brand, blame))
        yield path
