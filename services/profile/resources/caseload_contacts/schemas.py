"""The notifier's question (these learners: who advises them?) and the profile's answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.profile.caseload_contacts import MAX_LEARNERS


class CaseloadLookupSchema(Schema):
    learner_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        required=True,
        validate=validate.Length(min=1, max=MAX_LEARNERS),
        metadata={"description": f"the learners whose advisers are wanted, 1 to {MAX_LEARNERS}"},
    )


class LookedUpLearnerSchema(Schema):
    learner_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)


class AdviserContactSchema(Schema):
    """An open adviser account and the named learners it may see."""

    adviser_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    email = fields.String(dump_only=True)
    learners = fields.List(fields.Nested(LookedUpLearnerSchema), dump_only=True)
