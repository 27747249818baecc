"""Email preference bodies: the learner's choice of how often, or not at all."""

from marshmallow import Schema, fields, validate

#: Each choice the page offers, in the order shown; "none" turns suggestion emails off.
CHOICES = {
    "weekly": "Once a week",
    "monthly": "Once a month",
    "instant": "As soon as there is something new",
    "none": "No course-suggestion emails",
}


class PreferencesForm(Schema):
    choice = fields.String(
        required=True,
        validate=validate.OneOf(tuple(CHOICES)),
        metadata={"description": "weekly, monthly, instant, or none"},
    )


class PreferencesSchema(Schema):
    suggestion_emails = fields.Boolean()
    frequency = fields.String(allow_none=True)
