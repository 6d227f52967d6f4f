"""Crashes at start: the import exits with code 3, so gunicorn's worker never boots."""

import sys

sys.exit(3)
