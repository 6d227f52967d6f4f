"""gunicorn settings of the fakes: 127.0.0.1:$PORT (+FAKE_BIND_OFFSET), gthread, 2 s keep-alive."""

import os

bind = [f"127.0.0.1:{int(os.environ['PORT']) + int(os.environ.get('FAKE_BIND_OFFSET', '0'))}"]
workers = 1
worker_class = "gthread"
threads = 8
keepalive = int(os.environ.get("FAKE_KEEPALIVE", "2"))
graceful_timeout = 5
timeout = 30
