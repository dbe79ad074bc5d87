"""Work shared among forked processes, for the stages that read many studies (check,
the series report); a leaf, so that any stage may use it."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def fork_map(function: Callable[[Any], Any], items: list[Any], jobs: int | None = None,
             min_per_job: int = 4) -> list[Any]:
    """``[function(item) for item in items]``, shared among ``jobs`` forked processes
    (default: one per core once there are ``min_per_job`` items for each).

    Forked workers start with everything this process imported, so they cost
    milliseconds; only ``check`` and ``series`` use them, and those never import
    WeasyPrint (whose threads would make forking unsafe).
    """
    if jobs is None:
        jobs = min(default_jobs(), len(items) // min_per_job)
    jobs = min(jobs, len(items))
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(function, items, chunksize=max(1, len(items) // (4 * jobs))))


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
