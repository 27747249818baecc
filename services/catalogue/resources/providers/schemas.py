"""Provider, campus and API key bodies."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.catalogue.providers import PROVIDER_KINDS, PROVIDER_SLUG, UKPRN


class CampusBody(Schema):
    """Where a campus is; without coordinates, its postcode district's centroid is used."""

    postcode = fields.String(
        required=True,
        validate=validate.Length(min=2, max=10),
        metadata={"description": 'UK postcode ("PR2 8UR") or postcode district ("PR2")'},
    )
    latitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-90, max=90)
    )
    longitude = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=-180, max=180)
    )

    @validates_schema
    def both_coordinates_or_neither(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError("give both latitude and longitude, or neither", "latitude")


class CampusDetailsSchema(CampusBody):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ProviderSchema(Schema):
    id = fields.Integer(dump_only=True)
    key = fields.String(
        required=True,
        validate=validate.Regexp(PROVIDER_SLUG),
        metadata={"description": 'Short unique name, like "prestons-college"'},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(PROVIDER_KINDS))
    ukprn = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(UKPRN),
        metadata={"description": "UK Provider Reference Number (8 digits)"},
    )
    contact_email = fields.Email(
        load_default=None,
        allow_none=True,
        load_only=True,
        validate=validate.Length(max=320),
        metadata={"description": "Who the catalogue's operators write to (not published)"},
    )
    website = fields.Url(load_default=None, allow_none=True, validate=validate.Length(max=300))
    campuses = fields.List(fields.Nested(CampusDetailsSchema), load_default=list)
    created_at = fields.AwareDateTime(dump_only=True)


class NewKeySchema(Schema):
    label = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"description": 'What the key is for, like "MIS nightly sync"'},
    )


class KeySchema(Schema):
    """A key as listed: its prefix to recognise it, never the key itself."""

    id = fields.Integer()
    provider_id = fields.Integer()
    prefix = fields.String(metadata={"description": 'The key\'s first characters, "rwk_..."'})
    label = fields.String()
    active = fields.Method("is_active")
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Last use, to the minute"}
    )
    revoked_at = fields.AwareDateTime(allow_none=True)

    def is_active(self, key: Any) -> bool:
        return key.revoked_at is None


class IssuedKeySchema(KeySchema):
    """A new key: the only time its plaintext is shown."""

    key = fields.String(metadata={"description": "Send it as the X-API-Key header"})
    warning = fields.String()


class KeyOwnerSchema(Schema):
    """Whose key it is: what another service needs to authorise a provider's request."""

    provider_id = fields.Integer()
    name = fields.String()
