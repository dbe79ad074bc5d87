"""Images: bombs, disguised types and missing files are located errors, in bounded memory.

The bombs are generated here (a few hundred bytes that claim billions of pixels): the
checker must judge them from their headers and never decode them.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest

from casestudy.brand.load import default_brand
from casestudy.brand.model import BRANDING
from casestudy.errors import BuildError
from hostile import (
    PEAK_RSS,
    big_png,
    check_cli,
    check_in_child,
    errors_of,
    hostile_study,
    peak_rss_mb,
    png_chunk,
    run_child,
)

S03 = "study/sections/03-relationship.md"
GIB = 1 << 30


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG header claiming width x height; the compressed rows are a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (1 + 3 * width) * 4, 9)  # a start; decoders want more
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", rows)
            + _chunk(b"IEND", b""))


def jpeg_bomb() -> bytes:
    """A JPEG whose 65,000-byte EXIF segment hides a 60000x60000 frame header."""
    app1 = b"\xff\xe1" + struct.pack(">H", 65000) + b"Exif\0\0" + b"\0" * (65000 - 8)
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 60000, 60000, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app1 + sof + b"\xff\xd9"


def webp_bomb() -> bytes:
    """An extended WebP whose canvas is 16000x16000."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0" + (15999).to_bytes(3, "little") * 2
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def gif_bomb() -> bytes:
    """A GIF whose screen and one frame are 65535x65535; the frame data is one code."""
    frame = b"," + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\0\0\0" + frame + b";"


def image_study(dest: Path) -> Path:
    bomb = png_bomb()
    uri = "data:image/png;base64," + base64.b64encode(bomb).decode()
    study = hostile_study(dest, "images", bomb_uri=uri)
    figures = study / "figures"
    (figures / "bomb.png").write_bytes(bomb)
    (figures / "bomb.jpg").write_bytes(jpeg_bomb())
    (figures / "bomb.webp").write_bytes(webp_bomb())
    (figures / "bomb.gif").write_bytes(gif_bomb())
    return study


def expected(uri: str) -> list[str]:
    return [
        "study/figures/laughs.svg:2:15: error: declares entities (a DTD internal subset), "
        "which SVG figures may not use",
        f"{S03}:5:1: error: image 'figures/bomb.png' is 30000x30000 pixels, more than the "
        "40,000,000 allowed",
        f"{S03}:7:1: error: image {uri!r} is not a file in the study: remote, data: and "
        "file: images are not allowed; put the file in figures/",
        f"{S03}:9:1: error: image 'figures/bomb.jpg' is 60000x60000 pixels, more than the "
        "40,000,000 allowed",
        f"{S03}:11:1: error: image 'figures/bomb.webp' has a frame or canvas of more than "
        "80,000,000 pixels; at most 40,000,000 are allowed",
        f"{S03}:13:1: error: image 'figures/bomb.gif' is 65535x65535 pixels, more than the "
        "40,000,000 allowed",
        f"{S03}:15:1: error: image 'figures/eps.png' is not a PNG file",
        f"{S03}:17:1: error: image 'figures/figure.eps' has an unsupported type; use .gif, "
        ".jpeg, .jpg, .png, .svg, .webp",
        f"{S03}:19:1: error: image 'figures/png.jpg' is not a JPEG file",
        f"{S03}:23:1: error: image 'figures/missing.png' not found (paths are relative to "
        "the section file, e.g. ../figures/name.png)",
    ]


def test_every_bad_image_is_a_located_error(tmp_path):
    study = image_study(tmp_path / "study")
    result = check_cli(tmp_path, "study")
    assert result.exit_code == 1
    uri = "data:image/png;base64," + base64.b64encode(png_bomb()).decode()
    assert errors_of(result.stdout) == expected(uri)
    assert study.is_dir()


def test_bombs_are_judged_in_bounded_memory(tmp_path):
    """The same check in a child limited to 1 GiB of address space, and 2 minutes."""
    study = image_study(tmp_path / "study")
    result = check_in_child(study, timeout=120, memory=GIB)
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert result.returncode == 1
    uri = "data:image/png;base64," + base64.b64encode(png_bomb()).decode()
    assert errors_of(result.stdout) == expected(uri)


@pytest.mark.parametrize("name, data", [("bomb.png", png_bomb()), ("bomb.jpg", jpeg_bomb())],
                         ids=["png", "jpeg"])
