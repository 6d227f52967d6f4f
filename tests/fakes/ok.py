"""A healthy release: / answers its version and colour; /slow?ms=N holds a request open."""

from tests.fakes._wsgi import make_app

app = make_app()
