"""The production-like stack (docker-compose.yml and deploy/) without running docker.

The file is read as data: it must name every process of the system, keep Redis durable, start
processes in a safe order, and run only commands the `routeways` CLI really has, with arguments
the CLI accepts. The last checks import the CLI; the others need nothing but PyYAML.
"""

from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"

# The four services (services.SERVICE_NAMES; test_service_names_match_the_services_package keeps
# this copy honest) and the port each one serves on.
SERVICE_NAMES = ("profile", "catalogue", "recommender", "notifier")
WEB_PORTS = {"profile": 8001, "catalogue": 8002, "recommender": 8003, "notifier": 8004}

# Containers built from deploy/Dockerfile, with the command each must run.
APP_COMMANDS: dict[str, list[str]] = {
    "migrate": ["routeways", "migrate"],
    "worker": ["routeways", "worker"],
    "beat": ["routeways", "beat"],
    "unsubscribe-inbox": ["routeways", "notifier", "unsubscribe-inbox"],
    **{name: ["routeways", "serve", name] for name in SERVICE_NAMES},
    **{f"relay-{name}": ["routeways", "relay", name] for name in SERVICE_NAMES},
    **{f"consume-{name}": ["routeways", "consume", name] for name in SERVICE_NAMES},
}
INFRASTRUCTURE = {"redis", "postgres", "flower", "mailpit"}

# Images whose own Dockerfile declares a HEALTHCHECK, so compose may wait on them being healthy
# without defining one.
IMAGES_WITH_HEALTHCHECKS = ("axllent/mailpit",)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def argv(service: dict[str, Any]) -> list[str]:
    """A service's command as an argument list (compose accepts a string or a list)."""
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def config_directives(path: Path) -> dict[str, str]:
    """`name value` lines of a redis.conf-style file, comments and blank lines skipped."""
    directives = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition(" ")
            directives[name.lower()] = value.strip()
    return directives


def host_file_mounted_at(service: dict[str, Any], target: str) -> Path | None:
    """The host file a service's short-syntax volume mounts at `target`, if any."""
    for volume in service.get("volumes", []):
        source, _, rest = volume.partition(":")
        if rest.split(":")[0] == target and source.startswith("."):
            return (ROOT / source).resolve()
    return None


# --- the YAML alone ------------------------------------------------------------------------------


def test_compose_file_parses_into_a_mapping_of_services(compose):
    assert isinstance(compose, dict)
    assert isinstance(compose.get("services"), dict)
    assert all(isinstance(service, dict) for service in compose["services"].values())


def test_compose_names_every_process_of_the_system(services):
    assert set(services) == set(APP_COMMANDS) | INFRASTRUCTURE


def test_each_app_container_runs_its_own_command_for_its_own_service(services):
    for name, expected in APP_COMMANDS.items():
        assert argv(services[name])[: len(expected)] == expected, name


def test_every_app_container_builds_the_one_image_with_the_production_environment(services):
    for name in APP_COMMANDS:
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        environment = service["environment"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0", name
        assert environment["ROUTEWAYS_ENV"] == "production", name
        # interpolated from the host, and compose refuses to start without it
        assert environment["ROUTEWAYS_SECRET_KEY"].startswith("${ROUTEWAYS_SECRET_KEY:?"), name
        # the notifier and the profile service share the contact token; compose insists on one
        assert environment["ROUTEWAYS_NOTIFIER_CONTACT_TOKEN"].startswith(
            "${ROUTEWAYS_NOTIFIER_CONTACT_TOKEN:?"
        ), name
        # the Mailpit sink unless the host names a real relay
        assert environment["ROUTEWAYS_SMTP_HOST"] == "${ROUTEWAYS_SMTP_HOST:-mailpit}", name
        assert environment["ROUTEWAYS_SMTP_PORT"] == "${ROUTEWAYS_SMTP_PORT:-1025}", name
        for service_name in SERVICE_NAMES:
            url = environment[f"ROUTEWAYS_{service_name.upper()}_DATABASE_URL"]
            assert url == (
                f"postgresql+psycopg://routeways:routeways@postgres:5432/{service_name}"
            ), name


def test_redis_persists_to_an_append_only_file_fsynced_every_second(services):
    redis = services["redis"]
    assert redis["image"].startswith("redis:7")
    command = argv(redis)
    assert command[0] == "redis-server"
    config = host_file_mounted_at(redis, command[1])
    assert config == DEPLOY / "redis.conf", "redis must start with deploy/redis.conf"
    directives = config_directives(config)
    assert directives["appendonly"] == "yes"
    assert directives["appendfsync"] == "everysec"
    assert directives["dir"] == "/data"
    # ... and /data outlives the container
    assert any(
        volume.split(":")[1] == "/data" and not volume.startswith(".")
        for volume in redis["volumes"]
    )


def test_postgres_init_creates_one_database_per_service_owned_by_routeways(services):
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:16")
    script = next(
        (ROOT / volume.split(":")[0]).resolve()
        for volume in postgres["volumes"]
        if volume.split(":")[1].startswith("/docker-entrypoint-initdb.d/")
    )
    assert script == DEPLOY / "postgres-init.sql"
    sql = script.read_text()
    assert re.search(r"CREATE ROLE routeways\b[^;]*\bLOGIN\b[^;]*PASSWORD 'routeways'", sql)
    created = re.findall(r"CREATE DATABASE (\w+) OWNER routeways;", sql)
    assert sorted(created) == sorted(SERVICE_NAMES)


def test_web_services_listen_publish_and_probe_their_own_port(services):
    for name, port in WEB_PORTS.items():
        service = services[name]
        command = argv(service)
        # `serve` binds the loopback unless told otherwise, unreachable from outside a container
        assert command[command.index("--host") + 1] == "0.0.0.0", name
        assert str(service["environment"][f"ROUTEWAYS_{name.upper()}_PORT"]) == str(port), name
        assert f"{port}:{port}" in service["ports"], name
        probe = service["healthcheck"]["test"]
        assert probe[:3] == ["CMD", "python", "-c"], name
        assert "urllib" in probe[3], name
        assert f"http://127.0.0.1:{port}/readyz" in probe[3], name


def test_redis_and_postgres_report_health(services):
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]


