"""``python -m kit``: the kit command line (see :mod:`kit.cli`)."""

import sys

from kit.cli import main

sys.exit(main())
