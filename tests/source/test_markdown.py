"""Markdown: what the checker learns from a section, and the HTML it becomes."""

from __future__ import annotations

import pytest

from casestudy.source.body import render_body
from casestudy.source.parse import parse_section
from casestudy.source.renderer import RenderContext

SECTION = """# Heading

First paragraph with a note.[^a] Second call of it.[^a] Words <b>bold</b>.

## Sub

::: figure
![Alt text](figures/x.svg)

Caption: A *caption*.

Source: A source.
:::

[^a]: The note, with a [link](https://example.org/a).
"""


def render(text: str, mode: str = "print") -> tuple[str, RenderContext]:
    ctx = RenderContext(image_url=lambda src: "file:///study/" + src, mode=mode)
    return render_body(parse_section(text), ctx, "s"), ctx


def test_analysis_of_a_section():
    parsed = parse_section(SECTION)
    assert parsed.heading == "Heading"
    assert [(r.value, r.line, r.col) for r in parsed.footnote_refs] == [("a", 3, 29), ("a", 3, 52)]
    assert list(parsed.footnote_defs) == ["a"]
    assert [(r.value, r.line, r.col, r.extra) for r in parsed.images] == [
        ("figures/x.svg", 8, 1, "Alt text")]
    assert [(r.value, r.line) for r in parsed.raw_html] == [("<b>", 3), ("</b>", 3)]
    assert parsed.words == 11  # body text only: not the headings, figure or notes
    block = parsed.blocks[0]
    assert (block.kind, block.caption, block.source) == ("figure", "A *caption*.", "A source.")


def test_print_footnotes_float_and_second_calls_point_back():
    html, ctx = render(SECTION)
    assert ('<span class="footnote" id="fn-1" data-n="1">The note, with a '
            '<a href="https://example.org/a">link</a>.</span>') in html
    assert '<sup class="fn-again"><a href="#fn-1">1</a></sup>' in html
    assert ctx.footnotes == 1


def test_numbering_runs_through_sections():
    ctx = RenderContext(image_url=lambda src: src)
    render_body(parse_section(SECTION), ctx, "one")
    second = render_body(parse_section("# Two\n\nMore.[^x]\n\n[^x]: Next.\n"), ctx, "two")
    assert 'data-n="2">Next.</span>' in second
    assert ctx.figures == 1


def test_web_footnotes_become_endnotes():
    html, ctx = render(SECTION, "web")
    assert '<sup class="fn-call" id="fnref-1"><a href="#fn-1">1</a></sup>' in html
    assert ctx.endnotes[0][0] == 1 and "The note" in ctx.endnotes[0][1]


def test_figure_is_numbered_with_caption_and_source():
    html, _ = render(SECTION)
    assert ('<figure id="figure-1"><img src="file:///study/figures/x.svg" alt="Alt text">'
            '<figcaption><span class="label">Figure 1.</span> A <em>caption</em>.'
            '<p class="source">Source: A source.</p></figcaption></figure>') in html


def test_raw_html_and_unsafe_links_never_pass():
    html, _ = render('# H\n\n<img src="x"> [a](javascript:alert(1)) [b](file:///etc/passwd) '
                     "[c](https://ok.example)\n\n<script>alert(1)</script>\n")
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=&quot;x&quot;&gt;" in html
    assert "javascript" not in html.lower().replace("&lt;", "")
    assert 'href="file:' not in html
    assert '<a href="https://ok.example">c</a>' in html


def test_headings_shift_down_one_level_with_anchors():
    html, _ = render("# Section\n\n## Land systems\n\nText.\n")
    assert '<h3 id="s-land-systems">Land systems</h3>' in html
    assert "Section" not in html  # the template places the section heading


def test_typography():
    html, _ = render('# H\n\n"Quoted" -- and --- dashes.\n')
    assert "“Quoted” – and — dashes." in html


def test_ordered_list_start_is_kept_in_print_and_on_the_web():
    text = "# H\n\n1. one\n\n## Sub\n\n4. four\n5. five\n"
    html, _ = render(text)
    assert '<ol start="4" style="counter-reset: list-item 3">' in html  # WeasyPrint counts
    web, _ = render(text, "web")
    assert '<ol start="4">' in web and "style=" not in web  # browsers read start


def test_an_undefined_note_never_prints_its_syntax():
    html, ctx = render("# H\n\nA claim.[^nowhere] More.\n")
    assert "[^" not in html and "nowhere" not in html and ctx.footnotes == 0


def test_a_note_of_several_blocks_keeps_them_as_styled_spans_in_print():
    text = "# H\n\nA claim.[^n]\n\n[^n]: One.\n\n    Two.\n\n    - a\n    - b\n\n    > Quoted.\n"
    html, _ = render(text)
    assert ('<span class="footnote" id="fn-1" data-n="1"><span class="fn-p">One.</span>'
            '<span class="fn-p">Two.</span><span class="fn-ul"><span class="fn-li">a</span>'
            '<span class="fn-li">b</span></span><span class="fn-quote"><span class="fn-p">'
            'Quoted.</span></span></span>') in html
    assert "<p>" not in html.split('class="footnote"')[1]  # nothing closes the paragraph


@pytest.mark.parametrize("mode", ["print", "web"])
def test_a_tables_header_cells_head_their_columns(mode):
    """Screen readers and the PDF's /TH /Scope need to know a header cell heads a column;
    a table inside a print note is set as spans and gets no scope."""
    text = ("# T\n\n| Année | Valeur |\n|:--|--:|\n| 2024 | 3 |\n\nText.[^n]\n\n"
            "[^n]: A note.\n\n    | a | b |\n    |---|---|\n    | 1 | 2 |\n")
    html, ctx = render(text, mode)
    assert '<th style="text-align:left" scope="col">Année</th>' in html
    assert '<th style="text-align:right" scope="col">Valeur</th>' in html
    assert html.count('scope="col"') == 2
    note = "".join(body for _, body in ctx.endnotes) if mode == "web" else html
    assert note.count('<th scope="col">') == (2 if mode == "web" else 0)
    assert mode == "web" or '<span class="fn-th">a</span>' in html
