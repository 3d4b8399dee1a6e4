"""``sim``: the command line."""

from cli.run import main

__all__ = ["main"]
