"""Event contracts: import this package to get the whole registry.

`REGISTRY` maps (type, version) to its payload schema, producer and consumer groups; the
README's event table and the consumer groups each relay creates come from it.
"""

from shared.events import catalogue, profile, recommender  # noqa: F401 - registers the contracts
from shared.events.contract import (
    REGISTRY,
    Contract,
    EventSchema,
    InvalidEventPayload,
    UnknownEventType,
    consumed_by,
    consumers_of,
    lookup,
    make_event,
    producers_consumed_by,
    validate_payload,
)
from shared.events.envelope import Envelope, EnvelopeError, envelope_from_json, utcnow

__all__ = [
    "REGISTRY",
    "Contract",
    "Envelope",
    "EnvelopeError",
    "EventSchema",
    "InvalidEventPayload",
    "UnknownEventType",
    "consumed_by",
    "consumers_of",
    "envelope_from_json",
    "lookup",
    "make_event",
    "producers_consumed_by",
    "utcnow",
    "validate_payload",
]


def markdown_table() -> str:
    """The README's event table, generated from the registry."""
    lines = [
        "| type | version | producer | consumers | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for found in sorted(REGISTRY.values(), key=lambda c: c.key):
        lines.append(
            f"| `{found.type}` | {found.version} | {found.producer} | {', '.join(found.consumers)} "
            f"| {found.summary} |"
        )
    return "\n".join(lines)
