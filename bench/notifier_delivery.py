"""Digests rendered and delivered per second, next to a bare smtplib loop sending the same
messages over one reused connection, in the same run.

- **ours**: the notifier's real sending code (`sending.send_batch`): per learner the checks and
  the claim in the notifier's database (SQLite by default, committed before the send), the
  content side's `digests.compose`, signed links and `messages.build_message` (Jinja templates,
  `EmailMessage`), SMTP through `delivery.SmtpTransport`, and "sent" committed right after the
  server's reply; in batches of `--batch` learners, one SMTP connection per batch, as the
  `notifier.send_digests` task does.
- **ours, as the worker runs it**: the same `send_batch` in `--processes` processes forked
  from this one (default 2, the `routeways worker` concurrency), each taking the next batch of
  `--batch` learners from a queue over its own SMTP connection and database connection, as
  Celery's prefork pool runs the `notifier.send_digests` batches that `send_due_digests` fans
  out. The pool is started and warmed before the timing (a running worker's is).
- **bare**: `smtplib.SMTP.send_message` of the very messages ours builds, over one connection
  (built by the same composer before its timing, for the period ours sends next; declared
  BODY=8BITMIME when a part is 8bit, as a correct sender must).

The three alternate in rounds (bare, ours, ours as the worker runs it, bare, ...: `--rounds` of
each, every learner in each), so that a change of load on the machine falls on all; each round
records its 1-minute load average before and after, the CPU seconds of the sender (this process,
or the pool's processes), the SMTP server's, and the rest of the machine's (from /proc/stat),
and the ratios are over all rounds. One process is the per-process cost of our sending; the
pool is the throughput a deployment gets from one worker on this machine (bare is one loop on
one connection in both ratios: the issue's baseline).

What is not timed (and said so in the JSON): the HTTP answers a send needs from the other
services. The profile's contacts and the recommender's and catalogue's answers are fetched
once, before the timing, through the notifier's own clients (`contacts.ContactBook`,
`digest_sources.DigestSources`) from a small in-process stand-in of those three services, and
handed to the timed run as they came back.

The SMTP server is aiosmtpd in its own process (it accepts and discards, counting messages),
so it does not share the interpreter with the sender.

    .venv/bin/python bench/notifier_delivery.py [--learners 10000 --batch 100 --rounds 2
                                                 --processes 2]

Writes bench/results/notifier_delivery.json. Figures depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import multiprocessing
import os
import platform
import re
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from werkzeug.serving import make_server

from services import load
from services.notifier import digests
from services.notifier.contacts import ContactBook
from services.notifier.delivery import Backoff, SmtpConfig, SmtpTransport, has_8bit_body
from services.notifier.digest_sources import DigestInputs, DigestSources
from services.notifier.digests import Contact
from services.notifier.sending import (
    Composed,
    Composer,
    DigestComposer,
    SendRules,
    send_batch,
)
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.migrate import upgrade

RESULTS = Path(__file__).parent / "results"
N_COURSES = 400
SERVER = r"""
import signal, sys
from aiosmtpd.controller import Controller

# SIGTERM blocked before the server's thread starts (it inherits the mask) and then waited for:
# no Python handler runs, so none can deadlock on a lock the main thread holds
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

class Count:
    received = 0
    async def handle_DATA(self, server, session, envelope):
        Count.received += 1
        return "250 Message accepted for delivery"

controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
signal.sigwait({signal.SIGTERM})
controller.stop()
print(Count.received, flush=True)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the other services' answers, served once before the timing ------------------------------


def course_body(course_id: int) -> dict:
    return {
        "id": course_id,
        "title": f"Course {course_id}: Health and Social Care Level 3",
        "status": "published",
        "delivery_mode": "classroom" if course_id % 3 else "online",
        "campus": {"name": "Preston campus", "postcode": "PR1 2HE"},
        "start_dates": ["2099-09-01", "2100-01-10"],
        "provider_id": 1 + course_id % 20,
    }


