"""Language and direction in the text: pandoc's ``[text]{lang=he}`` and ``::: {lang=he}``.

The direction comes from the language's likely script (CLDR through langcodes, Unicode's
script directions through fontTools) unless ``dir`` is given; both editions render the
same markup; anything else in braces is a problem located where the author typed it,
and is never printed.
"""

from __future__ import annotations

import pytest

from casestudy.source.attrs import judge
from casestudy.source.body import render_body
from casestudy.source.labels import direction
from casestudy.source.parse import parse_section
from casestudy.source.renderer import RenderContext


@pytest.mark.parametrize("tag", ["he", "ar", "fa", "ur", "yi", "dv", "syr", "nqo", "ps",
                                 "ff-Adlm", "rhg", "az-Arab", "pa-Arab", "ar-EG"])
def test_languages_written_right_to_left(tag):
    assert direction(tag) == "rtl"


@pytest.mark.parametrize("tag", ["en", "ko", "ja", "zh-Hant", "sr-Latn", "az", "pa", "ku",
                                 "ru", "el", "hi", "th"])
def test_languages_written_left_to_right(tag):
    assert direction(tag) == "ltr"


def test_dir_given_wins_and_case_is_free():
    assert judge({"lang": "he", "dir": "LTR"}) == ({"lang": "he", "dir": "ltr"}, [])
    assert judge({"dir": "rtl"}) == ({"dir": "rtl"}, [])
    assert judge({"lang": "iw"})[1] == [
        "'iw' is a withdrawn or non-standard language code; did you mean 'he'?"]


def render(text: str, mode: str = "print") -> str:
    parsed = parse_section(text)
    assert parsed.literal == []
    return render_body(parsed, RenderContext(image_url=str, mode=mode), "s")


@pytest.mark.parametrize("mode", ["print", "web"])
def test_a_span_and_a_block_carry_lang_and_dir_in_both_editions(mode):
    html = render("The [משרד הביטחון]{lang=he} and [Knesset]{dir=ltr lang=en}.\n\n"
                  "::: {lang=ar}\n> اقتباس\n:::\n\n"
                  ":::: {lang=he}\n::: pullquote\nציטוט.\n:::\n::::\n", mode)
    assert '<span lang="he" dir="rtl">משרד הביטחון</span>' in html
    assert '<span lang="en" dir="ltr">Knesset</span>' in html
    assert '<div lang="ar" dir="rtl">\n<blockquote>\n<p>اقتباس</p>' in html
    # the series' blocks keep working inside a language block (a longer fence, as
    # markdown-it's containers nest)
    assert '<div lang="he" dir="rtl">\n<aside class="pullquote"><p>ציטוט.</p>\n</aside>' in html
    assert "{" not in html and ":::" not in html


def test_the_series_blocks_are_unchanged():
    html = render("::: figure\n![A chart](c.svg)\n\nCaption: Exports.\n\nSource: MoD.\n:::\n")
    assert html.startswith('<figure id="figure-1"><img src="c.svg" alt="A chart">')


def located(text: str) -> list[tuple[int, int, str]]:
    return [(r.line, r.col, r.value) for r in parse_section(text).literal]


def test_what_we_do_not_take_is_located_where_it_was_typed():
    text = ("Intro.\n\n"
            "A [word]{.smallcaps} and [x]{#id} and [y]{lang=he data-x=1}.\n\n"
            "A [link](https://example.org){lang=he} and *em*{dir=rtl lang=he}.\n\n"
            "## Heading {#h}\n\n"
            "  ::: {dir=rtl .aside}\n  text\n  :::\n\n"
            "::: pullquote {lang=he}\nq\n:::\n")
    assert located(text) == [
        (3, 9, "class .smallcaps not supported: only lang and dir may be set"),
        (3, 29, "id #id not supported: only lang and dir may be set"),
        (3, 42, "attribute 'data-x' not supported: only lang and dir may be set"),
        (5, 30, "attributes '{lang=he}' are only read right after [text] (a span) or on a "
                "'::: {…}' line; here they would print as typed"),
        (5, 48, "attributes '{dir=rtl lang=he}' are only read right after [text] (a span) "
                "or on a '::: {…}' line; here they would print as typed"),
        (7, 12, "attributes '{#h}' are only read right after [text] (a span) or on a "
                "'::: {…}' line; here they would print as typed"),
        (9, 7, "class .aside not supported: only lang and dir may be set"),
        (13, 15, "'::: pullquote' takes nothing after its name, and '{lang=he}' would be "
                 "ignored; to set a language, put the block inside '::: {lang=he}' … ':::'"),
    ]


def test_prose_in_braces_is_not_an_attribute():
    assert located("Sets such as {7 × 7}, {x} and {a, b} are prose.\n") == []


def test_a_language_block_inside_a_note_is_refused():
    text = "Text.[^n]\n\n[^n]: A note.\n\n    ::: {lang=he}\n    שלום\n    :::\n"
    assert located(text) == [(5, 5, "a '::: {lang=he}' block cannot be inside a footnote; "
                                    "mark the note's words with [text]{lang=..} instead")]
