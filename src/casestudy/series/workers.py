"""A pool of warm worker processes that build studies, each within a time and memory limit.

Importing WeasyPrint costs about half a second, so the workers fork from a server
process that has imported it once (multiprocessing's forkserver with a preload):
every worker starts warm. The command line starts that server before its own work
(start_server), so the two import side by side. A worker builds one study at a time.
The parent gives each study a deadline; a worker that misses it is killed and
replaced, and the study fails with a message saying so. Each worker runs under an
address-space limit, so a pathological document ends in a MemoryError (or the
worker's death), not in the machine swapping. Results come back as plain data;
exceptions never cross processes.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import multiprocessing
import multiprocessing.util
import os
import stat
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PrintableFormatter, Problem
from ..files.folders import remove_tree
from ..files.write import remove_temporaries
from ..render.cache import STATE_DIR, output_paths

if TYPE_CHECKING:  # pydantic is not needed to start the server (start_server)
    from ..source.schema import SeriesConfig

# What the server imports once, so that a worker forked from it starts with all of it:
# the whole build of a study, the renderer, and the font instancer.
PRELOAD = ["casestudy.series.worker_signals", "casestudy.series.build", "casestudy.check.study",
           "casestudy.source.load", "casestudy.render.html", "casestudy.render.pdf",
           "casestudy.render.fontconfig", "weasyprint", "uharfbuzz"]

if TYPE_CHECKING:
    from ..brand.model import Brand

_SOCKET_ROOM = 70  # bytes of a temporary folder's path that leave room for a socket in it


@dataclass(frozen=True)
class Task:
    root: Path
    out: Path
    formats: tuple[str, ...]
    series: SeriesConfig
    force: bool
    brand: Brand  # the series' (load_brand(repo)), as the caller loaded it with the series
    digest: str | None = None  # the inputs' digest, when the caller has just computed it


@dataclass
class Outcome:
    """What became of one task: ``status`` is built, skipped, problems or failed."""

    root: Path
    status: str
    outputs: list[Path]
    problems: list[Problem]
    message: str = ""
    seconds: float = 0.0
    peak_rss_mb: float = 0.0


# what a worker runs: one task in, its outcome out, never raising for an author's problem
Run = Callable[[Task], Outcome]


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def worker_tempdir(pid: int) -> Path:
    """The private temporary folder of the worker process ``pid``."""
    return Path(tempfile.gettempdir()) / f"casestudy-worker-{pid}"


def _own_folder(path: Path) -> bool:
    """``path`` is a real folder (not a link) of this user: ours to remove."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def remove_worker_tempdir(pid: int) -> None:
    """What a stopped worker left in its temporary folder (WeasyPrint's fonts)."""
    folder = worker_tempdir(pid)
    if _own_folder(folder):
        remove_tree(folder)


def _private_tempdir() -> Path:
    """Send this worker's temporary files (WeasyPrint's font copies) to a folder of its
    own, which it removes when it exits and the pool removes if it is killed."""
    folder = worker_tempdir(os.getpid())
    if _own_folder(folder):  # left by an earlier process of the same number
        remove_tree(folder)
    try:
        os.mkdir(folder, 0o700)
    except OSError:  # someone else's name: fall back to a fresh one (removed at exit)
        folder = Path(tempfile.mkdtemp(prefix="casestudy-worker-"))
    tempfile.tempdir = str(folder)
    return folder


