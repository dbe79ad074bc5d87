"""Every resource a build touches goes through here.

Two layers share one policy. ``local_image`` is what the checker uses to judge an
author's image path before anything is rendered (so the error names the section
and line). ``make_fetcher`` builds the WeasyPrint URL fetcher for the render
itself: it serves files from the allowed roots only and refuses everything else,
network included, so a path that slipped past the checker still reads nothing.
"""

from __future__ import annotations

import base64
import os
import re
import stat
import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .svg import sanitize
from .svgbidi import visual_text
from .svgfonts import bare_font_families

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".svg": "image/svg+xml", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 20_000_000
MAX_PIXELS = 40_000_000  # a larger image is a decompression bomb or a mistake
MAX_FRAMES = 1_000  # an animation's frames, each decoded by the checker
MAX_ANIMATION_PIXELS = 10 * MAX_PIXELS  # all frames together: seconds of decoding at most
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

# What a link may point at; judged by the checker (located) and again by the renderer.
SAFE_LINK = re.compile(r"^(https?://[^\s/]|mailto:[^\s]|#)", re.IGNORECASE)


class Refused(ValueError):
    """An author's path that may not be read; the message says why."""


def inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def real(path: Path) -> Path:
    """``path`` with every symlink followed; unlike Path.resolve, a link loop is no error."""
    return Path(os.path.realpath(path))


def local_image(root: Path, src: str, section_dir: Path | None) -> Path:
    """Resolve an image path written in a section to a file inside the study, or refuse."""
    return resolve_image(root, src, section_dir)[0]


def _written_path(src: str, noun: str, remote: str, example: str) -> tuple[str, Path]:
    """The relative path an author wrote for an image or a chart's data (decoded, and as
    a Path); Refused when it is empty, remote, holds a backslash or NUL, or is absolute."""
    if not src.strip():
        raise Refused(f"{noun} path is empty")
    if _SCHEME.match(src) or src.startswith("//"):
        raise Refused(f"{noun} {src!r} is not a file in the study: {remote}")
    decoded = unquote(src)
    if "\\" in decoded or "\x00" in decoded:
        raise Refused(f"{noun} path {src!r} has a backslash or NUL byte")
    rel = Path(decoded)
    if rel.is_absolute():
        raise Refused(f"{noun} path {src!r} is absolute; write it relative to the section "
                      f"file{example}")
    return decoded, rel


def resolve_image(root: Path, src: str, section_dir: Path | None
                  ) -> tuple[Path, str | None]:
    """The file an image path names, and the path to write instead when it uses the old form.

    A path is relative to the section file's folder (``section_dir``), as Markdown
    previewers resolve it: ``../figures/x.png`` from ``sections/``. The older form,
    relative to the study folder (``figures/x.png``), still resolves when nothing is
    found the first way; the second value is then the previewer form. Either way the
    file must be inside the study.
    """
    _, rel = _written_path(src, "image", "remote, data: and file: images are not allowed; "
                           "put the file in figures/", " (../figures/name.png)")
    root = real(root)
    base = real(section_dir) if section_dir is not None else root
    if not inside(base, root):
        base = root
    path, instead = real(base / rel), None
    written = Path(os.path.normpath(root / rel))  # the old form, before links are followed
    if base != root and inside(written, root) and not (inside(path, root)
                                                       and os.path.lexists(path)):
        legacy = real(written)
        if not inside(legacy, root):  # meant from the study folder, and leads out of it
            path = legacy
        elif os.path.lexists(legacy):
            path = legacy
            instead = Path(os.path.relpath(root / rel, base)).as_posix()
    if not inside(path, root):
        raise Refused(f"image path {src!r} leads outside the study folder")
    where = "the section file" if base != root else "the study folder"
    try:
        info = os.stat(path)
    except OSError:
        raise Refused(f"image {src!r} not found (paths are relative to {where}"
                      + (", e.g. ../figures/name.png)" if base != root else ")")) from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"image {src!r} is not a regular file")
    hidden = [part for part in path.relative_to(root).parts if part.startswith(".")]
    if hidden:
        raise Refused(f"image {src!r} is a hidden file or in a hidden folder ({hidden[0]!r}); "
                      "web servers do not publish those: rename it")
    if path.suffix.lower() not in IMAGE_TYPES:
        raise Refused(f"image {src!r} has an unsupported type; use "
                      + ", ".join(sorted(IMAGE_TYPES)))
    if info.st_size > MAX_IMAGE_BYTES:
        raise Refused(f"image {src!r} is larger than {MAX_IMAGE_BYTES // 1_000_000} MB")
    return path, instead


