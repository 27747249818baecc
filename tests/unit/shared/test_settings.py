"""Settings: every variable binds to its field (as gorse's TestBindEnv), bad values are refused."""

from __future__ import annotations

import pytest

from services import all_specs
from shared.settings import Settings, SettingsError, describe_markdown

SETTINGS_CLASSES = [Settings, *[spec.settings_class for spec in all_specs()]]


def sample(binding) -> str:
    """A value of the binding's type that is not its default."""
    if isinstance(binding.default, bool):  # before int: a bool is an int
        return "false" if binding.default else "true"
    samples = {int: "4242", float: "42.5"}
    value = samples.get(binding.cast, f"value-of-{binding.field}")
    if binding.field == "environment":
        return "staging"
    return value


ROUTE_VALUES = {
    "ROUTEWAYS_ROUTE_WEIGHTS": "skills=0.5,cost=0.25",
    "ROUTEWAYS_ROUTE_MIN_SKILL_SHARE": "0.5",
    "ROUTEWAYS_ROUTE_MAX_STEPS": "3",
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ROUTEWAYS_ROUTE_WEIGHTS", "skills=lots"),
        ("ROUTEWAYS_ROUTE_WEIGHTS", "speed=0.5"),
        ("ROUTEWAYS_ROUTE_WEIGHTS", "cost=-1"),
        ("ROUTEWAYS_ROUTE_MIN_SKILL_SHARE", "1.5"),
        ("ROUTEWAYS_ROUTE_MAX_STEPS", "0"),
    ],
)
def test_route_settings_that_make_no_sense_are_refused_naming_the_variable(name, value):
    recommender = next(s for s in all_specs() if s.name == "recommender").settings_class
    with pytest.raises(SettingsError, match=name):
        recommender.from_env({name: value})


@pytest.mark.parametrize("settings_class", SETTINGS_CLASSES, ids=lambda c: c.__name__)
def test_every_environment_variable_sets_its_field(settings_class):
    bindings = settings_class.bindings()
    environ = {b.env: sample(b) for b in bindings}
    environ["ROUTEWAYS_BUS_RECLAIM_IDLE_SECONDS"] = "100"  # must stay above the handler limit
    environ["ROUTEWAYS_BUS_HANDLER_TIME_LIMIT_SECONDS"] = "50"
    for name, value in ROUTE_VALUES.items():  # values the recommender's checks accept
        if name in environ:
            environ[name] = value

    settings = settings_class.from_env(environ)

    for binding in bindings:
        assert getattr(settings, binding.field) == binding.cast(environ[binding.env]), binding.env


def test_each_service_has_its_own_database_and_port_variables():
    envs = [{b.env for b in spec.settings_class.bindings()} for spec in all_specs()]
    for spec, names in zip(all_specs(), envs, strict=True):
        assert f"ROUTEWAYS_{spec.name.upper()}_DATABASE_URL" in names
        assert f"ROUTEWAYS_{spec.name.upper()}_PORT" in names


def test_defaults_are_the_embedded_ones():
    settings = all_specs()[1].settings_class.from_env({})
    assert settings.database_url == "sqlite:///var/catalogue.sqlite3"
    assert settings.port == 8002


def test_unreadable_value_names_the_variable():
    with pytest.raises(SettingsError, match="ROUTEWAYS_BUS_MAX_DELIVERIES"):
        Settings.from_env({"ROUTEWAYS_BUS_MAX_DELIVERIES": "many"})


def test_reclaim_threshold_must_exceed_the_handler_time_limit():
    with pytest.raises(SettingsError, match="RECLAIM_IDLE"):
        Settings.from_env(
            {
                "ROUTEWAYS_BUS_RECLAIM_IDLE_SECONDS": "10",
                "ROUTEWAYS_BUS_HANDLER_TIME_LIMIT_SECONDS": "30",
            }
        )


def test_the_consumers_batch_size_is_a_setting_of_at_least_one_event():
    from shared.cli import policy_from

    assert policy_from(Settings.from_env({"ROUTEWAYS_BUS_BATCH_SIZE": "7"})).batch_size == 7
    assert policy_from(Settings.from_env({})).batch_size == 100
    with pytest.raises(SettingsError, match="ROUTEWAYS_BUS_BATCH_SIZE"):
        Settings.from_env({"ROUTEWAYS_BUS_BATCH_SIZE": "0"})


def test_production_refuses_the_development_secret():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"ROUTEWAYS_ENV": "production"})


def test_celery_visibility_timeout_exceeds_the_task_time_limit():
    settings = Settings.from_env({"ROUTEWAYS_TASK_TIME_LIMIT_SECONDS": "900"})
    assert settings.celery_visibility_timeout > 900


def test_configuration_table_lists_every_variable_once():
    table = describe_markdown(SETTINGS_CLASSES)
    names = {b.env for c in SETTINGS_CLASSES for b in c.bindings()}
    for name in names:
        assert table.count(f"`{name}`") == 1
