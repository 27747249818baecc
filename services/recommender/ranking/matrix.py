"""Interactions -> a learner x course confidence matrix, plus the id maps that index it.

Rows are learners and columns are courses, as implicit 0.7 expects ``user_items``. Each
(learner, course) pair gets the confidence of its strongest positive interaction, each kind
weighted by ``ConfidenceRules`` and decayed exponentially with age. Negative kinds (dismissed,
not-interested) never add confidence: a pair whose latest interaction is negative leaves the
matrix and goes to a separate exclusion matrix of the same shape, which ranking filters out.

Model and matrix must agree on which row is which learner across versions, so the ``IdMap``
of one build is passed to the next: known ids keep their index and new ids are appended.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from scipy.sparse import csr_matrix

SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class ConfidenceRules:
    """How much each interaction kind says, and how fast it fades.

    ``weights`` maps each positive kind to its confidence before decay; ``negative_kinds``
    exclude the pair instead; ``half_life_days`` halves a weight every that many days of age
    (``None`` turns decay off).
    """

    weights: dict[str, float] = field(
        default_factory=lambda: {
            "completed": 8.0,
            "enrolled": 6.0,
            "applied": 4.0,
            "saved": 3.0,
            "viewed": 1.0,
            "email-click": 1.0,
        }
    )
    negative_kinds: frozenset[str] = frozenset({"dismissed", "not-interested"})
    half_life_days: float | None = 180.0

    def __post_init__(self) -> None:
        overlap = self.negative_kinds & set(self.weights)
        if overlap:
            raise ValueError(f"kinds cannot be both positive and negative: {sorted(overlap)}")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("positive kinds need a weight above zero")
        if self.half_life_days is not None and self.half_life_days <= 0:
            raise ValueError("half_life_days must be positive (or None for no decay)")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready, so a model version records the rules it was trained with."""
        return {
            "weights": dict(self.weights),
            "negative_kinds": sorted(self.negative_kinds),
            "half_life_days": self.half_life_days,
        }

    @classmethod
    def from_dict(cls, values: dict) -> ConfidenceRules:
        return cls(
            weights={str(k): float(v) for k, v in values["weights"].items()},
            negative_kinds=frozenset(values["negative_kinds"]),
            half_life_days=values["half_life_days"],
        )

    def decay(self, age_days: np.ndarray) -> np.ndarray:
        """Factor in (0, 1] for ages in days, shape (n,); future times count as age 0."""
        if self.half_life_days is None:
            return np.ones_like(age_days, dtype=np.float64)
        return 0.5 ** (np.maximum(age_days, 0.0) / self.half_life_days)


class IdMap:
    """External ids <-> dense indices 0..n-1, in first-seen order; only ever extended."""

    def __init__(self, ids: Iterable[Hashable] = ()) -> None:
        self._ids: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        self.extend(ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, external_id: object) -> bool:
        return external_id in self._index

    def extend(self, ids: Iterable[Hashable]) -> None:
        """Append ids not yet known; known ids keep their index."""
        for external_id in ids:
            if external_id not in self._index:
                self._index[external_id] = len(self._ids)
                self._ids.append(external_id)

    def extended(self, ids: Iterable[Hashable]) -> IdMap:
        """A copy with ``ids`` appended; this map is left as it was."""
        copy = IdMap(self._ids)
        copy.extend(ids)
        return copy

    def index(self, external_id: Hashable) -> int:
        """The row/column of ``external_id``; KeyError if it is unknown."""
        return self._index[external_id]

    def indices(self, ids: Iterable[Hashable]) -> np.ndarray:
        """Rows/columns of ``ids``, shape (n,) int64; KeyError on an unknown id."""
        return np.fromiter((self._index[i] for i in ids), dtype=np.int64)

    def ids(self, indices: Iterable[int]) -> list[Hashable]:
        """External ids of ``indices``; index -1 (a padded slot) gives None."""
        return [self._ids[i] if i >= 0 else None for i in indices]

    def to_list(self) -> list[Hashable]:
        return list(self._ids)


@dataclass(frozen=True)
class Interaction:
    """One thing a learner did with a course (the read model's ``InteractionView`` shape)."""

    learner_id: Hashable
    course_id: Hashable
    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class ConfidenceMatrix:
    """``confidence`` (n_learners, n_courses) float32 CSR; ``exclusions`` same shape, 1.0 = never
    recommend; ``learners``/``courses`` map external ids to rows/columns."""

    confidence: csr_matrix
    exclusions: csr_matrix
    learners: IdMap
    courses: IdMap


