"""Profile settings: its own database and port, the admin token, the minimum age, the
advisers' sign-in policy (lock-out, idle timeout), and the services the console asks."""

from dataclasses import dataclass

from shared.settings import (
    MIN_ADMIN_TOKEN_LENGTH,
    NOTIFIER_CONTACT_PURPOSE,
    ServiceSettings,
    SettingsError,
    setting,
)


@dataclass(frozen=True)
class ProfileSettings(ServiceSettings):
    service = "profile"

    database_url: str = setting(
        "ROUTEWAYS_PROFILE_DATABASE_URL", "sqlite:///var/profile.sqlite3", "Profile database"
    )
    port: int = setting("ROUTEWAYS_PROFILE_PORT", 8001, "Profile HTTP port")
    admin_token: str = setting(
        "ROUTEWAYS_PROFILE_ADMIN_TOKEN",
        "",
        "Bearer token for subject access, erasure and adviser admin; empty turns them off",
    )
    minimum_age: int = setting(
        "ROUTEWAYS_PROFILE_MINIMUM_AGE", 16, "Youngest age (years) a learner may register at"
    )
    login_max_failures: int = setting(
        "ROUTEWAYS_PROFILE_LOGIN_MAX_FAILURES",
        5,
        "Failed adviser sign-ins in a row before the account is locked",
    )
    login_lockout_minutes: int = setting(
        "ROUTEWAYS_PROFILE_LOGIN_LOCKOUT_MINUTES",
        15,
        "How long a locked adviser account stays locked",
    )
    login_rate_limit: str = setting(
        "ROUTEWAYS_PROFILE_LOGIN_RATE_LIMIT",
        "20/minute",
        "Sign-in attempts one client address may make (Flask-Limiter syntax)",
    )
    session_idle_minutes: int = setting(
        "ROUTEWAYS_PROFILE_SESSION_IDLE_MINUTES",
        30,
        "An adviser's console session ends after this idle time",
    )
    session_cookie_secure: bool = setting(
        "ROUTEWAYS_PROFILE_SESSION_COOKIE_SECURE",
        False,
        "Mark the console's session cookie Secure (HTTPS only) outside production too; "
        "production always does, local `make run` over plain http must not",
    )
    recommender_url: str = setting(
        "ROUTEWAYS_RECOMMENDER_URL",
        "http://127.0.0.1:8003",
        "Base URL other services ask the recommender at (a learner's suggestions and routes)",
    )
    notifier_url: str = setting(
        "ROUTEWAYS_NOTIFIER_URL",
        "http://127.0.0.1:8004",
        "Base URL the profile service asks the notifier at (an adviser's shortlist email)",
    )
    notifier_contact_token: str = setting(
        "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN",
        "",
        "Bearer token the notifier sends to read a learner's contact at send time "
        "(GET /learners/<id>/contact on the profile service); empty: outside production, "
        "one derived from ROUTEWAYS_SECRET_KEY (the notifier derives the same); in production, "
        "the admin token only",
    )

    @property
    def contact_token(self) -> str:
        """The token the notifier reads contacts with: the configured one, else (outside
        production) the one both services derive from the shared secret key."""
        return self.notifier_contact_token or self.development_secret(NOTIFIER_CONTACT_PURPOSE)

    def check(self) -> None:
        """Also refuse, in production, a guessable notifier contact token."""
        super().check()
        token = self.notifier_contact_token
        if self.environment == "production" and token and len(token) < MIN_ADMIN_TOKEN_LENGTH:
            raise SettingsError(
                f"ROUTEWAYS_NOTIFIER_CONTACT_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} "
                "characters in production (or empty, which leaves contacts to the admin token)"
            )
