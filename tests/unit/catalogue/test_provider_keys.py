"""Provider API keys without a database: their shape, prefix, checksum and keyed digest, and the
settings that keep the development key secret out of production."""

from __future__ import annotations

import re

import pytest

from services.catalogue import providers
from services.catalogue.settings import CatalogueSettings
from shared.settings import SettingsError

SECRET = "unit-test-secret"


def test_a_key_is_the_rwk_mark_then_46_base62_characters():
    key = providers.new_key()

    assert re.fullmatch(r"rwk_[0-9A-Za-z]{46}", key)
    assert providers.is_well_formed(key)


def test_keys_are_random_and_name_no_provider():
    keys = {providers.new_key() for _ in range(200)}

    assert len(keys) == 200
    assert len({providers.key_prefix(key) for key in keys}) == 200


def test_the_prefix_recognises_a_key_but_is_not_the_key():
    key = providers.new_key()
    prefix = providers.key_prefix(key)

    assert prefix.startswith("rwk_")
    assert len(prefix) == 12
    assert key.startswith(prefix)
    assert len(key) - len(prefix) >= 38  # the secret part stays secret


def test_a_changed_character_fails_the_checksum():
    key = providers.new_key()
    position = len("rwk_") + 5
    swapped = "A" if key[position] != "A" else "B"
    typo = key[:position] + swapped + key[position + 1 :]

    assert not providers.is_well_formed(typo)


def test_look_alikes_are_not_well_formed():
    key = providers.new_key()
    for text in ("", "rwk_", key[:-1], key + "x", "ghp_" + key[4:], key.replace("rwk_", "RWK_"),
                 key[:20] + "-" + key[21:], " " + key):  # fmt: skip
        assert not providers.is_well_formed(text), text


def test_the_digest_is_hex_sha256_and_never_the_plaintext():
    key = providers.new_key()
    digest = providers.key_digest(key, SECRET)

    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert key not in digest
    assert providers.key_prefix(key) not in digest
    assert digest == providers.key_digest(key, SECRET)  # stable, so it can be looked up


def test_the_digest_depends_on_the_server_secret():
    key = providers.new_key()

    assert providers.key_digest(key, SECRET) != providers.key_digest(key, SECRET + "-other")


def test_different_keys_have_different_digests():
    assert providers.key_digest(providers.new_key(), SECRET) != providers.key_digest(
        providers.new_key(), SECRET
    )


PRODUCTION = {"ROUTEWAYS_ENV": "production", "ROUTEWAYS_SECRET_KEY": "s" * 64}


def test_production_refuses_the_development_key_secret():
    with pytest.raises(SettingsError, match="ROUTEWAYS_CATALOGUE_KEY_SECRET"):
        CatalogueSettings.from_env(PRODUCTION)


def test_production_refuses_a_short_admin_token_but_allows_none():
    environ = {**PRODUCTION, "ROUTEWAYS_CATALOGUE_KEY_SECRET": "k" * 64}
    with pytest.raises(SettingsError, match="ROUTEWAYS_CATALOGUE_ADMIN_TOKEN"):
        CatalogueSettings.from_env({**environ, "ROUTEWAYS_CATALOGUE_ADMIN_TOKEN": "admin"})

    assert CatalogueSettings.from_env(environ).admin_token == ""
    long_token = {**environ, "ROUTEWAYS_CATALOGUE_ADMIN_TOKEN": "a" * 32}
    assert CatalogueSettings.from_env(long_token).admin_token == "a" * 32
