"""Every event contract ships a real example, and every example loads through its schema."""

from __future__ import annotations

import json

import pytest

from shared.events import REGISTRY, make_event
from shared.events.contract import EXAMPLES_DIR as EXAMPLES


@pytest.mark.parametrize("contract", sorted(REGISTRY.values(), key=lambda c: c.key), ids=str)
def test_example_validates_against_its_contract(contract):
    payload = json.loads(contract.example_path.read_text())
    event = make_event(contract.type, contract.version, payload, producer=contract.producer)
    assert event.payload  # loaded, validated and normalised without error


def test_every_example_file_belongs_to_a_registered_contract():
    registered = {c.example_path.name for c in REGISTRY.values()}
    assert {path.name for path in EXAMPLES.glob("*.json")} == registered
