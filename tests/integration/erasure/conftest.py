"""The four services' databases and their bus running in threads, for erasure across services.

Each service gets a database of its own on the engine `database_url` names (the profile app's
is `database_url` itself); every relay and consumer loops in a thread, as `routeways up` runs
them as processes, on a real Redis.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import redis

from services import SERVICE_NAMES, load
from shared.bus.consumer import Consumer
from shared.bus.relay import Relay
from shared.db import Database, scratch_postgres_database
from tests.conftest import POSTGRES_URL, migrated
from tests.integration.bus.conftest import FAST


class RunningBus:
    """Every service's relay and consumer, each looping in its own thread until `stop()`.

    A loop that dies of an exception is recorded; `check()` raises it in the test's thread, so
    a broken relay or consumer fails the test instead of leaving it waiting.
    """

    def __init__(self, databases: dict[str, Database], redis_url: str) -> None:
        self.databases = databases
        self.redis_url = redis_url
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.errors: list[tuple[str, Exception]] = []
        self.clients: list[redis.Redis] = []

    def _client(self) -> redis.Redis:
        client = redis.Redis.from_url(self.redis_url)
        self.clients.append(client)
        return client

    def start(self) -> None:
        for service, database in self.databases.items():
            models = load(service).models
            relay = Relay(
                database.sessions,
                models.OutboxEvent,
                models.RelayCheckpoint,
                self._client(),
            )
            consumer = Consumer(
                service,
                load(service).handlers,
                database.sessions,
                models.InboxEntry,
                self._client(),
                FAST,
                name=f"erasure-test-{service}",
                tombstones=models.ErasedLearner,
            )
            consumer.setup()
            self._loop(f"relay-{service}", lambda r=relay: r.run_forever(self.stopping, 0.02))
            self._loop(f"consume-{service}", lambda c=consumer: c.run_forever(self.stopping))

    def _loop(self, name: str, body: Callable[[], None]) -> None:
        def run() -> None:
            try:
                body()
            except Exception as error:  # reported in the test's thread by check()
                self.errors.append((name, error))

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def check(self) -> None:
        if self.errors:
            name, error = self.errors[0]
            raise AssertionError(f"{name} stopped: {error!r}") from error

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=10)
        for client in self.clients:
            client.close()
        self.check()


def wait_until(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    bus: RunningBus | None = None,
    explain: Callable[[], str] | None = None,
) -> None:
    """Poll `condition` until it holds; fail naming `what` (and `explain()`) after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if bus is not None:
            bus.check()
        if condition():
            return
        if time.monotonic() > deadline:
            detail = f"\n{explain()}" if explain else ""
            pytest.fail(f"not within {timeout:g} s: {what}{detail}")
        time.sleep(0.05)


@pytest.fixture
def service_databases(
    database_url: str, tmp_path: Path, profile_app
) -> Iterator[dict[str, Database]]:
    """A migrated database per service on `database_url`'s engine; the profile's is the one the
    `profile_app` writes (a second engine on it, as the relay process would have)."""
    with ExitStack() as cleanup:
        urls = {"profile": database_url}
        for service in SERVICE_NAMES:
            if service == "profile":
                continue
            if database_url.startswith("sqlite"):
                urls[service] = f"sqlite:///{tmp_path / f'{service}.sqlite3'}"
            else:
                urls[service] = cleanup.enter_context(
                    scratch_postgres_database(POSTGRES_URL, "routeways_test")
                )
        databases = {service: migrated(service, url) for service, url in urls.items()}
        try:
            yield databases
        finally:
            for database in databases.values():
                database.dispose()


@pytest.fixture
def running_bus(service_databases: dict[str, Database], redis_url: str) -> Iterator[RunningBus]:
    bus = RunningBus(service_databases, redis_url)
    bus.start()
    try:
        yield bus
    finally:
        bus.stop()
