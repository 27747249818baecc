"""Interactions -> confidence matrix: kind weights, decay, exclusions and id-map alignment."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from services.recommender.ranking.matrix import (
    ConfidenceRules,
    IdMap,
    Interaction,
    InteractionColumns,
    build_confidence_matrix,
    confidence_from_columns,
    learner_confidence,
    row_entries,
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


KINDS = ("completed", "enrolled", "applied", "saved", "viewed", "email-click", "dismissed",
         "not-interested")  # fmt: skip


def random_interactions(rng: np.random.Generator, n: int) -> list[Interaction]:
    """Few learners and courses, so pairs repeat and their latest kinds decide exclusions."""
    return [
        Interaction(int(rng.integers(1, 40)), int(rng.integers(100, 130)),
                    KINDS[rng.integers(len(KINDS))], at(float(rng.uniform(0, 400))))
        for _ in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_columns_build_the_same_matrix_and_id_maps_as_objects(seed):
    rng = np.random.default_rng(seed)
    interactions = random_interactions(rng, 600)
    earlier_learners, earlier_courses = IdMap([7, 999, 3]), IdMap([115, 5000])
    rules = ConfidenceRules()

    objects = build_confidence_matrix(interactions, rules, NOW, earlier_learners, earlier_courses)
    columns = confidence_from_columns(
        InteractionColumns.of(interactions), rules, NOW, earlier_learners, earlier_courses
    )

    assert columns.learners.to_list() == objects.learners.to_list()
    assert columns.courses.to_list() == objects.courses.to_list()
    for ours, theirs in ((columns.confidence, objects.confidence),
                         (columns.exclusions, objects.exclusions)):  # fmt: skip
        assert ours.shape == theirs.shape
        assert np.array_equal(ours.indptr, theirs.indptr)
        assert np.array_equal(ours.indices, theirs.indices)
        assert np.allclose(ours.data, theirs.data, rtol=1e-6)
    assert earlier_learners.to_list() == [7, 999, 3]  # extended copies, never the maps given


def test_no_interactions_give_empty_matrices_over_the_earlier_maps():
    empty = InteractionColumns.of([])
    built = confidence_from_columns(empty, ConfidenceRules(), NOW, IdMap([1, 2]), IdMap([9]))

    assert built.confidence.shape == (2, 1)
    assert built.confidence.nnz == 0
    assert built.exclusions.nnz == 0


def test_columns_with_an_unknown_kind_are_refused():
    columns = InteractionColumns.of([Interaction(1, 2, "teleported", at(1))])
    with pytest.raises(ValueError, match="teleported"):
        confidence_from_columns(columns, ConfidenceRules(), NOW)


@pytest.mark.parametrize("seed", range(20))
def test_one_learners_confidence_is_their_row_of_the_general_build(seed):
    rng = np.random.default_rng(seed)
    kinds = [*ConfidenceRules().weights, "dismissed", "not-interested"]
    history = [  # few courses, so pairs repeat; whole days, so equal times happen
        Interaction("ann", f"c{rng.integers(6)}", kinds[rng.integers(len(kinds))],
                    at(float(rng.integers(0, 6) * 300)))
        for _ in range(int(rng.integers(1, 30)))
    ]  # fmt: skip
    rules = ConfidenceRules() if seed % 2 else NO_DECAY
    built = build_confidence_matrix(history, rules, NOW)
    row = built.confidence.toarray()[0]
    expected = {c: float(row[built.courses.index(c)]) for c in built.courses.to_list()}
    ours = learner_confidence(history, rules, NOW)
    assert ours == {c: v for c, v in expected.items() if v != 0.0}


def test_one_learners_confidence_refuses_an_unknown_kind_and_is_empty_without_history():
    assert learner_confidence([], ConfidenceRules(), NOW) == {}
    with pytest.raises(ValueError, match="unknown interaction kinds"):
        learner_confidence([Interaction("ann", "c1", "liked", at(1))], ConfidenceRules(), NOW)


def test_row_entries_are_the_rows_own_indices_and_values_in_order():
    rng = np.random.default_rng(3)
    dense = rng.random((40, 30)) * (rng.random((40, 30)) < 0.2)
    dense[7] = 0.0  # an empty row
    matrix = csr_matrix(dense.astype(np.float32))

    for row in range(matrix.shape[0]):
        indices, values = row_entries(matrix, row)
        np.testing.assert_array_equal(indices, matrix[row].indices)
        np.testing.assert_array_equal(values, matrix[row].data)
    assert len(row_entries(matrix, 7)[0]) == 0
