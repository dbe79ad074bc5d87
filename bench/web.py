"""The preview and web-edition benchmark: save-to-reload and page weight, for Italy.

    python bench/web.py [--saves 10] [--write BENCHMARKS.md]

g. save to new page: `casestudy preview italy` runs (PDF rebuilding included, as an
   author runs it); a browser (Playwright, Debian's Chromium) has the page open; a
   section file is saved with a new sentence, and the time until the browser shows
   it is taken, --saves times, one second apart. The preview's own part (check and
   render, from its terminal lines) is given beside it.
h. page weight of Italy's web edition built by `casestudy build --format html`:
   HTML + CSS + every font file + the figures it shows (all 8 font faces counted,
   though a browser fetches only those the page uses); what the browser actually
   fetched is given beside it.

With --write, the results replace this benchmark's section of the file (the section
headed "## The preview and the web edition"), leaving the rest as it is.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CASESTUDY_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
HEADING = "## The preview and the web edition"
TARGETS = {"g": ("save to new page (Italy)", "< 0.5 s"),
           "h": ("Italy web edition weight", "< 400 KB")}


def copy_series(dest: Path) -> Path:
    dest.mkdir(parents=True)
    shutil.copyfile(REPO / "series.yaml", dest / "series.yaml")
    shutil.copytree(REPO / "countries" / "italy", dest / "countries" / "italy")
    return dest


def _listen(url: str, arrivals: list[tuple[float, int]], stop: threading.Event) -> None:
    """Record when each new page version is announced on the preview's event stream."""
    import json
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(f"GET /_preview/events HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode())
        buffer, seen = b"", -1
        while not stop.is_set():
            buffer += sock.recv(65536)
            while b"\n\n" in buffer:
                message, buffer = buffer.split(b"\n\n", 1)
                if b"data: " in message:
                    version = json.loads(message.split(b"data: ", 1)[1])["version"]
                    if version != seen:
                        seen = version
                        arrivals.append((time.perf_counter(), version))


def save_to_reload(work: Path, saves: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds from each save to the browser showing it, from each save to the preview
    announcing the new page, and the preview's render times."""
    from playwright.sync_api import sync_playwright

    repo = copy_series(work / "preview")
    child = subprocess.Popen([sys.executable, "-m", "casestudy", "preview", "italy"],
                             cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(child.stderr), daemon=True).start()
    try:
        deadline = time.monotonic() + 120
        url = None
        while url is None and time.monotonic() < deadline:
            url = next((m.group(0) for line in list(lines)
                        if (m := re.search(r"http://\S+/italy/", line))), None)
            time.sleep(0.1)
        if url is None:
            sys.exit("the preview did not start:\n" + "".join(lines))
        section = repo / "countries" / "italy" / "sections" / "08-conclusion.md"
        original = section.read_text("utf-8")
        seconds, announced = [], []
        arrivals: list[tuple[float, int]] = []
        stop = threading.Event()
        threading.Thread(target=_listen, args=(url, arrivals, stop), daemon=True).start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page()
            page.goto(url)
            time.sleep(3)  # let the first PDF render start, as it does for an author
            for n in range(saves):
                marker = f"Benchmark sentence number {n}."
                known = len(arrivals)
                started = time.perf_counter()
                section.write_text(original.replace("\n\n", f"\n\n{marker}\n\n", 1), "utf-8")
                page.get_by_text(marker).wait_for(timeout=30_000)
                seconds.append(time.perf_counter() - started)
                if len(arrivals) > known:
                    announced.append(arrivals[known][0] - started)
                time.sleep(1)
            stop.set()
            browser.close()
    finally:
        child.terminate()
        child.wait(timeout=60)
    renders = [float(m.group(1)) for line in lines
               if (m := re.search(r"page updated .* in ([0-9.]+) s", line))][1:]
    return seconds, announced, renders


def page_weight(work: Path) -> tuple[dict[str, int], int]:
    """Bytes by kind of Italy's web edition, and what a browser fetched for it."""
    import functools
    import http.server

    from playwright.sync_api import sync_playwright

    repo = copy_series(work / "site")
    result = subprocess.run([sys.executable, "-m", "casestudy", "build", "--format", "html"],
                            cwd=repo, capture_output=True, text=True)
    if result.returncode:
        sys.exit(result.stderr)
    out = repo / "build"
    page = out / "italy" / "index.html"
    html = page.read_text("utf-8")
    weights = {"HTML": page.stat().st_size,
               "CSS": sum(p.stat().st_size for p in (out / "assets").glob("*.css")),
               "fonts": sum(p.stat().st_size for p in (out / "assets" / "fonts").iterdir()),
               "figures": sum((out / "italy" / src).stat().st_size
                              for src in set(re.findall(r'<img src="([^"]+)"', html)))}

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetched = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            tab = browser.new_page()
            sizes: list[int] = []
            tab.on("response", lambda r: sizes.append(len(r.body())))
            tab.goto(f"http://127.0.0.1:{server.server_address[1]}/italy/index.html",
                     wait_until="networkidle")
            tab.evaluate("document.fonts.ready.then(() => true)")
            fetched = sum(sizes)
            browser.close()
    finally:
        server.shutdown()
    return weights, fetched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=10)
    parser.add_argument("--write", type=Path, help="update this benchmark's section here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casestudy-bench-web-") as tmp:
        work = Path(tmp)
        seconds, announced, renders = save_to_reload(work, args.saves)
        median = statistics.median(seconds)
        server = statistics.median(announced)
        print(f"g. save to new page: median {median:.3f} s, slowest {max(seconds):.3f} s "
              f"({args.saves} saves); save to the page announced {server:.3f} s; the "
              f"preview's check and render: median {statistics.median(renders):.3f} s",
              flush=True)
        weights, fetched = page_weight(work)
        total = sum(weights.values())
        print(f"h. page weight {total / 1024:.0f} KB ({weights}); fetched {fetched / 1024:.0f} KB",
              flush=True)
    rows = [
        ("g", f"{median:.3f} s", f"median of {args.saves} saves (slowest {max(seconds):.3f} "
                                 "s), from writing the file to the browser showing the new "
                                 "sentence, PDF rebuilding in the background. Of which: save "
                                 f"to the new page announced to the browser {server:.3f} s "
                                 "(watcher, check, render), the check and render alone "
                                 f"{statistics.median(renders):.3f} s",
         median < 0.5),
        ("h", f"{total / 1024:.0f} KB", ", ".join(f"{k} {v / 1024:.0f} KB"
                                                  for k, v in weights.items())
         + f" (all 8 font faces); a browser fetched {fetched / 1024:.0f} KB", total < 400 * 1024),
    ]
    table = ["| | measure | result | target | met | detail |", "|---|---|---|---|---|---|"]
    for key, result, detail, met in rows:
        name, target = TARGETS[key]
        table.append(f"| {key} | {name} | {result} | {target} | {'yes' if met else 'NO'} | "
                     f"{detail} |")
    print("\n".join(table))
    if args.write:
        import datetime as dt

        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        section = (f"{HEADING}\n\nMeasured by `python bench/web.py --write BENCHMARKS.md` on "
                   f"{dt.date.today().isoformat()}, on the same machine (a browser and the "
                   "preview share its cores with the PDF worker; load average at the end "
                   f"of the run: {load}). The machine is shared, and (g) moves with its "
                   "load: the same code measured 0.60 s in a run at load 11.\n\n"
                   + "\n".join(table) + "\n")
        text = args.write.read_text("utf-8") if args.write.exists() else "# Benchmarks\n"
        at = text.find(HEADING)
        if at >= 0:
            end = text.find("\n## ", at + len(HEADING))
            text = text[:at] + section + (text[end + 1:] if end >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        args.write.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
