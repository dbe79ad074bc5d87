"""The Word import benchmark: ``casestudy import`` of a 40-page draft, target under 5 s.

    python bench/word.py [--pages 40] [--repeat 3]

The draft is made with python-docx (the test extra) by the acceptance draft's own
generator (tests/fixtures/word/make_drafts.py): the eight sections, each with headed
paragraphs of about 60 words, a footnote and a Zotero citation every other paragraph,
a table and a picture, until the draft holds about 500 words a page. Each run imports it
into a fresh copy of the series, as a command (start-up included); the median is
reported with the draft's size, with the CPU time of the command and its pandoc runs
(the machines here are shared: the CPU time is the figure a busy machine leaves alone).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "word"))

from make_drafts import HASIK, KIM, PARK, SECTIONS, Draft  # noqa: E402

WORDS_PER_PAGE = 500
TEXT = ("The partnership rests on a handful of firms whose plants, suppliers and engineers "
        "now sit on both sides of the Pacific, and on governments that have learned to "
        "treat each other's industry as part of their own base in peace and in crisis, "
        "even where export controls still slow the work that both sides want done.")


def long_draft(pages: int) -> Draft:
    d = Draft()
    d.doc.core_properties.author = "김민준; Sarah Whitfield"
    d.doc.add_paragraph("Partners in the Pacific", style="Title")
    per_section = pages * WORDS_PER_PAGE // len(TEXT.split()) // len(SECTIONS)
    items = [PARK, KIM, HASIK]
    for s, heading in enumerate(SECTIONS):
        d.heading(heading)
        for n in range(per_section):
            extra: list[object] = []
            if n % 2:
                extra = [("zotero", [items[n % 3]], "(Park 2023)"),
                         ("note", [f"Note {s}.{n}: an interview in Seoul.", "A second paragraph."])]
            d.para(TEXT + " ", *extra)
        d.table([["Year", "Program", "Value"], ["2022", "K9", "2,400"]], "Table: programs")
        d.picture("#1f4e79", f"s{s}", f"Chart {s}")
        d.caption(f"Figure {s}: a chart")
    return d


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casestudy-bench-word-") as tmp:
        draft = Path(tmp) / "long-draft.docx"
        long_draft(args.pages).save(draft)
        times, cpu = [], []
        for run in range(args.repeat):
            series = Path(tmp) / f"series-{run}"
            (series / "countries").mkdir(parents=True)
            shutil.copyfile(REPO / "series.yaml", series / "series.yaml")
            started = time.perf_counter()
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            done = subprocess.run([sys.executable, "-m", "casestudy", "import", str(draft),
                                   "--country", "South Korea", "--adjective", "Korean",
                                   "--no-input"], cwd=series, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)  # casestudy and its pandoc
            cpu.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
            if done.returncode != 0:
                print(done.stdout, done.stderr, file=sys.stderr)
                return 1
        words = done.stdout.split("  words ", 1)[-1].split(", notes")[0]
        print(f"import of a {args.pages}-page draft ({draft.stat().st_size // 1024} KB, "
              f"{words} words): median {statistics.median(times):.2f} s over "
              f"{args.repeat} runs (target < 5 s); CPU time {statistics.median(cpu):.2f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
