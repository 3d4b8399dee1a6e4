"""``python -m cli``: the ``sim`` command."""

from cli import main

main()
