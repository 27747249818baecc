"""Envelopes and the contract registry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services import all_specs
from shared.events import (
    REGISTRY,
    EnvelopeError,
    InvalidEventPayload,
    UnknownEventType,
    consumed_by,
    envelope_from_json,
    make_event,
)


def test_envelope_round_trips_through_its_wire_form():
    event = make_event(
        "catalogue.course.withdrawn",
        1,
        {"course_id": 4, "provider_id": 2},
        producer="catalogue",
        correlation_id="req-9",
    )
    again = envelope_from_json(event.to_json())
    assert again == event
    assert again.occurred_at.tzinfo is UTC


def test_envelope_times_are_normalised_to_utc():
    event = make_event(
        "catalogue.course.withdrawn", 1, {"course_id": 4, "provider_id": 2}, producer="catalogue"
    )
    wire = json.loads(event.to_json())
    wire["occurred_at"] = datetime(2026, 6, 1, 10, tzinfo=timezone(timedelta(hours=1))).isoformat()
    assert envelope_from_json(json.dumps(wire)).occurred_at == datetime(2026, 6, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", "[]", "{}", '{"id": "x"}', b"\xff\xfe"])
def test_unreadable_envelopes_raise_envelope_error(raw):
    with pytest.raises(EnvelopeError):
        envelope_from_json(raw)


def test_unknown_type_is_refused_at_publish_time():
    with pytest.raises(UnknownEventType):
        make_event("catalogue.course.renamed", 1, {}, producer="catalogue")


def test_payload_with_personal_data_is_refused():
    with pytest.raises(InvalidEventPayload) as raised:
        make_event(
            "profile.learner.erased",
            1,
            {"learner_id": 3, "email": "a@example.org"},
            producer="profile",
        )
    assert "email" in raised.value.messages


def test_only_the_registered_producer_may_publish_a_type():
    with pytest.raises(ValueError, match="produced by catalogue"):
        make_event(
            "catalogue.course.withdrawn", 1, {"course_id": 1, "provider_id": 1}, producer="profile"
        )


def test_event_types_are_past_tense_producer_subject_verb():
    for event_type, _ in REGISTRY:
        producer, _, verb = event_type.split(".")
        assert producer in {"catalogue", "profile", "recommender"}
        assert verb.endswith("ed") or verb == "withdrawn"


@pytest.mark.parametrize("spec", all_specs(), ids=lambda spec: spec.name)
def test_each_service_handles_exactly_the_events_the_registry_says_it_consumes(spec):
    assert set(spec.handlers) == {contract.key for contract in consumed_by(spec.name)}