@dataclass(frozen=True)
class InteractionColumns:
    """Interactions as parallel columns, each shape (n,): `learner_ids` and `course_ids`
    integers, `kinds` integer indices into `kind_names`, `timestamps` seconds since the epoch
    (UTC).

    The form training reads a whole read model in: at 20 M interactions a list of
    `Interaction` objects took minutes and several GB before the matrix was even built
    (bench/results/recommender_training.json)."""

    learner_ids: np.ndarray
    course_ids: np.ndarray
    kinds: np.ndarray
    kind_names: tuple[str, ...]
    timestamps: np.ndarray

    def __len__(self) -> int:
        return len(self.learner_ids)

    @classmethod
    def of(cls, interactions: Iterable[Interaction]) -> InteractionColumns:
        """Columns of `interactions` whose learner and course ids are integers."""
        rows = list(interactions)
        names: dict[str, int] = {}
        return cls(
            learner_ids=np.array([r.learner_id for r in rows], dtype=np.int64),
            course_ids=np.array([r.course_id for r in rows], dtype=np.int64),
            kinds=np.array([names.setdefault(r.kind, len(names)) for r in rows], dtype=np.int64),
            kind_names=tuple(names),
            timestamps=np.array([r.occurred_at.timestamp() for r in rows], dtype=np.float64),
        )


def build_confidence_matrix(
    interactions: Iterable[Interaction],
    rules: ConfidenceRules,
    now: datetime,
    learners: IdMap | None = None,
    courses: IdMap | None = None,
) -> ConfidenceMatrix:
    """Interactions -> ``ConfidenceMatrix`` at time ``now`` (timezone-aware), for a few
    objects (one learner's history); `confidence_from_columns` builds from columns.

    ``learners``/``courses`` from the previous version keep their rows/columns; they are not
    modified (extended copies are returned). An unknown kind raises ValueError.
    """
    rows = list(interactions)
    learner_map = (learners or IdMap()).extended(r.learner_id for r in rows)
    course_map = (courses or IdMap()).extended(r.course_id for r in rows)
    shape = (len(learner_map), len(course_map))
    seconds, decayed = _ages_and_decayed_weights(rows, rules, now)
    negative = np.array([r.kind in rules.negative_kinds for r in rows], dtype=bool)
    confidence, exclusions = _pair_matrices(
        learner_map.indices(r.learner_id for r in rows),
        course_map.indices(r.course_id for r in rows),
        decayed,
        negative,
        seconds,
        shape,
    )
    return ConfidenceMatrix(confidence, exclusions, learner_map, course_map)


def learner_confidence(
    history: Sequence[Interaction], rules: ConfidenceRules, now: datetime
) -> dict[Hashable, float]:
    """One learner's row of `build_confidence_matrix` as {course id: confidence}, float32
    values, for the few interactions of one history: the same weights and decay (computed
    over the same array), the strongest per course, none where the course's latest
    interaction (the later one in `history` among equal times) is negative. Serving builds a
    learner's row per request, and the general builder's id maps and sparse steps cost 0.7 ms
    of it. An unknown kind raises ValueError."""
    if not history:
        return {}
    seconds, decayed = _ages_and_decayed_weights(history, rules, now)
    strongest: dict[Hashable, float] = {}
    latest: dict[Hashable, tuple[float, bool]] = {}  # course -> (age of its latest, negative)
    for interaction, age, value in zip(history, seconds.tolist(), decayed.tolist(), strict=True):
        course = interaction.course_id
        strongest[course] = max(strongest.get(course, value), value)
        held = latest.get(course)
        if held is None or age <= held[0]:
            latest[course] = (age, interaction.kind in rules.negative_kinds)
    kept = {c: float(np.float32(v)) for c, v in strongest.items() if not latest[c][1]}
    return {c: v for c, v in kept.items() if v > 0.0}  # zero in float32: eliminate_zeros drops it


def _ages_and_decayed_weights(
    rows: Sequence[Interaction], rules: ConfidenceRules, now: datetime
) -> tuple[np.ndarray, np.ndarray]:
    """Each interaction's age in seconds and its kind's weight decayed by that age, (n,)
    float64 each (one computation for the general build and one learner's row, so both give
    the same bits). An unknown kind raises ValueError."""
    _check_kinds({r.kind for r in rows}, rules)
    seconds = np.array([(now - r.occurred_at).total_seconds() for r in rows])
    weight = np.array([rules.weights.get(r.kind, 0.0) for r in rows])
    return seconds, weight * rules.decay(seconds / SECONDS_PER_DAY)


