"""Model versions on disk: complete or absent, an atomic switch, and rollback down the stack."""

from datetime import UTC, datetime

import pytest

from services.recommender.model_store import ModelStore, ModelStoreError


def save(store: ModelStore, algorithm: str = "als", minute: int = 0):
    def write(folder):
        (folder / "factors.npy").write_bytes(b"\x00" * 8)

    return store.save(
        algorithm,
        write,
        params={"factors": 64},
        counts={"learners": 3, "courses": 2, "interactions": 5},
        metrics={"ndcg@10": 0.2},
        now=datetime(2026, 11, 27, 22, minute, tzinfo=UTC),
    )


def test_a_saved_version_carries_its_manifest_and_does_not_serve_until_activated(tmp_path):
    store = ModelStore(tmp_path)
    version = save(store)
    assert version.algorithm == "als"
    assert version.counts["interactions"] == 5
    assert (version.path / "factors.npy").is_file()
    assert store.current() is None
    assert store.activate(version.name).name == version.name
    assert store.current().name == version.name


def test_a_version_whose_writer_fails_leaves_nothing_behind(tmp_path):
    store = ModelStore(tmp_path)

    def broken(folder):
        (folder / "half.npy").write_bytes(b"\x00")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        store.save("als", broken)
    assert store.versions() == []
    assert list((tmp_path / "versions").iterdir()) == []


def test_rollback_walks_back_through_the_switches_one_at_a_time(tmp_path):
    store = ModelStore(tmp_path)
    first, second, third = (save(store, minute=m) for m in (1, 2, 3))
    for version in (first, second, third):
        store.activate(version.name)
    assert store.rollback().name == second.name
    assert store.rollback().name == first.name
    assert store.current().name == first.name
    with pytest.raises(ModelStoreError, match="no earlier"):
        store.rollback()


def test_unknown_or_path_like_names_are_refused(tmp_path):
    store = ModelStore(tmp_path)
    save(store)
    for name in ("nope", "../versions", ".building-x"):
        with pytest.raises(ModelStoreError):
            store.activate(name)


def test_versions_are_listed_oldest_first(tmp_path):
    store = ModelStore(tmp_path)
    names = [save(store, algorithm, minute).name for minute, algorithm in ((5, "bpr"), (9, "als"))]
    assert [v.name for v in store.versions()] == names