def test_processes_start_after_healthy_dependencies_and_a_successful_migration(services):
    for name, service in services.items():
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if dependency == "migrate":
                assert rule["condition"] == "service_completed_successfully", name
                continue
            assert rule["condition"] == "service_healthy", f"{name} -> {dependency}"
            target = services[dependency]
            assert "healthcheck" in target or target.get("image", "").startswith(
                IMAGES_WITH_HEALTHCHECKS
            ), f"{name} waits for {dependency} to be healthy, but it has no healthcheck"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["restart"] == "no"
    for name in APP_COMMANDS.keys() - {"migrate", "beat"}:
        assert "migrate" in services[name]["depends_on"], f"{name} may start before the schema"


def test_flower_watches_the_broker_and_mailpit_takes_smtp(services):
    assert services["flower"]["image"].startswith("mher/flower")
    assert "--broker=redis://redis:6379/0" in argv(services["flower"])
    assert services["mailpit"]["image"].startswith("axllent/mailpit")
    published = {port.rsplit(":", 1)[-1] for port in services["mailpit"]["ports"]}
    assert {"1025", "8025"} <= published


def test_image_installs_the_project_non_editable_as_a_non_root_user():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    instructions = [
        line.strip()
        for line in dockerfile.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert instructions[0] == "FROM python:3.11-slim"
    install = next(line for line in instructions if "pip install" in line)
    assert re.search(r"pip install (--no-cache-dir )?\.(\s|$)", install), install
    assert "-e" not in install.split()
    assert "[dev]" not in dockerfile
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users, "the image runs as root"
    assert users[-1] not in {"root", "0"}
    assert "WORKDIR /app" in instructions
    assert "ENV OPENBLAS_NUM_THREADS=1" in instructions
    assert instructions[-1] == 'CMD ["routeways", "--help"]'


def test_gunicorn_config_takes_port_and_workers_from_the_environment(monkeypatch):
    monkeypatch.setenv("ROUTEWAYS_PORT", "8003")
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "120")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "0.0.0.0:8003"
    assert config["workers"] == 5
    assert (config["threads"], config["timeout"], config["graceful_timeout"]) == (4, 120, 20)
    assert config["accesslog"] == "-"

    monkeypatch.delenv("ROUTEWAYS_PORT")
    monkeypatch.delenv("WEB_CONCURRENCY")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"]) == ("0.0.0.0:8000", 2)


# --- the YAML against the code -------------------------------------------------------------------


def test_service_names_match_the_services_package():
    services_package = pytest.importorskip("services")
    assert tuple(services_package.SERVICE_NAMES) == SERVICE_NAMES


def test_every_app_command_exists_in_the_cli(services):
    cli = pytest.importorskip("shared.cli")
    known_services = pytest.importorskip("services").SERVICE_NAMES
    main = cli.main
    assert isinstance(main, click.Group)
    root = click.Context(main, info_name="routeways")
    for name in APP_COMMANDS:
        program, subcommand, *arguments = argv(services[name])
        assert program == "routeways", name
        command = main.get_command(root, subcommand)
        assert command is not None, f"{name}: `routeways {subcommand}` is no CLI command"
        # Parse (never run) the arguments exactly as the CLI would; a wrong count, an unknown
        # option or a value outside a Choice raises a UsageError here.
        try:
            parsed = command.make_context(subcommand, list(arguments), parent=root)
        except click.UsageError as error:
            pytest.fail(f"{name}: `{shlex.join(argv(services[name]))}`: {error.format_message()}")
        given = [
            value
            for param in command.params
            if isinstance(param, click.Argument)
            for value in (
                parsed.params[param.name]
                if isinstance(parsed.params[param.name], tuple)
                else [parsed.params[param.name]]
            )
            if value is not None
        ]
        assert all(value in known_services for value in given), f"{name}: {given}"


def test_every_configuration_variable_in_compose_is_a_routeways_setting(services):
    """A misspelt or unbound variable would be ignored silently and the default (SQLite, a
    local Redis) used instead; `routeways settings --markdown` lists every bound variable."""
    cli = pytest.importorskip("shared.cli")
    result = CliRunner().invoke(cli.main, ["settings", "--markdown"])
    assert result.exit_code == 0, result.output
    bound = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", result.output))
    in_compose = {
        variable
        for name in APP_COMMANDS
        for variable in services[name]["environment"]
        if variable.startswith("ROUTEWAYS_") or variable == "REDIS_URL"
    }
    assert in_compose - bound == set()
