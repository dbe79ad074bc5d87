"""The build benchmark: a synthetic series of copies of the Italy study, measured in one run.

    python bench/run.py [--studies 20] [--check-studies 50] [--repeat 5] [--write BENCHMARKS.md]

Reports, as ratios measured in the same run (machines here are noisy, so only ratios
and same-run figures are worth comparing):

a. our build of one study / WeasyPrint alone rendering the HTML we produced, in one
   process (the builder's overhead), and as commands: `casestudy build` of one study /
   a WeasyPrint process (start-up, the check and the worker included), interleaved;
b. a no-op rebuild of the series (the CLI, start-up included);
c. a cold build of the series with 2 jobs / with 1 job;
d. ``casestudy check`` of a series of --check-studies studies (the CLI, start-up included),
   the first time (nothing remembered), and again after one study was edited;
h. ``casestudy series`` of the same series, the first time and again after one study
   was edited (h2), as for (d);
e. peak memory (RSS) of a worker building the Italy brief;
f. PDF size per page of the Italy brief;
g. a cold render with the variable fonts embedded by HarfBuzz's instancer (ours) / by
   WeasyPrint's own (fontTools), each a fresh WeasyPrint process, interleaved with (a).

Everything happens in a temporary folder; nothing in the repository is written except
the --write file. The preview and the web edition are measured by bench/web.py, whose
section of the --write file this script keeps.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ITALY = REPO / "countries" / "italy"
CLI = [sys.executable, "-m", "casestudy"]
WEB_SECTION = "## The preview and the web edition"  # written by bench/web.py

TARGETS = {
    "a": ("overhead over WeasyPrint alone", "<= 1.10x"),
    "a2": ("one study, as commands", "<= 1.10x"),
    "a3": ("the same, like for like", "none (information)"),
    "g": ("cold render, font embedding", "none (information)"),
    "b": ("no-op rebuild", "< 1 s"),
    "c": ("cold build, 2 jobs vs 1", ">= 1.7x"),
    "d": ("check, first time", "< 1 s"),
    "d2": ("check again, one study edited", "< 1 s"),
    "h": ("series report, first time", "none (information)"),
    "h2": ("series report again, one study edited", "< 1 s"),
    "e": ("peak memory per worker", "< 400 MB"),
    "f": ("PDF size per page", "< 60 KB"),
}


NOTES = """\
Reading the table:

- (a) is the builder's own overhead: both sides run in one warm process on the same
  HTML, so the ratio is what loading, checking, Markdown, Jinja, hashing and the atomic
  write add to WeasyPrint's render. This machine is a virtual machine whose speed
  drifts by up to a fifth from one run to the next (the same render took 4.1 to 6.2 s
  in seven runs in a row), so (a) compares the fastest of the interleaved runs of each
  side, the runs least disturbed; the ratio of the medians is given beside it. "Our
  own steps" is timed inside the same builds, which drift cannot skew: the time a build
  spends outside `html_to_pdf` (load, check, Markdown, Jinja, digest, atomic write).
- (a2) is what a user waits for: `casestudy build --force` of one study, a fresh
  process, against a fresh process in which WeasyPrint renders the same HTML (PDF/UA-1,
  300 dpi). Ours adds start-up, the command line, the check, a worker forked from a
  server that imports WeasyPrint and the whole build, and the atomic write; the server
  is started first, so its imports overlap the command line's. The commands run in
  turn, round by round, and the ratio is taken round by round: the median of those is
  the figure, the fastest run of each side against the other beside it.
- (a3) is the same against a WeasyPrint process that embeds the fonts as our build
  does: what start-up, the check and the worker cost, like for like.
- (g) is the font embedding alone: a cold render (a fresh process) of the same HTML,
  the variable fonts' static instances made by HarfBuzz's instancer (instancing.py)
  against WeasyPrint's own (fontTools' instancer). The run stops if the three PDFs of
  (a2) do not have the same text on every page.
