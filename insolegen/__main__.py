"""``python -m insolegen``: the same as the ``insolegen`` command."""

from .cli import run

run()
