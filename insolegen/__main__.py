"""``python -m insolegen``: the same as the ``insolegen`` command."""

import sys

from .cli import main

sys.exit(main())
