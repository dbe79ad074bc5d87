"""WeasyPrint imported the way a render imports it (render/libraries.py): its shared
libraries are found in ldconfig's cache, with no compiler or linker started."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = """
import os, sys
started = []
def hook(event, args):
    if event == "subprocess.Popen":
        started.append(os.path.basename(str(args[0])))
sys.addaudithook(hook)
{imports}
print(" ".join(started))
"""


def _programs(imports: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CHILD.format(imports=imports)],
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldconfig is Linux's")
def test_weasyprint_is_imported_without_running_the_compiler():
    """cffi looked each name WeasyPrint tries up with ctypes.util.find_library, which ran
    gcc and ld for every name that is not this platform's: about eight compiler runs in
    every process that renders (the worker server, the preview). Now only ldconfig."""
    ours = _programs("from casestudy.render import fontconfig")
    assert set(ours) <= {"ldconfig"}, ours
