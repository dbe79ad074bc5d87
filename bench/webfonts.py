"""The web fonts benchmark: what `--format all` costs over the PDF alone, for Italy.

    python bench/webfonts.py [--rounds 5] [--before SRC] [--write BENCHMARKS.md]

Each round runs, in a rotating order, fresh processes of `casestudy build --force
countries/italy` into a new output folder: `--format pdf`, and `--format all` with an
empty cache folder (CASESTUDY_CACHE_DIR: the web fonts are made) and with one that
holds the series' set (made by a run before the rounds). With --before, the same
pdf and cold `all` builds of another checkout's code (its src folder, put first on
PYTHONPATH) join each round. Ratios are taken round by round (the machine's speed
drifts) and quoted as median (min to max).

With --write, the results replace this benchmark's section of the file (headed
"## The web fonts"), leaving the rest as it is.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEADING = "## The web fonts"
TARGET = 1.4  # cold `--format all` over `--format pdf`
NOTES = """\
A cold `--format all` makes the eight WOFF2 faces of the series (HarfBuzz cuts and pins
each in milliseconds; fontTools' WOFF2 writer, Brotli mostly, takes about 0.1 s a face)
in a thread of the build's own process while the worker renders the PDF, so on two
cores it adds little beyond the web page itself; a warm cache folder reads the set
instead. The code before this change (fontTools' subsetter and instancer, after the
workers) took about 5 s for the same set."""


def build(fmt: str, cache: Path, work: Path, src: str | None) -> tuple[float, float]:
    """Wall and CPU seconds (children included) of one build into a new folder."""
    env = {**os.environ, "CASESTUDY_CACHE_DIR": str(cache)}
    if src:
        env["PYTHONPATH"] = src
    out = Path(tempfile.mkdtemp(dir=work))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "casestudy", "build", "--format", fmt, "--force",
                    "--out", str(out / "build"), "countries/italy"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu


def spread(values: list[float], unit: str = " s", digits: int = 2) -> str:
    return (f"{statistics.median(values):.{digits}f}{unit} ({min(values):.{digits}f} to "
            f"{max(values):.{digits}f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", help="another checkout's src folder, measured beside")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    runs = {"pdf": ("pdf", False, None), "all, cold cache": ("all", False, None),
            "all, warm cache": ("all", True, None)}
    if args.before:
        runs |= {"pdf, before": ("pdf", False, args.before),
                 "all, cold cache, before": ("all", False, args.before)}
    load = os.getloadavg()[0]
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        warm = work / "warm-cache"
        build("all", warm, work, None)  # the set the warm runs read (and a warm-up)
        names = list(runs)
        for round_ in range(args.rounds):
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                fmt, cached, src = runs[name]
                cache = warm if cached else Path(tempfile.mkdtemp(dir=work))
                seconds, used = build(fmt, cache, work, src)
                wall[name].append(seconds)
                cpu[name].append(used)
                print(f"round {round_ + 1} {name}: {seconds:.2f} s", file=sys.stderr)
    load_end = os.getloadavg()[0]

    def ratio(a: str, b: str) -> list[float]:
        return [x / y for x, y in zip(wall[a], wall[b], strict=True)]

    table = ["| build of Italy | wall, median (min to max) | CPU, median |",
             "|---|---|---|"]
    table += [f"| `--format {name}` | {spread(wall[name])} | {statistics.median(cpu[name]):.2f} s |"
              for name in runs]
    cold = ratio("all, cold cache", "pdf")
    lines = [f"- cold `all` / `pdf`: {spread(cold, 'x')} (target <= {TARGET}x: "
             f"{'met' if statistics.median(cold) <= TARGET else 'NOT met'})",
             f"- warm `all` / `pdf`: {spread(ratio('all, warm cache', 'pdf'), 'x')}"]
    if args.before:
        lines.append("- before: cold `all` / `pdf`: "
                     f"{spread(ratio('all, cold cache, before', 'pdf, before'), 'x')}")
    text = "\n".join(table) + "\n\n" + "\n".join(lines) + "\n\n" + NOTES
    print(text)
    if args.write:
        import datetime as dt

        section = (f"{HEADING}\n\nMeasured by `python bench/webfonts.py --write "
                   f"BENCHMARKS.md{' --before SRC' if args.before else ''}` on "
                   f"{dt.date.today().isoformat()}: {args.rounds} rounds, each build a fresh "
                   f"process (load average {load:.1f} at the start, {load_end:.1f} at the "
                   f"end, on {os.cpu_count()} cores; CPU counts the workers).\n\n{text}\n")
        old = args.write.read_text("utf-8") if args.write.exists() else "# Benchmarks\n"
        at = old.find(HEADING)
        if at >= 0:
            end = old.find("\n## ", at + len(HEADING))
            old = old[:at] + section + (old[end + 1:] if end >= 0 else "")
        else:
            old = old.rstrip("\n") + "\n\n" + section
        args.write.write_text(old, "utf-8")


if __name__ == "__main__":
    main()
