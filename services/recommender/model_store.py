"""Trained model versions on disk, and which one serves.

Layout under the store's root (var/models by default)::

    versions/<name>/manifest.json   what was trained: algorithm, parameters, data counts, metrics
    versions/<name>/...             whatever the trainer wrote (factors, id maps)
    CURRENT                         the serving version's name
    activations.jsonl               every switch, oldest first (what `rollback` walks back)

A version is written into a temporary folder and renamed into `versions/` only when complete,
so a reader never sees half a model. Switching writes `CURRENT` to a temporary file and
`os.replace`s it (atomic on POSIX): a serving process reads the old name or the new one, never
a mix. Nothing here imports Flask or Celery.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
ACTIVATIONS = "activations.jsonl"


class ModelStoreError(LookupError):
    """A version that does not exist, or nothing to roll back to."""


@dataclass(frozen=True)
class ModelVersion:
    """One trained model: its name, folder and manifest."""

    name: str
    path: Path
    algorithm: str
    created_at: str
    params: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> ModelVersion:
        manifest = json.loads((path / MANIFEST).read_text())
        return cls(
            name=path.name,
            path=path,
            algorithm=manifest["algorithm"],
            created_at=manifest["created_at"],
            params=manifest.get("params", {}),
            counts=manifest.get("counts", {}),
            metrics=manifest.get("metrics", {}),
        )


class ModelStore:
    """The versions under `root` and the pointer to the serving one."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.versions_dir = self.root / "versions"

    def save(
        self,
        algorithm: str,
        write: Callable[[Path], None],
        params: dict[str, Any] | None = None,
        counts: dict[str, int] | None = None,
        metrics: dict[str, float] | None = None,
        now: datetime | None = None,
    ) -> ModelVersion:
        """Write a new version with `write(folder)` and its manifest; it does not serve yet."""
        moment = now or datetime.now(UTC)
        name = f"{moment:%Y%m%dT%H%M%S}-{algorithm}-{secrets.token_hex(3)}"
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        building = self.versions_dir / f".building-{name}"
        building.mkdir()
        try:
            write(building)
            manifest = {
                "algorithm": algorithm,
                "created_at": moment.isoformat(),
                "params": params or {},
                "counts": counts or {},
                "metrics": metrics or {},
            }
            (building / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
            building.rename(self.versions_dir / name)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return ModelVersion.read(self.versions_dir / name)

    def versions(self) -> list[ModelVersion]:
        """Every complete version, oldest first."""
        if not self.versions_dir.is_dir():
            return []
        folders = [
            p for p in self.versions_dir.iterdir() if p.is_dir() and (p / MANIFEST).is_file()
        ]
        versions = [ModelVersion.read(p) for p in folders]
        # Two versions of the same second are told apart by when their folder was completed.
        return sorted(versions, key=lambda v: (v.created_at, v.path.stat().st_mtime_ns, v.name))

    def get(self, name: str) -> ModelVersion:
        path = self.versions_dir / name
        if "/" in name or name.startswith(".") or not (path / MANIFEST).is_file():
            raise ModelStoreError(f"no model version {name!r}")
        return ModelVersion.read(path)

    def current(self) -> ModelVersion | None:
        """The serving version, or None before the first activation."""
        name = self.current_name()
        return None if name is None else self.get(name)

    def current_name(self) -> str | None:
        """The serving version's name (one small file read: serving asks per request)."""
        try:
            return (self.root / CURRENT).read_text().strip() or None
        except FileNotFoundError:
            return None

    def activate(self, name: str) -> ModelVersion:
        """Make `name` the serving version (atomically) and remember the switch."""
        version = self.get(name)
        self._point_at(version.name)
        self._log("activate", name)
        return version

    def rollback(self) -> ModelVersion:
        """Serve again the version that served before the current one was switched to; a
        second rollback goes one further back (the switches form a stack)."""
        stack = self._stack()
        if len(stack) < 2:
            raise ModelStoreError("no earlier model version to roll back to")
        version = self.get(stack[-2])
        self._point_at(version.name)
        self._log("rollback", version.name)
        return version

    def _stack(self) -> list[str]:
        """Replay the switch log: an activation pushes a version, a rollback pops one."""
        path = self.root / ACTIVATIONS
        stack: list[str] = []
        if not path.is_file():
            return stack
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            if entry["action"] == "activate":
                stack.append(entry["name"])
            elif stack:
                stack.pop()
        return stack

    def _log(self, action: str, name: str) -> None:
        with (self.root / ACTIVATIONS).open("a") as log:
            entry = {"action": action, "name": name, "at": datetime.now(UTC).isoformat()}
            log.write(json.dumps(entry) + "\n")

    def _point_at(self, name: str) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{CURRENT}.{secrets.token_hex(4)}"
        temporary.write_text(name + "\n")
        os.replace(temporary, self.root / CURRENT)
