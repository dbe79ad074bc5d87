"""Helpers for the hostile-input suite (tests/test_security_*.py).

Fixture studies live in tests/fixtures/hostile/<scenario>/ and are laid over
tests/fixtures/minimal/ like the checker's scenarios; ``{port}`` in their text files
is replaced by the port of a loopback listener. Anything that could hang or eat
memory runs in a child process with a timeout (and optionally an address-space limit).
"""

from __future__ import annotations

import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

from conftest import FIXTURES, REPO, invoke, make_study

HOSTILE = FIXTURES / "hostile"
HELPER = Path(__file__).parent / "hostile_build.py"


def hostile_study(dest: Path, scenario: str | None, **subs: object) -> Path:
    """The minimal study with the scenario laid over it; ``{name}`` markers substituted."""
    study = make_study(dest, HOSTILE / scenario if scenario else None)
    if subs:
        for path in study.rglob("*"):
            if path.is_file() and not path.is_symlink() and path.suffix in (".md", ".svg",
                                                                            ".yaml"):
                text = path.read_text("utf-8")
                for key, value in subs.items():
                    text = text.replace("{" + key + "}", str(value))
                path.write_text(text, "utf-8")
    return study


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def big_png(width: int, height: int, before: bytes = b"") -> bytes:
    """A complete, valid RGB PNG of ``width`` x ``height`` black pixels (its rows compress
    to almost nothing), with ``before`` (whole chunks) between the signature and IHDR."""
    row = b"\0" * (1 + 3 * width)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, one row, flushed whole:
    segment = packer.compress(row) + packer.flush(zlib.Z_FULL_FLUSH)  # it can be repeated
    checksum = 1
    for _ in range(height):
        checksum = zlib.adler32(row, checksum)
    end = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block
    rows = b"\x78\xda" + segment * height + end + struct.pack(">I", checksum)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + before + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", rows) + png_chunk(b"IEND", b""))


def peak_rss_mb(stdout: str) -> float:
    """The ``PEAK <kB>`` line a child printed (see PEAK_RSS), in MB."""
    return int(re.search(r"^PEAK (\d+)$", stdout, re.MULTILINE).group(1)) / 1024


# appended to a child's code: its own peak resident memory, and its children's. Its own
# is /proc's VmHWM, the peak of the program it runs: getrusage's ru_maxrss keeps, across
# exec, the size of the process it was forked from, here the test process, which had
# grown past 300 MB by the end of a run and failed memory tests now and then.
PEAK_RSS = ("\nimport resource\n"
            "def _own_peak():\n"
            "    try:\n"
            "        with open('/proc/self/status') as status:\n"
            "            return next(int(l.split()[1]) for l in status if l.startswith('VmHWM:'))\n"
            "    except (OSError, StopIteration):\n"
            "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print('PEAK', max(_own_peak(), resource.getrusage(resource.RUSAGE_CHILDREN)"
            ".ru_maxrss))\n")


def check_cli(cwd: Path, *args: str):
    """`casestudy check ARGS` in this process (CliRunner), from ``cwd``."""
    return invoke(cwd, "check", *args)


def errors_of(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error: " in line]


def run_child(args: list[str], cwd: Path, timeout: float, memory: int | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python ARGS`` in ``cwd``; a hang past ``timeout`` fails the test (TimeoutExpired).

    ``memory`` caps the child's address space (bytes), so a decompression bomb ends in a
    MemoryError instead of swapping the machine.
    """
    def limit() -> None:
        if memory is not None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO / "tests"), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    return subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, env=full_env)


def check_in_child(study: Path, timeout: float = 120, memory: int | None = None):
    """`casestudy check STUDY` in a child process (for inputs that might hang)."""
    return run_child([str(HELPER), "cli", "check", study.name], study.parent, timeout, memory)


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts.

    Only loopback, ever. If anything connects it answers with a redirect to itself,
    so that a fetcher that follows redirects would connect twice.
    """

    def __init__(self, lifetime: float = 600) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._deadline = time.monotonic() + lifetime  # bounded, even if never closed
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            with conn:
                try:
                    conn.settimeout(1)
                    self.requests.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.0 302 Found\r\nLocation: http://127.0.0.1:%d/again"
                                 b"\r\nContent-Length: 0\r\n\r\n" % self.port)
                except OSError:
                    pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


def deep_folders(top: Path, depth: int, name: str = "d", leaf: str | None = None) -> Path:
    """``top/d/d/.../d`` nested ``depth`` folders deep (with an empty file ``leaf`` at the
    bottom); made through descriptors, since the full path passes PATH_MAX. Returns top."""
    top.mkdir(parents=True, exist_ok=True)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        if leaf:
            os.close(os.open(leaf, os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
    finally:
        os.close(fd)
    return top


def tree_hash(folder: Path) -> str:
    """A digest of everything in ``folder``: names, kinds, modes, bytes, link targets."""
    import hashlib
    import stat

    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            digest.update(f"{os.path.relpath(path, folder)}\0{info.st_mode:o}\0".encode())
            if stat.S_ISLNK(info.st_mode):
                digest.update(os.readlink(path).encode())
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    digest.update(handle.read())
    return digest.hexdigest()


def outside_folder(base: Path) -> Path:
    """A folder outside any study, with files an attacker would like to reach."""
    outside = base / "outside"
    (outside / "norway").mkdir(parents=True)
    (outside / "secret.txt").write_text("api key: hunter2\n")
    (outside / "norway" / "keep.txt").write_text("not the build's to delete\n")
    (outside / "norway.pdf").write_bytes(b"%PDF-1.7 someone else's file\n")
    return outside
