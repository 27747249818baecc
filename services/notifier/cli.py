"""`routeways notifier ...`: send the digests due now without waiting for beat's Monday run, so
someone trying `make run` (or an operator after an outage) sees them in the mail sink; and run
the SMTP inbox of the mailto: unsubscribe address."""

from __future__ import annotations

import json
import sys
from collections import Counter

import click

from services.notifier import sending
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.shutdown import stop_on_signals

notifier = click.Group(
    "notifier", help="Notifier: send digests now; receive unsubscribe requests by mail."
)


def register(main: click.Group) -> None:
    main.add_command(notifier)


@notifier.command("send-digests")
@click.option(
    "--kind",
    type=click.Choice(["weekly", "monthly"]),
    default="weekly",
    show_default=True,
    help="Which learners: those who chose this frequency",
)
@click.option(
    "--learner",
    "learner_ids",
    type=int,
    multiple=True,
    help="Only these learners (repeat the option); default: every learner who chose --kind",
)
def send_digests(kind: str, learner_ids: tuple[int, ...]) -> None:
    """Send the digests of the period due now (UK time), as beat's run would; a digest already
    sent for this period is not sent again. Prints the count of each outcome as JSON."""
    settings = NotifierSettings.from_env()
    period = sending.due_period(kind)
    wanted = list(learner_ids)
    if not wanted:
        with Database(settings.database_url) as database, database.read_scope() as session:
            wanted = sending.recipients_due(session, kind)
    outcomes: Counter[str] = Counter()
    size = settings.digest_batch_size
    with click.progressbar(length=len(wanted), label=f"{kind} {period}", file=sys.stderr) as bar:
        for start in range(0, len(wanted), size):
            batch = wanted[start : start + size]
            outcomes.update(
                o.status for o in sending.send_with_settings(settings, batch, kind, period)
            )
            bar.update(len(batch))
    click.echo(json.dumps({"kind": kind, "period": period, "outcomes": dict(outcomes)}))


@notifier.command("unsubscribe-inbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on")
@click.option("--port", type=int, default=2525, show_default=True, help="SMTP port to listen on")
def unsubscribe_inbox(host: str, port: int) -> None:
    """Receive the mailto: unsubscribe requests of List-Unsubscribe over SMTP and act on them
    (route ROUTEWAYS_NOTIFIER_UNSUBSCRIBE_MAILTO's mail here). Runs until stopped."""
    from aiosmtpd.controller import Controller

    from services.notifier.unsubscribe_inbox import (
        MAX_MESSAGE_BYTES,
        ProfileUnsubscriber,
        UnsubscribeInbox,
    )

    settings = NotifierSettings.from_env()
    handler = UnsubscribeInbox(
        settings.unsubscribe_mailto, settings.secret_key, ProfileUnsubscriber(settings.profile_url)
    )
    controller = Controller(handler, hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES)
    controller.start()
    click.echo(f"unsubscribe inbox for {settings.unsubscribe_mailto} on {host}:{port}")
    stop = stop_on_signals()
    stop.wait()
    controller.stop()
