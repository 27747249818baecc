"""CLI commands that import the taxonomy, postcodes and official course sources."""

from services.catalogue.cli import catalogue  # noqa: F401
