"""What a CSL style prints (source/bibliography.py), read from the style itself."""

from __future__ import annotations

from pathlib import Path

from casestudy.source.bibliography import style_prints
from casestudy.source.citations import style_path
from conftest import FIXTURES


def test_chicago_prints_a_title_and_a_date():
    prints = style_prints(style_path("chicago-notes-bibliography-17th-edition", Path(".")))
    assert {"title", "issued", "author", "container-title", "URL"} <= prints


def test_a_sort_key_or_a_condition_prints_nothing():
    # the test style sorts by a macro that gives the year, and never prints one
    prints = style_prints(FIXTURES / "bibliographies/author-title-notes.csl")
    assert prints == {"author", "editor", "title", "locator"}


def test_macros_that_call_each_other_are_followed_once(tmp_path):
    style = tmp_path / "loop.csl"
    style.write_text(
        '<style xmlns="http://purl.org/net/xbiblio/csl" class="note" version="1.0">'
        '<macro name="a"><text variable="title"/><text macro="b"/></macro>'
        '<macro name="b"><choose><if variable="issued"><date variable="issued"/></if></choose>'
        '<text macro="a"/></macro>'
        '<macro name="unused"><text variable="publisher"/></macro>'
        '<citation><layout><text macro="a"/></layout></citation></style>', "utf-8")
    assert style_prints(style) == {"title", "issued"}
