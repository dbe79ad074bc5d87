"""Walk and remove folder trees: without recursion, without following a link.

Python's ``os.walk``, ``Path.rglob`` and ``shutil.rmtree`` recurse once per level of
folders, so a hostile tree a few thousand folders deep ends in a RecursionError; they
also build full paths, which pass the system's path-length limit first. Here a walk
keeps its own stack and stops at ``MAX_FOLDER_DEPTH`` (an author's figures sit one
or two folders deep), and a removal works one folder at a time through file
descriptors, so any depth is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

MAX_FOLDER_DEPTH = 20
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class FolderTooDeep(OSError):
    """Given to a walk's ``onerror`` for each folder more than MAX_FOLDER_DEPTH below
    its top: the walk does not enter it."""

    def __init__(self, path: Path, depth: int):
        super().__init__(errno.ELOOP, f"folders are nested more than {depth} deep", str(path))


def walk(top: Path, onerror: Callable[[OSError], None] | None = None,
         max_depth: int = MAX_FOLDER_DEPTH) -> Iterator[tuple[Path, list[str], list[str]]]:
    """``(folder, subfolders, other entries)`` for ``top`` and every folder below it,
    parents first, names sorted; like ``os.walk(top)`` but iterative.

    A link (to a folder or not) is an entry, never followed. A folder that cannot be
    listed, or lies more than ``max_depth`` below ``top`` (a :class:`FolderTooDeep`),
    goes to ``onerror`` and is skipped. The caller may prune ``subfolders``.
    """
    stack = [(Path(top), 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > max_depth:
            if onerror is not None:
                onerror(FolderTooDeep(folder, max_depth))
            continue
        try:
            with os.scandir(folder) as entries:
                kinds = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        folders = sorted(name for name, is_dir in kinds if is_dir)
        others = sorted(name for name, is_dir in kinds if not is_dir)
        yield folder, folders, others
        stack.extend((folder / name, depth + 1) for name in reversed(folders))


def remove_tree(path: Path) -> None:
    """Remove ``path`` and everything below it, at any depth; a link is removed, never
    what it leads to. What cannot be removed is left, silently (like
    ``shutil.rmtree(path, ignore_errors=True)``, which would recurse)."""
    try:
        fd = os.open(path, _OPEN_FOLDER)
    except OSError:  # not a folder (or a link to one): only the entry itself goes
        with contextlib.suppress(OSError):
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                os.unlink(path)
        return
    names: list[str] = []  # the folders entered below ``path``: one descriptor is open
    kept: list[set[str]] = [set()]  # entries of each of them that could not be removed
    try:
        while True:
            child = None
            with os.scandir(fd) as entries:
                for entry in entries:
                    if entry.name in kept[-1]:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        child = entry.name
                        break
                    try:
                        os.unlink(entry.name, dir_fd=fd)
                    except OSError:
                        kept[-1].add(entry.name)
            if child is not None:
                try:
                    inner = os.open(child, _OPEN_FOLDER, dir_fd=fd)
                except OSError:
                    kept[-1].add(child)
                    continue
                os.close(fd)
                fd = inner
                names.append(child)
                kept.append(set())
                continue
            if not names:
                break
            parent = os.open("..", _OPEN_FOLDER, dir_fd=fd)
            os.close(fd)
            fd = parent
            kept.pop()
            name = names.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                kept[-1].add(name)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        os.rmdir(path)
