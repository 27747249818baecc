"""Catalogue settings: its own database and port, the provider API keys' secret, the admin token
and the per-key rate limit."""

from dataclasses import dataclass

from shared.settings import ServiceSettings, SettingsError, setting

DEV_KEY_SECRET = "dev-only-key-secret"  # noqa: S105 - the development default production refuses


@dataclass(frozen=True)
class CatalogueSettings(ServiceSettings):
    service = "catalogue"

    database_url: str = setting(
        "ROUTEWAYS_CATALOGUE_DATABASE_URL", "sqlite:///var/catalogue.sqlite3", "Catalogue database"
    )
    port: int = setting("ROUTEWAYS_CATALOGUE_PORT", 8002, "Catalogue HTTP port")
    key_secret: str = setting(
        "ROUTEWAYS_CATALOGUE_KEY_SECRET",
        DEV_KEY_SECRET,
        "Server secret provider API keys are hashed with (HMAC-SHA256); changing it voids all keys",
    )
    admin_token: str = setting(
        "ROUTEWAYS_CATALOGUE_ADMIN_TOKEN",
        "",
        "Bearer token of the admin endpoints (providers, keys); empty turns them off (404)",
    )
    rate_limit: str = setting(
        "ROUTEWAYS_CATALOGUE_RATE_LIMIT",
        "600/minute",
        "Requests one provider API key may make, over all its endpoints (Flask-Limiter syntax)",
    )

    def check(self) -> None:
        """Also refuse, in production, the development key secret."""
        super().check()
        if self.environment != "production":
            return
        if self.key_secret == DEV_KEY_SECRET:
            raise SettingsError("ROUTEWAYS_CATALOGUE_KEY_SECRET must be set in production")
