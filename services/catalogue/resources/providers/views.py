"""/providers: the organisations that offer courses, their campuses and their API keys.

Anyone may read providers and campuses. Registering a provider and managing its keys needs the
admin token; a provider maintains its own campuses with its API key, and asks `GET /providers/me`
which provider a key belongs to (other services authenticate provider keys that way).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NoReturn

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

from services.catalogue import providers
from services.catalogue.resources.providers.schemas import (
    CampusBody,
    CampusDetailsSchema,
    IssuedKeySchema,
    KeyOwnerSchema,
    KeySchema,
    NewKeySchema,
    ProviderSchema,
)
from shared.web import db_session
from shared.web.blueprint import Blueprint

LISTED_KEY_ATTRIBUTES = ("id", "provider_id", "prefix", "label", "created_at", "last_used_at",
                         "revoked_at")  # fmt: skip

blp = Blueprint(
    "providers",
    __name__,
    url_prefix="/providers",
    description="Course providers, their campuses and API keys",
)


@blp.route("")
class Providers(MethodView):
    @blp.response(200, ProviderSchema(many=True))
    def get(self) -> list:
        """List providers with their campuses"""
        return providers.list_providers(db_session())

    @blp.admin_required
    @blp.arguments(ProviderSchema)
    @blp.response(201, ProviderSchema)
    def post(self, body: dict) -> object:
        """Register a provider with its campuses (admin)"""
        campuses = [providers.CampusDetails(**campus) for campus in body.pop("campuses")]
        return _in_transaction(
            lambda session: providers.create_provider(session, **body, campuses=campuses)
        )


@blp.route("/me")
class ProviderOfKey(MethodView):
    @blp.provider_required
    @blp.response(200, KeyOwnerSchema)
    def get(self) -> dict:
        """The provider the presented API key belongs to (401 for no, unknown or revoked key)"""
        provider = _in_transaction(lambda session: providers.get_provider(session, g.provider_id))
        return {"provider_id": provider.id, "name": provider.name}


@blp.route("/<int:provider_id>")
class ProviderById(MethodView):
    @blp.response(200, ProviderSchema)
    def get(self, provider_id: int) -> object:
        """Read a provider with its campuses"""
        return _in_transaction(lambda session: providers.get_provider(session, provider_id))


@blp.route("/<int:provider_id>/keys")
class ProviderKeys(MethodView):
    @blp.admin_required
    @blp.response(200, KeySchema(many=True))
    def get(self, provider_id: int) -> list:
        """List the provider's API keys: prefixes and dates only (admin)"""
        return _in_transaction(lambda session: providers.list_keys(session, provider_id))

    @blp.admin_required
    @blp.arguments(NewKeySchema)
    @blp.response(201, IssuedKeySchema)
    def post(self, body: dict, provider_id: int) -> SimpleNamespace:
        """Issue a new API key, shown this once; the provider's other keys keep working (admin)"""
        secret = current_app.extensions["routeways.settings"].key_secret
        key, plaintext = _in_transaction(
            lambda session: providers.issue_key(session, provider_id, body["label"], secret)
        )
        listed = {name: getattr(key, name) for name in LISTED_KEY_ATTRIBUTES}
        return SimpleNamespace(**listed, key=plaintext, warning=providers.SHOWN_ONCE)


@blp.route("/<int:provider_id>/keys/<int:key_id>")
class ProviderKeyById(MethodView):
    @blp.admin_required
    @blp.response(200, KeySchema)
    def delete(self, provider_id: int, key_id: int) -> object:
        """Revoke an API key at once; revoking it again changes nothing (admin)"""
        return _in_transaction(lambda session: providers.revoke_key(session, provider_id, key_id))


@blp.route("/<int:provider_id>/campuses/<string:name>")
class ProviderCampus(MethodView):
    @blp.provider_required
    @blp.arguments(CampusBody)
    @blp.response(200, CampusDetailsSchema)
    @blp.alt_response(201, schema=CampusDetailsSchema, description="Created")
    def put(self, body: dict, provider_id: int, name: str) -> tuple:
        """Add or move one of the provider's own campuses (its courses move with it)"""
        details = providers.CampusDetails(name=name, **body)
        campus, added = _in_transaction(
            lambda session: providers.put_campus(session, provider_id, details)
        )
        return campus, 201 if added else 200


def _in_transaction(change: Any) -> Any:
    """Run `change(session)` in the request's transaction and commit; domain errors become
    problem responses (unknown provider or key 404, duplicate 409, unusable campus 422)."""
    session = db_session()
    try:
        result = change(session)
        session.commit()
    except providers.ProviderError as error:
        session.rollback()
        _refuse(error)
    except IntegrityError:
        session.rollback()
        abort(409, message="a concurrent request changed the same provider; retry")
    return result


def _refuse(error: providers.ProviderError) -> NoReturn:
    if isinstance(error, providers.UnknownProvider | providers.UnknownKey):
        abort(404, message=error.reason)
    status = 409 if isinstance(error, providers.DuplicateProvider) else 422
    abort(status, errors={"json": {error.field: [error.reason]}})
