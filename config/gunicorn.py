"""gunicorn settings for the web dyno: `gunicorn -c config/gunicorn.py web.wsgi:app`."""

from __future__ import annotations

import multiprocessing

from config.settings import load_settings

_settings = load_settings()

bind = f"0.0.0.0:{_settings.port}" if not _settings.embedded else f"127.0.0.1:{_settings.port}"
workers = int(_settings.web_concurrency or multiprocessing.cpu_count() * 2 + 1)
threads = _settings.web_threads
worker_class = "gthread"
# Each worker builds its own engine and pools after fork; preloading would share sockets.
preload_app = False
timeout = 120
graceful_timeout = 30
keepalive = 5
# gunicorn's most (default 4094): xAPI GETs carry agent JSON and IRIs in the query string, and a
# request line past the limit gets gunicorn's own 414 page instead of the API's error envelope.
limit_request_line = 8190
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = "*"
# The control socket lives at one fixed path per user: several instances on a machine collide.
control_socket_disable = True
