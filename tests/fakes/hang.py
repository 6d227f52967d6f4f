"""Hangs at start: the import sleeps for an hour; the process runs but never serves."""

import time

time.sleep(3600)
app = None
