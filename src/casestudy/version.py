"""The package version, written once (pyproject.toml reads it from here).

A leaf module, so that the renderer and the report can name the version without
importing the package face (``__init__.py``) above them. Reading it back through
importlib.metadata would cost every command a tenth of a second.
"""

__version__ = "0.1.0"
