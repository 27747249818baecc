"""Alembic environment for the catalogue database (run through `routeways migrate catalogue`)."""

from alembic import context

from services.catalogue.models import Base
from shared.migrate import run_env

run_env(context, Base.metadata)