def _serve(conn: Connection, memory_mb: int) -> None:
    """A worker's life: limit its memory, then build each task it is sent."""
    import resource
    import signal

    # Ctrl-C reaches the whole process group: the parent stops the workers and cleans up
    # after them, so a worker does not die with a traceback of its own (a worker of a
    # server started without the preload, e.g. spawned, ignores it from here on)
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    handler = logging.StreamHandler()  # a worker's log lines are printed safely too
    handler.setFormatter(PrintableFormatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    private = _private_tempdir()
    try:
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            run, task = message
            outcome = run(task)
            outcome.peak_rss_mb = _peak_rss_mb()
            conn.send(outcome)
    finally:
        remove_tree(private)


class _Worker:
    def __init__(self, context: Any, memory_mb: int, run: Run):
        self.run = run
        self.conn, child = multiprocessing.Pipe()
        self.process = context.Process(target=_serve, args=(child, memory_mb), daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None
        self.deadline = 0.0
        self.started = 0.0

    def give(self, task: Task, timeout: float) -> None:
        self.task, self.started = task, time.monotonic()
        self.deadline = self.started + timeout
        try:
            self.conn.send((self.run, task))  # a function is sent by its name
        except OSError:  # it died while idle: its sentinel is ready, the pool reports it
            pass

    def stop(self, grace: float = 0.0) -> None:
        if grace:
            self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _short_socket_folder() -> None:
    """Give multiprocessing a short temporary folder when the user's is long.

    The forkserver listens on a socket in a ``pymp-*`` folder of the temporary folder,
    and a socket's path holds at most 107 bytes: with a TMPDIR past about 75 (macOS's
    are 50, a test's or a CI job's can be more) the server cannot start. Python 3.11
    has no setting for it, so the folder multiprocessing would make is made in /tmp.
    """
    config = multiprocessing.process.current_process()._config  # type: ignore[attr-defined]
    if (len(os.fsencode(tempfile.gettempdir())) <= _SOCKET_ROOM or config.get("tempdir")
            or not os.path.isdir("/tmp")):
        return
    folder = tempfile.mkdtemp(prefix="pymp-", dir="/tmp")
    multiprocessing.util.Finalize(None, remove_tree, args=(Path(folder),), exitpriority=-100)
    config["tempdir"] = folder


def _context() -> Any:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    _short_socket_folder()
    context = multiprocessing.get_context("forkserver")
    # the server imports these once; every worker forked from it starts with them loaded
    context.set_forkserver_preload(PRELOAD)
    return context


def start_server() -> Callable[[], None]:
    """Start the server that workers fork from now, without waiting for it; return the
    function that stops it (when the command is done).

    The server's imports (WeasyPrint's take about half a second) then run while the
    command line does its own work: loading the series, finding what is out of date.
    A build with nothing to do stops it before it has finished importing.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return lambda: None
    import signal
    from multiprocessing import forkserver

    _context()
    try:
        forkserver.ensure_running()
    except OSError:  # then the pool tries again when it needs a worker, and says why
        return lambda: None
    server = forkserver._forkserver
    pid = server._forkserver_pid  # type: ignore[attr-defined]

    def stop() -> None:
        if server._forkserver_pid == pid:  # type: ignore[attr-defined]  # still ours
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)  # it may still be importing: no need to wait
            server._stop()  # type: ignore[attr-defined]
    return stop


def start_worker(memory_mb: int, run: Run) -> _Worker:
    """One warm worker of its own (the preview keeps one for its PDF) that runs ``run``:
    ``give`` it a task, read the Outcome from ``conn``, ``stop`` it to end a render early."""
    return _Worker(_context(), memory_mb, run)


def remove_leftovers(out: Path, slug: str, pid: int) -> None:
    """What a build of ``slug`` in process ``pid`` was writing when it was stopped (the
    outputs' temporary files, its record's, the web edition it was staging)."""
    for target in output_paths(out, slug).values():
        remove_temporaries(target, pid)
    remove_temporaries(out / STATE_DIR / f"{slug}.json", pid)
    for staging in out.glob(f".{glob.escape(slug)}.web.{pid}.*"):
        remove_tree(staging)


def run_pool(run: Run, tasks: list[Task], jobs: int, timeout: float, memory_mb: int,
             on_outcome: Callable[[Outcome], None]) -> list[Outcome]:
    """``run`` each of ``tasks`` on up to ``jobs`` workers (a module-level function: it is
    sent to them by name); report each outcome as it arrives."""
    context = _context()
    queue = deque(tasks)
    outcomes: list[Outcome] = []
    workers = [_Worker(context, memory_mb, run) for _ in range(min(jobs, len(tasks)))]

    def finish(outcome: Outcome) -> None:
        outcomes.append(outcome)
        on_outcome(outcome)

    try:
        for worker in workers:
            if queue:
                worker.give(queue.popleft(), timeout)
        while any(w.task for w in workers):
            busy = [w for w in workers if w.task]
            now = time.monotonic()
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=max(0.0, min(w.deadline for w in busy) - now))
            for index, worker in enumerate(workers):
                task = worker.task
                if task is None:
                    continue
                answer, dead = None, worker.process.sentinel in ready
                if worker.conn in ready:
                    try:
                        answer = worker.conn.recv()
                    except (EOFError, OSError):  # it died before or while answering
                        dead = True
                if answer is not None:
                    finish(answer)
                    worker.task = None
                elif dead or time.monotonic() >= worker.deadline:
                    late = not dead
                    worker.stop()
                    code = worker.process.exitcode
                    remove_leftovers(task.out, task.root.name, worker.process.pid)
                    remove_worker_tempdir(worker.process.pid)
                    message = (f"took longer than {timeout:g} s and was stopped" if late else
                               f"the renderer died (exit code {code}); it may have run out "
                               f"of memory (limit {memory_mb} MB)")
                    finish(Outcome(task.root, "failed", [], [],
                                   f"{task.root}: error: {message}",
                                   time.monotonic() - worker.started))
                    worker.task = None
                    if queue:  # a new worker for the rest of the queue
                        workers[index] = worker = _Worker(context, memory_mb, run)
                else:
                    continue
                if queue:
                    worker.give(queue.popleft(), timeout)
    finally:  # idle workers are told to go; busy ones (an interrupted build) are killed
        for worker in workers:
            idle = worker.process.is_alive() and worker.task is None
            if idle:
                try:
                    worker.conn.send(None)
                except OSError:
                    idle = False
            worker.stop(grace=5.0 if idle else 0.0)
            if not idle and worker.task is not None:
                remove_leftovers(worker.task.out, worker.task.root.name, worker.process.pid)
            remove_worker_tempdir(worker.process.pid)
    return outcomes


