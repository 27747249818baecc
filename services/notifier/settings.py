"""Notifier settings: its own database and port, and how it delivers mail."""

from dataclasses import dataclass

from shared.settings import NOTIFIER_CONTACT_PURPOSE, ServiceSettings, SettingsError, setting


@dataclass(frozen=True)
class NotifierSettings(ServiceSettings):
    service = "notifier"

    database_url: str = setting(
        "ROUTEWAYS_NOTIFIER_DATABASE_URL", "sqlite:///var/notifier.sqlite3", "Notifier database"
    )
    port: int = setting("ROUTEWAYS_NOTIFIER_PORT", 8004, "Notifier HTTP port")

    # --- delivery (SMTP host and port are the shared ROUTEWAYS_SMTP_HOST / ROUTEWAYS_SMTP_PORT,
    # which default to the local sink `make run` starts on 127.0.0.1:1025) ---
    admin_token: str = setting(
        "ROUTEWAYS_NOTIFIER_ADMIN_TOKEN",
        "",
        "Bearer token for the notifier's admin endpoints (delivery log); empty turns them off",
    )
    smtp_security: str = setting(
        "ROUTEWAYS_SMTP_SECURITY",
        "none",
        "none (the local sink), starttls (port 587) or tls (implicit TLS, port 465)",
    )
    smtp_username: str = setting(
        "ROUTEWAYS_SMTP_USERNAME", "", "SMTP AUTH user name; empty sends without logging in"
    )
    smtp_password: str = setting("ROUTEWAYS_SMTP_PASSWORD", "", "SMTP AUTH password")
    smtp_timeout_seconds: float = setting(
        "ROUTEWAYS_SMTP_TIMEOUT_SECONDS", 30.0, "Socket timeout of each SMTP connection and reply"
    )
    smtp_max_attempts: int = setting(
        "ROUTEWAYS_SMTP_MAX_ATTEMPTS",
        4,
        "Tries of one message after transient failures (4xx, timeouts, lost connections)",
    )
    smtp_retry_base_seconds: float = setting(
        "ROUTEWAYS_SMTP_RETRY_BASE_SECONDS",
        1.0,
        "Wait before the second try of a message; doubles at each further try",
    )
    smtp_retry_max_seconds: float = setting(
        "ROUTEWAYS_SMTP_RETRY_MAX_SECONDS", 30.0, "Longest wait between two tries of a message"
    )
    configured_contact_token: str = setting(
        "ROUTEWAYS_NOTIFIER_CONTACT_TOKEN",
        "",
        "Bearer token the notifier sends to read a learner's contact at send time "
        "(GET /learners/<id>/contact on the profile service); empty: outside production, one "
        "derived from ROUTEWAYS_SECRET_KEY (the profile service derives the same)",
    )
    delivery_lease_seconds: int = setting(
        "ROUTEWAYS_NOTIFIER_DELIVERY_LEASE_SECONDS",
        600,
        "A claimed digest not recorded as sent after this long (its worker died) may be sent "
        "again; must exceed the longest send with its retries",
    )
    delivery_max_claims: int = setting(
        "ROUTEWAYS_NOTIFIER_DELIVERY_MAX_CLAIMS",
        5,
        "Claims of one digest (first send, then retries after failures) before it is given up",
    )
    digest_batch_size: int = setting(
        "ROUTEWAYS_NOTIFIER_DIGEST_BATCH_SIZE",
        100,
        "Digests one task sends over one SMTP connection (the scheduled fan-out's batch size)",
    )
    mail_sender: str = setting(
        "ROUTEWAYS_NOTIFIER_SENDER",
        "Routeways <suggestions@routeways.local>",
        "From address of learners' emails (also the envelope sender, where bounces go, and "
        "the domain of Message-IDs)",
    )

    # --- content and the learner-facing pages ---
    public_url: str = setting(
        "ROUTEWAYS_NOTIFIER_PUBLIC_URL",
        "http://127.0.0.1:8004",
        "Base URL learners reach the notifier's pages at (links in emails: feedback, "
        "preferences, one-click unsubscribe); HTTPS in production",
    )
    recommender_url: str = setting(
        "ROUTEWAYS_RECOMMENDER_URL",
        "http://127.0.0.1:8003",
        "Base URL other services ask the recommender at (a learner's suggestions and routes)",
    )
    unsubscribe_mailto: str = setting(
        "ROUTEWAYS_NOTIFIER_UNSUBSCRIBE_MAILTO",
        "unsubscribe@routeways.local",
        "Address of the mailto: form of List-Unsubscribe (the subject carries the token)",
    )
    console_learner_url: str = setting(
        "ROUTEWAYS_NOTIFIER_CONSOLE_LEARNER_URL",
        "http://127.0.0.1:8001/console/learners/{learner_id}",
        "A learner's page in the adviser console, with {learner_id} in it (the links in "
        "advisers' weekly summaries)",
    )
    course_page_url: str = setting(
        "ROUTEWAYS_NOTIFIER_COURSE_PAGE_URL",
        "",
        "A public course page, with {course_id} in it, for the course links in emails; "
        "empty: the provider's website",
    )

    @property
    def contact_token(self) -> str:
        """The token sent to read contacts: the configured one, else (outside production) the
        one both services derive from the shared secret key."""
        return self.configured_contact_token or self.development_secret(NOTIFIER_CONTACT_PURPOSE)

    def check(self) -> None:
        """Also refuse SMTP credentials sent in clear in production (an unknown
        ROUTEWAYS_SMTP_SECURITY is refused when the notifier first connects)."""
        super().check()
        if self.environment == "production" and self.smtp_password and self.smtp_security == "none":
            raise SettingsError(
                "ROUTEWAYS_SMTP_PASSWORD would cross the network in clear: set "
                "ROUTEWAYS_SMTP_SECURITY to starttls or tls in production"
            )
        if self.smtp_max_attempts < 1 or self.delivery_max_claims < 1 or self.digest_batch_size < 1:
            raise SettingsError(
                "ROUTEWAYS_SMTP_MAX_ATTEMPTS, ROUTEWAYS_NOTIFIER_DELIVERY_MAX_CLAIMS and "
                "ROUTEWAYS_NOTIFIER_DIGEST_BATCH_SIZE must be at least 1"
            )
