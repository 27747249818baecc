"""CLI commands for providers and their API keys (create-provider, issue-key, revoke-key)."""

from services.catalogue.cli import catalogue  # noqa: F401