- (b), (d) and (d2) are wall times of the command, start-up (about 0.3 s) included.
- (d) is a check with nothing remembered (an empty cache folder), as on a fresh
  machine. It is parse-bound: each copy of Italy is 6,000 words and 48 footnotes. The
  parts, measured apart on this machine: start-up with the imports, 0.35 s;
  markdown-it-py's pure-Python tokenizer, 20 to 28 ms a study (best and typical), so
  0.5 to 0.7 s for 50 studies on two cores; reading, validating and the rules, about
  8 ms a study, 0.2 s. That is 1.05 to 1.25 s before anything is printed: with this
  parser, the first check of 50 such studies does not come under 1 s here.
- (d2) is the everyday case: the series was checked before and one study has been
  edited since. The other 49 are hashed, found unchanged, and their findings reused.
- (h) and (h2) are (d) and (d2) for `casestudy series` (as JSON): the first report
  reads and checks every study; a later one reads only the edited study and takes the
  others' rows and facts from the cache, then works out every PDF's status and the
  cross-study rules again.
- (e) is the largest peak RSS that any worker reported after its builds.
- (f) is Italy's size; the size of a brief in Hebrew and Korean beside it, and what
  its fonts weigh, is measured by bench/sizes.py (its own section, "PDF sizes").
"""


def make_series(folder: Path, count: int) -> Path:
    """A series repository with ``count`` copies of Italy, each its own slug and number."""
    folder.mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", folder / "series.yaml")
    shutil.copyfile(REPO / "_brand.yml", folder / "_brand.yml")  # the same brand as Italy's
    shutil.copytree(REPO / "brand", folder / "brand")
    for n in range(1, count + 1):
        dest = folder / "countries" / f"italy-{n:02d}"
        shutil.copytree(ITALY, dest)
        meta = dest / "study.yaml"
        meta.write_text(re.sub(r"(?m)^series_number: \d+", f"series_number: {n}",
                               meta.read_text("utf-8")), "utf-8")
    return folder


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return seconds


def overhead(repeat: int, out: Path) -> tuple[float, float, float, float]:
    """(ours, WeasyPrint alone, median ratio, our own steps): the fastest of ``repeat``
    interleaved runs of each, the ratio of the medians, and the median time a build
    spends outside ``html_to_pdf`` (timed inside the same builds, so the machine's drift
    cannot touch it). The machine's speed drifts by a fifth from run to run; the
    fastest run of each side is the one least disturbed."""
    import weasyprint

    import casestudy.render.pdf
    from casestudy.brand.instancing import static_instances
    from casestudy.brand.load import load_brand
    from casestudy.render.html import render_html
    from casestudy.render.pdf import PRINT_DPI
    from casestudy.series.build import build_study
    from casestudy.source.load import load_series, load_study

    series = load_series(REPO)
    html = render_html(load_study(ITALY), series, "print", brand=load_brand(REPO))

    rendering: list[float] = []
    html_to_pdf = casestudy.render.pdf.html_to_pdf

    def timed_render(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return html_to_pdf(*args, **kwargs)
        finally:
            rendering.append(time.perf_counter() - started)

    own: list[float] = []

    def ours() -> float:
        started = time.perf_counter()
        casestudy.render.pdf.html_to_pdf = timed_render
        try:
            build_study(ITALY, out, ("pdf",), series, force=True)
        finally:
            casestudy.render.pdf.html_to_pdf = html_to_pdf
        seconds = time.perf_counter() - started
        own.append(seconds - rendering[-1])
        return seconds

    def alone() -> float:  # with the same font embedding as ours: (g) compares those
        started = time.perf_counter()
        with static_instances():
            weasyprint.HTML(string=html, base_url=str(ITALY)).write_pdf(
                out / "alone.pdf", pdf_variant="pdf/ua-1", optimize_images=True,
                dpi=PRINT_DPI)
        return time.perf_counter() - started

    ours(), alone()  # warm both: fonts loaded, caches filled
    mine, theirs = [], []
    for _ in range(repeat):
        mine.append(ours())
        theirs.append(alone())
    return (min(mine), min(theirs), statistics.median(mine) / statistics.median(theirs),
            statistics.median(own[1:]))


# A fresh process in which WeasyPrint alone renders the HTML we made, as our build does
# (PDF/UA-1, images at print resolution); with "fast", embedding the variable fonts as
# our build does (instancing.py) instead of with fontTools' instancer.
_ALONE = """import sys
import weasyprint
from contextlib import nullcontext
fast = sys.argv[4] == "fast"
if fast:
    from casestudy.brand.instancing import static_instances
