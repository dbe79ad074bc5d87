"""The preview's shared assets: the brand's stylesheet, logo and whole font files.

The published edition carries WOFF2 subsets of the brand fonts (webfonts.py); the
preview serves the whole fonts instead, because the author may type any character.
They are copied again only when the brand's fonts change, under new URLs, so that the
browser may keep them for the session.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from ..brand.model import Brand
from ..brand.stylesheet import FontFace, brand_css, face_range
from ..brand.webfonts import axes_and_weight
from ..files.write import atomic_write
from ..web.site import write_brand_files


class BrandAssets:
    """The ``assets/`` folder the server serves: rewritten for every new page."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._fonts: tuple = ()  # the brand fonts last written to fonts/
        self._font_tag = f"{time.time_ns():x}"

    def write(self, brand: Brand) -> None:
        """The brand's files and stylesheet; its fonts when they changed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_brand_files(self.folder, brand)
        if self._fonts != brand.fonts:
            self._write_fonts(brand)
        atomic_write(self.folder / "brand.css",
                     (brand_css(brand, font_faces(brand, self._font_tag)) + "\n").encode(),
                     durable=False)

    def _write_fonts(self, brand: Brand) -> None:
        """The brand's whole font files (the preview shows every character typed); again
        only when the brand's fonts change."""
        fonts = self.folder / "fonts"
        if fonts.is_dir():
            shutil.rmtree(fonts)
        fonts.mkdir(parents=True)
        for font, name in zip(brand.fonts, font_files(brand), strict=True):
            shutil.copyfile(font.path, fonts / name)
        self._fonts = brand.fonts
        self._font_tag = f"{time.time_ns():x}"  # new files: new URLs for the browser


def font_files(brand: Brand) -> list[str]:
    """The names of the brand's fonts in ``assets/fonts/``, in the brand's order."""
    return [f"{n}-{re.sub(r'[^a-z0-9]+', '-', f.family.lower())}-{f.style}{f.path.suffix.lower()}"
            for n, f in enumerate(brand.fonts)]


def font_faces(brand: Brand, tag: str) -> list[FontFace]:
    """The whole fonts (for :func:`stylesheet.brand_css`); ``tag`` makes their URLs this
    session's (the browser keeps them). A variable font covers its whole weight axis."""
    faces = []
    for f, name in zip(brand.fonts, font_files(brand), strict=True):
        axes, own = axes_and_weight(f.path)
        weight = f.weight or (" ".join(str(round(v)) for v in axes["wght"]) if "wght" in axes
                              else str(own))
        faces.append(FontFace(f.family, f"fonts/{name}?s={tag}", f.style, weight,
                              face_range(f, brand)))
    return faces
