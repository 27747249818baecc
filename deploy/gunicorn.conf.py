"""Gunicorn settings for the web services; `routeways serve <name>` execs gunicorn with this file.

Options given on gunicorn's command line override these. Values come from the environment so
one file serves all four services.
"""

import os

# Listen on every interface inside the container (another container or the host's published
# port reaches it there); the port is the service's own. ROUTEWAYS_BIND overrides the whole address.
bind = os.environ.get("ROUTEWAYS_BIND") or f"0.0.0.0:{os.environ.get('ROUTEWAYS_PORT', '8000')}"  # noqa: S104

# Processes x threads: requests mostly wait on PostgreSQL and Redis, so a few threads per
# process serve them well. Raise WEB_CONCURRENCY (the conventional variable) with the CPU count.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4

# A request running past 30 s is killed; on SIGTERM, running requests get 20 s to finish, inside
# docker's stop_grace_period.
timeout = 30
graceful_timeout = 20

# Worker heartbeats go to a tmpfs: on a container's overlay filesystem they can stall and get
# healthy workers killed. (Where there is no /dev/shm, as on macOS, gunicorn's default stays.)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Access and error logs to stdout/stderr, where docker collects them.
accesslog = "-"
errorlog = "-"
