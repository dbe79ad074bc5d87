"""Imported first by the worker server (``workers.PRELOAD``) and by nothing else.

Ctrl-C reaches every process of the terminal's group. The parent stops the workers
and cleans up after them, so the server and its workers must not die of it with a
traceback of their own. The server ignores Ctrl-C only once its imports are done, and
gives each worker the handler it had before that: ignoring it here, before the other
imports, makes that the handler every worker starts with, from its first instruction.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)
