"""The notifier's delivery rules without a socket: how SMTP failures are sorted, how long to
wait, who may be mailed, which period is due in UK time, and the SMTP settings' checks."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime

import pytest

from services.notifier.delivery import Backoff, SmtpConfig, SmtpTransport, classify
from services.notifier.delivery_records import address_hash
from services.notifier.digests import Contact
from services.notifier.sending import Outcome, due_period, wanted
from services.notifier.settings import NotifierSettings
from shared.settings import SettingsError


@pytest.mark.parametrize(
    ("error", "transient", "bounce", "reconnect", "code"),
    [
        (
            smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no such user")}),
            False,
            True,
            False,
            550,
        ),
        (
            smtplib.SMTPRecipientsRefused({"a@x.org": (553, b"bad mailbox")}),
            False,
            True,
            False,
            553,
        ),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"busy")}), True, False, False, 450),
        (smtplib.SMTPRecipientsRefused({"a@x.org": (421, b"closing")}), True, False, True, 421),
        (smtplib.SMTPDataError(554, b"refused"), False, True, False, 554),
        (smtplib.SMTPDataError(451, b"local error"), True, False, False, 451),
        (smtplib.SMTPSenderRefused(550, b"not our sender", "s@x.org"), False, False, False, 550),
        (smtplib.SMTPSenderRefused(451, b"later", "s@x.org"), True, False, False, 451),
        (smtplib.SMTPAuthenticationError(535, b"bad credentials"), False, False, True, 535),
        (smtplib.SMTPConnectError(421, b"too many connections"), True, False, True, 421),
        (smtplib.SMTPConnectError(554, b"go away"), False, False, True, 554),
        (smtplib.SMTPServerDisconnected("gone"), True, False, True, None),
        (smtplib.SMTPNotSupportedError("no STARTTLS"), False, False, True, None),
        (TimeoutError("timed out"), True, False, True, None),
        (ConnectionRefusedError(111, "refused"), True, False, True, None),
        (ssl.SSLCertVerificationError("bad certificate"), False, False, True, None),
    ],
    ids=lambda v: v if isinstance(v, int | bool | type(None)) else type(v).__name__,
)
def test_failures_are_sorted_into_transient_bounce_or_failure(
    error, transient, bounce, reconnect, code
):
    failure = classify(error)
    assert (failure.transient, failure.bounce, failure.reconnect, failure.code) == (
        transient,
        bounce,
        reconnect,
        code,
    )


def test_anything_else_is_not_an_smtp_failure():
    with pytest.raises(TypeError):
        classify(ValueError("a bug"))


def test_backoff_doubles_from_the_base_up_to_the_cap():
    backoff = Backoff(attempts=6, base_seconds=0.5, max_seconds=3.0)
    assert [backoff.wait_before(n) for n in range(2, 7)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def contact(**fields) -> Contact:
    values = {"learner_id": 1, "email": "ada@example.org", "name": "Ada",
              "suggestion_emails": True, "frequency": "weekly", **fields}  # fmt: skip
    return Contact(**values)


@pytest.mark.parametrize(
    ("who", "kind", "reason"),
    [
        (None, "weekly", "unknown-learner"),
        (contact(suggestion_emails=False), "weekly", "no-consent"),
        (contact(email=""), "weekly", "no-consent"),
        (contact(), "weekly", None),
        (contact(), "monthly", "other-frequency"),
        (contact(), "alert", "other-frequency"),
        (contact(frequency="monthly"), "monthly", None),
        (contact(frequency="instant"), "alert", None),
        (contact(frequency="instant"), "weekly", "other-frequency"),
        (contact(frequency="instant", suggestion_emails=False), "alert", "no-consent"),
    ],
)
def test_who_may_be_mailed(who, kind, reason):
    assert wanted(who, kind) == reason


@pytest.mark.parametrize(
    ("moment", "kind", "period"),
    [
        (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), "weekly", "2026-W49"),  # GMT: UK = UTC
        # Sunday 23:30 UTC is already Monday 00:30 in British Summer Time
        (datetime(2026, 6, 28, 23, 30, tzinfo=UTC), "weekly", "2026-W27"),
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "monthly", "2026-07"),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "monthly", "2026-12"),
        (datetime(2027, 1, 4, 7, 0, tzinfo=UTC), "weekly", "2027-W01"),
    ],
)
def test_the_period_due_is_the_uk_one(moment, kind, period):
    assert due_period(kind, moment) == period


def test_bounced_addresses_are_kept_as_a_hash_of_the_normalised_address():
    assert address_hash(" Ada@Example.ORG ") == address_hash("ada@example.org")
    assert len(address_hash("ada@example.org")) == 64
    assert "ada" not in address_hash("ada@example.org")


def test_outcomes_that_wait_for_a_later_run():
    waiting = {s for s in ("sent", "failed", "retry", "in-progress", "no-consent", "given-up")
               if Outcome(1, s).try_later}  # fmt: skip
    assert waiting == {"failed", "retry", "in-progress"}


def test_an_unknown_smtp_security_mode_is_refused_naming_the_variable():
    settings = NotifierSettings.from_env({"ROUTEWAYS_SMTP_SECURITY": "ssl"})
    with pytest.raises(ValueError, match="ROUTEWAYS_SMTP_SECURITY"):
        SmtpConfig.from_settings(settings)
    with pytest.raises(ValueError, match="security"):
        SmtpTransport(SmtpConfig(security="ssl"))


def test_production_refuses_a_password_in_clear():
    production = {"ROUTEWAYS_ENV": "production", "ROUTEWAYS_SECRET_KEY": "k" * 40,
                  "ROUTEWAYS_SMTP_PASSWORD": "secret"}  # fmt: skip
    with pytest.raises(SettingsError, match="ROUTEWAYS_SMTP_PASSWORD"):
        NotifierSettings.from_env(production)
    settings = NotifierSettings.from_env({**production, "ROUTEWAYS_SMTP_SECURITY": "starttls"})
    assert SmtpConfig.from_settings(settings).security == "starttls"


def test_batches_claims_and_tries_are_at_least_one():
    with pytest.raises(SettingsError, match="at least 1"):
        NotifierSettings.from_env({"ROUTEWAYS_NOTIFIER_DIGEST_BATCH_SIZE": "0"})