DATA_TYPES = (".csv",)


def local_data(root: Path, base: Path, src: str) -> Path:
    """Resolve a chart's data path to a CSV file inside the study, or refuse.

    The path is relative to the section's folder (``base``), as a Markdown previewer
    reads it: ``../figures/x.csv``. The study-root form (``figures/x.csv``) is accepted
    too when nothing exists at the first reading. Same rules as images otherwise.
    """
    decoded, rel = _written_path(src, "data", "put the CSV in figures/ and write its path, "
                                 "e.g. ../figures/data.csv", "")
    root = real(root)
    path = real(base / rel)
    if not os.path.lexists(path) and not decoded.startswith("../"):
        path = real(root / rel)
    if not inside(path, root):
        raise Refused(f"data path {src!r} leads outside the study folder")
    try:
        info = os.stat(path)
    except OSError:
        raise Refused(f"data file {src!r} not found (paths are relative to the section "
                      "file: ../figures/data.csv)") from None
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"data {src!r} is not a regular file")
    if path.suffix.lower() not in DATA_TYPES:
        raise Refused(f"data {src!r} is not a .csv file")
    return path


def pillow() -> Any:
    """PIL.Image with the series' pixel cap: past it, opening or decoding is an error.

    Every process that decodes an image calls this first (the checker, the web
    edition's copy, the PDF renderer), so the cap holds in WeasyPrint's decoding too.
    """
    global _PILLOW_READY
    from PIL import GifImagePlugin, Image, JpegImagePlugin, PngImagePlugin  # noqa: F401

    if not _PILLOW_READY:
        from PIL import WebPImagePlugin  # noqa: F401

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
        _PILLOW_READY = True
    return Image


_PILLOW_READY = False
_RASTER = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP"}
_judged: dict[tuple[object, ...], Any] = {}  # (path, stat) -> verdict, for this process


def _stamp(path: Path, *extra: object) -> tuple[object, ...]:
    info = os.stat(path)
    return (str(path), info.st_size, info.st_mtime_ns, info.st_ino, *extra)


def image_problem(path: Path, decode: bool = True) -> str | None:
    """A reason to refuse a raster image (wrong type, too many pixels, damaged), or None.

    The sizes are Pillow's, read from the headers of every frame before that frame is
    decoded: what Image.open does, minus its own pixel check, so that the message can
    name the size. With ``decode``, each frame is then decoded (bounded by now) and the
    file verified, so a truncated or damaged file is refused here, not printed blank.
    """
    key = _stamp(path, decode)
    if key not in _judged:
        _remember(key, _judge_raster(path, decode))
    return _judged[key]


def _remember(key: tuple[object, ...], verdict: Any) -> None:
    if len(_judged) >= 256:  # a long-lived process (a preview server) sees many versions:
        # the oldest goes, so that the files of the build under way stay judged once
        del _judged[next(iter(_judged))]
    _judged[key] = verdict


def _judge_raster(path: Path, decode: bool) -> str | None:
    image_module = pillow()
    kind = _RASTER[path.suffix.lower()]
    factory, accept = image_module.OPEN[kind]
    try:
        with open(path, "rb") as handle:
            if accept and not accept(handle.read(16)):
                return f"is not a {'WebP' if kind == 'WEBP' else kind} file"
            for verify in ((True, False) if decode else (False,)):
                handle.seek(0)
                with warnings.catch_warnings():
                    # the sizes are judged below, with a message that names them
                    warnings.simplefilter("ignore", image_module.DecompressionBombWarning)
                    image = factory(handle, str(path))
                    reason = _frames(image, decode and not verify)
                    if reason:
                        return reason
                    if verify:
                        image.verify()
    except image_module.DecompressionBombError:
        return (f"has a frame or canvas of more than {2 * MAX_PIXELS:,} pixels; at most "
                f"{MAX_PIXELS:,} are allowed")
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        return f"is damaged or cut short ({exc}); export it again"
    return None


