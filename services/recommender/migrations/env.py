"""Alembic environment for the recommender database (`routeways migrate recommender`)."""

from alembic import context

from services.recommender.models import Base
from shared.migrate import run_env

run_env(context, Base.metadata)
