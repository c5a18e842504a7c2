"""``python -m insolegen``: the same as the ``insolegen`` command."""

from insolegen.cli import run

run()
