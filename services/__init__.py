"""The four Routeways services. This module is the composition root the CLI and bus tasks use."""

from __future__ import annotations

import importlib

from shared.service_spec import ServiceSpec

SERVICE_NAMES = ("profile", "catalogue", "recommender", "notifier")


def load(name: str) -> ServiceSpec:
    """The spec of service `name` (imports its package)."""
    if name not in SERVICE_NAMES:
        raise KeyError(f"unknown service {name!r}; expected one of {', '.join(SERVICE_NAMES)}")
    return importlib.import_module(f"services.{name}.spec").SPEC


def all_specs() -> list[ServiceSpec]:
    return [load(name) for name in SERVICE_NAMES]
