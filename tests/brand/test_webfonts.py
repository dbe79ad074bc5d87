"""The web fonts: static WOFF2 faces cut to the series' characters by HarfBuzz, made once
a process, kept in the user's cache folder (never through a link), begun beside the
PDF workers."""

from __future__ import annotations

import base64
import io
import json
import shutil

import pytest
from fontTools.ttLib import TTFont

from casestudy.brand import webfonts
from casestudy.brand.load import default_brand, load_brand
from casestudy.files import fonts as fontfiles
from casestudy.files.fonts import parse_unicode_range
from casestudy.series import build
from casestudy.series.workers import Outcome
from casestudy.source.load import load_series
from conftest import FIXTURES, REPO

TEXT = "Café naïve façade Ωmega — “fine” office, AV Wa To 1½ ж"
KITCHEN = FIXTURES / "kitchen-sink"


@pytest.fixture(autouse=True)
def fresh(monkeypatch, check_cache):
    """Each test starts with no set made in this process, the cache folder its own and
    the cache in use (a build in this process turns it off: files.fonts.memory_only)."""
    monkeypatch.setattr(webfonts, "_SETS", {})
    monkeypatch.setitem(fontfiles._DISK, "cache", True)
    return check_cache / "webfonts"


@pytest.fixture
def two_faces(monkeypatch):
    """The default brand cut to two faces, for the tests of the set's life (made once,
    kept, read, mended, never through a link): none of it depends on how many faces a
    set has, and each face takes a tenth of a second to make."""
    every = webfonts.faces(default_brand())
    monkeypatch.setattr(webfonts, "faces", lambda brand: every[:2])


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The default brand's set for TEXT, made by this code (no cache)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASESTUDY_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        patch.setattr(webfonts, "_SETS", {})
        brand = default_brand()
        chars = webfonts.charset([TEXT])
        return brand, chars, webfonts.make_faces(brand, chars)


def _counting(monkeypatch) -> list[str]:
    """The faces made from now on (not read from a cache), by file name."""
    calls: list[str] = []
    original = webfonts._make_face

    def count(face, chars):
        calls.append(face.filename)
        return original(face, chars)

    monkeypatch.setattr(webfonts, "_make_face", count)
    return calls


def _names(font: TTFont, ids: set[int]) -> set[tuple[int, int, int, int, str]]:
    return {(n.nameID, n.platformID, n.platEncID, n.langID, n.toUnicode())
            for n in font["name"].names if n.nameID in ids}


def test_every_face_is_static_and_has_exactly_the_wanted_characters(made):
    brand, chars, files = made
    wanted = {ord(c) for c in chars}
    assert sorted(files) == sorted(f.filename for f in webfonts.faces(brand))
    for face in webfonts.faces(brand):
        font = TTFont(io.BytesIO(files[face.filename]))
        assert font.flavor == "woff2"
        assert not {"fvar", "gvar", "HVAR", "MVAR", "avar"} & set(font.keys())
        whole = set(TTFont(face.font.path).getBestCmap())
        assert set(font.getBestCmap()) == wanted & whole
        assert ord("ж") in whole and ord("ж") in font.getBestCmap()  # TEXT has it
        assert ord("Ж") not in font.getBestCmap()


def test_the_pinned_weight_kerning_and_licence_are_kept(made):
    brand, _, files = made
    for face in webfonts.faces(brand):
        font = TTFont(io.BytesIO(files[face.filename]))
        source = TTFont(face.font.path)
        assert face.pinned and font["OS/2"].usWeightClass == face.weight
        # copyright, licence and its URL, in every language the font has them in
        licence = {0, 13, 14}
        assert _names(font, licence) == _names(source, licence) != set()
        tags = {r.FeatureTag for r in font["GPOS"].table.FeatureList.FeatureRecord}
        assert "GPOS" in source and "kern" in tags
        assert font["GPOS"].table.LookupList.LookupCount > 0