def other_services_app(environ, start_response):  # noqa: ANN001, ANN201 - WSGI
    """A stand-in for the profile, recommender and catalogue services (not what is measured)."""
    path = environ["PATH_INFO"]
    body: dict | None = None
    if found := re.fullmatch(r"/learners/(\d+)/contact", path):
        learner_id = int(found[1])
        body = {"learner_id": learner_id, "email": f"learner{learner_id}@example.org",
                "name": f"Learner {learner_id}", "suggestion_emails": True,
                "frequency": "weekly"}  # fmt: skip
    elif found := re.fullmatch(r"/learners/(\d+)/recommendations", path):
        learner_id = int(found[1])
        body = {"items": [
            {"course_id": 1 + (learner_id * 7 + k * 13) % N_COURSES,
             "reason": "builds on your care skills and leads to your goal",
             "distance_km": 3.5 + k, "cost_to_learner_pence": 45000 * (k % 2)}
            for k in range(5)
        ]}  # fmt: skip
    elif re.fullmatch(r"/learners/(\d+)/routes", path):
        body = None  # no target occupation: 404, as the recommender answers
    elif found := re.fullmatch(r"/courses/(\d+)", path):
        body = course_body(int(found[1]))
    elif found := re.fullmatch(r"/providers/(\d+)", path):
        body = {"id": int(found[1]), "name": f"Provider {found[1]} College",
                "website": "https://example.ac.uk"}  # fmt: skip
    status = "200 OK" if body is not None else "404 Not Found"
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body or {"status": 404}).encode()]


class Prefetched:
    """Answers fetched before the timing through the notifier's own clients, handed back as
    `Contacts` and as `DigestSources.gather` would."""

    def __init__(self, contacts: dict[int, Contact], inputs: dict[int, DigestInputs]) -> None:
        self.contacts, self.inputs = contacts, inputs

    def contact(self, learner_id: int) -> Contact | None:
        return self.contacts.get(learner_id)

    def gather(self, learner_id: int) -> DigestInputs:
        return self.inputs[learner_id]

    def close(self) -> None:
        pass


def prefetch(base_url: str, learner_ids: list[int], threads: int = 8) -> Prefetched:
    """Every learner's contact and digest inputs, through the notifier's own clients (a pair
    per thread: a `requests` session is not shared between threads)."""
    settings = NotifierSettings.from_env(
        {}, {"recommender_url": base_url, "catalogue_url": base_url}
    )

    def fetch(chunk: list[int]) -> tuple[dict[int, Contact], dict[int, DigestInputs]]:
        book, sources = ContactBook(base_url, "bench-token"), DigestSources.from_settings(settings)
        try:
            return (
                {i: book.contact(i) for i in chunk},
                {i: sources.gather(i) for i in chunk},
            )
        finally:
            book.close()
            sources.close()

    contacts: dict[int, Contact] = {}
    inputs: dict[int, DigestInputs] = {}
    chunks = [learner_ids[n::threads] for n in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        for found_contacts, found_inputs in pool.map(fetch, chunks):
            contacts.update(found_contacts)
            inputs.update(found_inputs)
    return Prefetched(contacts, inputs)


# --- the loops ---------------------------------------------------------------------------------


def ours(
    database: Database,
    port: int,
    learner_ids: list[int],
    period: str,
    answers: Prefetched,
    composer: Composer,
    batch: int,
) -> tuple[float, dict[str, int], int]:
    """Seconds to send every learner's digest as the `notifier.send_digests` task does, the
    outcomes by status, and the SMTP connections opened."""
    statuses: dict[str, int] = {}
    connections = 0
    started = time.perf_counter()
    for start in range(0, len(learner_ids), batch):
        with SmtpTransport(SmtpConfig(port=port), Backoff(attempts=3)) as transport:
            outcomes = send_batch(
                database, learner_ids[start : start + batch], "weekly", period,
                contacts=answers, composer=composer, transport=transport, rules=SendRules(),
            )  # fmt: skip
            connections += transport.connections_opened
        for outcome in outcomes:
            statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
    return time.perf_counter() - started, statuses, connections


#: What the pool's processes send with: set before the fork, so they inherit it (a Database
#: engine is not shared across a fork: each process opens its own in `_pool_process_start`).
_POOL: dict = {}


def _pool_process_start() -> None:
    _POOL["database"] = Database(_POOL["url"])


def _pool_send(learner_ids: list[int], period: str) -> tuple[Counter, int]:
    """One `notifier.send_digests` batch in a pool process: its outcomes and SMTP connections."""
    with SmtpTransport(SmtpConfig(port=_POOL["port"]), Backoff(attempts=3)) as transport:
        outcomes = send_batch(
            _POOL["database"], learner_ids, "weekly", period, contacts=_POOL["answers"],
            composer=_POOL["composer"], transport=transport, rules=SendRules(),
        )  # fmt: skip
        return Counter(outcome.status for outcome in outcomes), transport.connections_opened


class SendingPool:
    """`processes` forked senders taking batches from a queue, like the worker's prefork pool."""

    def __init__(
        self, processes: int, url: str, port: int, answers: Prefetched, composer: Composer
    ) -> None:
        _POOL.update(url=url, port=port, answers=answers, composer=composer)
        context = multiprocessing.get_context("fork")
        self.pool = context.Pool(processes, initializer=_pool_process_start)
        self.processes = processes

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.pool._pool]  # for their CPU seconds

    def send(self, learner_ids: list[int], period: str, batch: int) -> tuple[dict[str, int], int]:
        """Every learner's digest, batch by batch across the pool: outcomes and connections."""
        batches = [learner_ids[i : i + batch] for i in range(0, len(learner_ids), batch)]
        statuses: Counter = Counter()
        connections = 0
        for found, opened in self.pool.starmap(
            _pool_send, [(part, period) for part in batches], chunksize=1
        ):
            statuses.update(found)
            connections += opened
        return dict(statuses), connections

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


