"""Gunicorn settings for the web services; `routeways serve <name>` execs gunicorn with this file.

Options given on gunicorn's command line override these. Values come from the environment so
one file serves all four services.
"""

import os

# `routeways serve` passes --bind (its --host and the service's port), which wins over this;
# the default below serves a bare `gunicorn` run: every interface (so other containers and a
# published port reach it) on ROUTEWAYS_PORT.
bind = f"0.0.0.0:{os.environ.get('ROUTEWAYS_PORT', '8000')}"

# Processes x threads: requests mostly wait on PostgreSQL and Redis, so a few threads per
# process serve them well. Raise WEB_CONCURRENCY (the conventional variable) with the CPU count.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4

# A request running past 30 s is killed; on SIGTERM, running requests get 20 s to finish, inside
# docker's stop_grace_period.
# A provider's bulk upload of 10,000 courses takes 15-20 s on PostgreSQL (bench/bulk_upsert.py),
# so a worker may stay busy that long; above it, the worker is presumed stuck and restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "90"))
graceful_timeout = 20

# Worker heartbeats go to a tmpfs: on a container's overlay filesystem they can stall and get
# healthy workers killed. (Where there is no /dev/shm, as on macOS, gunicorn's default stays.)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Access and error logs to stdout/stderr, where docker collects them.
accesslog = "-"
errorlog = "-"

# Gunicorn 25+ opens a control socket (for gunicornc) in ~/.gunicorn by default: nothing here
# uses it, and four masters starting at once raced to create that folder ("Control server
# error: [Errno 17] File exists" at `make run`), or could not write it as an unprivileged user.
control_socket_disable = True
