"""The registry of event contracts: (type, version) -> payload schema, producer and consumers.

Contracts are defined once, in one module per producer, and imported by every consumer
(never copied). An incompatible change is a new version published beside the old one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from shared.events.envelope import Envelope, utcnow

EXAMPLES_DIR = Path(__file__).parent / "examples"


class EventSchema(Schema):
    """Base of every payload schema: ids and facts only, unknown keys refused."""

    class Meta:
        unknown = RAISE


@dataclass(frozen=True)
class Contract:
    """What the registry knows of one (type, version)."""

    type: str
    version: int
    schema: type[EventSchema]
    producer: str
    consumers: tuple[str, ...]
    summary: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.type, self.version)

    @property
    def example_path(self) -> Path:
        return EXAMPLES_DIR / f"{self.type}.v{self.version}.json"


class UnknownEventType(LookupError):  # noqa: N818 - reads as what happened
    """No contract is registered for this (type, version)."""


class InvalidEventPayload(ValueError):  # noqa: N818 - reads as what happened
    """A payload does not match its contract; `messages` names each field and the reason."""

    def __init__(self, event_type: str, version: int, messages: Any) -> None:
        super().__init__(f"{event_type} v{version}: invalid payload {messages}")
        self.messages = messages


REGISTRY: dict[tuple[str, int], Contract] = {}


def contract(
    event_type: str, version: int, *, producer: str, consumers: tuple[str, ...]
) -> Callable[[type[EventSchema]], type[EventSchema]]:
    """Class decorator registering a payload schema as the contract for (type, version)."""

    def register(schema: type[EventSchema]) -> type[EventSchema]:
        key = (event_type, version)
        if key in REGISTRY:
            raise ValueError(f"contract {key} registered twice")
        summary = (schema.__doc__ or "").strip().splitlines()[0] if schema.__doc__ else ""
        REGISTRY[key] = Contract(event_type, version, schema, producer, consumers, summary)
        return schema

    return register


def lookup(event_type: str, version: int) -> Contract:
    try:
        return REGISTRY[(event_type, version)]
    except KeyError:
        raise UnknownEventType(f"no contract for {event_type} v{version}") from None


def validate_payload(event_type: str, version: int, payload: Any) -> dict[str, Any]:
    """Load `payload` through its contract; raise `InvalidEventPayload` naming each bad field."""
    schema = _schema_of(lookup(event_type, version))
    if not isinstance(payload, dict):
        raise InvalidEventPayload(event_type, version, {"_schema": ["payload must be an object"]})
    try:
        return schema.dump(schema.load(payload))
    except ValidationError as error:
        raise InvalidEventPayload(event_type, version, error.messages) from error


@functools.cache
def _schema_of(found: Contract) -> EventSchema:
    """One reusable schema instance per contract (instances hold no per-load state)."""
    return found.schema()


def make_event(
    event_type: str,
    version: int,
    payload: dict[str, Any],
    *,
    producer: str,
    correlation_id: str | None = None,
) -> Envelope:
    """A new event, validated now: a bad payload fails at publish time, not in a consumer."""
    found = lookup(event_type, version)
    if found.producer != producer:
        raise ValueError(f"{event_type} is produced by {found.producer}, not {producer}")
    clean = validate_payload(event_type, version, payload)
    extra = {"correlation_id": correlation_id} if correlation_id else {}
    return Envelope(
        type=event_type,
        version=version,
        producer=producer,
        payload=clean,
        occurred_at=utcnow(),
        **extra,
    )


def consumed_by(service: str) -> list[Contract]:
    """Contracts `service` subscribes to."""
    return [c for c in REGISTRY.values() if service in c.consumers]


def producers_consumed_by(service: str) -> set[str]:
    """Producers whose streams `service` reads."""
    return {c.producer for c in consumed_by(service)}


def consumers_of(producer: str) -> set[str]:
    """Consumer groups that read `producer`'s stream."""
    return {group for c in REGISTRY.values() if c.producer == producer for group in c.consumers}