def _frames(image: Any, decode: bool) -> str | None:
    """Each frame's size within the cap before it is decoded; all frames within budget."""
    count = getattr(image, "n_frames", 1)
    if count > MAX_FRAMES:
        return f"has {count:,} frames, more than the {MAX_FRAMES:,} allowed"
    total = 0
    for index in range(count):
        if index:
            image.seek(index)  # reads this frame's header (a GIF frame may outgrow the rest)
        width, height = image.size
        if width * height > MAX_PIXELS:
            what = "is" if index == 0 else f"has a frame (number {index + 1}) of"
            return f"{what} {width}x{height} pixels, more than the {MAX_PIXELS:,} allowed"
        total += width * height
        if total > MAX_ANIMATION_PIXELS:
            return (f"has {count:,} frames of {total:,} pixels or more in all, more than the "
                    f"{MAX_ANIMATION_PIXELS:,} allowed")
        if not decode:
            return None  # the renderer draws the first frame only
        if image.format == "JPEG":  # decoded at 1/8 scale: every byte is still read
            image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
        image.load()
    return None


def svg_figure(path: Path) -> Any:
    """The sanitized figure (see svg.py), worked out once per file version and process."""
    key = _stamp(path, "svg")
    if key not in _judged:  # so the checker, the glyph rule, the PDF and the web share it
        _remember(key, sanitize(path.read_bytes()))
    return _judged[key]


@dataclass
class FetchLog:
    """What the fetcher served and what it refused during one render."""

    served: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    # the fonts served, in order: @font-face fonts come before any image is drawn, and
    # SVG text is ordered and joined with them (svgbidi.py)
    fonts: list[Path] = field(default_factory=list)


def make_fetcher(roots: list[Path], log: FetchLog) -> Any:
    """A WeasyPrint URL fetcher that serves regular files under ``roots`` and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse


    allowed = [real(r) for r in roots]

    class StudyFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            try:
                if url.startswith(CHART_URL):  # a chart render.py drew: bytes, not a read
                    data = visual_text(bare_font_families(_chart_svg(url)), log.fonts)
                    log.served.append("chart")
                    return URLFetcherResponse(url[:40], data, {"Content-Type": "image/svg+xml"})
                path = _allowed_file(url, allowed)
                data = served_bytes(path)
                if path.suffix.lower() == ".svg":  # font names as WeasyPrint finds them
                    data = visual_text(bare_font_families(data), log.fonts)
                elif path.suffix.lower() in (".ttf", ".otf"):
                    log.fonts.append(path)
            except Refused as exc:
                log.refused.append((url, str(exc)))
                raise
            log.served.append(str(path))
            mime = IMAGE_TYPES.get(path.suffix.lower()) or _FONT_TYPES.get(path.suffix.lower())
            headers = {"Content-Type": mime} if mime else {}
            return URLFetcherResponse(path.as_uri(), data, headers)

    return StudyFetcher(allowed_protocols=("file",), allow_redirects=False)


def served_bytes(path: Path) -> bytes:
    """What the PDF and the web edition get of ``path``: an SVG sanitized, a raster image
    judged from its headers first (the checker judged the author's images; this catches
    any other route), anything else as it is."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        figure = svg_figure(path)
        if figure.data is None:
            first = figure.errors[0]
            raise Refused(f"{path}:{first.line}:{first.col}: {first.message}")
        return bytes(figure.data)
    if suffix in _RASTER:
        reason = image_problem(path, decode=False)
        if reason:
            raise Refused(f"{path}: {reason}")
    return path.read_bytes()


# The one data: URL served: the charts render.py draws into the print HTML. The checker
# refuses data: URLs in what authors write, and so does render.py's image_url.
CHART_URL = "data:image/svg+xml;base64,"


def _chart_svg(url: str) -> bytes:
    """A chart data: URL's SVG, through the same sanitizer as every SVG figure; refused
    if it is not base64 or the sanitizer refuses it (it refers to anything, say)."""

    try:
        data = base64.b64decode(url[len(CHART_URL):], validate=True)
    except ValueError:  # binascii.Error
        raise Refused("a chart data: URL that is not base64") from None
    clean = sanitize(data)
    if clean.data is None:
        first = clean.findings[-1]
        raise Refused(f"a drawn chart: {first.message}")
    return bytes(clean.data)


_FONT_TYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2", ".css": "text/css"}


def _allowed_file(url: str, roots: list[Path]) -> Path:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise Refused(f"{url[:80]!r}: only files of the study and the branding can be read")
    from urllib.request import url2pathname  # here: urllib.request costs `check` 25 ms

    path = real(Path(url2pathname(unquote(parts.path))))
    if not any(inside(path, root) for root in roots):
        raise Refused(f"{path}: outside the study and the branding")
    try:
        info = os.stat(path)
    except OSError:
        raise Refused(f"{path}: not found") from None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IMAGE_BYTES * 2:
        raise Refused(f"{path}: not a regular file of reasonable size")
    return path
