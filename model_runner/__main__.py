"""``python3 -m model_runner``: see :mod:`model_runner.cli`."""
import sys

from .cli import main

sys.exit(main())
