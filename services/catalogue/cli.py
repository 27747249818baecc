"""`routeways catalogue ...`: provider, key and import administration (each command prints JSON)."""

from __future__ import annotations

import click

catalogue = click.Group("catalogue", help="Catalogue administration: providers, keys, imports.")


def register(main: click.Group) -> None:
    main.add_command(catalogue)


# The commands live beside the domain they drive; importing them adds them to the group.
from services.catalogue import key_commands, import_commands  # noqa: E402, F401, I001
