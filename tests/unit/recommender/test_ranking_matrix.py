"""Interactions -> confidence matrix: kind weights, decay, exclusions and id-map alignment."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from services.recommender.ranking.matrix import (
    ConfidenceRules,
    IdMap,
    Interaction,
    build_confidence_matrix,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NO_DECAY = ConfidenceRules(half_life_days=None)


def at(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


def test_stronger_kinds_weigh_more_and_a_pair_keeps_its_strongest_signal():
    built = build_confidence_matrix(
        [
            Interaction("ann", "c1", "viewed", at(1)),
            Interaction("ann", "c1", "enrolled", at(1)),
            Interaction("ann", "c2", "saved", at(1)),
            Interaction("ann", "c3", "viewed", at(1)),
            Interaction("ann", "c4", "completed", at(1)),
        ],
        NO_DECAY,
        NOW,
    )
    row = built.confidence.toarray()[0]
    assert built.confidence.dtype == np.float32
    assert row.tolist() == [6.0, 3.0, 1.0, 8.0]
    assert row[3] > row[0] > row[1] > row[2]


def test_weight_halves_every_half_life():
    rules = ConfidenceRules(half_life_days=30)
    built = build_confidence_matrix(
        [
            Interaction("ann", "c1", "enrolled", at(0)),
            Interaction("ann", "c2", "enrolled", at(30)),
            Interaction("ann", "c3", "enrolled", at(60)),
        ],
        rules,
        NOW,
    )
    assert built.confidence.toarray()[0] == pytest.approx([6.0, 3.0, 1.5])


def test_dismissed_and_not_interested_are_exclusions_never_confidence():
    built = build_confidence_matrix(
        [
            Interaction("ann", "c1", "viewed", at(3)),
            Interaction("ann", "c1", "dismissed", at(2)),
            Interaction("ann", "c2", "not-interested", at(1)),
            Interaction("ann", "c3", "dismissed", at(5)),
            Interaction("ann", "c3", "enrolled", at(1)),  # changed their mind later
        ],
        NO_DECAY,
        NOW,
    )
    columns = built.courses.indices(["c1", "c2", "c3"])
    assert built.confidence.toarray()[0][columns].tolist() == [0.0, 0.0, 6.0]
    assert built.exclusions.toarray()[0][columns].tolist() == [1.0, 1.0, 0.0]
    assert built.confidence.multiply(built.exclusions).nnz == 0


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown interaction kinds"):
        build_confidence_matrix([Interaction("a", "c", "liked", NOW)], NO_DECAY, NOW)


def test_a_kind_cannot_be_both_positive_and_negative():
    with pytest.raises(ValueError, match="both positive and negative"):
        ConfidenceRules(weights={"dismissed": 1.0})


def test_next_version_keeps_old_rows_and_columns_and_appends_new_ids():
    first = build_confidence_matrix(
        [Interaction("ann", "c1", "viewed", at(1)), Interaction("bob", "c2", "saved", at(1))],
        NO_DECAY,
        NOW,
    )
    second = build_confidence_matrix(
        [
            Interaction("cat", "c3", "enrolled", at(1)),  # new learner and course first
            Interaction("bob", "c2", "saved", at(1)),
            Interaction("ann", "c1", "viewed", at(1)),
        ],
        NO_DECAY,
        NOW,
        learners=first.learners,
        courses=first.courses,
    )
    assert second.learners.to_list() == ["ann", "bob", "cat"]
    assert second.courses.to_list() == ["c1", "c2", "c3"]
    assert second.confidence[:2, :2].toarray().tolist() == first.confidence.toarray().tolist()
    assert len(first.learners) == 2  # the previous version's map is not modified


def test_id_map_round_trips_and_pads_missing_slots():
    ids = IdMap(["x", "y"])
    ids.extend(["y", "z"])
    assert ids.indices(["z", "x"]).tolist() == [2, 0]
    assert ids.ids([1, -1]) == ["y", None]
    with pytest.raises(KeyError):
        ids.index("nobody")