def test_kerning_survives_pinning_at_the_weight(made):
    """The kerning of a pair the text has (A V) is that of the instance: HarfBuzz
    shaping the face gives the pair a negative adjustment."""
    import uharfbuzz as hb

    brand, _, files = made
    face = next(f for f in webfonts.faces(brand) if f.font.family == "Source Sans 3"
                and f.font.style == "normal" and f.weight == 700)
    font = TTFont(io.BytesIO(files[face.filename]))
    font.flavor = None
    raw = io.BytesIO()
    font.save(raw)
    shaped = hb.Font(hb.Face(hb.Blob(raw.getvalue())))
    buffer = hb.Buffer()
    buffer.add_str("AV")
    buffer.guess_segment_properties()
    hb.shape(shaped, buffer, {"kern": True})
    kerned = buffer.glyph_positions[0].x_advance
    buffer = hb.Buffer()
    buffer.add_str("AV")
    buffer.guess_segment_properties()
    hb.shape(shaped, buffer, {"kern": False})
    assert kerned < buffer.glyph_positions[0].x_advance


def test_fallback_faces_have_only_their_range(tmp_path):
    brand = load_brand(KITCHEN)
    chars = webfonts.charset(["日本語のテキスト العربية עברית 한국어 Latin text"])
    files = webfonts.make_faces(brand, chars)
    fallbacks = [f for f in webfonts.faces(brand) if f.font.fallback]
    assert fallbacks
    for face in fallbacks:
        ranges = parse_unicode_range(face.unicode_range)
        cmap = set(TTFont(io.BytesIO(files[face.filename])).getBestCmap())
        whole = set(TTFont(face.font.path).getBestCmap())
        inside = {ord(c) for c in chars if any(a <= ord(c) <= b for a, b in ranges)}
        assert cmap and cmap == inside & whole


def test_a_set_is_the_same_bytes_each_time_it_is_made(made, monkeypatch, tmp_path):
    brand, chars, files = made
    monkeypatch.setenv("CASESTUDY_CACHE_DIR", str(tmp_path / "other"))
    calls = _counting(monkeypatch)
    assert webfonts.make_faces(brand, chars) == files
    assert len(calls) == len(files)  # made again, not read


def test_one_process_makes_a_set_once(two_faces, monkeypatch):
    calls = _counting(monkeypatch)
    chars = webfonts.charset(["once"])
    webfonts.start(default_brand(), chars)  # a thread, as build_series begins it
    first = webfonts.make_faces(default_brand(), chars)  # waits for that thread
    assert webfonts.make_faces(default_brand(), chars) == first
    assert sorted(calls) == sorted(first)


def test_a_second_process_reads_the_set_from_the_cache(two_faces, fresh, monkeypatch):
    chars = webfonts.charset(["cached"])
    made = webfonts.make_faces(default_brand(), chars)
    assert [p.name for p in fresh.iterdir()] == [f"{webfonts.key(default_brand(), chars)}.json"]
    monkeypatch.setattr(webfonts, "_SETS", {})  # as a new process
    monkeypatch.setattr(webfonts, "_make_face", lambda *_: pytest.fail("made again"))
    assert webfonts.make_faces(default_brand(), chars) == made


@pytest.mark.parametrize("damage", ["truncated", "bytes", "faces", "key"])
def test_a_damaged_cache_entry_is_made_again(two_faces, fresh, monkeypatch, damage):
    chars = webfonts.charset([damage])
    made = webfonts.make_faces(default_brand(), chars)
    entry = next(fresh.iterdir())
    data = json.loads(entry.read_text())
    if damage == "truncated":
        entry.write_text(entry.read_text()[:1000])
    else:
        if damage == "bytes":  # a WOFF2 signature, other bytes: the digest does not match
            data["faces"][0][2] = base64.b64encode(b"wOF2" + bytes(100)).decode()
        elif damage == "faces":  # a face missing
            data["faces"].pop()
        else:
            data["key"] = "0" * 64
        entry.write_text(json.dumps(data))
    monkeypatch.setattr(webfonts, "_SETS", {})
    calls = _counting(monkeypatch)
    assert webfonts.make_faces(default_brand(), chars) == made
    assert len(calls) == len(made)
    monkeypatch.setattr(webfonts, "_SETS", {})  # and the entry was mended
    monkeypatch.setattr(webfonts, "_make_face", lambda *_: pytest.fail("made again"))
    assert webfonts.make_faces(default_brand(), chars) == made


