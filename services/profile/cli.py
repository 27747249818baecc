"""`routeways profile ...`: adviser administration and the taxonomy cache (each command prints
JSON)."""

from __future__ import annotations

import click

profile = click.Group("profile", help="Profile administration: advisers, caseloads, taxonomy.")


def register(main: click.Group) -> None:
    main.add_command(profile)


# The commands live beside the domain they drive; importing them adds them to the group.
from services.profile import adviser_commands, taxonomy_commands  # noqa: E402, F401
