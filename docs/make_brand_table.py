"""Write docs/brand.md's compatibility table (every brand.yml key, and what a brief does
with it) from the table the loader itself warns from (casestudy/brand/compat.py), between
the page's two marker lines, so the page cannot drift from the code.

    python docs/make_brand_table.py          # rewrite the table in the page
    python docs/make_brand_table.py --print  # print it

tests/brand/test_brandyml.py fails when the page's table is not the one the code makes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from casestudy.brand.compat import markdown_table

PAGE = Path(__file__).resolve().parent / "brand.md"
BEGIN = "<!-- the table: made by docs/make_brand_table.py from brand/compat.py, do not edit -->"
END = "<!-- end of the table -->"


def block() -> str:
    """The table between its markers, as the page holds it."""
    return f"{BEGIN}\n{markdown_table()}{END}"


def rewrite(page: Path = PAGE) -> None:
    text = page.read_text("utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    page.write_text(text[:start] + block() + text[end:], "utf-8")


if __name__ == "__main__":
    if "--print" in sys.argv:
        print(markdown_table(), end="")
    else:
        rewrite()
