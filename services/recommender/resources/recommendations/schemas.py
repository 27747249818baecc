"""Recommendation bodies: the query and the ranked courses with their reasons."""

from marshmallow import Schema, fields, validate

from shared.events.profile import DELIVERY_MODES


class RecommendationQuery(Schema):
    n = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    route_kind = fields.String(validate=validate.OneOf(("academic", "technical")))
    max_km = fields.Float(validate=validate.Range(min=0, max=500))
    mode = fields.String(validate=validate.OneOf(DELIVERY_MODES))


class SuggestionSchema(Schema):
    course_id = fields.Integer()
    provider_id = fields.Integer()
    title = fields.String(allow_none=True)
    score = fields.Float()
    components = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={
            "description": "collaborative (model score), popularity, feasibility (1: passed)"
        },
    )
    distance_km = fields.Float(allow_none=True)
    cost_to_learner_pence = fields.Integer()
    reason = fields.String()


class RecommendationsSchema(Schema):
    learner_id = fields.Integer()
    model_version = fields.String(allow_none=True)
    items = fields.List(fields.Nested(SuggestionSchema))
