"""`routeways recommender ...`: offline evaluation and tuning of the ranking models."""

from __future__ import annotations

import click

recommender = click.Group("recommender", help="Recommender models: evaluate and tune.")


def register(main: click.Group) -> None:
    main.add_command(recommender)


# The commands live beside the domain they drive; importing them adds them to the group.
from services.recommender import course_commands, evaluation_commands, model_commands  # noqa: E402, F401
