"""CLI commands for providers and their API keys: create-provider, issue-key, list-keys and
revoke-key, each printing JSON. A key's plaintext is printed once, by issue-key, and never kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from services.catalogue import providers
from services.catalogue.cli import catalogue
from services.catalogue.models import Provider, ProviderKey

provider_id_option = click.option(
    "--provider-id", type=int, required=True, help="The provider's id (create-provider prints it)."
)


@catalogue.command("create-provider")
@click.option("--key", "slug", required=True, help='Short unique name, like "prestons-college".')
@click.option("--name", required=True, help="The provider's name as learners know it.")
@click.option("--kind", type=click.Choice(providers.PROVIDER_KINDS), required=True)
@click.option("--ukprn", default=None, help="UK Provider Reference Number (8 digits).")
@click.option("--contact-email", default=None)
@click.option("--website", default=None)
@click.option(
    "--campus",
    "campus_specs",
    multiple=True,
    help='"NAME|POSTCODE" or "NAME|POSTCODE|LATITUDE|LONGITUDE" (repeat for each campus); '
    "without coordinates the postcode district's centroid is used.",
)
def create_provider(slug: str, campus_specs: tuple[str, ...], **details: Any) -> None:
    """Register a provider with its campuses and print it as JSON."""
    if not providers.PROVIDER_SLUG.fullmatch(slug):
        raise click.BadParameter("2-64 of a-z, 0-9 and -", param_hint="--key")
    if details["ukprn"] is not None and not providers.UKPRN.fullmatch(details["ukprn"]):
        raise click.BadParameter("8 digits", param_hint="--ukprn")
    campuses = [_campus(spec) for spec in campus_specs]
    provider = _in_catalogue(
        lambda session, _secret: providers.create_provider(
            session, slug, campuses=campuses, **details
        )
    )
    _print(provider_summary(provider))


@catalogue.command("issue-key")
@provider_id_option
@click.option(
    "--label",
    default="",
    help='What the key is for, like "MIS nightly sync" (up to 100 characters).',
    callback=lambda _ctx, _param, value: _short(value, 100, "--label"),
)
def issue_key(provider_id: int, label: str) -> None:
    """Issue a new API key; print it once, as JSON (other keys of the provider keep working)."""
    key, plaintext = _in_catalogue(
        lambda session, secret: providers.issue_key(session, provider_id, label, secret)
    )
    _print({**key_summary(key), "key": plaintext, "warning": providers.SHOWN_ONCE})


@catalogue.command("list-keys")
@provider_id_option
def list_keys(provider_id: int) -> None:
    """Print the provider's keys as JSON: prefixes and dates, never the keys themselves."""
    keys = _in_catalogue(lambda session, _secret: providers.list_keys(session, provider_id))
    _print([key_summary(key) for key in keys])


@catalogue.command("revoke-key")
@provider_id_option
@click.option("--key-id", type=int, required=True, help="The key's id (list-keys prints it).")
def revoke_key(provider_id: int, key_id: int) -> None:
    """Revoke one key at once (requests with it get 401) and print it as JSON."""
    key = _in_catalogue(lambda session, _secret: providers.revoke_key(session, provider_id, key_id))
    _print(key_summary(key))


def provider_summary(provider: Provider) -> dict[str, Any]:
    return {
        "id": provider.id,
        "key": provider.key,
        "name": provider.name,
        "kind": provider.kind,
        "ukprn": provider.ukprn,
        "contact_email": provider.contact_email,
        "website": provider.website,
        "campuses": [
            {"name": c.name, "postcode": c.postcode, "latitude": c.latitude,
             "longitude": c.longitude}
            for c in provider.campuses
        ],
    }  # fmt: skip


def key_summary(key: ProviderKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "provider_id": key.provider_id,
        "prefix": key.prefix,
        "label": key.label,
        "active": key.revoked_at is None,
        "created_at": _iso(key.created_at),
        "last_used_at": _iso(key.last_used_at),
        "revoked_at": _iso(key.revoked_at),
    }


def _short(value: str, limit: int, hint: str) -> str:
    if len(value) > limit:
        raise click.BadParameter(f"at most {limit} characters", param_hint=hint)
    return value


def _campus(spec: str) -> providers.CampusDetails:
    parts = [part.strip() for part in spec.split("|")]
    try:
        if len(parts) == 2:
            return providers.CampusDetails(parts[0], parts[1])
        if len(parts) == 4:
            return providers.CampusDetails(parts[0], parts[1], float(parts[2]), float(parts[3]))
    except ValueError:
        pass
    raise click.BadParameter(f"{spec!r}: expected NAME|POSTCODE[|LAT|LON]", param_hint="--campus")


def _in_catalogue(run: Callable[[Any, str], Any]) -> Any:
    """Run `run(session, key secret)` in one catalogue transaction; domain errors exit 1."""
    from services import load

    return load("catalogue").in_transaction(
        lambda session, settings: run(session, settings.key_secret), providers.ProviderError
    )


def _print(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
