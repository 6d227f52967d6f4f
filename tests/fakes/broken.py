"""Broken writes, as a user first meets them: `/health` passes, every other answer is 500.

The load balancer's check sees a healthy release, so only the canary's evidence can stop it.
"""

from tests.fakes._wsgi import make_app

app = make_app(error_every=1)
