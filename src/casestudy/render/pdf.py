"""HTML -> PDF with WeasyPrint: tagged (PDF/UA-1), reproducible, resources fenced in.

This is the only module that imports WeasyPrint (with instancing.py, tags.py and
fontconfig.py, which it calls), so ``check`` and ``series`` never pay for it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from ..brand.instancing import static_instances
from ..errors import BuildError
from ..files.fetch import FetchLog, make_fetcher, pillow
from ..files.folders import remove_tree
from .tags import pdf_tags

logger = logging.getLogger(__name__)
# Raster images drawn at more pixels per inch than print needs are resampled to this:
# a camera photo in a column would otherwise carry megabytes no printer can use.
PRINT_DPI = 300


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def html_to_pdf(html: str, base_url: Path, roots: list[Path], identifier: bytes,
                where: Path, epoch: int, provenance: bytes = b"") -> bytes:
    """Render ``html`` to PDF bytes; any resource outside ``roots`` fails the build.

    ``identifier`` (16 bytes, from the sources' digest) is the PDF file identifier and
    ``epoch`` the time stamped into subset fonts (fontTools reads SOURCE_DATE_EPOCH), so
    that the same sources give the same bytes. ``where`` names the study in errors.
    ``provenance`` (an rdf:Description, provenance.py) goes into the XMP metadata.
    """
    from .libraries import found_quickly

    with found_quickly():  # here, as above: `check` and `--help` never import WeasyPrint
        import weasyprint
    from .fontconfig import BrandFonts

    pillow()  # the pixel cap holds in WeasyPrint's own decoding too
    log = FetchLog()
    # WeasyPrint copies each @font-face font into a weasyprint-* temporary folder and
    # removes it only when the configuration is garbage-collected, which a worker that
    # exits (or is reused) may never do: we own the configuration and remove the folder.
    fonts = BrandFonts()  # the brand's fonts and no machine font (fontconfig.py)
    fetcher = make_fetcher(roots, log)
    collect = _Collect()
    wp_logger = logging.getLogger("weasyprint")
    wp_logger.addHandler(collect)
    propagate, wp_logger.propagate = wp_logger.propagate, False  # we re-log them, located
    saved_epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = saved_epoch or str(epoch)
    try:
        source = weasyprint.HTML(string=html, base_url=str(base_url), url_fetcher=fetcher)
        options = {"pdf_variant": "pdf/ua-1", "pdf_identifier": identifier,
                   "optimize_images": True, "dpi": PRINT_DPI}
        # variable fonts embedded in milliseconds (instancing.py); the structure tree
        # says what each part is (tags.py)
        with static_instances(), pdf_tags():
            document = source.render(font_config=fonts, **options)
            if provenance:
                _add_to_xmp(document.metadata, provenance)
            pdf = document.write_pdf(**options)
    except (BuildError, MemoryError):  # a MemoryError is the worker's to report as such
        raise
    except Exception as exc:  # WeasyPrint raises many kinds; the author needs the study named
        raise BuildError(f"rendering failed: {type(exc).__name__}: {exc}", where) from exc
    finally:
        if getattr(fonts, "_folder", None):
            remove_tree(Path(fonts._folder))
            fonts._folder = None
        wp_logger.removeHandler(collect)
        wp_logger.propagate = propagate
        if saved_epoch is None:
            del os.environ["SOURCE_DATE_EPOCH"]
    if log.refused:
        url, reason = log.refused[0]
        raise BuildError(f"the brief asked for a resource that may not be read: {reason}",
                         where)
    if fonts.declared and not fonts.private:
        raise BuildError("none of the brand's fonts could be loaded; the brief is not "
                         "printed in a machine's fonts", where)
    for message in collect.messages:
        logger.warning("%s: %s", where, message)
    return bytes(pdf)


def _add_to_xmp(metadata: Any, description: bytes) -> None:
    """Put ``description`` inside the rdf:RDF WeasyPrint writes (this document only)."""
    generate = metadata.generate_rdf_metadata

    def with_description(*args: Any) -> bytes:
        rdf: bytes = generate(*args)
        return rdf.replace(b"</rdf:RDF>", description + b"</rdf:RDF>")

    metadata.generate_rdf_metadata = with_description
