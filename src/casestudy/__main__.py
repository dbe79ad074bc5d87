"""``python -m casestudy``: the same command line as the ``casestudy`` script."""

from .cli import main

if __name__ == "__main__":
    main()
