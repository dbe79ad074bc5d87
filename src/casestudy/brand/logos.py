"""The brand's logos: ``_brand.yml``'s ``logo`` resolved to checked image files at
each size (small, medium, large), a size not given taking the nearest one given.

A logo passes the figure checks before a build draws it: its size, a raster image's
headers and pixels, an SVG through the sanitizer.
"""

from __future__ import annotations

from pathlib import Path

from ..files.fetch import MAX_IMAGE_BYTES, image_problem, svg_figure
from ..files.yamlfile import Loc
from .brandfile import LightDark, Logo, LogoResource, Meta
from .model import Brand, LogoImage
from .reader import BrandReader

LOGO_TYPES = (".svg", ".png")


def _logo_problem(path: Path) -> str | None:
    """The figure checks, for a logo: its size, a raster image's headers and pixels, an
    SVG through the sanitizer (what the PDF and the web edition will draw)."""
    if path.stat().st_size > MAX_IMAGE_BYTES:
        return f"is larger than {MAX_IMAGE_BYTES // 1_000_000} MB"
    if path.suffix.lower() != ".svg":
        return image_problem(path)
    figure = svg_figure(path)
    if figure.data is None:
        first = figure.errors[0]
        return f"is refused ({path.name}:{first.line}:{first.col}: {first.message})"
    return None


def _logo_file(reader: BrandReader, loc: Loc, ref: str | LogoResource,
               images: dict[str, str | LogoResource | LightDark]) -> LogoImage | None:
    alt = None
    if isinstance(ref, str) and ref in images:
        loc = ("logo", "images", ref)
        named = images[ref]
        if isinstance(named, LightDark):
            reader.fail(loc, f"logo image {ref!r} is a light/dark pair inside a pair")
            return None
        ref = named
    if isinstance(ref, LogoResource):
        alt, ref, loc = ref.alt, ref.path, (*loc, "path")
    path = reader.file(loc, ref, LOGO_TYPES, "logo")
    if path is None:
        return None
    try:
        reason = _logo_problem(path)
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror}"
    if reason:
        reader.fail(loc, f"logo {ref!r} {reason}")
        return None
    return LogoImage(path, alt)


def brand_logos(reader: BrandReader, logo: str | Logo | LogoResource | None,
                base: Brand | None, meta: Meta | None = None) -> dict[str, LogoImage]:
    """The logo of each size ``logo`` gives, over ``base``'s; an image without ``alt``
    is named after the brand (meta.name: "<name> logo")."""
    found = _logos(reader, logo, base)
    name = meta.name if meta is not None else None
    if name is not None and not isinstance(name, str):
        name = name.full
    if isinstance(name, str) and name and logo is not None:
        found = {size: image if image.alt or (base and image in base.logos.values())
                 else LogoImage(image.path, f"{name} logo", image.dark)
                 for size, image in found.items()}
    return found


def _logos(reader: BrandReader, logo: str | Logo | LogoResource | None,
           base: Brand | None) -> dict[str, LogoImage]:
    found = dict(base.logos) if base else {}
    if logo is None:
        return found
    if isinstance(logo, str | LogoResource):  # one logo for every size
        image = _logo_file(reader, ("logo",), logo, {})
        return {size: image for size in ("small", "medium", "large")} if image else found
    given: dict[str, LogoImage] = {}
    for size in ("small", "medium", "large"):
        ref = getattr(logo, size)
        if ref is None:
            continue
        if isinstance(ref, str) and isinstance(logo.images.get(ref), LightDark):
            ref = logo.images[ref]  # an image that is itself a light/dark pair
        if isinstance(ref, LightDark):
            light = ref.light or ref.dark
            if light is None:
                reader.fail(("logo", size), f"logo.{size} names neither light nor dark")
                continue
            image = _logo_file(reader, ("logo", size, "light" if ref.light else "dark"),
                               light, logo.images)
            dark = (_logo_file(reader, ("logo", size, "dark"), ref.dark, logo.images)
                    if ref.dark and ref.light else None)
            if image:
                given[size] = LogoImage(image.path, image.alt, dark.path if dark else None)
        else:
            image = _logo_file(reader, ("logo", size), ref, logo.images)
            if image:
                given[size] = image
    for size in ("small", "medium", "large"):  # a size not given: the nearest one given
        order = {"small": ("medium", "large"), "medium": ("large", "small"),
                 "large": ("medium", "small")}[size]
        choice = given.get(size) or next((given[o] for o in order if o in given), None)
        if choice:
            found[size] = choice
    return found