with static_instances() if fast else nullcontext():
    weasyprint.HTML(filename=sys.argv[1], base_url=sys.argv[2]).write_pdf(
        sys.argv[3], pdf_variant="pdf/ua-1", optimize_images=True, dpi=300)
"""


@dataclass
class Paired:
    """Interleaved runs of commands; ratios taken round by round (the machine drifts)."""

    runs: dict[str, list[float]]

    def ratio(self, a: str, b: str) -> tuple[float, float]:
        """(min of a / min of b, median of the per-round ratios a/b)."""
        pairs = [x / y for x, y in zip(self.runs[a], self.runs[b], strict=True)]
        return min(self.runs[a]) / min(self.runs[b]), statistics.median(pairs)

    def median(self, name: str) -> float:
        return statistics.median(self.runs[name])


def commands(work: Path, repeat: int) -> Paired:
    """Fresh processes, interleaved round by round: `casestudy build --force` of one study
    (start-up, the check, the worker), and a WeasyPrint process rendering the HTML that
    build makes, with WeasyPrint's own font instancing and with ours."""
    from casestudy.render.html import render_html
    from casestudy.source.load import load_series, load_study

    repo = make_series(work / "cli", 1)
    study = repo / "countries" / "italy-01"
    html = work / "italy.html"
    from casestudy.brand.load import load_brand

    html.write_text(render_html(load_study(study), load_series(repo), "print",
                                brand=load_brand(repo)), "utf-8")

    def alone(kind: str) -> list[str]:
        return [sys.executable, "-c", _ALONE, str(html), str(study),
                str(work / f"alone-{kind}.pdf"), kind]

    runs: dict[str, list[float]] = {"ours": [], "plain": [], "fast": []}
    timed(alone("plain"), work)  # warm the disk cache for all
    for _ in range(repeat):
        runs["ours"].append(timed([*CLI, "build", "--force"], repo))
        runs["plain"].append(timed(alone("plain"), work))
        runs["fast"].append(timed(alone("fast"), work))
    same = [_text(path) for path in (work / "alone-plain.pdf", work / "alone-fast.pdf",
                                     repo / "build" / "italy-01.pdf")]
    if not same[0] == same[1] == same[2]:
        sys.exit("the fonts changed the text of the brief: compare the PDFs")
    return Paired(runs)


def _text(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(pdf)).pages]


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


def cold_builds(repo: Path) -> tuple[float, float, float]:
    """Seconds for a cold build of every study with 1 job and with 2, and the peak RSS."""
    from casestudy.brand.load import load_brand
    from casestudy.series.build import build_series
    from casestudy.source.load import load_series

    series, brand = load_series(repo), load_brand(repo)
    roots = sorted((repo / "countries").iterdir())
    seconds, peaks = [], []
    for jobs in (1, 2):
        started = time.perf_counter()
        outcomes = build_series(roots, repo / f"build-{jobs}", ("pdf",), series, jobs=jobs,
                                force=True, brand=brand)
        seconds.append(time.perf_counter() - started)
        failed = [o for o in outcomes if o.status != "built"]
        if failed:
            sys.exit(f"cold build failed: {failed[0].message or failed[0].problems[:3]}")
        peaks += [o.peak_rss_mb for o in outcomes]
    return seconds[0], seconds[1], max(peaks)


