"""`python -m tryon.cli`: the `tryon` program, as the console script runs it."""

import sys

from tryon.cli import main

if __name__ == "__main__":
    sys.exit(main())
