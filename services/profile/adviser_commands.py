"""CLI commands for advisers and their caseloads: create-adviser, password-link, assign,
unassign and list-advisers, each printing JSON. An adviser never gets a default password:
create-adviser (and password-link, for a forgotten one) prints a one-time set-password token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click
from sqlalchemy.orm import Session

from services.profile import advisers
from services.profile.cli import profile
from services.profile.learners import ProfileError
from services.profile.models import Adviser
from shared.links import PURPOSES

LINK_DAYS = PURPOSES[advisers.PASSWORD_PURPOSE].days
HOW_TO_SET = (
    "Give this token to the adviser, once: they POST {token, password} to /advisers/password "
    f"on the profile service within {LINK_DAYS} days; it works once."
)
adviser_email_option = click.option(
    "--adviser-email", required=True, help="The adviser's email (list-advisers prints them)."
)


@profile.command("create-adviser")
@click.option("--name", required=True, help="The adviser's name, as learners know them.")
@click.option("--email", required=True, help="The adviser's work email: it is their sign-in.")
@click.option("--organisation", required=True, help='Like "National Careers Service".')
def create_adviser(name: str, email: str, organisation: str) -> None:
    """Create an adviser and print, as JSON, a one-time set-password token (no password)."""
    for value, hint in ((name, "--name"), (organisation, "--organisation")):
        if not value.strip() or len(value) > 200:
            raise click.BadParameter("1-200 characters", param_hint=hint)
    if "@" not in email or len(email) > 320:
        raise click.BadParameter("an email address", param_hint="--email")
    adviser, token = _in_profile(
        lambda session, secret: advisers.create_adviser(session, name, email, organisation, secret)
    )
    _print({**adviser_summary(adviser), "password_token": token, "expires_in_days": LINK_DAYS,
            "how": HOW_TO_SET})  # fmt: skip


@profile.command("password-link")
@adviser_email_option
def password_link(adviser_email: str) -> None:
    """Print a new one-time set-password token for an adviser (a forgotten password)."""

    def link(session: Session, secret: str) -> tuple[Adviser, str]:
        adviser = _adviser_by_email(session, adviser_email)
        return adviser, advisers.password_link(adviser, secret)

    adviser, token = _in_profile(link)
    _print({**adviser_summary(adviser), "password_token": token, "expires_in_days": LINK_DAYS,
            "how": HOW_TO_SET})  # fmt: skip


@profile.command("assign")
@adviser_email_option
@click.option("--learner-id", type=int, required=True, help="The learner's id.")
def assign(adviser_email: str, learner_id: int) -> None:
    """Put a learner in an adviser's caseload and print the entry as JSON."""

    def put(session: Session, _secret: str) -> dict[str, Any]:
        adviser = _adviser_by_email(session, adviser_email)
        entry, created = advisers.assign(session, adviser.id, learner_id)
        return {"adviser_id": adviser.id, "adviser_email": adviser.email,
                "learner_id": learner_id, "assigned_at": _iso(entry.assigned_at),
                "newly_assigned": created}  # fmt: skip

    _print(_in_profile(put))


@profile.command("unassign")
@adviser_email_option
@click.option("--learner-id", type=int, required=True, help="The learner's id.")
def unassign(adviser_email: str, learner_id: int) -> None:
    """Take a learner out of an adviser's caseload."""

    def take(session: Session, _secret: str) -> dict[str, Any]:
        adviser = _adviser_by_email(session, adviser_email)
        advisers.unassign(session, adviser.id, learner_id)
        return {"adviser_id": adviser.id, "learner_id": learner_id, "unassigned": True}

    _print(_in_profile(take))


@profile.command("list-advisers")
def list_advisers() -> None:
    """Print every adviser as JSON, with the size of their caseload."""
    rows = _in_profile(lambda session, _secret: advisers.list_advisers(session))
    _print([{**adviser_summary(adviser), "caseload_size": size} for adviser, size in rows])


def adviser_summary(adviser: Adviser) -> dict[str, Any]:
    return {
        "id": adviser.id,
        "name": adviser.name,
        "email": adviser.email,
        "organisation": adviser.organisation,
        "active": adviser.active,
        "has_password": adviser.password_hash is not None,
        "locked_until": _iso(adviser.locked_until),
        "last_login_at": _iso(adviser.last_login_at),
        "created_at": _iso(adviser.created_at),
    }


def _adviser_by_email(session: Session, email: str) -> Adviser:
    adviser = advisers.find_adviser(session, email)
    if adviser is None:
        raise advisers.AdviserNotFound("adviser_email", f"no adviser with email {email}")
    return adviser


def _in_profile(run: Callable[[Session, str], Any]) -> Any:
    """Run `run(session, secret key)` in one profile transaction; domain errors exit 1."""
    from services import load

    return load("profile").in_transaction(
        lambda session, settings: run(session, settings.secret_key), ProfileError
    )


def _print(data: object) -> None:
    click.echo(json.dumps(data, indent=2))


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None
