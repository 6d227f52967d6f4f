"""Passes its health check but answers 500 to FAKE_ERROR_RATE (default 0.2) of other requests."""

import os

from tests.fakes._wsgi import make_app

_rate = float(os.environ.get("FAKE_ERROR_RATE", "0.2"))
app = make_app(error_every=max(1, round(1 / _rate)) if _rate > 0 else 0)