def checks(repo: Path, caches: Path, repeat: int) -> tuple[float, float]:
    """``casestudy check`` of the series with an empty cache folder, and again after
    editing one study; the medians of ``repeat`` rounds, each with its own cache."""
    first, again = [], []
    studies = sorted((repo / "countries").iterdir())
    for n in range(repeat):
        env = {**os.environ, "CASESTUDY_CACHE_DIR": str(caches / str(n))}
        first.append(timed([*CLI, "check"], repo, env))
        with open(studies[n % len(studies)] / "sections" / "08-conclusion.md", "a") as handle:
            handle.write("\nOne more sentence for the benchmark.\n")
        again.append(timed([*CLI, "check"], repo, env))
    return statistics.median(first), statistics.median(again)


def reports(repo: Path, caches: Path, repeat: int) -> tuple[float, float]:
    """``casestudy series`` as (d) and (d2) time ``check``: with an empty cache folder,
    and again after editing one study; the medians of ``repeat`` rounds."""
    first, again = [], []
    studies = sorted((repo / "countries").iterdir())
    report = [*CLI, "series", "--format", "json"]
    for n in range(repeat):
        env = {**os.environ, "CASESTUDY_CACHE_DIR": str(caches / f"series-{n}")}
        first.append(timed(report, repo, env))
        with open(studies[n % len(studies)] / "sections" / "08-conclusion.md", "a") as handle:
            handle.write("\nOne more sentence for the series benchmark.\n")
        again.append(timed(report, repo, env))
    return statistics.median(first), statistics.median(again)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    except OSError:
        memory = 0.0
    from importlib.metadata import version

    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, WeasyPrint "
            f"{version('weasyprint')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--studies", type=int, default=20)
    parser.add_argument("--check-studies", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", type=Path, help="write the results as Markdown here")
    args = parser.parse_args()

    loads = [os.getloadavg()[0]]  # how busy the machine was: other work skews every figure
    with tempfile.TemporaryDirectory(prefix="casestudy-bench-") as tmp:
        work = Path(tmp)
        print(f"machine: {machine()}, load average {loads[0]:.1f}", flush=True)
        ours, alone, median_a, own = overhead(args.repeat, work / "one")
        ratio_a = ours / alone
        size = (work / "one" / "italy.pdf").stat().st_size
        pages = pdf_pages(work / "one" / "italy.pdf")
        print(f"a. one study {ours:.2f} s, WeasyPrint alone {alone:.2f} s", flush=True)
        paired = commands(work, args.repeat)
        cli_min, cli_median = paired.ratio("ours", "plain")
        same_min, same_median = paired.ratio("ours", "fast")
        fonts_min, fonts_median = paired.ratio("fast", "plain")
        print(f"a2. as commands: `casestudy build` {paired.median('ours'):.2f} s, a WeasyPrint "
              f"process {paired.median('plain'):.2f} s, with our font embedding "
              f"{paired.median('fast'):.2f} s (medians)", flush=True)

        repo = make_series(work / "series", args.studies)
        one_job, two_jobs, peak = cold_builds(repo)
        print(f"c. cold build of {args.studies}: 1 job {one_job:.1f} s, 2 jobs "
              f"{two_jobs:.1f} s", flush=True)
        shutil.copytree(repo / "build-2", repo / "build")
        noop = timed([*CLI, "build"], repo)
        print(f"b. no-op rebuild of {args.studies}: {noop:.2f} s", flush=True)

        many = make_series(work / "check", args.check_studies)
        check, again = checks(many, work / "caches", args.repeat)
        print(f"d. check of {args.check_studies}: {check:.2f} s the first time, "
              f"{again:.2f} s after editing one", flush=True)
        report, report_again = reports(many, work / "caches", args.repeat)
        print(f"h. series report of {args.check_studies}: {report:.2f} s the first time, "
              f"{report_again:.2f} s after editing one", flush=True)

    speedup = one_job / two_jobs
    rows = [
        ("a", f"{ratio_a:.3f}x", f"ours {ours:.2f} s / WeasyPrint alone {alone:.2f} s, "
                                 f"fastest of {args.repeat} interleaved runs each (ratio of "
                                 f"the medians: {median_a:.3f}x); our own steps "
                                 f"{own:.3f} s a build", ratio_a <= 1.10),
        ("a2", f"{cli_median:.3f}x", f"each a fresh process, {args.repeat} interleaved rounds: "
                                     f"`casestudy build --force` of one study / a WeasyPrint "
                                     f"process on the same HTML; median of the per-round "
                                     f"ratios (fastest / fastest: {cli_min:.3f}x); medians "
                                     f"{paired.median('ours'):.2f} s / "
                                     f"{paired.median('plain'):.2f} s", cli_median <= 1.10),
        ("a3", f"{same_median:.3f}x", f"the same, against a WeasyPrint process that embeds "
                                      f"the fonts as we do (fastest / fastest: "
                                      f"{same_min:.3f}x): start-up, check and worker alone",
         None),
        ("g", f"{fonts_median:.3f}x", f"a cold render (fresh process) of the Italy HTML, "
                                      f"variable fonts embedded by HarfBuzz's instancer "
                                      f"(instancing.py) / by WeasyPrint's own (fontTools); "
                                      f"median of the per-round ratios (fastest / fastest: "
                                      f"{fonts_min:.3f}x); same text on every page",
         None),
        ("b", f"{noop:.2f} s", f"{args.studies} studies, `casestudy build`, start-up included",
         noop < 1),
        ("c", f"{speedup:.2f}x", f"{args.studies} studies: --jobs 1 {one_job:.1f} s, "
                                 f"--jobs 2 {two_jobs:.1f} s", speedup >= 1.7),
        ("d", f"{check:.2f} s", f"{args.check_studies} studies, `casestudy check` with nothing "
                                f"remembered, start-up included (median of {args.repeat})",
         check < 1),
        ("d2", f"{again:.2f} s", f"the same {args.check_studies} studies checked before, then "
                                 f"one edited (median of {args.repeat})", again < 1),
        ("h", f"{report:.2f} s", f"{args.check_studies} studies, `casestudy series --format "
                                 f"json` with nothing remembered, start-up included (median "
                                 f"of {args.repeat})", None),
        ("h2", f"{report_again:.2f} s", f"the same {args.check_studies} studies reported "
                                        f"before, then one edited (median of {args.repeat})",
         report_again < 1),
        ("e", f"{peak:.0f} MB", "largest peak RSS of any worker in (c)", peak < 400),
        ("f", f"{size / pages / 1024:.1f} KB", f"Italy brief: {size / 1024:.0f} KB, {pages} "
                                                "pages", size / pages < 60 * 1024),
    ]
    table = ["| | measure | result | target | met | detail |", "|---|---|---|---|---|---|"]
    for key, result, detail, met in rows:
        name, target = TARGETS[key]
        verdict = "-" if met is None else "yes" if met else "NO"
        table.append(f"| {key} | {name} | {result} | {target} | {verdict} | "
                     f"{detail} |")
    print("\n".join(table))
    if args.write:
        loads.append(os.getloadavg()[0])
        busy = (f" The machine was busy with other work (load average {loads[0]:.1f} at the "
                f"start, {loads[1]:.1f} at the end, on {os.cpu_count()} cores): the times "
                "are slow and noisy, and only the ratios of interleaved runs mean much."
                if max(loads) > 1.5 else "")
        # bench/web.py's section (the preview and the web edition) is kept as it is
        old = args.write.read_text("utf-8") if args.write.exists() else ""
        web = old[old.find(WEB_SECTION):] if WEB_SECTION in old else ""
        args.write.write_text(
            "# Benchmarks\n\nMeasured by `python bench/run.py --write BENCHMARKS.md` on "
            f"{dt.date.today().isoformat()}, all in one run, on: {machine()}.{busy}\n\n"
            + "\n".join(table) + "\n\n" + NOTES + ("\n" + web if web else ""), "utf-8")


if __name__ == "__main__":
    main()
