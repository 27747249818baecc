"""Hold-out splits of the data sets the recommender is evaluated on.

- ``mooccubex-cf``: the data set's own leave-one-out split (one test course per learner; its
  row positions are not chronological, so no temporal split is possible); course content from
  its knowledge-graph triples (``r<relation>:<entity>`` per concept, field, teacher, school or
  linked course; ids only, the data set has no names).
- ``oulad``: learner x module-presentation registrations as implicit feedback; each learner
  with two or more registrations holds out their latest (by registration date, placed on the
  calendar by the presentation's start); learner groups (gender, age band, disability, IMD
  band) kept for the exposure report, course groups by the module's domain; course content is
  only the module and its domain (``module:AAA``, ``domain:STEM``).
- ``demo``: the seeded demo data set, split in time: interactions before the 80th percentile
  of time train, later saves/applications/enrolments/completions are the test; course content
  as serving describes it (skills, occupations, sector, RQF level) and each learner's current
  occupation (for the similar-learner signal).

Tuning never sees test rows: ``validation_split`` holds one more course per learner out of the
TRAIN rows and drops the test rows altogether.

Real data is read from ``$ROUTEWAYS_DATA_DIR`` or ``../shared/data`` beside the working
directory; when it is absent, ``DataUnavailable`` carries the reason to skip with.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from services.recommender.content import CourseContent, course_features
from services.recommender.ranking.matrix import (
    ConfidenceRules,
    IdMap,
    Interaction,
    build_confidence_matrix,
)

DATA_DIR_ENV = "ROUTEWAYS_DATA_DIR"
DATASETS = ("mooccubex-cf", "oulad", "demo")


class DataUnavailable(Exception):  # noqa: N818 (a reason to skip, not an error)
    """The data set cannot be loaded here; ``str(self)`` says why (to skip with)."""


@dataclass(frozen=True)
class Split:
    """One hold-out split; all matrices (n_learners, n_courses), rows aligned to ``learners``.

    ``train``: float32 confidence to fit on; ``test``: held-out relevant courses (non-zero);
    ``exclusions``: never-recommend marks (may be empty); ``learner_groups``: attribute ->
    label per learner, shape (n_learners,); ``course_groups``: attribute -> label per course,
    shape (n_courses,); ``course_features``: content feature names per course column
    (``ContentMatrix.from_features`` reads them), None when the data set has no content;
    ``learner_occupations``: current occupation per learner, shape (n_learners,), "" when
    unknown, None when the data set has none.
    """

    name: str
    train: csr_matrix
    test: csr_matrix
    exclusions: csr_matrix
    learners: IdMap
    courses: IdMap
    description: str
    learner_groups: dict[str, np.ndarray] = field(default_factory=dict)
    course_groups: dict[str, np.ndarray] = field(default_factory=dict)
    course_features: list[list[str]] | None = None
    learner_occupations: np.ndarray | None = None

    @property
    def test_rows(self) -> np.ndarray:
        """Learners with at least one held-out course, shape (t,)."""
        return np.flatnonzero(np.diff(self.test.indptr) > 0)

    def subset(self, rows: np.ndarray) -> Split:
        """The same split with the test kept only for ``rows`` (training is untouched)."""
        keep = np.zeros(self.test.shape[0], dtype=np.float32)
        keep[rows] = 1.0
        test = csr_matrix(self.test.multiply(keep[:, None]), dtype=np.float32)
        test.eliminate_zeros()
        return replace(self, test=test)


def default_data_dir() -> Path | None:
    """$ROUTEWAYS_DATA_DIR, else ../shared/data from the working directory when it exists."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    beside = Path.cwd().parent / "shared" / "data"
    return beside if beside.is_dir() else None


def load(name: str, data_dir: Path | None = None, seed: int = 7) -> Split:
    """The named split; DataUnavailable (with the reason) when its files are not here."""
    if name == "demo":
        return demo_split(seed)
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; one of {DATASETS}")
    folder = data_dir if data_dir is not None else default_data_dir()
    if folder is None:
        raise DataUnavailable(
            f"no data folder: set {DATA_DIR_ENV} or place shared/data beside the checkout"
        )
    folder = Path(folder) / name
    if not folder.is_dir():
        raise DataUnavailable(f"{folder} is not there (the {name} data set is not installed)")
    return mooccubex_split(folder) if name == "mooccubex-cf" else oulad_split(folder)


