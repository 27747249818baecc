"""Unsubscribe bodies."""

from marshmallow import Schema, fields


class OneClickForm(Schema):
    """RFC 8058's POST body (`List-Unsubscribe=One-Click`), or the confirm page's empty form:
    either way the POST itself is the request."""

    class Meta:
        unknown = "exclude"

    list_unsubscribe = fields.String(data_key="List-Unsubscribe", load_default=None)


class UnsubscribedSchema(Schema):
    unsubscribed = fields.Boolean()
