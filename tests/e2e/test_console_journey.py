"""The adviser console against the whole system as `make run` starts it (`routeways up` with the
demo data set, on free ports): the demo adviser `up` prints signs in, opens a learner with
routes, runs a what-if, saves it, sends a shortlist, and the email is found in the mail sink.
Screenshots go to test-artifacts/console/e2e-*.png."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from services import SERVICE_NAMES
from shared.embedded_redis import free_port
from tests.e2e import console_journey
from tests.e2e.test_local_system import processes_marked, wait_ready

pytest_plugins = ["tests.chromium"]
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_system(tmp_path_factory):
    """`routeways up` (demo data on) in an empty folder, on free ports, with its own Redis."""
    workdir: Path = tmp_path_factory.mktemp("console-system")
    ports = {name: free_port() for name in SERVICE_NAMES}
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update({f"ROUTEWAYS_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    mail_port = free_port()
    env.update(
        {
            "ROUTEWAYS_SMTP_PORT": str(free_port()),
            "ROUTEWAYS_MAIL_VIEWER_PORT": str(mail_port),
            "ROUTEWAYS_RELAY_POLL_SECONDS": "0.1",
            "ROUTEWAYS_E2E_RUN": uuid.uuid4().hex,
        }
    )
    log_path = workdir / "up.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "up"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    urls["mail"] = f"http://127.0.0.1:{mail_port}"
    yield process, urls, log_path
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    for pid in processes_marked(f"ROUTEWAYS_E2E_RUN={env['ROUTEWAYS_E2E_RUN']}"):
        os.kill(pid, signal.SIGKILL)  # never leave a stray process behind a failed test
    log.close()


@retry(stop=stop_after_delay(120), wait=wait_fixed(1), reraise=True)
def printed_sign_in(log_path: Path) -> tuple[str, str]:
    found = console_journey.SIGN_IN_LINE.search(log_path.read_text(errors="replace"))
    assert found, "routeways up has not printed the demo sign-in yet"
    return found[1], found[2]


@retry(
    stop=stop_after_delay(180),
    wait=wait_fixed(1),
    reraise=True,
    retry=retry_if_exception_type((AssertionError, requests.RequestException)),
)
def recommender_has_the_demo(recommender_url: str) -> None:
    counts = requests.get(f"{recommender_url}/read-model", timeout=5).json()
    assert counts["published_courses"] >= 200, counts
    assert counts["learners"] >= 1000, counts


@pytest.mark.timeout(900)
def test_an_adviser_signs_in_tries_a_what_if_saves_it_and_sends_a_shortlist(demo_system, browser):
    process, urls, log_path = demo_system
    email, password = printed_sign_in(log_path)
    for name in SERVICE_NAMES:
        wait_ready(urls[name])
    recommender_has_the_demo(urls["recommender"])
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        journey = console_journey.run(
            context.new_page(), urls["profile"], urls["mail"], email, password
        )
    finally:
        context.close()

    assert journey.subject.endswith("picked with you")
    assert process.poll() is None, log_path.read_text()[-3000:]
