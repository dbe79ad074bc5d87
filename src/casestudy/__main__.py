"""``python -m casestudy`` and the ``casestudy`` script: the command line (cli/).

``build`` starts the server its workers fork from before anything else, even before
the command line's own imports (typer and rich, a quarter of a second), so that the
server's imports (WeasyPrint's, half a second) run beside them. The command finds
the server running and stops it when done (workers.start_server).
"""

import sys


def main() -> None:
    if sys.argv[1:2] == ["build"] and not {"--help", "-h"} & set(sys.argv):
        from .series.workers import start_server

        start_server()
    from .cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()