def test_the_cache_is_never_read_or_written_through_a_link(two_faces, fresh, monkeypatch,
                                                           tmp_path):
    chars = webfonts.charset(["linked"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.symlink_to(elsewhere, target_is_directory=True)
    made = webfonts.make_faces(default_brand(), chars)
    assert list(elsewhere.iterdir()) == []
    # an entry planted behind the link is not read either
    fresh.unlink()
    fresh.mkdir()
    monkeypatch.setattr(webfonts, "_SETS", {})
    webfonts.make_faces(default_brand(), chars)
    entry = next(fresh.iterdir())
    shutil.move(entry, elsewhere / entry.name)
    fresh.rmdir()
    fresh.symlink_to(elsewhere, target_is_directory=True)
    monkeypatch.setattr(webfonts, "_SETS", {})
    calls = _counting(monkeypatch)
    assert webfonts.make_faces(default_brand(), chars) == made
    assert len(calls) == len(made)
    # nor is a single entry that is a link
    fresh.unlink()
    fresh.mkdir()
    (fresh / entry.name).symlink_to(elsewhere / entry.name)
    monkeypatch.setattr(webfonts, "_SETS", {})
    calls.clear()
    assert webfonts.make_faces(default_brand(), chars) == made
    assert len(calls) == len(made) and (fresh / entry.name).is_symlink()


def test_a_build_in_this_process_uses_no_cache(two_faces, fresh, monkeypatch):
    monkeypatch.setitem(fontfiles._DISK, "cache", False)  # files.fonts.memory_only()
    webfonts.make_faces(default_brand(), webfonts.charset(["in memory"]))
    assert not fresh.exists()


def test_a_font_harfbuzz_refuses_is_cut_by_fonttools(monkeypatch):
    monkeypatch.setattr(webfonts, "_harfbuzz_cut", lambda *_: None)
    face = next(f for f in webfonts.faces(default_brand()) if f.font.family == "Source Sans 3"
                and f.font.style == "normal" and f.weight == 700)
    chars = webfonts.charset(["fontTools"])
    font = TTFont(io.BytesIO(webfonts._make_face(face, chars)))
    assert "fvar" not in font and font["OS/2"].usWeightClass == 700
    assert set(font.getBestCmap()) == {ord(c) for c in chars} & set(
        TTFont(face.font.path).getBestCmap())


def test_build_series_begins_the_fonts_before_the_workers(tmp_path, monkeypatch):
    """The set is under way when the workers start, and write_site uses it."""
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "countries" / "italy", repo / "countries" / "italy")
    shutil.copyfile(REPO / "series.yaml", repo / "series.yaml")
    begun: list[int] = []

    def pool(run, tasks, *_args):
        begun.append(len(webfonts._SETS))
        return [Outcome(t.root, "built", [], []) for t in tasks]

    monkeypatch.setattr(build, "run_pool", pool)
    calls = _counting(monkeypatch)
    build.build_series([repo / "countries" / "italy"], repo / "build", ("html",),
                       load_series(repo), repo=repo, brand=default_brand())
    assert begun == [1]
    fonts = sorted(p.name for p in (repo / "build" / "assets" / "fonts").iterdir())
    assert fonts == sorted(calls) == sorted(f.filename for f in webfonts.faces(default_brand()))
