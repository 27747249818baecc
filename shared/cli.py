"""`routeways`: one command line for every process of the system.

routeways up                   the whole system on its embedded default (Ctrl-C stops it)
routeways serve SERVICE        one service under gunicorn
routeways consume SERVICE      one service's event consumer
routeways relay SERVICE        one service's outbox relay
routeways worker | beat        Celery worker / scheduler
routeways migrate [SERVICE]    bring databases to the newest schema
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

import click
import redis

from services import SERVICE_NAMES, all_specs, load
from shared.bus.consumer import Consumer, ConsumerPolicy
from shared.bus.relay import Relay
from shared.settings import Settings
from shared.shutdown import stop_on_signals

service_argument = click.argument("service", type=click.Choice(SERVICE_NAMES))


@click.group()
@click.option("--log-level", default="INFO", show_default=True, envvar="ROUTEWAYS_LOG_LEVEL")
def main(log_level: str) -> None:
    """Routeways: reskilling routes for lifelong learners."""
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@service_argument
@click.option("--port", type=int, help="Defaults to the service's ROUTEWAYS_<SERVICE>_PORT")
@click.option("--host", default="127.0.0.1", show_default=True)
def serve(service: str, port: int | None, host: str) -> None:
    """Serve SERVICE's HTTP API under gunicorn."""
    spec = load(service)
    port = port or spec.settings().port
    config = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"
    argv = ["gunicorn", "--bind", f"{host}:{port}", "--name", f"routeways-{service}"]
    if config.exists():
        argv += ["--config", str(config)]
    command = [sys.executable, "-m", *argv, f"{spec.app_factory}()"]
    os.execvp(command[0], command)  # noqa: S606 - our own argv, no shell


@main.command()
@service_argument
def consume(service: str) -> None:
    """Consume the events SERVICE subscribes to (one member of its consumer group)."""
    spec = load(service)
    settings = spec.settings()
    consumer = Consumer(
        service,
        spec.handlers,
        spec.database(settings).sessions,
        spec.models.InboxEntry,
        redis.Redis.from_url(settings.redis_url),
        policy_from(settings),
        tombstones=spec.models.ErasedLearner,
    )
    click.echo(f"consumer {service}: group {service} on {', '.join(consumer.streams)}")
    consumer.run_forever(stop_on_signals())


@main.command()
@service_argument
def relay(service: str) -> None:
    """Relay SERVICE's committed outbox rows to its Redis stream."""
    spec = load(service)
    settings = spec.settings()
    outbox_relay = Relay(
        spec.database(settings).sessions,
        spec.models.OutboxEvent,
        spec.models.RelayCheckpoint,
        redis.Redis.from_url(settings.redis_url),
        republish_window=timedelta(seconds=settings.bus_republish_window_seconds),
    )
    click.echo(f"relay {service}: outbox -> {outbox_relay.stream}")
    outbox_relay.run_forever(stop_on_signals(), settings.relay_poll_seconds)


@main.command()
@click.option("--concurrency", type=int, default=2, show_default=True)
def worker(concurrency: int) -> None:
    """Run a Celery worker (late acks, prefetch 1)."""
    from shared.tasks import celery

    celery.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@main.command()
@click.option("--schedule-file", default="var/celerybeat-schedule", show_default=True)
def beat(schedule_file: str) -> None:
    """Run Celery beat (periodic bus upkeep; nightly retraining joins it later)."""
    from shared.tasks import celery

    Path(schedule_file).parent.mkdir(parents=True, exist_ok=True)
    celery.start(["beat", "--loglevel=INFO", f"--schedule={schedule_file}"])


@main.command()
@click.argument("services", nargs=-1, type=click.Choice(SERVICE_NAMES))
def migrate(services: tuple[str, ...]) -> None:
    """Migrate SERVICES' databases (all four when none is named) to the newest schema."""
    from shared.migrate import upgrade

    for spec in [load(name) for name in services] or all_specs():
        upgrade(spec, spec.settings().database_url)
        click.echo(f"migrated {spec.name}")


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's configuration table")
def show_settings(markdown: bool) -> None:
    """Show every configuration variable (or the README table)."""
    from shared.settings import describe_markdown

    classes = [Settings, *[spec.settings_class for spec in all_specs()]]
    if markdown:
        click.echo(describe_markdown(classes))
        return
    for settings_class in classes:
        for binding in settings_class.bindings():
            click.echo(f"{binding.env}={os.environ.get(binding.env, binding.default)}")


def policy_from(settings: Settings) -> ConsumerPolicy:
    return ConsumerPolicy(
        max_deliveries=settings.bus_max_deliveries,
        retry_base_seconds=settings.bus_retry_base_seconds,
        retry_max_seconds=settings.bus_retry_max_seconds,
        handler_time_limit_seconds=settings.bus_handler_time_limit_seconds,
        reclaim_idle_seconds=settings.bus_reclaim_idle_seconds,
        batch_size=settings.bus_batch_size,
    )


# Commands that start several processes or load data live in their own modules.
from shared import local_system  # noqa: E402

local_system.register(main)
for _name in SERVICE_NAMES:  # each service may add its own command group (services/<name>/cli.py)
    if importlib.util.find_spec(f"services.{_name}.cli") is not None:
        importlib.import_module(f"services.{_name}.cli").register(main)

if __name__ == "__main__":
    main()