def test_the_fetcher_refuses_a_bomb_that_skipped_the_checker(tmp_path, name, data):
    """Render-time defence: a bomb inside the study is refused before any decoder sees it."""
    from casestudy.render.pdf import html_to_pdf

    study = hostile_study(tmp_path / "study", None)
    (study / "figures" / name).write_bytes(data)
    html = f'<html lang="en"><body><p>x</p><img src="figures/{name}" alt="bomb"></body></html>'
    with pytest.raises(BuildError) as caught:
        roots = [study, BRANDING, *default_brand().font_roots()]
        html_to_pdf(html, study, roots, b"0" * 16, study, 0)
    assert "pixels, more than the 40,000,000 allowed" in str(caught.value)


def use_bomb(levels: int = 8) -> str:
    """Each group draws the previous one ten times: 10**levels rectangles from 1 KB."""
    groups = "".join(f'<g id="g{i}">' + f'<use href="#g{i - 1}"/>' * 10 + "</g>"
                     for i in range(1, levels + 1))
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs>'
            f'<rect id="g0" width="1" height="1"/>{groups}</defs><use href="#g{levels}"/></svg>')


def use_chain(length: int = 150) -> str:
    """Each group uses the next: little to draw, but a renderer follows it ``length`` deep."""
    groups = "".join(f'<g id="u{i}"><use href="#u{i + 1}"/></g>' for i in range(length))
    return ('<svg xmlns="http://www.w3.org/2000/svg"><defs>' + groups
            + f'<rect id="u{length}"/></defs><use href="#u0"/></svg>')


@pytest.mark.parametrize("svg, where", [
    (use_bomb(), "1:843: error: would draw more than 200,000 elements once its <use> "
                 "references are expanded"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#b"/></g>'
     '<g id="b"><use href="#a"/></g></svg>',
     "1:71: error: has a <use> reference that leads back to itself, so it would never "
     "finish drawing"),
    ('<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 50_000 + "</g>" * 50_000 + "</svg>",
     "1:338: error: nests elements more than 100 deep"),
    (use_chain(), "1:3429: error: nests more than 100 levels deep once its <use> references "
                  "are followed"),
    ('<svg xmlns="http://www.w3.org/2000/svg">\n<rect width="1"\n</svg>',
     "3:1: error: is not well-formed XML: not well-formed (invalid token)"),
], ids=["use-bomb", "use-cycle", "deep-groups", "use-chain", "malformed"])
def test_svg_figures_that_would_never_finish_are_refused(tmp_path, svg, where):
    """A <use> bomb renders for longer than any CI allows: it must fail the check at once,
    located in the figure."""
    study = hostile_study(tmp_path / "study", None)
    (study / "figures" / "chart.svg").write_text(svg)
    result = check_in_child(study, timeout=60, memory=GIB)
    assert result.returncode == 1, result.stderr
    found = re.sub(r"\(\d+ bytes not", "(N bytes not", result.stdout)  # libjpeg's count
    assert errors_of(found) == [f"study/figures/chart.svg:{where}"]


# ------------------------------------------------------------ headers that lie (issue 11)


def jpeg_with_second_sof() -> bytes:
    """A real 8x8 JPEG (650 bytes) whose frame header is followed by a second one that
    says 13000x13000: decoders use the last, a sniffer reading the first sees 8x8."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "JPEG", quality=50)
    data = buf.getvalue()
    at = data.index(b"\xff\xc0")
    end = at + 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    second = (b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, 13000, 13000, 3)
              + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01")
    return data[:end] + second + data[end:]


def gif_with_frames(*sizes: tuple[int, int]) -> bytes:
    """A 10x10 GIF (its logical screen) whose frames are 10x10 images with their
    descriptors rewritten to ``sizes``: only a decoder's view of each frame tells."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("P", (10, 10)).save(buf, "GIF")
    data = buf.getvalue()
    start = data.index(b",", 13)  # the image descriptor (no extension before it)
    frame = data[start:-1]
    frames = b"".join(frame[:5] + struct.pack("<HH", *size) + frame[9:] for size in sizes)
    return data[:start] + frames + b";"