class Prebuilt:
    """A composer handing back messages built before the timing: isolates the delivery side
    (checks, claims, SMTP, records) from composing and rendering, for the breakdown only."""

    def __init__(self, built: dict[int, Composed]) -> None:
        self.built = built

    def digest_id(self, learner_id: int, kind: str, period: str) -> str:
        return digests.digest_id(learner_id, kind, period)

    def compose(self, contact: Contact, kind: str, period: str) -> Composed | None:
        return self.built[contact.learner_id]


def compose_only(
    learner_ids: list[int], period: str, answers: Prefetched, composer: DigestComposer
) -> float:
    """Seconds to compose and build every learner's digest (no database, no SMTP), each
    message dropped once built, as a send drops it."""
    started = time.perf_counter()
    for learner_id in learner_ids:
        composer.compose(answers.contact(learner_id), "weekly", period)
    return time.perf_counter() - started


def settle() -> None:
    """Collect, then freeze what survives, so that no run pays for an earlier run's garbage
    or for scanning the messages kept for the next one."""
    gc.collect()
    gc.freeze()


def bare(port: int, messages: list[tuple[EmailMessage, str, list[str]]]) -> float:
    """Seconds to send `messages` (message, recipient, MAIL FROM options) over one connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for message, address, options in messages:
            connection.send_message(message, to_addrs=[address], mail_options=options)
    return time.perf_counter() - started


def bare_messages(
    learner_ids: list[int], period: str, answers: Prefetched, composer: DigestComposer
) -> list[tuple[EmailMessage, str, list[str]]]:
    """The messages ours sends for `period`, built by the same composer, and their options."""
    messages = []
    for learner_id in learner_ids:
        contact = answers.contact(learner_id)
        message = composer.compose(contact, "weekly", period).message
        options = ["BODY=8BITMIME"] if has_8bit_body(message) else []
        messages.append((message, contact.email, options))
    return messages


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process, or of process `pid`."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU seconds spent by the whole machine, every core (user, nice, system, irq, ...)."""
    ticks = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(t) for i, t in enumerate(ticks) if i not in (3, 4))  # not idle, iowait
    return busy / os.sysconf("SC_CLK_TCK")


