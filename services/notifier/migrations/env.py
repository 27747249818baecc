"""Alembic environment for the notifier database (run through `routeways migrate notifier`)."""

from alembic import context

from services.notifier.models import Base
from shared.migrate import run_env

run_env(context, Base.metadata)
