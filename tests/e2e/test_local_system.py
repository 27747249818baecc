"""The whole system as `make run` starts it: every process up, a course travelling from the
catalogue API to the recommender over the real bus, and a clean stop on Ctrl-C."""

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

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef"


def processes_marked(marker: str) -> list[int]:
    """Pids whose environment carries `marker` (every process `up` starts inherits it)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    """`routeways up --no-demo` in an empty folder, on free ports, with no REDIS_URL (so it starts
    the bundled redis-server itself)."""
    workdir: Path = tmp_path_factory.mktemp("system")
    ports = {name: free_port() for name in SERVICE_NAMES}
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update({f"ROUTEWAYS_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update(
        {
            "ROUTEWAYS_SMTP_PORT": str(free_port()),
            "ROUTEWAYS_MAIL_VIEWER_PORT": str(free_port()),
            "ROUTEWAYS_RELAY_POLL_SECONDS": "0.1",
            "ROUTEWAYS_E2E_RUN": uuid.uuid4().hex,
            "ROUTEWAYS_CATALOGUE_ADMIN_TOKEN": ADMIN_TOKEN,
        }
    )
    log = (workdir / "up.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "up", "--no-demo"],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    yield process, urls, env, workdir
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
    for pid in processes_marked(f"ROUTEWAYS_E2E_RUN={env['ROUTEWAYS_E2E_RUN']}"):
        os.kill(pid, signal.SIGKILL)  # never leave a stray process behind a failed test
    log.close()


@retry(
    stop=stop_after_delay(90),
    wait=wait_fixed(0.5),
    reraise=True,
    retry=retry_if_exception_type((requests.ConnectionError, requests.Timeout, AssertionError)),
)
def wait_ready(url: str) -> None:
    assert requests.get(f"{url}/readyz", timeout=2).status_code == 200


def test_every_service_answers_readyz(system):
    process, urls, env, workdir = system
    for url in urls.values():
        wait_ready(url)
    assert process.poll() is None, (workdir / "up.log").read_text()[-3000:]
    # up, redis, mail sink, 4 web masters, 4 relays, 4 consumers, worker, beat (and their shells)
    assert len(processes_marked(f"ROUTEWAYS_E2E_RUN={env['ROUTEWAYS_E2E_RUN']}")) >= 17


def test_a_course_added_through_the_catalogue_reaches_the_recommender(system):
    _, urls, _, _ = system
    for url in urls.values():
        wait_ready(url)
    catalogue = urls["catalogue"]
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    provider = requests.post(
        f"{catalogue}/providers",
        timeout=5,
        headers=admin,
        json={"key": "nelson-and-colne", "name": "Nelson and Colne College", "kind": "fe-college",
              "campuses": [{"name": "Barrowford Road", "postcode": "BB9 7YT",
                            "latitude": 53.832, "longitude": -2.218}]},
    ).json()  # fmt: skip
    key = requests.post(
        f"{catalogue}/providers/{provider['id']}/keys", timeout=5, headers=admin, json={}
    ).json()["key"]
    response = requests.put(
        f"{catalogue}/providers/{provider['id']}/courses/NCC-ENG-3",
        timeout=5,
        headers={"X-API-Key": key},
        json={
            "title": "T Level in Engineering",
            "qualification_type": "T Level",
            "rqf_level": 3,
            "route_kind": "technical",
            "sector": "Engineering and manufacturing",
            "campus": "Barrowford Road",
        },
    )
    assert response.status_code == 201

    @retry(stop=stop_after_delay(60), wait=wait_fixed(0.25), reraise=True)
    def course_arrives() -> None:
        assert (
            requests.get(f"{urls['recommender']}/read-model", timeout=2).json()["published_courses"]
            == 1
        )

    course_arrives()


def test_ctrl_c_stops_every_process(system):
    process, urls, env, _ = system
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    for url in urls.values():
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/healthz", timeout=2)
    assert processes_marked(f"ROUTEWAYS_E2E_RUN={env['ROUTEWAYS_E2E_RUN']}") == []