class Round:
    """Wall seconds, CPU seconds (ours, the SMTP server's, the rest of the machine's) and the
    1-minute load average around one timed loop."""

    def __init__(self, server_pid: int, sender_pids: list[int] | None = None) -> None:
        """`sender_pids`: the processes that send (default: this one)."""
        self.server_pid = server_pid
        self.sender_pids = sender_pids

    def _senders_cpu(self) -> float:
        if self.sender_pids is None:
            return cpu_seconds()
        return sum(cpu_seconds(pid) for pid in self.sender_pids)

    def __enter__(self) -> Round:
        self.load_before = os.getloadavg()[0]
        self.cpu = (self._senders_cpu(), cpu_seconds(self.server_pid), machine_cpu_seconds())
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        ours, server, machine = (
            self._senders_cpu() - self.cpu[0],
            cpu_seconds(self.server_pid) - self.cpu[1],
            machine_cpu_seconds() - self.cpu[2],
        )
        self.figures = {
            "load_1min_before": round(self.load_before, 2),
            "load_1min_after": round(os.getloadavg()[0], 2),
            "cpu_seconds_senders": round(ours, 2),
            "cpu_seconds_smtp_server": round(server, 2),
            "cpu_seconds_rest_of_machine": round(max(machine - ours - server, 0.0), 2),
        }


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of bare, ours, the pool")
    parser.add_argument(
        "--processes", type=int, default=2, help="the pool's senders (the worker's concurrency)"
    )
    parser.add_argument("--database-url", default=None, help="default: a SQLite file in a tmpdir")
    parser.add_argument("--out", type=Path, default=RESULTS / "notifier_delivery.json")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    learner_ids = list(range(1, args.learners + 1))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout.readline().strip() == "ready"
    services = make_server("127.0.0.1", free_port(), other_services_app, threaded=True)
    threading.Thread(target=services.serve_forever, daemon=True).start()
    settings = NotifierSettings.from_env({})
    rounds: list[dict] = []
    try:
        with tempfile.TemporaryDirectory(prefix="routeways-bench-notifier-") as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'notifier.sqlite3'}"
            upgrade(load("notifier"), url)
            fetch_started = time.perf_counter()
            answers = prefetch(f"http://127.0.0.1:{services.server_port}", learner_ids)
            fetch_seconds = time.perf_counter() - fetch_started
            composer = DigestComposer(answers, settings, settings.mail_sender)
            with Database(url) as database:
                # a warm-up batch (templates compiled, connections pooled), not counted; the
                # pool forks after it, so its processes start as warm as a running worker's
                ours(database, port, learner_ids[:50], "warm-up", answers, composer, args.batch)
                pool = SendingPool(args.processes, url, port, answers, composer)
                warm = learner_ids[: 50 * args.processes]
                pool.send(warm, "warm-up-pool", 50)
                for number in range(1, args.rounds + 1):
                    period = f"2026-W{47 + number}"
                    messages = bare_messages(learner_ids, period, answers, composer)
                    settle()
                    with Round(server.pid) as bare_round:
                        bare(port, messages)
                    del messages
                    settle()
                    with Round(server.pid) as ours_round:
                        _, statuses, connections = ours(
                            database, port, learner_ids, period, answers, composer, args.batch
                        )
                    settle()
                    with Round(server.pid, pool.pids) as pool_round:
                        pool_statuses, pool_connections = pool.send(
                            learner_ids, f"2027-W{10 + number}", args.batch
                        )
                    ours_figures = (ours_round, statuses, connections)
                    pool_figures = (pool_round, pool_statuses, pool_connections)
                    rounds.append(
                        round_figures(
                            number, len(learner_ids), bare_round, ours_figures, pool_figures
                        )
                    )
                    print(json.dumps(rounds[-1]), flush=True)
                settle()
                compose_seconds = compose_only(learner_ids, "2026-W60", answers, composer)
                # the messages again, untimed, for the delivery-only loop
                built = {
                    i: composer.compose(answers.contact(i), "weekly", "2026-W61")
                    for i in learner_ids
                }
                settle()
                delivery_seconds, delivery_statuses, _ = ours(
                    database, port, learner_ids, "2026-W61", answers, Prebuilt(built), args.batch
                )
                pool.close()
    finally:
        services.shutdown()
        server.send_signal(signal.SIGTERM)
        received = int(server.communicate(timeout=30)[0].strip().splitlines()[-1])
    result = summary(args, url, fetch_seconds, rounds, learner_ids, compose_seconds)
    bare_rate = result["bare"]["messages_per_second"]
    delivery_rate = rate(delivery_statuses.get("sent", 0), delivery_seconds)
    result["breakdown"]["delivery_only"] = {
        "what": "ours with the messages built before the timing: checks + claim + SMTP "
        "+ records (the delivery side's own cost), one pass after the rounds",
        "outcomes": delivery_statuses,
        "seconds": round(delivery_seconds, 3),
        "digests_per_second": delivery_rate,
        "ratio_to_bare": round(delivery_rate / bare_rate, 3),
    }
    sent = sum(r["ours"]["digests_sent"] + r["ours_worker_pool"]["digests_sent"] for r in rounds)
    result["server_received"] = received
    result["server_expected"] = (
        50 + len(warm) + sent + args.learners * args.rounds + delivery_statuses.get("sent", 0)
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def round_figures(
    number: int,
    messages: int,
    bare_round: Round,
    ours: tuple[Round, dict, int],
    pool: tuple[Round, dict, int],
) -> dict:
    """One round's figures: bare, then ours and the pool, each (round, outcomes, connections)."""
    bare_rate = rate(messages, bare_round.seconds)
    figures: dict = {
        "round": number,
        "bare": {
            "seconds": round(bare_round.seconds, 3),
            "messages": messages,
            "messages_per_second": bare_rate,
            **bare_round.figures,
        },
    }
    for name, (timed, statuses, connections) in (("ours", ours), ("ours_worker_pool", pool)):
        sent_rate = rate(statuses.get("sent", 0), timed.seconds)
        figures[name] = {
            "digests_sent": statuses.get("sent", 0),
            "outcomes": statuses,
            "smtp_connections": connections,
            "seconds": round(timed.seconds, 3),
            "digests_per_second": sent_rate,
            **timed.figures,
        }
        figures[f"ratio_{name}_to_bare"] = round(sent_rate / bare_rate, 3)
    return figures


def summary(
    args: argparse.Namespace,
    url: str,
    fetch_seconds: float,
    rounds: list[dict],
    learner_ids: list[int],
    compose_seconds: float,
) -> dict:
    """The JSON: totals over the rounds (rates from summed counts and seconds) and each round."""
    sent = sum(r["ours"]["digests_sent"] for r in rounds)
    ours_seconds = sum(r["ours"]["seconds"] for r in rounds)
    pool_sent = sum(r["ours_worker_pool"]["digests_sent"] for r in rounds)
    pool_seconds = sum(r["ours_worker_pool"]["seconds"] for r in rounds)
    bare_seconds = sum(r["bare"]["seconds"] for r in rounds)
    bare_count = len(learner_ids) * len(rounds)
    ours_rate, bare_rate = rate(sent, ours_seconds), rate(bare_count, bare_seconds)
    pool_rate = rate(pool_sent, pool_seconds)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "database": "SQLite (WAL)" if url.startswith("sqlite") else url.split("://")[0],
        "learners": args.learners,
        "batch_size": args.batch,
        "rounds": len(rounds),
        "smtp_server": "aiosmtpd in its own process on loopback, accepting and discarding",
        "stand_in": "the profile (contacts), recommender (suggestions, routes) and catalogue "
        "(courses, providers) answers came from an in-process stand-in over HTTP, fetched "
        "through the notifier's own ContactBook and DigestSources BEFORE the timing "
        f"({fetch_seconds:.1f} s for all learners, not counted); nothing of the notifier's "
        "sending, composing, rendering or bookkeeping is stubbed",
        "ours": {
            "what": "per learner: checks + claim (commit) + compose + links + build_message + "
            "SMTP send + sent (commit); one SMTP connection per batch; one process; all rounds",
            "digests_sent": sent,
            "seconds": round(ours_seconds, 3),
            "digests_per_second": ours_rate,
        },
        "ours_worker_pool": {
            "what": f"the same, in {args.processes} forked processes taking batches of "
            f"{args.batch} from a queue (the worker's prefork pool); all rounds",
            "processes": args.processes,
            "digests_sent": pool_sent,
            "seconds": round(pool_seconds, 3),
            "digests_per_second": pool_rate,
        },
        "bare": {
            "what": "smtplib send_message of the same messages over one reused connection; "
            "all rounds",
            "messages": bare_count,
            "seconds": round(bare_seconds, 3),
            "messages_per_second": bare_rate,
        },
        "ratio_ours_to_bare": round(ours_rate / bare_rate, 3),
        "ratio_ours_worker_pool_to_bare": round(pool_rate / bare_rate, 3),
        "target_ratio": 0.7,
        "per_round": rounds,
        "breakdown": {
            "compose_only": {
                "what": "digests.compose + links + messages.build_message alone, no DB or SMTP",
                "seconds": round(compose_seconds, 3),
                "digests_per_second": rate(len(learner_ids), compose_seconds),
                "ms_per_digest": round(compose_seconds / len(learner_ids) * 1000, 3),
            },
            "ms_per_digest": {
                "ours": round(ours_seconds / sent * 1000, 3),
                "bare": round(bare_seconds / bare_count * 1000, 3),
            },
        },
    }


if __name__ == "__main__":
    main()