def confidence_from_columns(
    columns: InteractionColumns,
    rules: ConfidenceRules,
    now: datetime,
    learners: IdMap | None = None,
    courses: IdMap | None = None,
) -> ConfidenceMatrix:
    """The same matrix as `build_confidence_matrix` over the same interactions, from columns:
    id maps from the unique ids (new ids appended in first-seen order, as the object path
    does), weights and decay by kind index; no Python work per interaction."""
    learner_map, learner_rows = _first_seen(columns.learner_ids, learners)
    course_map, course_cols = _first_seen(columns.course_ids, courses)
    shape = (len(learner_map), len(course_map))
    names = columns.kind_names
    _check_kinds({names[k] for k in np.unique(columns.kinds).tolist()}, rules)
    weight = np.array([rules.weights.get(k, 0.0) for k in names], dtype=np.float64)
    negative = np.array([k in rules.negative_kinds for k in names], dtype=bool)
    seconds = now.timestamp() - columns.timestamps.astype(np.float64)
    confidence, exclusions = _pair_matrices(
        learner_rows,
        course_cols,
        weight[columns.kinds] * rules.decay(seconds / SECONDS_PER_DAY),
        negative[columns.kinds],
        seconds,
        shape,
    )
    return ConfidenceMatrix(confidence, exclusions, learner_map, course_map)


def _check_kinds(kinds: set[str], rules: ConfidenceRules) -> None:
    unknown = kinds - set(rules.weights) - rules.negative_kinds
    if unknown:
        raise ValueError(f"unknown interaction kinds: {sorted(unknown)}")


def _first_seen(ids: np.ndarray, known: IdMap | None) -> tuple[IdMap, np.ndarray]:
    """`known` extended with `ids` (n,) in first-seen order, and each id's index (n,) int64:
    the dictionary work is per distinct id, not per interaction."""
    if not len(ids):
        return (known or IdMap()).extended(()), np.zeros(0, dtype=np.int64)
    unique, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    in_order = unique[np.argsort(first, kind="stable")]
    mapping = (known or IdMap()).extended(in_order.tolist())
    return mapping, mapping.indices(unique.tolist())[inverse.reshape(-1)]


def _pair_matrices(
    learner_rows: np.ndarray,
    course_cols: np.ndarray,
    decayed: np.ndarray,
    negative: np.ndarray,
    seconds: np.ndarray,
    shape: tuple[int, int],
) -> tuple[csr_matrix, csr_matrix]:
    """Per (learner, course) pair of interactions, each (n,): the confidence matrix (the
    strongest decayed weight, unless the pair's latest interaction is negative) and the
    exclusion matrix (1.0 where it is), both `shape` float32 CSR."""
    if not len(learner_rows):
        empty = csr_matrix(shape, dtype=np.float32)
        return empty, empty.copy()
    # group by pair; within a pair, order by time so the last element is the latest event
    pair = learner_rows.astype(np.int64) * shape[1] + course_cols
    order = np.lexsort((-seconds, pair))
    pair, decayed, negative = pair[order], decayed[order], negative[order]
    starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
    ends = np.r_[starts[1:], len(pair)] - 1
    strongest = np.maximum.reduceat(decayed, starts)
    latest_negative = negative[ends]
    unique_pairs = pair[starts]

    def as_csr(keys: np.ndarray, values: np.ndarray) -> csr_matrix:
        matrix = csr_matrix(
            (values.astype(np.float32), (keys // shape[1], keys % shape[1])), shape=shape
        )
        matrix.eliminate_zeros()
        matrix.sort_indices()
        return matrix

    keep = ~latest_negative & (strongest > 0)
    confidence = as_csr(unique_pairs[keep], strongest[keep])
    exclusions = as_csr(
        unique_pairs[latest_negative], np.ones(latest_negative.sum(), dtype=np.float32)
    )
    return confidence, exclusions


def with_shape(matrix: csr_matrix, n_rows: int, n_columns: int) -> csr_matrix:
    """``matrix`` grown with empty rows/columns (or cut) to (n_rows, n_columns), float32 CSR."""
    out = csr_matrix(matrix, dtype=np.float32, copy=True)
    out.resize((n_rows, n_columns))
    return out


def row_entries(matrix: csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Row `row` of `matrix`: its stored column indices and values, views into the matrix
    (what ``matrix[row].indices`` and ``.data`` hold, in the same order). Taking ``matrix[row]``
    builds a new 1 x n matrix, about 30 us in scipy, paid per suggestion on the serving path."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    return matrix.indices[start:end], matrix.data[start:end]
