"""Alembic environment for the profile database (run through `routeways migrate profile`)."""

from alembic import context

from services.profile.models import Base
from shared.migrate import run_env

run_env(context, Base.metadata)