def _read_tsv(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t"))[1:]


def mooccubex_split(folder: Path) -> Split:
    """MOOCCubeX enrolments with the provided leave-one-out test course per learner."""
    path = folder / "interactions.tsv.gz"
    if not path.is_file():
        raise DataUnavailable(f"{path} is missing")
    with gzip.open(path, "rb") as handle:
        text = handle.read().decode("ascii")
    body = text[text.index("\n") + 1 :]
    table = np.loadtxt(io.StringIO(body.replace("train", "0").replace("test", "1")), dtype=np.int64)
    users, items, is_test = table[:, 0], table[:, 1], table[:, 2] == 1
    n_users, n_items = int(users.max()) + 1, int(items.max()) + 1
    shape = (n_users, n_items)

    def as_csr(mask: np.ndarray) -> csr_matrix:
        ones = np.ones(int(mask.sum()), dtype=np.float32)
        matrix = csr_matrix((ones, (users[mask], items[mask])), shape=shape)
        matrix.data[:] = 1.0  # a repeated pair is still one enrolment
        matrix.sort_indices()
        return matrix

    user_rows = _read_tsv(folder / "users.tsv.gz") if (folder / "users.tsv.gz").is_file() else []
    learner_ids = [f"u{i}" for i in range(n_users)]
    gender = np.full(n_users, "unknown", dtype=object)
    for user_id, idx, code in user_rows:
        learner_ids[int(idx)] = user_id
        gender[int(idx)] = f"code {code}"
    course_ids = [f"c{i}" for i in range(n_items)]
    if (folder / "items.tsv").is_file():
        for course_id, idx in _read_tsv(folder / "items.tsv"):
            course_ids[int(idx)] = course_id
    return Split(
        name="mooccubex-cf",
        train=as_csr(~is_test),
        test=as_csr(is_test),
        exclusions=csr_matrix(shape, dtype=np.float32),
        learners=IdMap(learner_ids),
        courses=IdMap(course_ids),
        description=(
            "MOOCCubeX (XuetangX) enrolments: the data set's own leave-one-out split, one "
            "test course per learner; confidence 1 per enrolment; course content: the "
            "knowledge-graph links of each course (concepts, fields, teachers, schools, linked "
            "courses; ids only)"
        ),
        learner_groups={"gender": gender},
        course_features=knowledge_graph_features(folder / "kg_triples.tsv.gz", n_items),
    )


def knowledge_graph_features(path: Path, n_items: int) -> list[list[str]] | None:
    """Per item column, ``r<relation>:<tail>`` for every triple whose head is that item
    (KGAT ids: 0..n_items-1 are the items, higher ids other entities); None without the file."""
    if not path.is_file():
        return None
    features: list[list[str]] = [[] for _ in range(n_items)]
    for head, relation, tail in _read_tsv(path):
        if int(head) < n_items:
            features[int(head)].append(f"r{relation}:{tail}")
    return features


def _presentation_start(code: str) -> date:
    """'2013J' -> 1 October 2013; 'B' presentations start in February."""
    return date(int(code[:4]), 10 if code[4] == "J" else 2, 1)


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataUnavailable(f"{path} is missing")
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


OULAD_DOMAINS = {
    "AAA": "Social Sciences",
    "BBB": "Social Sciences",
    "GGG": "Social Sciences",
    "CCC": "STEM",
    "DDD": "STEM",
    "EEE": "STEM",
    "FFF": "STEM",
}
OULAD_GROUPS = ("gender", "age_band", "disability", "imd_band")


def oulad_split(folder: Path) -> Split:
    """OULAD registrations; each multi-module learner's latest registration is the test."""
    registrations = _read_csv(folder / "studentRegistration.csv")
    info = _read_csv(folder / "studentInfo.csv")
    learners = IdMap(sorted({r["id_student"] for r in registrations}, key=int))
    courses = IdMap(sorted({f"{r['code_module']}-{r['code_presentation']}" for r in registrations}))
    when: dict[str, list[tuple[date, int]]] = {}
    for r in registrations:
        offset = int(r["date_registration"]) if r["date_registration"] else 0
        day = _presentation_start(r["code_presentation"]) + timedelta(days=offset)
        column = courses.index(f"{r['code_module']}-{r['code_presentation']}")
        when.setdefault(r["id_student"], []).append((day, column))
    train_pairs: list[tuple[int, int]] = []
    test_pairs: list[tuple[int, int]] = []
    for student, taken in when.items():
        row = learners.index(student)
        taken.sort()
        held = len(taken) >= 2 and taken[-1][0] > taken[-2][0]
        train_pairs += [(row, c) for _, c in (taken[:-1] if held else taken)]
        if held:
            test_pairs.append((row, taken[-1][1]))
    shape = (len(learners), len(courses))

    def as_csr(pairs: list[tuple[int, int]]) -> csr_matrix:
        array = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        matrix = csr_matrix(
            (np.ones(len(array), dtype=np.float32), (array[:, 0], array[:, 1])), shape=shape
        )
        matrix.data[:] = 1.0
        return matrix

    groups = {g: np.full(len(learners), "unknown", dtype=object) for g in OULAD_GROUPS}
    for r in info:
        row = learners.index(r["id_student"]) if r["id_student"] in learners else None
        if row is None:
            continue
        for g in OULAD_GROUPS:
            groups[g][row] = r[g] or "unknown"
    modules = [c.split("-")[0] for c in courses.to_list()]
    domains = np.array([OULAD_DOMAINS.get(m, "other") for m in modules])
    return Split(
        name="oulad",
        train=as_csr(train_pairs),
        test=as_csr(test_pairs),
        exclusions=csr_matrix(shape, dtype=np.float32),
        learners=learners,
        courses=courses,
        description=(
            "Open University registrations (learner x module-presentation); each learner with "
            "two or more registrations holds out the latest by registration date; course "
            "content: only the module and its domain (the data set describes courses no further)"
        ),
        learner_groups=groups,
        course_groups={"domain": domains},
        course_features=[
            [f"module:{m}", f"domain:{d}"] for m, d in zip(modules, domains.tolist(), strict=True)
        ],
    )


RELEVANT_KINDS = frozenset({"saved", "applied", "enrolled", "completed"})


def demo_split(seed: int = 7, learners: int = 1500, courses: int = 240) -> Split:
    """The demo data set split in time at the 80th percentile of interaction times."""
    from shared.demo import generate

    data = generate(seed=seed, learners=learners, courses=courses)
    rows = [
        Interaction(i.learner_key, i.course_key, i.kind, i.occurred_at) for i in data.interactions
    ]
    times = np.array([r.occurred_at.timestamp() for r in rows])
    cutoff_ts = float(np.percentile(times, 80))
    cutoff = datetime.fromtimestamp(cutoff_ts, tz=rows[0].occurred_at.tzinfo)
    learner_map = IdMap(lr.key for lr in data.learners)
    course_map = IdMap(c.key for c in data.courses)
    before = [r for r in rows if r.occurred_at.timestamp() < cutoff_ts]
    built = build_confidence_matrix(before, ConfidenceRules(), cutoff, learner_map, course_map)
    later = [r for r in rows if r.occurred_at.timestamp() >= cutoff_ts and r.kind in RELEVANT_KINDS]
    shape = built.confidence.shape
    test = csr_matrix(shape, dtype=np.float32)
    if later:
        pairs = np.array(
            [(learner_map.index(r.learner_id), course_map.index(r.course_id)) for r in later]
        )
        test = csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), (pairs[:, 0], pairs[:, 1])), shape=shape
        )
        test.data[:] = 1.0
        seen = (built.confidence + built.exclusions) != 0  # only courses new to the learner
        test = csr_matrix(test - test.multiply(seen), dtype=np.float32)
        test.eliminate_zeros()
    by_course = {c.key: c for c in data.courses}
    by_learner = {lr.key: lr for lr in data.learners}
    courses_in_order = [by_course[k] for k in course_map.to_list()]
    return Split(
        name="demo",
        train=built.confidence,
        test=test,
        exclusions=built.exclusions,
        learners=built.learners,
        courses=built.courses,
        description=(
            f"seeded demo data (seed {seed}); temporal split at {cutoff:%Y-%m-%d}: later "
            "saves, applications, enrolments and completions of new courses are the test; "
            "course content: skills, occupations, sector and RQF level; learners' current "
            "occupations kept"
        ),
        learner_groups={
            "route_preference": np.array([lr.route_preference for lr in data.learners])
        },
        course_groups={
            "route_kind": np.array([c.route_kind for c in courses_in_order]),
            "level": np.array([f"RQF {c.rqf_level}" for c in courses_in_order]),
        },
        course_features=[
            course_features(CourseContent(c.skills, c.occupations, c.sector, c.rqf_level))
            for c in courses_in_order
        ],
        learner_occupations=np.array(
            [by_learner[k].occupation_code for k in built.learners.to_list()], dtype=object
        ),
    )


def validation_split(split: Split, seed: int = 0, learners: int | None = None) -> Split:
    """For tuning: one random train course per learner (with 2+ train courses) is held out of
    TRAIN as the validation target; the real test rows are dropped, never looked at.

    `learners` holds out for that many of them only (a random sample): enough to measure,
    while the model still trains on every other learner's whole history."""
    rng = np.random.default_rng(seed)
    train = split.train.tocsr().copy()
    train.sort_indices()
    counts = np.diff(train.indptr)
    eligible = np.flatnonzero(counts >= 2)
    if learners is not None and learners < len(eligible):
        eligible = np.sort(rng.choice(eligible, size=learners, replace=False))
    picks = train.indptr[eligible] + (rng.random(len(eligible)) * counts[eligible]).astype(np.int64)
    held = csr_matrix(
        (np.ones(len(picks), dtype=np.float32), (eligible, train.indices[picks])),
        shape=train.shape,
    )
    train.data[picks] = 0.0
    train.eliminate_zeros()
    return replace(
        split,
        name=f"{split.name} (validation)",
        train=train,
        test=held,
        description=f"{split.description}; validation: one train course per learner held out",
    )
