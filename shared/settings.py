"""Typed settings read from the environment, with embedded defaults.

Every field is bound to exactly one environment variable through `setting(...)`; the binding
table is the single source for `Settings.from_env`, the settings test and the README's
configuration table (`routeways settings --markdown`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

#: The shortest admin token production accepts.
MIN_ADMIN_TOKEN_LENGTH = 32
#: The purpose the notifier's contact token is derived for outside production
#: (`Settings.development_secret`): the profile service and the notifier both use it.
NOTIFIER_CONTACT_PURPOSE = "notifier-contact-token"


class SettingsError(ValueError):
    """A variable holds a value that cannot be read, or settings contradict each other."""


def _boolean(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


_CASTS: dict[str, Callable[[str], Any]] = {"int": int, "float": float, "str": str, "bool": _boolean}


def setting(env: str, default: Any, help: str) -> Any:
    """Declare a settings field bound to the environment variable `env`."""
    return dataclasses.field(default=default, metadata={"env": env, "help": help})


@dataclass(frozen=True)
class Binding:
    """One row of the configuration table: field name, variable, default, meaning."""

    field: str
    env: str
    default: Any
    help: str
    cast: Callable[[str], Any]


@dataclass(frozen=True)
class Settings:
    """Settings every process shares; each service extends it with its own fields."""

    service: ClassVar[str] = "routeways"

    environment: str = setting(
        "ROUTEWAYS_ENV", "development", "development or production (production refuses dev secrets)"
    )
    redis_url: str = setting(
        "REDIS_URL",
        "redis://127.0.0.1:6379/0",
        "Redis server for the event bus and the Celery broker",
    )
    secret_key: str = setting(
        "ROUTEWAYS_SECRET_KEY",
        "dev-only-secret",
        "Key that signs sessions and links; set it in production",
    )
    bus_max_deliveries: int = setting(
        "ROUTEWAYS_BUS_MAX_DELIVERIES",
        5,
        "Deliveries of one event before it goes to the dead-letter stream",
    )
    bus_retry_base_seconds: float = setting(
        "ROUTEWAYS_BUS_RETRY_BASE_SECONDS",
        1.0,
        "First retry delay of a failed event; doubles each time",
    )
    bus_retry_max_seconds: float = setting(
        "ROUTEWAYS_BUS_RETRY_MAX_SECONDS", 60.0, "Longest retry delay of a failed event"
    )
    bus_handler_time_limit_seconds: float = setting(
        "ROUTEWAYS_BUS_HANDLER_TIME_LIMIT_SECONDS",
        30.0,
        "An event handler running longer is stopped and retried",
    )
    bus_reclaim_idle_seconds: float = setting(
        "ROUTEWAYS_BUS_RECLAIM_IDLE_SECONDS",
        60.0,
        "Idle time after which another consumer reclaims an event (must exceed the handler limit)",
    )
    bus_batch_size: int = setting(
        "ROUTEWAYS_BUS_BATCH_SIZE",
        100,
        "Events a consumer reads at once and applies in one transaction",
    )
    bus_republish_window_seconds: float = setting(
        "ROUTEWAYS_BUS_REPUBLISH_WINDOW_SECONDS",
        5.0,
        "After a Redis restart, events sent this long before it are re-sent (everysec loses ~1 s)",
    )
    relay_poll_seconds: float = setting(
        "ROUTEWAYS_RELAY_POLL_SECONDS",
        0.05,
        "How often an idle relay looks for unsent outbox rows (two relay hops sit between a "
        "learner's interaction and their updated suggestions: at 0.25 s, p95 was 365 ms)",
    )
    task_time_limit_seconds: int = setting(
        "ROUTEWAYS_TASK_TIME_LIMIT_SECONDS", 1800, "Hard time limit of the longest Celery task"
    )
    task_max_attempts: int = setting(
        "ROUTEWAYS_TASK_MAX_ATTEMPTS", 3, "Deliveries of one Celery task before it is dead-lettered"
    )

    proxy_hops: int = setting(
        "ROUTEWAYS_PROXY_HOPS",
        0,
        "Reverse proxies in front of the services whose X-Forwarded-* headers are trusted "
        "(client addresses for sign-in limits); 0 trusts none",
    )
    max_body_bytes: int = setting(
        "ROUTEWAYS_MAX_BODY_BYTES", 32 * 1024 * 1024, "Largest request body accepted (413 above)"
    )
    smtp_host: str = setting(
        "ROUTEWAYS_SMTP_HOST", "127.0.0.1", "SMTP server the notifier sends through"
    )
    smtp_port: int = setting("ROUTEWAYS_SMTP_PORT", 1025, "SMTP port (the local sink listens here)")
    mail_viewer_port: int = setting(
        "ROUTEWAYS_MAIL_VIEWER_PORT",
        8025,
        "Port of the local sink's page for reading captured mail",
    )
    catalogue_url: str = setting(
        "ROUTEWAYS_CATALOGUE_URL",
        "http://127.0.0.1:8002",
        "Base URL other services ask the catalogue at (taxonomy codes, provider keys, courses)",
    )
    profile_url: str = setting(
        "ROUTEWAYS_PROFILE_URL",
        "http://127.0.0.1:8001",
        "Base URL other services ask the profile service at (learners' contact at send time)",
    )

    @classmethod
    def bindings(cls) -> list[Binding]:
        """The binding table: one row per field, in declaration order."""
        rows = []
        for field in dataclasses.fields(cls):
            cast = _CASTS[field.type if isinstance(field.type, str) else field.type.__name__]
            rows.append(
                Binding(
                    field.name, field.metadata["env"], field.default, field.metadata["help"], cast
                )
            )
        return rows

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Self:
        """Defaults, then environment variables, then `overrides` (by field name)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for binding in cls.bindings():
            if binding.env in environ:
                try:
                    values[binding.field] = binding.cast(environ[binding.env])
                except ValueError as error:
                    raise SettingsError(f"{binding.env}: {error}") from error
        values.update(overrides or {})
        unknown = set(values) - {b.field for b in cls.bindings()}
        if unknown:
            raise SettingsError(f"unknown settings: {sorted(unknown)}")
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse contradictory settings before any process starts with them."""
        if self.bus_reclaim_idle_seconds <= self.bus_handler_time_limit_seconds:
            raise SettingsError(
                "ROUTEWAYS_BUS_RECLAIM_IDLE_SECONDS must exceed "
                "ROUTEWAYS_BUS_HANDLER_TIME_LIMIT_SECONDS, "
                "or a slow handler's event is taken from it while it still runs"
            )
        if self.bus_batch_size < 1:
            raise SettingsError("ROUTEWAYS_BUS_BATCH_SIZE must be at least 1")
        if self.environment == "production" and self.secret_key == "dev-only-secret":  # noqa: S105 - the check
            raise SettingsError("ROUTEWAYS_SECRET_KEY must be set in production")

    def development_secret(self, purpose: str) -> str:
        """A secret every process of one development system derives alike from the secret key,
        so `make run` and a command started beside it agree on it without configuration; empty
        in production, where each secret is configured (and compose insists on it)."""
        if self.environment == "production":
            return ""
        digest = hmac.new(self.secret_key.encode(), purpose.encode(), hashlib.sha256)
        return digest.hexdigest()

    @property
    def celery_visibility_timeout(self) -> int:
        """Seconds Redis hides a reserved task: above every task's time limit, so that
        no task runs twice."""
        return self.task_time_limit_seconds * 2 + 60


@dataclass(frozen=True)
class ServiceSettings(Settings):
    """A service's settings: its own database and port, beside the shared ones."""

    database_url: str = setting(
        "ROUTEWAYS_DATABASE_URL", "sqlite:///var/routeways.sqlite3", "The service's own database"
    )
    port: int = setting("ROUTEWAYS_PORT", 8000, "The service's HTTP port")

    def check(self) -> None:
        """Also refuse, in production, a guessable admin token (for services that have one:
        a field named `admin_token`; empty turns the admin endpoints off)."""
        super().check()
        token = getattr(self, "admin_token", "")
        if self.environment == "production" and token and len(token) < MIN_ADMIN_TOKEN_LENGTH:
            env = next(
                f.metadata["env"] for f in dataclasses.fields(self) if f.name == "admin_token"
            )
            raise SettingsError(
                f"{env} must be at least {MIN_ADMIN_TOKEN_LENGTH} characters in production "
                "(or empty, which turns the admin endpoints off)"
            )


def describe_markdown(settings_classes: list[type[Settings]]) -> str:
    """The README's configuration table, generated from the binding tables."""
    lines = ["| variable | default | meaning |", "| --- | --- | --- |"]
    seen: set[str] = set()
    for settings_class in settings_classes:
        for binding in settings_class.bindings():
            if binding.env in seen:
                continue
            seen.add(binding.env)
            default = f"`{binding.default}`" if binding.default != "" else "(empty)"
            lines.append(f"| `{binding.env}` | {default} | {binding.help} |")
    return "\n".join(lines)