def cut_short(kind: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()  # a gradient, not noise: the same bytes every time
    Image.linear_gradient("L").resize((400, 300)).convert("RGB").save(buf, kind)
    return buf.getvalue()[: len(buf.getvalue()) * 2 // 3]


def bad_crc_png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.linear_gradient("L").resize((40, 30)).convert("RGB").save(buf, "PNG")
    data = bytearray(buf.getvalue())
    at = data.rindex(b"IDAT")
    crc = at + 4 + struct.unpack(">I", data[at - 4:at])[0]
    data[crc:crc + 4] = b"\0\0\0\0"
    return bytes(data)


LYING = {  # name: (bytes, what the checker says)
    "fake-first-chunk.png": (
        lambda: big_png(13000, 13000, png_chunk(b"faKe", struct.pack(
            ">IIBBBBB", 100, 100, 8, 2, 0, 0, 0))),
        "is 13000x13000 pixels, more than the 40,000,000 allowed"),
    "second-sof.jpg": (jpeg_with_second_sof,
                       "is 13000x13000 pixels, more than the 40,000,000 allowed"),
    "huge-frame.gif": (lambda: gif_with_frames((13000, 13000)),
                       "has a frame or canvas of more than 80,000,000 pixels; at most "
                       "40,000,000 are allowed"),
    "huge-second-frame.gif": (lambda: gif_with_frames((10, 10), (7000, 7000)),
                              "has a frame (number 2) of 7000x7000 pixels, more than the "
                              "40,000,000 allowed"),
    "many-frames.gif": (lambda: gif_with_frames(*[(10, 10)] * 1001),
                        "has 1,001 frames, more than the 1,000 allowed"),
    "cut-short.png": (lambda: cut_short("PNG"),
                      "is damaged or cut short (Truncated File Read); export it again"),
    "cut-short.jpg": (lambda: cut_short("JPEG"), "is damaged or cut short (image file is "
                      "truncated (N bytes not processed)); export it again"),
    "bad-crc.png": (bad_crc_png, "is damaged or cut short (broken PNG file (bad header "
                    "checksum in b'IDAT')); export it again"),
}


@pytest.fixture(scope="module")
def lying_study(tmp_path_factory):
    base = tmp_path_factory.mktemp("lying")
    study = hostile_study(base / "study", None)
    section = study / "sections" / "03-relationship.md"
    text = section.read_text("utf-8")
    for name, (make, _) in LYING.items():
        (study / "figures" / name).write_bytes(make())
        text += f"\n![An image]({quote('../figures/' + name)})\n"
    section.write_text(text, "utf-8")
    lines = text.splitlines()
    return study, {name: lines.index(f"![An image]({quote('../figures/' + name)})") + 1
                   for name in LYING}


def test_sizes_come_from_the_decoder_and_damage_is_located(lying_study):
    """Checked in a child limited to 1 GiB; its peak memory stays far below one decode."""
    study, line = lying_study
    code = ("import sys\nfrom casestudy.check.study import check_path\nfrom pathlib import Path\n"
            "from casestudy.brand.load import default_brand\n"
            "for p in check_path(Path(sys.argv[1]), None, default_brand()): print(p)\n" + PEAK_RSS)
    result = run_child(["-c", code, study.name], study.parent, timeout=120, memory=GIB)
    assert "Traceback" not in result.stderr, result.stderr
    found = re.sub(r"\(\d+ bytes not", "(N bytes not", result.stdout)  # libjpeg's count
    assert errors_of(found) == [
        f"{S03}:{line[name]}:1: error: image '../figures/{name}' {reason}"
        for name, (_, reason) in LYING.items()]
    # one 13000x13000 decode alone is 507 MB; the checker itself is about 60 MB (its own
    # peak: see hostile.PEAK_RSS), so 300 MB still proves nothing was decoded
    assert peak_rss_mb(result.stdout) < 300


def test_the_pixel_cap_holds_in_the_renderer_process(tmp_path):
    """html_to_pdf sets Pillow's cap, so WeasyPrint's own decoding stops at it too."""
    from PIL import Image

    Image.new("RGB", (6400, 6400)).save(tmp_path / "big.png")  # 41 MP: past the cap
    code = ("import sys\nfrom pathlib import Path\nfrom casestudy.render.pdf import html_to_pdf\n"
            "from casestudy.brand.load import default_brand\n"
            "from casestudy.brand.model import BRANDING\n"
            "study = Path(sys.argv[1])\n"
            "roots = [study, BRANDING, *default_brand().font_roots()]\n"
            "html_to_pdf('<p>x</p>', study, roots, b'0' * 16, study, 0)\n"
            "from PIL import Image\n"
            "try:\n    Image.open(study / 'big.png').load()\nexcept Exception as exc:\n"
            "    print('REFUSED', type(exc).__name__, Image.MAX_IMAGE_PIXELS)\n")
    result = run_child(["-c", code, str(tmp_path)], tmp_path, timeout=120)
    assert result.stdout.split() == ["REFUSED", "DecompressionBombWarning", "40000000"], \
        result.stderr


def test_a_childs_peak_memory_is_its_own(tmp_path):
    """The memory tests' measure (hostile.PEAK_RSS): a test process of 400 MB starts a
    child that holds little, and the child's peak is its own, not the 400 MB that
    getrusage's ru_maxrss carries over from the fork (which failed those tests when the
    test process had grown)."""
    ballast = bytearray(400 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    result = run_child(["-c", "x = 1\n" + PEAK_RSS], tmp_path, timeout=60, memory=GIB)
    assert peak_rss_mb(result.stdout) < 100
    del ballast
