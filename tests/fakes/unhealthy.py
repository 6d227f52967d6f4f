"""Serves / but its /health always answers 503: the load balancer never admits it."""

from tests.fakes._wsgi import make_app

app = make_app(healthy=False)
